import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { localRunTarget, plannedProjects, taskParameter } from "../scripts/localRunSpec";
import { PROJECT_DIR, planStack } from "./harness";

/** The workload suite's project (tests/workloads/project) beside the program's Pulumi.yaml. */
function workloadProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-localrun-"));
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const src = path.join(PROJECT_DIR, "tests", "workloads", "project");
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    return dir;
}

describe("the local run spec", () => {
    it("takes each job's tasks from the plan unchanged, with its role and its mocked id", async () => {
        const run = await planStack("dev", { projectDir: workloadProject(), user: "dev.user@example.com" });
        expect(plannedProjects(run.doc)).toEqual(["churn", "prices"]);
        const t = localRunTarget(run.doc, "churn", "dev");
        expect(t).toBeDefined();
        const jobs = run.ofType("databricks:index/job:Job").filter((j) => j.urn.includes("::churn-"));
        expect(t!.jobs.map((j) => [j.resource, j.role]).sort()).toEqual([
            ["churn-inference", "inference"],
            ["churn-monitor-processing", "processing"],
            ["churn-retraining", "retraining"],
            ["churn-training", "training"],
        ]);
        for (const job of t!.jobs) {
            const planned = jobs.find((j) => j.urn.endsWith(`::${job.resource}`));
            expect(job.tasks).toEqual((planned!.inputs as any).tasks);
        }
        // The retraining job's run_job_task names the training job by the id the plan gives it.
        const retrain = t!.jobs.find((j) => j.role === "retraining")!.tasks.find((x: any) => x.runJobTask) as any;
        expect(String(retrain.runJobTask.jobId)).toBe(t!.jobs.find((j) => j.role === "training")!.id);
        // Every notebook the jobs run is among the files the spec deploys, with the plan's content.
        const paths = new Set(t!.workspaceFiles.filter((f) => f.kind === "notebook").map((f) => f.path));
        for (const job of t!.jobs)
            for (const task of job.tasks as any[])
                if (task.notebookTask) expect(paths).toContain(task.notebookTask.notebookPath);
        expect(t!.tables.map((x) => x.name)).toEqual(["dev_catalog.dev_dev_user_churn.inference_logs_processed"]);
        expect(
            taskParameter(
                t!.jobs.find((j) => j.role === "inference")!,
                "model_name",
            ),
        ).toBe("dev_catalog.dev_dev_user_churn.dev_dev_user_churn_model");
        expect(localRunTarget(run.doc, "nope", "dev")).toBeUndefined();
    });
});
