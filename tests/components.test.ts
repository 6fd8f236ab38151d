import { beforeEach, describe, expect, it } from "vitest";
import {
    clusterPolicyDefinition,
    decideServing,
    isAzureNotFound,
    isModelNotFound,
    MlCluster,
    ServingEndpoint,
} from "../components";
import { installMocks, Recorder, runProgram } from "../plan/mocks";

const recorder = new Recorder();
beforeEach(() => {
    recorder.clear();
    installMocks("proj", "test", { currentUser: "j@x.com", modelVersions: ["1"] }, recorder);
});

describe("MlCluster", () => {
    it("pins the ML runtime, allow-lists node types, bounds workers and fixes SINGLE_USER and tags", async () => {
        const outputs = await runProgram(async () => {
            const c = new MlCluster("c", {
                policyName: "p",
                sparkVersion: "15.4.x-ml-scala2.12",
                nodeTypes: ["Standard_DS3_v2", "Standard_DS4_v2"],
                nodeType: "Standard_DS4_v2",
                numWorkers: 2,
                maxWorkers: 6,
                autoterminationMinutes: 30,
                sparkConf: {},
                customTags: { team: "ml" },
                permissions: [{ groupName: "g", permissionLevel: "CAN_USE" }],
            });
            return { spec: c.jobCluster, policyId: c.policyId };
        }, recorder);
        const [policy] = recorder.ofType("databricks:index/clusterPolicy:ClusterPolicy");
        expect(JSON.parse(policy.inputs.definition as string)).toEqual({
            spark_version: { type: "fixed", value: "15.4.x-ml-scala2.12" },
            node_type_id: {
                type: "allowlist",
                values: ["Standard_DS3_v2", "Standard_DS4_v2"],
                defaultValue: "Standard_DS4_v2",
            },
            driver_node_type_id: {
                type: "allowlist",
                values: ["Standard_DS3_v2", "Standard_DS4_v2"],
                defaultValue: "Standard_DS4_v2",
                isOptional: true,
            },
            num_workers: { type: "range", minValue: 0, maxValue: 6, defaultValue: 2 },
            data_security_mode: { type: "fixed", value: "SINGLE_USER" },
            autotermination_minutes: { type: "range", minValue: 10, maxValue: 30, defaultValue: 30, isOptional: true },
            "custom_tags.team": { type: "fixed", value: "ml" },
        });
        const [perms] = recorder.ofType("databricks:index/permissions:Permissions");
        expect(perms.inputs.clusterPolicyId).toBe(outputs.policyId);
        expect((outputs.spec as { newCluster: { policyId: string } }).newCluster.policyId).toBe(outputs.policyId);
        expect(perms.parent).toBe(recorder.ofType("mlops:databricks:MlCluster")[0].urn);
    });

    it("sorts policy tags so the definition is stable", () => {
        const base = {
            sparkVersion: "s",
            nodeTypes: ["n"],
            nodeType: "n",
            numWorkers: 1,
            maxWorkers: 1,
            autoterminationMinutes: 10,
        };
        const a = JSON.stringify(clusterPolicyDefinition({ ...base, customTags: { b: "2", a: "1" } }));
        const b = JSON.stringify(clusterPolicyDefinition({ ...base, customTags: { a: "1", b: "2" } }));
        expect(a).toBe(b);
    });
});

describe("ServingEndpoint", () => {
    it("derives the inference table from the endpoint so readers wait for it", async () => {
        const outputs = await runProgram(async () => {
            const e = new ServingEndpoint("e", {
                endpointName: "ep",
                modelFullName: "c.s.m",
                modelName: "m",
                routes: [{ version: "3", trafficPercentage: 100 }],
                workloadSize: "Medium",
                scaleToZero: false,
                inferenceTable: { catalog: "c", schema: "s", prefix: "logs" },
                permissions: [{ groupName: "g", permissionLevel: "CAN_QUERY" }],
            });
            return { table: e.inferenceTableName, id: e.servingEndpointId };
        }, recorder);
        expect(outputs.table).toBe("c.s.logs_payload");
        const [perms] = recorder.ofType("databricks:index/permissions:Permissions");
        expect(perms.inputs).toEqual({
            servingEndpointId: outputs.id,
            accessControls: [{ groupName: "g", permissionLevel: "CAN_QUERY" }],
        });
    });
});

describe("serving decision on a first deploy", () => {
    const routes = [{ version: "1", trafficPercentage: 100 }];
    it.each([
        [undefined, false],
        [[], false],
        [["1", "2"], true],
    ])("with versions %j serves: %s", (existing, serve) => {
        expect(decideServing("c.s.m", routes, existing).serve).toBe(serve);
    });

    it("names the missing version when the model has others", () => {
        expect(decideServing("c.s.m", [{ version: "4", trafficPercentage: 100 }], ["1"])).toEqual({
            serve: false,
            error: { routeIndex: 0, version: "4", existing: ["1"] },
        });
    });

    it.each([
        ["RESOURCE_DOES_NOT_EXIST: Registered model 'a.b.c' does not exist.", true],
        ["Schema 'dev_catalog.ml_data' does not exist.", true],
        ["Error: 404 Not Found", false],
        ["cannot authenticate: invalid token", false],
        ["dial tcp: i/o timeout", false],
    ])("reads %j as a missing model: %s", (message, notFound) => {
        expect(isModelNotFound(new Error(message))).toBe(notFound);
    });

    it.each([
        ["ResourceGroupNotFound: Resource group 'rg-mlops-dev' could not be found.", true],
        ["ResourceNotFound: The Resource 'Microsoft.Databricks/workspaces/dbw' was not found.", true],
        ["AuthorizationFailed: the client does not have authorization", false],
    ])("reads %j as a missing Azure resource: %s", (message, notFound) => {
        expect(isAzureNotFound(new Error(message))).toBe(notFound);
    });
});
