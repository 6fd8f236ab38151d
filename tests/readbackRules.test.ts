import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { inputPaths } from "../plan/inputPaths";
import type { PlanDocument } from "../plan/plan";
import { READBACK_RULES_SOURCES, readbackRulesFor } from "../plan/readbackRules";
import { replaceRulesFor } from "../plan/replaceRules";
import { PROJECT_DIR } from "./harness";
import { readbackStackPlans } from "./readbackStacks";

/** The custom types and input paths of a plan that no read-back rule covers. */
export function uncovered(doc: PlanDocument): string[] {
    const missing = new Set<string>();
    for (const { newState: s } of doc.steps) {
        if (!s.custom || s.type.startsWith("pulumi:providers:")) continue;
        const rules = readbackRulesFor(s.type);
        if (!rules) {
            missing.add(s.type);
            continue;
        }
        const paths = new Set<string>();
        inputPaths(s.inputs, new Set(replaceRulesFor(s.type)?.maps ?? []), "", paths);
        for (const p of paths) if (!(rules.paths[p]?.length > 0)) missing.add(`${s.type} ${p}`);
    }
    return [...missing].sort();
}

describe("read-back rules table", () => {
    let plans: { label: string; doc: PlanDocument }[];
    beforeAll(async () => {
        plans = await readbackStackPlans();
    }, 120_000);

    it("names the provider versions it was read from", () => {
        const version = (pkg: string) =>
            (
                JSON.parse(
                    fs.readFileSync(path.join(PROJECT_DIR, "node_modules", "@pulumi", pkg, "package.json"), "utf8"),
                ) as { version: string }
            ).version;
        const db = READBACK_RULES_SOURCES.databricks;
        expect(db.packageVersion).toBe(version("databricks"));
        expect(db.upstream).toBe("databricks/terraform-provider-databricks");
        expect(db.upstreamVersion).toMatch(/^v\d+\.\d+\.\d+$/);
        expect(db.bridgedUpstreamVersion).toMatch(/^v\d+\.\d+\.\d+$/);
        expect(db.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(READBACK_RULES_SOURCES["azure-native"].packageVersion).toBe(version("azure-native"));
    });

    it("covers every type and input path the shipped and test stacks set", () => {
        for (const { label, doc } of plans) expect([label, uncovered(doc)]).toEqual([label, []]);
    });

    it("fails when the program starts setting a property no rule covers", () => {
        const doc = structuredClone(plans[0].doc);
        const job = doc.steps.find((s) => s.newState.type === "databricks:index/job:Job")!;
        (job.newState.inputs as any).tasks[0].maxRetries = 3;
        (job.newState.inputs as any).gitSource = { url: "https://example.com/repo.git" };
        doc.steps.push({
            ...job,
            urn: `${job.urn}-x`,
            newState: { ...job.newState, type: "databricks:index/pipeline:Pipeline" },
        });
        expect(uncovered(doc)).toEqual([
            "databricks:index/job:Job gitSource",
            "databricks:index/job:Job gitSource.url",
            "databricks:index/job:Job tasks.maxRetries",
            "databricks:index/pipeline:Pipeline",
        ]);
    });

    it("marks hand-written rules with a citation, and reads the job's sorts from the provider source", () => {
        for (const type of ["databricks:index/qualityMonitor:QualityMonitor", "azure-native:storage:StorageAccount"]) {
            for (const rules of Object.values(readbackRulesFor(type)!.paths)) {
                for (const r of rules) if (r.handWritten) expect(r.source.length).toBeGreaterThan(40);
            }
        }
        const job = readbackRulesFor("databricks:index/job:Job")!;
        expect(job.upstream?.resource).toBe("databricks_job");
        expect(job.paths.tasks).toContainEqual(
            expect.objectContaining({ kind: "sorted", key: "taskKey", function: "sortTasksByKey" }),
        );
        expect(job.paths["tasks.dependsOns"]).toContainEqual(
            expect.objectContaining({ kind: "sorted", key: "taskKey", function: "adjustTasks" }),
        );
        expect(job.paths.tasks.some((r) => r.handWritten)).toBe(false);
    });
});
