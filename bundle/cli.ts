import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { parseDocument } from "yaml";
import { settingsFromConfig } from "../config/load";
import { buildPlan } from "../plan/plan";
import { readStackConfig } from "../plan/stackConfig";
import { program } from "../program";
import type { AdoptKey } from "../config/schema";
import { BundleError, loadBundle } from "./load";
import { type MappedTarget, mapTarget, NothingToImport } from "./map";
import { renderReport, type ReportEntry } from "./report";
import { resolveTarget, targetNames } from "./resolve";
import { IDENTITY, readDeploymentState } from "./state";
import { compose, type ImportResult, PROGRAM_ROOT, programDefaults, writeInto, writeOut } from "./write";

/**
 * `npm run import-bundle -- <bundle folder> --out <folder> [--write] [--state <target>=<file>]`:
 * a Databricks Asset Bundle as this program's project and stacks, and, with the bundle's
 * deployment state, the deployed objects adopted by id. Exit 0: imported (the report printed and
 * written beside the output); 2: not imported (not a bundle, invalid YAML, nothing to import, bad
 * usage), with a message and no stack trace.
 */

export interface ImportOptions {
    bundleDir: string;
    out: string;
    /** Add the project to the shared file and stack files of this folder too. */
    writeInto?: string;
    /** Deployment state per target. */
    states: Record<string, string>;
    /** The deploying user whose development names the state shows. */
    user: string;
}

export interface ImportOutcome {
    exitCode: number;
    /** The report (Markdown), also written beside the output. */
    report: string;
    entries: ReportEntry[];
    result?: ImportResult;
    /** A message for stderr when the import failed. */
    error?: string;
}

/** The project name of this program: the namespace of its config keys. */
function namespace(): string {
    const doc = parseDocument(fs.readFileSync(path.join(PROGRAM_ROOT, "Pulumi.yaml"), "utf8")).toJS() as {
        name: string;
    };
    return doc.name;
}

/** Runs an import in-process (the CLI and the tests). */
export async function importBundle(opts: ImportOptions): Promise<ImportOutcome> {
    const entries: ReportEntry[] = [];
    try {
        return await run(opts, entries);
    } catch (err) {
        if (err instanceof BundleError || err instanceof NothingToImport) {
            if (err instanceof NothingToImport) entries.push(...err.entries);
            const targets = [...new Set(entries.map((e) => e.target).filter((t) => t !== "*"))];
            const report =
                renderReport(`Import of ${opts.bundleDir}: nothing imported`, targets, entries) + `\n${err.message}\n`;
            return { exitCode: 2, report, entries, error: err.message };
        }
        throw err;
    }
}

async function run(opts: ImportOptions, entries: ReportEntry[]): Promise<ImportOutcome> {
    const bundle = loadBundle(opts.bundleDir);
    const ns = namespace();
    const defaults = programDefaults();
    const names = targetNames(bundle);
    // A bundle without targets deploys to the target `default` (bundle/config/mutator/default_target.go).
    const targets = names.length > 0 ? names : ["default"];
    for (const t of Object.keys(opts.states)) {
        if (!targets.includes(t))
            throw new BundleError(
                `--state ${t}=...: expected one of the bundle's targets (${targets.join(", ")}), found ${t}`,
            );
    }
    const mapped: MappedTarget[] = [];
    let nothing: NothingToImport | undefined;
    for (const t of targets) {
        try {
            const m = mapTarget(bundle, resolveTarget(bundle, t), defaults);
            mapped.push(m);
            entries.push(...m.entries);
        } catch (err) {
            if (!(err instanceof NothingToImport)) throw err;
            nothing = err;
            entries.push(...err.entries);
        }
    }
    if (mapped.length === 0) throw new NothingToImport((nothing as NothingToImport).message, []);

    // Adoption: each deployed object of the state that the stack declares the same way.
    const adopt = new Map<string, Record<string, string>>();
    if (Object.keys(opts.states).length > 0) {
        const draft = compose(mapped, ns, defaults, new Map());
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-import-"));
        try {
            writeOut(
                dir,
                draft,
                {
                    bundleName: String(bundle.config.bundle && (bundle.config.bundle as Record<string, unknown>).name),
                    rootFile: bundle.rootFile,
                },
                [],
            );
            for (const [target, file] of Object.entries(opts.states)) {
                const m = mapped.find((x) => x.target === target);
                if (!m) continue;
                adopt.set(target, await adoptions(dir, ns, target, file, m, opts.user, entries));
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    const result = compose(mapped, ns, defaults, adopt);
    const meta = {
        bundleName: String((bundle.config.bundle as Record<string, unknown>).name),
        rootFile: path.join(path.relative(process.cwd(), bundle.dir) || ".", bundle.rootFile),
    };
    writeOut(opts.out, result, meta, entries);
    // Each generated stack is checked as the program will check it; a problem is the user's to fix.
    for (const target of result.stacks.keys()) {
        const problems = stackProblems(opts.out, ns, target);
        for (const p of problems)
            entries.push({ target, kind: "unresolved", path: `Pulumi.${target}.yaml`, message: p });
    }
    if (opts.writeInto) writeInto(opts.writeInto, ns, result, meta, entries);
    const report = renderReport(
        `Import of the bundle ${meta.bundleName} (${meta.rootFile})`,
        mapped.map((m) => m.target),
        entries,
    );
    fs.writeFileSync(path.join(opts.out, "import-report.md"), report);
    if (opts.writeInto)
        fs.writeFileSync(path.join(opts.writeInto, "workloads", result.project, "import-report.md"), report);
    return { exitCode: 0, report, entries, result };
}

/** The problems the program's config check finds in a generated stack. */
function stackProblems(dir: string, ns: string, target: string): string[] {
    const sc = readStackConfig(dir, target);
    try {
        settingsFromConfig({ namespace: ns, stack: target, config: sc.config, isSecret: () => false, projectDir: dir });
        return [];
    } catch (err) {
        const problems = (err as { problems?: string[] }).problems;
        return problems ?? [(err as Error).message];
    }
}

/**
 * The ids to adopt in one target: each deployed object whose role the mapping knows and whose
 * naming inputs the planned stack declares the same. The others are reported with what differs.
 */
async function adoptions(
    dir: string,
    ns: string,
    target: string,
    file: string,
    m: MappedTarget,
    user: string,
    entries: ReportEntry[],
): Promise<Record<string, string>> {
    const deployed = readDeploymentState(file);
    const problems = stackProblems(dir, ns, target);
    if (problems.length > 0) {
        entries.push({
            target,
            kind: "differs",
            path: file,
            message: `nothing adopted: the generated stack does not pass the config check (${problems[0]})`,
        });
        return {};
    }
    const doc = await buildPlan(program, { projectDir: dir, stack: target, currentUser: user });
    const project = String(m.project.name);
    const ids: Record<string, string> = {};
    for (const obj of deployed) {
        const role = m.roles.get(obj.key);
        const where = `resources.${obj.key}`;
        if (!role) {
            const mapped = m.entries.some(
                (e) => e.path.startsWith(where) && (e.kind === "imported" || e.kind === "differs"),
            );
            entries.push({
                target,
                kind: "differs",
                path: where,
                message: mapped
                    ? `deployed as ${obj.id}, not adopted (the program declares its own, see above): it stays in the workspace; \`databricks bundle deployment unbind ${obj.key.split(".")[1]} -t ${target}\` leaves it there unmanaged, or delete it once the program's replacement runs`
                    : `deployed as ${obj.id}; not a resource of the project: it stays the bundle's`,
            });
            continue;
        }
        const identity = IDENTITY[role as AdoptKey];
        const step = doc.steps.find(
            (s) => s.newState.type === identity.type && s.urn.endsWith(`::${project}${identity.urn}`),
        );
        if (!step) {
            entries.push({
                target,
                kind: "differs",
                path: where,
                message: `deployed as ${obj.id}; the stack declares no such object, so it is not adopted`,
            });
            continue;
        }
        const diffs = identity.fields
            .map(
                ([deployedKey, declaredKey]) =>
                    [deployedKey, obj.attributes[deployedKey], step.newState.inputs[declaredKey]] as const,
            )
            .filter(([, a, b]) => a !== undefined && a !== b);
        const what = diffs.map(([k, a, b]) => `${k} "${String(a)}" deployed, "${String(b)}" declared`).join("; ");
        if (diffs.length > 0 && identity.replaces) {
            entries.push({
                target,
                kind: "differs",
                path: where,
                message: `deployed as ${obj.id}, not adopted: ${what} (a change that replaces it; the program would create its own)`,
            });
            continue;
        }
        ids[role] = obj.id;
        entries.push({
            target,
            kind: "adopted",
            path: where,
            message: `adopt.${role}: ${obj.id}${diffs.length > 0 ? ` (${what}: updated in place after the adoption)` : ""}; then \`databricks bundle deployment unbind ${obj.key.split(".")[1]} -t ${target}\``,
        });
    }
    return ids;
}

function parseState(value: string, previous: Record<string, string>): Record<string, string> {
    const m = /^([^=]+)=(.+)$/.exec(value);
    if (!m) throw new BundleError(`--state: expected <target>=<file>, found "${value}"`);
    if (!fs.existsSync(m[2])) throw new BundleError(`--state ${m[1]}=${m[2]}: no such file`);
    return { ...previous, [m[1]]: m[2] };
}

async function main(argv: string[]): Promise<number> {
    const cli = new Command()
        .name("import-bundle")
        .description("Import a Databricks Asset Bundle as a project and stacks of this program.")
        .argument("<bundle>", "the bundle folder (holding databricks.yml)")
        .requiredOption(
            "--out <folder>",
            "write the project folder here (it plans as is: npm run plan -- --stack <target> --project-dir <folder>)",
        )
        .option("--write", "also add the project to this checkout's shared.yaml and stack files (comments kept)")
        .option("--project-dir <dir>", "with --write: the project folder to add to", PROGRAM_ROOT)
        .option(
            "--state <target=file>",
            "the bundle's deployment state of a target (terraform.tfstate or resources.json): adopt what it deployed; repeatable",
            parseState,
            {},
        )
        .option(
            "--user <userName>",
            "the deploying user of development targets, whose prefixed names the state holds",
            "dev.user@example.com",
        )
        .exitOverride()
        .showHelpAfterError();
    try {
        cli.parse(argv);
    } catch (err) {
        if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
        throw err;
    }
    const o = cli.opts<{
        out: string;
        write?: boolean;
        projectDir: string;
        state: Record<string, string>;
        user: string;
    }>();
    const outcome = await importBundle({
        bundleDir: path.resolve(cli.args[0]),
        out: path.resolve(o.out),
        writeInto: o.write ? path.resolve(o.projectDir) : undefined,
        states: o.state,
        user: o.user,
    });
    process.stdout.write(outcome.report);
    if (outcome.error) process.stderr.write(`error: ${outcome.error}\n`);
    else process.stderr.write(`imported into ${o.out}: npm run plan -- --stack <target> --project-dir ${o.out}\n`);
    return outcome.exitCode;
}

if (require.main === module) {
    main(process.argv).then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            // Input problems are BundleErrors (exit 2); anything else is a bug, reported as one line.
            const message = err instanceof Error ? err.message : String(err);
            process.stderr.write(
                `error: ${err instanceof BundleError ? "" : "the import failed unexpectedly: "}${message}\n`,
            );
            process.exitCode = err instanceof BundleError ? 2 : 1;
        },
    );
}
