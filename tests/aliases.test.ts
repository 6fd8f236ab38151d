import { describe, expect, it } from "vitest";
import { diffPlans } from "../plan/diff";
import { UNKNOWN } from "../plan/mocks";
import { planStack, stackFileConfig, tempProject } from "./harness";

/** Serving that follows the model's aliases: the evaluation promotes, the next `up` serves it. */

const NS = "databricks-mlops";
const SERVING = "databricks:index/modelServing:ModelServing";

const endpoint = async (opts: Parameters<typeof planStack>[1] = {}) =>
    (await planStack("prod", opts)).ofType(SERVING)[0].inputs as any;

/** The prod stack with an 80/20 split between champion and challenger. */
function abProd(
    routes = [
        { alias: "champion", trafficPercentage: 80 },
        { alias: "challenger", trafficPercentage: 20 },
    ],
): string {
    const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
    config[`${NS}:projects`][0].serving.routes = routes;
    return tempProject("prod", config);
}

describe("alias routes", () => {
    it("resolve to the version the alias points at (the plan's default: champion=1)", async () => {
        const e = await endpoint();
        expect(e.config.servedEntities).toEqual([
            expect.objectContaining({
                name: "ml_model-champion",
                entityName: "prod_catalog.ml_data.ml_model",
                entityVersion: "1",
            }),
        ]);
        expect(e.config.trafficConfig.routes).toEqual([
            { servedEntityName: "ml_model-champion", trafficPercentage: 100 },
        ]);
    });

    it("follow --aliases", async () => {
        expect((await endpoint({ aliases: { champion: "3" } })).config.servedEntities[0].entityVersion).toBe("3");
    });

    it("split traffic 80/20 between champion and challenger", async () => {
        const e = await endpoint({ projectDir: abProd(), aliases: { champion: "3", challenger: "4" } });
        expect(e.config.servedEntities.map((s: any) => [s.name, s.entityVersion])).toEqual([
            ["ml_model-champion", "3"],
            ["ml_model-challenger", "4"],
        ]);
        expect(e.config.trafficConfig.routes).toEqual([
            { servedEntityName: "ml_model-champion", trafficPercentage: 80 },
            { servedEntityName: "ml_model-challenger", trafficPercentage: 20 },
        ]);
    });

    it("show a promotion by the evaluation job as an update of the served version, in place", async () => {
        const before = await planStack("prod", { aliases: { champion: "1" } });
        const after = await planStack("prod", { aliases: { champion: "2" } });
        const changed = diffPlans(before.doc, after.doc).steps.filter((s) => s.op !== "same");
        expect(changed.map((s) => [s.op, s.urn.split("::").pop(), s.detailedDiff])).toEqual([
            [
                "update",
                "ml-project-endpoint",
                { "config.servedEntities[0].entityVersion": { kind: "update", inputDiff: true } },
            ],
        ]);
    });

    it("defer a new endpoint on an alias the model does not have yet, naming it (tests/deferral.test.ts)", async () => {
        const run = await planStack("prod", { aliases: { challenger: "2" } });
        expect(run.ofType(SERVING)).toEqual([]);
        expect(run.doc.diagnostics.map((d) => d.message)).toEqual([
            expect.stringContaining("model prod_catalog.ml_data.ml_model has no alias champion (it has challenger=2)"),
        ]);
    });

    it("defer the endpoint on a first deploy, like version routes", async () => {
        const run = await planStack("prod", { modelVersions: [] });
        expect(run.ofType(SERVING)).toEqual([]);
    });

    it("stay unresolved, never dropped, while a created workspace's provider cannot be asked", async () => {
        const config = structuredClone(stackFileConfig("azure-dev")) as Record<string, any>;
        config[`${NS}:projects`][0].serving.routes = [{ alias: "champion", trafficPercentage: 100 }];
        const run = await planStack("azure-dev", {
            projectDir: tempProject("azure-dev", config),
            preview: true,
            mock: { azureWorkspaceExists: true },
        });
        const e = run.ofType(SERVING)[0].inputs as any;
        expect(e.config.servedEntities[0].entityVersion).toBe(UNKNOWN);
        expect(run.doc.diagnostics.map((d) => d.message)).toEqual([
            expect.stringContaining("could not resolve alias champion"),
        ]);
    });
});
