import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { type PlanRun, PROJECT_DIR, planConfig, planStack, stackFileConfig } from "./harness";

const NS = "databricks-mlops";
const JOB = "databricks:index/job:Job";

describe("lookup failures are not read as a first deploy", () => {
    it.each([
        ["dev", "PERMISSION_DENIED: User does not have USE SCHEMA on Schema 'dev_catalog.ml_data'"],
        ["dev", "dial tcp 10.0.0.1:443: i/o timeout"],
        ["azure-dev", "AuthorizationFailed: The client has no authorization to read Microsoft.Databricks/workspaces"],
    ])("%s: %s stops the plan", async (stack, message) => {
        await expect(planStack(stack, { mock: { lookupError: message } })).rejects.toThrow(message);
    });
});

describe("every optional setting reaches its resource", () => {
    it("wires the optional settings of a development stack", async () => {
        const config = structuredClone(stackFileConfig("dev")) as Record<string, any>;
        const [p] = config[`${NS}:projects`];
        Object.assign(config, {
            [`${NS}:workspaceRootPath`]: "/Shared/ml-dev/${workspace.current_user.short_name}",
            [`${NS}:sqlWarehouse`]: { mode: "existing", id: "00000000000000aa" },
            [`${NS}:runnerGroups`]: ["ml-ops"],
            [`${NS}:failureEmails`]: ["oncall@example.com"],
        });
        p.training = {
            timeoutSeconds: 3600,
            trigger: { minTimeBetweenTriggersSeconds: 600, waitAfterLastChangeSeconds: 120, pauseStatus: "UNPAUSED" },
        };
        p.inference = {
            ...p.inference,
            inputTable: "dev_catalog.raw.customers",
            outputTable: "dev_catalog.out.scores",
        };
        p.monitor = {
            ...p.monitor,
            labelsTable: "dev_catalog.ml_data.churn_labels",
            assetsDir: "/Shared/ml-dev/${workspace.current_user.short_name}/dashboards",
            schedule: { cron: "0 0 7 * * ?", timezone: "Europe/Amsterdam", pauseStatus: "UNPAUSED" },
        };
        const run: PlanRun = await planConfig("dev", config);

        const training = run.named(JOB, "ml-project-training").inputs as any;
        expect(training.trigger).toEqual({
            pauseStatus: "UNPAUSED",
            fileArrival: {
                url: "/Volumes/dev_catalog/dev_jane_doe_ml_data/input/training_data/",
                minTimeBetweenTriggersSeconds: 600,
                waitAfterLastChangeSeconds: 120,
            },
        });
        expect(training.tasks.map((t: any) => t.timeoutSeconds)).toEqual([3600, 3600, 3600]);
        expect(training.emailNotifications).toEqual({ onFailures: ["oncall@example.com"] });
        expect(training.tasks.find((t: any) => t.taskKey === "feature_engineering").notebookTask.notebookPath).toBe(
            "/Shared/ml-dev/jane_doe/ml-project/dev/files/notebooks/features",
        );

        const inference = run.named(JOB, "ml-project-inference").inputs as any;
        expect(inference.tasks[0].notebookTask.baseParameters).toMatchObject({
            input_table: "dev_catalog.raw.customers",
            output_table: "dev_catalog.out.scores",
        });
        expect(inference.schedule.pauseStatus).toBe("PAUSED");

        const perms = run.named("databricks:index/permissions:Permissions", "ml-project-inference-perms").inputs as any;
        expect(perms.accessControls).toContainEqual({ groupName: "ml-ops", permissionLevel: "CAN_MANAGE_RUN" });

        const monitor = run.named("databricks:index/qualityMonitor:QualityMonitor", "ml-project-monitor").inputs as any;
        expect(monitor.assetsDir).toBe("/Shared/ml-dev/jane_doe/dashboards");
        expect(monitor.warehouseId).toBe("00000000000000aa");
        expect(monitor.schedule).toEqual({ quartzCronExpression: "0 0 7 * * ?", timezoneId: "Europe/Amsterdam" });
        const processing = run.named(JOB, "ml-project-monitor-processing").inputs as any;
        expect(processing.tasks[0].notebookTask.baseParameters.labels_table).toBe("dev_catalog.ml_data.churn_labels");
        expect(
            (run.named("databricks:index/sqlTable:SqlTable", "ml-project-monitor-table").inputs as any).warehouseId,
        ).toBe("00000000000000aa");
    });
});

describe("the notebooks read exactly the parameters the jobs pass", () => {
    const widgets = (file: string) =>
        [
            ...fs
                .readFileSync(
                    [
                        path.join(PROJECT_DIR, "workloads", "churn", `${file}.py`),
                        path.join(PROJECT_DIR, "workloads", "common", `${file}.py`),
                    ].find((f) => fs.existsSync(f)) as string,
                    "utf8",
                )
                .matchAll(/dbutils\.widgets\.text\("([^"]+)"/g),
        ]
            .map((m) => m[1])
            .sort();

    it("matches every task's base parameters to its notebook's widgets", async () => {
        const run = await planStack("prod");
        const tasks = run
            .ofType(JOB)
            .flatMap((j) => (j.inputs as any).tasks)
            .filter((t: any) => t.notebookTask);
        expect(tasks).toHaveLength(6);
        for (const task of tasks) {
            const notebook = task.notebookTask.notebookPath.split("/").pop();
            expect({ notebook, parameters: Object.keys(task.notebookTask.baseParameters).sort() }).toEqual({
                notebook,
                parameters: widgets(notebook),
            });
        }
    });
});
