import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SHARED_FILE } from "../config/load";
import { grantProblems, planEveryStack, promotionSourceProblems, sharedGrantSecurables } from "../plan/grants";
import { program } from "../program";
import { FIXTURE_DIR, PROJECT_DIR, planStack, SP } from "./harness";

/** One writer per grant: no Unity Catalog securable's grants are written by two stacks (or two resources). */

const FIXTURES = path.join(__dirname, "fixtures");
const STAGING_SP = "3c4d5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

/**
 * A project folder with the fixture project's Pulumi.yaml and shared file and the stack files of
 * a fixture: never the user's projects, which `npm run new-project` and the user change.
 */
function fixtureProject(name: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mlops-${name}-`));
    for (const f of ["Pulumi.yaml", SHARED_FILE]) fs.copyFileSync(path.join(FIXTURE_DIR, f), path.join(dir, f));
    for (const f of fs.readdirSync(path.join(FIXTURES, name))) {
        fs.copyFileSync(path.join(FIXTURES, name, f), path.join(dir, f));
    }
    return dir;
}

/** The plans of every stack of a project folder, each deployed by an identity of its own. */
const planAll = (projectDir: string) => planEveryStack(program, projectDir);

describe("one writer per grant", () => {
    // Every shipped stack planned: its time grows with the user's projects.
    it(
        "holds for the shipped stacks: no securable's grants written twice, every promotion granted by its source",
        {
            timeout: 120_000,
        },
        async () => {
            const plans = await planAll(PROJECT_DIR);
            expect(Object.keys(plans).length).toBeGreaterThan(1);
            expect(grantProblems(plans)).toEqual([]);
        },
    );

    it("fails two stacks that write the grants of the same schema and model", async () => {
        const plans = await planAll(fixtureProject("two-writers"));
        const shared = sharedGrantSecurables(plans);
        expect(shared.map((s) => [s.securable, s.writers.map((w) => w.stack)])).toEqual([
            ["model ml_catalog.ml_data.ml_model", ["prod", "staging"]],
            ["schema ml_catalog.ml_data", ["prod", "staging"]],
            ["volume ml_catalog.ml_data.input", ["prod", "staging"]],
        ]);
        expect(grantProblems(plans)[1]).toBe(
            "schema ml_catalog.ml_data: grants written by prod (ml-project-model-schema-grants) and staging (ml-project-model-schema-grants); give the securable one writer (one stack, one Grants resource)",
        );
    });

    it("lets deploy-model read its source where the source is managed: staging grants prod's principal", async () => {
        const plans = await planAll(fixtureProject("promotion"));
        expect(sharedGrantSecurables(plans)).toEqual([]);
        expect(promotionSourceProblems(plans)).toEqual([]);

        // prod writes no grant on staging's objects, and no single-principal grant at all.
        const grantsIn = (stack: string) =>
            plans[stack].steps.map((s) => s.newState).filter((s) => s.type.startsWith("databricks:index/grant"));
        expect(grantsIn("prod").filter((g) => g.type === "databricks:index/grant:Grant")).toEqual([]);
        expect(JSON.stringify(grantsIn("prod").map((g) => g.inputs))).not.toContain("staging_catalog");

        // staging's authoritative grants: its own principal and groups, and prod's promotion principal.
        const on = (key: string, name: string) =>
            (grantsIn("staging").find((g) => (g.inputs as any)[key] === name)?.inputs as any)?.grants;
        expect(on("schema", "staging_catalog.ml_data")).toContainEqual({ principal: SP, privileges: ["USE_SCHEMA"] });
        expect(on("model", "staging_catalog.ml_data.ml_model")).toEqual([
            { principal: STAGING_SP, privileges: ["ALL_PRIVILEGES", "MANAGE"] },
            { principal: SP, privileges: ["EXECUTE"] },
            { principal: "data-scientists", privileges: ["EXECUTE"] },
            { principal: "ml-engineers", privileges: ["ALL_PRIVILEGES"] },
        ]);
    });

    it("says what to add when the source stack does not grant the promotion's principal", async () => {
        const dir = fixtureProject("promotion");
        const staging = path.join(dir, "Pulumi.staging.yaml");
        fs.writeFileSync(
            staging,
            fs.readFileSync(staging, "utf8").replace(/\n {2}databricks-mlops:projectOverrides:[\s\S]*$/, "\n"),
        );
        expect(promotionSourceProblems(await planAll(dir))).toEqual([
            `prod: the promotion from staging_catalog.ml_data.ml_model: staging does not grant ${SP} USE_SCHEMA and EXECUTE; add it to modelReaders of project ml-project in Pulumi.staging.yaml`,
        ]);
    });

    it.each([
        [
            "a developer's sandbox",
            "dev_catalog.dev_dev_deployer_ml_data.dev_dev_deployer_ml_model_dev",
            "dev is a development-mode stack (a developer's sandbox); promote from a CI-deployed production-mode stack (such as staging)",
        ],
        [
            "a model no stack manages",
            "other_catalog.ml_data.ml_model",
            "no stack of this project manages that model; point promotion.sourceModel at the model of a CI-deployed production-mode stack (such as staging)",
        ],
    ])("refuses a promotion from %s", async (_what, source, problem) => {
        const dir = fixtureProject("promotion");
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
        const prod = path.join(dir, "Pulumi.prod.yaml");
        fs.writeFileSync(prod, fs.readFileSync(prod, "utf8").replace("staging_catalog.ml_data.ml_model", source));
        expect(promotionSourceProblems(await planAll(dir))).toEqual([`prod: the promotion from ${source}: ${problem}`]);
    });

    it("refuses modelReaders in development mode: the source is a CI-deployed stack", async () => {
        const dir = fixtureProject("promotion");
        const staging = path.join(dir, "Pulumi.staging.yaml");
        fs.writeFileSync(staging, fs.readFileSync(staging, "utf8").replace("mode: production", "mode: development"));
        await expect(planStack("staging", { projectDir: dir })).rejects.toThrow(
            "Pulumi.staging.yaml: databricks-mlops:projectOverrides.ml-project.modelReaders: expected no modelReaders in development mode: a deploy-model stack promotes from a CI-deployed production-mode stack (such as staging), never from a developer's sandbox",
        );
    });
});
