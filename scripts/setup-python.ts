import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { checkEnvironment } from "./runtimeEnvironments";
import { ENVIRONMENTS, environmentDir, environmentOf, RUNTIME_IDS, RUNTIMES, runtimesOf } from "../config/runtimes";

/**
 * `npm run setup:python [-- <runtime>...]`: installs the local environment of each supported
 * runtime (all of them when none is named): its Python project from its lock file
 * (`uv sync --frozen` into `envs/<environment>/.venv`) and the Delta jars built on its Spark from
 * Maven Central (into `.spark-jars/<environment>/`). uv never downloads an interpreter
 * (`python-downloads = "never"` in each environment).
 */

const ROOT = path.resolve(__dirname, "..");

function run(command: string, args: string[], cwd: string): void {
    process.stdout.write(`$ ${command} ${args.join(" ")}\n`);
    const r = spawnSync(command, args, { cwd, stdio: "inherit" });
    if (r.error) throw new Error(`could not run ${command}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${command} exited ${r.status ?? r.signal}`);
}

/** Installs one environment: its lock, and the Delta jars of its runtimes' Spark. */
export function setup(environment: string): void {
    const runtimes = runtimesOf(environment);
    const r = RUNTIMES[runtimes[0]];
    process.stdout.write(`${environmentDir(environment)} (${runtimes.map((id) => RUNTIMES[id].name).join("; ")}):\n`);
    const problems = runtimes.flatMap((id) => checkEnvironment(ROOT, id));
    if (problems.length > 0) throw new Error(`the environment disagrees with its runtime:\n  ${problems.join("\n  ")}`);
    run("uv", ["sync", "--frozen", "--project", environmentDir(environment)], ROOT);
    run(
        "mvn",
        [
            "-q",
            "-B",
            "dependency:copy-dependencies",
            "-DexcludeTransitive=true",
            `-Ddelta.version=${r.delta}`,
            `-Dscala.binary.version=${r.scala}`,
            `-DoutputDirectory=${path.join(ROOT, ".spark-jars", environment)}`,
        ],
        path.join(ROOT, "localrun"),
    );
}

function main(args: string[]): number {
    const unknown = args.filter((a) => !environmentOf(a));
    if (unknown.length > 0) {
        process.stderr.write(
            `error: ${unknown.map((a) => JSON.stringify(a)).join(", ")}: expected a supported runtime (${RUNTIME_IDS.join(", ")})\n`,
        );
        return 2;
    }
    const environments = args.length > 0 ? [...new Set(args.map((a) => environmentOf(a) as string))] : ENVIRONMENTS;
    try {
        for (const environment of environments) setup(environment);
    } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        return 1;
    }
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
