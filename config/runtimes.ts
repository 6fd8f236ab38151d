/**
 * The Databricks runtimes this project supports, and the locked local environment each one runs
 * in: a runtime is what a job declares (a job cluster's `sparkVersion`, or a serverless
 * environment version), an environment is `envs/<environment>/` (a uv project and its lock) with
 * that runtime's own library versions, so that the workloads are tested locally on the libraries
 * they get as job tasks. A runtime without an environment here is a config error.
 *
 * The versions are the runtime's, from Databricks' release notes: Spark from the runtime table,
 * MLflow from the MLflow-Databricks Runtime compatibility matrix, Python and the libraries from
 * the ML runtime's (or the serverless environment version's) "Installed Python libraries", the
 * same lists Databricks publishes per runtime as `python/dbr/<sparkVersion>/pyproject.toml` and
 * `python/serverless/serverless-v<N>/pyproject.toml` in databricks/environments.
 * tests/runtimes.test.ts checks every entry against its environment's pyproject.toml and uv.lock.
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
     * version, keyed `serverless-v<version>` (`serverlessRuntimeId`).
     */
    kind: "cluster" | "serverless";
    /**
     * The environment it runs in locally: `envs/<environment>/`. Two runtimes share one when their
     * versions are the same (the test checks each against the lock).
     */
    environment: string;
    /**
     * The Python the runtime runs. The local environment runs `localPython` when no package
     * registry offers this one (see docs/workloads.md).
     */
    python: string;
    /** The Python minor version the local environment runs on. */
    localPython: string;
    /**
     * The runtime's library versions. pyspark is the runtime's Spark (serverless: the Spark of
     * its Databricks Connect).
     */
    libraries: Record<PinnedLibrary, string>;
    /**
     * The Delta Lake release built on the runtime's Spark, for local Spark only (the runtime has
     * its own Delta): the `delta-spark` Python package and the `io.delta` jars.
     */
    delta: string;
    /** Scala binary version of the runtime's Spark (the Delta jars' suffix). */
    scala: string;
    /** End of Databricks' support (ISO date), where the release notes give one. */
    endOfSupport?: string;
}

const LTS18_LIBRARIES = {
    pyspark: "4.1.0",
    mlflow: "3.8.1",
    "scikit-learn": "1.6.1",
    pandas: "2.2.3",
    numpy: "2.1.3",
    pyarrow: "21.0.0",
    scipy: "1.15.3",
    cloudpickle: "3.0.0",
} as const;

/**
 * The supported runtimes, newest first. 18 LTS is the newest LTS ML runtime (Spark 4.1.0,
 * released 2026-06-10); 17.3 LTS is the previous one (Spark 4.0.0). Sources: "Databricks Runtime
 * release notes versions and compatibility", "Databricks Runtime 18 LTS for Machine Learning",
 * "Databricks Runtime 17.3 LTS for Machine Learning" and "Serverless environment version 5". 18
 * LTS's sparkVersion is the bare-major key `18.x-...` that Databricks gives runtime lines from 18 on.
 * Serverless environment version 5 (Databricks Connect 18, Spark 4.1) ships the same versions of
 * these libraries as 18 LTS ML, so it runs in 18 LTS's environment.
 */
export const RUNTIMES = {
    "18.x-cpu-ml-scala2.13": {
        name: "Databricks Runtime 18 LTS for Machine Learning",
        kind: "cluster",
        environment: "18.x-cpu-ml-scala2.13",
        python: "3.12",
        localPython: "3.11",
        libraries: LTS18_LIBRARIES,
        delta: "4.1.0",
        scala: "2.13",
        endOfSupport: "2029-06-10",
    },
    "17.3.x-cpu-ml-scala2.13": {
        name: "Databricks Runtime 17.3 LTS for Machine Learning",
        kind: "cluster",
        environment: "17.3.x-cpu-ml-scala2.13",
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
    "serverless-v5": {
        name: "Serverless environment version 5",
        kind: "serverless",
        environment: "18.x-cpu-ml-scala2.13",
        python: "3.12",
        localPython: "3.11",
        libraries: LTS18_LIBRARIES,
        delta: "4.1.0",
        scala: "2.13",
    },
} as const satisfies Record<string, Runtime>;

export type RuntimeId = keyof typeof RUNTIMES;

/** The runtime the shipped stacks declare: the newest LTS ML runtime. */
export const DEFAULT_RUNTIME: RuntimeId = "18.x-cpu-ml-scala2.13";

export const RUNTIME_IDS = Object.keys(RUNTIMES) as RuntimeId[];

/** The cluster runtimes (`sparkVersion`s) with an environment. */
export const CLUSTER_RUNTIME_IDS = RUNTIME_IDS.filter((id) => RUNTIMES[id].kind === "cluster");

/** The serverless environment versions with an environment (`"5"`). */
export const SERVERLESS_ENVIRONMENT_VERSIONS = RUNTIME_IDS.filter((id) => RUNTIMES[id].kind === "serverless").map(
    (id) => id.slice("serverless-v".length),
);

/** The environments (`envs/<environment>/`), each once, in the order of the runtimes. */
export const ENVIRONMENTS: string[] = [...new Set(RUNTIME_IDS.map((id) => RUNTIMES[id].environment))];

/** The key in `RUNTIMES` of a serverless environment version (the name databricks/environments gives it). */
export function serverlessRuntimeId(environmentVersion: string | number): string {
    return `serverless-v${environmentVersion}`;
}

/** Whether the project has a tested local environment for a runtime. */
export function isSupportedRuntime(id: string): id is RuntimeId {
    return Object.hasOwn(RUNTIMES, id);
}

/** Whether a name is an environment of `envs/`. */
export function isEnvironment(name: string): boolean {
    return ENVIRONMENTS.includes(name);
}

/** The folder, from the repository root, of an environment (or of a runtime's environment). */
export function environmentDir(idOrEnvironment: string): string {
    const environment = isSupportedRuntime(idOrEnvironment) ? RUNTIMES[idOrEnvironment].environment : idOrEnvironment;
    return `envs/${environment}`;
}

/**
 * Why a job cluster's `sparkVersion` cannot be used, or undefined when it can: the message a
 * config error carries after its file and key (`expected ..., found "<id>"`).
 */
export function unsupportedRuntimeMessage(sparkVersion: string): string | undefined {
    if (isSupportedRuntime(sparkVersion) && RUNTIMES[sparkVersion].kind === "cluster") return undefined;
    return (
        `expected a Databricks ML runtime this project has a tested local environment for ` +
        `(${CLUSTER_RUNTIME_IDS.join(", ")}; docs/workloads.md says how to add one), found ${JSON.stringify(sparkVersion)}`
    );
}

/**
 * Why a serverless environment version cannot be used, or undefined when it can (for the config
 * of jobs on serverless compute).
 */
export function unsupportedServerlessMessage(environmentVersion: string): string | undefined {
    if (SERVERLESS_ENVIRONMENT_VERSIONS.includes(environmentVersion)) return undefined;
    return (
        `expected a serverless environment version this project has a tested local environment for ` +
        `(${SERVERLESS_ENVIRONMENT_VERSIONS.join(", ")}; docs/workloads.md says how to add one), found ${JSON.stringify(environmentVersion)}`
    );
}

/** Why a runtime a job declares (a `sparkVersion` or `serverless-v<N>`) cannot be used, or undefined. */
export function unsupportedDeclaredRuntimeMessage(id: string): string | undefined {
    return id.startsWith("serverless-v")
        ? unsupportedServerlessMessage(id.slice("serverless-v".length))
        : unsupportedRuntimeMessage(id);
}

/** The environment a runtime, or an environment's own name, names; undefined for neither. */
export function environmentOf(name: string): string | undefined {
    if (isSupportedRuntime(name)) return RUNTIMES[name].environment;
    return isEnvironment(name) ? name : undefined;
}

/** The runtimes that run in an environment. */
export function runtimesOf(environment: string): RuntimeId[] {
    return RUNTIME_IDS.filter((id) => RUNTIMES[id].environment === environment);
}
