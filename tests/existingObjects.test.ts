import { describe, expect, it } from "vitest";
import { existenceFinding, saysAbsent } from "../components/project/existingObjects";
import { freshPlan, SP, stackFileConfig, tempProject, wrap } from "./harness";

/**
 * Unity Catalog objects a project uses without creating them (`existing`), and the run-as
 * principal named by its display name: looked up at deploy, never declared, granted on or
 * renamed; a lookup that cannot tell never removes anything.
 */

const NS = "databricks-mlops";
const T = {
    schema: "databricks:index/schema:Schema",
    model: "databricks:index/registeredModel:RegisteredModel",
    grants: "databricks:index/grants:Grants",
    volume: "databricks:index/volume:Volume",
    job: "databricks:index/job:Job",
};

function stackWith(stack: string, change: (c: Record<string, any>, p: Record<string, any>) => void): string {
    const config = structuredClone(stackFileConfig(stack)) as Record<string, any>;
    change(config, config[`${NS}:projects`][0]);
    return tempProject(stack, config);
}

describe("existing schema and model", () => {
    it("dev: neither is declared nor granted on, and both keep their names (no development prefix)", async () => {
        const dir = stackWith("dev", (_, p) => {
            p.schema = "churn_prediction";
            p.modelName = "churn-prediction-model";
            p.existing = ["schema", "model"];
        });
        const run = wrap(await freshPlan(dir, "dev", { modelVersions: ["1"] }));
        expect(run.ofType(T.schema)).toEqual([]);
        expect(run.ofType(T.model)).toEqual([]);
        const grants = run.ofType(T.grants).map((g) => Object.keys(g.inputs).filter((k) => k !== "grants"));
        expect(grants.flat().sort()).toEqual(["volume"]);
        const volume = run.named(T.volume, "ml-project-model-volume").inputs as any;
        expect([volume.catalogName, volume.schemaName]).toEqual(["dev_catalog", "churn_prediction"]);
        const training = run.named(T.job, "ml-project-training").inputs as any;
        const modelParam = training.tasks.find((t: any) => t.notebookTask?.baseParameters?.model_name)?.notebookTask
            .baseParameters.model_name;
        expect(modelParam).toBe("dev_catalog.churn_prediction.churn-prediction-model");
    });

    it("dev: an existing schema with the model's versions serves them (the schema is listed by its name as written)", async () => {
        const dir = stackWith("dev", (_, p) => {
            p.schema = "churn_prediction";
            p.existing = ["schema"];
        });
        const run = wrap(await freshPlan(dir, "dev", {}));
        expect(run.ofType("databricks:index/modelServing:ModelServing")).toHaveLength(1);
        expect(run.doc.diagnostics.map((d) => d.message).join("\n")).not.toContain("does not exist yet");
    });

    it("an existing schema the workspace does not have is a warning in a plan, naming the key", async () => {
        const dir = stackWith("prod", (_, p) => {
            p.existing = ["schema"];
        });
        const doc = await freshPlan(dir, "prod", { mock: { absent: ["prod_catalog.ml_data"] } });
        expect(doc.diagnostics.map((d) => d.message).join("\n")).toContain(
            `${NS}:projects[0].existing: expected the existing schema prod_catalog.ml_data (the stack uses it and does not create it), found none`,
        );
        // The model is the stack's: created in the schema the workspace is to have.
        expect(wrap(doc).ofType(T.model)).toHaveLength(1);
    });

    it.each([
        ["RESOURCE_DOES_NOT_EXIST: Schema 'main.s' does not exist.", "main.s", true],
        ["Catalog 'main' does not exist.", "main.s", false],
        ["PERMISSION_DENIED: User does not have USE SCHEMA on 'main.s'", "main.s", false],
        ["", "main.s", false],
    ])("%j says %s is absent: %s", (message, name, absent) => {
        expect(saysAbsent(new Error(message), name)).toBe(absent);
    });

    it("only a precise not-found stops a deploy; anything else warns", () => {
        expect(existenceFinding("schema", "main.s", { kind: "exists" })).toBeUndefined();
        expect(existenceFinding("schema", "main.s", { kind: "absent", message: "gone" })?.level).toBe("stop");
        expect(existenceFinding("registered model", "a.b.c", { kind: "unknown", reason: "forbidden" })).toEqual({
            level: "warn",
            message:
                "could not check that the existing registered model a.b.c is there (forbidden); the stack uses it as configured",
        });
    });
});

describe("runAs by display name", () => {
    it("is looked up and used by its application id in run_as, permissions and grants", async () => {
        const dir = stackWith("prod", (c) => {
            c[`${NS}:runAs`] = { displayName: "sp-ml-prod" };
        });
        const doc = await freshPlan(dir, "prod", { user: SP });
        const run = wrap(doc);
        const runAs = run.ofType(T.job).map((j) => (j.inputs as any).runAs?.servicePrincipalName);
        expect(new Set(runAs).size).toBe(1);
        expect(runAs[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(runAs[0]).not.toBe(SP);
        const principals = run
            .ofType(T.grants)
            .flatMap((g) => ((g.inputs as any).grants as { principal: string }[]).map((x) => x.principal));
        expect(principals).toContain(runAs[0]);
        expect(principals).not.toContain("sp-ml-prod");
        expect(doc.diagnostics.map((d) => d.message).join("\n")).toContain(
            `runAs.displayName "sp-ml-prod": the offline plan's mocks answer the lookup with the stand-in application id ${runAs[0]}`,
        );
    });

    it("a principal the workspace does not know stops the deploy, naming the key", async () => {
        const dir = stackWith("prod", (c) => {
            c[`${NS}:runAs`] = { displayName: "sp-nobody" };
        });
        await expect(
            freshPlan(dir, "prod", {
                user: SP,
                mock: { emptyAnswers: ["databricks:index/getServicePrincipal:getServicePrincipal"] },
            }),
        ).rejects.toThrow(
            `Pulumi.prod.yaml: ${NS}:runAs.displayName: expected a service principal named "sp-nobody" in the workspace`,
        );
    });
});
