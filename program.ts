import * as fs from "node:fs";
import * as path from "node:path";
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import {
    type AccessGroups,
    AzureFoundation,
    type ClusterSettings,
    azureNames,
    clusterPolicyPermissions,
    type CurrentUser,
    decideServing,
    externalLocationGrants,
    isAzureNotFound,
    LandingZone,
    lookUpModelVersions,
    MlClusterPolicy,
    MlProject,
    Presets,
    shortUserName,
    SqlWarehouse,
    sqlWarehousePermissions,
    storageCredentialGrants,
    ucNameFor,
    type VersionLookup,
    type AliasLookup,
    aliasVersions,
    lookUpModelAliases,
    routeKey,
    routeKinds,
    type ServedRoute,
    WORKLOAD_ENTRY_POINTS,
} from "./components";
import { azureNative } from "./components/workspace/azureNative";
import { configProblem, type Locate, loadConfig } from "./config/load";
import { baseEndpointName, ENDPOINT_NAME_MAX, type Settings } from "./config/schema";

/** This program's folder: workload folders are relative to it. */
const PROGRAM_DIR = __dirname;

/**
 * The program `pulumi up` runs, and the very one the offline plan and the tests run under mocks.
 * It reads and checks the whole stack configuration, and asks the workspace what it must know
 * (the deploying user, the model versions), before it declares any project resource.
 */
export async function program(): Promise<Record<string, unknown>> {
    const { settings, locate } = loadConfig();
    const workloadDirs = settings.projects.map((p, i) => workloadDir(p.name, p.workload.dir, i, locate));
    const access: AccessGroups = {
        managers: settings.managerGroups,
        runners: settings.runnerGroups,
        viewers: settings.viewerGroups,
        runAsServicePrincipal: settings.runAs?.servicePrincipalName,
    };

    const workspace = settings.workspace.mode === "created" ? await createdWorkspace(settings, access) : undefined;
    // With a created workspace every Databricks resource and lookup goes through its provider;
    // otherwise through the default provider (`databricks:host`).
    const provider = workspace?.provider;
    const providers = provider ? [provider] : undefined;
    // A workspace that does not exist yet cannot be asked anything.
    const canAsk = workspace?.exists ?? true;

    // The deploying identity names development resources (`[dev <short_name>]`, `dev_<short_name>_`)
    // and user-scoped paths. In production mode nothing depends on it.
    const knownUser = canAsk ? await currentUser(provider, workspace !== undefined) : undefined;
    const user = knownUser
        ? pulumi.output(knownUser)
        : // Known once the provider can be configured: during `pulumi up`, after the workspace
          // exists; in a preview before then, unknown ("known after apply").
          (provider as databricks.Provider).id.apply(() =>
              databricks.getCurrentUserOutput({}, { provider }).apply(toCurrentUser),
          );
    const presets = new Presets(settings.mode, user);
    if (knownUser) checkEndpointNames(settings, knownUser);

    // Decide, per project, whether and what to serve (mlops-stacks#217): the configured versions
    // exist, the aliases resolve to versions.
    const served = await Promise.all(
        settings.projects.map(async (p, i): Promise<ServedRoute[] | undefined> => {
            const fullName = modelFullName(settings, p, knownUser);
            const kinds = routeKinds(p.serving.routes);
            let versions: VersionLookup | undefined;
            let aliases: AliasLookup | undefined;
            if (!canAsk) {
                versions = aliases = { kind: "modelNotFound" };
            } else if (settings.mode === "development" && !knownUser) {
                const reason = "the deploying user, and so the model's name, is not known yet";
                versions = aliases = { kind: "unknown", reason };
            } else {
                versions = kinds.versions ? await lookUpModelVersions(fullName, { provider }) : undefined;
                aliases = kinds.aliases ? await lookUpModelAliases(fullName, { provider }) : undefined;
            }
            const decision = decideServing(fullName, p.serving.routes, versions, aliases);
            if (!decision.serve) {
                if ("error" in decision) {
                    throw configProblem(
                        ["projects", i, "serving", "routes", decision.error.routeIndex, "alias"],
                        decision.error.message,
                        locate,
                    );
                }
                void pulumi.log.warn(decision.reason);
                return undefined;
            }
            if (decision.warning) void pulumi.log.warn(decision.warning);
            return p.serving.routes.map((r, j) => ({
                key: routeKey(r),
                version: decision.versions[j] ?? aliasAtDeploy(fullName, r.alias as string, provider),
                trafficPercentage: r.trafficPercentage,
            }));
        }),
    );

    const shared = workspaceShared(settings, presets, access, providers);

    const workspaceRootPath =
        settings.workspaceRootPath ??
        (settings.mode === "development" ? "/Users/${workspace.current_user.userName}/.bundle" : "/Shared/.bundle");

    const projects: Record<string, unknown> = {};
    for (const [i, p] of settings.projects.entries()) {
        // Let the registrations of the projects declared so far proceed before the next one:
        // declared all at once, every resource's promises wait together (some 4 MB a project; a
        // stack of 1,000 projects ran out of heap).
        await new Promise<void>((resolve) => setImmediate(resolve));
        const project = new MlProject(
            p.name,
            {
                project: p,
                environment: settings.environment,
                catalog: settings.catalog,
                presets,
                cluster: clusterSettings(settings),
                clusterPolicyId: shared.clusterPolicyId,
                sqlWarehouseId: shared.sqlWarehouseId,
                access,
                failureEmails: settings.failureEmails,
                tags: settings.tags,
                workspaceRootPath,
                workloadDir: workloadDirs[i],
                landingUrl: workspace?.landing.url,
                servedRoutes: served[i],
            },
            // A renamed project keeps its resources: the component answers to its old names, and
            // the engine carries the alias to every child whose name starts with the project's
            // (pulumi/pulumi pkg/resource/deploy/step_generator.go, inheritedChildAlias).
            { providers, aliases: p.previousNames.map((name) => ({ name })) },
        );
        projects[p.name] = {
            trainingJobId: project.trainingJobId,
            inferenceJobId: project.inferenceJobId,
            experimentPath: project.experimentPath,
            modelFullName: project.modelFullName,
            endpointName: project.endpointName,
            trainingDataPath: project.trainingDataPath,
        };
    }

    return {
        environment: settings.environment,
        mode: settings.mode,
        workspaceMode: settings.workspace.mode,
        ...(workspace
            ? {
                  workspaceUrl: workspace.foundation.workspaceUrl,
                  workspaceResourceId: workspace.foundation.workspaceResourceId,
                  landingUrl: workspace.landing.url,
              }
            : {}),
        clusterPolicyId: shared.clusterPolicyId,
        sqlWarehouseId: shared.sqlWarehouseId,
        projects,
    };
}

/**
 * A project's workload folder, relative to this program's folder, with every entry point its
 * jobs run: a missing one is a config error naming the project and the file.
 */
function workloadDir(project: string, dir: string, index: number, locate: Locate): string {
    const abs = path.resolve(PROGRAM_DIR, dir);
    const missing = Object.values(WORKLOAD_ENTRY_POINTS).filter((f) => !fs.existsSync(path.join(abs, f)));
    if (missing.length > 0) {
        throw configProblem(
            ["projects", index, "workload", "dir"],
            `expected ${dir}/${missing[0]} (an entry point the jobs of ${project} run), found ${fs.existsSync(abs) ? "no such file" : "no such folder"}`,
            locate,
        );
    }
    return abs;
}

/** The job-cluster settings the stack gives every project (and the policy bounds). */
function clusterSettings(s: Settings): ClusterSettings {
    return {
        sparkVersion: s.sparkVersion,
        nodeTypes: s.nodeTypes,
        nodeType: s.nodeType,
        numWorkers: s.numWorkers,
        maxWorkers: s.maxWorkers,
        autoterminationMinutes: s.autoterminationMinutes,
        sparkConf: s.sparkConf,
    };
}

/** The deploying user from the provider's answer; an empty answer is an error, not a user. */
function toCurrentUser(u: { userName?: string }): CurrentUser {
    if (!u?.userName) {
        throw new pulumi.RunError(
            "the Databricks provider answered no current user: check databricks:host and the credentials",
        );
    }
    return { userName: u.userName, shortName: shortUserName(u.userName) };
}

/**
 * Asks the workspace who deploys. `undefined` when a created workspace's provider cannot be
 * configured yet (an invoke on it answers nothing in a preview): the user is then an output
 * known once the provider is.
 */
async function currentUser(
    provider: databricks.Provider | undefined,
    created: boolean,
): Promise<CurrentUser | undefined> {
    const answer = await databricks.getCurrentUser({}, { provider });
    if (!answer?.userName && created && pulumi.runtime.isDryRun()) return undefined;
    return toCurrentUser(answer);
}

/**
 * The version an alias points at, asked at deploy: in a preview whose workspace provider cannot
 * be configured yet it is unknown ("known after apply"); during `pulumi up` the provider answers.
 * Without a provider of this program's (the default one), nothing can answer later: stop.
 */
function aliasAtDeploy(
    fullName: string,
    alias: string,
    provider: databricks.Provider | undefined,
): pulumi.Output<string> {
    if (!provider) {
        throw new pulumi.RunError(`cannot resolve alias ${alias} of model ${fullName}: the workspace answered nothing`);
    }
    return provider.id.apply(() =>
        databricks.getRegisteredModelOutput({ fullName, includeAliases: true }, { provider }).apply((r) => {
            const version = aliasVersions(r.modelInfos?.[0]?.aliases ?? [])[alias];
            if (version === undefined) throw new pulumi.RunError(`model ${fullName} has no alias ${alias}`);
            return version;
        }),
    );
}

/** `catalog.schema.model` of a project, as the mode names it (prefixed in development mode). */
function modelFullName(settings: Settings, p: Settings["projects"][number], user: CurrentUser | undefined): string {
    const uc = (name: string) =>
        user || settings.mode === "production"
            ? ucNameFor(settings.mode, user?.shortName ?? "", name)
            : `dev_<short_name>_${name}`;
    return [settings.catalog, uc(p.schema), uc(p.modelName)].join(".");
}

/** The final serving endpoint names (with the development prefix) within the API's limit. */
function checkEndpointNames(settings: Settings, user: CurrentUser): void {
    settings.projects.forEach((p, i) => {
        const name = ucNameFor(settings.mode, user.shortName, baseEndpointName(p.name, settings.environment));
        if (name.length > ENDPOINT_NAME_MAX) {
            throw configProblem(
                ["projects", i, "name"],
                `expected a project name that keeps the serving endpoint name "${name}" (with the development prefix of ${user.userName}) within ${ENDPOINT_NAME_MAX} characters, found ${name.length}`,
            );
        }
    });
}

/**
 * What the workspace has once for every project: the cluster policy of the ML job clusters and
 * the SQL warehouse for table DDL and monitor dashboards, each created here (an admin deploys
 * it) or referenced by id (a non-admin can deploy).
 */
function workspaceShared(
    settings: Settings,
    presets: Presets,
    access: AccessGroups,
    providers: pulumi.ProviderResource[] | undefined,
): { clusterPolicyId: pulumi.Output<string>; sqlWarehouseId: pulumi.Output<string> } {
    const env = settings.environment;
    const base = pulumi.getProject();
    const tags = presets.tags({ ...settings.tags, environment: env });

    const clusterPolicyId =
        settings.clusterPolicy.mode === "existing"
            ? pulumi.output(settings.clusterPolicy.id as string)
            : new MlClusterPolicy(
                  "ml-cluster-policy",
                  {
                      policyName: presets.displayName(`${base}-ml-cluster-${env}`),
                      definition: tags.apply((customTags) => ({ ...clusterSettings(settings), customTags })),
                      permissions: clusterPolicyPermissions(access),
                  },
                  { providers },
              ).policyId;

    const w = settings.sqlWarehouse;
    const sqlWarehouseId =
        w.mode === "existing"
            ? pulumi.output(w.id as string)
            : new SqlWarehouse(
                  "sql-warehouse",
                  {
                      warehouseName: presets.displayName(`${base}-sql-${env}`),
                      clusterSize: w.size,
                      autoStopMinutes: w.autoStopMinutes,
                      tags,
                      permissions: sqlWarehousePermissions(access),
                  },
                  { providers },
              ).warehouseId;

    return { clusterPolicyId, sqlWarehouseId };
}

/**
 * The Azure foundation, the provider bound to its workspace, and the Databricks side of the
 * landing zone; and whether the workspace already exists (it is asked of Azure, which the
 * default azure-native provider can always answer).
 */
async function createdWorkspace(settings: Settings, access: AccessGroups) {
    const azure = azureNative(); // loaded only when a stack creates its workspace
    const w = settings.workspace;
    // The schema guarantees these in created mode.
    const location = w.location as string;
    const owner = w.owner as string;
    const baseName = w.baseName ?? pulumi.getProject();

    const client = await azure.authorization.getClientConfig();
    const names = azureNames(baseName, settings.environment, client.subscriptionId);
    const existing = await azure.databricks
        .getWorkspace({ resourceGroupName: names.resourceGroup, workspaceName: names.workspace })
        .then(
            (found) => found,
            (err: unknown) => {
                if (isAzureNotFound(err)) return undefined;
                throw err;
            },
        );

    const production = settings.mode === "production";
    const foundation = new AzureFoundation("foundation", {
        names,
        location,
        subscriptionId: client.subscriptionId,
        landingContainer: w.landingContainer ?? "landing",
        tags: { ...settings.tags, environment: settings.environment, project: baseName, owner },
        production,
    });
    // The provider is configured from what Azure said of the existing workspace, not from the
    // workspace resource: a pending change to the workspace makes its outputs unknown in a
    // preview, and a provider with unknown settings answers every lookup with nothing and turns
    // every name that depends on the user unknown. A new workspace has only its outputs.
    const known = existing?.workspaceUrl && existing.id ? existing : undefined;
    const provider = new databricks.Provider("workspace", {
        host: known ? `https://${known.workspaceUrl}` : foundation.workspaceUrl,
        azureWorkspaceResourceId: known ? known.id : foundation.workspaceResourceId,
    });
    const landing = new LandingZone(
        "landing",
        {
            name: `${baseName.replace(/-/g, "_")}_${settings.environment}_landing`,
            accessConnectorId: foundation.accessConnectorId,
            url: foundation.landingUrl,
            grants: { credential: storageCredentialGrants(access), location: externalLocationGrants(access) },
            protect: production,
        },
        { providers: [provider] },
    );
    return { foundation, provider, landing, exists: existing !== undefined };
}
