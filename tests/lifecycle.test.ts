import { describe, expect, it } from "vitest";
import { abComparisonSql } from "../components";
import { type PlanRun, planConfig, planError, planStack, SP, stackFileConfig } from "./harness";

/** The model lifecycle of the seeds: each project its code, deploy-code or deploy-model, retraining, A/B. */

const NS = "databricks-mlops";
const JOB = "databricks:index/job:Job";
const NOTEBOOK = "databricks:index/notebook:Notebook";

const jobNames = (run: PlanRun) =>
    run
        .ofType(JOB)
        .map((j) => (j.inputs as any).name as string)
        .sort();

/** A second project beside the first, with the regression workload and its own task parameter. */
function withRegression(stack: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const config = structuredClone(stackFileConfig(stack)) as Record<string, any>;
    const [first] = config[`${NS}:projects`];
    config[`${NS}:projects`].push({
        ...structuredClone(first),
        name: "demand",
        schema: "demand",
        modelName: "demand_model",
        experimentPath: stack === "prod" ? "/Shared/demand" : "/Users/${workspace.current_user.userName}/demand",
        workload: { dir: "workloads/regression", parameters: { evaluate: { min_r2: "0.6" } } },
        monitor: { ...first.monitor, problemType: "PROBLEM_TYPE_REGRESSION" },
        ...extra,
    });
    return config;
}

describe("each project its own workload", () => {
    it("uploads each project's code and points its jobs at it", async () => {
        const run = await planConfig("prod", withRegression("prod"));
        const contents = (project: string, file: string) =>
            Buffer.from(
                (run.named(NOTEBOOK, `${project}-code-${file}`).inputs as any).contentBase64,
                "base64",
            ).toString();
        expect(contents("demand", "evaluate")).toContain('dbutils.widgets.text("min_r2"');
        expect(contents("ml-project", "evaluate")).not.toContain("min_r2");
        const training = run.named(JOB, "demand-training").inputs as any;
        const evaluate = (job: any) => job.tasks.find((t: any) => t.taskKey === "evaluate_model");
        expect(evaluate(training).notebookTask.notebookPath).toBe(
            `/Workspace/Users/${SP}/.bundle/demand/prod/files/notebooks/evaluate`,
        );
        expect(evaluate(training).notebookTask.baseParameters.min_r2).toBe("0.6");
        expect(evaluate(run.named(JOB, "ml-project-training").inputs).notebookTask.baseParameters).not.toHaveProperty(
            "min_r2",
        );
    });

    it("refuses a workload folder without an entry point, naming the project and the file", async () => {
        const config = withRegression("prod");
        (config[`${NS}:projects`] as any[])[1].workload.dir = "workloads/common";
        const err = await planError("prod", config);
        expect(err.message).toContain(
            "Pulumi.prod.yaml: databricks-mlops:projects[1].workload.dir: expected workloads/common/features.py (an entry point the jobs of demand run), found no such file",
        );
    });
});

describe("deploy-code or deploy-model", () => {
    const model = {
        deployment: "model",
        promotion: {
            sourceModel: "staging_catalog.ml_data.ml_model",
            validationTable: "prod_catalog.ml_data.labelled_customers",
        },
    };
    const prodModel = () => {
        const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        Object.assign(config[`${NS}:projects`][0], model);
        config[`${NS}:projects`][0].inference.inputTable = "prod_catalog.ml_data.customers";
        return config;
    };

    it("gives a deploy-model project no training job in production, a promotion job instead", async () => {
        const run = await planConfig("prod", prodModel());
        expect(jobNames(run)).toEqual([
            "ml-project-inference-logs-prod",
            "ml-project-inference-prod",
            "ml-project-promotion-prod",
        ]);
        const promotion = run.named(JOB, "ml-project-promotion").inputs as any;
        expect(promotion.runAs).toEqual({ servicePrincipalName: SP });
        expect(promotion.trigger).toBeUndefined();
        expect(promotion.tasks[0].notebookTask.baseParameters).toEqual({
            source_model: "staging_catalog.ml_data.ml_model",
            source_alias: "champion",
            target_model: "prod_catalog.ml_data.ml_model",
            validation_table: "prod_catalog.ml_data.labelled_customers",
            label_col: "label",
            min_accuracy: "0.85",
            min_f1: "0.8",
            min_improvement: "0",
        });
        // Its read access is the source stack's to grant (tests/grants.test.ts): none from here.
        expect(run.ofType("databricks:index/grant:Grant")).toEqual([]);
        // No training job to start: no retraining either; the trigger path has no job.
        expect(run.ofType("mlops:databricks:RetrainingJob")).toEqual([]);
    });

    it("keeps training in development", async () => {
        const config = structuredClone(stackFileConfig("dev")) as Record<string, any>;
        Object.assign(config[`${NS}:projects`][0], model);
        const run = await planConfig("dev", config);
        expect(jobNames(run)).toContain("[dev jane_doe] ml-project-training-dev");
        expect(run.ofType("mlops:databricks:PromotionJob")).toEqual([]);
    });

    it("refuses deploy-model in production without the model to promote", async () => {
        const config = prodModel();
        delete (config[`${NS}:projects`] as any[])[0].promotion;
        const err = await planError("prod", config);
        expect(err.message).toContain(
            "Pulumi.prod.yaml: databricks-mlops:projects[0].promotion: expected promotion.sourceModel (the model to promote, from a CI-deployed stack such as staging) with deployment: model in production mode",
        );
    });
});

describe("retraining on drift", () => {
    it("reads the monitor's drift table, tests it, and starts the training job only on drift", async () => {
        const run = await planStack("prod");
        const job = run.named(JOB, "ml-project-retraining").inputs as any;
        const training = run.named(JOB, "ml-project-training");
        expect(job.tasks.map((t: any) => [t.taskKey, t.dependsOns])).toEqual([
            ["check_drift", undefined],
            ["drift_detected", [{ taskKey: "check_drift" }]],
            ["retrain", [{ taskKey: "drift_detected", outcome: "true" }]],
        ]);
        expect(job.tasks[0].notebookTask.baseParameters).toEqual({
            drift_table: "prod_catalog.ml_data.inference_logs_processed_drift_metrics",
            // The model's inputs (monitor.inputColumns, none here) and its prediction: never the model id.
            columns: "prediction",
            metric: "js_distance",
            threshold: "0.2",
            lookback_days: "7",
            evaluation_windows: "1",
            violation_windows: "1",
            model_id_col: "model_id",
        });
        expect(job.tasks[1].conditionTask).toEqual({
            left: "{{tasks.check_drift.values.drift_detected}}",
            op: "EQUAL_TO",
            right: "true",
        });
        expect(String(job.tasks[2].runJobTask.jobId)).toBe(
            String(
                run.doc.steps[0].newState.outputs &&
                    (run.doc.steps[0].newState.outputs as any).projects["ml-project"].trainingJobId,
            ),
        );
        expect(run.named(JOB, "ml-project-retraining").dependencies).toContain(training.urn);
        expect(job.schedule).toEqual({
            quartzCronExpression: "0 0 7 * * ?",
            timezoneId: "UTC",
            pauseStatus: "UNPAUSED",
        });
    });

    it("pauses in development mode, takes its columns and threshold from config, and can be turned off", async () => {
        const config = structuredClone(stackFileConfig("dev")) as Record<string, any>;
        config[`${NS}:projects`][0].retraining = {
            columns: ["tenure", "monthly_charges"],
            threshold: 0.1,
            evaluationWindows: 5,
            violationWindows: 2,
        };
        const run = await planConfig("dev", config);
        const job = run.named(JOB, "ml-project-retraining").inputs as any;
        expect(job.schedule.pauseStatus).toBe("PAUSED");
        expect(job.tasks[0].notebookTask.baseParameters).toMatchObject({
            columns: "tenure,monthly_charges",
            threshold: "0.1",
            evaluation_windows: "5",
            violation_windows: "2",
        });
        config[`${NS}:projects`][0].retraining = { enabled: false };
        expect((await planConfig("dev", config)).ofType("mlops:databricks:RetrainingJob")).toEqual([]);
    });
});

describe("A/B analysis", () => {
    const ab = (stack: string) => {
        const config = structuredClone(stackFileConfig(stack)) as Record<string, any>;
        config[`${NS}:projects`][0].serving.routes = [
            { alias: "champion", trafficPercentage: 80 },
            { alias: "challenger", trafficPercentage: 20 },
        ];
        return config;
    };

    it("declares the comparison query of the two versions, with permissions for the viewers", async () => {
        const run = await planConfig("prod", ab("prod"));
        const query = run.named("databricks:index/query:Query", "ml-project-ab-analysis").inputs as any;
        expect(query.displayName).toBe("ml-project-ab-analysis-prod");
        expect(query.warehouseId).toMatch(/^[0-9a-f]{12}$/);
        expect(query.queryText).toContain("FROM prod_catalog.ml_data.inference_logs_processed AS p");
        expect(query.queryText).toContain("  FROM prod_catalog.ml_data.inference_logs_payload\n");
        expect(query.queryText).toContain("GROUP BY q.model_version");
        const perms = run.named("databricks:index/permissions:Permissions", "ml-project-ab-analysis-perms")
            .inputs as any;
        expect(perms.accessControls).toEqual([
            { servicePrincipalName: SP, permissionLevel: "CAN_MANAGE" },
            { groupName: "data-scientists", permissionLevel: "CAN_RUN" },
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
        ]);
    });

    it("is not declared for an endpoint that serves one version", async () => {
        expect((await planStack("prod")).ofType("databricks:index/query:Query")).toEqual([]);
    });

    it.each([
        ["PROBLEM_TYPE_CLASSIFICATION", "accuracy", "positive_rate"],
        ["PROBLEM_TYPE_REGRESSION", "rmse", "mean_prediction"],
    ] as const)("compares %s versions by %s and %s", (problemType, quality, distribution) => {
        const sql = abComparisonSql("c.s.p", "c.s.r", { problemType, predictionCol: "prediction", labelCol: "label" });
        expect(sql).toContain(` AS ${quality},`);
        expect(sql).toContain(` AS ${distribution},`);
        expect(sql).toContain("AS requests");
        expect(sql).toContain("AS p95_latency_ms");
        expect(abComparisonSql("c.s.p", "c.s.r", { problemType, predictionCol: "prediction" })).not.toContain(quality);
    });
});
