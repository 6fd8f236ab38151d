import { beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_POLICY_ID } from "../config/schema";
import { type PlanRun, planConfig, planStack, stackFileConfig, SP } from "./harness";

const T = {
    stack: "pulumi:pulumi:Stack",
    project: "mlops:databricks:MlProject",
    policy: "databricks:index/clusterPolicy:ClusterPolicy",
    job: "databricks:index/job:Job",
    experiment: "databricks:index/mlflowExperiment:MlflowExperiment",
    model: "databricks:index/registeredModel:RegisteredModel",
    schema: "databricks:index/schema:Schema",
    volume: "databricks:index/volume:Volume",
    serving: "databricks:index/modelServing:ModelServing",
    monitor: "databricks:index/qualityMonitor:QualityMonitor",
    permissions: "databricks:index/permissions:Permissions",
    grants: "databricks:index/grants:Grants",
    notebook: "databricks:index/notebook:Notebook",
    workspaceFile: "databricks:index/workspaceFile:WorkspaceFile",
    table: "databricks:index/sqlTable:SqlTable",
    warehouse: "databricks:index/sqlEndpoint:SqlEndpoint",
};

/** The schema and model names of the example stacks (tests/fixtures/example), as planned for jane.doe@example.com. */
const UC = {
    dev: { catalog: "dev_catalog", schema: "dev_jane_doe_ml_data", model: "dev_jane_doe_ml_model_dev" },
    prod: { catalog: "prod_catalog", schema: "ml_data", model: "ml_model" },
} as const;

/** Per project; plus, where the stack creates them, the workspace's policy and warehouse. */
const PROJECT_COUNTS: Record<string, number> = {
    [T.stack]: 1,
    "pulumi:providers:databricks": 1,
    [T.project]: 1,
    "mlops:databricks:TrainingJob": 1,
    "mlops:databricks:InferenceJob": 1,
    "mlops:databricks:Experiment": 1,
    "mlops:databricks:RegisteredModel": 1,
    "mlops:databricks:ServingEndpoint": 1,
    "mlops:databricks:QualityMonitor": 1,
    "mlops:databricks:WorkloadCode": 1,
    [T.job]: 4,
    "mlops:databricks:RetrainingJob": 1,
    [T.experiment]: 1,
    [T.model]: 1,
    [T.schema]: 1,
    [T.volume]: 1,
    [T.serving]: 1,
    [T.monitor]: 1,
    [T.permissions]: 6,
    [T.table]: 1,
    [T.grants]: 3,
    [T.notebook]: 6,
    // The library modules the notebooks import (workloads/common/mlops_lib, workloads/churn/churn_lib).
    "databricks:index/workspaceFile:WorkspaceFile": 12,
};
const EXPECTED_COUNTS: Record<string, Record<string, number>> = {
    // The dev stack references the workspace's policy and warehouse by id (non-admin developers).
    dev: PROJECT_COUNTS,
    prod: {
        ...PROJECT_COUNTS,
        "mlops:databricks:MlClusterPolicy": 1,
        [T.policy]: 1,
        "mlops:databricks:SqlWarehouse": 1,
        [T.warehouse]: 1,
        // The policy's and the warehouse's; and the code folder's, where the principal deploys.
        [T.permissions]: PROJECT_COUNTS[T.permissions] + 3,
    },
};

function counts(run: PlanRun): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of run.doc.steps) out[s.newState.type] = (out[s.newState.type] ?? 0) + 1;
    return out;
}

describe.each(["dev", "prod"] as const)("the example %s stack", (stack) => {
    let run: PlanRun;
    const uc = UC[stack];
    beforeAll(async () => {
        run = await planStack(stack);
    });

    it("declares exactly the bundle's resources", () => {
        expect(counts(run)).toEqual(EXPECTED_COUNTS[stack]);
        expect(run.doc.changeSummary).toEqual({ create: stack === "dev" ? 49 : 56 });
    });

    it("runs the training tasks in order on the shared ML job cluster", () => {
        const inputs = run.named(T.job, "ml-project-training").inputs as any;
        // The run order is the dependency chain; the list is in task-key order, as the provider reads it back.
        expect(inputs.tasks.map((t: any) => [t.taskKey, t.jobClusterKey, t.dependsOns?.[0]?.taskKey])).toEqual([
            ["evaluate_model", "ml_cluster", "train_model"],
            ["feature_engineering", "ml_cluster", undefined],
            ["train_model", "ml_cluster", "feature_engineering"],
        ]);
        expect(inputs.jobClusters).toHaveLength(1);
        const cluster = inputs.jobClusters[0].newCluster;
        expect(cluster.sparkVersion).toBe("18.x-cpu-ml-scala2.13");
        expect(cluster.dataSecurityMode).toBe("SINGLE_USER");
        expect(cluster.numWorkers).toBe(4);
        expect(cluster.sparkConf).toEqual({ "spark.databricks.delta.preview.enabled": "true" });
        if (stack === "dev") {
            expect(cluster.policyId).toBe("0123456789ABCDEF"); // the workspace's, by id
        } else {
            // The created policy's id, as the offline mocks answer it: it passes the config's own rule.
            expect(cluster.policyId).toMatch(CLUSTER_POLICY_ID);
            expect(run.named(T.job, "ml-project-training").dependencies).toContain(run.ofType(T.policy)[0].urn);
        }
        expect(inputs.trigger.fileArrival.url).toBe(`/Volumes/${uc.catalog}/${uc.schema}/input/training_data/`);
        const task = (key: string) => inputs.tasks.find((t: any) => t.taskKey === key);
        expect(task("train_model").notebookTask.baseParameters).toMatchObject({
            catalog: uc.catalog,
            schema: uc.schema,
            model_name: `${uc.catalog}.${uc.schema}.${uc.model}`,
        });
        expect(task("evaluate_model").notebookTask.baseParameters).toMatchObject({
            min_accuracy: "0.85",
            min_f1: "0.8",
        });
    });

    it("schedules batch inference hourly in UTC", () => {
        const inputs = run.named(T.job, "ml-project-inference").inputs as any;
        expect(inputs.schedule.quartzCronExpression).toBe("0 0 * * * ?");
        expect(inputs.schedule.timezoneId).toBe("UTC");
        expect(inputs.tasks[0].notebookTask.notebookPath).toMatch(/\/files\/notebooks\/batch_inference$/);
    });

    it("serves version 1 of the UC model with inference tables in the AI Gateway", () => {
        const inputs = run.named(T.serving, "ml-project-endpoint").inputs as any;
        const model = `${uc.catalog}.${uc.schema}.${uc.model}`;
        expect(inputs.config.servedEntities).toEqual([
            expect.objectContaining({ entityName: model, entityVersion: "1", workloadSize: "Small" }),
        ]);
        expect(inputs.config.trafficConfig.routes).toEqual([
            { servedEntityName: inputs.config.servedEntities[0].name, trafficPercentage: 100 },
        ]);
        expect(inputs.config.autoCaptureConfig).toBeUndefined();
        expect(inputs.aiGateway.inferenceTableConfig).toEqual({
            enabled: true,
            catalogName: uc.catalog,
            schemaName: uc.schema,
            tableNamePrefix: "inference_logs",
        });
    });

    it("monitors the processed inference table the processing job fills from the endpoint's", () => {
        const m = run.named(T.monitor, "ml-project-monitor");
        const inputs = m.inputs as any;
        const schema = `${uc.catalog}.${uc.schema}`;
        expect(inputs.tableName).toBe(`${schema}.inference_logs_processed`);
        expect(inputs.outputSchemaName).toBe(schema);
        expect(inputs.slicingExprs).toEqual(["model_version", "request_date"]);
        expect(inputs.inferenceLog).toEqual({
            problemType: "PROBLEM_TYPE_CLASSIFICATION",
            predictionCol: "prediction",
            labelCol: "label",
            modelIdCol: "model_id",
            timestampCol: "timestamp",
            granularities: ["1 day"],
        });
        // Development mode leaves a paused monitor unscheduled; the API cannot pause monitors.
        expect(inputs.schedule).toEqual(
            stack === "dev" ? undefined : { quartzCronExpression: "0 0 6 * * ?", timezoneId: "UTC" },
        );
        const table = run.named(T.table, "ml-project-monitor-table");
        expect(m.dependencies).toContain(table.urn);
        expect((table.inputs as any).columns.map((c: any) => `${c.name} ${c.type}`)).toEqual([
            "timestamp timestamp",
            "request_date date",
            "databricks_request_id string",
            "model_id string",
            "model_version string",
            "prediction int",
            "label int",
            "record_index bigint",
        ]);
        const processing = run.named(T.job, "ml-project-monitor-processing");
        const params = (processing.inputs as any).tasks[0].notebookTask.baseParameters;
        expect(params).toMatchObject({
            payload_table: `${schema}.inference_logs_payload`,
            processed_table: `${schema}.inference_logs_processed`,
            prediction_col: "prediction",
            label_col: "label",
            // The inference table's commits, each once: the checkpoint lives beside the training data's folder.
            checkpoint_location: `/Volumes/${schema.replaceAll(".", "/")}/input/checkpoints/process_inference_logs/`,
        });
        expect(processing.dependencies.some((d) => d.endsWith("ModelServing::ml-project-endpoint"))).toBe(true);
    });

    it("gives the experiment the seed's permissions", () => {
        const perms = run.named(T.permissions, "ml-project-experiment-perms").inputs as any;
        const groups = perms.accessControls.filter((a: any) => a.groupName);
        expect(groups).toEqual([
            { groupName: "data-scientists", permissionLevel: "CAN_READ" },
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
        ]);
    });

    it("grants CAN_MANAGE-equivalent on the model to ml-engineers and EXECUTE to data-scientists", () => {
        const grants = (run.named(T.grants, "ml-project-model-grants").inputs as any).grants;
        expect(grants.filter((g: any) => g.principal !== SP)).toEqual([
            { principal: "data-scientists", privileges: ["EXECUTE"] },
            { principal: "ml-engineers", privileges: ["ALL_PRIVILEGES"] },
        ]);
    });

    it("uploads the six notebooks and points the tasks at them", () => {
        const paths = run.ofType(T.notebook).map((n) => (n.inputs as any).path);
        expect(paths).toHaveLength(6);
        const training = run.named(T.job, "ml-project-training").inputs as any;
        expect(training.tasks.map((t: any) => [t.taskKey, t.notebookTask.notebookPath.split("/").pop()])).toEqual([
            ["evaluate_model", "evaluate"],
            ["feature_engineering", "features"],
            ["train_model", "train"],
        ]);
        for (const task of training.tasks) expect(paths).toContain(task.notebookTask.notebookPath);
        for (const n of run.ofType(T.notebook)) {
            expect(Buffer.from((n.inputs as any).contentBase64, "base64").toString()).toMatch(
                /^# Databricks notebook source/,
            );
        }
    });
});

describe("development mode (dev stack)", () => {
    let run: PlanRun;
    beforeAll(async () => {
        run = await planStack("dev", { user: "jane.doe@example.com" });
    });

    it("prefixes job names with [dev <short_name>]", () => {
        expect(
            run
                .ofType(T.job)
                .map((j) => (j.inputs as any).name)
                .sort(),
        ).toEqual([
            "[dev jane_doe] ml-project-inference-dev",
            "[dev jane_doe] ml-project-inference-logs-dev",
            "[dev jane_doe] ml-project-retraining-dev",
            "[dev jane_doe] ml-project-training-dev",
        ]);
        expect(run.ofType(T.policy)).toEqual([]);
    });

    it("prefixes the schema and the registered model with dev_<short_name>_, as bundles do", () => {
        expect(run.ofType(T.schema)[0].inputs).toMatchObject({
            catalogName: "dev_catalog",
            name: "dev_jane_doe_ml_data",
        });
        expect(run.ofType(T.model)[0].inputs).toMatchObject({
            schemaName: "dev_jane_doe_ml_data",
            name: "dev_jane_doe_ml_model_dev",
        });
    });

    it("prefixes the endpoint with dev_<short_name>_ and the experiment's last segment", () => {
        expect((run.ofType(T.serving)[0].inputs as any).name).toBe("dev_jane_doe_ml-project-api-dev");
        expect((run.ofType(T.experiment)[0].inputs as any).name).toBe(
            "/Users/jane.doe@example.com/[dev jane_doe] ml-project",
        );
    });

    it("pauses the trigger and the schedules, and leaves the monitor unscheduled", () => {
        expect((run.named(T.job, "ml-project-training").inputs as any).trigger.pauseStatus).toBe("PAUSED");
        expect((run.named(T.job, "ml-project-inference").inputs as any).schedule.pauseStatus).toBe("PAUSED");
        expect((run.named(T.job, "ml-project-monitor-processing").inputs as any).schedule.pauseStatus).toBe("PAUSED");
        // A monitor's pause status is read-only in the API: bundles drop a paused schedule.
        expect((run.ofType(T.monitor)[0].inputs as any).schedule).toBeUndefined();
    });

    it("scales to zero, tags dev, allows 4 concurrent runs and runs as the deploying user", () => {
        expect((run.ofType(T.serving)[0].inputs as any).config.servedEntities[0].scaleToZeroEnabled).toBe(true);
        for (const job of run.ofType(T.job)) {
            const inputs = job.inputs as any;
            expect(inputs.maxConcurrentRuns).toBe(4);
            expect(inputs.tags).toEqual({
                "cost-center": "ml-platform",
                dev: "jane_doe",
                environment: "dev",
                project: "ml-project",
            });
            expect(inputs.runAs).toBeUndefined();
        }
    });

    it("uploads code under the user's folder and protects nothing", () => {
        for (const n of run.ofType(T.notebook)) {
            expect((n.inputs as any).path).toMatch(
                /^\/Users\/jane\.doe@example\.com\/\.bundle\/ml-project\/dev\/files\/notebooks\//,
            );
        }
        expect(run.doc.steps.filter((s) => s.newState.protect)).toEqual([]);
    });
});

describe("production mode (prod stack)", () => {
    let run: PlanRun;
    beforeAll(async () => {
        run = await planStack("prod");
    });

    it("runs every job as the service principal, unpaused, without prefixes", () => {
        expect(run.ofType(T.job)).toHaveLength(4);
        for (const job of run.ofType(T.job)) {
            const inputs = job.inputs as any;
            expect(inputs.runAs).toEqual({ servicePrincipalName: SP });
            expect(inputs.name).toMatch(/^ml-project-(training|inference|inference-logs|retraining)-prod$/);
            expect(inputs.maxConcurrentRuns).toBeUndefined();
            expect(inputs.tags.dev).toBeUndefined();
        }
        expect((run.named(T.job, "ml-project-training").inputs as any).trigger.pauseStatus).toBe("UNPAUSED");
        expect((run.named(T.job, "ml-project-inference").inputs as any).schedule.pauseStatus).toBe("UNPAUSED");
        expect((run.named(T.job, "ml-project-monitor-processing").inputs as any).schedule.pauseStatus).toBe("UNPAUSED");
        expect((run.ofType(T.monitor)[0].inputs as any).schedule).toEqual({
            quartzCronExpression: "0 0 6 * * ?",
            timezoneId: "UTC",
        });
    });

    it("keeps the endpoint warm and names it ml-project-api-prod", () => {
        const inputs = run.ofType(T.serving)[0].inputs as any;
        expect(inputs.name).toBe("ml-project-api-prod");
        expect(inputs.config.servedEntities[0].scaleToZeroEnabled).toBe(false);
    });

    it("uses the shared experiment path, and the code root in the runAs principal's own home", () => {
        expect((run.ofType(T.experiment)[0].inputs as any).name).toBe("/Shared/ml-project");
        const paths = [...run.ofType(T.notebook), ...run.ofType(T.workspaceFile)].map((n) => (n.inputs as any).path);
        expect(paths.length).toBeGreaterThan(0);
        // Not /Shared, which every workspace user can change, while the code runs as the principal.
        for (const p of paths) expect(p).toMatch(new RegExp(`^/Workspace/Users/${SP}/\\.bundle/ml-project/prod/`));
    });

    it("protects exactly the stateful resources, the serving endpoint and the monitor", () => {
        const protectedTypes = run.doc.steps
            .filter((s) => s.newState.protect)
            .map((s) => s.newState.type)
            .sort();
        expect(protectedTypes).toEqual(
            [T.experiment, T.model, T.schema, T.table, T.volume, T.serving, T.monitor].sort(),
        );
    });

    it("lets the service principal write the schema, manage the model, use the policy and own the warehouse", () => {
        const schema = (run.named(T.grants, "ml-project-model-schema-grants").inputs as any).grants;
        expect(schema).toContainEqual({
            principal: SP,
            privileges: ["CREATE_MODEL", "CREATE_TABLE", "MODIFY", "SELECT", "USE_SCHEMA"],
        });
        const model = (run.named(T.grants, "ml-project-model-grants").inputs as any).grants;
        expect(model).toContainEqual({ principal: SP, privileges: ["ALL_PRIVILEGES", "MANAGE"] });
        const policy = (run.named(T.permissions, "ml-cluster-policy-perms").inputs as any).accessControls;
        expect(policy).toEqual([
            { servicePrincipalName: SP, permissionLevel: "CAN_USE" },
            { groupName: "ml-engineers", permissionLevel: "CAN_USE" },
        ]);
        // The principal deploys the stack: it stays the warehouse's owner (tests/deployerAccess.test.ts).
        const warehouse = (run.named(T.permissions, "sql-warehouse-perms").inputs as any).accessControls;
        expect(warehouse).toEqual([
            { servicePrincipalName: SP, permissionLevel: "IS_OWNER" },
            { groupName: "data-scientists", permissionLevel: "CAN_USE" },
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
        ]);
    });

    it("makes the service principal the model's owner, so it can add versions and set aliases", () => {
        expect((run.ofType(T.model)[0].inputs as any).owner).toBe(SP);
    });
});

describe("stable URNs", () => {
    it("names every resource from the project name, not from config order or user", async () => {
        const a = await planStack("prod", { user: "a@example.com" });
        const b = await planStack("prod", { user: "b@example.com" });
        expect(a.doc.steps.map((s) => s.urn)).toEqual(b.doc.steps.map((s) => s.urn));
        expect(a.named(T.model, "ml-project-model").urn).toBe(
            "urn:pulumi:prod::databricks-mlops::mlops:databricks:MlProject$mlops:databricks:RegisteredModel$databricks:index/registeredModel:RegisteredModel::ml-project-model",
        );
    });

    it("gives the same plan for the same input, byte for byte", async () => {
        const a = await planStack("dev");
        const b = await planStack("dev");
        expect(JSON.stringify(b.doc)).toBe(JSON.stringify(a.doc));
    });
});

describe("first deploy: no model version yet (mlops-stacks#217)", () => {
    it("defers the endpoint and the monitor, declares the rest and says why", async () => {
        const run = await planStack("prod", { modelVersions: [] });
        expect(run.ofType(T.serving)).toEqual([]);
        expect(run.ofType(T.monitor)).toEqual([]);
        expect(run.ofType(T.job)).toHaveLength(2);
        expect(run.ofType(T.model)).toHaveLength(1);
        expect(run.doc.diagnostics.map((d) => d.message)).toEqual([
            'model prod_catalog.ml_data.ml_model does not exist yet: the serving endpoint ml-project-api-prod is deferred, with what reads its tables (the quality monitor, the processed inference table and its job, retraining, the A/B query); everything else deploys. Run the training job "ml-project-training-prod" (`databricks jobs run-now <job id>`, or drop a file into the training-data volume): it registers a version, and its evaluation sets challenger and champion when the version passes the thresholds; then run `pulumi up` again.',
        ]);
    });

    it("keeps a live endpoint serving what it serves when the listed page lacks the version, rather than deleting it", async () => {
        const run = await planStack("dev", {
            modelVersions: ["2"],
            mock: {
                endpoints: {
                    "dev_jane_doe_ml-project-api-dev": [
                        {
                            name: "ml_model_dev-1",
                            entityName: "dev_catalog.dev_jane_doe_ml_data.dev_jane_doe_ml_model_dev",
                            entityVersion: "1",
                        },
                    ],
                },
            },
        });
        expect(run.ofType(T.serving)).toHaveLength(1);
        expect(run.ofType(T.serving)[0].ignoreChanges).toEqual(["config.trafficConfig"]);
        expect(run.doc.diagnostics.map((d) => d.message)).toEqual([
            expect.stringContaining(
                "model dev_catalog.dev_jane_doe_ml_data.dev_jane_doe_ml_model_dev has no version 1 (it lists 2; the provider reads one page of versions): the serving endpoint dev_jane_doe_ml-project-api-dev keeps serving what it serves now (1 at version 1)",
            ),
        ]);
    });
});

describe("A/B traffic and several projects", () => {
    it("splits traffic between two versions and declares a second project beside the first", async () => {
        const config = stackFileConfig("prod");
        const [first] = config["databricks-mlops:projects"] as any[];
        const ab = {
            ...first,
            serving: {
                ...first.serving,
                routes: [
                    { version: "1", trafficPercentage: 80 },
                    { version: "2", trafficPercentage: 20 },
                ],
            },
        };
        const second = {
            ...first,
            name: "churn-v2",
            schema: "churn",
            modelName: "churn_model",
            experimentPath: "/Shared/churn-v2",
        };
        const run = await planConfig("prod", { ...config, "databricks-mlops:projects": [ab, second] }, ["1", "2"]);
        const endpoints = run.ofType(T.serving).map((s) => s.inputs as any);
        expect(endpoints.map((e) => e.name).sort()).toEqual(["churn-v2-api-prod", "ml-project-api-prod"]);
        const split = endpoints.find((e) => e.name === "ml-project-api-prod");
        expect(split.config.servedEntities.map((e: any) => [e.name, e.entityVersion])).toEqual([
            ["ml_model-1", "1"],
            ["ml_model-2", "2"],
        ]);
        expect(split.config.trafficConfig.routes).toEqual([
            { servedEntityName: "ml_model-1", trafficPercentage: 80 },
            { servedEntityName: "ml_model-2", trafficPercentage: 20 },
        ]);
        expect(run.ofType(T.project)).toHaveLength(2);
        expect(run.ofType(T.job)).toHaveLength(8);
    });
});
