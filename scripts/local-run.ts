import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { settingsFromConfig } from "../config/load";
import { buildPlan, type PlanDocument } from "../plan/plan";
import { PlanInputError, readStackConfig } from "../plan/stackConfig";
import { program } from "../program";
import { environmentPython, type RunSpecRuntime, RuntimeChoiceError, runSpecRuntime } from "./localRunRuntime";
import { type LocalRunTarget, localRunTarget, plannedProjects, taskParameter } from "./localRunSpec";

/**
 * `npm run local-run -- --project <name> [--stack <stack>] --out <dir> [--json]`: runs a
 * project's jobs on local Spark and MLflow as the program declares them. The plan (built here,
 * in-process, as `npm run plan` builds it) gives the notebooks, the tasks in their order and
 * their base parameters; the Python side (localrun/, in the project's virtual environment) runs
 * them and writes the summary. See docs/workloads.md.
 */

const ROOT = path.resolve(__dirname, "..");
const EXIT_USAGE = 2;

class UsageError extends Error {}

interface Options {
    project: string;
    stack: string;
    out: string;
    json?: boolean;
    shift?: boolean;
    dryRun?: boolean;
    user: string;
    projectDir: string;
    sourceStack: string;
}

function parse(argv: string[]): Options {
    const cli = new Command()
        .name("local-run")
        .description("Run a project's jobs locally (Spark, Delta, MLflow) as the program declares them.")
        .requiredOption("-p, --project <name>", "the ML project whose jobs run")
        .option("-s, --stack <name>", "the stack whose plan gives the jobs", "dev")
        .requiredOption("-o, --out <dir>", "folder for the MLflow store, the Spark tables, the volumes and the logs")
        .option("--json", "print the summary as JSON")
        .option("--shift", "send the endpoint shifted requests today, so that the drift check fires")
        .option("--dry-run", "write the run spec (the plan's jobs, tasks and parameters) to <out> and stop")
        .option("--user <userName>", "the deploying user the plan assumes", "dev.user@example.com")
        .option("--project-dir <dir>", "folder holding Pulumi.yaml", ROOT)
        .option(
            "--source-stack <name>",
            "deploy-model: the stack whose training job registers the version the promotion copies",
            "dev",
        )
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) })
        .showHelpAfterError();
    cli.parse(argv);
    return cli.opts<Options>();
}

async function plan(opts: Options, stack: string): Promise<PlanDocument> {
    return buildPlan(program, { projectDir: path.resolve(opts.projectDir), stack, currentUser: opts.user });
}

/** The workload folder the project's config names (its sample data lives there). */
function workloadDir(opts: Options, stack: string): string {
    const projectDir = path.resolve(opts.projectDir);
    const sc = readStackConfig(projectDir, stack);
    const settings = settingsFromConfig({
        namespace: sc.project,
        stack: sc.stack,
        config: sc.config,
        isSecret: (k) => sc.secretKeys.includes(k),
        projectDir,
    });
    const p = settings.projects.find((x) => x.name === opts.project);
    return path.resolve(ROOT, p?.workload.dir ?? "workloads/churn");
}

async function target(opts: Options, stack: string): Promise<LocalRunTarget> {
    const doc = await plan(opts, stack);
    const t = localRunTarget(doc, opts.project, stack);
    if (!t) {
        const known = plannedProjects(doc);
        throw new UsageError(
            `--project: stack ${stack} has no project ${JSON.stringify(opts.project)}; its projects: ${known.join(", ") || "none"}`,
        );
    }
    return t;
}

/** The interpreter of the runtime's environment (MLOPS_PYTHON names another; the run checks its libraries). */
function python(runtime: RunSpecRuntime): string {
    const candidate = process.env.MLOPS_PYTHON ?? environmentPython(ROOT, runtime.environment);
    if (!candidate || !fs.existsSync(candidate)) {
        throw new UsageError(
            `no Python environment for ${runtime.runtimes.join(", ")} at ${candidate ?? path.join(ROOT, "envs", runtime.environment, ".venv")}: ` +
                `run \`npm run setup:python -- ${runtime.environment}\` first`,
        );
    }
    return candidate;
}

/** The runtime the targets' jobs declare: one, with a tested environment. */
function declaredRuntime(targets: LocalRunTarget[], opts: Options): RunSpecRuntime {
    const declared = targets.flatMap((t) => t.jobs.flatMap((j) => j.runtimes));
    try {
        return runSpecRuntime(declared, `${opts.project} (${targets.map((t) => t.stack).join(", ")})`);
    } catch (err) {
        if (err instanceof RuntimeChoiceError) throw new UsageError(err.message);
        throw err;
    }
}

async function main(argv: string[]): Promise<number> {
    let opts: Options;
    try {
        opts = parse(argv);
    } catch (err) {
        if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
        throw err;
    }
    const out = path.resolve(opts.out);
    if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UsageError(`--out: ${out} is not a folder`);

    const main = await target(opts, opts.stack);
    const targets: LocalRunTarget[] = [main];
    const promotion = main.jobs.find((j) => j.role === "promotion");
    if (promotion) {
        // Deploy-model: the promoted version comes from the development model, trained by the
        // source stack's training job into the same local registry first.
        const sourceModel = taskParameter(promotion, "source_model") ?? "";
        const source = await target(opts, opts.sourceStack);
        if (!source.models.includes(sourceModel) || !source.jobs.some((j) => j.role === "training")) {
            throw new UsageError(
                `--source-stack: the promotion of ${opts.project} (${opts.stack}) copies ${sourceModel}, but stack ${opts.sourceStack} ` +
                    `${source.jobs.some((j) => j.role === "training") ? `trains ${source.models.join(", ")}` : "has no training job"} ` +
                    `(for user ${opts.user}); set promotion.sourceModel, --user or --source-stack to match`,
            );
        }
        targets.unshift({ ...source, trainingOnly: true });
    }

    const runtime = declaredRuntime(targets, opts);
    const interpreter = opts.dryRun ? "" : python(runtime);
    fs.mkdirSync(out, { recursive: true });
    const specFile = path.join(out, "local-run-spec.json");
    const spec = {
        project: opts.project,
        stack: opts.stack,
        out,
        workloadDir: workloadDir(opts, opts.stack),
        shift: opts.shift ?? false,
        runtime,
        targets,
    };
    fs.writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
    fs.rmSync(path.join(out, "summary.json"), { force: true });
    if (opts.dryRun) {
        process.stdout.write(`${specFile}\n`);
        return 0;
    }

    // In the output folder: MLflow and Spark make their defaults (`./mlruns`, `spark-warehouse`)
    // in the working folder of whichever process first opens them, Spark's Python workers included,
    // and a local run leaves nothing in the checkout. The modules come from PYTHONPATH.
    const run = spawnSync(interpreter, ["-m", "localrun.scenario", specFile], {
        cwd: out,
        stdio: ["ignore", process.stderr, process.stderr],
        env: { ...process.env, PYTHONPATH: ROOT, PYTHONDONTWRITEBYTECODE: "1", MLOPS_RUNTIME: runtime.environment },
    });
    if (run.error) throw new Error(`could not run ${interpreter}: ${run.error.message}`);
    const summaryFile = path.join(out, "summary.json");
    if (!fs.existsSync(summaryFile)) {
        process.stderr.write(`error: the local run stopped before writing ${summaryFile}\n`);
        return run.status || 1;
    }
    const summary = JSON.parse(fs.readFileSync(summaryFile, "utf8")) as Summary;
    process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : render(summary));
    return run.status ?? 1;
}

interface Summary {
    project: string;
    stack: string;
    out: string;
    status: string;
    seconds: number;
    runtime: { runtimes: string[]; environment: string; name: string; python: string };
    mlflow: { trackingUri: string };
    jobs: {
        job: string;
        role: string;
        status: string;
        tasks: { task: string; status: string; seconds: number; compute?: string }[];
    }[];
    runs: { experiment: string; run_id: string; metrics: Record<string, number> }[];
    models: { name: string; versions: number[]; aliases: Record<string, string> }[];
    tables: Record<string, number>;
    served: { endpoint: string; requests: number; shifted: boolean }[];
    drift: { drift_detected?: string; retrained: boolean } | null;
    notes: string[];
}

/** The summary for people. */
function render(s: Summary): string {
    const lines = [
        `local run of ${s.project} (${s.stack}) in ${s.out}: ${s.status} in ${s.seconds} s`,
        `runtime: ${s.runtime.runtimes.join(", ")} (${s.runtime.name}), in envs/${s.runtime.environment} on Python ${s.runtime.python}`,
        "jobs:",
    ];
    for (const j of s.jobs) {
        lines.push(`  ${j.job} (${j.role}): ${j.status}`);
        for (const t of j.tasks)
            lines.push(`    ${t.task}: ${t.status} in ${t.seconds.toFixed(1)} s${t.compute ? ` on ${t.compute}` : ""}`);
    }
    lines.push(`MLflow: ${s.mlflow.trackingUri}`, `  runs: ${s.runs.length}`);
    for (const r of s.runs) {
        const metrics = Object.entries(r.metrics)
            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
            .join(", ");
        lines.push(`    ${r.run_id} in ${r.experiment}: ${metrics}`);
    }
    for (const m of s.models) {
        const aliases = Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`);
        lines.push(`  model ${m.name}: versions ${m.versions.join(", ")}; aliases ${aliases.join(", ") || "none"}`);
    }
    lines.push("tables:");
    for (const [t, n] of Object.entries(s.tables)) lines.push(`  ${t}: ${n} rows`);
    for (const e of s.served)
        lines.push(`served: ${e.requests} requests through ${e.endpoint}${e.shifted ? " (today's shifted)" : ""}`);
    if (s.drift)
        lines.push(
            `drift: ${s.drift.drift_detected === "true" ? "detected" : "not detected"}; retraining ${s.drift.retrained ? "ran" : "skipped"}`,
        );
    for (const n of s.notes) lines.push(`note: ${n}`);
    return `${lines.join("\n")}\n`;
}

main(process.argv).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        if (
            err instanceof UsageError ||
            err instanceof PlanInputError ||
            (err instanceof Error && err.name === "ConfigError")
        ) {
            process.stderr.write(`error: ${err.message}\n`);
            process.exitCode = EXIT_USAGE;
            return;
        }
        process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
    },
);
