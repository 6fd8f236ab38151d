import { type PermissionsObjectKind, PERMISSIONS_RULES, withDeployer } from "./permissionLevels";

/**
 * Who may do what, derived from three group lists the way a bundle's top-level `permissions`
 * are mapped onto each resource type, plus what the production service principal needs to run
 * the jobs, and what the provider requires of the identity that deploys (permissionLevels.ts).
 * Pure functions: tested directly.
 */

/** The groups of a stack, and the identity the jobs run as (production). */
export interface AccessGroups {
    /** Manage every resource (bundle CAN_MANAGE). */
    managers: string[];
    /** Run the jobs and query the endpoint (bundle CAN_RUN). */
    runners: string[];
    /** Read every resource (bundle CAN_VIEW). */
    viewers: string[];
    /** Application id of the service principal the jobs run as; omitted in development mode. */
    runAsServicePrincipal?: string;
    /**
     * The identity that deploys the stack, where the config says which (the `runAs` principal of
     * a stack whose models it owns, which alone may deploy it). Every access control list names
     * it at the level the provider requires of the deploying identity (`deployerLevel`), so that
     * the provider neither refuses the list nor adds an entry that only the deployer's own
     * refresh hides (terraform-provider-databricks `permissions/permission_definitions.go`,
     * `prepareResponse`): a refresh by any other identity (the drift check's) reads back exactly
     * what was declared. Omitted: a person deploys (a developer's stack, a group-owned one), whom
     * the provider adds and hides on their own refresh.
     */
    deployingPrincipal?: string;
}

/** One entry of a workspace object's access control list (`databricks.Permissions`). */
export interface AccessControl {
    groupName?: string;
    servicePrincipalName?: string;
    userName?: string;
    permissionLevel: string;
}

/** One entry of a Unity Catalog securable's grants (`databricks.Grants`). */
export interface Grant {
    principal: string;
    privileges: string[];
}

type Levels = { manager: string; runner: string; viewer: string; runAs?: string };

function permissions(kind: PermissionsObjectKind, groups: AccessGroups, levels: Levels): AccessControl[] {
    const seen = new Set<string>();
    const out: AccessControl[] = [];
    const add = (principal: string, level: string, kind: "groupName" | "servicePrincipalName") => {
        if (seen.has(principal)) return; // the first, most powerful, level wins
        seen.add(principal);
        out.push({ [kind]: principal, permissionLevel: level });
    };
    if (groups.runAsServicePrincipal && levels.runAs)
        add(groups.runAsServicePrincipal, levels.runAs, "servicePrincipalName");
    for (const g of groups.managers) add(g, levels.manager, "groupName");
    for (const g of groups.runners) add(g, levels.runner, "groupName");
    for (const g of groups.viewers) add(g, levels.viewer, "groupName");
    const deployed = groups.deployingPrincipal
        ? withDeployer(PERMISSIONS_RULES[kind], out, groups.deployingPrincipal)
        : out;
    return deployed.sort((a, b) => principalOf(a).localeCompare(principalOf(b)));
}

function principalOf(a: AccessControl): string {
    return a.groupName ?? a.servicePrincipalName ?? a.userName ?? "";
}

/**
 * Jobs: CAN_MANAGE, CAN_MANAGE_RUN, CAN_VIEW. The run-as principal is set by `run_as`, not here;
 * the deploying principal, the job's creator, is named its owner (IS_OWNER).
 */
export function jobPermissions(groups: AccessGroups): AccessControl[] {
    return permissions("jobId", groups, { manager: "CAN_MANAGE", runner: "CAN_MANAGE_RUN", viewer: "CAN_VIEW" });
}

/** MLflow experiments: CAN_MANAGE, CAN_READ; the run-as principal logs runs, so it manages. */
export function experimentPermissions(groups: AccessGroups): AccessControl[] {
    return permissions("experimentId", groups, {
        manager: "CAN_MANAGE",
        runner: "CAN_READ",
        viewer: "CAN_READ",
        runAs: "CAN_MANAGE",
    });
}

/** Serving endpoints: CAN_MANAGE, CAN_QUERY, CAN_VIEW. */
export function servingPermissions(groups: AccessGroups): AccessControl[] {
    return permissions("servingEndpointId", groups, { manager: "CAN_MANAGE", runner: "CAN_QUERY", viewer: "CAN_VIEW" });
}

/** Cluster policies have one level, CAN_USE: everyone who runs or manages the jobs needs it. */
export function clusterPolicyPermissions(groups: AccessGroups): AccessControl[] {
    return permissions(
        "clusterPolicyId",
        { ...groups, viewers: [] },
        { manager: "CAN_USE", runner: "CAN_USE", viewer: "CAN_USE", runAs: "CAN_USE" },
    );
}

function grants(
    groups: AccessGroups,
    privileges: { manager: string[]; runner: string[]; viewer: string[]; runAs: string[]; reader?: string[] },
    readers: string[] = [],
): Grant[] {
    const byPrincipal = new Map<string, Set<string>>();
    const add = (principal: string, privs: string[]) => {
        if (privs.length === 0) return;
        const set = byPrincipal.get(principal) ?? new Set<string>();
        for (const p of privs) set.add(p);
        byPrincipal.set(principal, set);
    };
    for (const g of groups.managers) add(g, privileges.manager);
    for (const g of groups.runners) add(g, privileges.runner);
    for (const g of groups.viewers) add(g, privileges.viewer);
    if (groups.runAsServicePrincipal) add(groups.runAsServicePrincipal, privileges.runAs);
    for (const r of readers) add(r, privileges.reader ?? []);
    return [...byPrincipal.entries()]
        .map(([principal, set]) => ({ principal, privileges: [...set].sort() }))
        .sort((a, b) => a.principal.localeCompare(b.principal));
}

/**
 * The schema: managers own it; the jobs' principal writes tables and registers models; the
 * model's readers (other stacks' promotion jobs, see `modelGrants`) may enter it.
 */
export function schemaGrants(groups: AccessGroups, modelReaders: string[] = []): Grant[] {
    return grants(
        groups,
        {
            manager: ["ALL_PRIVILEGES"],
            runner: ["USE_SCHEMA", "SELECT"],
            viewer: ["USE_SCHEMA", "SELECT"],
            runAs: ["USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE", "CREATE_MODEL"],
            reader: ["USE_SCHEMA"],
        },
        modelReaders,
    );
}

/**
 * The registered model: EXECUTE to load it; the jobs' principal adds versions and sets aliases.
 * `modelReaders` are the principals of the stacks that promote this model (deploy-model): they
 * get EXECUTE here, in this stack's authoritative grants, because `databricks.Grants` replaces
 * every principal's privileges on each update (terraform-provider-databricks
 * `catalog/resource_grants.go`): a grant another stack added would be revoked by this one.
 */
export function modelGrants(groups: AccessGroups, modelReaders: string[] = []): Grant[] {
    return grants(
        groups,
        {
            manager: ["ALL_PRIVILEGES"],
            runner: ["EXECUTE"],
            viewer: ["EXECUTE"],
            runAs: ["ALL_PRIVILEGES", "MANAGE"],
            reader: ["EXECUTE"],
        },
        modelReaders,
    );
}

/** The landing volume: runners drop training files into it; the jobs read it. */
export function volumeGrants(groups: AccessGroups): Grant[] {
    return grants(groups, {
        manager: ["ALL_PRIVILEGES"],
        runner: ["READ_VOLUME", "WRITE_VOLUME"],
        viewer: ["READ_VOLUME"],
        // WRITE_VOLUME: the inference-log processing keeps its streaming checkpoint in the volume.
        runAs: ["READ_VOLUME", "WRITE_VOLUME"],
    });
}

/** The landing zone's storage credential: only the managers administer it. */
export function storageCredentialGrants(groups: AccessGroups): Grant[] {
    return grants(groups, { manager: ["ALL_PRIVILEGES"], runner: [], viewer: [], runAs: [] });
}

/** The landing zone's external location: managers administer it; the jobs' principal reads files. */
export function externalLocationGrants(groups: AccessGroups): Grant[] {
    return grants(groups, { manager: ["ALL_PRIVILEGES"], runner: [], viewer: [], runAs: ["READ_FILES"] });
}

/**
 * The shared SQL warehouse: managers administer it; everyone who runs or reads the projects uses
 * it. The deploying principal, its creator, stays its owner: the provider refuses a list that gives
 * the deploying identity CAN_USE (`cannot remove management permissions for the current user`).
 */
export function sqlWarehousePermissions(groups: AccessGroups): AccessControl[] {
    return permissions("sqlEndpointId", groups, {
        manager: "CAN_MANAGE",
        runner: "CAN_USE",
        viewer: "CAN_USE",
        runAs: "CAN_USE",
    });
}

/** SQL queries (the A/B analysis): managers manage, runners and viewers run it to see the results. */
export function queryPermissions(groups: AccessGroups): AccessControl[] {
    return permissions("sqlQueryId", groups, { manager: "CAN_MANAGE", runner: "CAN_RUN", viewer: "CAN_RUN" });
}

/**
 * The folder of a project's code: every group reads it (a refreshing preview, the drift check's,
 * reads the notebooks and files back), and only the deploying principal, besides the workspace
 * admins, writes what the jobs run (the production code root, docs/deploying.md).
 */
export function codeFolderPermissions(groups: AccessGroups): AccessControl[] {
    return permissions("directoryPath", groups, { manager: "CAN_READ", runner: "CAN_READ", viewer: "CAN_READ" });
}
