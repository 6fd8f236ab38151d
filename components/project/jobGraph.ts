import type * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import {
    type ComputeKind,
    type EnvironmentSpec,
    type JobKind,
    type LifecycleRole,
    ML_CLUSTER_KEY,
    PARAMETER_VARIABLES,
    type ParameterVariable,
    type ScheduleSpec,
    type TaskSpec,
    type TriggerSpec,
} from "../../config/jobs";
import type { PauseStatus } from "../../config/schema";

/**
 * Jobs as data: a job's tasks, compute and trigger as a typed value, built by the small functions
 * here from the config (or by a job kind's defaults), checked, and declared once by the job's
 * component (`declareJob` in jobCommon.ts).
 */

/** A job task as the components build it: a plain key, plain dependencies, and its lifecycle role. */
export type JobTaskDef = Omit<databricks.types.input.JobTask, "taskKey" | "dependsOns"> & {
    taskKey: string;
    dependsOns?: { taskKey: string; outcome?: pulumi.Input<string> }[];
    /** What the task does for the model's lifecycle; never sent to the API. */
    role?: LifecycleRole;
};

/** The uploaded code a task runs: the workspace path of a workload file, as a notebook or a file. */
export type CodePath = (file: string, as: "notebook" | "file") => pulumi.Input<string>;

/** What turns a configured task into a job task. */
export interface TaskContext {
    /** The workspace path of each workload file the tasks name. */
    code: CodePath;
    /** The values of the parameter variables (`${project.model}`, ...). */
    variables: Record<ParameterVariable, pulumi.Input<string>>;
    /** The ids of the project's jobs a `runJobTask` may name. */
    jobIds: Partial<Record<JobKind, pulumi.Input<string>>>;
    /** Where tasks that name no compute run. */
    compute: ComputeKind;
    /** The environment key serverless tasks that name none use. */
    defaultEnvironmentKey: string;
    /** The job's per-task timeout; a task's own wins. */
    timeoutSeconds?: number;
}

/**
 * A parameter value with the program's variables replaced, in one pass over the text: a value
 * that holds a variable's name after replacement is not scanned again, so no input loops.
 */
export function interpolateParameter(value: string, variables: Partial<Record<string, string>>): string {
    return value.replace(/\$\{[^}]*\}/g, (ref) => variables[ref] ?? ref);
}

/** A parameter value as a job input: plain text stays plain; a value with variables waits for them. */
export function parameterInput(
    value: string,
    variables: Record<ParameterVariable, pulumi.Input<string>>,
): pulumi.Input<string> {
    const found: string[] = value.match(/\$\{[^}]*\}/g) ?? [];
    const refs = found.filter((r): r is ParameterVariable => r in PARAMETER_VARIABLES);
    if (refs.length === 0) return value;
    const used = [...new Set(refs)];
    return pulumi
        .all(used.map((r) => variables[r]))
        .apply((vals) => interpolateParameter(value, Object.fromEntries(used.map((r, i) => [r, vals[i]]))));
}

function parameterMap(
    params: Record<string, string> | undefined,
    variables: TaskContext["variables"],
): Record<string, pulumi.Input<string>> | undefined {
    if (params === undefined) return undefined;
    return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, parameterInput(v, variables)]));
}

/** The compute of a configured task: its own, else the job's default; none for condition and run-job tasks. */
export function taskCompute(
    t: Pick<TaskSpec, "jobClusterKey" | "environmentKey" | "conditionTask" | "runJobTask">,
    compute: ComputeKind,
    defaultEnvironmentKey: string,
): { jobClusterKey?: string; environmentKey?: string } {
    if (t.conditionTask !== undefined || t.runJobTask !== undefined) return {};
    if (t.jobClusterKey !== undefined) return { jobClusterKey: t.jobClusterKey };
    if (t.environmentKey !== undefined) return { environmentKey: t.environmentKey };
    return compute === "serverless" ? { environmentKey: defaultEnvironmentKey } : { jobClusterKey: ML_CLUSTER_KEY };
}

/** One configured task as a job task. */
export function configuredTask(t: TaskSpec, ctx: TaskContext): JobTaskDef {
    const code = (): Partial<JobTaskDef> => {
        if (t.notebookTask) {
            return {
                notebookTask: {
                    notebookPath: ctx.code(t.notebookTask.notebookPath, "notebook"),
                    baseParameters: parameterMap(t.notebookTask.baseParameters, ctx.variables),
                    source: "WORKSPACE",
                },
            };
        }
        if (t.sparkPythonTask) {
            return {
                sparkPythonTask: {
                    pythonFile: ctx.code(t.sparkPythonTask.pythonFile, "file"),
                    parameters: t.sparkPythonTask.parameters?.map((p) => parameterInput(p, ctx.variables)),
                    source: "WORKSPACE",
                },
            };
        }
        if (t.conditionTask) return { conditionTask: { ...t.conditionTask } };
        const kind = (t.runJobTask as NonNullable<TaskSpec["runJobTask"]>).job;
        const id = ctx.jobIds[kind];
        if (id === undefined) throw new Error(`task ${t.taskKey}: the project declares no ${kind} job to run`);
        return { runJobTask: { jobId: pulumi.output(id).apply(Number) } };
    };
    const computeless = t.conditionTask !== undefined || t.runJobTask !== undefined;
    return {
        taskKey: t.taskKey,
        role: t.role,
        description: t.description,
        dependsOns: t.dependsOn?.map((d) => (d.outcome === undefined ? { taskKey: d.taskKey } : { ...d })),
        runIf: t.runIf,
        ...taskCompute(t, ctx.compute, ctx.defaultEnvironmentKey),
        ...code(),
        timeoutSeconds: computeless ? undefined : (t.timeoutSeconds ?? ctx.timeoutSeconds),
        maxRetries: t.maxRetries,
    };
}

/** The tasks of a job from the config. */
export function configuredTasks(tasks: TaskSpec[], ctx: TaskContext): JobTaskDef[] {
    return tasks.map((t) => configuredTask(t, ctx));
}

/** The environment key serverless tasks without one use: the job's first environment, or `default`. */
export function defaultEnvironmentKey(environments: EnvironmentSpec[] | undefined): string {
    return environments?.[0]?.environmentKey ?? "default";
}

/**
 * A job's compute, from what its tasks use: the ML job cluster when a task runs on it, the
 * serverless environments when a task names one (the job's own, or one `default` environment of
 * the stack's version). A `-r <file>` dependency points at the uploaded requirements file.
 */
export function jobCompute(
    tasks: Pick<JobTaskDef, "jobClusterKey" | "environmentKey">[],
    jobCluster: pulumi.Input<databricks.types.input.JobJobCluster>,
    environments: EnvironmentSpec[] | undefined,
    stackEnvironmentVersion: string | undefined,
    code: CodePath,
): {
    jobClusters?: pulumi.Input<databricks.types.input.JobJobCluster>[];
    environments?: databricks.types.input.JobEnvironment[];
} {
    const usesCluster = tasks.some((t) => t.jobClusterKey === ML_CLUSTER_KEY);
    const usedEnvs = new Set(tasks.flatMap((t) => (typeof t.environmentKey === "string" ? [t.environmentKey] : [])));
    const declared = environments ?? [];
    const specs: EnvironmentSpec[] =
        declared.length > 0 || usedEnvs.size === 0
            ? declared
            : [...usedEnvs].map((environmentKey) => ({ environmentKey, spec: { dependencies: [] } }));
    return {
        jobClusters: usesCluster ? [jobCluster] : undefined,
        environments:
            usedEnvs.size === 0
                ? undefined
                : specs.map((e) => ({
                      environmentKey: e.environmentKey,
                      spec: {
                          environmentVersion:
                              e.spec.client === undefined
                                  ? (e.spec.environmentVersion ?? stackEnvironmentVersion)
                                  : undefined,
                          client: e.spec.client,
                          dependencies:
                              e.spec.dependencies.length > 0
                                  ? e.spec.dependencies.map((d) => dependencyInput(d, code))
                                  : undefined,
                      },
                  })),
    };
}

/** A requirements-file line (`-r <file>`) names a workload file; it becomes its workspace path. */
export function requirementsFile(dependency: string): string | undefined {
    const m = /^-r\s+(\S+)$/.exec(dependency.trim());
    return m ? m[1] : undefined;
}

function dependencyInput(dependency: string, code: CodePath): pulumi.Input<string> {
    const file = requirementsFile(dependency);
    return file === undefined ? dependency : pulumi.interpolate`-r ${code(file, "file")}`;
}

/** The program's default for a job without a configured trigger or schedule. */
export type DefaultStart = { fileArrival: { url: pulumi.Input<string> } } | { schedule: ScheduleSpec } | "none";

/**
 * A job's `trigger` and `schedule` inputs: the configured schedule, else the configured trigger,
 * else the job kind's default. Pause statuses follow the mode (see `Presets.pauseStatus`).
 */
export function jobStart(
    configured: {
        trigger?: TriggerSpec & { minTimeBetweenTriggersSeconds?: number; waitAfterLastChangeSeconds?: number };
        schedule?: ScheduleSpec;
    },
    defaults: { start: DefaultStart; modelName: pulumi.Input<string>; fileArrivalUrl?: pulumi.Input<string> },
    pauseStatus: (configured: PauseStatus | undefined) => PauseStatus,
): { trigger?: databricks.types.input.JobTrigger; schedule?: databricks.types.input.JobSchedule } {
    const schedule = (s: ScheduleSpec) => ({
        schedule: { quartzCronExpression: s.cron, timezoneId: s.timezone, pauseStatus: pauseStatus(s.pauseStatus) },
    });
    if (configured.schedule) return schedule(configured.schedule);
    const t = configured.trigger;
    if (t?.onDemand) return {};
    if (t?.model) {
        return {
            trigger: {
                pauseStatus: pauseStatus(t.pauseStatus),
                model: {
                    condition: t.model.condition,
                    securableName: defaults.modelName,
                    aliases: t.model.aliases,
                    minTimeBetweenTriggersSeconds: t.model.minTimeBetweenTriggersSeconds,
                    waitAfterLastChangeSeconds: t.model.waitAfterLastChangeSeconds,
                },
            },
        };
    }
    if (t?.periodic) return { trigger: { pauseStatus: pauseStatus(t.pauseStatus), periodic: { ...t.periodic } } };
    const fileArrival = (url: pulumi.Input<string>) => ({
        trigger: {
            pauseStatus: pauseStatus(t?.pauseStatus),
            fileArrival: {
                url,
                minTimeBetweenTriggersSeconds:
                    t?.fileArrival?.minTimeBetweenTriggersSeconds ?? t?.minTimeBetweenTriggersSeconds,
                waitAfterLastChangeSeconds: t?.fileArrival?.waitAfterLastChangeSeconds ?? t?.waitAfterLastChangeSeconds,
            },
        },
    });
    if (t?.fileArrival) {
        const url = t.fileArrival.url ?? defaults.fileArrivalUrl;
        if (url === undefined)
            throw new Error("a file-arrival trigger without a url, where the job has no default folder");
        return fileArrival(url);
    }
    const d = defaults.start;
    if (d === "none") return {};
    if ("schedule" in d) return schedule(d.schedule);
    return fileArrival(d.fileArrival.url);
}

/** The workload files the configured tasks of a job run or install: notebooks, Python files, requirements. */
export function taskFiles(
    tasks: TaskSpec[] | undefined,
    environments: EnvironmentSpec[] | undefined,
): { notebooks: string[]; files: string[] } {
    const notebooks = new Set<string>();
    const files = new Set<string>();
    for (const t of tasks ?? []) {
        if (t.notebookTask) notebooks.add(t.notebookTask.notebookPath);
        if (t.sparkPythonTask) files.add(t.sparkPythonTask.pythonFile);
    }
    for (const e of environments ?? []) {
        for (const d of e.spec.dependencies) {
            const f = requirementsFile(d);
            if (f !== undefined) files.add(f);
        }
    }
    return { notebooks: [...notebooks].sort(), files: [...files].sort() };
}

/** A job as data: what its component declares. */
export interface JobDefinition {
    tasks: JobTaskDef[];
    trigger?: databricks.types.input.JobTrigger;
    schedule?: databricks.types.input.JobSchedule;
    jobClusters?: pulumi.Input<databricks.types.input.JobJobCluster>[];
    environments?: databricks.types.input.JobEnvironment[];
}

/** A job's config: its tasks, compute, start and timeout, as every job kind's config has them. */
export interface JobConfig {
    tasks?: TaskSpec[];
    compute?: ComputeKind;
    environments?: EnvironmentSpec[];
    trigger?: TriggerSpec & { minTimeBetweenTriggersSeconds?: number; waitAfterLastChangeSeconds?: number };
    schedule?: ScheduleSpec;
    timeoutSeconds?: number;
}

/** What a job kind gives a job whose config leaves something out. */
export interface JobDefaults {
    /** The program's tasks, when the config names none. */
    tasks: () => JobTaskDef[];
    /** How the job starts when the config says nothing. */
    start: DefaultStart;
    /** The folder a file-arrival trigger without a url watches. */
    fileArrivalUrl?: pulumi.Input<string>;
}

/** What every job of a project builds on. */
export interface ProjectJobContext extends Omit<TaskContext, "compute" | "defaultEnvironmentKey" | "timeoutSeconds"> {
    /** The project's ML job cluster (`ml_cluster`). */
    jobCluster: pulumi.Input<databricks.types.input.JobJobCluster>;
    /** The stack's serverless environment version, for environments that name none. */
    serverlessEnvironmentVersion?: string;
    /** The registered model a model trigger watches. */
    modelName: pulumi.Input<string>;
    /** The pause status of a trigger or schedule, as the mode sets it. */
    pauseStatus: (configured: PauseStatus | undefined) => PauseStatus;
}

/** A job's definition: the configured tasks or the kind's, their compute, and how the job starts. */
export function jobDefinition(config: JobConfig, defaults: JobDefaults, ctx: ProjectJobContext): JobDefinition {
    const tasks = config.tasks
        ? configuredTasks(config.tasks, {
              ...ctx,
              compute: config.compute ?? "cluster",
              defaultEnvironmentKey: defaultEnvironmentKey(config.environments),
              timeoutSeconds: config.timeoutSeconds,
          })
        : defaults.tasks();
    return {
        tasks,
        ...jobStart(
            config,
            { start: defaults.start, modelName: ctx.modelName, fileArrivalUrl: defaults.fileArrivalUrl },
            ctx.pauseStatus,
        ),
        ...jobCompute(tasks, ctx.jobCluster, config.environments, ctx.serverlessEnvironmentVersion, ctx.code),
    };
}
