import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { DEFAULT_RUNTIME, ENVIRONMENTS, environmentOf, RUNTIME_IDS, RUNTIMES, runtimesOf } from "../config/runtimes";
import { environmentPython } from "./localRunRuntime";

/**
 * `npm run test:workloads [-- --runtime <id>|all] [pytest arguments]`: the workload suite
 * (tests/workloads: the notebooks on local Spark and MLflow) in a runtime's environment, its test
 * stacks' jobs declaring that runtime. The runtime is `--runtime`, else `MLOPS_RUNTIME`, else the
 * default runtime; `all` runs the suite in each environment in turn (as CI does): runtimes that
 * share an environment are tested once.
 */

const ROOT = path.resolve(__dirname, "..");

export interface WorkloadArgs {
    /** The environments to run the suite in (`envs/<environment>/`). */
    environments: string[];
    pytest: string[];
}

/** The environments to test and the arguments left for pytest; throws on an unknown runtime. */
export function parseWorkloadArgs(argv: string[], envRuntime: string | undefined): WorkloadArgs {
    const rest: string[] = [];
    let named: string | undefined = envRuntime || undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--runtime") {
            named = argv[++i];
            if (named === undefined) throw new Error("--runtime: expected a runtime or all");
        } else if (a.startsWith("--runtime=")) named = a.slice("--runtime=".length);
        else rest.push(a);
    }
    if (named === undefined) return { environments: [RUNTIMES[DEFAULT_RUNTIME].environment], pytest: rest };
    if (named === "all") return { environments: [...ENVIRONMENTS], pytest: rest };
    const ids = named.split(",");
    const unknown = ids.filter((id) => !environmentOf(id));
    if (unknown.length > 0) {
        throw new Error(
            `--runtime: expected all or a supported runtime (${RUNTIME_IDS.join(", ")}), found ${unknown.map((u) => JSON.stringify(u)).join(", ")}`,
        );
    }
    return { environments: [...new Set(ids.map((id) => environmentOf(id) as string))], pytest: rest };
}

function main(argv: string[]): number {
    let args: WorkloadArgs;
    try {
        args = parseWorkloadArgs(argv, process.env.MLOPS_RUNTIME);
    } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        return 2;
    }
    const results: string[] = [];
    let failed = false;
    for (const environment of args.environments) {
        const python = environmentPython(ROOT, environment);
        if (!python) {
            process.stderr.write(
                `error: no environment envs/${environment}: run \`npm run setup:python -- ${environment}\` first\n`,
            );
            return 2;
        }
        process.stdout.write(`workload suite in envs/${environment} (${runtimesOf(environment).join(", ")})\n`);
        const started = Date.now();
        const run = spawnSync(python, ["-m", "pytest", "-q", "tests/workloads", ...args.pytest], {
            cwd: ROOT,
            stdio: "inherit",
            env: { ...process.env, MLOPS_RUNTIME: environment, PYTHONDONTWRITEBYTECODE: "1" },
        });
        const seconds = Math.round((Date.now() - started) / 1000);
        const status = run.error ? `could not run: ${run.error.message}` : run.status === 0 ? "passed" : "FAILED";
        if (status !== "passed") failed = true;
        results.push(`  envs/${environment}: ${status} in ${seconds} s`);
    }
    if (args.environments.length > 1) process.stdout.write(`workload suite by environment:\n${results.join("\n")}\n`);
    return failed ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
