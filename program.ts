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
    existenceFinding,
    lookUpRegisteredModel,
    lookUpSchema,
    externalLocationGrants,
    isAzureNotFound,
    LandingZone,
    lookUpModel,
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
    lookUpEndpoint,
    settleMissing,
    devNamePrefix,
    routeKey,
    routeKinds,
    type ServedRoute,
    WORKLOAD_ENTRY_POINTS,
    projectCode,
} from "./components";
import { azureNative } from "./components/workspace/azureNative";
import {
    type DeployProblem,
    deployerAccessProblem,
    deployerProblem,
    deployingPrincipalOf,
    isOfflinePlan,
    principalDeployerProblem,
    placeholderProblems,
    providerSettingsOf,
    templateProblem,
} from "./config/deployChecks";
import { ConfigError, configProblem, formatKey, type Locate, loadConfig, stackFileSource } from "./config/load";
import { serverlessEnvironmentVersionOf } from "./config/jobs";
import { ENDPOINT_NAME_MAX, modelOwnerOf, principalHomes, projectEndpointName, type Settings } from "./config/schema";

/** This program's folder: a workload folder the project folder does not hold is relative to it. */
const PROGRAM_DIR = __dirname;

/**
 * The program `pulumi up` runs, and the very one the offline plan and the tests run under mocks.
 * It reads and checks the whole stack configuration, and asks the workspace what it must know
 * (the deploying user, the model versions), before it declares any project resource.
 *
 * Every message it logs is awaited before it goes on: `pulumi.log` sends each message to the
 * engine as an RPC of its own (@pulumi/pulumi `log/index.ts`), and a message still in flight
 * when a resource fails the update is lost with the engine's channel ("failed to deliver log
 * message ... Channel has been shut down"). Awaited, it is delivered before any resource is
 * declared.
 */
export async function program(): Promise<Record<string, unknown>> {
    const { settings: configured, locate } = loadConfig();
    // Before the provider is asked anything: a placeholder host or id fails late and obscurely.
    stopOn(
        [
            ...placeholderProblems(configured, providerSettingsOf(pulumi.runtime.allConfig())),
            templateProblem(configured, pulumi.getStack()),
        ],
        locate,
    );
    const settings = await withRunAsResolved(configured, locate);
    const workloadDirs = settings.projects.map((p, i) => workloadDir(p, i, locate));
    const access: AccessGroups = {
        managers: settings.managerGroups,
        runners: settings.runnerGroups,
        viewers: settings.viewerGroups,
        runAsServicePrincipal: settings.runAs?.servicePrincipalName,
        deployingPrincipal: deployingPrincipalOf(settings),
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
    if (knownUser) {
        checkEndpointNames(settings, knownUser);
        await checkDeployer(settings, knownUser, locate);
    }
    if (canAsk) await checkExisting(settings, knownUser, provider, locate);

    // Decide, per project, whether and what to serve (mlops-stacks#217): the configured versions
    // exist, the aliases resolve to versions. Where the model lacks what a route names, a new
    // endpoint is deferred and a live one keeps serving what it serves; everything else deploys.
    const served = await Promise.all(
        settings.projects.map(async (p): Promise<Serving> => {
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
                ({ versions, aliases } = await lookUpModel(fullName, kinds, { provider }));
            }
            const decision = decideServing(fullName, p.serving.routes, versions, aliases);
            if (!decision.serve) {
                const name = endpointNameOf(settings, p, knownUser);
                // A workspace that does not exist yet has no endpoint.
                const endpoint = canAsk ? await lookUpEndpoint(name, { provider }) : ({ kind: "absent" } as const);
                const settled = settleMissing(decision.missing, name, endpoint, {
                    modelName: p.modelName,
                    routes: p.serving.routes,
                    toRun: whatToRun(settings, p, knownUser),
                });
                await pulumi.log.warn(settled.warning);
                return settled.action === "defer" ? { routes: undefined } : { routes: settled.routes, keepLive: true };
            }
            if (decision.warning) await pulumi.log.warn(decision.warning);
            return {
                routes: p.serving.routes.map((r, j) => ({
                    key: routeKey(r),
                    version: decision.versions[j] ?? aliasAtDeploy(fullName, r.alias as string, provider),
                    trafficPercentage: r.trafficPercentage,
                })),
            };
        }),
    );

    const shared = workspaceShared(settings, presets, access, providers);

    const workspaceRootPath = settings.workspaceRootPath ?? defaultWorkspaceRoot(settings);
    const owner = modelOwnerOf(settings);
    const modelOwner =
        owner === "deployer" ? undefined : owner === "runAs" ? settings.runAs?.servicePrincipalName : owner.group;

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
                serverlessEnvironmentVersion: serverlessEnvironmentVersionOf(settings),
                sqlWarehouseId: shared.sqlWarehouseId,
                access,
                failureEmails: settings.failureEmails,
                tags: settings.tags,
                workspaceRootPath,
                modelOwner,
                workloadDir: workloadDirs[i],
                landingUrl: workspace?.landing.url,
                servedRoutes: served[i].routes,
                keepLiveServing: served[i].keepLive,
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
 * The code root when the stack sets none: the deploying user's home in development mode; in
 * production mode the `runAs` principal's own home, which only the principal and the workspace
 * admins can write (Databricks Asset Bundles advise `/Workspace/Users/<principal>/.bundle/...`
 * for production, databricks/cli `bundle/config/mutator/process_target_mode.go`, and warn of a
 * root under /Shared, which every workspace user can change, `bundle/permissions/validate.go`).
 */
function defaultWorkspaceRoot(settings: Settings): string {
    const principal = settings.runAs?.servicePrincipalName;
    if (settings.mode === "production" && principal !== undefined) return `${principalHomes(principal)[0]}/.bundle`;
    // Development mode, mode none, and production mode deployed by the principal itself: the
    // deploying identity's home, DAB's default `~/.bundle` (mutator/default_workspace_root.go).
    return "/Users/${workspace.current_user.userName}/.bundle";
}

/**
 * `runAs` with its application id: as configured, or looked up by the principal's display name
 * (`runAs.displayName` alone, as a bundle's `run_as.service_principal_name: sp-ml-prod` names
 * it), before anything that grants it or runs as it is declared. A lookup that fails stops the
 * deploy naming the key: permissions and grants take the application id, never the display name.
 * Under the offline plan's mocks the id is a stand-in, and a note says so.
 */
async function withRunAsResolved(settings: Settings, locate: Locate): Promise<Settings> {
    const runAs = settings.runAs;
    if (runAs === undefined || runAs.servicePrincipalName !== undefined) return settings;
    const displayName = runAs.displayName as string;
    if (settings.workspace.mode === "created") {
        throw configProblem(
            ["runAs", "servicePrincipalName"],
            `expected the application id of ${displayName} with a workspace this stack creates (the principal cannot be looked up by name before the workspace exists), found only runAs.displayName`,
            locate,
        );
    }
    let applicationId: string | undefined;
    let reason = "no application id in the answer";
    try {
        applicationId = (await databricks.getServicePrincipal({ displayName })).applicationId;
    } catch (err) {
        reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    }
    if (!applicationId) {
        throw configProblem(
            ["runAs", "displayName"],
            `expected a service principal named "${displayName}" in the workspace (\`databricks service-principals list\`), found none: ${reason}; or set runAs.servicePrincipalName to its application id`,
            locate,
        );
    }
    if (isOfflinePlan()) {
        // A warning, so that the offline plan's diagnostics show it: an id the mocks made up.
        await pulumi.log.warn(
            `runAs.displayName "${displayName}": the offline plan's mocks answer the lookup with the stand-in application id ${applicationId}; a deploy uses the workspace's answer`,
        );
    }
    return { ...settings, runAs: { ...runAs, servicePrincipalName: applicationId } };
}

/**
 * Stops on the problems only a real deploy has (see config/deployChecks.ts), each named with its
 * file and key. Under the offline plan's mocks they do not apply: the plan CLI notes them.
 */
function stopOn(found: (DeployProblem | undefined)[], locate: Locate): void {
    const problems = found.filter((p): p is DeployProblem => p !== undefined);
    if (problems.length === 0 || isOfflinePlan()) return;
    const lines = problems.map((p) => `${locateProblem(p, locate)}: ${p.message}`);
    throw new ConfigError(
        `invalid stack configuration for a deploy (${lines.length} problem${lines.length === 1 ? "" : "s"}):\n  ${lines.join("\n  ")}`,
        lines,
    );
}

/**
 * The deploying identity against `modelOwner` and the access lists: `pulumi up` as another
 * identity (or, with a group owner, as the principal) stops before any resource is declared; a
 * preview only warns, since a read-only identity (a pull request's, the drift check's) may
 * preview what only the principal deploys.
 */
async function checkDeployer(settings: Settings, user: CurrentUser, locate: Locate): Promise<void> {
    const problem =
        deployerProblem(settings, user.userName) ??
        deployerAccessProblem(settings, user.userName) ??
        principalDeployerProblem(settings, user.userName);
    if (problem === undefined || isOfflinePlan()) return;
    if (!pulumi.runtime.isDryRun()) return stopOn([problem], locate);
    await pulumi.log.warn(
        `${locateProblem(problem, locate)}: this preview runs as ${user.userName}, who can preview but not deploy the stack: ${problem.message}`,
    );
}

/** Where a problem's key is set: a provider key (`databricks:host`) belongs in the stack file. */
function locateProblem(p: DeployProblem, locate: Locate): string {
    const key = String(p.path[0]);
    if (!key.includes(":")) return locate(p.path);
    const stack = pulumi.getStack();
    return `${stackFileSource(stack, pulumi.getProject())(key)}: ${formatKey(key.split(":")[0], [key.split(":")[1]])}`;
}

/**
 * A project's workload folder, with every file its jobs run: the entry points of the program's
 * default tasks and the notebooks and files the configured tasks name. A missing one is a config
 * error naming the project and the file. The folder is the project folder's own (the folder of
 * the stack files, where `pulumi up` and the offline plan run the program) when it has one of
 * that name, such as an imported bundle's notebooks; otherwise this program's (`workloads/churn`).
 */
function workloadDir(p: Settings["projects"][number], index: number, locate: Locate): string {
    const dir = p.workload.dir;
    const own = path.resolve(process.cwd(), dir);
    const abs = fs.existsSync(own) ? own : path.resolve(PROGRAM_DIR, dir);
    const code = projectCode(p);
    const needed = [
        ...code.entryPoints.map((k) => ({ file: WORKLOAD_ENTRY_POINTS[k], what: "an entry point the jobs" })),
        ...[...code.taskNotebooks, ...code.taskFiles].map((file) => ({ file, what: "a file the configured tasks" })),
    ];
    const missing = needed.find((n) => !fs.existsSync(path.join(abs, n.file)));
    if (missing) {
        throw configProblem(
            ["projects", index, "workload", "dir"],
            `expected ${dir}/${missing.file} (${missing.what} of ${p.name} run), found ${fs.existsSync(abs) ? "no such file" : "no such folder"}`,
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

/** What a project's endpoint serves: its routes (none: deferred), and whether a live endpoint is held as it is. */
interface Serving {
    routes: ServedRoute[] | undefined;
    keepLive?: boolean;
}

/**
 * What gives the model the version or alias its routes name: the training job (its evaluation
 * sets `challenger` and `champion`), or in a deploy-model production stack the promotion job.
 */
function whatToRun(settings: Settings, p: Settings["projects"][number], user: CurrentUser | undefined): string {
    const env = settings.environment;
    const job = (name: string) =>
        settings.mode === "development" ? `${devNamePrefix(user?.shortName ?? "<short_name>")}${name}` : name;
    if (settings.mode !== "development" && p.deployment === "model" && p.promotion) {
        return (
            `Run the promotion job "${job(`${p.name}-promotion-${env}`)}" (\`databricks jobs run-now <job id>\`): it copies ` +
            `${p.promotion.sourceModel}@${p.promotion.sourceAlias} into this model and sets challenger and champion when the copy passes the thresholds`
        );
    }
    // The default training job starts on files in the volume; a configured one as its config says.
    const t = p.training;
    const fileTriggered = t.schedule === undefined && (t.trigger === undefined || t.trigger.fileArrival !== undefined);
    const registers = t.tasks?.find((task) => task.role === "registers")?.taskKey;
    return (
        `Run the training job "${job(`${p.name}-training-${env}`)}" (\`databricks jobs run-now <job id>\`${fileTriggered ? ", or drop a file into the training-data volume" : ""}): ` +
        (registers === undefined
            ? "it registers a version, and its evaluation sets challenger and champion when the version passes the thresholds"
            : `its task ${registers} registers a version, and the tasks after it set the aliases the routes name`)
    );
}

/**
 * The schemas and models projects use without creating them (`existing`) are there: one that is
 * not stops `pulumi up` before anything is declared (it would fail later, halfway); a preview
 * warns. A lookup that cannot tell only warns: nothing declared depends on it.
 */
async function checkExisting(
    settings: Settings,
    user: CurrentUser | undefined,
    provider: databricks.Provider | undefined,
    locate: Locate,
): Promise<void> {
    for (const [i, p] of settings.projects.entries()) {
        if (p.existing.length === 0) continue;
        const full = modelFullName(settings, p, user);
        const [catalog, schema] = full.split(".");
        const findings = [
            p.existing.includes("schema")
                ? existenceFinding(
                      "schema",
                      `${catalog}.${schema}`,
                      await lookUpSchema(`${catalog}.${schema}`, { provider }),
                  )
                : undefined,
            p.existing.includes("model") && !full.includes("<short_name>")
                ? existenceFinding("registered model", full, await lookUpRegisteredModel(full, { provider }))
                : undefined,
        ];
        for (const f of findings) {
            if (f === undefined) continue;
            if (f.level === "stop" && !pulumi.runtime.isDryRun() && !isOfflinePlan())
                throw configProblem(["projects", i, "existing"], f.message, locate);
            await pulumi.log.warn(`${locate(["projects", i, "existing"])}: ${f.message}`);
        }
    }
}

/** A project's serving endpoint name, as the mode names it (prefixed in development mode). */
function endpointNameOf(settings: Settings, p: Settings["projects"][number], user: CurrentUser | undefined): string {
    const base = projectEndpointName(p, settings.environment);
    return user || settings.mode !== "development"
        ? ucNameFor(settings.mode, user?.shortName ?? "", base)
        : `dev_<short_name>_${base}`;
}

/** `catalog.schema.model` of a project, as the mode names it (prefixed in development mode). */
function modelFullName(settings: Settings, p: Settings["projects"][number], user: CurrentUser | undefined): string {
    const uc = (name: string, existing: boolean) =>
        existing || user || settings.mode !== "development"
            ? ucNameFor(existing ? "none" : settings.mode, user?.shortName ?? "", name)
            : `dev_<short_name>_${name}`;
    return [
        settings.catalog,
        uc(p.schema, p.existing.includes("schema")),
        uc(p.modelName, p.existing.includes("model")),
    ].join(".");
}

/** The final serving endpoint names (with the development prefix) within the API's limit. */
function checkEndpointNames(settings: Settings, user: CurrentUser): void {
    settings.projects.forEach((p, i) => {
        const name = ucNameFor(settings.mode, user.shortName, projectEndpointName(p, settings.environment));
        if (name.length > ENDPOINT_NAME_MAX) {
            const pinned = p.serving.endpointName !== undefined;
            throw configProblem(
                pinned ? ["projects", i, "serving", "endpointName"] : ["projects", i, "name"],
                `expected ${pinned ? "an endpoint name" : "a project name"} that keeps the serving endpoint name "${name}" (with the development prefix of ${user.userName}) within ${ENDPOINT_NAME_MAX} characters, found ${name.length}`,
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

    // Protected as the project resources are (components/presets.ts, protect).
    const production = settings.mode !== "development";
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
