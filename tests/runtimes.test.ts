import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    DEFAULT_RUNTIME,
    ENVIRONMENTS,
    environmentDir,
    isSupportedRuntime,
    PINNED_LIBRARIES,
    type Runtime,
    RUNTIME_IDS,
    RUNTIMES,
    type RuntimeId,
    serverlessRuntimeId,
    unsupportedRuntimeMessage,
    unsupportedServerlessMessage,
} from "../config/runtimes";
import { jobRuntimes, RuntimeChoiceError, runSpecRuntime } from "../scripts/localRunRuntime";
import { checkEnvironment, environmentProblems, lockedVersions, pyprojectPins } from "../scripts/runtimeEnvironments";
import { parseWorkloadArgs } from "../scripts/test-workloads";

const ROOT = path.resolve(__dirname, "..");

describe("each supported runtime has its locked environment, with the runtime's versions", () => {
    it.each(RUNTIME_IDS)("%s: envs/<runtime>/pyproject.toml and uv.lock agree with config/runtimes.ts", (id) => {
        expect(checkEnvironment(ROOT, id)).toEqual([]);
    });

    it("every environment under envs/ is a supported runtime's", () => {
        const dirs = fs
            .readdirSync(path.join(ROOT, "envs"), { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => e.name)
            .sort();
        expect(dirs).toEqual([...ENVIRONMENTS].sort());
        // Each environment is named after the cluster runtime it was made for.
        for (const e of ENVIRONMENTS) expect(RUNTIMES[e as RuntimeId]?.environment, e).toBe(e);
        expect(environmentDir("serverless-v5")).toBe("envs/18.x-cpu-ml-scala2.13");
    });

    it("pins every library the table names, in the pyproject and in the lock", () => {
        for (const id of ENVIRONMENTS) {
            const dir = path.join(ROOT, environmentDir(id));
            const pins = pyprojectPins(fs.readFileSync(path.join(dir, "pyproject.toml"), "utf8"));
            const locked = lockedVersions(fs.readFileSync(path.join(dir, "uv.lock"), "utf8"));
            for (const lib of [...PINNED_LIBRARIES, "delta-spark"]) {
                expect(pins.has(lib), `${id}: ${lib} pinned`).toBe(true);
                expect(locked.has(lib), `${id}: ${lib} locked`).toBe(true);
            }
        }
    });

    it("the default is a supported cluster runtime, and the shipped Pulumi.yaml declares it", () => {
        expect(isSupportedRuntime(DEFAULT_RUNTIME)).toBe(true);
        expect(RUNTIMES[DEFAULT_RUNTIME].kind).toBe("cluster");
        const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        expect(project.config.sparkVersion.default).toBe(DEFAULT_RUNTIME);
    });

    it("a cluster runtime is an ML runtime key; its Spark is the major and minor its Delta is built on", () => {
        for (const id of RUNTIME_IDS) {
            const r: Runtime = RUNTIMES[id];
            if (r.kind !== "cluster") {
                expect(id).toMatch(/^serverless-v\d+$/);
                continue;
            }
            expect(id).toMatch(/^\d+(\.\d+)?\.x-cpu-ml-scala\d+\.\d+$/);
            expect(id.endsWith(`scala${r.scala}`), id).toBe(true);
            // Delta 4.0 is built on Spark 4.0, Delta 4.1 on Spark 4.1 (their poms' spark-core).
            expect(r.delta.split(".").slice(0, 2), id).toEqual(r.libraries.pyspark.split(".").slice(0, 2));
        }
    });
});

describe("docs/workloads.md's table of supported runtimes", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "workloads.md"), "utf8").split("\n");
    it.each(RUNTIME_IDS)("%s: its row gives the table's versions", (id) => {
        const r: Runtime = RUNTIMES[id];
        const key =
            r.kind === "cluster"
                ? `\`${id}\``
                : `serverless environment version \`${id.slice("serverless-v".length)}\``;
        const rows = doc.filter((l) => l.startsWith(`| ${key}`));
        expect(rows, id).toHaveLength(1);
        const cells = rows[0].split("|").map((c) => c.trim());
        // | key | name | Spark | MLflow | scikit-learn | pandas | numpy | pyarrow | Delta |
        expect(cells[3].startsWith(r.libraries.pyspark.split(".").slice(0, 2).join(".")), id).toBe(true);
        expect(cells.slice(4, 10), id).toEqual([
            r.libraries.mlflow,
            r.libraries["scikit-learn"],
            r.libraries.pandas,
            r.libraries.numpy,
            r.libraries.pyarrow,
            r.delta,
        ]);
    });
});

describe("environmentProblems: a runtime and an environment that disagree", () => {
    // Databricks Runtime 15.4 LTS ML (MLflow 2.13.1, Spark 3.5.0) beside the lock this project
    // had for it: mlflow 3.8.1 with pyspark 3.5.5, a pair no runtime ships.
    const runtime154: Runtime = {
        name: "Databricks Runtime 15.4 LTS for Machine Learning",
        kind: "cluster",
        environment: "15.4.x-cpu-ml-scala2.12",
        python: "3.11",
        localPython: "3.11",
        libraries: {
            pyspark: "3.5.0",
            mlflow: "2.13.1",
            "scikit-learn": "1.3.0",
            pandas: "1.5.3",
            numpy: "1.23.5",
            pyarrow: "14.0.1",
            scipy: "1.11.1",
            cloudpickle: "2.2.1",
        },
        delta: "3.2.0",
        scala: "2.12",
        endOfSupport: "2027-08-19",
    };
    const pyproject = [
        'requires-python = "==3.11.*"',
        "dependencies = [",
        '    "pyspark==3.5.5",',
        '    "delta-spark==3.3.2",',
        '    "mlflow==3.8.1",',
        '    "scikit-learn==1.6.1",',
        '    "pandas==2.2.3",',
        '    "numpy==1.26.4",',
        '    "pyarrow==17.0.0",',
        "]",
        "[tool.uv]",
        'python-downloads = "never"',
    ].join("\n");
    const lock = [
        "version = 1",
        'requires-python = "==3.11.*"',
        ...[
            ["pyspark", "3.5.5"],
            ["delta-spark", "3.3.2"],
            ["mlflow", "3.8.1"],
            ["scikit-learn", "1.6.1"],
            ["pandas", "2.2.3"],
            ["numpy", "1.26.4"],
            ["pyarrow", "17.0.0"],
            ["scipy", "1.15.2"],
            ["cloudpickle", "3.1.1"],
        ].flatMap(([n, v]) => ["", "[[package]]", `name = "${n}"`, `version = "${v}"`]),
    ].join("\n");

    it("names each library whose version is not the runtime's, in each file", () => {
        const problems = environmentProblems(runtime154, pyproject, lock);
        expect(problems).toContain("pyproject.toml: mlflow: expected ==2.13.1, found ==3.8.1");
        expect(problems).toContain("uv.lock: mlflow: expected 2.13.1, found 3.8.1");
        expect(problems).toContain("pyproject.toml: pyspark: expected ==3.5.0, found ==3.5.5");
        expect(problems).toContain("pyproject.toml: scipy: expected ==1.11.1, found no pin");
        expect(problems).toContain("uv.lock: delta-spark: expected 3.2.0, found 3.3.2");
        expect(problems).not.toContain(expect.stringContaining("requires-python"));
    });

    it("agrees when every pin is the runtime's", () => {
        const r = RUNTIMES[DEFAULT_RUNTIME];
        const pins = [...PINNED_LIBRARIES.map((l) => [l, r.libraries[l]]), ["delta-spark", r.delta]];
        const text = [
            `requires-python = "==${r.localPython}.*"`,
            ...pins.map(([n, v]) => `    "${n}==${v}",`),
            'python-downloads = "never"',
        ].join("\n");
        const locked = [
            `requires-python = "==${r.localPython}.*"`,
            ...pins.flatMap(([n, v]) => ["[[package]]", `name = "${n}"`, `version = "${v}"`]),
        ].join("\n");
        expect(environmentProblems(r, text, locked)).toEqual([]);
        expect(environmentProblems(r, text.replace('"never"', '"automatic"'), locked)).toEqual([
            'pyproject.toml: [tool.uv] python-downloads: expected "never"',
        ]);
    });
});

describe("the runtime a project's jobs declare", () => {
    it("reads job clusters, task clusters and serverless environments", () => {
        expect(
            jobRuntimes({
                jobClusters: [{ newCluster: { sparkVersion: "18.x-cpu-ml-scala2.13" } }],
                tasks: [{ taskKey: "a", newCluster: { sparkVersion: "17.3.x-cpu-ml-scala2.13" } }, { taskKey: "b" }],
                environments: [{ environmentKey: "e", spec: { environmentVersion: "4" } }],
            }),
        ).toEqual(["17.3.x-cpu-ml-scala2.13", "18.x-cpu-ml-scala2.13", "serverless-v4"]);
        expect(jobRuntimes({ tasks: [{ taskKey: "x", existingClusterId: "c" }] })).toEqual([]);
        expect(serverlessRuntimeId(4)).toBe("serverless-v4");
    });

    it("gives the run spec the environment of the runtimes, with their versions", () => {
        expect(runSpecRuntime(["18.x-cpu-ml-scala2.13", "18.x-cpu-ml-scala2.13"], "p (dev)")).toEqual({
            runtimes: ["18.x-cpu-ml-scala2.13"],
            environment: "18.x-cpu-ml-scala2.13",
            name: "Databricks Runtime 18 LTS for Machine Learning",
            python: "3.12",
            localPython: "3.11",
            libraries: RUNTIMES["18.x-cpu-ml-scala2.13"].libraries,
            delta: "4.1.0",
        });
        // Serverless environment version 5 ships 18 LTS ML's versions: one environment runs both.
        expect(runSpecRuntime(["serverless-v5", "18.x-cpu-ml-scala2.13"], "p (dev)")).toMatchObject({
            runtimes: ["18.x-cpu-ml-scala2.13", "serverless-v5"],
            environment: "18.x-cpu-ml-scala2.13",
        });
    });

    it.each([
        [[], "the jobs of p (dev) declare no runtime (no job cluster, no serverless environment)"],
        [
            ["18.x-cpu-ml-scala2.13", "17.3.x-cpu-ml-scala2.13"],
            "the jobs of p (dev) declare runtimes of 2 environments (17.3.x-cpu-ml-scala2.13, 18.x-cpu-ml-scala2.13); a local run runs in one",
        ],
        [["15.4.x-ml-scala2.12"], `the jobs of p (dev): ${unsupportedRuntimeMessage("15.4.x-ml-scala2.12")}`],
        [["serverless-v4"], `the jobs of p (dev): ${unsupportedServerlessMessage("4")}`],
    ])("refuses %j", (declared, message) => {
        expect(() => runSpecRuntime(declared, "p (dev)")).toThrow(new RuntimeChoiceError(message));
    });

    it("says which runtimes have an environment and where adding one is described", () => {
        expect(unsupportedRuntimeMessage("18.x-cpu-ml-scala2.13")).toBeUndefined();
        // A serverless environment is no sparkVersion.
        expect(unsupportedRuntimeMessage("serverless-v5")).toContain('found "serverless-v5"');
        expect(unsupportedServerlessMessage("5")).toBeUndefined();
        expect(unsupportedServerlessMessage("4")).toBe(
            'expected a serverless environment version this project has a tested local environment for (5; docs/workloads.md says how to add one), found "4"',
        );
        expect(unsupportedRuntimeMessage("16.4.x-cpu-ml-scala2.12")).toBe(
            'expected a Databricks ML runtime this project has a tested local environment for (18.x-cpu-ml-scala2.13, 17.3.x-cpu-ml-scala2.13; docs/workloads.md says how to add one), found "16.4.x-cpu-ml-scala2.12"',
        );
    });
});

describe("npm run test:workloads: which environments", () => {
    it.each([
        [[], undefined, ["18.x-cpu-ml-scala2.13"], []],
        [["--runtime", "all"], undefined, ["18.x-cpu-ml-scala2.13", "17.3.x-cpu-ml-scala2.13"], []],
        [[], "17.3.x-cpu-ml-scala2.13", ["17.3.x-cpu-ml-scala2.13"], []],
        [["--runtime", "serverless-v5,18.x-cpu-ml-scala2.13"], undefined, ["18.x-cpu-ml-scala2.13"], []],
        [["--runtime=18.x-cpu-ml-scala2.13", "-k", "training"], "all", ["18.x-cpu-ml-scala2.13"], ["-k", "training"]],
    ])("%j with MLOPS_RUNTIME=%s", (argv, env, environments, pytest) => {
        expect(parseWorkloadArgs(argv, env)).toEqual({ environments, pytest });
    });

    it("refuses a runtime without an environment", () => {
        expect(() => parseWorkloadArgs(["--runtime", "15.4.x-ml-scala2.12"], undefined)).toThrow(
            '--runtime: expected all or a supported runtime (18.x-cpu-ml-scala2.13, 17.3.x-cpu-ml-scala2.13, serverless-v5), found "15.4.x-ml-scala2.12"',
        );
    });
});
