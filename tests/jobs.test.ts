import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { mockedId } from "../plan/mocks";
import type { PlanDocument } from "../plan/plan";
import { evaluatePolicies, loadPolicyPack, readPolicyConfig } from "../plan/policy";
import { freshPlan, type PlanRun, PROJECT_DIR, SP, stackFileConfig, tempProject, wrap } from "./harness";

/**
 * Jobs of another ML shape than the default, planned: mlops-stacks' (a feature-table job, a
 * training job Train -> ModelValidation -> ModelDeployment on a daily schedule, batch inference,
 * and a retraining job on a monitored metric), on serverless compute beside the ML job cluster.
 */

const NS = "databricks-mlops";
const T = {
    job: "databricks:index/job:Job",
    notebook: "databricks:index/notebook:Notebook",
    file: "databricks:index/workspaceFile:WorkspaceFile",
};

/** The workload folder the tasks name, as a project in mlops-stacks' layout has it. */
export const MLOPS_FILES = [
    "requirements.txt",
    "feature_engineering/notebooks/GenerateAndWriteFeatures.py",
    "training/notebooks/Train.py",
    "validation/notebooks/ModelValidation.py",
    "deployment/model_deployment/notebooks/ModelDeployment.py",
    "deployment/batch_inference/notebooks/BatchInference.py",
    "monitoring/notebooks/MonitoredMetricViolationCheck.py",
];

const serverless = {
    compute: "serverless",
    environments: [
        { environmentKey: "default", spec: { environmentVersion: "5", dependencies: ["-r requirements.txt"] } },
    ],
};

/** The project's jobs, in mlops-stacks' shape. */
export function mlopsStacksJobs(): Record<string, unknown> {
    const features = (key: string, column: string) => ({
        taskKey: key,
        notebookTask: {
            notebookPath: "feature_engineering/notebooks/GenerateAndWriteFeatures.py",
            baseParameters: {
                input_path: "${project.training_data}",
                timestamp_column: column,
                output_table_name: "${project.catalog}.${project.schema}." + key.toLowerCase(),
            },
        },
    });
    return {
        featureTable: {
            schedule: { cron: "0 0 7 * * ?", timezone: "UTC" },
            tasks: [features("PickupFeatures", "pickup"), features("DropoffFeatures", "dropoff")],
        },
        training: {
            ...serverless,
            schedule: { cron: "0 0 9 * * ?", timezone: "UTC" },
            tasks: [
                {
                    taskKey: "Train",
                    role: "registers",
                    notebookTask: {
                        notebookPath: "training/notebooks/Train.py",
                        baseParameters: {
                            env: "${bundle.target}",
                            experiment_name: "${project.experiment}",
                            model_name: "${project.model}",
                        },
                    },
                },
                {
                    taskKey: "ModelValidation",
                    role: "validates",
                    dependsOn: [{ taskKey: "Train" }],
                    notebookTask: {
                        notebookPath: "validation/notebooks/ModelValidation.py",
                        baseParameters: { run_mode: "enabled", model_name: "${project.model}" },
                    },
                },
                {
                    taskKey: "ModelDeployment",
                    role: "deploys",
                    dependsOn: [{ taskKey: "ModelValidation" }],
                    notebookTask: {
                        notebookPath: "deployment/model_deployment/notebooks/ModelDeployment.py",
                        baseParameters: { env: "${bundle.target}", model_name: "${project.model}" },
                    },
                },
            ],
        },
        inference: {
            ...serverless,
            tasks: [
                {
                    taskKey: "batch_inference_job",
                    notebookTask: {
                        notebookPath: "deployment/batch_inference/notebooks/BatchInference.py",
                        baseParameters: {
                            input_table_name: "${project.features_table}",
                            output_table_name: "${project.predictions_table}",
                            model_name: "${project.model}",
                        },
                    },
                },
            ],
        },
        retraining: {
            cron: "0 0 18 * * ?",
            tasks: [
                {
                    taskKey: "monitored_metric_violation_check",
                    notebookTask: {
                        notebookPath: "monitoring/notebooks/MonitoredMetricViolationCheck.py",
                        baseParameters: { table_name_under_monitor: "${project.predictions_table}" },
                    },
                },
                {
                    taskKey: "is_metric_violated",
                    dependsOn: [{ taskKey: "monitored_metric_violation_check" }],
                    conditionTask: {
                        op: "EQUAL_TO",
                        left: "{{tasks.monitored_metric_violation_check.values.is_metric_violated}}",
                        right: "true",
                    },
                },
                {
                    taskKey: "trigger_retraining",
                    dependsOn: [{ taskKey: "is_metric_violated", outcome: "true" }],
                    runJobTask: { job: "training" },
                },
            ],
        },
    };
}

/** A fixture stack whose first project has mlops-stacks' jobs and workload folder. */
function mlopsProject(stack: string, change: (p: Record<string, any>) => void = () => undefined): string {
    const config = structuredClone(stackFileConfig(stack)) as Record<string, any>;
    const p = config[`${NS}:projects`][0];
    for (const [kind, job] of Object.entries(mlopsStacksJobs())) p[kind] = { ...p[kind], ...(job as object) };
    p.workload = { dir: "workloads/mlops" };
    change(p);
    const dir = tempProject(stack, config);
    for (const f of MLOPS_FILES) {
        const file = path.join(dir, "workloads", "mlops", f);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, f.endsWith(".py") ? `# Databricks notebook source\nprint("${f}")\n` : "scikit-learn\n");
    }
    return dir;
}

const job = (run: PlanRun, name: string) => run.named(T.job, name).inputs as any;
/** `catalog.schema.model` of the project's registered model, as planned. */
const modelName = (run: PlanRun) => {
    const m = run.named("databricks:index/registeredModel:RegisteredModel", "ml-project-model").inputs as any;
    return `${m.catalogName}.${m.schemaName}.${m.name}`;
};
const task = (inputs: any, key: string) => inputs.tasks.find((t: any) => t.taskKey === key);

describe.each(["dev", "prod"] as const)("mlops-stacks' job shape in the %s stack", (stack) => {
    let run: PlanRun;
    const paused = stack === "dev" ? "PAUSED" : "UNPAUSED";
    beforeAll(async () => {
        run = wrap(await freshPlan(mlopsProject(stack), stack));
    });

    it("trains Train -> ModelValidation -> ModelDeployment daily on serverless compute, with no job cluster", () => {
        const inputs = job(run, "ml-project-training");
        expect(inputs.tasks.map((t: any) => [t.taskKey, t.environmentKey, t.jobClusterKey, t.dependsOns])).toEqual([
            ["ModelDeployment", "default", undefined, [{ taskKey: "ModelValidation" }]],
            ["ModelValidation", "default", undefined, [{ taskKey: "Train" }]],
            ["Train", "default", undefined, undefined],
        ]);
        expect(inputs.jobClusters).toBeUndefined();
        expect(inputs.trigger).toBeUndefined();
        expect(inputs.schedule).toEqual({
            quartzCronExpression: "0 0 9 * * ?",
            timezoneId: "UTC",
            pauseStatus: paused,
        });
        // Lifecycle roles are the program's: never sent to the API.
        for (const t of inputs.tasks) expect(t).not.toHaveProperty("role");
        const requirements = run.named(T.file, "ml-project-code-task-requirements.txt").inputs as any;
        expect(inputs.environments).toEqual([
            {
                environmentKey: "default",
                spec: { environmentVersion: "5", dependencies: [`-r ${requirements.path}`] },
            },
        ]);
        if (stack === "prod") expect(inputs.runAs).toEqual({ servicePrincipalName: SP });
    });

    it("runs the uploaded notebooks with the program's names in their parameters", () => {
        const inputs = job(run, "ml-project-training");
        const train = run.named(T.notebook, "ml-project-code-task-training.notebooks.Train").inputs as any;
        expect(train.path).toMatch(/\/files\/notebooks\/training\/notebooks\/Train$/);
        expect(task(inputs, "Train").notebookTask).toEqual({
            notebookPath: train.path,
            source: "WORKSPACE",
            baseParameters: {
                env: stack,
                experiment_name: (
                    run.named("databricks:index/mlflowExperiment:MlflowExperiment", "ml-project-experiment")
                        .inputs as any
                ).name,
                model_name: modelName(run),
            },
        });
        expect(task(inputs, "ModelValidation").notebookTask.baseParameters).toEqual({
            run_mode: "enabled",
            model_name: modelName(run),
        });
        // The default entry points are not uploaded where no default task runs them.
        const notebooks = run.ofType(T.notebook).map((n) => n.urn.split("::").at(-1));
        expect(notebooks).not.toContain("ml-project-code-train");
        expect(notebooks).not.toContain("ml-project-code-batchInference");
    });

    it("writes the feature tables on the ML job cluster under the workspace policy, daily at 7", () => {
        const inputs = job(run, "ml-project-feature-table");
        expect(inputs.tasks.map((t: any) => [t.taskKey, t.jobClusterKey])).toEqual([
            ["DropoffFeatures", "ml_cluster"],
            ["PickupFeatures", "ml_cluster"],
        ]);
        expect(inputs.jobClusters).toHaveLength(1);
        expect(inputs.jobClusters[0].newCluster.dataSecurityMode).toBe("SINGLE_USER");
        expect(inputs.jobClusters[0].newCluster.policyId).toBeTruthy();
        expect(inputs.environments).toBeUndefined();
        expect(inputs.schedule).toEqual({
            quartzCronExpression: "0 0 7 * * ?",
            timezoneId: "UTC",
            pauseStatus: paused,
        });
        expect(task(inputs, "PickupFeatures").notebookTask.baseParameters.output_table_name).toMatch(
            /^[a-z_]+\.[a-z_]+\.pickupfeatures$/,
        );
    });

    it("retrains by running the training job when the monitored metric is violated", () => {
        const inputs = job(run, "ml-project-retraining");
        // The offline mocks give each job the id the plan's references to it hold.
        const training = run.named(T.job, "ml-project-training");
        const trainingId = mockedId(T.job, "ml-project-training", training.inputs as Record<string, unknown>);
        expect(Number(trainingId)).toBeGreaterThan(0);
        expect(task(inputs, "trigger_retraining")).toEqual({
            taskKey: "trigger_retraining",
            dependsOns: [{ taskKey: "is_metric_violated", outcome: "true" }],
            runJobTask: { jobId: Number(trainingId) },
        });
        expect(task(inputs, "is_metric_violated").jobClusterKey).toBeUndefined();
        expect(task(inputs, "monitored_metric_violation_check").jobClusterKey).toBe("ml_cluster");
        expect(inputs.schedule.quartzCronExpression).toBe("0 0 18 * * ?");
    });

    it("scores in batch on serverless compute on the project's schedule", () => {
        const inputs = job(run, "ml-project-inference");
        expect(inputs.tasks.map((t: any) => [t.taskKey, t.environmentKey])).toEqual([
            ["batch_inference_job", "default"],
        ]);
        expect(inputs.jobClusters).toBeUndefined();
        expect(inputs.schedule.quartzCronExpression).toBe("0 0 * * * ?");
    });
});

describe("triggers", () => {
    it("a model trigger watches the project's registered model (MLflow 3 deployment jobs)", async () => {
        const run = wrap(
            await freshPlan(
                mlopsProject("prod", (p) => {
                    delete p.training.schedule;
                    p.training.trigger = { model: { condition: "MODEL_VERSION_READY" } };
                }),
                "prod",
            ),
        );
        const inputs = job(run, "ml-project-training");
        expect(inputs.schedule).toBeUndefined();
        expect(inputs.trigger).toEqual({
            pauseStatus: "UNPAUSED",
            model: { condition: "MODEL_VERSION_READY", securableName: modelName(run) },
        });
    });

    it("batch inference re-scores when champion moves; retraining only on demand", async () => {
        const run = wrap(
            await freshPlan(
                mlopsProject("prod", (p) => {
                    delete p.inference.cron;
                    p.inference.trigger = { model: { condition: "MODEL_ALIAS_SET", aliases: ["champion"] } };
                    p.retraining.trigger = { onDemand: true };
                }),
                "prod",
            ),
        );
        const inference = job(run, "ml-project-inference");
        expect(inference.schedule).toBeUndefined();
        expect(inference.trigger).toEqual({
            pauseStatus: "UNPAUSED",
            model: { condition: "MODEL_ALIAS_SET", aliases: ["champion"], securableName: modelName(run) },
        });
        const retraining = job(run, "ml-project-retraining");
        expect([retraining.schedule, retraining.trigger]).toEqual([undefined, undefined]);
    });

    it("on demand: neither trigger nor schedule", async () => {
        const run = wrap(
            await freshPlan(
                mlopsProject("dev", (p) => {
                    delete p.training.schedule;
                    p.training.trigger = { onDemand: true };
                }),
                "dev",
            ),
        );
        const inputs = job(run, "ml-project-training");
        expect(inputs.schedule).toBeUndefined();
        expect(inputs.trigger).toBeUndefined();
    });
});

describe("the policy pack on serverless jobs", () => {
    const POLICY_DIR = path.join(PROJECT_DIR, "policy");
    let doc: PlanDocument;
    beforeAll(async () => {
        doc = await freshPlan(mlopsProject("prod"), "prod");
    });
    const violations = async (edit?: (training: any) => void) => {
        const pack = await loadPolicyPack(POLICY_DIR);
        const config = readPolicyConfig(path.join(POLICY_DIR, "config.prod.json"), pack);
        const copy = structuredClone(doc);
        const step = copy.steps.find((s) => s.urn.endsWith("$databricks:index/job:Job::ml-project-training"));
        edit?.(step?.newState.inputs);
        return (await evaluatePolicies(copy, pack, config)).map(
            (v) => `[${v.enforcementLevel}] ${v.policyName}: ${v.message.split("\n")[1]}`,
        );
    };

    it("passes mlops-stacks' shape, serverless and job clusters side by side", async () => {
        expect(await violations()).toEqual([]);
    });

    it.each([
        [
            "an environment without a version",
            (t: any) => delete t.environments[0].spec.environmentVersion,
            "[mandatory] serverless-environments-pinned: Job ml-project-training: environment default pins no environment version (spec.environmentVersion).",
        ],
        [
            "an unpinned dependency",
            (t: any) => t.environments[0].spec.dependencies.push("scikit-learn>=1.3", "mlflow==3.1.0"),
            '[mandatory] serverless-environments-pinned: Job ml-project-training: environment default has unpinned dependencies "scikit-learn>=1.3" (expected name==version, -r <requirements file> or a wheel).',
        ],
        [
            "a code task without compute",
            (t: any) => delete t.tasks[0].environmentKey,
            "[mandatory] serverless-environments-pinned: Job ml-project-training: task ModelDeployment runs on serverless compute in the workspace's default environment: give it an environmentKey of a pinned environment, or a job cluster.",
        ],
        [
            "an undeclared environment",
            (t: any) => (t.tasks[1].environmentKey = "gpu"),
            "[mandatory] serverless-environments-pinned: Job ml-project-training: task ModelValidation names environment gpu, which the job does not declare.",
        ],
        [
            "a serverless job without cost tags",
            (t: any) => delete t.tags["cost-center"],
            "[mandatory] cost-tags: Job ml-project-training: runs on serverless compute and lacks the job tags cost-center.",
        ],
    ])("refuses %s", async (_what, edit, message) => {
        expect(await violations(edit)).toEqual([message]);
    });
});

describe("a first deploy of mlops-stacks' shape (no model version yet)", () => {
    it("defers the endpoint, keeps every configured job, and names the task that registers", async () => {
        const run = wrap(await freshPlan(mlopsProject("prod"), "prod", { modelVersions: [] }));
        expect(run.ofType("databricks:index/modelServing:ModelServing")).toEqual([]);
        // The retraining job of configured tasks reads what it names, not the deferred monitor.
        expect(
            run
                .ofType(T.job)
                .map((j) => j.urn.split("::").at(-1))
                .sort(),
        ).toEqual(["ml-project-feature-table", "ml-project-inference", "ml-project-retraining", "ml-project-training"]);
        const [message] = run.doc.diagnostics.map((d) => d.message);
        expect(message).toContain(
            'Run the training job "ml-project-training-prod" (`databricks jobs run-now <job id>`): its task Train registers a version, and the tasks after it set the aliases the routes name; then run `pulumi up` again.',
        );
    });
});
