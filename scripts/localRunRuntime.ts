import * as fs from "node:fs";
import * as path from "node:path";
import {
    environmentDir,
    isSupportedRuntime,
    RUNTIMES,
    type Runtime,
    type RuntimeId,
    serverlessRuntimeId,
    unsupportedRuntimeMessage,
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
    sparkVersion: RuntimeId;
    name: string;
    python: string;
    localPython: string;
    libraries: Runtime["libraries"];
    delta: string;
}

export class RuntimeChoiceError extends Error {}

/**
 * The one supported runtime that jobs declare, for the run spec. `where` names them in errors
 * (`ml-project (dev)`).
 */
export function runSpecRuntime(declared: string[], where: string): RunSpecRuntime {
    const runtimes = [...new Set(declared)].sort();
    if (runtimes.length === 0) {
        throw new RuntimeChoiceError(
            `the jobs of ${where} declare no runtime (no job cluster, no serverless environment)`,
        );
    }
    if (runtimes.length > 1) {
        throw new RuntimeChoiceError(
            `the jobs of ${where} declare ${runtimes.length} runtimes (${runtimes.join(", ")}); a local run runs on one environment`,
        );
    }
    const [id] = runtimes;
    if (!isSupportedRuntime(id)) throw new RuntimeChoiceError(`the jobs of ${where}: ${unsupportedRuntimeMessage(id)}`);
    const r = RUNTIMES[id];
    return {
        sparkVersion: id,
        name: r.name,
        python: r.python,
        localPython: r.localPython,
        libraries: r.libraries,
        delta: r.delta,
    };
}

/** The interpreter of a runtime's environment, `npm run setup:python` having installed it. */
export function runtimePython(root: string, runtime: RuntimeId): string | undefined {
    const candidate = path.join(root, environmentDir(runtime), ".venv", "bin", "python");
    return fs.existsSync(candidate) ? candidate : undefined;
}
