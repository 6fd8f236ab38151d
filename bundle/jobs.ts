import * as fs from "node:fs";
import * as path from "node:path";
import { isRecord, LOCAL } from "./load";
import type { EntryKind } from "./report";
import { SERVERLESS_ENVIRONMENT_VERSIONS, unsupportedServerlessMessage } from "../config/runtimes";

/**
 * A bundle's jobs as this program's task graphs (config/jobs.ts): each job of an ML shape becomes
 * the project's training, batch inference, feature-table or retraining job, by what it does (its
 * key and name, its trigger, the job it starts), and keeps its own tasks, dependencies, run-if
 * conditions, parameters, schedule or trigger and compute. Lifecycle roles are read from what a
 * task runs (the task that trains registers the versions, the one that validates, the one that
 * deploys), never from its position. What has no place in the program's config is reported.
 */

export type JobKind = "training" | "inference" | "featureTable" | "retraining";

/** What the mapping reports through (bundle/map.ts's tracker). */
export interface Reporter {
    use(p: string): void;
    add(kind: EntryKind, p: string, message: string): void;
    take<T = unknown>(obj: unknown, base: string, sub: string): T | undefined;
}

/** The text a job is known by: its key, name and the files and keys of its tasks. */
function tasksOf(job: Record<string, unknown>): Record<string, unknown>[] {
    return Array.isArray(job.tasks) ? job.tasks.filter(isRecord) : [];
}

function taskText(task: Record<string, unknown>): string {
    const nb = isRecord(task.notebook_task) ? String(task.notebook_task.notebook_path ?? "") : "";
    const py = isRecord(task.spark_python_task) ? String(task.spark_python_task.python_file ?? "") : "";
    return `${String(task.task_key ?? "")} ${path.basename(nb)} ${path.basename(py)}`.toLowerCase();
}

const TRAINS = /(^|[^a-z])(train|fit)|train/;
const RETRAINS = /retrain/;

/**
 * Each job's kind, at most one job per kind: retraining (it starts another job, or says so),
 * training (a file-arrival trigger, or a task that trains), feature table, batch inference.
 * A job of none of these shapes is not imported.
 */
export function classifyJobs(jobs: Record<string, Record<string, unknown>>): Map<string, JobKind> {
    const out = new Map<string, JobKind>();
    const taken = new Set<JobKind>();
    const keys = Object.keys(jobs);
    const label = (k: string) => `${k} ${String(jobs[k].name ?? "")}`.toLowerCase();
    const assign = (kind: JobKind, test: (k: string) => boolean) => {
        if (taken.has(kind)) return;
        const k = keys.find((x) => !out.has(x) && test(x));
        if (k === undefined) return;
        out.set(k, kind);
        taken.add(kind);
    };
    const startsJob = (k: string) => tasksOf(jobs[k]).some((t) => isRecord(t.run_job_task));
    assign("retraining", (k) => RETRAINS.test(label(k)) || (startsJob(k) && /monitor/.test(label(k))));
    assign(
        "training",
        (k) =>
            (isRecord(jobs[k].trigger) && isRecord((jobs[k].trigger as Record<string, unknown>).file_arrival)) ||
            tasksOf(jobs[k]).some((t) => TRAINS.test(taskText(t)) && !RETRAINS.test(taskText(t))),
    );
    assign("training", (k) => /train/.test(label(k)) && !RETRAINS.test(label(k)));
    assign("featureTable", (k) => /feature/.test(label(k)));
    assign("inference", (k) => /infer|predict|scor|batch/.test(label(k)));
    return out;
}

/** A task's lifecycle role in the training job, from what it runs. */
export function roleOf(task: Record<string, unknown>): "registers" | "validates" | "deploys" | undefined {
    const text = taskText(task);
    if (/deploy/.test(text)) return "deploys";
    if (/valid|eval/.test(text)) return "validates";
    if (TRAINS.test(text) && !RETRAINS.test(text)) return "registers";
    return undefined;
}

/** A file the job runs, copied into the project's workload folder at this path. */
export interface WorkloadFile {
    /** Path inside the workload folder (as the task names it). */
    rel: string;
    /** The bundle's file; undefined: a placeholder is written. */
    source?: string;
    /** Without a source: this content instead of a failing placeholder notebook. */
    text?: string;
}

/** What the jobs' mapping knows of the project. */
export interface JobContext {
    bundleDir: string;
    /** The job kinds by bundle job key (for `run_job_task`). */
    kinds: Map<string, JobKind>;
    /** A parameter value in the program's terms (variables), with what could not be kept reported. */
    parameter(value: unknown, p: string): string | undefined;
    /** The cluster of a task (job cluster spec or new_cluster): folded into the stack's ML cluster. */
    cluster(spec: Record<string, unknown>, p: string): void;
    files: WorkloadFile[];
}

const KEY = /^[A-Za-z0-9_-]{1,100}$/;
const RUN_IF = ["ALL_SUCCESS", "ALL_DONE", "NONE_FAILED", "AT_LEAST_ONE_SUCCESS", "ALL_FAILED", "AT_LEAST_ONE_FAILED"];
const OPS = ["EQUAL_TO", "NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL"];

/** A workload path for a bundle file: relative to the bundle's root, a `.py` the program uploads. */
function workloadPath(value: unknown, p: string, taskKey: string, ctx: JobContext, r: Reporter): string {
    if (typeof value === "string" && value.startsWith(LOCAL)) {
        const abs = value.slice(LOCAL.length);
        const rel = path.relative(ctx.bundleDir, abs).split(path.sep).join("/");
        const inside = !rel.startsWith("..") && !path.isAbsolute(rel);
        const relPy = inside ? (rel.endsWith(".py") ? rel : `${rel}.py`) : `tasks/${taskKey}.py`;
        const exists = fs.existsSync(abs) && fs.statSync(abs).isFile();
        if (exists && inside && rel.endsWith(".py")) {
            r.use(p);
            if (!ctx.files.some((f) => f.rel === relPy)) ctx.files.push({ rel: relPy, source: abs });
            return relPy;
        }
        r.add(
            "added",
            p,
            `${rel}: ${exists ? (inside ? "not a Python source file" : "outside the bundle") : "no such file in the bundle"}: the task runs ${relPy}, a placeholder that fails until replaced`,
        );
        if (!ctx.files.some((f) => f.rel === relPy)) ctx.files.push({ rel: relPy });
        return relPy;
    }
    const relPy = `tasks/${taskKey}.py`;
    r.add(
        "unmapped",
        p,
        `${JSON.stringify(value)} is not a file of the bundle (the program uploads the project's own code): the task runs ${relPy}, a placeholder that fails until replaced`,
    );
    if (!ctx.files.some((f) => f.rel === relPy)) ctx.files.push({ rel: relPy });
    return relPy;
}

/** The tasks of one job as the program's task specs; a task that cannot be one is reported and left out. */
export function mapTasks(
    job: Record<string, unknown>,
    base: string,
    kind: JobKind,
    ctx: JobContext,
    r: Reporter,
): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const roles = new Set<string>();
    const clusters = Array.isArray(job.job_clusters) ? job.job_clusters.filter(isRecord) : [];
    tasksOf(job).forEach((task, i) => {
        const tBase = `${base}.tasks[${i}]`;
        const key = String(r.take(task, tBase, "task_key") ?? "");
        if (!KEY.test(key)) {
            r.add("unmapped", tBase, `task key ${JSON.stringify(key)}: expected letters, digits, '_' and '-'`);
            return;
        }
        const spec: Record<string, unknown> = { taskKey: key };
        if (kind === "training") {
            const role = roleOf(task);
            if (role && !roles.has(role)) {
                spec.role = role;
                roles.add(role);
            }
        }
        const description = r.take(task, tBase, "description");
        if (typeof description === "string") spec.description = description;
        const nb = isRecord(task.notebook_task) ? task.notebook_task : undefined;
        const py = isRecord(task.spark_python_task) ? task.spark_python_task : undefined;
        const cond = isRecord(task.condition_task) ? task.condition_task : undefined;
        const run = isRecord(task.run_job_task) ? task.run_job_task : undefined;
        if (nb) {
            const nBase = `${tBase}.notebook_task`;
            const notebookTask: Record<string, unknown> = {
                notebookPath: workloadPath(nb.notebook_path, `${nBase}.notebook_path`, key, ctx, r),
            };
            if (nb.source === undefined || nb.source === "WORKSPACE") r.use(`${nBase}.source`);
            if (isRecord(nb.base_parameters)) {
                const params: Record<string, string> = {};
                for (const [k, v] of Object.entries(nb.base_parameters)) {
                    const value = ctx.parameter(v, `${nBase}.base_parameters.${k}`);
                    if (value !== undefined) params[k] = value;
                }
                notebookTask.baseParameters = params;
            }
            spec.notebookTask = notebookTask;
        } else if (py) {
            const pBase = `${tBase}.spark_python_task`;
            const sparkPythonTask: Record<string, unknown> = {
                pythonFile: workloadPath(py.python_file, `${pBase}.python_file`, key, ctx, r),
            };
            if (py.source === undefined || py.source === "WORKSPACE") r.use(`${pBase}.source`);
            if (Array.isArray(py.parameters)) {
                const params = py.parameters.map((v, j) => ctx.parameter(v, `${pBase}.parameters[${j}]`));
                if (params.every((v) => v !== undefined)) sparkPythonTask.parameters = params;
            }
            spec.sparkPythonTask = sparkPythonTask;
        } else if (cond) {
            const cBase = `${tBase}.condition_task`;
            const op = String(r.take(cond, cBase, "op") ?? "");
            if (!OPS.includes(op)) {
                r.add("unmapped", tBase, `condition operator ${JSON.stringify(op)}: expected one of ${OPS.join(", ")}`);
                return;
            }
            spec.conditionTask = {
                left: String(r.take(cond, cBase, "left") ?? ""),
                op,
                right: String(r.take(cond, cBase, "right") ?? ""),
            };
        } else if (run) {
            const ref = /^\$\{resources\.jobs\.([^.}]+)\.id\}$/.exec(String(run.job_id ?? ""));
            const target = ref ? ctx.kinds.get(ref[1]) : undefined;
            if (!target) {
                r.add(
                    "unmapped",
                    tBase,
                    `runs job ${JSON.stringify(run.job_id)}: the program runs only a job of the same project (by kind), and this one is not imported`,
                );
                return;
            }
            r.use(`${tBase}.run_job_task.job_id`);
            spec.runJobTask = { job: target };
        } else {
            r.add(
                "unmapped",
                tBase,
                `task ${key}: the program's tasks run a notebook or a Python file of the workload, a condition or another job of the project`,
            );
            return;
        }
        const deps = Array.isArray(task.depends_on) ? task.depends_on.filter(isRecord) : [];
        if (deps.length > 0) {
            spec.dependsOn = deps.map((d) => ({
                taskKey: String(d.task_key),
                ...(d.outcome !== undefined ? { outcome: String(d.outcome) } : {}),
            }));
            r.use(`${tBase}.depends_on`);
        }
        const runIf = r.take(task, tBase, "run_if");
        if (typeof runIf === "string" && RUN_IF.includes(runIf) && runIf !== "ALL_SUCCESS") spec.runIf = runIf;
        if (!cond && !run) {
            const ck = task.job_cluster_key;
            if (typeof ck === "string") {
                r.use(`${tBase}.job_cluster_key`);
                const i2 = clusters.findIndex((c) => c.job_cluster_key === ck);
                if (i2 >= 0 && isRecord(clusters[i2].new_cluster))
                    ctx.cluster(
                        clusters[i2].new_cluster as Record<string, unknown>,
                        `${base}.job_clusters[${i2}].new_cluster`,
                    );
                if (i2 >= 0) r.use(`${base}.job_clusters[${i2}].job_cluster_key`);
                spec.jobClusterKey = "ml_cluster";
            } else if (isRecord(task.new_cluster)) {
                ctx.cluster(task.new_cluster, `${tBase}.new_cluster`);
                spec.jobClusterKey = "ml_cluster";
            } else if (typeof task.environment_key === "string") {
                r.use(`${tBase}.environment_key`);
                spec.environmentKey = task.environment_key;
            } else {
                r.add(
                    "note",
                    tBase,
                    `task ${key} names no compute (serverless, or an existing cluster): the program runs it ${Array.isArray(job.environments) ? "in the job's first environment" : "on the stack's ML job cluster"}`,
                );
                if (typeof task.existing_cluster_id === "string") r.use(`${tBase}.existing_cluster_id`);
                if (!Array.isArray(job.environments)) spec.jobClusterKey = "ml_cluster";
            }
        }
        const timeout = r.take(task, tBase, "timeout_seconds");
        if (typeof timeout === "number" && timeout > 0) spec.timeoutSeconds = timeout;
        const retries = r.take(task, tBase, "max_retries");
        if (typeof retries === "number" && retries >= 0) spec.maxRetries = retries;
        out.push(spec);
    });
    return out;
}

/**
 * A job's serverless environments. A requirements file (`-r ../requirements.txt`) is relative to
 * the YAML file that declares the job (as the CLI translates it); it becomes a file of the
 * workload folder, which the program uploads with the code.
 */
export function mapEnvironments(
    job: Record<string, unknown>,
    base: string,
    r: Reporter,
    ctx: JobContext,
    originDir: string,
): Record<string, unknown>[] | undefined {
    if (!Array.isArray(job.environments)) return undefined;
    const out: Record<string, unknown>[] = [];
    job.environments.forEach((e, i) => {
        if (!isRecord(e)) return;
        const eBase = `${base}.environments[${i}]`;
        const key = String(r.take(e, eBase, "environment_key") ?? "");
        const spec = isRecord(e.spec) ? e.spec : {};
        const sBase = `${eBase}.spec`;
        const declared = r.take(spec, sBase, "environment_version") ?? r.take(spec, sBase, "client");
        // A version without a tested local environment is refused by the config (config/runtimes.ts):
        // the newest supported one stands in, reported.
        const newest = SERVERLESS_ENVIRONMENT_VERSIONS[SERVERLESS_ENVIRONMENT_VERSIONS.length - 1];
        const unsupported = declared !== undefined && unsupportedServerlessMessage(String(declared)) !== undefined;
        if (unsupported)
            r.add(
                "unmapped",
                `${sBase}.environment_version`,
                `"${String(declared)}": expected a serverless environment version with a tested local environment (${SERVERLESS_ENVIRONMENT_VERSIONS.join(", ")}); version ${newest} is declared instead`,
            );
        const version = unsupported ? newest : declared;
        const deps = r.take(spec, sBase, "dependencies");
        const dependencies = (Array.isArray(deps) ? deps.map(String) : []).map((d) => {
            const m = /^-r\s+(\S+)$/.exec(d.trim());
            if (!m || path.isAbsolute(m[1]) || m[1].startsWith("/")) return d;
            const abs = path.resolve(originDir, m[1]);
            const rel = path.relative(ctx.bundleDir, abs).split(path.sep).join("/");
            if (rel.startsWith("..")) return d;
            if (!ctx.files.some((f) => f.rel === rel))
                ctx.files.push({ rel, source: fs.existsSync(abs) ? abs : undefined, text: "" });
            return `-r ${rel}`;
        });
        out.push({
            environmentKey: key,
            spec: {
                ...(version !== undefined ? { environmentVersion: String(version) } : {}),
                dependencies,
            },
        });
    });
    return out;
}

/** A schedule (`quartz_cron_expression`, `timezone_id`, `pause_status`) in the program's terms. */
export function mapSchedule(
    schedule: Record<string, unknown>,
    base: string,
    r: Reporter,
    presetPause: string | undefined,
): { cron: string; timezone: string; pauseStatus?: string } {
    const cron = String(r.take(schedule, base, "quartz_cron_expression") ?? "");
    const timezone = String(r.take(schedule, base, "timezone_id") ?? "UTC");
    const pause = r.take(schedule, base, "pause_status") ?? presetPause;
    return { cron, timezone, ...(typeof pause === "string" ? { pauseStatus: pause } : {}) };
}

/** A trigger in the program's terms; undefined (reported) where it has no place. */
export function mapTrigger(
    trigger: Record<string, unknown>,
    base: string,
    r: Reporter,
    presetPause: string | undefined,
    trainingDataUrl: string | undefined,
): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    const fa = isRecord(trigger.file_arrival) ? trigger.file_arrival : undefined;
    const model = isRecord(trigger.model) ? trigger.model : undefined;
    const periodic = isRecord(trigger.periodic) ? trigger.periodic : undefined;
    if (fa) {
        const fBase = `${base}.file_arrival`;
        const url = String(r.take(fa, fBase, "url") ?? "");
        const spec: Record<string, unknown> = {};
        const folder = url.endsWith("/") ? url : `${url}/`;
        if (trainingDataUrl === undefined || folder !== trainingDataUrl) {
            if (/^(\/Volumes\/|abfss:\/\/|s3:\/\/|gs:\/\/)/.test(folder) && !folder.includes("${")) spec.url = folder;
            else
                r.add(
                    "unmapped",
                    `${fBase}.url`,
                    `${JSON.stringify(url)}: the program watches a volume or cloud folder it can name; the trigger watches the project's training-data folder`,
                );
        }
        for (const [from, to] of [
            ["min_time_between_triggers_seconds", "minTimeBetweenTriggersSeconds"],
            ["wait_after_last_change_seconds", "waitAfterLastChangeSeconds"],
        ]) {
            const v = r.take(fa, fBase, from);
            if (typeof v === "number") spec[to] = v;
        }
        out.fileArrival = spec;
    } else if (model) {
        const mBase = `${base}.model`;
        const spec: Record<string, unknown> = { condition: String(r.take(model, mBase, "condition") ?? "") };
        const aliases = r.take(model, mBase, "aliases");
        if (Array.isArray(aliases)) spec.aliases = aliases.map(String);
        // The trigger watches the project's model: the bundle's names it too.
        r.take(model, mBase, "securable_name");
        for (const [from, to] of [
            ["min_time_between_triggers_seconds", "minTimeBetweenTriggersSeconds"],
            ["wait_after_last_change_seconds", "waitAfterLastChangeSeconds"],
        ]) {
            const v = r.take(model, mBase, from);
            if (typeof v === "number") spec[to] = v;
        }
        out.model = spec;
    } else if (periodic) {
        const pBase = `${base}.periodic`;
        out.periodic = {
            interval: Number(r.take(periodic, pBase, "interval")),
            unit: String(r.take(periodic, pBase, "unit")),
        };
    } else {
        r.add(
            "unmapped",
            base,
            "a trigger this program does not have (it has file arrival, model events and periodic)",
        );
        return undefined;
    }
    const pause = r.take(trigger, base, "pause_status") ?? presetPause;
    if (typeof pause === "string") out.pauseStatus = pause;
    return out;
}
