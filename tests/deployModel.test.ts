import { describe, expect, it } from "vitest";
import { deployModelInputIssues } from "../config/schema";
import { planConfig, planError, planStack, rawStackFileConfig, stackFileConfig, tempProject } from "./harness";

/** Deploy-model: what a production stack that promotes instead of training must be told. */

const NS = "databricks-mlops";
const JOB = "databricks:index/job:Job";
const SOURCE = "staging_catalog.ml_data.ml_model";

/** The shipped prod stack with its project deploying the model, the given promotion and inference settings. */
function prodDeployModel(
    promotion: Record<string, unknown> = { sourceModel: SOURCE, validationTable: "prod_catalog.ml_data.labelled" },
    inference: Record<string, unknown> = { inputTable: "prod_catalog.ml_data.customers" },
): Record<string, unknown> {
    const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
    const [project] = config[`${NS}:projects`];
    Object.assign(project, { deployment: "model", promotion });
    Object.assign(project.inference, inference);
    return config;
}

describe("inputs that something writes (deploy-model in production)", () => {
    it("refuses the default batch-inference input, which only the training job writes, naming the key and the file", async () => {
        const err = await planError("prod", prodDeployModel(undefined, {}));
        expect(err.message).toContain(
            `Pulumi.prod.yaml: ${NS}:projects[0].inference.inputTable: expected inference.inputTable, the table batch inference scores, with deployment: model in production mode (the default <catalog>.<schema>.customer_features is written only by the training job, which this stack does not declare), found none (set it for this stack: projectOverrides.ml-project.inference.inputTable)`,
        );
        expect(err.message).not.toContain("validationTable");
    });

    it("refuses the default validation table, naming the key and the file", async () => {
        const err = await planError("prod", prodDeployModel({ sourceModel: SOURCE }));
        expect(err.message).toContain(
            `Pulumi.prod.yaml: ${NS}:projects[0].promotion.validationTable: expected promotion.validationTable, the labelled production data the promoted version is validated on, with deployment: model in production mode`,
        );
        expect(err.message).not.toContain("inputTable");
    });

    it("names the stack file of the override that turned deploy-model on", async () => {
        const config = rawStackFileConfig("prod");
        const overrides = structuredClone(config[`${NS}:projectOverrides`]) as Record<string, any>;
        Object.assign(overrides["ml-project"], { deployment: "model", promotion: { sourceModel: SOURCE } });
        const dir = tempProject("prod", { ...config, [`${NS}:projectOverrides`]: overrides });
        const err = await planStack("prod", { projectDir: dir }).then(
            () => new Error("planned"),
            (e: Error) => e,
        );
        // Where the key would go: the shared definition's inference block, and the override's promotion block.
        expect(err.message).toContain(
            "shared.yaml: projects[0].inference.inputTable: expected inference.inputTable, the table batch inference scores,",
        );
        expect(err.message).toContain(
            "found none (set it for this stack: projectOverrides.ml-project.inference.inputTable)",
        );
        expect(err.message).toContain(
            `Pulumi.prod.yaml: ${NS}:projectOverrides.ml-project.promotion.validationTable: expected promotion.validationTable`,
        );
    });

    it("passes the configured tables to the inference and promotion jobs", async () => {
        const run = await planConfig("prod", prodDeployModel());
        const inference = (run.named(JOB, "ml-project-inference").inputs as any).tasks[0].notebookTask.baseParameters;
        expect(inference.input_table).toBe("prod_catalog.ml_data.customers");
        const promotion = (run.named(JOB, "ml-project-promotion").inputs as any).tasks[0].notebookTask.baseParameters;
        expect(promotion.validation_table).toBe("prod_catalog.ml_data.labelled");
    });

    it("keeps the features-table defaults where the stack trains (deploy-code, and deploy-model in development)", async () => {
        const prod = await planStack("prod");
        const params = (prod.named(JOB, "ml-project-inference").inputs as any).tasks[0].notebookTask.baseParameters;
        expect(params.input_table).toBe("prod_catalog.ml_data.customer_features");
        const dev = structuredClone(stackFileConfig("dev")) as Record<string, any>;
        Object.assign(dev[`${NS}:projects`][0], { deployment: "model", promotion: { sourceModel: SOURCE } });
        const run = await planConfig("dev", dev);
        expect(
            (run.named(JOB, "ml-project-inference").inputs as any).tasks[0].notebookTask.baseParameters.input_table,
        ).toBe("dev_catalog.dev_jane_doe_ml_data.customer_features");
    });
});

describe("deployModelInputIssues", () => {
    const project = (extra: Record<string, unknown> = {}) => ({
        name: "p",
        deployment: "model",
        inference: {},
        promotion: { sourceModel: SOURCE },
        ...extra,
    });
    it.each([
        [
            "deploy-model in production, no tables",
            "production",
            project(),
            ["inference.inputTable", "promotion.validationTable"],
        ],
        [
            "deploy-model in production, both tables",
            "production",
            project({
                inference: { inputTable: "c.s.t" },
                promotion: { sourceModel: SOURCE, validationTable: "c.s.v" },
            }),
            [],
        ],
        ["deploy-model in development (it trains)", "development", project(), []],
        ["deploy-code in production", "production", project({ deployment: "code" }), []],
    ] as const)("%s: issues at %j", (_what, mode, p, keys) => {
        expect(deployModelInputIssues(mode, p, 0).map((i) => i.path.slice(2).join("."))).toEqual(keys);
    });
});
