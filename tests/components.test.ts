import { beforeEach, describe, expect, it } from "vitest";
import {
    clusterPolicyDefinition,
    decideServing,
    isAzureNotFound,
    isModelNotFound,
    joinUrl,
    MlClusterPolicy,
    mlJobCluster,
    processedColumns,
    RegisteredModel,
    ServingEndpoint,
    TrainingJob,
    defaultTrainingTasks,
    jobStart,
    type VersionLookup,
} from "../components";
import { installMocks, Recorder, runProgram, UNKNOWN } from "../plan/mocks";

const recorder = new Recorder();
beforeEach(() => {
    recorder.clear();
    installMocks("proj", "test", { currentUser: "j@x.com", modelVersions: ["1"] }, recorder);
});

describe("MlClusterPolicy and the ML job cluster", () => {
    it("pins the ML runtime, allow-lists node types, bounds workers and fixes SINGLE_USER and tags", async () => {
        const outputs = await runProgram(async () => {
            const policy = new MlClusterPolicy("c", {
                policyName: "p",
                definition: {
                    sparkVersion: "18.x-cpu-ml-scala2.13",
                    nodeTypes: ["Standard_DS3_v2", "Standard_DS4_v2"],
                    nodeType: "Standard_DS4_v2",
                    numWorkers: 2,
                    maxWorkers: 6,
                    autoterminationMinutes: 30,
                    customTags: { team: "ml" },
                },
                permissions: [{ groupName: "g", permissionLevel: "CAN_USE" }],
            });
            const cluster = {
                sparkVersion: "18.x-cpu-ml-scala2.13",
                nodeTypes: ["Standard_DS3_v2", "Standard_DS4_v2"],
                nodeType: "Standard_DS4_v2",
                numWorkers: 2,
                maxWorkers: 6,
                autoterminationMinutes: 30,
                sparkConf: {},
            };
            return {
                spec: mlJobCluster(cluster, policy.policyId, { team: "ml", project: "x" }),
                policyId: policy.policyId,
            };
        }, recorder);
        const [policy] = recorder.ofType("databricks:index/clusterPolicy:ClusterPolicy");
        expect(JSON.parse(policy.inputs.definition as string)).toEqual({
            spark_version: { type: "fixed", value: "18.x-cpu-ml-scala2.13" },
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
        const spec = outputs.spec as { newCluster: Record<string, unknown> };
        expect(spec.newCluster).toMatchObject({
            policyId: outputs.policyId,
            dataSecurityMode: "SINGLE_USER",
            sparkVersion: "18.x-cpu-ml-scala2.13",
            customTags: { team: "ml", project: "x" },
        });
        expect(perms.parent).toBe(recorder.ofType("mlops:databricks:MlClusterPolicy")[0].urn);
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
    const endpoint = () =>
        new ServingEndpoint("e", {
            endpointName: "ep",
            modelFullName: "c.s.m",
            modelName: "m",
            routes: [{ key: "3", version: "3", trafficPercentage: 100 }],
            workloadSize: "Medium",
            scaleToZero: false,
            inferenceTable: { catalog: "c", schema: "s", prefix: "logs" },
            permissions: [{ groupName: "g", permissionLevel: "CAN_QUERY" }],
        });

    it("derives the inference table from the endpoint so readers wait for it", async () => {
        const outputs = await runProgram(async () => {
            const e = endpoint();
            return { table: e.inferenceTableName, id: e.servingEndpointId };
        }, recorder);
        expect(outputs.table).toBe("c.s.logs_payload");
        const [perms] = recorder.ofType("databricks:index/permissions:Permissions");
        expect(perms.inputs).toEqual({
            servingEndpointId: outputs.id,
            accessControls: [{ groupName: "g", permissionLevel: "CAN_QUERY" }],
        });
        // In a first preview the endpoint has no id yet, and neither has the table's name: a
        // reader of it (the processing job) is ordered after the endpoint.
        recorder.clear();
        installMocks("proj", "test", { currentUser: "j@x.com", modelVersions: ["1"], preview: true }, recorder);
        const preview = await runProgram(async () => ({ table: endpoint().inferenceTableName }), recorder);
        expect(preview.table).toBe(UNKNOWN);
    });
});

describe("serving decision", () => {
    const routes = [{ version: "1", trafficPercentage: 100 }];
    it.each<[VersionLookup, boolean, boolean]>([
        [{ kind: "modelNotFound" }, false, false],
        [{ kind: "listed", versions: ["1", "2"] }, true, false],
        // The listed page lacks the version: missing (the caller defers a new endpoint, holds a live one).
        [{ kind: "listed", versions: [] }, false, false],
        [{ kind: "listed", versions: ["2"] }, false, false],
        // Nothing known: serve what the config names, never hold anything back.
        [{ kind: "unknown", reason: "no answer" }, true, true],
    ])("with %j serves: %s, warns: %s", (lookup, serve, warns) => {
        const decision = decideServing("c.s.m", routes, lookup, undefined);
        expect(decision.serve).toBe(serve);
        expect(decision.serve && decision.warning !== undefined).toBe(warns);
    });

    it("says what the model lacks: itself, a version, an alias", () => {
        expect(decideServing("c.s.m", routes, { kind: "modelNotFound" }, undefined)).toEqual({
            serve: false,
            missing: { what: "model c.s.m does not exist yet", routeIndexes: [0] },
        });
        expect(decideServing("c.s.m", routes, { kind: "listed", versions: [] }, undefined)).toEqual({
            serve: false,
            missing: {
                what: "model c.s.m has no version 1 (it lists no versions; the provider reads one page of versions)",
                routeIndexes: [0],
            },
        });
    });

    const ab = [
        { alias: "champion", trafficPercentage: 80 },
        { alias: "challenger", trafficPercentage: 20 },
    ];
    it("resolves alias routes to the versions the aliases point at", () => {
        expect(
            decideServing("c.s.m", ab, undefined, { kind: "aliases", aliases: { champion: "3", challenger: "4" } }),
        ).toEqual({
            serve: true,
            versions: ["3", "4"],
        });
    });

    it("names the alias the model does not have and the route", () => {
        expect(decideServing("c.s.m", ab, undefined, { kind: "aliases", aliases: { champion: "3" } })).toEqual({
            serve: false,
            missing: { what: "model c.s.m has no alias challenger (it has champion=3)", routeIndexes: [1] },
        });
    });

    it("leaves an alias unresolved, never dropping the endpoint, when the workspace answers nothing", () => {
        const decision = decideServing("c.s.m", ab, undefined, { kind: "unknown", reason: "no answer" });
        expect(decision).toMatchObject({ serve: true, versions: [undefined, undefined] });
    });

    it.each([
        ["RESOURCE_DOES_NOT_EXIST: Registered model 'a.b.c' does not exist.", true],
        ["RESOURCE_DOES_NOT_EXIST: Routine or Model 'a.b.c' does not exist.", true],
        ["Schema 'a.b' does not exist.", true],
        // The wrong workspace, or a catalog the metastore admin has not made: not a first deploy.
        ["RESOURCE_DOES_NOT_EXIST: Catalog 'a' does not exist.", false],
        ["Registered model 'a.b.other' does not exist.", false],
        ["Error: 404 Not Found", false],
        ["cannot authenticate: invalid token", false],
        ["dial tcp: i/o timeout", false],
    ])("reads %j as this model missing: %s", (message, notFound) => {
        expect(isModelNotFound(new Error(message), "a.b.c")).toBe(notFound);
    });

    it.each([
        ["ResourceGroupNotFound: Resource group 'rg-mlops-dev' could not be found.", true],
        ["ResourceNotFound: The Resource 'Microsoft.Databricks/workspaces/dbw' was not found.", true],
        ["AuthorizationFailed: the client does not have authorization", false],
    ])("reads %j as a missing Azure resource: %s", (message, notFound) => {
        expect(isAzureNotFound(new Error(message))).toBe(notFound);
    });
});

describe("RegisteredModel", () => {
    const grants = { schema: [], model: [], volume: [] };

    it("declares a managed volume by default, unprotected", async () => {
        const out = await runProgram(async () => {
            const m = new RegisteredModel("m", {
                catalog: "c",
                schema: "s",
                modelName: "mdl",
                volumeName: "input",
                grants,
                protect: false,
            });
            return { fullName: m.fullName, volumePath: m.volumePath };
        }, recorder);
        expect(out).toEqual({ fullName: "c.s.mdl", volumePath: "/Volumes/c/s/input" });
        const [volume] = recorder.ofType("databricks:index/volume:Volume");
        expect(volume.inputs).toMatchObject({
            volumeType: "MANAGED",
            catalogName: "c",
            schemaName: "s",
            name: "input",
        });
        expect(volume.inputs.storageLocation).toBeUndefined();
        expect(recorder.resources.filter((r) => r.protect)).toEqual([]);
    });

    it("declares an external volume, an owner and protection when asked", async () => {
        await runProgram(async () => {
            new RegisteredModel("m", {
                catalog: "c",
                schema: "s",
                modelName: "mdl",
                volumeName: "input",
                volumeStorageLocation: "abfss://landing@acct.dfs.core.windows.net/p/input",
                owner: "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
                grants,
                protect: true,
            });
            return {};
        }, recorder);
        expect(recorder.ofType("databricks:index/volume:Volume")[0].inputs).toMatchObject({
            volumeType: "EXTERNAL",
            storageLocation: "abfss://landing@acct.dfs.core.windows.net/p/input",
        });
        expect(recorder.ofType("databricks:index/registeredModel:RegisteredModel")[0].inputs.owner).toBe(
            "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
        );
        expect(
            recorder.resources
                .filter((r) => r.protect)
                .map((r) => r.type)
                .sort(),
        ).toEqual([
            "databricks:index/registeredModel:RegisteredModel",
            "databricks:index/schema:Schema",
            "databricks:index/volume:Volume",
        ]);
    });
});

describe("TrainingJob", () => {
    it("leaves optional trigger settings to the API and sends the trailing-slash URL as given", async () => {
        await runProgram(async () => {
            new TrainingJob("t", {
                jobName: "train",
                jobCluster: { jobClusterKey: "ml_cluster" },
                failureEmails: ["a@example.com"],
                tags: {},
                permissions: [],
                definition: {
                    tasks: defaultTrainingTasks({
                        notebooks: { features: "/f", train: "/t", evaluate: "/e" },
                        parameters: { features: {}, train: {}, evaluate: {} },
                    }),
                    ...jobStart(
                        {},
                        { start: { fileArrival: { url: "/Volumes/c/s/input/training_data/" } }, modelName: "c.s.m" },
                        () => "PAUSED",
                    ),
                },
            });
            return {};
        }, recorder);
        const [job] = recorder.ofType("databricks:index/job:Job");
        expect(job.inputs.trigger).toEqual({
            pauseStatus: "PAUSED",
            fileArrival: { url: "/Volumes/c/s/input/training_data/" },
        });
        expect(job.inputs.emailNotifications).toEqual({ onFailures: ["a@example.com"] });
        expect(job.inputs.queue).toEqual({ enabled: true });
        expect(job.inputs.runAs).toBeUndefined();
    });
});

describe("processed inference table", () => {
    it.each([
        ["PROBLEM_TYPE_CLASSIFICATION", "label", ["prediction int", "label int"]],
        ["PROBLEM_TYPE_REGRESSION", undefined, ["prediction double"]],
    ] as const)("types the prediction and label for %s", (problemType, labelCol, last) => {
        const columns = processedColumns({
            problemType,
            predictionCol: "prediction",
            labelCol,
            modelIdCol: "model_id",
            timestampCol: "ts",
            granularities: ["1 day"],
        }).map((c) => `${c.name} ${c.type}`);
        expect(columns).toEqual([
            "ts timestamp",
            "request_date date",
            "databricks_request_id string",
            "model_id string",
            "model_version string",
            ...last,
            "record_index bigint",
        ]);
    });

    it("adds the model's input columns after the record's position, as doubles", () => {
        const columns = processedColumns({
            problemType: "PROBLEM_TYPE_CLASSIFICATION",
            predictionCol: "prediction",
            modelIdCol: "model_id",
            timestampCol: "ts",
            granularities: ["1 day"],
            inputColumns: ["tenure", "monthly_charges"],
        }).map((c) => `${c.name} ${c.type}`);
        expect(columns.slice(-3)).toEqual(["record_index bigint", "tenure double", "monthly_charges double"]);
    });
});

describe("joinUrl", () => {
    it.each(["abfss://landing@a.dfs.core.windows.net/", "abfss://landing@a.dfs.core.windows.net"])(
        "joins %s without a double or a missing slash",
        async (url) => {
            const out = await runProgram(async () => ({ joined: joinUrl(url, "p", "input") }), recorder);
            expect(out.joined).toBe("abfss://landing@a.dfs.core.windows.net/p/input");
        },
    );
});
