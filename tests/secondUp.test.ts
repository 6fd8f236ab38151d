import { beforeAll, describe, expect, it } from "vitest";
import { canonicalTasks } from "../components/project/jobCommon";
import type { PlanDocument } from "../plan/plan";
import { EXIT_SECOND_UP_CHANGES, isQuiet, readBack, secondUp } from "../plan/secondUp";
import { createdProd, planCli, planConfig, planStack } from "./harness";
import { everythingProd, generatedProjects } from "./readbackStacks";

const JOB = "databricks:index/job:Job";
const MONITOR = "databricks:index/qualityMonitor:QualityMonitor";

/** What a second `up` would change, as `resource path: rule` lines. */
function changes(doc: PlanDocument): string[] {
    const result = secondUp(doc);
    return result.steps
        .filter((s) => s.op !== "same")
        .flatMap((s) =>
            result.causes
                .filter((c) => c.urn === s.urn)
                .map((c) => `${s.op} ${s.urn.split("::").pop()} ${c.path}: ${c.rule}`),
        );
}

/** A copy of a plan with one resource's inputs edited. */
function edited(doc: PlanDocument, type: string, name: string, edit: (inputs: any) => void): PlanDocument {
    const copy = structuredClone(doc);
    const step = copy.steps.find((s) => s.newState.type === type && s.urn.endsWith(`::${name}`));
    if (!step) throw new Error(`no ${type} ${name}`);
    edit(step.newState.inputs);
    return copy;
}

describe("a second up", () => {
    it.each(["dev", "prod", "azure-dev"])("changes nothing on the shipped stack %s", async (stack) => {
        const doc = (await planStack(stack)).doc;
        expect(changes(doc)).toEqual([]);
        expect(isQuiet(secondUp(doc))).toBe(true);
    });

    it.each([
        ["a created-workspace production stack", () => planConfig("prod", createdProd())],
        ["ten generated projects", () => planConfig("dev", generatedProjects(10))],
        ["every optional part on", () => planConfig("prod", everythingProd())],
    ])("changes nothing on %s", async (_, plan) => {
        expect(changes((await plan()).doc)).toEqual([]);
    });
});

describe("what a second up catches, with the rule named", () => {
    let prod: PlanDocument;
    beforeAll(async () => {
        prod = (await planStack("prod")).doc;
    });

    it("a task list out of key order: the provider sorts tasks by key", () => {
        const doc = edited(prod, JOB, "ml-project-training", (inputs) => inputs.tasks.reverse());
        expect(changes(doc)).toEqual([
            "update ml-project-training tasks: Job tasks: sorted by taskKey, jobs (method) sortTasksByKey",
        ]);
    });

    it("depends_on out of key order: the provider sorts each task's dependencies", () => {
        const doc = edited(prod, JOB, "ml-project-training", (inputs) => {
            inputs.tasks[0].dependsOns = [{ taskKey: "z_last" }, { taskKey: "a_first" }];
        });
        expect(changes(doc)).toEqual([
            "update ml-project-training tasks[0].dependsOns: Job tasks.dependsOns: sorted by taskKey, jobs (method) adjustTasks",
        ]);
    });

    it("a mixed-case table name: Unity Catalog answers it lower-cased and the monitor does not ignore case", () => {
        const doc = edited(prod, MONITOR, "ml-project-monitor", (inputs) => {
            inputs.tableName = String(inputs.tableName).replace("prod_catalog", "Prod_Catalog");
        });
        const [line, ...rest] = changes(doc);
        expect(rest).toEqual([]);
        // A new table name replaces the monitor (its replaceOnChanges option), so the perpetual
        // difference is a perpetual replace.
        expect(line).toMatch(
            /^replace ml-project-monitor tableName: QualityMonitor tableName: lowercased, hand-written: /,
        );
    });

    it("a mixed-case schema name stays quiet: the provider ignores case there (EqualFoldDiffSuppress)", () => {
        const doc = edited(prod, "databricks:index/schema:Schema", "ml-project-model-schema", (inputs) => {
            inputs.name = String(inputs.name).toUpperCase();
        });
        expect(changes(doc)).toEqual([]);
    });

    it("a default the API fills: Unity Catalog's own schema properties, unless the schema ignores them", () => {
        const schema = "databricks:index/schema:Schema";
        const step = prod.steps.find((s) => s.newState.type === schema && s.urn.endsWith("::ml-project-model-schema"));
        expect(step?.newState.ignoreChanges).toEqual(["properties"]);
        const doc = structuredClone(prod);
        for (const s of doc.steps) if (s.newState.type === schema) delete s.newState.ignoreChanges;
        expect(changes(doc)).toEqual([
            expect.stringMatching(
                /^update ml-project-model-schema properties: Schema properties: apiDefault "\{.*\}", hand-written: databricks\/cli bundle\/direct\/dresources\/resources\.yml/,
            ),
        ]);
    });

    it("leaves a path the provider keeps quiet alone: the API's run_as on a job that sets none", () => {
        const doc = edited(prod, JOB, "ml-project-training", (inputs) => delete inputs.runAs);
        const { state } = readBack(
            JOB,
            doc.steps.find((s) => s.urn.endsWith("::ml-project-training"))!.newState.inputs,
        );
        expect(state.runAs).toBeUndefined();
        expect(changes(doc)).toEqual([]);
    });
});

describe("canonical task order", () => {
    it("sorts tasks and their dependencies by key in byte order, keeping each task whole", () => {
        const tasks = canonicalTasks([
            { taskKey: "train", dependsOns: [{ taskKey: "features" }, { taskKey: "Backfill" }] },
            { taskKey: "features" },
            { taskKey: "Backfill" },
        ]);
        expect(tasks.map((t) => t.taskKey)).toEqual(["Backfill", "features", "train"]);
        expect(tasks[2].dependsOns).toEqual([{ taskKey: "Backfill" }, { taskKey: "features" }]);
    });
});

// In this process (tests/harness.ts planCli): the exit status is what `main` returns; that a
// UsageError leaves the process with 2 is tested with the real process in messages.test.ts.
describe("npm run plan -- --second-up", () => {
    const cli = planCli;

    it("exits 0 and says so when nothing would change; --json is the preview-shaped document", async () => {
        const text = await cli(["--stack", "prod", "--second-up"]);
        expect(text.code).toBe(0);
        expect(text.stdout).toContain("A second `pulumi up` changes nothing.");
        const json = await cli(["--stack", "prod", "--second-up", "--json"]);
        expect(json.code).toBe(0);
        const doc = JSON.parse(json.stdout);
        expect(doc.changeSummary).toEqual({ same: doc.steps.length });
        expect(doc.causes).toEqual([]);
    });

    // With --base it shows a second `up` after the update from the base (tests/updateImmune.test.ts).
    it("exits 3 on a change, not a code the CLI uses otherwise", () => {
        expect(EXIT_SECOND_UP_CHANGES).toBe(3);
    });
});
