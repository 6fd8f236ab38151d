import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { lookUpModel, lookUpModelAliases, lookUpModelVersions } from "../components";
import { installMocks, Recorder } from "../plan/mocks";
import { type PlanRun, PROJECT_DIR, planShipped, planStack, serially, shippedStacks } from "./harness";

/**
 * A first deploy reports no error: the program decides whether the model exists with a list that
 * answers "absent" by leaving it out (the catalog's schemas), not with the model's own data
 * sources, which fail on a missing model and make the provider log an error diagnostic. The
 * offline mocks log that diagnostic as the provider does, so a lookup that fails shows.
 */

const SERVING = "databricks:index/modelServing:ModelServing";
const SCHEMAS = "databricks:index/getSchemas:getSchemas";
const errors = (run: PlanRun) => run.doc.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
const warnings = (run: PlanRun) => run.doc.diagnostics.filter((d) => d.severity === "warning").map((d) => d.message);

/**
 * The folder of reference data beside the main checkout (`../shared`), also from a worktree
 * (whose `.git` file names the main checkout's git folder); `undefined` where there is none.
 */
function sharedDir(): string | undefined {
    const candidates = [path.resolve(PROJECT_DIR, "..", "shared")];
    const dotGit = path.join(PROJECT_DIR, ".git");
    if (fs.existsSync(dotGit) && fs.statSync(dotGit).isFile()) {
        const gitdir = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, "utf8"))?.[1]?.trim();
        if (gitdir) candidates.push(path.resolve(gitdir, "..", "..", "..", "..", "shared"));
    }
    return candidates.find((d) => fs.existsSync(path.join(d, "engine-records")));
}
const RECORDS = sharedDir() && path.join(sharedDir() as string, "engine-records");

describe("a first deploy", () => {
    it.each(shippedStacks())("of the shipped stack %s holds no error diagnostic", async (stack) => {
        const run = await planShipped(stack, { modelVersions: [] });
        expect(errors(run)).toEqual([]);
    });

    it.each([
        ["dev", "version routes"],
        ["prod", "alias routes"],
    ])("of the fixture stack %s (%s) defers the endpoint with a warning and no error", async (stack) => {
        const run = await planStack(stack, { modelVersions: [] });
        expect(run.ofType(SERVING)).toEqual([]);
        expect(errors(run)).toEqual([]);
        expect(warnings(run)).toEqual([expect.stringMatching(/^model \S+ does not exist yet: the serving endpoint/)]);
    });
});

describe("the schema list before the model's lookups", () => {
    it("a listed schema without the model: the model's own lookup decides (and the provider logs its failure)", async () => {
        // A deploy that stopped between the schema and the model: the list cannot tell, the get can.
        const run = await planStack("prod", { modelVersions: [], mock: { schemas: ["prod_catalog.ml_data"] } });
        expect(run.ofType(SERVING)).toEqual([]);
        expect(errors(run)).toEqual([
            "[ERROR] Registered model 'prod_catalog.ml_data.ml_model' does not exist.: failed to get registered model prod_catalog.ml_data.ml_model",
        ]);
    });

    it("an absent schema never deletes a live endpoint: it keeps serving what it serves", async () => {
        const live = { name: "ml_model-champion", entityName: "prod_catalog.ml_data.ml_model", entityVersion: "1" };
        const run = await planStack("prod", {
            modelVersions: [],
            mock: { endpoints: { "ml-project-api-prod": [live] } },
        });
        expect(run.ofType(SERVING).map((e) => e.ignoreChanges)).toEqual([["config.trafficConfig"]]);
        expect(errors(run)).toEqual([]);
        expect(warnings(run)).toEqual([
            expect.stringMatching(
                /^model prod_catalog\.ml_data\.ml_model does not exist yet: the serving endpoint ml-project-api-prod keeps serving/,
            ),
        ]);
    });

    it("a list that answers nothing (an unconfigured provider) leaves the decision to the model's lookups", async () => {
        const run = await planStack("prod", { mock: { emptyAnswers: [SCHEMAS] } });
        expect(run.ofType(SERVING)).toHaveLength(1);
        expect(errors(run)).toEqual([]);
    });

    it("a list that fails (no such catalog: the wrong workspace) stops the deploy, never defers", async () => {
        await expect(
            planStack("dev", { modelVersions: [], mock: { lookupError: "CATALOG_DOES_NOT_EXIST: 'dev_catalog'" } }),
        ).rejects.toThrow(
            /^cannot look up the versions of model dev_catalog\.dev_jane_doe_ml_data\.dev_jane_doe_ml_model_dev: CATALOG_DOES_NOT_EXIST/,
        );
    });

    it.each([
        [{ versions: true, aliases: false }, { versions: { kind: "modelNotFound" } }],
        [{ versions: false, aliases: true }, { aliases: { kind: "modelNotFound" } }],
    ])("an absent schema answers only the lookups asked for (%o), calling none that fails", async (needs, expected) => {
        const recorder = new Recorder();
        await serially(async () => {
            installMocks("proj", "test", { currentUser: "j@x.com", modelVersions: undefined }, recorder);
            expect(await lookUpModel("c.s.m", needs)).toEqual({ versions: undefined, aliases: undefined, ...expected });
        });
        expect(recorder.errors).toEqual([]);
    });

    it("a listed schema: the model's lookups answer", async () => {
        const recorder = new Recorder();
        await serially(async () => {
            installMocks(
                "proj",
                "test",
                { currentUser: "j@x.com", modelVersions: ["3"], aliases: { champion: "3" }, schemas: ["c.s"] },
                recorder,
            );
            expect(await lookUpModel("c.s.m", { versions: true, aliases: true })).toEqual({
                versions: { kind: "listed", versions: ["3"] },
                aliases: { kind: "aliases", aliases: { champion: "3" } },
            });
        });
    });
});

describe.skipIf(!RECORDS)(
    "the mocks log what the real provider logged (read from ../shared/engine-records; skipped where it is absent)",
    () => {
        // Skipped where ../shared/engine-records is not beside the checkout (it is in CI's workspace).
        const recorded = (file: string) =>
            [
                ...fs
                    .readFileSync(path.join(RECORDS as string, file), "utf8")
                    .matchAll(/^ {4}error: (\[ERROR\] .*)$/gm),
            ].map((m) => m[1]);

        it.each([
            ["dev-e2e.first-up.txt", "dev_catalog.dev_tester_ml_data.dev_tester_ml_model_dev", lookUpModelVersions],
            ["staging.first-up.txt", "staging_catalog.ml_data.ml_model", lookUpModelAliases],
        ] as const)("%s: a model lookup of a model that does not exist", async (file, model, lookUp) => {
            const recorder = new Recorder();
            await serially(async () => {
                installMocks(
                    "databricks-mlops",
                    "dev-e2e",
                    { currentUser: "tester@databricks.com", modelVersions: undefined },
                    recorder,
                );
                expect(await lookUp(model)).toEqual({ kind: "modelNotFound" });
            });
            expect(recorder.errors).toHaveLength(1);
            expect(recorded(file)).toContain(recorder.errors[0]);
        });
    },
);
