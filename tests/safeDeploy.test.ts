import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../plan/mocks";
import { type PlanRun, planStack, stackFileConfig, tempProject } from "./harness";

/**
 * Real deploys that cannot hurt: a lookup that says nothing never deletes a live endpoint,
 * production names never wait for the deploying user, developers never share an object, and a
 * non-admin can deploy `dev`.
 */

const NS = "databricks-mlops";
const SERVING = "databricks:index/modelServing:ModelServing";
const MONITOR = "databricks:index/qualityMonitor:QualityMonitor";
const VERSIONS = "databricks:index/getRegisteredModelVersions:getRegisteredModelVersions";
const WORKSPACE = "azure-native:databricks:Workspace";

const warnings = (run: PlanRun) => run.doc.diagnostics.map((d) => d.message);

describe("the model-version lookup never turns silence into a delete", () => {
    // The dev stack serves a version number (prod serves an alias, a lookup of its own).
    const DEV_MODEL = "dev_catalog\\.dev_jane_doe_ml_data\\.dev_jane_doe_ml_model_dev";

    it("keeps a live endpoint serving when the listed page is empty (more pages may follow) and says why", async () => {
        const live = { name: "ml_model_dev-1", entityName: "m", entityVersion: "1" };
        const run = await planStack("dev", {
            mock: { modelVersions: [], endpoints: { "dev_jane_doe_ml-project-api-dev": [live] } },
        });
        expect(run.ofType(SERVING)).toHaveLength(1);
        expect(run.ofType(MONITOR)).toHaveLength(1);
        expect(warnings(run)).toEqual([
            expect.stringMatching(
                new RegExp(
                    `^model ${DEV_MODEL} has no version 1 \\(it lists no versions; the provider reads one page of versions\\): the serving endpoint dev_jane_doe_ml-project-api-dev keeps serving`,
                ),
            ),
        ]);
    });

    it("keeps serving when an unconfigured provider answers {}", async () => {
        const run = await planStack("dev", { mock: { emptyAnswers: [VERSIONS] } });
        expect(run.ofType(SERVING)).toHaveLength(1);
        expect(warnings(run)).toEqual([
            expect.stringMatching(new RegExp(`^could not check the versions of model ${DEV_MODEL}`)),
        ]);
    });

    it("stops, naming the model and the likely cause, when the catalog does not exist (a wrong host)", async () => {
        await expect(
            planStack("prod", {
                mock: { lookupError: "RESOURCE_DOES_NOT_EXIST: Catalog 'prod_catalog' does not exist." },
            }),
        ).rejects.toThrow(
            /^cannot look up the versions of model prod_catalog\.ml_data\.ml_model: RESOURCE_DOES_NOT_EXIST: Catalog 'prod_catalog' does not exist\.\n.*Check databricks:host/,
        );
    });

    it("defers serving only on a precise not-found of the model", async () => {
        const run = await planStack("prod", { modelVersions: [] });
        expect(run.ofType(SERVING)).toEqual([]);
        expect(warnings(run)).toEqual([
            expect.stringMatching(/^model prod_catalog\.ml_data\.ml_model does not exist yet/),
        ]);
    });
});

describe.each(["dev", "prod"])("a created workspace with a pending change, previewed (%s mode)", (env) => {
    // Any change to the workspace makes its URL unknown in a preview. The provider must not
    // depend on it: with unknown settings it answers every lookup with nothing.
    const plan = () => {
        const config = stackFileConfig("azure-dev");
        const projectDir =
            env === "dev"
                ? undefined
                : tempProject("azure-prod", {
                      ...config,
                      [`${NS}:environment`]: "prod",
                      [`${NS}:mode`]: "production",
                      [`${NS}:catalog`]: "prod_catalog",
                      [`${NS}:runAs`]: stackFileConfig("prod")[`${NS}:runAs`],
                      [`${NS}:projects`]: stackFileConfig("prod")[`${NS}:projects`],
                  });
        return planStack(env === "dev" ? "azure-dev" : "azure-prod", {
            projectDir,
            preview: true,
            mock: { pendingUpdates: [WORKSPACE], azureWorkspaceExists: true, modelVersions: ["1"] },
        });
    };

    it("configures the provider from Azure's answer, keeps serving, and knows every name and path", async () => {
        const run = await plan();
        const provider = run.named("pulumi:providers:databricks", "workspace").inputs as any;
        expect(provider.host).toMatch(/^https:\/\/adb-\d+\.1\.azuredatabricks\.net$/);
        expect(provider.azureWorkspaceResourceId).toMatch(/\/providers\/Microsoft\.Databricks\/workspaces\/dbw-mlops-/);
        // The workspace itself is being updated: its URL output is unknown, and nothing reads it.
        expect(run.doc.steps[0].newState.outputs?.workspaceUrl).toBe(UNKNOWN);
        expect(run.ofType(SERVING)).toHaveLength(1);
        expect(run.ofType(MONITOR)).toHaveLength(1);
        expect(warnings(run)).toEqual([]);
        // A notebook path change forces a replacement: every path must be known.
        const paths = run.ofType("databricks:index/notebook:Notebook").map((n) => (n.inputs as any).path);
        expect(paths).toHaveLength(6);
        for (const p of paths) expect(p).not.toContain(UNKNOWN);
        for (const job of run.ofType("databricks:index/job:Job")) expect((job.inputs as any).name).not.toBe(UNKNOWN);
    });
});

describe("production names never depend on the deploying user", () => {
    it("gives the same prod plan whoever deploys", async () => {
        const a = await planStack("prod", { user: "alice@example.com" });
        const b = await planStack("prod", { user: "bob.builder@example.com" });
        expect(JSON.stringify(b.doc)).toBe(JSON.stringify(a.doc));
    });

    it("refuses an empty current-user answer from the default provider rather than naming anything after it", async () => {
        await expect(
            planStack("dev", { mock: { emptyAnswers: ["databricks:index/getCurrentUser:getCurrentUser"] } }),
        ).rejects.toThrow(
            "the Databricks provider answered no current user: check databricks:host and the credentials",
        );
    });
});

/** Every name or path a Databricks object is known by in the workspace. */
function workspaceNames(run: PlanRun): string[] {
    const names: string[] = [];
    for (const s of run.doc.steps.map((step) => step.newState)) {
        const i = s.inputs as any;
        switch (s.type) {
            case "databricks:index/schema:Schema":
                names.push(`schema ${i.catalogName}.${i.name}`);
                break;
            case "databricks:index/registeredModel:RegisteredModel":
            case "databricks:index/volume:Volume":
            case "databricks:index/sqlTable:SqlTable":
                names.push(`${s.type} ${i.catalogName}.${i.schemaName}.${i.name}`);
                if (i.storageLocation) names.push(`location ${i.storageLocation}`);
                break;
            case "databricks:index/job:Job":
                names.push(`job ${i.name}`);
                if (i.trigger) names.push(`trigger ${i.trigger.fileArrival.url}`);
                break;
            case SERVING:
                names.push(`endpoint ${i.name}`);
                names.push(`inference table ${i.aiGateway.inferenceTableConfig.schemaName}`);
                break;
            case "databricks:index/notebook:Notebook":
                names.push(`notebook ${i.path}`);
                break;
            case "databricks:index/mlflowExperiment:MlflowExperiment":
                names.push(`experiment ${i.name}`);
                break;
            case MONITOR:
                names.push(`monitor ${i.tableName}`, `assets ${i.assetsDir}`);
                break;
            case "databricks:index/clusterPolicy:ClusterPolicy":
            case "databricks:index/sqlEndpoint:SqlEndpoint":
                names.push(`${s.type} ${i.name}`);
                break;
        }
    }
    return names;
}

describe("developers are isolated in development mode", () => {
    it("gives two developers' dev plans no Databricks name or path in common", async () => {
        const jane = workspaceNames(await planStack("dev", { user: "jane.doe@example.com" }));
        const john = workspaceNames(await planStack("dev", { user: "john.smith@example.com" }));
        expect(jane.length).toBeGreaterThan(15);
        expect(jane.filter((n) => john.includes(n))).toEqual([]);
    });

    it("isolates developers in a created workspace too, each volume in a folder of its own", async () => {
        const jane = workspaceNames(await planStack("azure-dev", { user: "jane.doe@example.com" }));
        const john = workspaceNames(await planStack("azure-dev", { user: "john.smith@example.com" }));
        expect(jane.some((n) => n.startsWith("location abfss://"))).toBe(true);
        expect(jane.filter((n) => john.includes(n))).toEqual([]);
    });
});

describe("a non-admin developer can deploy dev", () => {
    it("references the workspace's policy and warehouse: no ClusterPolicy, no SqlEndpoint, no table without a warehouse", async () => {
        const run = await planStack("dev");
        expect(run.ofType("databricks:index/clusterPolicy:ClusterPolicy")).toEqual([]);
        expect(run.ofType("databricks:index/sqlEndpoint:SqlEndpoint")).toEqual([]);
        const tables = run.ofType("databricks:index/sqlTable:SqlTable");
        expect(tables).toHaveLength(1);
        for (const t of tables) expect((t.inputs as any).warehouseId).toBe("0123456789abcdef");
        expect((run.ofType(MONITOR)[0].inputs as any).warehouseId).toBe("0123456789abcdef");
        for (const job of run.ofType("databricks:index/job:Job")) {
            expect((job.inputs as any).jobClusters[0].newCluster.policyId).toBe("0123456789ABCDEF");
        }
    });

    it("creates one policy and one serverless warehouse for all of prod's projects", async () => {
        const run = await planStack("prod");
        const [policy] = run.ofType("databricks:index/clusterPolicy:ClusterPolicy");
        expect((policy.inputs as any).name).toBe("databricks-mlops-ml-cluster-prod");
        expect(JSON.parse((policy.inputs as any).definition)).toMatchObject({
            "custom_tags.environment": { type: "fixed", value: "prod" },
            "custom_tags.cost-center": { type: "fixed", value: "ml-platform" },
        });
        const [warehouse] = run.ofType("databricks:index/sqlEndpoint:SqlEndpoint");
        expect(warehouse.inputs).toMatchObject({
            name: "databricks-mlops-sql-prod",
            clusterSize: "2X-Small",
            autoStopMins: 10,
            enableServerlessCompute: true,
            warehouseType: "PRO",
        });
        const table = run.ofType("databricks:index/sqlTable:SqlTable")[0];
        expect(table.dependencies).toContain(warehouse.urn);
    });
});

describe("a created workspace's first up does not wait on Azure role propagation", () => {
    it("creates the external location without validating it", async () => {
        const run = await planStack("azure-dev");
        const location = run.ofType("databricks:index/externalLocation:ExternalLocation")[0];
        expect((location.inputs as any).skipValidation).toBe(true);
    });
});

describe("config that passes is config that deploys", () => {
    it("refuses a project whose prefixed endpoint name is too long for the API, naming the project", async () => {
        const config = stackFileConfig("dev");
        const [p] = config[`${NS}:projects`] as any[];
        const projectDir = tempProject("dev", {
            ...config,
            [`${NS}:projects`]: [{ ...p, name: "customer-churn-propensity-model-eu" }],
        });
        await expect(planStack("dev", { projectDir, user: "jane.alexandra.doe-smith@example.com" })).rejects.toThrow(
            'Pulumi.dev.yaml: databricks-mlops:projects[0].name: expected a project name that keeps the serving endpoint name "dev_jane_alexandra_doe_smith_customer-churn-propensity-model-eu-api-dev" (with the development prefix of jane.alexandra.doe-smith@example.com) within 63 characters, found 71',
        );
    });
});
