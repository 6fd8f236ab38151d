import * as fs from "node:fs";
import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { diffPlans } from "../plan/diff";
import { buildPlan, type PlanDocument } from "../plan/plan";
import { readbackRulesFor } from "../plan/readbackRules";
import { renderDiff } from "../plan/render";
import { isQuiet, secondUp } from "../plan/secondUp";
import { planCli, planStack, serially, stackFileConfig, tempProject } from "./harness";

/**
 * Fields an update cannot change (the read-back rule `notUpdated`): the quality monitor's
 * `assets_dir` (absent from the update request) and `warehouse_id` (copied from the old state).
 * A change of one is a replacement where the program asks for one, else a perpetual diff named
 * as such, in `--base` and in `--second-up`.
 */

const NS = "databricks-mlops";
const MONITOR = "databricks:index/qualityMonitor:QualityMonitor";

/**
 * The plan with the monitor's update-immune fields not pinned: the program pins them
 * (components/project/qualityMonitor.ts, `ignoreChanges`), so that a routine change never shows;
 * without the pin, the same change is what these tests show the diff makes of it.
 */
function unpinned(doc: PlanDocument): PlanDocument {
    const copy = structuredClone(doc);
    for (const s of copy.steps) {
        if (s.newState.type !== MONITOR) continue;
        const kept = (s.newState.ignoreChanges ?? []).filter((p) => p !== "warehouseId" && p !== "assetsDir");
        if (kept.length > 0) s.newState.ignoreChanges = kept;
        else delete s.newState.ignoreChanges;
    }
    return copy;
}

/** The example dev stack with the workspace's SQL warehouse given by another id. */
function otherWarehouse(): string {
    const config = structuredClone(stackFileConfig("dev")) as Record<string, any>;
    config[`${NS}:sqlWarehouse`] = { mode: "existing", id: "fedcba9876543210" };
    return tempProject("dev", config);
}

describe("the read-back rules of an update", () => {
    it("know the quality monitor's fields an update cannot change, from the provider and SDK source", () => {
        const paths = readbackRulesFor(MONITOR)?.paths ?? {};
        expect(paths.warehouseId).toContainEqual(
            expect.objectContaining({ kind: "notUpdated", source: expect.stringContaining("qualitymonitor Update") }),
        );
        expect(paths.assetsDir).toContainEqual(
            expect.objectContaining({ kind: "notUpdated", source: expect.stringContaining("UpdateMonitor") }),
        );
    });
});

describe("a change of a field an update cannot change", () => {
    it("is pinned by the program: another warehouse changes nothing", async () => {
        const base = (await planStack("dev")).doc;
        const head = (await planStack("dev", { projectDir: otherWarehouse() })).doc;
        expect(diffPlans(base, head).steps.find((s) => s.newState?.type === MONITOR)?.op).toBe("same");
        expect(isQuiet(secondUp(head, base))).toBe(true);
    });

    it("unpinned, shows in --base as a perpetual diff, named with its rule", async () => {
        const base = unpinned((await planStack("dev")).doc);
        const head = unpinned((await planStack("dev", { projectDir: otherWarehouse() })).doc);
        const diff = diffPlans(base, head);
        const monitor = diff.steps.find((s) => s.newState?.type === MONITOR);
        expect(monitor?.op).toBe("update");
        expect(diff.perpetual).toEqual([
            {
                urn: monitor?.urn,
                path: "warehouseId",
                rule: expect.stringMatching(/^QualityMonitor warehouseId: notUpdated, .*qualitymonitor Update/),
            },
        ]);
        const text = renderDiff(diff, "dev", "base", false);
        expect(text).toContain(
            '~ warehouseId: "0123456789abcdef" => "fedcba9876543210" (perpetual diff: an update cannot change it)',
        );
        expect(text).toContain("Perpetual diffs: an update cannot change these");
    });

    it("unpinned, shows in --second-up after the update from the base, and not after a create", async () => {
        const base = unpinned((await planStack("dev")).doc);
        const head = unpinned((await planStack("dev", { projectDir: otherWarehouse() })).doc);
        const afterUpdate = secondUp(head, base);
        expect(isQuiet(afterUpdate)).toBe(false);
        const changed = afterUpdate.steps.filter((s) => s.op !== "same");
        expect(changed.map((s) => [s.op, s.newState?.type, Object.keys(s.detailedDiff ?? {})])).toEqual([
            ["update", MONITOR, ["warehouseId"]],
        ]);
        expect(afterUpdate.causes).toEqual([
            { urn: changed[0].urn, path: "warehouseId", rule: expect.stringContaining("notUpdated") },
        ]);
        expect(isQuiet(secondUp(head))).toBe(true);
    });

    it("exits 0 from `plan --second-up --base <plan.json>`: the pinned field is no change", async () => {
        const dir = otherWarehouse();
        const file = path.join(dir, "base.json");
        fs.writeFileSync(file, JSON.stringify((await planStack("dev", { user: "dev.user@example.com" })).doc));
        const r = await planCli(["--stack", "dev", "--project-dir", dir, "--second-up", "--base", file]);
        expect(r.code).toBe(0);
        expect(r.stdout).not.toContain("notUpdated");
    });
});

/** A monitor alone, with the options a test chooses. */
async function planMonitor(warehouseId: string, opts: pulumi.CustomResourceOptions): Promise<PlanDocument> {
    const program = async () => {
        new databricks.QualityMonitor(
            "monitor",
            {
                tableName: "c.s.t",
                assetsDir: "/Shared/monitoring",
                outputSchemaName: "c.s",
                warehouseId,
                snapshot: {},
            },
            opts,
        );
        return {};
    };
    return serially(() =>
        buildPlan(program, { projectDir: tempProject("prod", {}), stack: "prod", currentUser: "u@example.com" }),
    );
}

describe("a program that asks for a replacement (replaceOnChanges)", () => {
    it("replaces the resource instead, with no perpetual diff", async () => {
        const opts = { replaceOnChanges: ["warehouseId"] };
        const diff = diffPlans(await planMonitor("a", opts), await planMonitor("b", opts));
        const monitor = diff.steps.find((s) => s.newState?.type === MONITOR);
        expect(monitor?.op).toBe("replace");
        expect(monitor?.replaceReasons).toEqual(["warehouseId"]);
        expect(diff.perpetual).toEqual([]);
    });

    it("without it, the same change is an update that never applies", async () => {
        const diff = diffPlans(await planMonitor("a", {}), await planMonitor("b", {}));
        expect(diff.steps.find((s) => s.newState?.type === MONITOR)?.op).toBe("update");
        expect(diff.perpetual?.map((p) => p.path)).toEqual(["warehouseId"]);
    });
});
