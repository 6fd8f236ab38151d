import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { readBack } from "../plan/secondUp";
import { HAVE_RECORDS, leaves, RECORDED_STACKS, recordFile, SKIP_REASON } from "./engineRecords";
import { PROJECT_DIR } from "./harness";

/**
 * The read-back rules (plan/readback-rules.json) against what the provider read back after a real
 * first `pulumi up` (../shared/engine-records/<stack>.state-after-first-up.json): for every
 * resource of the recorded states and every input path the program set, the rules turn what was
 * sent into what was read back, apart from the differences listed here with their reasons.
 */

interface StateResource {
    urn: string;
    type: string;
    custom?: boolean;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** Where the rules and the record part ways, by type and path (list indices as `[]`), and why. */
const KNOWN: Record<string, string> = {
    "databricks:index/job:Job jobClusters[].newCluster.sparkConf.spark.databricks.delta.preview.enabled":
        "terraform-provider-databricks jobs/resource_job.go (jobClusterSchema's spark_conf DiffSuppressFunc) suppresses this legacy key's diff, so the SDKv2 plan drops it at create: the provider never sends it (the record's request log has no spark_conf) and reads none back; the same suppression keeps a second `up` quiet, which the rule `customSuppress (SparkConfDiffSuppressFunc)` stands for",
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * What the program sent: the inputs without what the provider's Check filled (the keys each
 * object's `__defaults` names) and without the markers.
 */
function sent(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sent);
    if (!isObject(value)) return value;
    const defaults = Array.isArray(value.__defaults) ? (value.__defaults as string[]) : [];
    return Object.fromEntries(
        Object.entries(value)
            .filter(([k]) => k !== "__defaults" && !defaults.includes(k))
            .map(([k, v]) => [k, sent(v)]),
    );
}

/** Every path the program set whose read-back value the rules do not predict, as `<type> <path>`. */
function mismatches(stack: string): { key: string; detail: string }[] {
    const state = JSON.parse(fs.readFileSync(recordFile(`${stack}.state-after-first-up.json`), "utf8")) as {
        deployment: { resources: StateResource[] };
    };
    const out: { key: string; detail: string }[] = [];
    for (const r of state.deployment.resources) {
        if (!r.custom || r.type.startsWith("pulumi:providers:")) continue;
        const inputs = sent(r.inputs ?? {}) as Record<string, unknown>;
        const predicted = leaves(readBack(r.type, inputs).state);
        const recorded = leaves(sent(r.outputs ?? {}));
        for (const p of leaves(inputs).keys()) {
            if (isDeepStrictEqual(predicted.get(p), recorded.get(p))) continue;
            out.push({
                key: `${r.type} ${p.replace(/\[\d+\]/g, "[]")}`,
                detail: `${r.urn.split("::").pop()} ${p}: the rules give ${JSON.stringify(predicted.get(p))}, the provider read back ${JSON.stringify(recorded.get(p))}`,
            });
        }
    }
    return out;
}

if (HAVE_RECORDS) {
    describe("the read-back rules against the states a real first `up` left", () => {
        it.each(Object.keys(RECORDED_STACKS))(
            "%s: every path the program set reads back as the rules say, or is a listed difference",
            (stack) => {
                const found = mismatches(stack);
                expect(found.filter((m) => !(m.key in KNOWN)).map((m) => m.detail)).toEqual([]);
            },
        );

        it("finds every listed difference in some recorded state, and docs/how-it-works.md lists each", () => {
            const keys = new Set(Object.keys(RECORDED_STACKS).flatMap((s) => mismatches(s).map((m) => m.key)));
            expect(Object.keys(KNOWN).filter((k) => !keys.has(k))).toEqual([]);
            const docs = fs.readFileSync(path.join(PROJECT_DIR, "docs", "how-it-works.md"), "utf8");
            expect(Object.keys(KNOWN).filter((k) => !docs.includes(`\`${k}\``))).toEqual([]);
        });
    });
} else {
    describe("the read-back rules against the states a real first `up` left", () => {
        it.skipIf(!HAVE_RECORDS)(SKIP_REASON, () => undefined);
    });
}
