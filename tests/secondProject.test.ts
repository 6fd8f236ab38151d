// The example of docs/testing.md ("Adding a test"): keep the two the same.
import { expect, it } from "vitest";
import { planConfig, stackFileConfig } from "./harness";

it("gives a second project a training job of its own, in its schema", async () => {
    const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
    const projects = config["databricks-mlops:projects"];
    projects.push({ ...projects[0], name: "demand", schema: "demand_data", experimentPath: "/Shared/demand" });
    const run = await planConfig("prod", config);
    const job = run.named("databricks:index/job:Job", "demand-training").inputs as any;
    expect(job.tasks[1].notebookTask.baseParameters.schema).toBe("demand_data");
});
