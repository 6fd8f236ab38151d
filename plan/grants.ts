import { buildPlan, type PlanDocument } from "./plan";
import { listStacks } from "./stackConfig";

/**
 * One writer per grant, across the stacks of a project. `databricks.Grants` owns every principal
 * of its securable and replaces them on each update (terraform-provider-databricks
 * `catalog/resource_grants.go`: it "will OVERWRITE any existing grants"), so a securable whose
 * grants two stacks write loses one stack's grants on the other's next update; `databricks.Grant`
 * (one principal) beside a `Grants` on the same securable is revoked the same way. These checks
 * read the offline plans of the stacks: which securables each one writes grants on, and whether
 * each deploy-model promotion reads a model whose own stack grants its principal.
 */

const GRANTS = "databricks:index/grants:Grants";
const GRANT = "databricks:index/grant:Grant";
const MODEL = "databricks:index/registeredModel:RegisteredModel";
const JOB = "databricks:index/job:Job";
/** The promotion job's task (components/project/promotionJob.ts). */
const PROMOTION_TASK = "promote_model";

/** The securable kinds of `Grants` and `Grant`: exactly one names the securable. */
const SECURABLE_KEYS = [
    "metastore",
    "catalog",
    "schema",
    "table",
    "volume",
    "model",
    "function",
    "storageCredential",
    "externalLocation",
    "credential",
    "foreignConnection",
    "share",
] as const;

/** One resource of one stack that writes grants on a securable. */
export interface GrantWriter {
    stack: string;
    urn: string;
    /** `Grants` (every principal) or `Grant` (one principal). */
    authoritative: boolean;
}

/** A securable and its writers: `schema prod_catalog.ml_data`. */
export interface SharedSecurable {
    securable: string;
    writers: GrantWriter[];
}

/** The securable a grants resource writes, as `<kind> <name>` (names lower case, as Unity Catalog keeps them). */
export function securableOf(inputs: Record<string, unknown>): string | undefined {
    for (const key of SECURABLE_KEYS) {
        const v = inputs[key];
        if (typeof v === "string" && v !== "") return `${key} ${v.toLowerCase()}`;
    }
    return undefined;
}

/**
 * The securables whose grants more than one resource writes, over the plans of a project's
 * stacks (keyed by stack name). Only one resource may write a securable's grants: two `Grants`
 * overwrite each other, a `Grants` revokes any `Grant`, and two stacks' `Grant`s of one principal
 * undo each other's removals.
 */
export function sharedGrantSecurables(plans: Record<string, PlanDocument>): SharedSecurable[] {
    const writers = new Map<string, GrantWriter[]>();
    for (const [stack, doc] of Object.entries(plans)) {
        for (const { newState: s } of doc.steps) {
            if (s.type !== GRANTS && s.type !== GRANT) continue;
            const securable = securableOf(s.inputs);
            if (!securable) continue;
            const list = writers.get(securable) ?? [];
            list.push({ stack, urn: s.urn, authoritative: s.type === GRANTS });
            writers.set(securable, list);
        }
    }
    return [...writers.entries()]
        .filter(([, list]) => list.length > 1)
        .map(([securable, list]) => ({ securable, writers: list }))
        .sort((a, b) => a.securable.localeCompare(b.securable));
}

/** A deploy-model promotion: the stack it runs in, the model it reads, the principal it runs as. */
export interface Promotion {
    stack: string;
    sourceModel: string;
    principal: string;
}

/** The promotion jobs of a plan. */
export function promotionsOf(stack: string, doc: PlanDocument): Promotion[] {
    const out: Promotion[] = [];
    for (const { newState: s } of doc.steps) {
        if (s.type !== JOB) continue;
        const inputs = s.inputs as {
            runAs?: { servicePrincipalName?: string };
            tasks?: { taskKey?: string; notebookTask?: { baseParameters?: Record<string, string> } }[];
        };
        const task = inputs.tasks?.find((t) => t.taskKey === PROMOTION_TASK);
        const sourceModel = task?.notebookTask?.baseParameters?.source_model;
        const principal = inputs.runAs?.servicePrincipalName;
        if (sourceModel && principal) out.push({ stack, sourceModel, principal });
    }
    return out;
}

/** The privileges a `Grants` resource gives each principal. */
function grantsOf(inputs: Record<string, unknown>): Map<string, string[]> {
    const list = (inputs.grants ?? []) as { principal?: string; privileges?: string[] }[];
    return new Map(list.map((g) => [g.principal ?? "", g.privileges ?? []]));
}

function has(privileges: string[] | undefined, wanted: string): boolean {
    return !!privileges && (privileges.includes(wanted) || privileges.includes("ALL_PRIVILEGES"));
}

/**
 * What keeps each deploy-model promotion from reading its source: no stack of the project
 * manages the source model; the stack that does is in development mode (a developer's sandbox);
 * or its grants do not give the promotion's principal USE_SCHEMA on the schema and EXECUTE on
 * the model (the source stack's `modelReaders`). Each problem says what to change.
 */
export function promotionSourceProblems(plans: Record<string, PlanDocument>): string[] {
    const problems: string[] = [];
    const models = new Map<string, { stack: string; doc: PlanDocument; project: string }>();
    for (const [stack, doc] of Object.entries(plans)) {
        for (const { newState: s } of doc.steps) {
            if (s.type !== MODEL) continue;
            const i = s.inputs as { catalogName?: string; schemaName?: string; name?: string };
            // The model is `<project>-model` (components/project/mlProject.ts).
            const project = (s.urn.split("::").pop() ?? "").replace(/-model$/, "");
            models.set(`${i.catalogName}.${i.schemaName}.${i.name}`.toLowerCase(), { stack, doc, project });
        }
    }
    for (const [stack, doc] of Object.entries(plans)) {
        for (const p of promotionsOf(stack, doc)) {
            const source = models.get(p.sourceModel.toLowerCase());
            const what = `${stack}: the promotion from ${p.sourceModel}`;
            if (!source) {
                problems.push(
                    `${what}: no stack of this project manages that model; point promotion.sourceModel at the model of a CI-deployed production-mode stack (such as staging)`,
                );
                continue;
            }
            const mode = source.doc.steps.find((st) => st.newState.type === "pulumi:pulumi:Stack")?.newState.outputs
                ?.mode;
            if (mode === "development") {
                problems.push(
                    `${what}: ${source.stack} is a development-mode stack (a developer's sandbox); promote from a CI-deployed production-mode stack (such as staging)`,
                );
                continue;
            }
            const [catalog, schema] = p.sourceModel.toLowerCase().split(".");
            const grantsOn = (securable: string) =>
                source.doc.steps.find(
                    (st) => st.newState.type === GRANTS && securableOf(st.newState.inputs) === securable,
                )?.newState.inputs;
            const schemaGrants = grantsOf(grantsOn(`schema ${catalog}.${schema}`) ?? {});
            const modelGrants = grantsOf(grantsOn(`model ${p.sourceModel.toLowerCase()}`) ?? {});
            if (!has(schemaGrants.get(p.principal), "USE_SCHEMA") || !has(modelGrants.get(p.principal), "EXECUTE")) {
                problems.push(
                    `${what}: ${source.stack} does not grant ${p.principal} USE_SCHEMA and EXECUTE; add it to modelReaders of project ${source.project} in Pulumi.${source.stack}.yaml`,
                );
            }
        }
    }
    return problems;
}

/**
 * The offline plans of every stack of a project folder (`Pulumi.<stack>.yaml`). Each stack is
 * planned as a deployer of its own (a development-mode stack is one developer's sandbox, with
 * that developer's prefix), so two sandboxes never look like one.
 */
export async function planEveryStack(
    program: () => Promise<Record<string, unknown>>,
    projectDir: string,
): Promise<Record<string, PlanDocument>> {
    const plans: Record<string, PlanDocument> = {};
    for (const stack of listStacks(projectDir)) {
        plans[stack] = await buildPlan(program, { projectDir, stack, currentUser: `${stack}.deployer@example.com` });
    }
    return plans;
}

/** The problems of a project's grants across its stacks, one line each: empty when each grant has one writer. */
export function grantProblems(plans: Record<string, PlanDocument>): string[] {
    return [
        ...sharedGrantSecurables(plans).map(
            (s) =>
                `${s.securable}: grants written by ${s.writers.map((w) => `${w.stack} (${w.urn.split("::").pop()})`).join(" and ")}; ` +
                "give the securable one writer (one stack, one Grants resource)",
        ),
        ...promotionSourceProblems(plans),
    ];
}
