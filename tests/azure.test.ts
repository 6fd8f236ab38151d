import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { azureNames, STORAGE_BLOB_DATA_CONTRIBUTOR } from "../components/workspace/azureNames";
import { UNKNOWN } from "../plan/mocks";
import { createdProd, type PlanRun, planConfig, planError, planStack, stackFileConfig } from "./harness";

const NS = "databricks-mlops";
const SUB = "00000000-0000-0000-0000-000000000000";
const A = {
    rg: "azure-native:resources:ResourceGroup",
    workspace: "azure-native:databricks:Workspace",
    connector: "azure-native:databricks:AccessConnector",
    storage: "azure-native:storage:StorageAccount",
    container: "azure-native:storage:BlobContainer",
    role: "azure-native:authorization:RoleAssignment",
    lock: "azure-native:authorization:ManagementLockAtResourceGroupLevel",
};

describe("derived Azure names", () => {
    it("names the example's resources", () => {
        expect(azureNames("mlops", "dev", SUB)).toEqual({
            resourceGroup: "rg-mlops-dev",
            managedResourceGroup: "rg-mlops-dev-databricks-managed",
            workspace: "dbw-mlops-dev",
            accessConnector: "dbac-mlops-dev",
            storageAccount: expect.stringMatching(/^stmlopsdev[0-9a-f]{6}$/),
        });
    });

    it("follows Azure's naming rules for any base name and environment", () => {
        fc.assert(
            fc.property(
                fc.stringMatching(/^[a-z][a-z0-9-]{1,23}$/),
                fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/),
                fc.uuid(),
                (base, env, sub) => {
                    const n = azureNames(base, env, sub);
                    expect(n.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
                    for (const name of [n.workspace, n.accessConnector])
                        expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/);
                    for (const name of [n.resourceGroup, n.managedResourceGroup]) {
                        expect(name).toMatch(/^[-\w.()]{1,90}$/);
                        expect(name.endsWith(".")).toBe(false);
                    }
                },
            ),
        );
    });

    it("gives another storage account name to another environment or subscription", () => {
        const a = azureNames("mlops", "dev", SUB).storageAccount;
        expect(azureNames("mlops", "prod", SUB).storageAccount).not.toBe(a);
        expect(azureNames("mlops", "dev", "11111111-1111-1111-1111-111111111111").storageAccount).not.toBe(a);
        expect(azureNames("mlops", "dev", SUB).storageAccount).toBe(a);
    });
});

describe.each([
    ["dev", () => stackFileConfig("azure-dev")],
    ["prod", createdProd],
])("a created workspace in %s", (env, config) => {
    let run: PlanRun;
    const production = env === "prod";
    beforeAll(async () => {
        run = await planConfig("azure-dev", config());
    });

    it("declares the Azure foundation", () => {
        const count = (t: string) => run.ofType(t).length;
        expect([A.rg, A.workspace, A.connector, A.storage, A.container, A.role].map(count)).toEqual([1, 1, 1, 1, 1, 1]);
        expect(count(A.lock)).toBe(production ? 1 : 0);
    });

    it("creates a premium workspace with a managed resource group", () => {
        const w = run.ofType(A.workspace)[0].inputs as any;
        expect(w.sku).toEqual({ name: "premium" });
        expect(w.workspaceName).toBe(`dbw-mlops-${env}`);
        expect(w.managedResourceGroupId).toBe(
            `/subscriptions/${SUB}/resourceGroups/rg-mlops-${env}-databricks-managed`,
        );
        expect((run.ofType(A.connector)[0].inputs as any).identity).toEqual({ type: "SystemAssigned" });
    });

    it("secures the storage account, redundancy by environment", () => {
        const s = run.ofType(A.storage)[0].inputs as any;
        expect(s).toMatchObject({
            kind: "StorageV2",
            sku: { name: production ? "Standard_ZRS" : "Standard_LRS" },
            isHnsEnabled: true,
            enableHttpsTrafficOnly: true,
            minimumTlsVersion: "TLS1_2",
            allowBlobPublicAccess: false,
            allowSharedKeyAccess: false,
        });
        expect((run.ofType(A.container)[0].inputs as any).containerName).toBe("landing");
    });

    it("lets the connector's identity, and only it, contribute blob data on the storage account", () => {
        const role = run.ofType(A.role)[0].inputs as any;
        const account = (run.ofType(A.storage)[0].inputs as any).accountName;
        expect(role.scope).toBe(
            `/subscriptions/${SUB}/resourceGroups/rg-mlops-${env}/providers/Microsoft.Storage/storageAccounts/${account}`,
        );
        expect(role.roleDefinitionId).toBe(
            `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR}`,
        );
        expect(role.principalType).toBe("ServicePrincipal");
        expect(role.principalId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(
            run.ofType(A.role)[0].dependencies.some((d) => d.endsWith("AccessConnector::foundation-connector")),
        ).toBe(true);
    });

    it("tags every taggable Azure resource with environment, project and owner", () => {
        for (const type of [A.rg, A.workspace, A.connector, A.storage]) {
            expect((run.ofType(type)[0].inputs as any).tags).toMatchObject({
                environment: env,
                project: "mlops",
                owner: "ml-platform@example.com",
            });
        }
    });

    it("sends every Databricks resource through the workspace's provider, never the default one", () => {
        const providerUrn = `urn:pulumi:azure-dev::databricks-mlops::pulumi:providers:databricks::workspace`;
        const databricksSteps = run.doc.steps.filter((s) => s.newState.type.startsWith("databricks:"));
        expect(databricksSteps.length).toBeGreaterThan(20);
        for (const s of databricksSteps) expect(s.newState.provider?.startsWith(`${providerUrn}::`)).toBe(true);
        expect(run.doc.steps.some((s) => s.urn.includes("pulumi:providers:databricks::default"))).toBe(false);
        const provider = run.named("pulumi:providers:databricks", "workspace");
        expect((provider.inputs as any).host).toMatch(/^https:\/\/adb-\d+\.1\.azuredatabricks\.net$/);
        expect((provider.inputs as any).azureWorkspaceResourceId).toBe(
            `/subscriptions/${SUB}/resourceGroups/rg-mlops-${env}/providers/Microsoft.Databricks/workspaces/dbw-mlops-${env}`,
        );
    });

    it("orders the workspace before the provider and the provider before any Databricks resource", () => {
        const urns = run.doc.steps.map((s) => s.urn);
        const workspace = urns.findIndex((u) => u.endsWith("Workspace::foundation-workspace"));
        const provider = urns.findIndex((u) => u.endsWith("providers:databricks::workspace"));
        const firstDatabricks = run.doc.steps.findIndex((s) => s.newState.type.startsWith("databricks:"));
        expect(workspace).toBeLessThan(provider);
        expect(provider).toBeLessThan(firstDatabricks);
    });

    it("puts the training-data volume in the landing zone, behind a credential and an external location", () => {
        const account = (run.ofType(A.storage)[0].inputs as any).accountName;
        const landing = `abfss://landing@${account}.dfs.core.windows.net/`;
        const credential = run.ofType("databricks:index/storageCredential:StorageCredential")[0];
        expect((credential.inputs as any).azureManagedIdentity.accessConnectorId).toBe(
            `/subscriptions/${SUB}/resourceGroups/rg-mlops-${env}/providers/Microsoft.Databricks/accessConnectors/dbac-mlops-${env}`,
        );
        expect(
            credential.dependencies.some((d) => d.endsWith("RoleAssignment::foundation-connector-blob-contributor")),
        ).toBe(true);
        const location = run.ofType("databricks:index/externalLocation:ExternalLocation")[0].inputs as any;
        expect(location).toMatchObject({ url: landing, credentialName: `mlops_${env}_landing` });
        const volume = run.ofType("databricks:index/volume:Volume")[0].inputs as any;
        expect(volume).toMatchObject({
            volumeType: "EXTERNAL",
            storageLocation: `${landing}ml-project/${env === "dev" ? "dev_jane_doe_input" : "input"}`,
            name: "input",
        });
        const trigger = (run.named("databricks:index/job:Job", "ml-project-training").inputs as any).trigger;
        const schema = env === "dev" ? "dev_jane_doe_ml_data" : "ml_data";
        expect(trigger.fileArrival.url).toBe(`/Volumes/${env}_catalog/${schema}/input/training_data/`);
        const grants = run.named("databricks:index/grants:Grants", "landing-location-grants").inputs as any;
        expect(grants.grants).toContainEqual({ principal: "ml-engineers", privileges: ["ALL_PRIVILEGES"] });
    });

    it(production ? "protects the stateful resources" : "protects nothing", () => {
        const protectedNames = run.doc.steps
            .filter((s) => s.newState.protect)
            .map((s) => s.urn.split("::").pop())
            .sort();
        expect(protectedNames).toEqual(
            production
                ? [
                      "foundation-landing",
                      "foundation-rg",
                      "foundation-storage",
                      "foundation-workspace",
                      "landing-credential",
                      "landing-location",
                      "ml-project-endpoint",
                      "ml-project-experiment",
                      "ml-project-model",
                      "ml-project-model-schema",
                      "ml-project-model-volume",
                      "ml-project-monitor",
                      "ml-project-monitor-table",
                  ]
                : [],
        );
        if (production) expect((run.ofType(A.lock)[0].inputs as any).level).toBe("CanNotDelete");
    });
});

describe("workspace modes", () => {
    it("declares no Azure resource and no explicit provider with an existing workspace", async () => {
        const run = await planStack("dev");
        expect(run.doc.steps.filter((s) => s.newState.type.startsWith("azure-native:"))).toEqual([]);
        expect(
            run.doc.steps.filter((s) => s.newState.type === "pulumi:providers:databricks").map((s) => s.urn),
        ).toEqual(["urn:pulumi:dev::databricks-mlops::pulumi:providers:databricks::default_1_110_0"]);
        expect((run.ofType("databricks:index/volume:Volume")[0].inputs as any).volumeType).toBe("MANAGED");
    });

    it("on the first deploy of a created workspace, asks Azure, not the missing workspace, and defers serving", async () => {
        const run = await planStack("azure-dev", { modelVersions: [] });
        expect(run.ofType(A.workspace)).toHaveLength(1);
        expect(run.ofType("databricks:index/modelServing:ModelServing")).toEqual([]);
        expect(run.doc.diagnostics[0].message).toMatch(
            /^model dev_catalog\.dev_<short_name>_ml_data\.dev_<short_name>_ml_model_dev does not exist yet/,
        );
    });

    it("previews a first deploy of a created workspace with the deploying user unknown, not a crash", async () => {
        // The engine answers an invoke on the not-yet-configured workspace provider with nothing;
        // the program must not ask it before the workspace exists.
        const run = await planStack("azure-dev", { modelVersions: [], preview: true });
        const training = run.named("databricks:index/job:Job", "ml-project-training").inputs as any;
        expect(training.name).toBe(UNKNOWN);
        expect(training.trigger.fileArrival.url).toBe(UNKNOWN);
        expect((run.named("pulumi:providers:databricks", "workspace").inputs as any).host).toBe(UNKNOWN);
    });

    it("previews an existing workspace with names known and computed ids unknown", async () => {
        const run = await planStack("dev", { preview: true });
        const training = run.named("databricks:index/job:Job", "ml-project-training");
        expect((training.inputs as any).name).toBe("[dev jane_doe] ml-project-training-dev");
        expect(
            (run.named("databricks:index/permissions:Permissions", "ml-project-training-perms").inputs as any).jobId,
        ).toBe(UNKNOWN);
    });

    it.each([
        [
            "a created workspace without a location",
            (c: any) => delete c[`${NS}:workspace`].location,
            `Pulumi.azure-dev.yaml: ${NS}:workspace.location: expected location when the workspace is created, found nothing (the key is missing)`,
        ],
        [
            "created-only settings on an existing workspace",
            (c: any) => (c[`${NS}:workspace`].mode = "existing"),
            `Pulumi.azure-dev.yaml: ${NS}:workspace.location: expected no location with an existing workspace (it only applies when mode is "created"), found "westeurope"`,
        ],
        [
            "an unknown mode",
            (c: any) => (c[`${NS}:workspace`].mode = "import"),
            `Pulumi.azure-dev.yaml: ${NS}:workspace.mode: expected one of "existing", "created", found "import"`,
        ],
    ])("rejects %s", async (_what, change, message) => {
        const c = structuredClone(stackFileConfig("azure-dev"));
        change(c);
        expect((await planError("azure-dev", c)).message).toContain(message);
    });
});
