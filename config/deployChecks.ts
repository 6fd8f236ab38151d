import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    type AccessGroups,
    clusterPolicyPermissions,
    experimentPermissions,
    sqlWarehousePermissions,
} from "../components/access";
import { PERMISSIONS_RULES, refusal } from "../components/permissionLevels";
import { modelOwnerOf, type Settings } from "./schema";
import { DEVELOPMENT_TEMPLATE_STACK } from "./stackNames";

/**
 * What only a real `pulumi preview` or `pulumi up` can get wrong: ids the user must still replace,
 * a missing workspace host, a production stack deployed by an identity that cannot read its own
 * models back, a development template deployed as if it were a developer's stack. The offline
 * plan runs the same program against mocks, where none of these matter: it notes them (the plan
 * CLI prints them) and goes on; a real run stops on them before any resource is declared.
 */

/** One problem: the key path (in the project's namespace, or `databricks:<key>`), and what to do. */
export interface DeployProblem {
    /** A key path of the project's config, or `["databricks:host"]` for the provider's. */
    path: (string | number)[];
    message: string;
}

/**
 * The sample ids the shipped stack files carry, to be replaced. They pass the format checks on
 * purpose (the offline plan runs with them); a real run refuses them.
 */
export const PLACEHOLDERS = {
    clusterPolicyIds: ["0123456789ABCDEF"],
    sqlWarehouseIds: ["0123456789abcdef"],
    servicePrincipals: ["9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c", "5e7a9c1d-2b4f-4a6e-8c0d-1f3b5d7e9a2c"],
} as const;

export { DEVELOPER_STACK, DEVELOPMENT_TEMPLATE_STACK } from "./stackNames";

const same = (list: readonly string[], value: string) => list.some((p) => p.toLowerCase() === value.toLowerCase());

/** Whether a value is all zeros (a GUID or an id typed in as a stand-in). */
const zeros = (value: string) => /^[0-]+$/.test(value);

/** How the Databricks provider would find the workspace: its config keys and environment. */
export interface ProviderSettings {
    /** `databricks:host` of the stack. */
    host?: string;
    /** `databricks:azureWorkspaceResourceId` of the stack. */
    azureWorkspaceResourceId?: string;
    /** `databricks:profile` of the stack. */
    profile?: string;
    /** The environment the provider reads (`DATABRICKS_HOST`, `DATABRICKS_AZURE_RESOURCE_ID`, `DATABRICKS_CONFIG_PROFILE`). */
    env: Record<string, string | undefined>;
    /** Whether a Databricks CLI config file (`~/.databrickscfg`, or `DATABRICKS_CONFIG_FILE`) exists: its DEFAULT profile may name the host. */
    hasConfigFile: boolean;
}

/** The provider settings a stack's config (`namespace:key` to value) and the environment give. */
export function providerSettingsOf(
    config: Record<string, string>,
    env: Record<string, string | undefined> = process.env,
): ProviderSettings {
    const file = env.DATABRICKS_CONFIG_FILE ?? path.join(os.homedir(), ".databrickscfg");
    return {
        host: config["databricks:host"],
        azureWorkspaceResourceId: config["databricks:azureWorkspaceResourceId"],
        profile: config["databricks:profile"],
        env,
        hasConfigFile: fs.existsSync(file),
    };
}

/** A host that is still the template's `https://adb-<workspace-id>.<n>.azuredatabricks.net`. */
const placeholderHost = (host: string) => /[<>]/.test(host) || /example\.(com|net|org)/.test(host);

/** The ids still holding the shipped samples, and a workspace the provider cannot find. */
export function placeholderProblems(s: Settings, provider: ProviderSettings): DeployProblem[] {
    const out: DeployProblem[] = [];
    const policy = s.clusterPolicy.id;
    if (
        s.clusterPolicy.mode === "existing" &&
        policy !== undefined &&
        (same(PLACEHOLDERS.clusterPolicyIds, policy) || zeros(policy))
    ) {
        out.push({
            path: ["clusterPolicy", "id"],
            message: `expected the id of your workspace's cluster policy, found the placeholder "${policy}": get it with \`databricks cluster-policies list\` (or Compute > Policies > the policy, in the workspace), or set mode: created (a workspace admin deploys the stack)`,
        });
    }
    const warehouse = s.sqlWarehouse.id;
    if (
        s.sqlWarehouse.mode === "existing" &&
        warehouse !== undefined &&
        (same(PLACEHOLDERS.sqlWarehouseIds, warehouse) || zeros(warehouse))
    ) {
        out.push({
            path: ["sqlWarehouse", "id"],
            message: `expected the id of your SQL warehouse, found the placeholder "${warehouse}": get it with \`databricks warehouses list\` (or SQL Warehouses > the warehouse > Overview, in the workspace), or set mode: created`,
        });
    }
    const sp = s.runAs?.servicePrincipalName;
    if (sp !== undefined && (same(PLACEHOLDERS.servicePrincipals, sp) || zeros(sp))) {
        out.push({
            path: ["runAs", "servicePrincipalName"],
            message: `expected the application id of your service principal, found the placeholder "${sp}": get it with \`databricks service-principals list\` (its applicationId), or in the Azure portal (Microsoft Entra ID > App registrations > the app > Application (client) ID)`,
        });
    }
    if (s.workspace.mode === "existing") {
        const where =
            "the workspace's URL (Azure portal > the Azure Databricks workspace > Overview > URL): `pulumi config set databricks:host https://adb-<workspace-id>.<n>.azuredatabricks.net`";
        const host = provider.host ?? provider.env.DATABRICKS_HOST;
        const located =
            provider.azureWorkspaceResourceId ??
            provider.env.DATABRICKS_AZURE_RESOURCE_ID ??
            provider.profile ??
            provider.env.DATABRICKS_CONFIG_PROFILE;
        if (host !== undefined && placeholderHost(host)) {
            out.push({ path: ["databricks:host"], message: `expected ${where}, found the placeholder "${host}"` });
        } else if (host === undefined && located === undefined && !provider.hasConfigFile) {
            out.push({
                path: ["databricks:host"],
                message: `expected ${where}, found nothing (neither databricks:host, DATABRICKS_HOST, a profile nor ~/.databrickscfg)`,
            });
        }
    }
    return out;
}

/**
 * The deploying identity against `modelOwner`: with `runAs` the stack must be deployed as that
 * principal (an identity that is not the owner cannot read the model back after the ownership
 * transfer, so the first `pulumi up` fails after creating it and every later preview's alias
 * lookup is refused). A service principal's user name is its application id (the provider's
 * current user is `CurrentUser.Me`'s `user_name`, terraform-provider-databricks
 * `scim/data_current_user.go`).
 */
export function deployerProblem(s: Settings, deployingUser: string): DeployProblem | undefined {
    const sp = s.runAs?.servicePrincipalName;
    if (modelOwnerOf(s) !== "runAs" || sp === undefined) return undefined;
    if (deployingUser.toLowerCase() === sp.toLowerCase()) return undefined;
    const who = s.runAs?.displayName ? `${sp} (${s.runAs.displayName})` : sp;
    return {
        path: ["modelOwner"],
        message: `expected the stack to be deployed as the runAs service principal ${who}, found ${deployingUser}: with modelOwner runAs (the production default) the principal owns the registered models, and Unity Catalog lets only a model's owner or a metastore admin read it back after the ownership transfer and set its aliases. Deploy it from CI signed in as the principal, or set modelOwner to { group: <an account group holding both ${deployingUser} and the principal> }`,
    };
}

/**
 * The identity that deploys the stack, where the config says which: the `runAs` principal when
 * it owns the models (`modelOwner: runAs`, the production default), since `deployerProblem` then
 * stops any other identity's `pulumi up`. `undefined`: a person deploys (a developer's own stack,
 * a stack whose models a group owns).
 */
export function deployingPrincipalOf(s: Settings): string | undefined {
    const sp = s.runAs?.servicePrincipalName;
    return modelOwnerOf(s) === "runAs" ? sp : undefined;
}

/**
 * The deploying identity against the access lists of a stack that does not name its deployer
 * (`deployingPrincipalOf` is undefined: a group owns the models). Where the `runAs` principal
 * deploys such a stack, the lists name it at the levels its jobs need, and the provider refuses
 * a list that gives the identity applying it a level that does not manage the object (the
 * created warehouse's CAN_USE: terraform-provider-databricks `permissions/permission_definitions.go`,
 * `validate`), after the update has created half the stack. Stopped before anything is declared.
 */
export function deployerAccessProblem(s: Settings, deployingUser: string): DeployProblem | undefined {
    if (deployingPrincipalOf(s) !== undefined || s.runAs === undefined) return undefined;
    const access: AccessGroups = {
        managers: s.managerGroups,
        runners: s.runnerGroups,
        viewers: s.viewerGroups,
        runAsServicePrincipal: s.runAs.servicePrincipalName,
    };
    // The lists that name the principal (the others hold groups only).
    const lists = [
        ...(s.sqlWarehouse.mode === "created"
            ? [{ what: "SQL warehouse", rule: PERMISSIONS_RULES.sqlEndpointId, acl: sqlWarehousePermissions(access) }]
            : []),
        ...(s.clusterPolicy.mode === "created"
            ? [
                  {
                      what: "cluster policy",
                      rule: PERMISSIONS_RULES.clusterPolicyId,
                      acl: clusterPolicyPermissions(access),
                  },
              ]
            : []),
        { what: "experiments", rule: PERMISSIONS_RULES.experimentId, acl: experimentPermissions(access) },
    ];
    for (const { what, rule, acl } of lists) {
        const refused = refusal(rule, acl, deployingUser);
        if (refused === undefined) continue;
        return {
            path: ["modelOwner"],
            message: `expected the runAs principal ${deployingUser} not to deploy a stack whose models a group owns, found it deploying: the ${what}'s permissions give it the level its jobs need, which the provider refuses to the deploying identity (${refused.message}). Set modelOwner: runAs (the permissions then name the principal at the level the provider requires), or deploy as a member of the owning group`,
        };
    }
    return undefined;
}

/**
 * Production mode without `runAs`: the jobs run as whoever deploys, so that must be a service
 * principal (CI's), as bundles require: without `run_as` and an explicit root path, production
 * mode is refused unless a service principal deploys (databricks/cli
 * bundle/config/mutator/resourcemutator/validate_target_mode.go, validateProductionMode). A
 * principal's user name is its application id, a GUID.
 */
export function principalDeployerProblem(s: Settings, deployingUser: string): DeployProblem | undefined {
    if (s.mode !== "production" || s.runAs !== undefined) return undefined;
    if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(deployingUser))
        return undefined;
    return {
        path: ["runAs"],
        message: `expected runAs (the service principal the jobs run as) in production mode, or the stack deployed by a service principal, found the user ${deployingUser} deploying without runAs: the jobs would run as ${deployingUser}`,
    };
}

/** The development template deployed as a stack of its own: every developer would share, and replace, its resources. */
export function templateProblem(s: Settings, stack: string): DeployProblem | undefined {
    if (s.mode !== "development" || stack !== DEVELOPMENT_TEMPLATE_STACK) return undefined;
    return {
        path: ["mode"],
        message: `expected a developer's own stack, found the development template "${stack}": each developer deploys a copy, \`npm run dev-stack -- <name>\` then \`pulumi stack init dev-<name>\` and \`pulumi up -s dev-<name>\` (two identities deploying one development stack replace each other's schema, model and endpoint)`,
    };
}

let offlinePlan = false;

/** Whether the program runs under the offline plan's mocks (set by `buildPlan` for the run). */
export function isOfflinePlan(): boolean {
    return offlinePlan;
}

/** Marks the runs that follow as offline plans (or not); returns the previous mark. */
export function setOfflinePlan(value: boolean): boolean {
    const previous = offlinePlan;
    offlinePlan = value;
    return previous;
}
