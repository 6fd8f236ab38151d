import * as fs from "node:fs";
import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { buildPlan, type PlanDocument } from "../plan/plan";
import { checkUrns, planUrns, UPDATE_COMMAND, urnProblems } from "../plan/urns";
import { urnListFile } from "../scripts/urns";
import { PROJECT_DIR, planShipped, shippedStacks, tempProject } from "./harness";

function readList(stack: string): string[] {
    return fs.readFileSync(urnListFile(stack), "utf8").split("\n").filter(Boolean);
}

/**
 * The guard of the stacks the checkout ships, whatever they hold: every URN of a stack's
 * committed list stays in its plan (or is named by an alias), so that `pulumi up` never deletes
 * a resource with its data by accident; a resource added on purpose is added to the list with
 * `npm run urns:update`.
 */
describe("stable URNs of the shipped stacks", () => {
    it.each(shippedStacks())("%s has a committed, sorted list", (stack) => {
        const file = urnListFile(stack);
        expect(
            fs.existsSync(file),
            `${path.relative(PROJECT_DIR, file)}: no URN list for the stack ${stack}; write it with ${UPDATE_COMMAND}`,
        ).toBe(true);
        const list = readList(stack);
        expect(list).toEqual([...new Set(list)].sort());
    });

    it.each(shippedStacks())("plans %s with every listed URN, or an alias for it", async (stack) => {
        const { doc } = await planShipped(stack);
        const file = path.relative(PROJECT_DIR, urnListFile(stack));
        expect(urnProblems(file, checkUrns(readList(stack), doc))).toBe("");
    });
});

/**
 * A small program: one component with a data-holding child, under a name and with options that
 * each test chooses, planned as the engine would see it.
 */
async function planApp(childName: string, opts: pulumi.CustomResourceOptions = {}): Promise<PlanDocument> {
    class App extends pulumi.ComponentResource {
        constructor(name: string) {
            super("test:index:App", name, {}, {});
            new databricks.Schema(childName, { catalogName: "c", name: "s" }, { parent: this, ...opts });
            this.registerOutputs({});
        }
    }
    const program = async () => {
        new App("app");
        return {};
    };
    return buildPlan(program, { projectDir: tempProject("prod", {}), stack: "prod", currentUser: "u@example.com" });
}

describe("a renamed resource", () => {
    const OLD = "urn:pulumi:prod::databricks-mlops::test:index:App$databricks:index/schema:Schema::app-data";
    const NEW = "urn:pulumi:prod::databricks-mlops::test:index:App$databricks:index/schema:Schema::app-schema";

    it("is listed under its old URN", async () => {
        expect(planUrns(await planApp("app-data"))).toContain(OLD);
    });

    it("fails the check without an alias, saying how to add one and how to refresh the list", async () => {
        const list = planUrns(await planApp("app-data"));
        const check = checkUrns(list, await planApp("app-schema"));
        expect(check).toEqual({ missing: [OLD], added: [NEW] });
        expect(urnProblems("tests/urns/prod.txt", check)).toBe(
            [
                "1 URN(s) of tests/urns/prod.txt are gone from the plan: `pulumi up` would delete these resources (and their data) and create new ones.",
                `  ${OLD}`,
                `    renamed or moved? the plan has ${NEW}`,
                "    If it was renamed or moved, keep its identity with the resource option",
                '      aliases: [{ name: "app-data" }]            (the old name; add parent: <its old parent> if the parent changed too)',
                `      or aliases: ["${OLD}"]`,
                "    If it is really meant to go, refresh the list: npm run urns:update",
                "1 URN(s) of the plan are not in tests/urns/prod.txt; if they are new resources, add them with npm run urns:update:",
                `  ${NEW}`,
            ].join("\n"),
        );
    });

    it.each<[string, pulumi.CustomResourceOptions]>([
        ["its old name", { aliases: [{ name: "app-data" }] }],
        ["its old URN", { aliases: [OLD] }],
    ])("passes with an alias of %s (the new URN left to the list's update)", async (_what, opts) => {
        const list = planUrns(await planApp("app-data"));
        const renamed = await planApp("app-schema", opts);
        expect(renamed.steps.find((s) => s.urn === NEW)?.newState.aliases).toEqual([OLD]);
        expect(checkUrns(list, renamed)).toEqual({ missing: [], added: [NEW] });
    });

    it("fails when the alias names another old identity", async () => {
        const list = planUrns(await planApp("app-data"));
        const check = checkUrns(list, await planApp("app-schema", { aliases: [{ name: "app-other" }] }));
        expect(check.missing).toEqual([OLD]);
    });
});
