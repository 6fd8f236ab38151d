/**
 * The stacks whose inputs the read-back rules (plan/readback-rules.json) must cover: the shipped
 * stacks, a created-workspace production stack, a generated stack of ten projects, and a stack
 * with every optional part on (A/B split serving with its analysis, deploy-model promotion, task
 * timeouts, trigger tuning). scripts/gen-readback-rules.ts reads the paths to cover from these
 * plans, and tests/readbackRules.test.ts checks the committed table against the same plans.
 */
import type { PlanDocument } from "../plan/plan";
import { createdProd, planConfig, planStack, SP, stackFileConfig } from "./harness";

const NS = "databricks-mlops";

/** The dev stack's project `count` times over, each renamed so that no two collide (as `npm run bench` does). */
export function generatedProjects(count: number): Record<string, unknown> {
    const config = structuredClone(stackFileConfig("dev")) as Record<string, any>;
    const [project] = config[`${NS}:projects`];
    config[`${NS}:projects`] = Array.from({ length: count }, (_, i) => ({
        ...structuredClone(project),
        name: `p${i}-${project.name}`,
        schema: `p${i}_${project.schema}`,
        experimentPath: String(project.experimentPath).replace(project.name, `p${i}-${project.name}`),
    }));
    return config;
}

/** The prod stack with every optional part on. */
export function everythingProd(): Record<string, unknown> {
    const config = structuredClone(stackFileConfig("prod")) as Record<string, any>;
    const [p] = config[`${NS}:projects`];
    p.serving.routes = [
        { version: "1", trafficPercentage: 80 },
        { version: "2", trafficPercentage: 20 },
    ];
    p.training = {
        ...p.training,
        timeoutSeconds: 3600,
        trigger: { ...p.training?.trigger, minTimeBetweenTriggersSeconds: 600, waitAfterLastChangeSeconds: 120 },
    };
    const model = structuredClone(p);
    model.name = "promoted";
    model.schema = "promoted_ml";
    model.experimentPath = "/Shared/promoted";
    model.modelName = "promoted_model";
    model.deployment = "model";
    model.promotion = {
        sourceModel: "staging_catalog.ml.model",
        cron: "0 0 6 * * ?",
        validationTable: "prod_catalog.promoted_ml.labelled",
    };
    model.inference = { ...p.inference, inputTable: "prod_catalog.promoted_ml.features" };
    config[`${NS}:projects`] = [p, model];
    config[`${NS}:runAs`] = { servicePrincipalName: SP };
    return config;
}

/** The plans of the stacks the rules cover, by label. */
export async function readbackStackPlans(): Promise<{ label: string; doc: PlanDocument }[]> {
    const out: { label: string; doc: PlanDocument }[] = [];
    for (const stack of ["dev", "prod", "azure-dev"]) out.push({ label: stack, doc: (await planStack(stack)).doc });
    out.push({ label: "created-workspace prod", doc: (await planConfig("prod", createdProd())).doc });
    out.push({ label: "10 generated projects", doc: (await planConfig("dev", generatedProjects(10))).doc });
    out.push({ label: "prod with every optional part", doc: (await planConfig("prod", everythingProd())).doc });
    return out;
}
