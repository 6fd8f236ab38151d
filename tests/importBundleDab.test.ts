import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundle } from "../bundle/cli";
import { buildPlan } from "../plan/plan";
import { program } from "../program";
import { groups } from "./dabCompare";
import { cliPresent, cliRequired, FixtureWorkspace, USERS as ROLES } from "./dabValidate";
import { PROJECT_DIR } from "./harness";

/**
 * The Databricks CLI's own resolution of the example bundle (`databricks bundle validate -o json`)
 * against the plan of the imported stack, resource by resource: names, prefixes, pause states,
 * run_as, permissions, tags. The CLI is built from the Go module proxy into .tools/bin (see
 * docs/migrating-from-bundles.md); without it these tests are skipped, unless
 * MLOPS_REQUIRE_DATABRICKS_CLI=1 (CI) makes its absence a failure.
 *
 * The CLI talks to a small local server: validate asks for the host's metadata
 * (`/.well-known/databricks-config`), the current user (`/api/2.0/preview/scim/v2/Me`), the status
 * of the bundle's workspace folders (`/api/2.0/workspace/get-status`) and, for a user's folder in
 * development mode, its permissions (`/api/2.0/permissions/directories/<id>`).
 */

const present = cliPresent;
const required = cliRequired;
const EXAMPLE = path.join(PROJECT_DIR, "examples", "ml-project-bundle");

const USERS = {
    dev: ROLES.developer,
    // Production deploys as the jobs' service principal (bundles refuse an endpoint or a monitor
    // whose run_as is not the deploying identity).
    prod: ROLES.ci,
};

const workspace = new FixtureWorkspace();
beforeAll(() => workspace.start());
afterAll(() => workspace.stop());
const calls = workspace.calls;

/** `databricks bundle validate -o json -t <target>` of the example, its hosts pointed at the fixture. */
function validate(target: "dev" | "prod"): Promise<Record<string, any>> {
    return workspace.validate(EXAMPLE, target, USERS[target]);
}

async function importedPlan(target: string, userName: string) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-dab-import-"));
    const outcome = await importBundle({ bundleDir: EXAMPLE, out, states: {}, user: userName });
    expect(outcome.exitCode).toBe(0);
    const doc = await buildPlan(program, { projectDir: out, stack: target, currentUser: userName });
    const named = (type: string, name: string) => {
        const s = doc.steps.find((x) => x.newState.type === `databricks:index/${type}` && x.urn.endsWith(`::${name}`));
        if (!s) throw new Error(`no ${type} ${name} in the plan`);
        return s.newState.inputs as Record<string, any>;
    };
    return { named, doc };
}

const noWorkspace = (p: string) => p.replace(/^\/Workspace(?=\/)/, "");

describe.skipIf(!present && !required)("against the Databricks CLI's own resolution", () => {
    it("has the CLI (set MLOPS_REQUIRE_DATABRICKS_CLI=0 or build it: see docs/migrating-from-bundles.md)", () => {
        expect(present).toBe(true);
    });

    it.each(["dev", "prod"] as const)(
        "%s: every resource the CLI resolves, the plan declares the same",
        async (target) => {
            const dab = await validate(target);
            const { named } = await importedPlan(target, USERS[target].userName);
            const r = dab.resources;
            const jobs: [string, string][] = [
                ["training_pipeline", "ml-project-training"],
                ["batch_inference", "ml-project-inference"],
            ];
            for (const [key, urn] of jobs) {
                const d = r.jobs[key];
                const p = named("job:Job", urn);
                expect(p.name, key).toBe(d.name);
                expect(p.maxConcurrentRuns ?? 1, key).toBe(d.max_concurrent_runs ?? 1);
                expect(p.queue, key).toEqual({ enabled: d.queue.enabled });
                // The program adds the project and environment tags: the CLI's are a subset.
                expect(p.tags, key).toMatchObject(d.tags);
                expect(p.runAs?.servicePrincipalName, key).toBe(d.run_as?.service_principal_name);
                expect(
                    groups(p.accessControls ?? named("permissions:Permissions", `${urn}-perms`).accessControls),
                    key,
                ).toEqual(groups(d.permissions));
                if (d.trigger) expect(p.trigger.pauseStatus, key).toBe(d.trigger.pause_status);
                if (d.schedule) {
                    expect(p.schedule.pauseStatus, key).toBe(d.schedule.pause_status ?? "UNPAUSED");
                    expect(p.schedule.quartzCronExpression, key).toBe(d.schedule.quartz_cron_expression);
                }
                const cluster = d.job_clusters[0].new_cluster;
                const pc = p.jobClusters[0].newCluster;
                expect([pc.sparkVersion, pc.nodeTypeId, pc.numWorkers, pc.dataSecurityMode, pc.sparkConf], key).toEqual(
                    [
                        cluster.spark_version,
                        cluster.node_type_id,
                        cluster.num_workers,
                        cluster.data_security_mode,
                        cluster.spark_conf,
                    ],
                );
            }
            const experiment = named("mlflowExperiment:MlflowExperiment", "ml-project-experiment");
            expect(experiment.name).toBe(r.experiments.training_experiment.name);
            expect(groups(named("permissions:Permissions", "ml-project-experiment-perms").accessControls)).toEqual(
                groups(r.experiments.training_experiment.permissions),
            );
            expect(named("schema:Schema", "ml-project-model-schema").name).toBe(r.schemas.ml_data.name);
            const model = named("registeredModel:RegisteredModel", "ml-project-model");
            expect([model.catalogName, model.name, model.comment]).toEqual([
                r.registered_models.main_model.catalog_name,
                r.registered_models.main_model.name,
                r.registered_models.main_model.comment,
            ]);
            expect(named("volume:Volume", "ml-project-model-volume").name).toBe(r.volumes.input.name);
            const endpoint = named("modelServing:ModelServing", "ml-project-endpoint");
            const served = r.model_serving_endpoints.prediction_api;
            expect(endpoint.name).toBe(served.name);
            expect(
                endpoint.config.servedEntities.map((e: any) => [e.entityVersion, e.workloadSize, e.scaleToZeroEnabled]),
            ).toEqual(
                served.config.served_entities.map((e: any) => [
                    e.entity_version,
                    e.workload_size,
                    e.scale_to_zero_enabled,
                ]),
            );
            expect(groups(named("permissions:Permissions", "ml-project-endpoint-perms").accessControls)).toEqual(
                groups(served.permissions),
            );
            const monitor = named("qualityMonitor:QualityMonitor", "ml-project-monitor");
            const m = r.quality_monitors.inference_monitor;
            expect(noWorkspace(monitor.assetsDir)).toBe(noWorkspace(m.assets_dir));
            // In development mode both leave a paused monitor schedule out.
            expect(monitor.schedule?.quartzCronExpression).toBe(m.schedule?.quartz_cron_expression);
            expect(monitor.inferenceLog).toMatchObject({
                problemType: m.inference_log.problem_type,
                predictionCol: m.inference_log.prediction_col,
                labelCol: m.inference_log.label_col,
                modelIdCol: m.inference_log.model_id_col,
                timestampCol: m.inference_log.timestamp_col,
                granularities: m.inference_log.granularities,
            });
            expect(monitor.slicingExprs).toEqual(m.slicing_exprs);
        },
    );

    it("validate made only the calls the fixture answers", () => {
        expect([...new Set(calls)].sort()).toEqual(
            [
                "GET /.well-known/databricks-config",
                "GET /api/2.0/permissions/directories/1",
                "GET /api/2.0/preview/scim/v2/Me",
                "GET /api/2.0/workspace/get-status",
            ].sort(),
        );
    });
});
