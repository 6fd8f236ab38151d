import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { decideServing, existingModelVersions, MlProject, Presets, shortUserName } from "./components";
import { configProblem, loadSettings } from "./config/load";

/**
 * The program `pulumi up` runs, and the very one the offline plan and the tests run under mocks.
 * It reads and checks the whole stack configuration before it declares any resource.
 */
export async function program(): Promise<Record<string, unknown>> {
    const settings = loadSettings();

    // The deploying identity names dev resources (`[dev <short_name>]`) and user-scoped paths.
    const user = databricks
        .getCurrentUserOutput()
        .apply((u) => ({ userName: u.userName, shortName: shortUserName(u.userName) }));
    const presets = new Presets(settings.mode, user);

    // Decide, per project, whether the served model versions exist (mlops-stacks#217).
    const decisions = await Promise.all(
        settings.projects.map(async (p) => {
            const fullName = `${settings.catalog}.${p.schema}.${p.modelName}`;
            return {
                fullName,
                decision: decideServing(fullName, p.serving.routes, await existingModelVersions(fullName)),
            };
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
    settings.projects.forEach((p, i) => {
        const project = new MlProject(p.name, {
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
            access: {
                managers: settings.managerGroups,
                runners: settings.runnerGroups,
                viewers: settings.viewerGroups,
                runAsServicePrincipal: settings.runAs?.servicePrincipalName,
            },
            failureEmails: settings.failureEmails,
            tags: settings.tags,
            workspaceRootPath,
            serve: decisions[i].decision.serve,
        });
        projects[p.name] = {
            trainingJobId: project.trainingJobId,
            inferenceJobId: project.inferenceJobId,
            experimentPath: project.experimentPath,
            modelFullName: project.modelFullName,
            endpointName: project.endpointName,
            trainingDataPath: project.trainingDataPath,
        };
    });

    return { environment: settings.environment, mode: settings.mode, projects };
}
