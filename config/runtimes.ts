/**
 * The Databricks runtimes this project supports: each one a runtime a stack's jobs may declare,
 * with the locked local environment (`envs/<runtime>/`) that runs the workloads on that runtime's
 * own library versions. A runtime without an environment here is rejected by the config.
 *
 * The versions are the runtime's, from Databricks' release notes: Spark from the runtime table,
 * MLflow from the MLflow-Databricks Runtime compatibility matrix, Python and the libraries from the
 * ML runtime's "Installed Python libraries" (the same lists Databricks publishes as
 * `python/dbr/<sparkVersion>/pyproject.toml` in databricks/environments). tests/runtimes.test.ts
 * checks every entry against its environment's pyproject.toml and uv.lock.
 *
 * Adding a runtime: docs/workloads.md ("Supported runtimes").
 */

/** The libraries whose versions an environment pins to its runtime's. */
export const PINNED_LIBRARIES = [
    "pyspark",
    "mlflow",
    "scikit-learn",
    "pandas",
    "numpy",
    "pyarrow",
    "scipy",
    "cloudpickle",
] as const;

export type PinnedLibrary = (typeof PINNED_LIBRARIES)[number];

export interface Runtime {
    /** The runtime's name in Databricks' release notes. */
    name: string;
    /**
     * `cluster`: a job cluster's `sparkVersion` (the key); `serverless`: a serverless environment
     * version, keyed `serverless-v<version>` (see `serverlessRuntimeId`).
     */
    kind: "cluster" | "serverless";
    /**
     * The Python the runtime runs. The local environment runs `localPython` when no package
     * registry offers this one (see docs/workloads.md).
     */
    python: string;
    /** The Python minor version the local environment runs on. */
    localPython: string;
    /** The runtime's library versions (pyspark is the runtime's Spark). */
    libraries: Record<PinnedLibrary, string>;
    /**
     * The Delta Lake release built on the runtime's Spark, for local Spark only (the runtime has
     * its own Delta): the `delta-spark` Python package and the `io.delta` jars.
     */
    delta: string;
    /** Scala binary version of the runtime's Spark (the Delta jars' suffix). */
    scala: string;
    /** End of Databricks' support (ISO date). */
    endOfSupport: string;
}

/**
 * Cluster runtimes (`sparkVersion`) with a tested local environment, newest first.
 * 18 LTS is the newest LTS ML runtime (Spark 4.1.0, released 2026-06-10); 17.3 LTS is the previous
 * one (Spark 4.0.0). Sources: "Databricks Runtime release notes versions and compatibility" and the
 * "Databricks Runtime 18 LTS for Machine Learning" / "Databricks Runtime 17.3 LTS for Machine
 * Learning" release notes. 18 LTS's sparkVersion is the bare-major key `18.x-...` that Databricks
 * gives the runtime lines from 18 on.
 */
export const RUNTIMES = {
    "18.x-cpu-ml-scala2.13": {
        name: "Databricks Runtime 18 LTS for Machine Learning",
        kind: "cluster",
        python: "3.12",
        localPython: "3.11",
        libraries: {
            pyspark: "4.1.0",
            mlflow: "3.8.1",
            "scikit-learn": "1.6.1",
            pandas: "2.2.3",
            numpy: "2.1.3",
            pyarrow: "21.0.0",
            scipy: "1.15.3",
            cloudpickle: "3.0.0",
        },
        delta: "4.1.0",
        scala: "2.13",
        endOfSupport: "2029-06-10",
    },
    "17.3.x-cpu-ml-scala2.13": {
        name: "Databricks Runtime 17.3 LTS for Machine Learning",
        kind: "cluster",
        python: "3.12",
        localPython: "3.11",
        libraries: {
            pyspark: "4.0.0",
            mlflow: "3.0.1",
            "scikit-learn": "1.6.1",
            pandas: "2.2.3",
            numpy: "2.1.3",
            pyarrow: "19.0.1",
            scipy: "1.15.1",
            cloudpickle: "3.0.0",
        },
        delta: "4.0.0",
        scala: "2.13",
        endOfSupport: "2028-10-22",
    },
} as const satisfies Record<string, Runtime>;

export type RuntimeId = keyof typeof RUNTIMES;

/** The runtime the shipped stacks declare: the newest LTS ML runtime. */
export const DEFAULT_RUNTIME: RuntimeId = "18.x-cpu-ml-scala2.13";

export const RUNTIME_IDS = Object.keys(RUNTIMES) as RuntimeId[];

/**
 * The key of a serverless environment version in `RUNTIMES` (the name databricks/environments
 * gives it). No serverless environment has a local environment yet, so a job on serverless
 * compute is rejected until one is added here.
 */
export function serverlessRuntimeId(environmentVersion: string | number): string {
    return `serverless-v${environmentVersion}`;
}

/** Whether the project has a tested local environment for a runtime. */
export function isSupportedRuntime(id: string): id is RuntimeId {
    return Object.hasOwn(RUNTIMES, id);
}

/** The folder, from the repository root, of a runtime's locked environment. */
export function environmentDir(id: RuntimeId): string {
    return `envs/${id}`;
}

/**
 * Why a declared runtime cannot be used, or undefined when it can: the message a config error
 * carries after its file and key (`expected ..., found "<id>"`).
 */
export function unsupportedRuntimeMessage(id: string): string | undefined {
    if (isSupportedRuntime(id)) return undefined;
    return (
        `expected a Databricks ML runtime this project has a tested local environment for ` +
        `(${RUNTIME_IDS.join(", ")}; docs/workloads.md says how to add one), found ${JSON.stringify(id)}`
    );
}
