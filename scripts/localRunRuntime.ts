import * as fs from "node:fs";
import * as path from "node:path";
import {
    environmentDir,
    RUNTIMES,
    type Runtime,
    type RuntimeId,
    serverlessRuntimeId,
    unsupportedDeclaredRuntimeMessage,
} from "../config/runtimes";

/**
 * Which runtime a local run runs on: the one the project's jobs declare, in the plan (their job
 * clusters' `sparkVersion`, a task's own `newCluster`, a serverless environment's version), so
 * that the notebooks run locally on the libraries they get as job tasks.
 */

// The plan's inputs are the SDK's input shapes, as JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The runtimes one job's inputs declare (a task on an existing cluster declares none). */
export function jobRuntimes(inputs: Json): string[] {
    const found = new Set<string>();
    for (const c of (inputs?.jobClusters ?? []) as Json[]) {
        if (c?.newCluster?.sparkVersion) found.add(String(c.newCluster.sparkVersion));
    }
    for (const t of (inputs?.tasks ?? []) as Json[]) {
        if (t?.newCluster?.sparkVersion) found.add(String(t.newCluster.sparkVersion));
    }
    for (const e of (inputs?.environments ?? []) as Json[]) {
        const version = e?.spec?.environmentVersion ?? e?.spec?.client;
        if (version !== undefined) found.add(serverlessRuntimeId(String(version)));
    }
    return [...found].sort();
}

/** What the Python side checks its interpreter against (localrun/runtime.py `check_runtime`). */
export interface RunSpecRuntime {
    /** The runtimes the jobs declare (one, or several that share an environment). */
    runtimes: RuntimeId[];
    /** The environment they run in: `envs/<environment>/`, `.spark-jars/<environment>/`. */
    environment: string;
    name: string;
    python: string;
    localPython: string;
    libraries: Runtime["libraries"];
    delta: string;
}

export class RuntimeChoiceError extends Error {}

/**
 * The environment of the runtimes jobs declare, for the run spec: every runtime supported, and
 * all in one environment. `where` names the jobs in errors (`ml-project (dev)`).
 */
export function runSpecRuntime(declared: string[], where: string): RunSpecRuntime {
    const ids = [...new Set(declared)].sort();
    if (ids.length === 0) {
        throw new RuntimeChoiceError(
            `the jobs of ${where} declare no runtime (no job cluster, no serverless environment)`,
        );
    }
    for (const id of ids) {
        const problem = unsupportedDeclaredRuntimeMessage(id);
        if (problem) throw new RuntimeChoiceError(`the jobs of ${where}: ${problem}`);
    }
    const runtimes = ids as RuntimeId[];
    const environments = [...new Set(runtimes.map((id) => RUNTIMES[id].environment))];
    if (environments.length > 1) {
        throw new RuntimeChoiceError(
            `the jobs of ${where} declare runtimes of ${environments.length} environments (${runtimes.join(", ")}); a local run runs in one`,
        );
    }
    const r: Runtime = RUNTIMES[runtimes[0]];
    return {
        runtimes,
        environment: r.environment,
        name: runtimes.map((id) => RUNTIMES[id].name).join("; "),
        python: r.python,
        localPython: r.localPython,
        libraries: r.libraries,
        delta: r.delta,
    };
}

/** The interpreter of an environment, `npm run setup:python` having installed it. */
export function environmentPython(root: string, environment: string): string | undefined {
    const candidate = path.join(root, environmentDir(environment), ".venv", "bin", "python");
    return fs.existsSync(candidate) ? candidate : undefined;
}
