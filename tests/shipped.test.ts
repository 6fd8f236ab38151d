import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies, type LoadedPolicyPack, loadPolicyPack, readPolicyConfig } from "../plan/policy";
import { readStackConfig } from "../plan/stackConfig";
import { PROJECT_DIR, planShipped, shippedStacks } from "./harness";

/**
 * The stacks this checkout ships (every Pulumi.<stack>.yaml at the root), whatever a team made
 * of them: only what must hold for any config. Each plans and passes the policy pack with its
 * rules; tests/urns.test.ts holds each to its committed URNs. What the program does with a
 * given config is tested on the fixture stacks (tests/fixtures/example).
 */

const POLICY_DIR = path.join(PROJECT_DIR, "policy");

/**
 * A stack's guardrail rules: policy/config.<stack>.json when there is one, else those of its
 * mode (production: policy/config.prod.json, else policy/config.dev.json), as the pull-request
 * workflow holds the stacks to them.
 */
function rulesFile(stack: string): string {
    const own = path.join(POLICY_DIR, `config.${stack}.json`);
    if (fs.existsSync(own)) return own;
    const { project, config } = readStackConfig(PROJECT_DIR, stack);
    return path.join(POLICY_DIR, config[`${project}:mode`] === "production" ? "config.prod.json" : "config.dev.json");
}

let pack: LoadedPolicyPack;
beforeAll(async () => {
    pack = await loadPolicyPack(POLICY_DIR);
});

describe("the shipped stacks", () => {
    it("are there", () => {
        expect(shippedStacks().length).toBeGreaterThan(0);
    });

    it.each(shippedStacks())("%s plans and breaks no mandatory guardrail of its rules", async (stack) => {
        const { doc } = await planShipped(stack);
        expect(doc.steps.length).toBeGreaterThan(1);
        const violations = await evaluatePolicies(doc, pack, readPolicyConfig(rulesFile(stack), pack));
        const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
        expect(mandatory.map((v) => `${v.policyName}: ${v.message}`)).toEqual([]);
    });
});
