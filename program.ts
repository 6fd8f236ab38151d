import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import {
    type AccessGroups,
    AzureFoundation,
    azureNames,
    decideServing,
    existingModelVersions,
    externalLocationGrants,
    isAzureNotFound,
    LandingZone,
    MlProject,
    Presets,
    shortUserName,
    storageCredentialGrants,
} from "./components";
import { azureNative } from "./components/azureNative";
import { configProblem, loadSettings } from "./config/load";
import type { Settings } from "./config/schema";

/**
 * The program `pulumi up` runs, and the very one the offline plan and the tests run under mocks.
 * It reads and checks the whole stack configuration before it declares any resource.
 */
export async function program(): Promise<Record<string, unknown>> {
    const settings = loadSettings();
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

    // The deploying identity names dev resources (`[dev <short_name>]`) and user-scoped paths.
    // A created workspace is asked once it exists: before that (a first preview) the engine
    // would answer an invoke on its still-unknown provider with nothing, so the user stays
    // unknown ("known after apply") instead.
    const currentUser = workspace
        ? workspace.foundation.workspaceUrl.apply(() => databricks.getCurrentUserOutput({}, { provider }))
        : databricks.getCurrentUserOutput();
    const user = currentUser.apply((u) => ({ userName: u.userName, shortName: shortUserName(u.userName) }));
    const presets = new Presets(settings.mode, user);

    // Decide, per project, whether the served model versions exist (mlops-stacks#217). A
    // workspace that does not exist yet has no model versions, and cannot be asked.
    const decisions = await Promise.all(
        settings.projects.map(async (p) => {
            const fullName = `${settings.catalog}.${p.schema}.${p.modelName}`;
            const existing =
                workspace && !workspace.exists ? undefined : await existingModelVersions(fullName, { provider });
            return { fullName, decision: decideServing(fullName, p.serving.routes, existing) };
        }),
    );
    decisions.forEach(({ fullName, decision }, i) => {
        if ("error" in decision) {
            const { routeIndex, version, existing } = decision.error;
            throw configProblem(
                ["projects", i, "serving", "routes", routeIndex, "version"],
                `expected a version of ${fullName} that exists (${existing.join(", ")}), found "${version}"`,
            );
        }
        if ("reason" in decision) void pulumi.log.warn(decision.reason);
    });

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
                cluster: {
                    sparkVersion: settings.sparkVersion,
                    nodeTypes: settings.nodeTypes,
                    nodeType: settings.nodeType,
                    numWorkers: settings.numWorkers,
                    maxWorkers: settings.maxWorkers,
                    autoterminationMinutes: settings.autoterminationMinutes,
                    sparkConf: settings.sparkConf,
                },
                access,
                failureEmails: settings.failureEmails,
                tags: settings.tags,
                workspaceRootPath,
                sqlWarehouseId: settings.sqlWarehouseId,
                landingUrl: workspace?.landing.url,
                serve: decisions[i].decision.serve,
            },
            { providers: provider ? [provider] : undefined },
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
        projects,
    };
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
    const exists = await azure.databricks
        .getWorkspace({ resourceGroupName: names.resourceGroup, workspaceName: names.workspace })
        .then(
            () => true,
            (err: unknown) => {
                if (isAzureNotFound(err)) return false;
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
    const provider = new databricks.Provider("workspace", {
        host: foundation.workspaceUrl,
        azureWorkspaceResourceId: foundation.workspaceResourceId,
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
    return { foundation, provider, landing, exists };
}
