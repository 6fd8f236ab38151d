import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { importBundle } from "../bundle/cli";
import { settingsFromConfig } from "../config/load";
import { PROJECT_SETTINGS } from "../config/scopes";
import { readStackConfig } from "../plan/stackConfig";
import { buildPlan, type PlanDocument } from "../plan/plan";
import { diffPlans } from "../plan/diff";
import { emptyPlan } from "../plan/base";
import { renderDiff, renderTree } from "../plan/render";
import { program } from "../program";
import { PROJECT_DIR } from "./harness";
import { sharedPath } from "./shared";

/**
 * `npm run import-bundle`: the example bundle imported plans as the stacks it was rendered into
 * (a fixture copy of them), the deployment state of a target is adopted, real bundles of other
 * shapes import or fail cleanly, naming every resource.
 */

const EXAMPLE = path.join(PROJECT_DIR, "examples", "ml-project-bundle");
const SHIPPED = path.join(PROJECT_DIR, "tests", "fixtures", "import", "shipped");
const STATES = path.join(PROJECT_DIR, "tests", "fixtures", "import", "state");
const BUNDLES = sharedPath("bundles");
const USER = "jane.doe@example.com";
const SP = "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c";

function tmp(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "mlops-import-test-"));
}

async function plan(projectDir: string, stack: string): Promise<PlanDocument> {
    return buildPlan(program, { projectDir, stack, currentUser: USER });
}

/**
 * The resources of a plan by logical name, with what may differ on purpose taken out: the
 * notebooks' content (the example's are placeholders), the workload's own library files (the
 * shipped workload has one, the bundle none) and the served entities' names (a bundle serves a
 * version number, the shipped production stack an alias resolving to the same version).
 */
function comparable(doc: PlanDocument): Map<string, { type: string; inputs: Record<string, unknown> }> {
    const out = new Map<string, { type: string; inputs: Record<string, unknown> }>();
    for (const s of doc.steps) {
        const st = s.newState;
        if (!st.custom || st.type.startsWith("pulumi:providers:")) continue;
        const name = st.urn.split("::").pop() as string;
        if (st.type === "databricks:index/workspaceFile:WorkspaceFile" && !name.includes("-lib-mlops_lib.")) continue;
        const inputs = structuredClone(st.inputs);
        if (st.type === "databricks:index/notebook:Notebook") delete inputs.contentBase64;
        if (st.type === "databricks:index/modelServing:ModelServing") {
            const config = inputs.config as {
                servedEntities: { name?: string }[];
                trafficConfig: { routes: { servedEntityName?: string }[] };
            };
            for (const e of config.servedEntities) delete e.name;
            for (const r of config.trafficConfig.routes) delete r.servedEntityName;
        }
        out.set(name, { type: st.type, inputs });
    }
    return out;
}

describe("the example bundle", () => {
    it.each(["dev", "prod"])("imported, its %s stack declares what the shipped stack declares", async (stack) => {
        const out = tmp();
        const outcome = await importBundle({ bundleDir: EXAMPLE, out, states: {}, user: USER });
        expect(outcome.exitCode).toBe(0);
        expect(fs.existsSync(path.join(out, "import-report.md"))).toBe(true);
        const imported = comparable(await plan(out, stack));
        const shipped = comparable(await plan(SHIPPED, stack));
        expect([...imported.keys()].sort()).toEqual([...shipped.keys()].sort());
        for (const [name, r] of shipped) {
            expect({ name, type: imported.get(name)?.type, inputs: imported.get(name)?.inputs }).toEqual({
                name,
                type: r.type,
                inputs: r.inputs,
            });
        }
    });

    it("reports every resource, and the monitor the program declares on another table", async () => {
        const outcome = await importBundle({ bundleDir: EXAMPLE, out: tmp(), states: {}, user: USER });
        const imported = outcome.entries.filter((e) => e.target === "prod" && e.kind === "imported").map((e) => e.path);
        expect(imported.sort()).toEqual(
            [
                "resources.experiments.training_experiment",
                "resources.jobs.batch_inference",
                "resources.jobs.training_pipeline",
                "resources.model_serving_endpoints.prediction_api",
                "resources.quality_monitors.inference_monitor",
                "resources.registered_models.main_model",
                "resources.schemas.ml_data",
                "resources.volumes.input",
            ].sort(),
        );
        expect(outcome.entries).toContainEqual(
            expect.objectContaining({
                target: "prod",
                kind: "differs",
                path: "resources.quality_monitors.inference_monitor.table_name",
            }),
        );
        expect(outcome.entries).toContainEqual(
            expect.objectContaining({
                kind: "note",
                path: "resources.model_serving_endpoints.prediction_api.config.auto_capture_config",
            }),
        );
        // The job cluster's legacy Delta key: kept, and said to be dropped by the provider, as it is for the bundle.
        expect(outcome.entries).toContainEqual(
            expect.objectContaining({
                kind: "note",
                path: expect.stringMatching(/\.new_cluster\.spark_conf\.spark\.databricks\.delta\.preview\.enabled$/),
                message: expect.stringContaining("the Databricks provider drops this key"),
            }),
        );
        // Every setting of the example has a place in the config: nothing unmapped, nothing unresolved.
        expect(outcome.entries.filter((e) => e.kind === "unmapped" || e.kind === "unresolved")).toEqual([]);
    });
});

describe("adoption", () => {
    it("adopts what a Terraform state deployed to prod, creates none of it, and leaves the monitor on another table", async () => {
        const out = tmp();
        const outcome = await importBundle({
            bundleDir: EXAMPLE,
            out,
            states: { prod: path.join(STATES, "prod.terraform.tfstate") },
            user: USER,
        });
        expect(outcome.exitCode).toBe(0);
        const doc = await plan(out, "prod");
        const imports = doc.steps.filter((s) => s.op === "import").map((s) => [s.newState.type, s.newState.id]);
        expect(imports.sort()).toEqual(
            [
                ["databricks:index/job:Job", "1001"],
                ["databricks:index/job:Job", "1002"],
                ["databricks:index/mlflowExperiment:MlflowExperiment", "3141592653"],
                ["databricks:index/schema:Schema", "prod_catalog.ml_data"],
                ["databricks:index/registeredModel:RegisteredModel", "prod_catalog.ml_data.ml_model"],
                ["databricks:index/volume:Volume", "prod_catalog.ml_data.input"],
                ["databricks:index/modelServing:ModelServing", "ml-project-api-prod"],
            ].sort(),
        );
        expect(doc.changeSummary.import).toBe(7);
        const monitor = doc.steps.find((s) => s.newState.type === "databricks:index/qualityMonitor:QualityMonitor");
        expect(monitor?.op).toBe("create");
        expect(outcome.entries).toContainEqual(
            expect.objectContaining({
                target: "prod",
                kind: "differs",
                path: "resources.quality_monitors.inference_monitor",
            }),
        );
        // The --base diff against a stack that has nothing yet lists the imports as imports.
        const diff = diffPlans(emptyPlan(), doc);
        expect(diff.changeSummary.import).toBe(7);
        const shown = renderDiff(diff, "prod", "an empty stack", false);
        expect(shown).toContain(
            "=  databricks:index/job:Job: (import)  ml-project-training  [ml-project-training-prod]",
        );
        expect(shown).toContain("[id=1001]");
        expect(shown).toContain("= 7 to import");
        expect(renderTree(doc, "prod", false)).toMatch(
            /ml-project-training +import +\[ml-project-training-prod\] \[id=1001\]/,
        );
        expect(fs.readFileSync(path.join(out, "Pulumi.prod.yaml"), "utf8")).toContain('trainingJob: "1001"');
    });

    it("adopts from the direct engine's resources.json with the developer's prefixed names", async () => {
        const out = tmp();
        const outcome = await importBundle({
            bundleDir: EXAMPLE,
            out,
            states: { dev: path.join(STATES, "dev.resources.json") },
            user: USER,
        });
        const adopted = outcome.entries.filter((e) => e.kind === "adopted").map((e) => e.path);
        expect(adopted).toHaveLength(7);
        const doc = await plan(out, "dev");
        expect(doc.steps.filter((s) => s.op === "import").map((s) => s.newState.id)).toContain(
            "dev_catalog.dev_jane_doe_ml_data.dev_jane_doe_ml_model_dev",
        );
    });

    it("adopts nothing whose name differs from what the stack declares", async () => {
        const state = JSON.parse(fs.readFileSync(path.join(STATES, "prod.terraform.tfstate"), "utf8"));
        const schema = state.resources.find((r: { type: string }) => r.type === "databricks_schema");
        schema.instances[0].attributes = { id: "prod_catalog.other", catalog_name: "prod_catalog", name: "other" };
        const file = path.join(tmp(), "terraform.tfstate");
        fs.writeFileSync(file, JSON.stringify(state));
        const outcome = await importBundle({ bundleDir: EXAMPLE, out: tmp(), states: { prod: file }, user: USER });
        const entry = outcome.entries.find(
            (e) => e.path === "resources.schemas.ml_data" && e.target === "prod" && e.kind !== "imported",
        );
        expect(entry?.kind).toBe("differs");
        expect(entry?.message).toContain('name "other" deployed, "ml_data" declared');
        expect(outcome.result?.stacks.get("prod")?.["databricks-mlops:projectOverrides"]).not.toHaveProperty(
            "ml-project.adopt.schema",
        );
    });
});

describe.skipIf(!fs.existsSync(BUNDLES))(
    `adoption of an mlops-stacks project's feature-table and retraining jobs${fs.existsSync(BUNDLES) ? "" : ": skipped, no ../shared/bundles beside this checkout"}`,
    () => {
        it("adopts the deployed feature-table and retraining jobs by their ids, as the training and inference jobs", async () => {
            // What `databricks bundle deploy -t prod` (the direct engine) recorded for the two jobs.
            const state = path.join(tmp(), "resources.json");
            fs.writeFileSync(
                state,
                JSON.stringify({
                    state_version: 2,
                    state: {
                        "resources.jobs.write_feature_table_job": {
                            __id__: "4001",
                            state: { name: "prod-fraud_detection-write-feature-table-job" },
                        },
                        "resources.jobs.retraining_job": {
                            __id__: "4002",
                            state: { name: "prod-fraud_detection-monitoring-retraining-job" },
                        },
                    },
                }),
            );
            // The template's monitoring resources included, as its TODO says once the inference table exists.
            const bundleDir = tmp();
            fs.cpSync(path.join(BUNDLES, "mlops-stacks__aws-github-uc-fs"), bundleDir, { recursive: true });
            const config = path.join(bundleDir, "databricks.yml");
            const text = fs.readFileSync(config, "utf8");
            expect(text).toContain("  # - ./resources/monitoring-resource.yml");
            fs.writeFileSync(
                config,
                text.replace("  # - ./resources/monitoring-resource.yml", "  - ./resources/monitoring-resource.yml"),
            );
            const out = tmp();
            const outcome = await importBundle({ bundleDir, out, states: { prod: state }, user: USER });
            const adopted = outcome.entries.filter((e) => e.kind === "adopted" && e.target === "prod");
            expect(adopted.map((e) => [e.path, e.message.split(";")[0]]).sort()).toEqual([
                ["resources.jobs.retraining_job", "adopt.retrainingJob: 4002"],
                ["resources.jobs.write_feature_table_job", "adopt.featureTableJob: 4001"],
            ]);
            const stackFile = fs.readFileSync(path.join(out, "Pulumi.prod.yaml"), "utf8");
            expect(stackFile).toContain('featureTableJob: "4001"');
            expect(stackFile).toContain('retrainingJob: "4002"');
            const doc = await plan(out, "prod");
            const imports = doc.steps
                .filter((s) => s.op === "import")
                .map((s) => [s.urn.split("::").pop(), s.newState.id])
                .sort();
            expect(imports).toEqual([
                [expect.stringMatching(/-feature-table$/), "4001"],
                [expect.stringMatching(/-retraining$/), "4002"],
            ]);
        });
    },
);

describe.skipIf(!fs.existsSync(BUNDLES))(
    `real bundles of ../shared/bundles${fs.existsSync(BUNDLES) ? "" : ": skipped, no ../shared/bundles beside this checkout"}`,
    () => {
        it.each([
            [
                "bundle-examples__default_python",
                2,
                ["resources.pipelines.default_python_etl", "resources.jobs.sample_job"],
            ],
            ["bundle-examples__pydabs", 2, []],
            [
                "mlops-stacks__azure-github-uc",
                0,
                [
                    "resources.jobs.model_training_job",
                    "resources.jobs.batch_inference_job",
                    "resources.registered_models.model",
                    "resources.experiments.experiment",
                ],
            ],
        ])("%s: exits %i and names every resource", async (name, code, resources) => {
            const outcome = await importBundle({
                bundleDir: path.join(BUNDLES, name),
                out: tmp(),
                states: {},
                user: USER,
            });
            expect(outcome.exitCode).toBe(code);
            const named = new Set(outcome.entries.map((e) => e.path));
            for (const r of resources) expect(named.has(r), r).toBe(true);
            expect(outcome.report).not.toMatch(/at .*\.ts:\d+/);
        });

        it("mlops-stacks: every target a stack, no mode deployed as written, the jobs with their own tasks and roles", async () => {
            const out = tmp();
            const outcome = await importBundle({
                bundleDir: path.join(BUNDLES, "mlops-stacks__azure-github-uc"),
                out,
                states: {},
                user: USER,
            });
            const stacks = outcome.result?.stacks as Map<string, Record<string, unknown>>;
            expect([...stacks.keys()].sort()).toEqual(["dev", "prod", "staging", "test"]);
            expect([...stacks].map(([t, c]) => [t, c["databricks-mlops:mode"]])).toEqual([
                ["dev", "development"],
                ["staging", "none"],
                ["prod", "none"],
                ["test", "none"],
            ]);
            const project = (outcome.result?.shared.projects as Record<string, any>[])[0];
            // The training job keeps its graph, its roles read from what each task runs, and its schedule.
            expect(
                project.training.tasks.map((t: any) => [t.taskKey, t.role, t.dependsOn?.[0]?.taskKey ?? null]),
            ).toEqual([
                ["Train", "registers", null],
                ["ModelValidation", "validates", "Train"],
                ["ModelDeployment", "deploys", "ModelValidation"],
            ]);
            expect(project.training.schedule).toEqual({ cron: "0 0 9 * * ?", timezone: "UTC" });
            expect(project.training.trigger).toBeUndefined();
            // The schema the model names and the bundle does not declare is the workspace's; the model keeps its name.
            expect([project.schema, project.existing, project.modelName]).toEqual([
                "churn_prediction",
                ["schema"],
                "churn-prediction-model",
            ]);
            for (const target of ["dev", "staging", "prod", "test"]) {
                const doc = await plan(out, target);
                expect(doc.steps.some((s) => s.newState.type === "databricks:index/schema:Schema")).toBe(false);
            }
        });
    },
);

describe("deploy-time references", () => {
    it("the deploying user's names reach the task parameters resolved, and a run-job task runs the project's job", async () => {
        const dir = tmp();
        fs.mkdirSync(path.join(dir, "src"));
        fs.writeFileSync(path.join(dir, "src", "train.py"), "# Databricks notebook source\n");
        fs.writeFileSync(path.join(dir, "src", "check.py"), "# Databricks notebook source\n");
        fs.writeFileSync(
            path.join(dir, "databricks.yml"),
            `bundle: {name: refs}
resources:
  experiments: {e: {name: "/Users/\${workspace.current_user.userName}/refs"}}
  registered_models: {m: {catalog_name: main, schema_name: refs, name: refs-model}}
  jobs:
    training_job:
      name: refs-training
      tasks:
        - task_key: Train
          notebook_task:
            notebook_path: ./src/train.py
            base_parameters:
              owner: "\${workspace.current_user.userName}"
              scratch: "/tmp/\${workspace.current_user.short_name}/\${bundle.target}"
    retraining_job:
      name: refs-retraining
      schedule: {quartz_cron_expression: "0 0 18 * * ?", timezone_id: UTC}
      tasks:
        - task_key: check
          notebook_task: {notebook_path: ./src/check.py}
        - task_key: retrain
          depends_on: [{task_key: check}]
          run_job_task: {job_id: "\${resources.jobs.training_job.id}"}
targets:
  dev: {mode: development}
`,
        );
        const out = tmp();
        const outcome = await importBundle({ bundleDir: dir, out, states: {}, user: USER });
        expect(outcome.exitCode, outcome.error).toBe(0);
        const doc = await plan(out, "dev");
        const job = (urn: string) =>
            doc.steps.find((s) => s.newState.type === "databricks:index/job:Job" && s.urn.endsWith(`::${urn}`))
                ?.newState.inputs as any;
        const train = job("refs-training").tasks.find((t: any) => t.taskKey === "Train");
        expect(train.notebookTask.baseParameters).toEqual({
            owner: "jane.doe@example.com",
            scratch: "/tmp/jane_doe/dev",
        });
        const retrain = job("refs-retraining").tasks.find((t: any) => t.taskKey === "retrain");
        // The training job's id, which the mocks give every job (plan/mocks.ts): the project's job, not a literal reference.
        expect(String(retrain.runJobTask.jobId)).toMatch(/^[0-9]+$/);
    });
});

describe("bundles of one resource", () => {
    const write = (yml: string) => {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "databricks.yml"), yml);
        return dir;
    };

    it("an endpoint alone: the model it serves is the workspace's, used as it is; the endpoint imported", async () => {
        const dir = write(`bundle: {name: serve-only}
resources:
  model_serving_endpoints:
    api:
      name: serve-only-api-prod
      config:
        served_entities: [{entity_name: prod.fraud.fraud_model, entity_version: "3", workload_size: Small, scale_to_zero_enabled: false}]
targets:
  prod: {mode: production, run_as: {service_principal_name: ${SP}}}
`);
        const out = tmp();
        const outcome = await importBundle({ bundleDir: dir, out, states: {}, user: USER });
        expect(outcome.exitCode, outcome.error).toBe(0);
        const project = (outcome.result?.shared.projects as Record<string, any>[])[0];
        expect([project.schema, project.modelName, project.existing]).toEqual([
            "fraud",
            "fraud_model",
            ["schema", "model"],
        ]);
        expect(outcome.entries).toContainEqual(
            expect.objectContaining({ kind: "imported", path: "resources.model_serving_endpoints.api" }),
        );
        const doc = await buildPlan(program, { projectDir: out, stack: "prod", currentUser: SP, modelVersions: ["3"] });
        const types = doc.steps.map((s) => s.newState.type);
        expect(types).not.toContain("databricks:index/registeredModel:RegisteredModel");
        expect(types).not.toContain("databricks:index/schema:Schema");
        const endpoint = doc.steps.find((s) => s.newState.type === "databricks:index/modelServing:ModelServing");
        expect((endpoint?.newState.inputs as any).config.servedEntities[0]).toMatchObject({
            entityName: "prod.fraud.fraud_model",
            entityVersion: "3",
        });
    });

    it("a monitor alone: nothing a project can hold, reported by key (exit 2)", async () => {
        const dir = write(`bundle: {name: monitor-only}
resources:
  quality_monitors:
    m: {table_name: main.s.t, output_schema_name: main.s, assets_dir: /Shared/m, snapshot: {}}
`);
        const outcome = await importBundle({ bundleDir: dir, out: tmp(), states: {}, user: USER });
        expect(outcome.exitCode).toBe(2);
        expect(outcome.entries).toContainEqual(
            expect.objectContaining({ kind: "not-imported", path: "resources.quality_monitors.m" }),
        );
    });
});

describe("bundles that cannot import whole", () => {
    it.each([
        ["not a bundle", (dir: string) => fs.writeFileSync(path.join(dir, "README.md"), "x"), /not a bundle/],
        [
            "invalid YAML",
            (dir: string) => fs.writeFileSync(path.join(dir, "databricks.yml"), "bundle: [\n"),
            /databricks.yml: invalid YAML at line/,
        ],
        [
            "a broken include",
            (dir: string) =>
                fs.writeFileSync(path.join(dir, "databricks.yml"), "bundle: {name: x}\ninclude: [missing.yml]\n"),
            /does not match any files/,
        ],
    ])("%s: exit 2 with a message", async (_, make, message) => {
        const dir = tmp();
        make(dir);
        const outcome = await importBundle({ bundleDir: dir, out: tmp(), states: {}, user: USER });
        expect(outcome.exitCode).toBe(2);
        expect(outcome.error).toMatch(message);
    });
});

describe("--write", () => {
    it("adds the project to a project folder's shared file and stack files, comments kept", async () => {
        const dir = tmp();
        for (const f of fs.readdirSync(SHIPPED)) fs.copyFileSync(path.join(SHIPPED, f), path.join(dir, f));
        // A second project of the same workspaces: the example bundle under another name.
        const bundle = tmp();
        fs.cpSync(EXAMPLE, bundle, { recursive: true });
        const root = path.join(bundle, "databricks.yml");
        fs.writeFileSync(root, fs.readFileSync(root, "utf8").replaceAll("ml-project", "churn-two"));
        const schemas = path.join(bundle, "resources", "schemas.yml");
        fs.writeFileSync(schemas, fs.readFileSync(schemas, "utf8").replace("name: ${var.schema}", "name: churn_two"));
        const outcome = await importBundle({ bundleDir: bundle, out: tmp(), writeInto: dir, states: {}, user: USER });
        expect(outcome.error).toBeUndefined();
        expect(outcome.exitCode).toBe(0);
        const shared = fs.readFileSync(path.join(dir, "shared.yaml"), "utf8");
        expect(shared).toContain("# What every stack shares");
        expect(shared).toMatch(/- name: ml-project[\s\S]*- name: churn-two/);
        const devStack = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8");
        expect(devStack).toContain("# The development target (mode: development)");
        expect(devStack).toContain("churn-two:");
        const doc = await plan(dir, "dev");
        expect(doc.steps.some((s) => s.urn.endsWith("::churn-two-training"))).toBe(true);
    });

    it("refuses a project that exists already, writing nothing", async () => {
        const dir = tmp();
        for (const f of fs.readdirSync(SHIPPED)) fs.copyFileSync(path.join(SHIPPED, f), path.join(dir, f));
        const before = fs.readFileSync(path.join(dir, "shared.yaml"), "utf8");
        const outcome = await importBundle({ bundleDir: EXAMPLE, out: tmp(), writeInto: dir, states: {}, user: USER });
        expect(outcome.exitCode).toBe(2);
        expect(outcome.error).toContain("a project named ml-project exists already");
        expect(fs.readFileSync(path.join(dir, "shared.yaml"), "utf8")).toBe(before);
    });
});

describe("the adopt config", () => {
    const settings = (adopt: unknown) => {
        const sc = readStackConfig(SHIPPED, "prod");
        const overrides = {
            "ml-project": { ...JSON.parse(sc.config["databricks-mlops:projectOverrides"])["ml-project"], adopt },
        };
        return () =>
            settingsFromConfig({
                namespace: sc.project,
                stack: "prod",
                config: { ...sc.config, "databricks-mlops:projectOverrides": JSON.stringify(overrides) },
                isSecret: () => false,
                projectDir: SHIPPED,
            });
    };

    it.each([
        [{ trainingJob: "12a" }, /adopt.trainingJob: expected a job id \(digits\), found "12a"/],
        [{ registeredModel: "ml_model" }, /adopt.registeredModel: expected a three-level model name/],
        [{ pipeline: "x" }, /adopt.pipeline: unknown key; expected one of trainingJob, inferenceJob/],
    ])("refuses %j with the key path", (adopt, message) => {
        expect(settings(adopt)).toThrow(message);
    });

    it("accepts the ids a state gives and is an environment-scoped setting", () => {
        const s = settings({
            trainingJob: "1001",
            schema: "prod_catalog.ml_data",
            servingEndpoint: "ml-project-api-prod",
        })();
        expect(s.projects[0].adopt).toEqual({
            trainingJob: "1001",
            schema: "prod_catalog.ml_data",
            servingEndpoint: "ml-project-api-prod",
        });
        expect(PROJECT_SETTINGS).toContainEqual({ path: ["adopt"], scope: "environment" });
    });
});

describe("the command", () => {
    const run = (args: string[]) =>
        spawnSync(
            path.join(PROJECT_DIR, "node_modules", ".bin", "tsx"),
            [path.join(PROJECT_DIR, "bundle", "cli.ts"), ...args],
            {
                encoding: "utf8",
                env: { ...process.env, NO_COLOR: "1" },
            },
        );

    it("exits 0 with the report on stdout and beside the output; 2 with one line for a folder that is no bundle", () => {
        const out = tmp();
        const ok = run([EXAMPLE, "--out", out]);
        expect(ok.status).toBe(0);
        expect(ok.stdout).toContain("# Import of the bundle ml-project");
        expect(fs.readFileSync(path.join(out, "import-report.md"), "utf8")).toBe(ok.stdout);
        const bad = run([tmp(), "--out", tmp()]);
        expect(bad.status).toBe(2);
        expect(bad.stderr).toMatch(/^error: .*not a bundle: expected one of databricks.yml/m);
        expect(bad.stderr).not.toMatch(/\n\s+at /);
        const usage = run([EXAMPLE]);
        expect(usage.status).toBe(2);
        expect(usage.stderr).toContain("required option '--out <folder>' not specified");
    }, 120_000);
});
