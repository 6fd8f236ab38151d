import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { diffPlans, isDestructiveType } from "../plan/diff";
import { evaluatePolicies, loadPolicyPack, readPolicyConfig } from "../plan/policy";
import type { PlanDocument } from "../plan/plan";
import { renderDiff } from "../plan/render";
import {
    PROJECT_DIR,
    planCli,
    planError,
    planStack,
    type PlanRun,
    stackFileConfig,
    tempDir,
    tempProject,
} from "./harness";

/**
 * What clients and people rely on is guarded like data: a serving endpoint (its name is its URL)
 * and a quality monitor count as destructive when replaced or deleted, in the offline diff's
 * `--fail-on-destroy` and in the policy pack; a pinned `serving.endpointName` keeps an endpoint
 * through a project rename. A monitor follows its config: what the API cannot update is pinned,
 * and a new table replaces the monitor rather than "update" a table that has none.
 */

const NS = "databricks-mlops";
const SERVING = "databricks:index/modelServing:ModelServing";
const MONITOR = "databricks:index/qualityMonitor:QualityMonitor";
const TABLE = "databricks:index/sqlTable:SqlTable";
const OLD = "ml-project";
const NEW = "churn";

type Config = Record<string, any>;

/** The fixture prod config with its project renamed (its old name in previousNames), the endpoint name pinned or not. */
function renamedProd(pin?: string): Config {
    const c = structuredClone(stackFileConfig("prod")) as Config;
    const p = c[`${NS}:projects`][0];
    p.name = NEW;
    p.previousNames = [OLD];
    if (pin !== undefined) p.serving.endpointName = pin;
    return c;
}

/** The fixture prod config with one edit. */
function editedProd(edit: (c: Config) => void): string {
    const c = structuredClone(stackFileConfig("prod")) as Config;
    edit(c);
    return tempProject("prod", c);
}

const stepOf = (doc: ReturnType<typeof diffPlans>, type: string) => doc.steps.filter((s) => stateType(s) === type);
const stateType = (s: { newState?: { type: string }; oldState?: { type: string } }) => (s.newState ?? s.oldState)?.type;

describe("serving.endpointName", () => {
    it("pins the endpoint's name", async () => {
        const c = structuredClone(stackFileConfig("prod")) as Config;
        c[`${NS}:projects`][0].serving.endpointName = "churn-scoring";
        const run = await planStack("prod", { projectDir: tempProject("prod", c) });
        expect(run.ofType(SERVING).map((e) => (e.inputs as any).name)).toEqual(["churn-scoring"]);
    });

    it("is prefixed in development mode, as every name", async () => {
        const c = structuredClone(stackFileConfig("dev")) as Config;
        c[`${NS}:projects`][0].serving.endpointName = "churn-scoring";
        const run = await planStack("dev", { projectDir: tempProject("dev", c) });
        expect(run.ofType(SERVING).map((e) => (e.inputs as any).name)).toEqual(["dev_jane_doe_churn-scoring"]);
    });

    it("refuses a name the API does not take, naming the file and the key", async () => {
        const c = structuredClone(stackFileConfig("prod")) as Config;
        c[`${NS}:projects`][0].serving.endpointName = "churn scoring";
        const err = await planError("prod", c);
        expect(err.message).toContain(
            "projects[0].serving.endpointName: expected a serving endpoint name of letters, digits, dashes and underscores, at most 63",
        );
        expect(err.message).toContain("Pulumi.prod.yaml");
    });

    it("refuses a pinned name that is another project's default, blaming the pin", async () => {
        const c = structuredClone(stackFileConfig("prod")) as Config;
        const [p] = c[`${NS}:projects`];
        c[`${NS}:projects`].push({
            ...structuredClone(p),
            name: "other",
            schema: "other_data",
            modelName: "other_model",
        });
        p.serving.endpointName = "other-api-prod";
        const err = await planError("prod", c);
        expect(err.message).toContain(
            `projects[0].serving.endpointName: expected a serving endpoint name no other project's endpoint has, found "other-api-prod", the endpoint of project other`,
        );
    });

    it("refuses a name another project's endpoint has", async () => {
        const c = structuredClone(stackFileConfig("prod")) as Config;
        const [p] = c[`${NS}:projects`];
        const other = { ...structuredClone(p), name: "other", schema: "other_data", modelName: "other_model" };
        other.serving.endpointName = `${OLD}-api-prod`;
        c[`${NS}:projects`].push(other);
        const err = await planError("prod", c);
        expect(err.message).toContain(
            `projects[1].serving.endpointName: expected a serving endpoint name no other project's endpoint has, found "${OLD}-api-prod", the endpoint of project ${OLD}`,
        );
    });
});

describe("a project renamed in config (previousNames)", () => {
    it("without a pinned endpoint name: the endpoint's replacement is destructive, named, with the key that keeps it", async () => {
        const base = await planStack("prod");
        const head = await planStack("prod", { projectDir: tempProject("prod", renamedProd()) });
        const diff = diffPlans(base.doc, head.doc);
        expect(diff.destructive.map((d) => [d.op, d.type])).toEqual([["replace", SERVING]]);
        expect(diff.destructive[0].reason).toBe(
            `replaced: name changed: the serving endpoint ${OLD}-api-prod goes, and the clients that call its URL fail; ` +
                "to keep it, pin its old name in the project's config (serving.endpointName, without the development prefix); " +
                "it is protected, so `pulumi up` stops until protection is lifted on purpose",
        );
        expect(renderDiff(diff, "prod", "base", false)).toContain(
            `+- ${SERVING}  ${NEW}-endpoint  [${NEW}-api-prod]: replaced: name changed: the serving endpoint ${OLD}-api-prod goes`,
        );
    });

    it("without previousNames either: the endpoint's delete is named, with both keys that keep it", async () => {
        const c = renamedProd();
        delete c[`${NS}:projects`][0].previousNames;
        const base = await planStack("prod");
        const head = await planStack("prod", { projectDir: tempProject("prod", c) });
        const [endpoint] = diffPlans(base.doc, head.doc).destructive.filter((d) => d.type === SERVING);
        expect(endpoint.op).toBe("delete");
        expect(endpoint.reason).toContain(`keep it with previousNames: [${OLD}] in project ${NEW}`);
        expect(endpoint.reason).toContain(
            `the serving endpoint ${OLD}-api-prod goes, and the clients that call its URL fail; to keep it, pin its old name in the project's config (serving.endpointName`,
        );
    });

    it("with the old name pinned: nothing destructive, and the monitor's dashboard folder does not move", async () => {
        const base = await planStack("prod");
        const head = await planStack("prod", { projectDir: tempProject("prod", renamedProd(`${OLD}-api-prod`)) });
        const diff = diffPlans(base.doc, head.doc);
        expect(diff.destructive).toEqual([]);
        expect(stepOf(diff, SERVING).map((s) => s.op)).toEqual(["same"]);
        // The default folder names the project; the monitor keeps the one it was created with.
        const [monitor] = stepOf(diff, MONITOR);
        expect((monitor.oldState?.inputs as any).assetsDir).not.toBe((monitor.newState?.inputs as any).assetsDir);
        expect(monitor.op).toBe("same");
    });

    describe("npm run plan -- --base <plan> --fail-on-destroy", () => {
        const basePlan = async () => {
            const file = path.join(tempDir(), "base.json");
            fs.writeFileSync(file, JSON.stringify((await planStack("prod", { user: "dev.user@example.com" })).doc));
            return file;
        };
        it.each([
            ["without a pinned endpoint name", 3, undefined],
            ["with the old endpoint name pinned", 0, `${OLD}-api-prod`],
        ])("%s exits %i", async (_what, code, pin) => {
            const dir = tempProject("prod", renamedProd(pin));
            const args = ["--stack", "prod", "--project-dir", dir, "--base", await basePlan(), "--fail-on-destroy"];
            const result = await planCli(args);
            expect(result.code).toBe(code);
            expect(result.stdout.includes(`[${NEW}-api-prod]: replaced`)).toBe(code === 3);
        });
    });
});

describe("removing a project", () => {
    it("names the endpoint and the monitor it would delete", async () => {
        const base = await planStack("prod");
        // The project leaves this stack's config (moved to another stack, or removed).
        const head = structuredClone(base.doc) as PlanDocument;
        head.steps = head.steps.filter((s) => !s.urn.includes("::mlops:databricks:MlProject"));
        const diff = diffPlans(base.doc, head);
        const live = diff.destructive.filter((d) => d.type === SERVING || d.type === MONITOR);
        expect(live.map((d) => [d.op, d.type, d.reason.split(";")[0]])).toEqual([
            [
                "delete",
                MONITOR,
                "deleted: it is no longer in the program: the monitor of prod_catalog.ml_data.inference_logs_processed goes (its metric tables and dashboard stay behind, no longer refreshed)",
            ],
            [
                "delete",
                SERVING,
                `deleted: it is no longer in the program: the serving endpoint ${OLD}-api-prod goes, and the clients that call its URL fail`,
            ],
        ]);
    });

    it.each([SERVING, MONITOR, "databricks:index/registeredModel:RegisteredModel"])(
        "%s is a destructive type",
        (type) => {
            expect(isDestructiveType(type)).toBe(true);
        },
    );
    it("a job is not", () => {
        expect(isDestructiveType("databricks:index/job:Job")).toBe(false);
    });
});

describe("the policy pack", () => {
    it.each([SERVING, MONITOR])(
        "requires a production %s to be protected, and the program protects it",
        async (type) => {
            const pack = await loadPolicyPack(path.join(PROJECT_DIR, "policy"));
            const config = readPolicyConfig(path.join(PROJECT_DIR, "policy", "config.prod.json"), pack);
            const run = await planStack("prod");
            expect(run.ofType(type).map((s) => s.protect)).toEqual([true]);
            const unprotected = structuredClone(run.doc) as PlanDocument;
            for (const s of unprotected.steps) if (s.newState.type === type) s.newState.protect = false;
            const violations = await evaluatePolicies(unprotected, pack, config);
            expect(violations.map((v) => [v.policyName, v.enforcementLevel, v.urn?.split("::").pop()])).toEqual([
                ["prod-stateful-protected", "mandatory", run.ofType(type)[0].urn.split("::").pop()],
            ]);
        },
    );

    it("leaves development endpoints and monitors unprotected", async () => {
        const run = await planStack("dev");
        expect([...run.ofType(SERVING), ...run.ofType(MONITOR)].map((s) => s.protect)).toEqual([false, false]);
    });
});

describe("a quality monitor follows its config", () => {
    const monitorOf = (run: PlanRun) => run.ofType(MONITOR)[0];

    it("pins what the API cannot update and is replaced, not updated, on a new table", async () => {
        const monitor = monitorOf(await planStack("prod"));
        expect(monitor.ignoreChanges).toEqual(["assetsDir", "warehouseId"]);
        expect(monitor.replaceOnChanges).toEqual(["tableName"]);
    });

    it.each([
        ["a new workspaceRootPath", (c: Config) => (c[`${NS}:workspaceRootPath`] = "/Shared/elsewhere")],
        ["another warehouse", (c: Config) => (c[`${NS}:sqlWarehouse`] = { mode: "existing", id: "0123456789abcdef" })],
    ])("%s: no change that could never apply", async (_what, edit) => {
        const base = await planStack("prod");
        const head = await planStack("prod", { projectDir: editedProd(edit) });
        const [monitor] = stepOf(diffPlans(base.doc, head.doc), MONITOR);
        expect(monitor.op).toBe("same");
    });

    it("a new inferenceTablePrefix replaces the processed table and its monitor, destructively", async () => {
        const base = await planStack("prod");
        const head = await planStack("prod", {
            projectDir: editedProd((c) => (c[`${NS}:projects`][0].serving.inferenceTablePrefix = "requests")),
        });
        const diff = diffPlans(base.doc, head.doc);
        const [monitor] = stepOf(diff, MONITOR);
        expect([monitor.op, monitor.replaceReasons]).toEqual(["replace", ["tableName"]]);
        const [table] = stepOf(diff, TABLE);
        expect([table.op, table.replaceReasons]).toEqual(["replace", ["name"]]);
        expect(table.newState?.replaceOnChanges).toEqual(["name"]);
        expect(diff.destructive.map((d) => d.type).sort()).toEqual([MONITOR, TABLE]);
    });
});
