import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundle } from "../bundle/cli";
import { buildPlan } from "../plan/plan";
import { program } from "../program";
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

const CLI = path.join(PROJECT_DIR, ".tools", "bin", "databricks");
const present = fs.existsSync(CLI);
const required = process.env.MLOPS_REQUIRE_DATABRICKS_CLI === "1";
const EXAMPLE = path.join(PROJECT_DIR, "examples", "ml-project-bundle");

const USERS = {
    dev: { id: "1", userName: "jane.doe@example.com", displayName: "Jane Doe", active: true },
    // Production deploys as the jobs' service principal (bundles refuse an endpoint or a monitor
    // whose run_as is not the deploying identity).
    prod: { id: "2", userName: "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c", displayName: "sp-ml-prod", active: true },
};

let server: http.Server;
let url = "";
let user: (typeof USERS)["dev"] = USERS.dev;
const calls: string[] = [];

beforeAll(async () => {
    server = http.createServer((req, res) => {
        const route = (req.url ?? "").split("?")[0];
        calls.push(`${req.method} ${route}`);
        const json = (body: unknown, status = 200) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (route === "/.well-known/databricks-config")
            return json({ workspace_id: "1234567890123456", oidc_endpoint: `${url}/oidc` });
        if (route === "/api/2.0/preview/scim/v2/Me") return json(user);
        if (route === "/api/2.0/workspace/get-status") {
            return json({
                object_type: "DIRECTORY",
                object_id: 1,
                path: new URL(req.url ?? "", url).searchParams.get("path"),
            });
        }
        if (route.startsWith("/api/2.0/permissions/directories/"))
            return json({ object_id: "directories/1", access_control_list: [] });
        return json({ error_code: "NOT_FOUND", message: `the fixture does not answer ${route}` }, 404);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** `databricks bundle validate -o json -t <target>` of the example, its hosts pointed at the fixture. */
async function validate(target: "dev" | "prod"): Promise<Record<string, any>> {
    user = USERS[target];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-dab-"));
    fs.cpSync(EXAMPLE, dir, { recursive: true });
    const root = path.join(dir, "databricks.yml");
    fs.writeFileSync(root, fs.readFileSync(root, "utf8").replace(/https:\/\/adb-[0-9.]+azuredatabricks\.net/g, url));
    // Asynchronously: the fixture server answers in this process.
    const child = spawn(CLI, ["bundle", "validate", "-o", "json", "-t", target], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir, DATABRICKS_HOST: url, DATABRICKS_TOKEN: "dapi-fixture" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`databricks bundle validate -t ${target} failed:\n${stderr}`);
    return JSON.parse(stdout) as Record<string, any>;
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

/** The group entries of an access control list, as `group level` lines. */
function groups(
    list: { group_name?: string; groupName?: string; level?: string; permissionLevel?: string }[],
): string[] {
    return list
        .filter((e) => (e.group_name ?? e.groupName) !== undefined)
        .map((e) => `${e.group_name ?? e.groupName} ${e.level ?? e.permissionLevel}`)
        .sort();
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
