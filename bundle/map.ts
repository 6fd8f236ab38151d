import * as fs from "node:fs";
import * as path from "node:path";
import type { AdoptKey } from "../config/schema";
import { CLUSTER_RUNTIME_IDS, unsupportedRuntimeMessage } from "../config/runtimes";
import { isRecord, LOCAL, type LoadedBundle } from "./load";
import type { EntryKind, ReportEntry } from "./report";
import { INFERENCE_TASK } from "../components/project/inferenceJob";
import { TRAINING_TASKS } from "../components/project/trainingJob";
import {
    classifyJobs,
    type JobKind,
    mapEnvironments,
    mapSchedule,
    mapTasks,
    mapTrigger,
    type WorkloadFile,
} from "./jobs";
import { REFERENCE, type ResolvedTarget, USER_REFERENCES } from "./resolve";

/**
 * One resolved bundle target as this program's config: the stack-level settings, one project,
 * the notebooks that become the project's workload folder, and which bundle resource each
 * adoptable object of the project is. Every resource and every setting the mapping does not
 * use is reported with its key path.
 */

/** The workload entry points, by the training job's task role. */
export type EntryPoint = "features" | "train" | "evaluate" | "batchInference";

export interface MappedTarget {
    target: string;
    /** Stack-level settings, keys without the namespace. */
    stack: Record<string, unknown>;
    /** `databricks:host` of the target's workspace. */
    host?: string;
    /** The project's settings. */
    project: Record<string, unknown>;
    /** The local file of each entry point the bundle gives. */
    notebooks: Partial<Record<EntryPoint, string>>;
    /** Bundle resource (`jobs.training_pipeline`) to the project object it became. */
    roles: Map<string, AdoptKey>;
    /** The files the project's own tasks run, at their paths in the workload folder. */
    files: WorkloadFile[];
    entries: ReportEntry[];
}

/** No ML resource this program models: the import cannot make a project. */
export class NothingToImport extends Error {
    constructor(
        message: string,
        public readonly entries: ReportEntry[],
    ) {
        super(message);
        this.name = "NothingToImport";
    }
}

/** The parameters the program passes each task itself (components/project/mlProject.ts). */
const PROGRAM_PARAMETERS: Record<EntryPoint, string[]> = {
    features: ["catalog", "schema", "training_data_path", "features_table"],
    train: ["catalog", "schema", "experiment_path", "model_name", "features_table"],
    evaluate: ["model_name", "features_table", "min_accuracy", "min_f1"],
    batchInference: ["catalog", "schema", "model_name", "input_table", "output_table"],
};

/** Resource types this program models, and what each becomes. */
const MODELLED = [
    "jobs",
    "experiments",
    "registered_models",
    "model_serving_endpoints",
    "quality_monitors",
    "schemas",
    "volumes",
];

/** A job cluster's spark_conf key the Databricks provider never sends (see the note where it is mapped). */
const LEGACY_SPARK_CONF = "spark.databricks.delta.preview.enabled";

/** The `adopt` key a deployed job of each kind is taken over by (`import-bundle --state`). */
const JOB_ROLES: Record<JobKind, AdoptKey> = {
    training: "trainingJob",
    inference: "inferenceJob",
    featureTable: "featureTableJob",
    retraining: "retrainingJob",
};

const MANAGE_LEVELS = ["CAN_MANAGE", "IS_OWNER"];
const RUN_LEVELS = ["CAN_RUN", "CAN_MANAGE_RUN", "CAN_QUERY", "CAN_USE"];
const VIEW_LEVELS = ["CAN_VIEW", "CAN_READ"];
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The default job-cluster settings of Pulumi.yaml, to leave out what equals them. */
export interface ProgramDefaults {
    [key: string]: unknown;
}

class Tracker {
    private readonly used = new Set<string>();
    readonly entries: ReportEntry[] = [];

    constructor(private readonly target: string) {}

    use(p: string): void {
        this.used.add(p);
    }

    add(kind: EntryKind, p: string, message: string): void {
        // A setting reported as not mapped is not reported again leaf by leaf.
        if (kind === "unmapped") this.use(p);
        this.entries.push({ target: this.target, kind, path: p, message });
    }

    /** The value at `sub` of the resource at `base`, marked used. */
    take<T = unknown>(obj: unknown, base: string, sub: string): T | undefined {
        let v: unknown = obj;
        for (const part of sub.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
            if (part.startsWith("[")) v = Array.isArray(v) ? v[Number(part.slice(1, -1))] : undefined;
            else v = isRecord(v) ? v[part] : undefined;
        }
        if (v !== undefined) this.use(`${base}.${sub}`.replace(/\.\[/g, "["));
        return v as T | undefined;
    }

    /** Reports each leaf of an imported resource that nothing used. */
    unused(value: unknown, p: string, reason = "no place in this program's config"): void {
        if (this.isUsed(p)) return;
        if (Array.isArray(value) && value.length > 0)
            return value.forEach((v, i) => this.unused(v, `${p}[${i}]`, reason));
        if (isRecord(value) && Object.keys(value).length > 0) {
            for (const [k, v] of Object.entries(value)) this.unused(v, `${p}.${k}`, reason);
            return;
        }
        this.add("unmapped", p, `${JSON.stringify(value)}: ${reason}`);
    }

    isUsed(p: string): boolean {
        for (let q = p; q !== ""; q = q.replace(/(\.[^.[\]]*|\[\d+\])$/, "")) {
            if (this.used.has(q)) return true;
            if (!/(\.[^.[\]]*|\[\d+\])$/.test(q)) break;
        }
        return false;
    }
}

function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

function hasReference(v: unknown): boolean {
    if (typeof v !== "string") return false;
    return [...v.matchAll(REFERENCE)].some((m) => !USER_REFERENCES.includes(m[1]));
}

/** A name this program's schema accepts for a project: lower case, digits and `-`, at most 40. */
export function projectName(bundleName: string): string {
    const n = bundleName
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+|-+$/g, "")
        .slice(0, 40)
        .replace(/-+$/, "");
    return n === "" ? "project" : n;
}

/** A target name as an environment name: lower case letters and digits, at most 16. */
export function environmentName(target: string): string {
    const n = target
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")
        .replace(/^[0-9]+/, "")
        .slice(0, 16);
    return n === "" ? "env" : n;
}

/** The order of a job's tasks: each after those it depends on, otherwise as written. */
function taskOrder(tasks: Record<string, unknown>[]): number[] {
    const keys = tasks.map((t) => String(t.task_key ?? ""));
    const placed: number[] = [];
    const done = new Set<string>();
    while (placed.length < tasks.length) {
        const next = tasks.findIndex(
            (t, i) =>
                !placed.includes(i) &&
                (Array.isArray(t.depends_on) ? t.depends_on : []).every(
                    (d) => !isRecord(d) || done.has(String(d.task_key)) || !keys.includes(String(d.task_key)),
                ),
        );
        const i = next < 0 ? tasks.findIndex((_, j) => !placed.includes(j)) : next;
        placed.push(i);
        done.add(keys[i]);
    }
    return placed;
}

/** The training task roles, by the task's key or its notebook's name. */
function roleOf(task: Record<string, unknown>, file: string | undefined): EntryPoint | undefined {
    const text = `${String(task.task_key ?? "")} ${file ? path.basename(file) : ""}`.toLowerCase();
    if (/feature/.test(text)) return "features";
    if (/eval|valid/.test(text)) return "evaluate";
    if (/train|fit/.test(text)) return "train";
    return undefined;
}

/** The local file a task runs, if it is one of the bundle's files. */
function taskFile(task: Record<string, unknown>): { file?: string; field?: string; value?: unknown } {
    for (const field of ["notebook_task.notebook_path", "spark_python_task.python_file"]) {
        const [a, b] = field.split(".");
        const v = isRecord(task[a]) ? (task[a] as Record<string, unknown>)[b] : undefined;
        if (v === undefined) continue;
        return typeof v === "string" && v.startsWith(LOCAL)
            ? { file: v.slice(LOCAL.length), field, value: v }
            : { field, value: v };
    }
    return {};
}

/**
 * The program's default training job: feature_engineering -> train_model -> evaluate_model on a
 * file-arrival trigger (components/project/trainingJob.ts). A bundle job of exactly that graph
 * maps onto the default tasks; any other shape keeps its own tasks.
 */
function isDefaultTraining(job: Record<string, unknown>): boolean {
    const tasks = Array.isArray(job.tasks) ? job.tasks.filter(isRecord) : [];
    const keys = tasks.map((t) => String(t.task_key));
    const deps = (k: string) => {
        const list = tasks.find((t) => t.task_key === k)?.depends_on;
        return Array.isArray(list) ? list.filter(isRecord).map((d) => d.task_key) : [];
    };
    return (
        isRecord(job.trigger) &&
        isRecord(job.trigger.file_arrival) &&
        job.schedule === undefined &&
        keys.length === TRAINING_TASKS.length &&
        TRAINING_TASKS.every((k) => keys.includes(k)) &&
        deps(TRAINING_TASKS[0]).length === 0 &&
        deps(TRAINING_TASKS[1]).join() === TRAINING_TASKS[0] &&
        deps(TRAINING_TASKS[2]).join() === TRAINING_TASKS[1] &&
        tasks.every((t) => isRecord(t.notebook_task))
    );
}

/** The program's default batch inference job: one notebook task, `run_inference`, on a schedule. */
function isDefaultInference(job: Record<string, unknown>): boolean {
    const tasks = Array.isArray(job.tasks) ? job.tasks.filter(isRecord) : [];
    return (
        tasks.length === 1 &&
        tasks[0].task_key === INFERENCE_TASK &&
        isRecord(tasks[0].notebook_task) &&
        isRecord(job.schedule)
    );
}

function firstKey(byKey: Record<string, unknown> | undefined): string | undefined {
    return byKey ? Object.keys(byKey)[0] : undefined;
}

/**
 * The resources whose body is a mapping. A key with no body (`jobs: {foo: }`) or another value
 * is reported, not imported: the Databricks CLI refuses it too (`job foo is not defined`,
 * bundle/config/validate/all_resources_have_values.go).
 */
function definedResources(
    value: unknown,
    tr: Tracker,
    bundle: LoadedBundle,
): Record<string, Record<string, Record<string, unknown>>> {
    const out: Record<string, Record<string, Record<string, unknown>>> = {};
    if (value === undefined || value === null) return out;
    if (!isRecord(value)) {
        tr.add("not-imported", "resources", `${JSON.stringify(value)}: expected a mapping of resource types`);
        return out;
    }
    for (const [type, byKey] of Object.entries(value)) {
        if (byKey === null || byKey === undefined) continue;
        if (!isRecord(byKey)) {
            tr.add(
                "not-imported",
                `resources.${type}`,
                `${JSON.stringify(byKey)}: expected a mapping of ${type} by key`,
            );
            continue;
        }
        out[type] = {};
        for (const [key, body] of Object.entries(byKey)) {
            if (isRecord(body)) out[type][key] = body;
            else
                tr.add(
                    "not-imported",
                    `resources.${type}.${key}`,
                    `${body === null || body === undefined ? "no body" : JSON.stringify(body)}: not defined, so nothing to import (the Databricks CLI refuses it: "${type.replace(/s$/, "")} ${key} is not defined"; defined in ${bundle.origins.get(`${type}.${key}`) ?? bundle.rootFile})`,
                );
        }
    }
    return out;
}

export function mapTarget(bundle: LoadedBundle, t: ResolvedTarget, defaults: ProgramDefaults): MappedTarget {
    const tr = new Tracker(t.name);
    const config = t.config;
    const bundleSection = config.bundle as Record<string, unknown>;
    const bundleName = String(bundleSection.name);
    const name = projectName(bundleName);
    if (name !== bundleName)
        tr.add("note", "bundle.name", `"${bundleName}" is the project name "${name}" (lower case, digits and '-')`);
    const env = environmentName(t.name);
    if (env !== t.name)
        tr.add(
            "note",
            `targets.${t.name}`,
            `the environment name is "${env}" (lower case letters and digits, at most 16)`,
        );

    const resources = definedResources(config.resources, tr, bundle);
    const byType = (type: string) =>
        isRecord(resources[type]) ? (resources[type] as Record<string, Record<string, unknown>>) : {};
    const roles = new Map<string, AdoptKey>();
    const imported: string[] = [];

    // Resource types this program does not model.
    for (const [type, byKey] of Object.entries(resources)) {
        if (MODELLED.includes(type) || !isRecord(byKey)) continue;
        for (const key of Object.keys(byKey)) {
            tr.add(
                "not-imported",
                `resources.${type}.${key}`,
                `the resource type ${type} is not modelled by this program (defined in ${bundle.origins.get(`${type}.${key}`) ?? bundle.rootFile})`,
            );
        }
    }
    // Resources defined in Python: only the Python code knows them.
    const python = isRecord(config.python)
        ? config.python
        : isRecord((config.experimental as Record<string, unknown> | undefined)?.python)
          ? ((config.experimental as Record<string, unknown>).python as Record<string, unknown>)
          : undefined;
    if (python) {
        const where = isRecord(config.python) ? "python" : "experimental.python";
        for (const key of ["resources", "mutators"] as const) {
            const list = Array.isArray(python[key]) ? (python[key] as unknown[]) : [];
            list.forEach((fn, i) =>
                tr.add(
                    "not-imported",
                    `${where}.${key}[${i}]`,
                    `${key === "resources" ? "resources defined" : "resources changed"} in Python (${String(fn)}) cannot be read statically: run \`databricks bundle validate -o json -t ${t.name}\` and import its output as a bundle, or add them to the project by hand`,
                ),
            );
        }
    }

    // The registered model, its schema and catalog.
    const models = byType("registered_models");
    const modelKey = firstKey(models);
    const model = modelKey ? models[modelKey] : undefined;
    const mBase = `resources.registered_models.${modelKey}`;
    // A three-level model name (`catalog.schema.model`) names its catalog and schema.
    // Without a model of its own, the Unity Catalog model an endpoint serves is the project's: the
    // workspace's, used as it is (an endpoint-only bundle).
    const endpointBodies = Object.values(byType("model_serving_endpoints"));
    const servedModel = model
        ? undefined
        : endpointBodies
              .flatMap((e) => {
                  const c = isRecord(e.config) ? e.config : {};
                  return [
                      ...(Array.isArray(c.served_entities) ? c.served_entities : []),
                      ...(Array.isArray(c.served_models) ? c.served_models : []),
                  ];
              })
              .map((e) => (isRecord(e) ? str(e.entity_name ?? e.model_name) : undefined))
              .find((n): n is string => n !== undefined && /^[^.\s]+\.[^.\s]+\.[^.\s]+$/.test(n) && !hasReference(n));
    const modelParts =
        typeof model?.name === "string" ? model.name.split(".") : servedModel ? servedModel.split(".") : [];
    const modelCatalog = str(model?.catalog_name) ?? (modelParts.length === 3 ? modelParts[0] : undefined);
    const modelSchema = str(model?.schema_name) ?? (modelParts.length === 3 ? modelParts[1] : undefined);
    const schemas = byType("schemas");
    // The model's schema when the bundle declares it; one the bundle only names is the workspace's.
    const schemaKey =
        Object.keys(schemas).find((k) => model && schemas[k].name === modelSchema) ??
        (modelSchema === undefined ? firstKey(schemas) : undefined);
    const schema = schemaKey ? schemas[schemaKey] : undefined;
    const sBase = `resources.schemas.${schemaKey}`;
    const experiments = byType("experiments");
    const experimentKey = firstKey(experiments);
    const experiment = experimentKey ? experiments[experimentKey] : undefined;

    const jobs = byType("jobs");
    const tasksOf = (j: Record<string, unknown>) => (Array.isArray(j.tasks) ? j.tasks.filter(isRecord) : []);
    const kinds = classifyJobs(jobs);
    const keyOf = (kind: JobKind) => [...kinds].find(([, k]) => k === kind)?.[0];
    const trainingKey = keyOf("training");
    const inferenceKey = keyOf("inference");
    // The program's own default jobs (the seed's shape): mapped onto its default tasks.
    const defaultShape =
        (trainingKey === undefined || isDefaultTraining(jobs[trainingKey])) &&
        (inferenceKey === undefined || isDefaultInference(jobs[inferenceKey])) &&
        keyOf("featureTable") === undefined &&
        keyOf("retraining") === undefined;

    if (!model && !experiment && !trainingKey && !servedModel) {
        for (const type of MODELLED) {
            for (const key of Object.keys(byType(type))) {
                tr.add(
                    "not-imported",
                    `resources.${type}.${key}`,
                    "no ML project to put it in: the bundle has no registered model, experiment or training job",
                );
            }
        }
        throw new NothingToImport(
            `nothing to import for target ${t.name}: the bundle has no registered model, MLflow experiment or training job (the resources of an ML project this program models)`,
            tr.entries,
        );
    }

    for (const type of MODELLED) {
        for (const key of Object.keys(byType(type))) {
            const chosen =
                (type === "registered_models" && key === modelKey) ||
                (type === "schemas" && key === schemaKey) ||
                (type === "experiments" && key === experimentKey) ||
                (type === "jobs" && kinds.has(key));
            if (chosen) continue;
            if (type === "volumes" || type === "model_serving_endpoints" || type === "quality_monitors") continue;
            tr.add(
                "not-imported",
                `resources.${type}.${key}`,
                type === "jobs"
                    ? "a job of no ML shape the program models: a project has a training, a batch inference, a feature-table and a retraining job (one of each)"
                    : `a project has one ${type.replace(/s$/, "").replace(/_/g, " ")}; this one is not imported`,
            );
        }
    }

    // Who may do what: the program gives every resource one set of groups.
    const managers = new Set<string>();
    const runners = new Set<string>();
    const viewers = new Set<string>();
    const runAs = isRecord(config.run_as) ? config.run_as : undefined;
    const runAsSp =
        runAs && typeof runAs.service_principal_name === "string" ? runAs.service_principal_name : undefined;
    const permissions = (list: unknown, p: string) => {
        if (!Array.isArray(list)) return;
        tr.use(p);
        list.forEach((entry, i) => {
            if (!isRecord(entry)) return;
            const level = String(entry.level ?? "");
            const group = typeof entry.group_name === "string" ? entry.group_name : undefined;
            const principal = group ?? str(entry.user_name) ?? str(entry.service_principal_name);
            if (principal !== undefined && principal === runAsSp) return;
            const set = MANAGE_LEVELS.includes(level)
                ? managers
                : RUN_LEVELS.includes(level)
                  ? runners
                  : VIEW_LEVELS.includes(level)
                    ? viewers
                    : undefined;
            if (!group) {
                tr.add(
                    "unmapped",
                    `${p}[${i}]`,
                    `${level} for ${principal}: this program grants groups only (managerGroups, runnerGroups, viewerGroups) and the jobs' service principal`,
                );
            } else if (!set) {
                tr.add(
                    "unmapped",
                    `${p}[${i}]`,
                    `level ${level} of ${group}: expected one of CAN_MANAGE, CAN_RUN, CAN_MANAGE_RUN, CAN_QUERY, CAN_VIEW, CAN_READ`,
                );
            } else set.add(group);
        });
    };
    const grants = (list: unknown, p: string) => {
        if (!Array.isArray(list)) return;
        tr.use(p);
        list.forEach((entry, i) => {
            if (!isRecord(entry) || typeof entry.principal !== "string") return;
            const privileges = Array.isArray(entry.privileges) ? entry.privileges.map(String) : [];
            const principal = entry.principal;
            if (principal === runAsSp) return;
            if (principal.includes("@") || GUID.test(principal)) {
                tr.add(
                    "unmapped",
                    `${p}[${i}]`,
                    `${privileges.join(", ")} for ${principal}: this program grants groups only, and the jobs' service principal`,
                );
                return;
            }
            if (privileges.includes("ALL_PRIVILEGES") || privileges.includes("MANAGE")) managers.add(principal);
            else if (privileges.some((x) => ["MODIFY", "WRITE_VOLUME", "CREATE_TABLE", "CREATE_MODEL"].includes(x)))
                runners.add(principal);
            else viewers.add(principal);
        });
    };
    permissions(config.permissions, "permissions");
    if (config.permissions !== undefined && !Array.isArray(config.permissions)) {
        tr.unused(config.permissions, "permissions", "expected a list of permissions (the CLI drops a mapping here)");
    }
    const perResourceAcl = (r: Record<string, unknown> | undefined, base: string) => {
        if (!r) return;
        if (r.permissions !== undefined) permissions(r.permissions, `${base}.permissions`);
        if (r.grants !== undefined) grants(r.grants, `${base}.grants`);
    };

    // The stack-level settings.
    const stack: Record<string, unknown> = { environment: env };
    const mode = t.mode;
    if (mode === "development" || mode === "production") {
        stack.mode = mode;
        tr.use("bundle.mode");
    } else {
        // No mode: deployed as written, as DAB deploys it (no prefixes, schedules and concurrency as
        // written; bundle/config/mutator/resourcemutator/apply_target_mode.go applies nothing).
        stack.mode = "none";
        if (mode !== undefined)
            tr.add(
                "unmapped",
                "bundle.mode",
                `"${mode}": the Databricks CLI refuses it (development or production); deployed without a mode`,
            );
    }
    if (
        stack.mode !== "none" &&
        /^(prod|production|prd|live)$/.test(env) !== (stack.mode === "production") &&
        /^(prod|production|prd|live|dev|development|sandbox)$/.test(env)
    ) {
        stack.allowModeMismatch = true;
        tr.add("note", `targets.${t.name}.mode`, `the target's name and its mode disagree: allowModeMismatch is set`);
    }
    const catalog = modelCatalog ?? str(schema?.catalog_name);
    if (catalog === undefined)
        tr.add(
            "added",
            "resources.registered_models",
            "no catalog named by a model or schema: catalog is `main`, set it in the stack file",
        );
    stack.catalog = catalog ?? "main";
    stack.workspace = { mode: "existing" };
    const ws = isRecord(config.workspace) ? config.workspace : {};
    const host = str(ws.host);
    tr.use("workspace.host");
    for (const k of ["file_path", "resource_path", "artifact_path", "state_path"]) tr.use(`workspace.${k}`);
    const rootPath = str(ws.root_path) ?? "";
    tr.use("workspace.root_path");
    const strippedRoot = rootPath
        .replace(/^\/Workspace(?=\/)/, "")
        .replace(new RegExp(`/${escapeRe(bundleName)}/${escapeRe(t.name)}$`), "");
    // This program's default root (program.ts): the deploying user's home in development mode; in
    // production mode the run_as principal's own home, which is also DAB's default `~/.bundle`
    // when the stack is deployed as that principal, as a production stack here is (modelOwner).
    const defaultRoots =
        stack.mode !== "production" || !runAsSp
            ? ["/Users/${workspace.current_user.userName}/.bundle"]
            : runAsSp
              ? [`/Users/${runAsSp}/.bundle`, "/Users/${workspace.current_user.userName}/.bundle"]
              : [];
    if (!rootPath.endsWith(`/${bundleName}/${t.name}`)) {
        tr.add(
            "note",
            "workspace.root_path",
            `${rootPath}: this program uploads the code to <workspaceRootPath>/${name}/${env}; workspaceRootPath is ${strippedRoot}`,
        );
    }
    if (!defaultRoots.includes(strippedRoot)) stack.workspaceRootPath = strippedRoot;
    if (runAs) {
        tr.use("run_as");
        if (runAsSp && GUID.test(runAsSp)) stack.runAs = { servicePrincipalName: runAsSp };
        else if (runAsSp) {
            // A display name: permissions and grants take the application id, which the program
            // looks up by this name at deploy (program.ts, withRunAsResolved).
            stack.runAs = { displayName: runAsSp };
            tr.add(
                "note",
                "run_as.service_principal_name",
                `"${runAsSp}" is a display name, not an application id: runAs.displayName, looked up at deploy (set runAs.servicePrincipalName to its application id to skip the lookup)`,
            );
        } else {
            tr.add(
                "unmapped",
                "run_as",
                `${JSON.stringify(runAs)}: this program runs the jobs as the deploying identity, or as a service principal (runAs.servicePrincipalName)`,
            );
        }
    }
    const presets = isRecord(config.presets) ? config.presets : {};
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(isRecord(presets.tags) ? presets.tags : {})) tags[k] = String(v);
    tr.use("presets.tags");
    const triggerPause = str(presets.trigger_pause_status);
    if (triggerPause) tr.use("presets.trigger_pause_status");
    for (const [k, v] of Object.entries(presets)) {
        if (k !== "tags" && k !== "trigger_pause_status")
            tr.unused(
                v,
                `presets.${k}`,
                "a preset this program does not have (its mode sets names, pauses and limits)",
            );
    }
    const failureEmails = new Set<string>();

    // The project.
    const project: Record<string, unknown> = { name };
    const notebooks: MappedTarget["notebooks"] = {};
    const schemaName = str(schema?.name) ?? modelSchema;
    const existing: string[] = [];
    if (!schema && modelSchema !== undefined) {
        // Named by the model, declared by no one in the bundle: DAB expects it to exist, and so
        // does the stack (looked up at deploy, never created, its name kept).
        existing.push("schema");
        tr.add(
            "note",
            modelKey ? `resources.registered_models.${modelKey}.schema_name` : "resources.model_serving_endpoints",
            `${catalog}.${modelSchema}: a schema the bundle uses and does not declare: existing (looked up, not created, no grants; its name as written)`,
        );
    }
    if (schema) {
        roles.set(`schemas.${schemaKey}`, "schema");
        imported.push(sBase);
        tr.add("imported", sBase, `the project's schema ${catalog}.${schemaName}`);
        tr.take(schema, sBase, "catalog_name");
        tr.take(schema, sBase, "name");
        if (schema.comment !== undefined) {
            tr.take(schema, sBase, "comment");
            tr.add("note", `${sBase}.comment`, "the program writes its own comment on the schema");
        }
        perResourceAcl(schema, sBase);
    }
    if (schemaName === undefined)
        tr.add(
            "added",
            "resources.schemas",
            `no schema named by the bundle: the project's schema is "${name.replace(/-/g, "_")}"`,
        );
    project.schema = ucName(schemaName ?? name);
    if (existing.length > 0) project.existing = existing;
    if (schemaName !== undefined && project.schema !== schemaName) {
        tr.add("note", `${sBase}.name`, `"${schemaName}" is the Unity Catalog name "${String(project.schema)}"`);
    }

    if (experiment) {
        const eBase = `resources.experiments.${experimentKey}`;
        roles.set(`experiments.${experimentKey}`, "experiment");
        imported.push(eBase);
        tr.add("imported", eBase, "the project's MLflow experiment");
        const path0 = str(tr.take(experiment, eBase, "name")) ?? "";
        project.experimentPath = path0.replace(/^\/Workspace(?=\/)/, "");
        perResourceAcl(experiment, eBase);
        if (experiment.description !== undefined) {
            tr.take(experiment, eBase, "description");
            tr.add(
                "note",
                `${eBase}.description`,
                "dropped: the Databricks provider never sends an experiment description",
            );
        }
    } else {
        project.experimentPath =
            stack.mode === "development" ? `/Users/\${workspace.current_user.userName}/${name}` : `/Shared/${name}`;
        tr.add(
            "added",
            "resources.experiments",
            `no experiment: the program declares one at ${String(project.experimentPath)}`,
        );
    }

    if (model) {
        roles.set(`registered_models.${modelKey}`, "registeredModel");
        imported.push(mBase);
        tr.add("imported", mBase, "the project's registered model");
        tr.take(model, mBase, "catalog_name");
        tr.take(model, mBase, "schema_name");
        const modelName = str(tr.take(model, mBase, "name")) ?? "";
        const short = (modelName.includes(".") ? modelName.split(".").pop() : modelName) as string;
        // Kept as written (`churn-prediction-model`): Unity Catalog takes '-', and DAB sends it so.
        project.modelName = /^[a-z_][a-z0-9_-]*$/.test(short) ? short : ucName(short);
        if (project.modelName !== short) {
            tr.add(
                "note",
                `${mBase}.name`,
                `"${short}" is the Unity Catalog name "${String(project.modelName)}" (lower case, digits, '_' and '-')`,
            );
        }
        if (modelName.includes("."))
            tr.add(
                "note",
                `${mBase}.name`,
                `a three-level name: the model is ${String(project.modelName)} in the project's schema`,
            );
        const comment = str(tr.take(model, mBase, "comment"));
        if (comment !== undefined) project.modelComment = comment;
        perResourceAcl(model, mBase);
    } else if (servedModel) {
        project.modelName = modelParts[2];
        project.existing = [...existing, "model"];
        tr.add(
            "note",
            "resources.model_serving_endpoints",
            `${servedModel}: the model the endpoint serves, which the bundle does not declare: existing (looked up, not created, no grants; its name as written)`,
        );
    } else {
        project.modelName = `${name.replace(/-/g, "_")}_model`;
        tr.add(
            "added",
            "resources.registered_models",
            `no registered model: the program declares ${String(project.modelName)}`,
        );
    }
    const modelFull = `${String(stack.catalog)}.${String(project.schema)}.${String(project.modelName)}`;

    // Volumes: the training-data volume of the project's schema.
    const volumes = byType("volumes");
    const volumeKey =
        Object.keys(volumes).find((k) => volumes[k].schema_name === project.schema && volumes[k].name === "input") ??
        Object.keys(volumes).find((k) => volumes[k].schema_name === project.schema);
    for (const key of Object.keys(volumes)) {
        const vBase = `resources.volumes.${key}`;
        if (key !== volumeKey) {
            tr.add(
                "not-imported",
                vBase,
                "a project has one volume, `input` in its schema (the training data lands there)",
            );
            continue;
        }
        const v = volumes[key];
        imported.push(vBase);
        tr.take(v, vBase, "catalog_name");
        tr.take(v, vBase, "schema_name");
        const volumeName = str(tr.take(v, vBase, "name"));
        if (volumeName === "input") {
            roles.set(`volumes.${key}`, "volume");
            tr.add("imported", vBase, "the project's training-data volume");
        } else {
            tr.add(
                "differs",
                vBase,
                `the program's training-data volume is named input, the bundle's ${volumeName}: the program declares a new one and does not adopt this one`,
            );
        }
        if (v.volume_type === "MANAGED" || v.volume_type === undefined) tr.take(v, vBase, "volume_type");
        if (v.comment !== undefined) {
            tr.take(v, vBase, "comment");
            tr.add("note", `${vBase}.comment`, "the program writes its own comment on the volume");
        }
        perResourceAcl(v, vBase);
    }

    // The jobs, their cluster and their notebooks.
    let cluster: Record<string, unknown> | undefined;
    const jobCommon = (j: Record<string, unknown>, base: string, programName: string, renamed = true) => {
        const jn = str(tr.take(j, base, "name"));
        if (renamed && jn !== programName)
            tr.add(
                "note",
                `${base}.name`,
                `"${jn}": the program names the job "${programName}" (renamed in place if adopted)`,
            );
        if (j.description !== undefined) tr.take(j, base, "description");
        for (const [k, v] of Object.entries(isRecord(j.tags) ? j.tags : {})) tags[k] = String(v);
        if (j.tags !== undefined) tr.use(`${base}.tags`);
        const onFailure = isRecord(j.email_notifications) ? j.email_notifications.on_failure : undefined;
        if (Array.isArray(onFailure)) {
            onFailure.forEach((e) => failureEmails.add(String(e)));
            tr.use(`${base}.email_notifications.on_failure`);
        }
        const queue = isRecord(j.queue) ? j.queue : undefined;
        if (queue?.enabled === true) tr.use(`${base}.queue`);
        const mcr = j.max_concurrent_runs;
        if (mcr !== undefined && mcr === (stack.mode === "development" ? 4 : 1)) tr.use(`${base}.max_concurrent_runs`);
        perResourceAcl(j, base);
        if (isRecord(j.run_as)) {
            if (j.run_as.service_principal_name === runAsSp) tr.use(`${base}.run_as`);
        }
        const clusters = Array.isArray(j.job_clusters) && renamed ? (j.job_clusters as Record<string, unknown>[]) : [];
        const used = new Set(tasksOf(j).map((task) => task.job_cluster_key));
        clusters.forEach((c, i) => {
            const cBase = `${base}.job_clusters[${i}]`;
            if (!used.has(c.job_cluster_key)) return;
            tr.take(c, cBase, "job_cluster_key");
            const nc = isRecord(c.new_cluster) ? c.new_cluster : undefined;
            if (!nc) return;
            const nBase = `${cBase}.new_cluster`;
            if (!cluster) {
                cluster = nc;
                clusterSettings(nc, nBase);
            } else if (JSON.stringify(nc) === JSON.stringify(cluster)) {
                tr.use(nBase);
            } else {
                tr.add(
                    "note",
                    nBase,
                    "the program runs every job of a project on one cluster spec: the training job's",
                );
                tr.use(nBase);
            }
        });
    };
    const clusterSettings = (nc: Record<string, unknown>, nBase: string) => {
        const sv = str(tr.take(nc, nBase, "spark_version"));
        if (sv && !unsupportedRuntimeMessage(sv)) {
            if (sv !== defaults.sparkVersion) stack.sparkVersion = sv;
        } else if (sv)
            tr.add(
                "unmapped",
                `${nBase}.spark_version`,
                `"${sv}": expected a runtime with a tested local environment (${CLUSTER_RUNTIME_IDS.join(", ")}); the default ${String(defaults.sparkVersion)} is kept`,
            );
        const nt = str(tr.take(nc, nBase, "node_type_id"));
        if (nt && /^Standard_[A-Za-z0-9_]+$/.test(nt)) {
            if (nt !== defaults.nodeType) stack.nodeType = nt;
            const allowed = (defaults.nodeTypes as string[] | undefined) ?? [];
            if (!allowed.includes(nt)) stack.nodeTypes = [...allowed, nt];
        } else if (nt)
            tr.add(
                "unmapped",
                `${nBase}.node_type_id`,
                `"${nt}" is not an Azure node type: the default ${String(defaults.nodeType)} is kept`,
            );
        const driver = str(nc.driver_node_type_id);
        if (driver !== undefined && driver === nt) tr.use(`${nBase}.driver_node_type_id`);
        const nw = nc.num_workers;
        if (typeof nw === "number" && nw >= 1) {
            tr.use(`${nBase}.num_workers`);
            if (nw !== defaults.numWorkers) stack.numWorkers = nw;
            if (nw > Number(defaults.maxWorkers ?? 8)) stack.maxWorkers = nw;
        }
        if (isRecord(nc.spark_conf)) {
            stack.sparkConf = Object.fromEntries(Object.entries(nc.spark_conf).map(([k, v]) => [k, String(v)]));
            tr.use(`${nBase}.spark_conf`);
            if (LEGACY_SPARK_CONF in nc.spark_conf) {
                tr.add(
                    "note",
                    `${nBase}.spark_conf.${LEGACY_SPARK_CONF}`,
                    "kept as the bundle has it, but it never reaches the cluster: the Databricks provider drops this key from a job cluster's spark_conf (terraform-provider-databricks jobs/resource_job.go suppresses its diff), as it did for the bundle's deploys through Terraform; a cluster policy can fix it where it matters",
                );
            }
        }
        const policy = str(tr.take(nc, nBase, "policy_id"));
        if (policy !== undefined) {
            if (/^[0-9A-Fa-f]{16}$/.test(policy)) stack.clusterPolicy = { mode: "existing", id: policy };
            else
                tr.add(
                    "unresolved",
                    `${nBase}.policy_id`,
                    `${policy}: set clusterPolicy to {mode: existing, id: <the policy's id>} (\`databricks cluster-policies list\`)`,
                );
        }
        if (nc.data_security_mode === "SINGLE_USER") tr.use(`${nBase}.data_security_mode`);
        if (isRecord(nc.custom_tags)) {
            for (const [k, v] of Object.entries(nc.custom_tags)) tags[k] = String(v);
            tr.use(`${nBase}.custom_tags`);
        }
    };

    const extraParams: Record<string, Record<string, string>> = {};
    const taskParams = (task: Record<string, unknown>, tBase: string, role: EntryPoint) => {
        const params = isRecord(task.notebook_task) ? task.notebook_task.base_parameters : undefined;
        if (!isRecord(params)) return;
        for (const [k, v] of Object.entries(params)) {
            const p = `${tBase}.notebook_task.base_parameters.${k}`;
            if (PROGRAM_PARAMETERS[role].includes(k)) {
                tr.use(p);
                continue;
            }
            if (/^[a-z_][a-z0-9_]*$/.test(k) && str(v) !== undefined && !hasReference(v)) {
                (extraParams[role] ??= {})[k] = str(v) as string;
                tr.use(p);
            }
        }
    };
    const mapTask = (task: Record<string, unknown>, tBase: string, role: EntryPoint) => {
        tr.take(task, tBase, "task_key");
        tr.take(task, tBase, "job_cluster_key");
        if (isRecord(task.new_cluster)) {
            if (!cluster) {
                cluster = task.new_cluster;
                clusterSettings(task.new_cluster, `${tBase}.new_cluster`);
            } else {
                tr.use(`${tBase}.new_cluster`);
                if (JSON.stringify(task.new_cluster) !== JSON.stringify(cluster)) {
                    tr.add(
                        "note",
                        `${tBase}.new_cluster`,
                        "the program runs every job of a project on one cluster spec: the training job's",
                    );
                }
            }
        }
        if (task.depends_on !== undefined) tr.use(`${tBase}.depends_on`);
        const f = taskFile(task);
        if (f.file) {
            tr.use(`${tBase}.${f.field}`);
            if (!fs.existsSync(f.file))
                tr.add(
                    "added",
                    `${tBase}.${f.field}`,
                    `${path.relative(bundle.dir, f.file)} does not exist in the bundle: a placeholder notebook is written`,
                );
            else notebooks[role] = f.file;
        } else if (f.field) {
            tr.add(
                "unmapped",
                `${tBase}.${f.field}`,
                `${JSON.stringify(f.value)} is not a file of the bundle: this program uploads the project's own notebooks; a placeholder is written`,
            );
        }
        if (
            isRecord(task.notebook_task) &&
            (task.notebook_task.source === undefined || task.notebook_task.source === "WORKSPACE")
        ) {
            tr.use(`${tBase}.notebook_task.source`);
        }
        taskParams(task, tBase, role);
    };

    const files: WorkloadFile[] = [];
    if (defaultShape) {
        if (trainingKey) {
            const j = jobs[trainingKey];
            const base = `resources.jobs.${trainingKey}`;
            roles.set(`jobs.${trainingKey}`, "trainingJob");
            imported.push(base);
            tr.add("imported", base, "the project's training job");
            jobCommon(j, base, `${name}-training-${env}`);
            const tasks = tasksOf(j);
            const order = taskOrder(tasks);
            const slots: EntryPoint[] = ["features", "train", "evaluate"];
            const assigned = new Map<number, EntryPoint>();
            for (const i of order) {
                const r = roleOf(tasks[i], taskFile(tasks[i]).file);
                if (r && ![...assigned.values()].includes(r)) assigned.set(i, r);
            }
            for (const i of order) {
                if (assigned.has(i)) continue;
                const free = slots.find((s) => ![...assigned.values()].includes(s));
                if (free && tasks.length <= 3) assigned.set(i, free);
            }
            order.forEach((i) => {
                const tBase = `${base}.tasks[${i}]`;
                const role = assigned.get(i);
                if (!role) {
                    tr.add(
                        "unmapped",
                        tBase,
                        `task ${String(tasks[i].task_key)}: the program's training job has three tasks (feature_engineering, train_model, evaluate_model)`,
                    );
                    return;
                }
                mapTask(tasks[i], tBase, role);
            });
            const timeouts = tasks.map((task) => task.timeout_seconds).filter((x) => typeof x === "number");
            if (timeouts.length > 0 && timeouts.every((x) => x === timeouts[0])) {
                project.training = { ...((project.training as object) ?? {}), timeoutSeconds: timeouts[0] };
                tasks.forEach((_, i) => tr.use(`${base}.tasks[${i}].timeout_seconds`));
            }
            const trigger = isRecord(j.trigger) ? j.trigger : undefined;
            const fa = trigger && isRecord(trigger.file_arrival) ? trigger.file_arrival : undefined;
            const tt: Record<string, unknown> = {};
            if (fa) {
                const url = str(tr.take(fa, `${base}.trigger.file_arrival`, "url"));
                const expected = `/Volumes/${String(stack.catalog)}/${String(project.schema)}/input/training_data/`;
                if (url !== expected && url?.replace(/\/?$/, "/") !== expected) {
                    tr.add(
                        "note",
                        `${base}.trigger.file_arrival.url`,
                        `${url}: the program's trigger watches ${expected} (the training_data folder of the project's input volume)`,
                    );
                }
                const minT = tr.take(fa, `${base}.trigger.file_arrival`, "min_time_between_triggers_seconds");
                if (typeof minT === "number") tt.minTimeBetweenTriggersSeconds = minT;
                const wait = tr.take(fa, `${base}.trigger.file_arrival`, "wait_after_last_change_seconds");
                if (typeof wait === "number") tt.waitAfterLastChangeSeconds = wait;
            } else {
                tr.add(
                    "added",
                    `${base}.trigger`,
                    "no file-arrival trigger: the program starts training when files land in the project's volume",
                );
            }
            const pause =
                str(trigger ? tr.take(trigger, `${base}.trigger`, "pause_status") : undefined) ?? triggerPause;
            if (pause) tt.pauseStatus = pause;
            if (Object.keys(tt).length > 0) project.training = { ...((project.training as object) ?? {}), trigger: tt };
            if (isRecord(j.schedule))
                tr.add(
                    "unmapped",
                    `${base}.schedule`,
                    "the program's training job is started by new files, not by a schedule",
                );
        } else {
            tr.add(
                "added",
                "resources.jobs",
                "no training job: the program declares one (features, train, evaluate) with placeholder notebooks",
            );
        }

        if (inferenceKey) {
            const j = jobs[inferenceKey];
            const base = `resources.jobs.${inferenceKey}`;
            roles.set(`jobs.${inferenceKey}`, "inferenceJob");
            imported.push(base);
            tr.add("imported", base, "the project's batch inference job");
            jobCommon(j, base, `${name}-inference-${env}`);
            const tasks = tasksOf(j);
            tasks.forEach((task, i) => {
                const tBase = `${base}.tasks[${i}]`;
                if (i > 0) {
                    tr.add(
                        "unmapped",
                        tBase,
                        `task ${String(task.task_key)}: the program's batch inference job has one task (run_inference)`,
                    );
                    return;
                }
                if (task.job_cluster_key === undefined)
                    tr.add(
                        "note",
                        tBase,
                        "no job cluster (serverless or the workspace default): the program runs it on the project's ML job cluster",
                    );
                mapTask(task, tBase, "batchInference");
                const params =
                    isRecord(task.notebook_task) && isRecord(task.notebook_task.base_parameters)
                        ? task.notebook_task.base_parameters
                        : {};
                const inf: Record<string, unknown> = {};
                if (
                    typeof params.input_table === "string" &&
                    /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*){2}$/.test(params.input_table)
                )
                    inf.inputTable = params.input_table;
                if (
                    typeof params.output_table === "string" &&
                    /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*){2}$/.test(params.output_table)
                )
                    inf.outputTable = params.output_table;
                project.inference = inf;
            });
            const sched = isRecord(j.schedule) ? j.schedule : {};
            const sBase2 = `${base}.schedule`;
            const inf = (project.inference ??= {}) as Record<string, unknown>;
            inf.cron = str(tr.take(sched, sBase2, "quartz_cron_expression")) ?? "0 0 * * * ?";
            inf.timezone = str(tr.take(sched, sBase2, "timezone_id")) ?? "UTC";
            const pause = str(tr.take(sched, sBase2, "pause_status")) ?? triggerPause;
            if (pause) inf.pauseStatus = pause;
        } else {
            project.inference = { cron: "0 0 * * * ?", timezone: "UTC" };
            tr.add(
                "added",
                "resources.jobs",
                "no batch inference job with a schedule: the program declares one, hourly (inference.cron: 0 0 * * * ?)",
            );
        }
    } else {
        const jobCtx = {
            bundleDir: bundle.dir,
            kinds,
            files,
            cluster: (nc: Record<string, unknown>, nBase: string) => {
                if (!cluster) {
                    cluster = nc;
                    clusterSettings(nc, nBase);
                } else {
                    tr.use(nBase);
                    if (JSON.stringify(nc) !== JSON.stringify(cluster))
                        tr.add(
                            "note",
                            nBase,
                            "the program runs every cluster task of a project on one ML job cluster (the stack's): the first one's spec",
                        );
                }
            },
            parameter: (v: unknown, p: string): string | undefined => {
                const text = str(v);
                if (text === undefined) {
                    tr.add("unmapped", p, `${JSON.stringify(v)}: a parameter value is text`);
                    return undefined;
                }
                const unknown = (text.match(/\$\{[^}]*\}/g) ?? []).filter(
                    (ref) => !USER_REFERENCES.includes(ref.slice(2, -1)),
                );
                if (unknown.length > 0) {
                    tr.add(
                        "unresolved",
                        p,
                        `${JSON.stringify(text)}: ${unknown.join(", ")} is known only at deploy by the bundle's engine; the parameter is left out (set it in the task's baseParameters)`,
                    );
                    return undefined;
                }
                tr.use(p);
                return text;
            },
        };
        const programNames: Record<JobKind, string> = {
            training: `${name}-training-${env}`,
            inference: `${name}-inference-${env}`,
            featureTable: `${name}-feature-table-${env}`,
            retraining: `${name}-retraining-${env}`,
        };
        for (const [key, kind] of kinds) {
            const j = jobs[key];
            const base = `resources.jobs.${key}`;
            roles.set(`jobs.${key}`, JOB_ROLES[kind]);
            imported.push(base);
            tr.add(
                "imported",
                base,
                `the project's ${kind === "featureTable" ? "feature-table" : kind} job (its own tasks)`,
            );
            jobCommon(j, base, programNames[kind], false);
            const spec: Record<string, unknown> = {};
            const jn = str(j.name);
            if (jn !== undefined && jn !== programNames[kind]) spec.name = jn;
            const tasks = mapTasks(j, base, kind, jobCtx, tr);
            if (tasks.length > 0) spec.tasks = tasks;
            else tr.add("unmapped", base, "no task the program can run: the program's default tasks run instead");
            const origin = bundle.origins.get(`jobs.${key}`) ?? bundle.rootFile;
            const environments = mapEnvironments(j, base, tr, jobCtx, path.dirname(path.join(bundle.dir, origin)));
            if (environments) spec.environments = environments;
            const sched = isRecord(j.schedule) ? j.schedule : undefined;
            const trig = isRecord(j.trigger) ? j.trigger : undefined;
            if (kind === "training" || kind === "featureTable") {
                if (sched) spec.schedule = mapSchedule(sched, `${base}.schedule`, tr, triggerPause);
                else if (trig) {
                    const t2 = mapTrigger(
                        trig,
                        `${base}.trigger`,
                        tr,
                        triggerPause,
                        `/Volumes/${String(stack.catalog)}/${String(project.schema)}/input/training_data/`,
                    );
                    if (t2) spec.trigger = t2;
                } else if (kind === "training") spec.trigger = { onDemand: true };
                if (kind === "training") {
                    const timeouts = tasks.map((t) => t.timeoutSeconds);
                    if (timeouts.length > 0 && timeouts.every((x) => x !== undefined && x === timeouts[0])) {
                        spec.timeoutSeconds = timeouts[0];
                        for (const t of tasks) delete t.timeoutSeconds;
                    }
                }
            } else {
                // The batch inference and retraining jobs: a cron, a trigger, or on demand.
                if (sched) Object.assign(spec, mapSchedule(sched, `${base}.schedule`, tr, triggerPause));
                else if (trig) {
                    const t2 = mapTrigger(trig, `${base}.trigger`, tr, triggerPause, undefined);
                    spec.trigger = t2 ?? { onDemand: true };
                } else spec.trigger = { onDemand: true };
            }
            project[kind] = { ...((project[kind] as object | undefined) ?? {}), ...spec };
        }
        if (trainingKey === undefined)
            tr.add(
                "added",
                "resources.jobs",
                "no training job: the program declares one (features, train, evaluate) with placeholder notebooks",
            );
        if (inferenceKey === undefined) {
            project.inference = { cron: "0 0 * * * ?", timezone: "UTC" };
            tr.add(
                "added",
                "resources.jobs",
                "no batch inference job with a schedule: the program declares one, hourly (inference.cron: 0 0 * * * ?)",
            );
        }
        if (keyOf("retraining") === undefined) {
            project.retraining = { enabled: false };
            tr.add(
                "note",
                "resources.jobs",
                "no retraining job: the program's retraining on drift is off (retraining.enabled: false), as the bundle deploys none",
            );
        }
    }

    // The serving endpoint.
    const endpoints = byType("model_serving_endpoints");
    const endpointKey =
        Object.keys(endpoints).find((k) => {
            const c = endpoints[k].config;
            const entities = isRecord(c)
                ? [
                      ...(Array.isArray(c.served_entities) ? c.served_entities : []),
                      ...(Array.isArray(c.served_models) ? c.served_models : []),
                  ]
                : [];
            return entities.some((e) => isRecord(e) && (e.entity_name === modelFull || e.model_name === modelFull));
        }) ?? firstKey(endpoints);
    for (const key of Object.keys(endpoints)) {
        if (key !== endpointKey)
            tr.add(
                "not-imported",
                `resources.model_serving_endpoints.${key}`,
                "a project has one serving endpoint, for its registered model",
            );
    }
    let prefix = "inference_logs";
    if (endpointKey) {
        const e = endpoints[endpointKey];
        const base = `resources.model_serving_endpoints.${endpointKey}`;
        imported.push(base);
        const programName = `${name}-api-${env}`;
        const en = str(tr.take(e, base, "name"));
        if (en === programName) {
            roles.set(`model_serving_endpoints.${endpointKey}`, "servingEndpoint");
            tr.add("imported", base, "the project's serving endpoint");
        } else {
            tr.add(
                "differs",
                `${base}.name`,
                `"${en}": the program names the endpoint "${programName}"; an endpoint's name is its id, so the deployed one is not adopted (the program creates its own)`,
            );
        }
        perResourceAcl(e, base);
        const c = isRecord(e.config) ? e.config : {};
        const cBase = `${base}.config`;
        const legacy = Array.isArray(c.served_models);
        const entities = (legacy ? c.served_models : c.served_entities) as Record<string, unknown>[] | undefined;
        const listKey = legacy ? "served_models" : "served_entities";
        if (legacy) tr.add("note", `${cBase}.served_models`, "legacy served_models: mapped as served entities");
        const routes: { version: string; trafficPercentage: number; entity: string }[] = [];
        (entities ?? []).forEach((ent, i) => {
            const eBase = `${cBase}.${listKey}[${i}]`;
            const entityName = str(tr.take(ent, eBase, legacy ? "model_name" : "entity_name"));
            const version = str(tr.take(ent, eBase, legacy ? "model_version" : "entity_version"));
            if (entityName !== modelFull || version === undefined || !/^[1-9][0-9]*$/.test(version)) {
                tr.add(
                    "unmapped",
                    eBase,
                    `serves ${entityName} version ${version}: the program's endpoint serves versions (or aliases) of the project's model ${modelFull}`,
                );
                tr.use(eBase);
                return;
            }
            const size = str(tr.take(ent, eBase, "workload_size"));
            const servingSoFar = (project.serving ??= {}) as Record<string, unknown>;
            if (size && ["Small", "Medium", "Large"].includes(size)) servingSoFar.workloadSize ??= size;
            const stz = tr.take(ent, eBase, "scale_to_zero_enabled");
            const stzBool =
                stz === true || stz === "true" ? true : stz === false || stz === "false" ? false : undefined;
            if (stzBool !== undefined && stzBool !== (stack.mode === "development"))
                (project.serving as Record<string, unknown>).scaleToZero = stzBool;
            const entName = str(tr.take(ent, eBase, "name")) ?? `${entityName.split(".").pop()}-${version}`;
            routes.push({ version, trafficPercentage: 0, entity: entName });
        });
        const tc =
            isRecord(c.traffic_config) && Array.isArray(c.traffic_config.routes)
                ? (c.traffic_config.routes as Record<string, unknown>[])
                : undefined;
        if (tc) {
            tr.use(`${cBase}.traffic_config`);
            for (const r of tc) {
                const target = routes.find((x) => x.entity === (r.served_entity_name ?? r.served_model_name));
                if (target) target.trafficPercentage = Number(r.traffic_percentage ?? 0);
            }
        } else if (routes.length === 1) routes[0].trafficPercentage = 100;
        else if (routes.length > 1) {
            routes.forEach(
                (r, i) =>
                    (r.trafficPercentage =
                        i === 0
                            ? 100 - Math.floor(100 / routes.length) * (routes.length - 1)
                            : Math.floor(100 / routes.length)),
            );
            tr.add(
                "added",
                `${cBase}.traffic_config`,
                "no traffic config for several served entities: the traffic is split evenly",
            );
        }
        const serving = (project.serving ??= {}) as Record<string, unknown>;
        serving.workloadSize ??= "Small";
        serving.routes =
            routes.length > 0
                ? routes.map((r) => ({ version: r.version, trafficPercentage: r.trafficPercentage }))
                : [{ version: "1", trafficPercentage: 100 }];
        if (routes.length === 0)
            tr.add("added", cBase, "no served version of the project's model: the endpoint serves version 1");
        const capture = isRecord(c.auto_capture_config) ? c.auto_capture_config : undefined;
        const gateway =
            isRecord(e.ai_gateway) && isRecord(e.ai_gateway.inference_table_config)
                ? e.ai_gateway.inference_table_config
                : undefined;
        const tables = capture ?? gateway;
        const tBase = capture ? `${cBase}.auto_capture_config` : `${base}.ai_gateway.inference_table_config`;
        if (tables) {
            const p = str(tr.take(tables, tBase, "table_name_prefix"));
            if (p && /^[a-z_][a-z0-9_]*$/.test(p)) prefix = p;
            const cat = str(tr.take(tables, tBase, "catalog_name"));
            const sch = str(tr.take(tables, tBase, "schema_name"));
            if ((cat && cat !== stack.catalog) || (sch && sch !== project.schema)) {
                tr.add(
                    "note",
                    tBase,
                    `${cat}.${sch}: the program writes the inference tables to the project's schema ${String(stack.catalog)}.${String(project.schema)}`,
                );
            }
            if (tables.enabled === false)
                tr.add(
                    "unmapped",
                    `${tBase}.enabled`,
                    "false: the program always logs inference tables (the quality monitor reads them)",
                );
            else if (tables.enabled !== undefined) tr.use(`${tBase}.enabled`);
            if (capture) {
                tr.add(
                    "note",
                    tBase,
                    "legacy auto_capture_config (retired by Databricks) mapped to AI Gateway inference tables (ai_gateway.inference_table_config), table <prefix>_payload",
                );
            }
        }
        serving.inferenceTablePrefix = prefix;
    } else {
        project.serving = {
            workloadSize: "Small",
            routes: [{ version: "1", trafficPercentage: 100 }],
            inferenceTablePrefix: prefix,
        };
        tr.add(
            "added",
            "resources.model_serving_endpoints",
            "no serving endpoint: the program declares one serving version 1 of the model (serving.routes)",
        );
    }

    // The quality monitor.
    const monitors = byType("quality_monitors");
    const monitorKey = Object.keys(monitors).find((k) => isRecord(monitors[k].inference_log)) ?? firstKey(monitors);
    const processed = `${String(stack.catalog)}.${String(project.schema)}.${prefix}_processed`;
    for (const key of Object.keys(monitors)) {
        if (key !== monitorKey)
            tr.add(
                "not-imported",
                `resources.quality_monitors.${key}`,
                "a project has one quality monitor, on what its endpoint serves",
            );
    }
    const monitor: Record<string, unknown> = {};
    if (monitorKey) {
        const m = monitors[monitorKey];
        const base = `resources.quality_monitors.${monitorKey}`;
        imported.push(base);
        const table = str(tr.take(m, base, "table_name"));
        if (table === processed) {
            roles.set(`quality_monitors.${monitorKey}`, "qualityMonitor");
            tr.add("imported", base, "the project's quality monitor");
        } else {
            tr.add(
                "imported",
                base,
                "the settings of the project's quality monitor (on the program's own table, see below)",
            );
            tr.add(
                "differs",
                `${base}.table_name`,
                `${table}: the program monitors ${processed}, the processed table it fills from the endpoint's inference table; a monitor is named by its table, so the deployed one is not adopted (delete it, or keep it outside the program)`,
            );
        }
        const out = str(tr.take(m, base, "output_schema_name"));
        if (out && out !== `${String(stack.catalog)}.${String(project.schema)}`)
            tr.add(
                "note",
                `${base}.output_schema_name`,
                `${out}: the program writes the metric tables to the project's schema`,
            );
        const assets = str(tr.take(m, base, "assets_dir"));
        const defaultAssets = `${rootPath}/monitoring`;
        if (assets && assets !== defaultAssets) monitor.assetsDir = assets.replace(/^\/Workspace(?=\/)/, "");
        const warehouse = str(tr.take(m, base, "warehouse_id"));
        if (warehouse) {
            if (/^[0-9a-f]{16}$/.test(warehouse)) stack.sqlWarehouse = { mode: "existing", id: warehouse };
            else
                tr.add(
                    "unresolved",
                    `${base}.warehouse_id`,
                    `${warehouse}: set sqlWarehouse to {mode: existing, id: <the warehouse's id>} (\`databricks warehouses list\`)`,
                );
        }
        const log = isRecord(m.inference_log) ? m.inference_log : undefined;
        const lBase = `${base}.inference_log`;
        if (log) {
            monitor.problemType = str(tr.take(log, lBase, "problem_type"));
            monitor.predictionCol = str(tr.take(log, lBase, "prediction_col"));
            const label = str(tr.take(log, lBase, "label_col"));
            if (label) monitor.labelCol = label;
            monitor.modelIdCol = str(tr.take(log, lBase, "model_id_col"));
            monitor.timestampCol = str(tr.take(log, lBase, "timestamp_col"));
            const g = tr.take(log, lBase, "granularities");
            monitor.granularities = Array.isArray(g) ? g.map(String) : undefined;
        } else {
            tr.add(
                "unmapped",
                base,
                "not an inference-log monitor: the program's monitor profiles the endpoint's inference log",
            );
        }
        const slicing = tr.take(m, base, "slicing_exprs");
        if (Array.isArray(slicing)) monitor.slicingExprs = slicing.map(String);
        const sched = isRecord(m.schedule) ? m.schedule : undefined;
        if (sched) {
            const s: Record<string, unknown> = {
                cron: str(tr.take(sched, `${base}.schedule`, "quartz_cron_expression")),
                timezone: str(tr.take(sched, `${base}.schedule`, "timezone_id")) ?? "UTC",
            };
            const pause = str(tr.take(sched, `${base}.schedule`, "pause_status"));
            if (pause) s.pauseStatus = pause;
            monitor.schedule = s;
        }
    }
    const need: [string, unknown][] = [
        ["problemType", "PROBLEM_TYPE_CLASSIFICATION"],
        ["predictionCol", "prediction"],
        ["modelIdCol", "model_id"],
        ["timestampCol", "timestamp"],
        ["granularities", ["1 day"]],
        ["schedule", { cron: "0 0 6 * * ?", timezone: "UTC" }],
    ];
    for (const [k, v] of need) {
        if (monitor[k] === undefined) {
            monitor[k] = v;
            tr.add(
                "added",
                monitorKey ? `resources.quality_monitors.${monitorKey}` : "resources.quality_monitors",
                `monitor.${k}: the program needs it; written ${JSON.stringify(v)}`,
            );
        }
    }
    if (!Array.isArray(monitor.slicingExprs)) delete monitor.slicingExprs;
    project.monitor = monitor;

    project.workload = {
        dir: `workloads/${name}`,
        ...(Object.keys(extraParams).length > 0 ? { parameters: extraParams } : {}),
    };

    // Stack settings gathered from the resources.
    const list = (s: Set<string>) => [...s].sort();
    stack.managerGroups = list(managers);
    stack.viewerGroups = list(viewers);
    stack.runnerGroups = list(runners);
    for (const [k] of Object.entries(tags)) {
        if (k === "project" || k === "environment") {
            tr.add("unmapped", `tags.${k}`, `the program sets the ${k} tag itself`);
            delete tags[k];
        }
    }
    stack.tags = tags;
    stack.sparkConf ??= {};
    stack.failureEmails = [...failureEmails].sort();
    stack.clusterPolicy ??= { mode: "created" };
    stack.sqlWarehouse ??= { mode: "created" };
    if (stack.clusterPolicy && (stack.clusterPolicy as Record<string, unknown>).mode === "created") {
        tr.add(
            "note",
            "resources.jobs",
            "no cluster policy named by the job clusters: the program creates one (needs a workspace admin; set clusterPolicy to {mode: existing, id} otherwise)",
        );
    }
    if ((stack.sqlWarehouse as Record<string, unknown>).mode === "created") {
        tr.add(
            "note",
            "resources.quality_monitors",
            "no SQL warehouse named by the monitor: the program creates a serverless one (set sqlWarehouse to {mode: existing, id} otherwise)",
        );
    }

    // Top-level sections, and the bundle's and workspace's own settings, that map to nothing here.
    const SECTIONS: Record<string, string | undefined> = {
        bundle: undefined,
        include: undefined,
        variables: undefined,
        resources: undefined,
        workspace: undefined,
        permissions: undefined,
        presets: undefined,
        run_as: undefined,
        python: undefined,
        artifacts:
            "build steps (wheels, jars): the program uploads the workload's notebooks and library modules, nothing it builds",
        sync: "the program uploads the workload folder only",
        scripts: "the program runs no deployment hooks",
        experimental: "an experimental setting of the CLI",
    };
    for (const [key, value] of Object.entries(config)) {
        if (key in SECTIONS && SECTIONS[key] === undefined) continue;
        if (key === "experimental" && isRecord(value) && Object.keys(value).every((k) => k === "python")) continue;
        tr.unused(
            value,
            key,
            SECTIONS[key] ??
                "not a section of a bundle (the CLI warns of an unknown field); anchors defined here were used where they are referenced",
        );
    }
    const bundleKeys = ["name", "target", "mode", "uuid", "git", "databricks_cli_version", "deployment"];
    for (const [key, value] of Object.entries(bundleSection)) {
        if (!bundleKeys.includes(key))
            tr.unused(
                value,
                `bundle.${key}`,
                key === "cluster_id" || key === "compute_id"
                    ? "the program runs every job on its own job cluster"
                    : "no place in this program's config",
            );
    }
    const wsKeys = ["host", "root_path", "file_path", "resource_path", "artifact_path", "state_path"];
    for (const [key, value] of Object.entries(ws)) {
        if (!wsKeys.includes(key))
            tr.unused(
                value,
                `workspace.${key}`,
                `authentication and workspace settings belong to the Databricks provider's config (databricks:${key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())})`,
            );
    }

    // Lookups and references the workspace answers.
    for (const [v, l] of t.lookups) {
        tr.add(
            "unresolved",
            `variables.${v}.lookup`,
            `looks up the ${l.kind} "${l.lookupName}" in the workspace: set its id in the stack's config where it is used (${l.kind === "cluster_policy" ? "clusterPolicy.id" : l.kind === "warehouse" ? "sqlWarehouse.id" : l.kind === "service_principal" ? "runAs.servicePrincipalName" : "the setting that uses it"})`,
        );
    }
    for (const u of t.unresolved) {
        if ((imported.some((p) => u.path.startsWith(p)) && tr.isUsed(u.path)) || u.path.startsWith("run_as")) {
            tr.add(
                "unresolved",
                u.path,
                `${u.reference}: a value only the workspace or a deployment knows; the program computes its own`,
            );
        }
    }
    for (const w of t.warnings) tr.add("unresolved", w.path || "variables", w.message);
    for (const n of t.notReferences) {
        tr.add(
            "note",
            n.path,
            `${JSON.stringify(n.text)}: not a reference the Databricks CLI resolves (it keeps it as text)`,
        );
    }

    // Every setting of an imported resource nothing used.
    for (const p of imported) {
        const [, type, key] = p.split(".");
        tr.unused(byType(type)[key], p);
    }
    return { target: t.name, stack, host, project, notebooks, roles, files, entries: tr.entries };
}

/** A Unity Catalog name this program's schema accepts: lower case, digits and `_`. */
export function ucName(s: string): string {
    const n = s
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, "_")
        .replace(/^([0-9])/, "_$1");
    return n === "" ? "_" : n;
}

function escapeRe(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
