/**
 * What the Databricks provider requires of the identity that applies a `databricks.Permissions`,
 * per object type, and what it writes and reads back. Pure data and functions: the access lists
 * of components/access.ts are built with them, the offline plan's mocks refuse what the provider
 * refuses with them, and the tests derive one case per object type from them.
 *
 * Source: terraform-provider-databricks `permissions/permission_definitions.go`
 * (`allResourcePermissions`: each object type's levels and whether a level lets its holder manage
 * the object, `isManagementPermission`; its update customizers; `validate`; `prepareResponse`),
 * `permissions/resource_permissions.go` (`Update` validates then writes; `safePutWithOwner` and
 * `addOwnerPermissionIfNeeded` name the applying identity IS_OWNER where the type has owners and
 * the list names none) and `permissions/update/customizers.go` (`AddCurrentUserAsManage`).
 */

/** One entry of an access control list, as `databricks.Permissions` takes and reads it. */
export interface AclEntry {
    groupName?: string;
    userName?: string;
    servicePrincipalName?: string;
    permissionLevel: string;
}

/** The rules of one object type of `databricks.Permissions`. */
export interface PermissionsObjectRule {
    /** The provider's attribute for the object, as Terraform spells it (its messages name it). */
    terraformField: string;
    /** The object type of the Permissions API, as the provider's messages name it. */
    objectType: string;
    /** Every level the provider accepts, and whether it lets its holder manage the object. */
    levels: Readonly<Record<string, boolean>>;
    /**
     * Whether the provider adds the applying identity as CAN_MANAGE to a list that does not name
     * it (`update.AddCurrentUserAsManage` among the type's update customizers).
     */
    addsApplierAsManager: boolean;
    /**
     * Whether the provider lets the list name the `admins` group (`allowConfiguringAdmins`);
     * otherwise it refuses it, and reads the group's entry back as nothing.
     */
    adminsConfigurable?: boolean;
    /**
     * Whether a CAN_VIEW in the list is sent as CAN_READ and read back as CAN_VIEW where the list
     * said so (`rewriteCanViewToCanRead`, `rewriteCanReadToCanView`: the SQL objects).
     */
    viewIsRead?: boolean;
}

const READ_RUN_EDIT_MANAGE = { CAN_READ: false, CAN_RUN: false, CAN_EDIT: false, CAN_MANAGE: true } as const;
const SQL_OBJECT = { CAN_EDIT: false, CAN_RUN: false, CAN_MANAGE: true, CAN_READ: false, CAN_VIEW: false } as const;

/**
 * Every object type `databricks.Permissions` (provider 1.110.0) manages, by its input, as
 * `allResourcePermissions` defines it. The key is the Pulumi input that names the object;
 * `authorization` holds two types, told apart by its value (`tokens`, `passwords`).
 */
export const PERMISSIONS_RULES = {
    clusterPolicyId: {
        terraformField: "cluster_policy_id",
        objectType: "cluster-policy",
        // A policy's list does not say who manages the policy: its one level counts as managing.
        levels: { CAN_USE: true },
        addsApplierAsManager: false,
    },
    instancePoolId: {
        terraformField: "instance_pool_id",
        objectType: "instance-pool",
        levels: { CAN_ATTACH_TO: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    clusterId: {
        terraformField: "cluster_id",
        objectType: "cluster",
        levels: { CAN_ATTACH_TO: false, CAN_RESTART: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    pipelineId: {
        terraformField: "pipeline_id",
        objectType: "pipelines",
        levels: { CAN_VIEW: false, CAN_RUN: false, CAN_MANAGE: true, IS_OWNER: true },
        addsApplierAsManager: false,
    },
    jobId: {
        terraformField: "job_id",
        objectType: "job",
        levels: { CAN_VIEW: false, CAN_MANAGE_RUN: false, IS_OWNER: true, CAN_MANAGE: true },
        addsApplierAsManager: false,
    },
    notebookId: {
        terraformField: "notebook_id",
        objectType: "notebook",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    notebookPath: {
        terraformField: "notebook_path",
        objectType: "notebook",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    directoryId: {
        terraformField: "directory_id",
        objectType: "directory",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    directoryPath: {
        terraformField: "directory_path",
        objectType: "directory",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    workspaceFileId: {
        terraformField: "workspace_file_id",
        objectType: "file",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    workspaceFilePath: {
        terraformField: "workspace_file_path",
        objectType: "file",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    repoId: {
        terraformField: "repo_id",
        objectType: "repo",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    repoPath: {
        terraformField: "repo_path",
        objectType: "repo",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: false,
    },
    "authorization:tokens": {
        terraformField: "authorization",
        objectType: "tokens",
        levels: { CAN_USE: true, CAN_MANAGE: true },
        addsApplierAsManager: false,
    },
    "authorization:passwords": {
        terraformField: "authorization",
        objectType: "passwords",
        levels: { CAN_USE: true },
        addsApplierAsManager: false,
        adminsConfigurable: true,
    },
    sqlEndpointId: {
        terraformField: "sql_endpoint_id",
        objectType: "warehouses",
        levels: { CAN_USE: false, CAN_MANAGE: true, CAN_MONITOR: false, CAN_VIEW: false, IS_OWNER: true },
        addsApplierAsManager: true,
    },
    sqlDashboardId: {
        terraformField: "sql_dashboard_id",
        objectType: "dashboard",
        levels: SQL_OBJECT,
        addsApplierAsManager: true,
        viewIsRead: true,
    },
    sqlAlertId: {
        terraformField: "sql_alert_id",
        objectType: "alert",
        levels: SQL_OBJECT,
        addsApplierAsManager: true,
        viewIsRead: true,
    },
    sqlQueryId: {
        terraformField: "sql_query_id",
        objectType: "query",
        levels: SQL_OBJECT,
        addsApplierAsManager: true,
        viewIsRead: true,
    },
    dashboardId: {
        terraformField: "dashboard_id",
        objectType: "dashboard",
        levels: { CAN_EDIT: false, CAN_RUN: false, CAN_MANAGE: true, CAN_READ: false },
        addsApplierAsManager: false,
    },
    experimentId: {
        terraformField: "experiment_id",
        objectType: "mlflowExperiment",
        levels: { CAN_READ: false, CAN_EDIT: false, CAN_MANAGE: true },
        addsApplierAsManager: false,
    },
    registeredModelId: {
        terraformField: "registered_model_id",
        objectType: "registered-model",
        levels: {
            CAN_READ: false,
            CAN_EDIT: false,
            CAN_MANAGE_STAGING_VERSIONS: false,
            CAN_MANAGE_PRODUCTION_VERSIONS: false,
            CAN_MANAGE: true,
        },
        addsApplierAsManager: true,
    },
    servingEndpointId: {
        terraformField: "serving_endpoint_id",
        objectType: "serving-endpoint",
        levels: { CAN_VIEW: false, CAN_QUERY: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    vectorSearchEndpointId: {
        terraformField: "vector_search_endpoint_id",
        objectType: "vector-search-endpoints",
        levels: { CAN_USE: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    appName: {
        terraformField: "app_name",
        objectType: "apps",
        levels: { CAN_USE: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    databaseInstanceName: {
        terraformField: "database_instance_name",
        objectType: "database-instances",
        levels: { CAN_USE: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    databaseProjectName: {
        terraformField: "database_project_name",
        objectType: "database-projects",
        levels: { CAN_USE: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    alertV2Id: {
        terraformField: "alert_v2_id",
        objectType: "alertv2",
        levels: READ_RUN_EDIT_MANAGE,
        addsApplierAsManager: true,
    },
    knowledgeAssistantId: {
        terraformField: "knowledge_assistant_id",
        objectType: "knowledge-assistants",
        levels: { CAN_QUERY: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
    supervisorAgentId: {
        terraformField: "supervisor_agent_id",
        objectType: "supervisor-agents",
        levels: { CAN_QUERY: false, CAN_MANAGE: true },
        addsApplierAsManager: true,
    },
} as const satisfies Record<string, PermissionsObjectRule>;

/** The key of an object type in `PERMISSIONS_RULES`. */
export type PermissionsObjectKind = keyof typeof PERMISSIONS_RULES;

/** The rule of a `databricks.Permissions`'s inputs: the one object input they set; `undefined`: none. */
export function ruleOfInputs(
    inputs: Record<string, unknown>,
): { kind: PermissionsObjectKind; rule: PermissionsObjectRule } | undefined {
    if (inputs.authorization !== undefined && inputs.authorization !== "") {
        const kind = `authorization:${String(inputs.authorization)}` as PermissionsObjectKind;
        return kind in PERMISSIONS_RULES ? { kind, rule: PERMISSIONS_RULES[kind] } : undefined;
    }
    for (const kind of Object.keys(PERMISSIONS_RULES) as PermissionsObjectKind[]) {
        if (kind.startsWith("authorization:")) continue;
        const value = inputs[kind];
        if (value !== undefined && value !== "") return { kind, rule: PERMISSIONS_RULES[kind] };
    }
    return undefined;
}

/** Whether the type has an owner level: the provider names the applier IS_OWNER where the list names no owner. */
export function hasOwnerLevel(rule: PermissionsObjectRule): boolean {
    return "IS_OWNER" in rule.levels;
}

/** The levels the provider lets the applying identity hold, sorted as its messages list them. */
export function managementLevels(rule: PermissionsObjectRule): string[] {
    return Object.keys(rule.levels)
        .filter((l) => rule.levels[l])
        .sort();
}

/**
 * The level the deploying identity is named at: IS_OWNER where the type has owners (the creator
 * is the owner; a list with no owner makes the applier the owner anyway, and one principal at
 * both CAN_MANAGE and IS_OWNER is refused as ambiguous), else CAN_MANAGE, else the type's only
 * managing level (a cluster policy's CAN_USE). As Databricks Asset Bundles name the deploying
 * identity (databricks/cli `bundle/config/mutator/resourcemutator/fix_permissions.go`).
 */
export function deployerLevel(rule: PermissionsObjectRule): string {
    if (hasOwnerLevel(rule)) return "IS_OWNER";
    if (rule.levels.CAN_MANAGE) return "CAN_MANAGE";
    return managementLevels(rule)[0];
}

/**
 * The entry that names an identity: a service principal by its application id (a GUID, which
 * is also its user name in the workspace), anyone else by user name (databricks/cli
 * `libs/iamutil`, `IsServicePrincipalName`).
 */
export function identityEntry(identity: string, permissionLevel: string): AclEntry {
    return isServicePrincipalName(identity)
        ? { servicePrincipalName: identity, permissionLevel }
        : { userName: identity, permissionLevel };
}

/** Whether a user name is a service principal's application id. */
export function isServicePrincipalName(name: string): boolean {
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name);
}

const same = (a: string | undefined, b: string) => a !== undefined && a !== "" && a.toLowerCase() === b.toLowerCase();

/** Whether an entry names this identity (as a user or a service principal), case aside, as the provider compares. */
export function namesIdentity(entry: AclEntry, identity: string): boolean {
    return same(entry.userName, identity) || same(entry.servicePrincipalName, identity);
}

/**
 * A list with the deploying identity at its level: its own entry raised to the deployer level
 * (one level per principal, the highest, as bundles do), or a new entry.
 */
export function withDeployer(rule: PermissionsObjectRule, acl: AclEntry[], deployer: string): AclEntry[] {
    const level = deployerLevel(rule);
    const others = acl.filter((e) => !namesIdentity(e, deployer));
    const own = acl.find((e) => namesIdentity(e, deployer));
    return [...others, own ? { ...own, permissionLevel: level } : identityEntry(deployer, level)];
}

/**
 * Why the provider refuses this list when `applier` applies it, in its words; `undefined`: it
 * accepts it. A level the type does not have is refused at plan time (`CustomizeDiff`); the
 * `admins` group and a non-managing level for the applier when it writes (`validate`, called by
 * `Update` and so by Create and Update, never by a preview).
 */
export function refusal(
    rule: PermissionsObjectRule,
    acl: AclEntry[],
    applier: string,
): { atPlan: boolean; message: string } | undefined {
    for (const e of acl) {
        if (!(e.permissionLevel in rule.levels)) {
            const all = Object.keys(rule.levels).sort().join(", ");
            return {
                atPlan: true,
                message: `permission_level ${e.permissionLevel} is not supported with ${rule.terraformField} objects; allowed levels: ${all}`,
            };
        }
    }
    for (const e of acl) {
        if (e.groupName === "admins" && !rule.adminsConfigurable) {
            return {
                atPlan: false,
                message: `it is not possible to modify admin permissions for ${rule.objectType} resources`,
            };
        }
        if (namesIdentity(e, applier) && !rule.levels[e.permissionLevel]) {
            return {
                atPlan: false,
                message: `cannot remove management permissions for the current user for ${rule.objectType}, allowed levels: ${managementLevels(rule).join(", ")}`,
            };
        }
    }
    return undefined;
}

/**
 * The list the workspace holds after `applier` applied `acl`: the update customizers (the applier
 * added as CAN_MANAGE where the type says so; CAN_VIEW sent as CAN_READ on SQL objects), then the
 * applier named IS_OWNER where the type has owners and the list names none (`safePutWithOwner`,
 * as a user name, whatever the applier is). Object-specific customizers (the root folder's and
 * the root model's `admins`) are left out: this program declares neither.
 */
export function aclAsWritten(rule: PermissionsObjectRule, acl: AclEntry[], applier: string): AclEntry[] {
    let out = acl.map((e) => ({ ...e }));
    if (rule.addsApplierAsManager && !out.some((e) => namesIdentity(e, applier))) {
        out.push({ userName: applier, permissionLevel: "CAN_MANAGE" });
    }
    if (rule.viewIsRead) {
        out = out.map((e) => (e.permissionLevel === "CAN_VIEW" ? { ...e, permissionLevel: "CAN_READ" } : e));
    }
    if (hasOwnerLevel(rule) && !out.some((e) => e.permissionLevel === "IS_OWNER")) {
        out.push({ userName: applier, permissionLevel: "IS_OWNER" });
    }
    return out;
}

/**
 * What a refresh by `reader` reads back of the list the workspace holds (`prepareResponse`): the
 * reader's own entries only if the state's list names the reader; the `admins` group never where
 * it cannot be configured; user and service principal names lower-cased; CAN_READ shown as
 * CAN_VIEW where the state said CAN_VIEW (SQL objects).
 */
export function aclAsRead(
    rule: PermissionsObjectRule,
    held: AclEntry[],
    inState: AclEntry[],
    reader: string,
): AclEntry[] {
    const stateNamesReader = inState.some((e) => namesIdentity(e, reader));
    return held
        .filter((e) => !namesIdentity(e, reader) || stateNamesReader)
        .filter((e) => e.groupName !== "admins" || rule.adminsConfigurable === true)
        .map((e) => {
            const out: AclEntry = { permissionLevel: e.permissionLevel };
            if (e.groupName) out.groupName = e.groupName;
            if (e.userName) out.userName = e.userName.toLowerCase();
            if (e.servicePrincipalName) out.servicePrincipalName = e.servicePrincipalName.toLowerCase();
            if (rule.viewIsRead && out.permissionLevel === "CAN_READ") {
                const stated = inState.find((s) => principalKey(s) === principalKey(out));
                if (stated?.permissionLevel === "CAN_VIEW") out.permissionLevel = "CAN_VIEW";
            }
            return out;
        });
}

/** `kind:name` of an entry's principal, lower-cased where the provider compares without case. */
export function principalKey(e: AclEntry): string {
    if (e.groupName) return `group:${e.groupName}`;
    if (e.servicePrincipalName) return `sp:${e.servicePrincipalName.toLowerCase()}`;
    return `user:${(e.userName ?? "").toLowerCase()}`;
}

/**
 * Two lists as the provider compares them: a set of entries (the `access_control` set hashes only
 * its non-empty fields, user and service principal names lower-cased,
 * `permissions/resource_permissions.go`).
 */
export function sameAcl(a: AclEntry[], b: AclEntry[]): boolean {
    const key = (e: AclEntry) => `${principalKey(e)}=${e.permissionLevel}`;
    const ka = [...new Set(a.map(key))].sort();
    const kb = [...new Set(b.map(key))].sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/**
 * The Unity Catalog securables of `databricks.Grants`, by the input that names the securable:
 * the provider makes the list authoritative for every principal alike (it revokes what the list
 * does not hold, `replaceAllPermissions`) and reads every principal back alike (`Read`), with no
 * rule about the identity that applies it: nothing added, refused or hidden
 * (terraform-provider-databricks `catalog/resource_grants.go`). Ownership is not a grant: the
 * owner keeps every right whatever the list says, and only the owner (or a holder of MANAGE, or
 * a metastore admin) may write the list. So the deploying identity needs to own what it grants
 * on: it creates the schema, the volume and the landing zone's objects, and owns the model
 * where `modelOwner` names it (`runAs` deployed as the principal), or is in the owning group.
 */
export const GRANTS_SECURABLES = {
    schema: { securableType: "schema", ownerInput: "owner" },
    model: { securableType: "function", ownerInput: "owner" },
    volume: { securableType: "volume", ownerInput: "owner" },
    storageCredential: { securableType: "storage_credential", ownerInput: "owner" },
    externalLocation: { securableType: "external_location", ownerInput: "owner" },
} as const;

/** The securable a `databricks.Grants`'s inputs name; `undefined`: one this table does not hold. */
export function grantsSecurableOf(inputs: Record<string, unknown>): keyof typeof GRANTS_SECURABLES | undefined {
    return (Object.keys(GRANTS_SECURABLES) as (keyof typeof GRANTS_SECURABLES)[]).find(
        (k) => inputs[k] !== undefined && inputs[k] !== "",
    );
}
