import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../plan/plan";
import {
    evaluatePolicies,
    hasMandatory,
    type LoadedPolicyPack,
    loadPolicyPack,
    type PolicyPackConfig,
    type PolicyViolation,
    readPolicyConfig,
} from "../plan/policy";
import { PlanInputError } from "../plan/stackConfig";
import {
    createdProd,
    PROJECT_DIR,
    planCli,
    planConfig,
    planStack,
    stackFileConfig,
    tempDir,
    tempProject,
} from "./harness";

const NS = "databricks-mlops";
const POLICY_DIR = path.join(PROJECT_DIR, "policy");

let pack: LoadedPolicyPack;
let prodConfig: PolicyPackConfig;
let devConfig: PolicyPackConfig;
beforeAll(async () => {
    pack = await loadPolicyPack(POLICY_DIR);
    prodConfig = readPolicyConfig(path.join(POLICY_DIR, "config.prod.json"), pack);
    devConfig = readPolicyConfig(path.join(POLICY_DIR, "config.dev.json"), pack);
});

/** A copy of the plan with one resource's state changed (or removed, when `edit` returns null). */
function craft(doc: PlanDocument, type: string, name: string, edit: (state: any) => any): PlanDocument {
    const copy = structuredClone(doc);
    const index = copy.steps.findIndex((s) => s.newState.type === type && s.urn.endsWith(`::${name}`));
    if (index < 0) throw new Error(`no ${type} named ${name} in the plan`);
    const edited = edit(copy.steps[index].newState);
    if (edited === null) copy.steps.splice(index, 1);
    return copy;
}

/** The violations of one policy, as "[level] resource name: message" lines. */
function of(violations: PolicyViolation[], policy: string): string[] {
    return violations
        .filter((v) => v.policyName === policy)
        .map((v) => `[${v.enforcementLevel}] ${v.urn?.split("::").at(-1) ?? "(stack)"}: ${v.message.split("\n")[1]}`);
}

describe("the policy pack", () => {
    it("declares every policy with a description, in the module pulumi loads", () => {
        expect(pack).toMatchObject({ name: "mlops-guardrails", version: "0.1.0", enforcementLevel: "advisory" });
        expect(pack.policies.map((p) => p.name)).toEqual([
            "prod-jobs-run-as-service-principal",
            "job-clusters-governed",
            "serverless-environments-pinned",
            "no-all-purpose-clusters",
            "serving-inference-tables",
            "prod-serving-no-scale-to-zero",
            "uc-objects-have-grants",
            "no-broad-grants",
            "storage-account-secure",
            "prod-resource-group-delete-lock",
            "prod-stateful-protected",
            "prod-code-root-restricted",
            "cost-tags",
        ]);
        for (const p of pack.policies) expect(p.description.length).toBeGreaterThan(30);
        // Every config the project ships names every policy: a stack's rules are read in one place.
        for (const config of [prodConfig, devConfig])
            expect(Object.keys(config).sort()).toEqual(pack.policies.map((p) => p.name).sort());
    });

    it.each([
        ["dev", "dev"],
        ["azure-dev", "dev"],
        ["prod", "prod"],
        ["staging", "prod"],
    ])("finds no violation in the example %s stack", async (stack, env) => {
        const { doc } = await planStack(stack);
        expect(await evaluatePolicies(doc, pack, env === "prod" ? prodConfig : devConfig)).toEqual([]);
        // Without a config, production is read from the stack name (staging does not read as such).
        expect(await evaluatePolicies(doc, pack)).toEqual([]);
    });

    it("finds no violation in a production stack that creates its workspace", async () => {
        const { doc } = await planConfig("prod", createdProd());
        expect(await evaluatePolicies(doc, pack, prodConfig)).toEqual([]);
    });

    it("reports an unknown value as an advisory it cannot check, as a first preview does", async () => {
        const { doc } = await planStack("prod", { preview: true });
        const violations = await evaluatePolicies(doc, pack, prodConfig);
        expect(hasMandatory(violations)).toBe(false);
        expect(of(violations, "job-clusters-governed")).toContain(
            "[advisory] ml-project-training: can't run policy 'job-clusters-governed' during preview: jobClusters.0 is unknown until the update",
        );
    });
});

describe("each policy fails on a plan made to break it", () => {
    let prod: PlanDocument;
    let created: PlanDocument;
    beforeAll(async () => {
        prod = (await planStack("prod")).doc;
        created = (await planConfig("prod", createdProd())).doc;
    });
    const JOB = "databricks:index/job:Job";

    it.each<[string, () => PlanDocument, string, string[]]>([
        [
            "a production job without runAs",
            () => craft(prod, JOB, "ml-project-training", (s) => delete s.inputs.runAs),
            "prod-jobs-run-as-service-principal",
            [
                "[mandatory] ml-project-training: Job ml-project-training has no runAs.servicePrincipalName: it would run as whoever deploys it.",
            ],
        ],
        [
            "a job cluster without a policy, in no isolation",
            () =>
                craft(prod, JOB, "ml-project-inference", (s) => {
                    delete s.inputs.jobClusters[0].newCluster.policyId;
                    s.inputs.jobClusters[0].newCluster.dataSecurityMode = "NONE";
                }),
            "job-clusters-governed",
            [
                "[mandatory] ml-project-inference: Job ml-project-inference: job cluster ml_cluster has no policyId (a cluster policy).",
                '[mandatory] ml-project-inference: Job ml-project-inference: job cluster ml_cluster has dataSecurityMode "NONE"; expected one of SINGLE_USER, USER_ISOLATION.',
            ],
        ],
        [
            "an all-purpose cluster",
            () =>
                craft(prod, JOB, "ml-project-inference", (s) => {
                    s.type = "databricks:index/cluster:Cluster";
                }),
            "no-all-purpose-clusters",
            ["[mandatory] ml-project-inference: Cluster ml-project-inference is an all-purpose cluster."],
        ],
        [
            "an endpoint without inference tables",
            () =>
                craft(prod, "databricks:index/modelServing:ModelServing", "ml-project-endpoint", (s) => {
                    s.inputs.aiGateway.inferenceTableConfig.enabled = false;
                }),
            "serving-inference-tables",
            [
                "[mandatory] ml-project-endpoint: Serving endpoint ml-project-endpoint does not log to an inference table.",
            ],
        ],
        [
            "a registered model without grants",
            () => craft(prod, "databricks:index/grants:Grants", "ml-project-model-grants", () => null),
            "uc-objects-have-grants",
            ["[mandatory] ml-project-model: model ml-project-model (prod_catalog.ml_data.ml_model) has no grants."],
        ],
        [
            "ALL_PRIVILEGES to account users",
            () =>
                craft(prod, "databricks:index/grants:Grants", "ml-project-model-volume-grants", (s) => {
                    s.inputs.grants.push({ principal: "account users", privileges: ["ALL_PRIVILEGES"] });
                }),
            "no-broad-grants",
            [
                '[mandatory] ml-project-model-volume-grants: ml-project-model-volume-grants grants ALL_PRIVILEGES to the account-wide group "account users".',
            ],
        ],
        [
            "storage with public blob access and shared keys",
            () =>
                craft(created, "azure-native:storage:StorageAccount", "foundation-storage", (s) => {
                    s.inputs.allowBlobPublicAccess = true;
                    delete s.inputs.allowSharedKeyAccess;
                    s.inputs.minimumTlsVersion = "TLS1_0";
                }),
            "storage-account-secure",
            [
                '[mandatory] foundation-storage: Storage account foundation-storage: minimumTlsVersion is "TLS1_0"; expected TLS1_2.',
                "[mandatory] foundation-storage: Storage account foundation-storage: allowBlobPublicAccess must be false.",
                "[mandatory] foundation-storage: Storage account foundation-storage: allowSharedKeyAccess must be false.",
            ],
        ],
        [
            "a production resource group without its lock",
            () =>
                craft(
                    created,
                    "azure-native:authorization:ManagementLockAtResourceGroupLevel",
                    "foundation-lock",
                    () => null,
                ),
            "prod-resource-group-delete-lock",
            ["[mandatory] foundation-rg: Resource group foundation-rg has no CanNotDelete lock."],
        ],
        [
            "an unprotected production model",
            () =>
                craft(prod, "databricks:index/registeredModel:RegisteredModel", "ml-project-model", (s) => {
                    s.protect = false;
                }),
            "prod-stateful-protected",
            [
                "[mandatory] ml-project-model: ml-project-model holds data and is not protected: set the resource option protect: true.",
            ],
        ],
        [
            "a force-destroyed production schema",
            () =>
                craft(prod, "databricks:index/schema:Schema", "ml-project-model-schema", (s) => {
                    s.inputs.forceDestroy = true;
                }),
            "prod-stateful-protected",
            [
                "[mandatory] ml-project-model-schema: ml-project-model-schema is a production schema with forceDestroy: deleting it would delete every table in it.",
            ],
        ],
        [
            "an Azure resource and a job cluster without the cost tag",
            () => {
                const doc = craft(created, "azure-native:databricks:AccessConnector", "foundation-connector", (s) => {
                    delete s.inputs.tags["cost-center"];
                });
                return craft(doc, JOB, "ml-project-training", (s) => {
                    delete s.inputs.jobClusters[0].newCluster.customTags["cost-center"];
                });
            },
            "cost-tags",
            [
                "[mandatory] foundation-connector: foundation-connector lacks the tags cost-center.",
                "[mandatory] ml-project-training: Job ml-project-training: job cluster ml_cluster lacks the custom tags cost-center.",
            ],
        ],
    ])("%s", async (_what, make, policy, expected) => {
        const violations = await evaluatePolicies(make(), pack, prodConfig);
        expect(of(violations, policy)).toEqual(expected);
        expect(violations.every((v) => v.policyName === policy)).toBe(true);
        expect(hasMandatory(violations)).toBe(true);
    });

    it("warns, without failing, on a production endpoint that scales to zero (the program's own config)", async () => {
        const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        config[`${NS}:projects`][0].serving.scaleToZero = true;
        const { doc } = await planConfig("prod", config);
        const violations = await evaluatePolicies(doc, pack, prodConfig);
        expect(of(violations, "prod-serving-no-scale-to-zero")).toEqual([
            "[advisory] ml-project-endpoint: Serving endpoint ml-project-endpoint: served entity ml_model-champion scales to zero.",
        ]);
        expect(hasMandatory(violations)).toBe(false);
    });

    it("holds development stacks to the production rules only where the config says production", async () => {
        // Development jobs run as the developer: no runAs at all.
        const { doc } = await planStack("dev");
        const policy = "prod-jobs-run-as-service-principal";
        expect(await evaluatePolicies(doc, pack, devConfig)).toEqual([]);
        expect(of(await evaluatePolicies(doc, pack, { ...devConfig, [policy]: "mandatory" }), policy)).toEqual([]);
        const marked = { ...devConfig, [policy]: { enforcementLevel: "mandatory" as const, production: true } };
        expect(of(await evaluatePolicies(doc, pack, marked), policy)).toEqual([
            "[mandatory] ml-project-inference: Job ml-project-inference has no runAs.servicePrincipalName: it would run as whoever deploys it.",
            "[mandatory] ml-project-monitor-processing: Job ml-project-monitor-processing has no runAs.servicePrincipalName: it would run as whoever deploys it.",
            "[mandatory] ml-project-training: Job ml-project-training has no runAs.servicePrincipalName: it would run as whoever deploys it.",
            "[mandatory] ml-project-retraining: Job ml-project-retraining has no runAs.servicePrincipalName: it would run as whoever deploys it.",
        ]);
    });

    it("takes further account-wide groups from the config", async () => {
        const doc = craft(prod, "databricks:index/grants:Grants", "ml-project-model-schema-grants", (s) => {
            s.inputs.grants.push({ principal: "all-staff", privileges: ["USE_SCHEMA", "MANAGE"] });
        });
        expect(of(await evaluatePolicies(doc, pack, prodConfig), "no-broad-grants")).toEqual([]);
        const config = {
            ...prodConfig,
            "no-broad-grants": { enforcementLevel: "mandatory" as const, accountWideGroups: ["all-staff"] },
        };
        expect(of(await evaluatePolicies(doc, pack, config), "no-broad-grants")).toEqual([
            '[mandatory] ml-project-model-schema-grants: ml-project-model-schema-grants grants MANAGE to the account-wide group "all-staff".',
        ]);
    });
});

describe("policy pack config files", () => {
    it.each([
        ['{"no-such-policy": "mandatory"}', "no-such-policy: no such policy in mlops-guardrails"],
        [
            '{"cost-tags": "blocking"}',
            'cost-tags: expected an enforcement level (advisory, mandatory, remediate, disabled), found "blocking"',
        ],
        [
            '{"cost-tags": {"azureTagz": []}}',
            "cost-tags.azureTagz: not a setting of this policy (azureTags, clusterTags)",
        ],
        ["[1]", "expected an object of policy names to settings"],
    ])("refuses %s", async (text, message) => {
        const file = path.join(tempDir("mlops-policy-"), "policy.json");
        (await import("node:fs")).writeFileSync(file, text);
        expect(() => readPolicyConfig(file, pack)).toThrow(PlanInputError);
        expect(() => readPolicyConfig(file, pack)).toThrow(message);
    });
});

describe("npm run plan --policy-pack", () => {
    const cli = async (args: string[]) => {
        const { code, stdout, stderr } = await planCli(args);
        return { code, stdout: stdout + stderr };
    };

    it("passes the example prod stack and exits 0", async () => {
        const { code, stdout } = await cli([
            "--stack",
            "prod",
            ...["--policy-pack", POLICY_DIR, "--policy-pack-config", path.join(POLICY_DIR, "config.prod.json")],
        ]);
        expect(stdout).not.toContain("Policy Violations:");
        expect(code).toBe(0);
    });

    it("prints the violations as pulumi preview does and exits 4 on a mandatory one", async () => {
        const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        config[`${NS}:tags`] = {};
        config[`${NS}:projects`][0].serving.scaleToZero = true;
        const dir = tempProject("prod", config);
        const { code, stdout } = await cli([
            ...["--stack", "prod", "--project-dir", dir],
            ...["--policy-pack", POLICY_DIR, "--policy-pack-config", path.join(POLICY_DIR, "config.prod.json")],
        ]);
        expect(code).toBe(4);
        const section = stdout.slice(stdout.indexOf("Policy Violations:"));
        expect(section).toContain(
            [
                "    [mandatory]  mlops-guardrails v0.1.0  cost-tags  (databricks:index/job:Job: ml-project-inference)",
                "    Cost tags on every Azure resource that takes tags (environment, project, owner, cost-center), on job clusters and on jobs that run on serverless compute (environment, project, cost-center).",
                "    Job ml-project-inference: job cluster ml_cluster lacks the custom tags cost-center.",
            ].join("\n"),
        );
        expect(section).toContain(
            "    [advisory]  mlops-guardrails v0.1.0  prod-serving-no-scale-to-zero  (databricks:index/modelServing:ModelServing: ml-project-endpoint)",
        );
    });
});

describe("production code that only its owners can change", () => {
    const POLICY = "prod-code-root-restricted";
    const PERMISSIONS = "databricks:index/permissions:Permissions";
    const shared = async () => {
        const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        config[`${NS}:workspaceRootPath`] = "/Shared/.bundle";
        return (await planConfig("prod", config)).doc;
    };
    /** The plan with a Permissions on the code root's folder, as a program may declare. */
    const withFolderPermissions = (doc: PlanDocument, accessControls: unknown[]): PlanDocument => {
        const copy = structuredClone(doc);
        const urn = "urn:pulumi:prod::databricks-mlops::databricks:index/permissions:Permissions::code-root-perms";
        copy.steps.push({
            op: "create",
            urn,
            newState: {
                urn,
                custom: true,
                id: "",
                type: PERMISSIONS,
                inputs: { directoryPath: "/Workspace/Shared/.bundle/ml-project", accessControls },
                protect: false,
                dependencies: [],
            },
        });
        return copy;
    };

    it("fails a production code root under /Shared, which every workspace user can change", async () => {
        const violations = of(await evaluatePolicies(await shared(), pack, prodConfig), POLICY);
        expect(violations.length).toBeGreaterThan(0);
        expect(violations[0]).toMatch(
            /^\[mandatory\] ml-project-code-[\w-]+: ml-project-code-[\w-]+ \(\/Shared\/\.bundle\/ml-project\/prod\/files\/.+\) is production code under \/Shared/,
        );
    });

    it("passes it with a Permissions on its folder that gives everyone no write access", async () => {
        const doc = withFolderPermissions(await shared(), [
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
            { groupName: "users", permissionLevel: "CAN_READ" },
        ]);
        expect(of(await evaluatePolicies(doc, pack, prodConfig), POLICY)).toEqual([]);
    });

    it("fails it still when that Permissions lets every user edit", async () => {
        const doc = withFolderPermissions(await shared(), [{ groupName: "users", permissionLevel: "CAN_MANAGE" }]);
        expect(of(await evaluatePolicies(doc, pack, prodConfig), POLICY).length).toBeGreaterThan(0);
    });

    it("leaves development stacks alone", async () => {
        const config = structuredClone(stackFileConfig("dev")) as Record<string, any>;
        config[`${NS}:workspaceRootPath`] = "/Shared/ml-dev/${workspace.current_user.short_name}";
        const { doc } = await planConfig("dev", config);
        expect(of(await evaluatePolicies(doc, pack, devConfig), POLICY)).toEqual([]);
    });
});
