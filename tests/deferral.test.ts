import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { liveRoutes } from "../components";
import { diffPlans } from "../plan/diff";
import { type PlanRun, planStack, PROJECT_DIR, stackFileConfig, tempProject } from "./harness";

/**
 * A pipeline that never stalls on a missing model: while the model lacks the version or alias a
 * route names, a new endpoint waits (with what reads its tables) and a live one keeps serving what
 * it serves; every other change deploys.
 */

const NS = "databricks-mlops";
const T = {
    serving: "databricks:index/modelServing:ModelServing",
    monitor: "databricks:index/qualityMonitor:QualityMonitor",
    table: "databricks:index/sqlTable:SqlTable",
    job: "databricks:index/job:Job",
    query: "databricks:index/query:Query",
    model: "databricks:index/registeredModel:RegisteredModel",
};
const PROD_MODEL = "prod_catalog.ml_data.ml_model";
const PROD_ENDPOINT = "ml-project-api-prod";
const warnings = (run: PlanRun) => run.doc.diagnostics.map((d) => d.message);
const jobs = (run: PlanRun) => run.ofType(T.job).map((j) => j.urn.split("::").pop());

/** The prod endpoint as the workspace has it: serving champion at `version`. */
const liveChampion = (version: string) => ({
    endpoints: { [PROD_ENDPOINT]: [{ name: "ml_model-champion", entityName: PROD_MODEL, entityVersion: version }] },
});

/** Everything but the endpoint and what reads its tables is declared. */
function expectDeferred(run: PlanRun): void {
    expect(run.ofType(T.serving)).toEqual([]);
    expect(run.ofType(T.monitor)).toEqual([]);
    expect(run.ofType(T.table)).toEqual([]);
    expect(run.ofType(T.query)).toEqual([]);
    expect(jobs(run).sort()).toEqual(["ml-project-inference", "ml-project-training"]);
    expect(run.ofType(T.model)).toHaveLength(1);
}

describe("a model that lacks what a route names", () => {
    it("first deploy: defers the endpoint, says so and what to run", async () => {
        const run = await planStack("prod", { modelVersions: [] });
        expectDeferred(run);
        expect(warnings(run)).toEqual([
            expect.stringMatching(
                /^model prod_catalog\.ml_data\.ml_model does not exist yet: the serving endpoint ml-project-api-prod is deferred, .*Run the training job "ml-project-training-prod"/,
            ),
        ]);
    });

    it("a model without versions: defers the endpoint a version route names, instead of failing its create", async () => {
        const run = await planStack("dev", { mock: { modelVersions: [] } });
        expect(run.ofType(T.serving)).toEqual([]);
        expect(run.ofType(T.monitor)).toEqual([]);
        expect(jobs(run)).toContain("ml-project-training");
        expect(warnings(run)).toEqual([
            expect.stringContaining(
                'model dev_catalog.dev_jane_doe_ml_data.dev_jane_doe_ml_model_dev has no version 1 (it lists no versions; the provider reads one page of versions): the serving endpoint dev_jane_doe_ml-project-api-dev is deferred, with what reads its tables (the quality monitor, the processed inference table and its job, retraining, the A/B query); everything else deploys. Run the training job "[dev jane_doe] ml-project-training-dev"',
            ),
        ]);
    });

    it("versions but no champion: defers a new endpoint and deploys everything else", async () => {
        const run = await planStack("prod", { aliases: { challenger: "2" } });
        expectDeferred(run);
        expect(warnings(run)).toEqual([
            `model ${PROD_MODEL} has no alias champion (it has challenger=2): the serving endpoint ${PROD_ENDPOINT} is deferred, with what reads its tables (the quality monitor, the processed inference table and its job, retraining, the A/B query); everything else deploys. Run the training job "ml-project-training-prod" (\`databricks jobs run-now <job id>\`, or drop a file into the training-data volume): it registers a version, and its evaluation sets challenger and champion when the version passes the thresholds; then run \`pulumi up\` again.`,
        ]);
    });

    it("versions but no champion: a live endpoint keeps serving what it serves, its traffic split left as deployed", async () => {
        const run = await planStack("prod", { aliases: {}, modelVersions: ["1"], mock: liveChampion("1") });
        const [endpoint] = run.ofType(T.serving);
        expect(endpoint.ignoreChanges).toEqual(["config.trafficConfig"]);
        expect((endpoint.inputs as any).config.servedEntities).toEqual([
            expect.objectContaining({ name: "ml_model-champion", entityName: PROD_MODEL, entityVersion: "1" }),
        ]);
        // What reads its tables stays too: nothing is deleted.
        expect(run.ofType(T.monitor)).toHaveLength(1);
        expect(run.ofType(T.table)).toHaveLength(1);
        expect(jobs(run)).toContain("ml-project-retraining");
        expect(warnings(run)).toEqual([
            `model ${PROD_MODEL} has no alias champion (it has no aliases): the serving endpoint ${PROD_ENDPOINT} keeps serving what it serves now (champion at version 1), unchanged until the model has it. Run the training job "ml-project-training-prod" (\`databricks jobs run-now <job id>\`, or drop a file into the training-data volume): it registers a version, and its evaluation sets challenger and champion when the version passes the thresholds; then run \`pulumi up\` again.`,
        ]);
    });

    it("a held endpoint keeps what it serves while its other settings and other resources change", async () => {
        const base = await planStack("prod", { aliases: { champion: "1" } });
        const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        config[`${NS}:projects`][0].serving.workloadSize = "Medium";
        config[`${NS}:projects`][0].inference.cron = "0 30 * * * ?";
        const head = await planStack("prod", {
            projectDir: tempProject("prod", config),
            aliases: {},
            modelVersions: ["1"],
            mock: liveChampion("1"),
        });
        const changed = diffPlans(base.doc, head.doc).steps.filter((s) => s.op !== "same");
        expect(changed.map((s) => [s.op, s.urn.split("::").pop()])).toEqual([
            ["update", "ml-project-endpoint"],
            ["update", "ml-project-inference"],
        ]);
        // The size follows the config; what it serves (entity, version, traffic) does not move.
        expect(Object.keys(changed[0].detailedDiff ?? {})).toEqual(["config.servedEntities[0].workloadSize"]);
    });

    it("a held endpoint whose entities this program did not name keeps serving them under their own names", async () => {
        const run = await planStack("prod", {
            aliases: {},
            modelVersions: ["1"],
            mock: { endpoints: { [PROD_ENDPOINT]: [{ name: "current", entityName: PROD_MODEL, entityVersion: "1" }] } },
        });
        const config = (run.ofType(T.serving)[0].inputs as any).config;
        expect(config.servedEntities.map((e: any) => [e.name, e.entityVersion])).toEqual([["current", "1"]]);
        expect(config.trafficConfig.routes).toEqual([{ servedEntityName: "current", trafficPercentage: 100 }]);
    });

    it("an A/B split whose challenger is not there yet keeps the live endpoint on what it serves", async () => {
        const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        config[`${NS}:projects`][0].serving.routes = [
            { alias: "champion", trafficPercentage: 80 },
            { alias: "challenger", trafficPercentage: 20 },
        ];
        const run = await planStack("prod", {
            projectDir: tempProject("prod", config),
            aliases: { champion: "1" },
            mock: liveChampion("1"),
        });
        const inputs = run.ofType(T.serving)[0].inputs as any;
        expect(inputs.config.trafficConfig.routes).toEqual([
            { servedEntityName: "ml_model-champion", trafficPercentage: 100 },
        ]);
        expect(run.ofType(T.query)).toEqual([]);
        expect(warnings(run)).toEqual([
            expect.stringContaining(`model ${PROD_MODEL} has no alias challenger (it has champion=1)`),
        ]);
    });

    it("champion moved: the endpoint follows it, no endpoint lookup needed", async () => {
        // The endpoint lookup would fail: it is not made when every route resolves.
        const run = await planStack("prod", {
            aliases: { champion: "2" },
            mock: { ...liveChampion("1"), endpointLookupError: "PERMISSION_DENIED" },
        });
        const [endpoint] = run.ofType(T.serving);
        expect(endpoint.ignoreChanges).toBeUndefined();
        expect((endpoint.inputs as any).config.servedEntities[0].entityVersion).toBe("2");
        expect(warnings(run)).toEqual([]);
    });

    it("names the promotion job in a deploy-model production stack", async () => {
        const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        Object.assign(config[`${NS}:projects`][0], {
            deployment: "model",
            promotion: { sourceModel: "staging_catalog.ml_data.ml_model", validationTable: "prod_catalog.ml_data.l" },
        });
        config[`${NS}:projects`][0].inference.inputTable = "prod_catalog.ml_data.customers";
        const run = await planStack("prod", {
            projectDir: tempProject("prod", config),
            aliases: {},
            modelVersions: ["1"],
        });
        expect(run.ofType(T.serving)).toEqual([]);
        expect(warnings(run)).toEqual([
            expect.stringContaining(
                'Run the promotion job "ml-project-promotion-prod" (`databricks jobs run-now <job id>`): it copies staging_catalog.ml_data.ml_model@champion into this model',
            ),
        ]);
    });
});

describe("lookups that say nothing certain never defer a live endpoint", () => {
    it("the alias lookup failing stops the deploy, naming the model", async () => {
        await expect(
            planStack("prod", { mock: { lookupError: "PERMISSION_DENIED: no EXECUTE on the model" } }),
        ).rejects.toThrow(
            /^cannot look up the versions of model prod_catalog\.ml_data\.ml_model: PERMISSION_DENIED: no EXECUTE on the model\n {2}The deploy stops rather than read this as "no versions"/,
        );
    });

    it("the endpoint lookup failing stops the deploy rather than read it as no endpoint", async () => {
        await expect(
            planStack("prod", {
                aliases: {},
                modelVersions: ["1"],
                mock: { endpointLookupError: "PERMISSION_DENIED: cannot list endpoints" },
            }),
        ).rejects.toThrow(
            /^cannot look up the serving endpoint ml-project-api-prod: PERMISSION_DENIED: cannot list endpoints\n {2}The deploy stops rather than read this as "no endpoint"/,
        );
    });

    it("an endpoint lookup that answers nothing stops the deploy", async () => {
        await expect(
            planStack("prod", {
                aliases: {},
                modelVersions: ["1"],
                mock: { emptyAnswers: ["databricks:index/getServingEndpoints:getServingEndpoints"] },
            }),
        ).rejects.toThrow(
            `model ${PROD_MODEL} has no alias champion (it has no aliases), and whether the serving endpoint ${PROD_ENDPOINT} exists cannot be told (the provider answered nothing: its workspace is not configured yet).`,
        );
    });
});

describe("npm run plan", () => {
    it("plans a stack whose champion is not there yet, with the warning, and exits 0", async () => {
        // Exits 0: execFile rejects on any other status.
        const { stdout } = await promisify(execFile)(
            process.execPath,
            [path.join(PROJECT_DIR, "plan", "launch.cjs"), "--stack", "prod", "--aliases", "challenger=2"],
            { cwd: PROJECT_DIR, env: { ...process.env, NO_COLOR: "1" } },
        );
        expect(stdout).toContain(`warning: model ${PROD_MODEL} has no alias champion (it has challenger=2)`);
        expect(stdout).not.toContain("ModelServing");
    }, 60_000);
});

describe("liveRoutes", () => {
    const ab = [
        { alias: "champion", trafficPercentage: 80 },
        { alias: "challenger", trafficPercentage: 20 },
    ];
    it.each([
        [
            "the configured split, when the live entities are exactly the configured routes",
            [
                { name: "m-champion", version: "3" },
                { name: "m-challenger", version: "4" },
            ],
            [
                { key: "champion", version: "3", trafficPercentage: 80, servedEntityName: "m-champion" },
                { key: "challenger", version: "4", trafficPercentage: 20, servedEntityName: "m-challenger" },
            ],
        ],
        [
            "all the traffic to the one live entity",
            [{ name: "m-champion", version: "3" }],
            [{ key: "champion", version: "3", trafficPercentage: 100, servedEntityName: "m-champion" }],
        ],
        [
            "an even split over entities the config does not name",
            [
                { name: "m-1", version: "1" },
                { name: "other", version: "2" },
                { name: "m-3", version: "3" },
            ],
            [
                { key: "1", version: "1", trafficPercentage: 34, servedEntityName: "m-1" },
                { key: "other", version: "2", trafficPercentage: 33, servedEntityName: "other" },
                { key: "3", version: "3", trafficPercentage: 33, servedEntityName: "m-3" },
            ],
        ],
    ])("gives %s", (_what, served, expected) => {
        expect(liveRoutes(served, "m", ab)).toEqual(expected);
    });
});
