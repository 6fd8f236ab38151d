import { z } from "zod";
import { unsupportedServerlessMessage } from "./runtimes";
import { environment, PAUSE_STATUSES, promotable, quartzCron, timezone } from "./fields";

/**
 * A project's jobs as task graphs: the config of the training, batch inference, feature-table
 * and retraining jobs beyond the program's default tasks. The keys follow Databricks Asset
 * Bundles' job settings (`tasks`, `task_key`, `depends_on`, `run_if`, `notebook_task`,
 * `environment_key`, `environments`, `trigger`), in this config's camelCase, so that a bundle's
 * job maps onto them key by key. What differs, and why:
 * - code paths are relative to the project's workload folder (`workload.dir`), which the program
 *   uploads; a bundle's are relative to the YAML file;
 * - a task's job cluster is the stack's ML job cluster (`jobClusterKey: ml_cluster`, under the
 *   workspace's cluster policy), never a cluster spec of its own;
 * - `runJobTask` names a job of the same project by kind (`training`), not by id;
 * - a task may carry a lifecycle `role`, which the program relies on (see `LIFECYCLE_ROLES`).
 */

/** The job cluster every cluster task runs on: the stack's ML job cluster under the workspace policy. */
export const ML_CLUSTER_KEY = "ml_cluster";

/**
 * What a task does for the model's lifecycle, which the rest of the program relies on:
 * - `registers`: registers new model versions (the training job needs exactly one; the retraining
 *   job and a deferred endpoint wait on it);
 * - `validates`: checks a registered version against the quality gate (it receives the gate's
 *   thresholds);
 * - `deploys`: moves the serving alias; it must run after the job's `validates` task (no version
 *   reaches the endpoint unchecked), which must run after the `registers` task when the job has one.
 */
export const LIFECYCLE_ROLES = ["registers", "validates", "deploys"] as const;
export type LifecycleRole = (typeof LIFECYCLE_ROLES)[number];

/** The jobs a project may shape, by kind (the config key of each). */
export const JOB_KINDS = ["training", "inference", "featureTable", "retraining"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** `run_if` conditions of the Jobs API (databricks-sdk-go service/jobs `RunIf`). */
export const RUN_IF = [
    "ALL_SUCCESS",
    "ALL_DONE",
    "NONE_FAILED",
    "AT_LEAST_ONE_SUCCESS",
    "ALL_FAILED",
    "AT_LEAST_ONE_FAILED",
] as const;

/** Condition task operators (databricks-sdk-go service/jobs `ConditionTaskOp`). */
export const CONDITION_OPS = [
    "EQUAL_TO",
    "NOT_EQUAL",
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL",
] as const;

/**
 * Unity Catalog model events a job can be triggered by (the bundle schema's
 * `jobs.ModelTriggerConfigurationCondition`): MLflow 3 deployment jobs run on `MODEL_VERSION_READY`.
 */
export const MODEL_TRIGGER_CONDITIONS = ["MODEL_CREATED", "MODEL_VERSION_READY", "MODEL_ALIAS_SET"] as const;

/** Periodic trigger units (terraform-provider-databricks `JobTriggerPeriodic.unit`). */
export const PERIODIC_UNITS = ["HOURS", "DAYS", "WEEKS"] as const;

/** A task or environment key as the Jobs API takes it: letters, digits, `_` and `-`, at most 100. */
const jobKey = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "expected a key of letters, digits, '_' and '-' (1-100)");

/** A file of the workload folder: a relative path inside it. */
const workloadFile = (ext: string) =>
    z
        .string()
        .regex(
            new RegExp(`^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9_./-]+\\${ext}$`),
            `expected a ${ext} file inside the workload folder, such as 'training/train${ext}'`,
        );

/**
 * Values a task parameter may hold besides plain text: the program's names, resolved per stack
 * (the development prefix included), so that one shared definition serves every environment. The
 * Jobs API's own dynamic references (`{{job.id}}`, `{{tasks.<key>.values.<name>}}`) pass through.
 */
export const PARAMETER_VARIABLES = {
    "${bundle.target}": "the environment name (`environment`)",
    "${project.name}": "the project's name",
    "${project.catalog}": "the environment's catalog",
    "${project.schema}": "the project's schema (prefixed in development mode)",
    "${project.model}": "the registered model's three-level name",
    "${project.experiment}": "the experiment's workspace path",
    "${project.features_table}": "`<catalog>.<schema>.customer_features`",
    "${project.predictions_table}": "the batch inference output table",
    "${project.training_data}": "the training-data folder of the project's volume",
    "${workspace.current_user.userName}": "the deploying identity's user name",
    "${workspace.current_user.short_name}": "the deploying identity's short name (as in the development prefix)",
} as const;
export type ParameterVariable = keyof typeof PARAMETER_VARIABLES;

/** `${...}` references in a parameter value that are not in `PARAMETER_VARIABLES`. */
export function unknownParameterVariables(value: string): string[] {
    return (value.match(/\$\{[^}]*\}/g) ?? []).filter((v) => !(v in PARAMETER_VARIABLES));
}

const parameterValue = z.string().superRefine((v, ctx) => {
    const unknown = unknownParameterVariables(v);
    if (unknown.length > 0) {
        ctx.addIssue({
            code: "custom",
            message: `expected only the variables ${Object.keys(PARAMETER_VARIABLES).join(", ")}, found ${unknown.join(", ")}`,
            input: v,
        });
    }
});

const dependsOnSchema = z
    .object({
        taskKey: jobKey.describe("The task this one runs after."),
        outcome: z
            .enum(["true", "false"])
            .optional()
            .describe("For a condition task: run only when it came out this way."),
    })
    .strict();

const taskSchema = z
    .object({
        taskKey: jobKey.describe("The task's key, unique in the job (`task_key`)."),
        role: z
            .enum(LIFECYCLE_ROLES)
            .optional()
            .describe("The task's lifecycle role: `registers`, `validates` or `deploys`; omitted: none."),
        description: z.string().max(1000).optional().describe("What the task does."),
        notebookTask: z
            .object({
                notebookPath: workloadFile(".py").describe(
                    "The notebook (Python source) in the workload folder; uploaded as a workspace notebook.",
                ),
                baseParameters: z
                    .record(z.string().min(1), parameterValue)
                    .optional()
                    .describe("The notebook's widgets' values; may use the program's variables."),
            })
            .strict()
            .optional()
            .describe("Run a notebook of the workload folder."),
        sparkPythonTask: z
            .object({
                pythonFile: workloadFile(".py").describe(
                    "The Python file in the workload folder; uploaded as a workspace file.",
                ),
                parameters: z
                    .array(parameterValue)
                    .optional()
                    .describe("Its command-line arguments; may use the program's variables."),
            })
            .strict()
            .optional()
            .describe("Run a Python file of the workload folder."),
        conditionTask: z
            .object({
                left: z.string().min(1).describe("Left operand, usually a task value `{{tasks.<key>.values.<name>}}`."),
                op: z.enum(CONDITION_OPS).describe("The comparison."),
                right: z.string().describe("Right operand."),
            })
            .strict()
            .optional()
            .describe("Branch on a value: the tasks after it name its `outcome`."),
        runJobTask: z
            .object({
                job: z.enum(JOB_KINDS).describe("The project's job to run, by kind (`training`)."),
            })
            .strict()
            .optional()
            .describe("Run another job of the project."),
        dependsOn: z.array(dependsOnSchema).optional().describe("The tasks this one runs after (`depends_on`)."),
        runIf: z
            .enum(RUN_IF)
            .optional()
            .describe("When it runs, given its dependencies' outcomes (`run_if`); omitted: ALL_SUCCESS."),
        jobClusterKey: z
            .literal(ML_CLUSTER_KEY)
            .optional()
            .describe("Run on the stack's ML job cluster (`ml_cluster`)."),
        environmentKey: jobKey
            .optional()
            .describe("Run on serverless compute in this environment of the job's `environments`."),
        timeoutSeconds: z.number().int().positive().optional().describe("Task timeout in seconds; omitted: none."),
        maxRetries: z.number().int().min(0).optional().describe("Retries after a failure; omitted: none."),
    })
    .strict()
    .superRefine((t, ctx) => {
        const kinds = (["notebookTask", "sparkPythonTask", "conditionTask", "runJobTask"] as const).filter(
            (k) => t[k] !== undefined,
        );
        if (kinds.length !== 1) {
            ctx.addIssue({
                code: "custom",
                path: [],
                message: `expected exactly one of notebookTask, sparkPythonTask, conditionTask, runJobTask in task ${t.taskKey}, found ${kinds.length === 0 ? "none" : kinds.join(" and ")}`,
                input: t,
            });
        }
        if (t.jobClusterKey !== undefined && t.environmentKey !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["environmentKey"],
                message: `expected either jobClusterKey or environmentKey in task ${t.taskKey}, found both`,
                input: t.environmentKey,
            });
        }
        const computeless = t.conditionTask !== undefined || t.runJobTask !== undefined;
        if (computeless && (t.jobClusterKey !== undefined || t.environmentKey !== undefined)) {
            ctx.addIssue({
                code: "custom",
                path: [t.jobClusterKey !== undefined ? "jobClusterKey" : "environmentKey"],
                message: `expected no compute on task ${t.taskKey}: condition and run-job tasks run without one`,
                input: t.jobClusterKey ?? t.environmentKey,
            });
        }
    });

export type TaskSpec = z.output<typeof taskSchema>;

const environmentSchema = z
    .object({
        environmentKey: jobKey.describe("The environment's key; tasks name it in `environmentKey`."),
        spec: z
            .object({
                environmentVersion: z
                    .string()
                    .regex(/^[1-9][0-9]*$/, "expected a serverless environment version such as '5'")
                    .optional()
                    .describe(
                        "The serverless environment version (its Python and libraries); omitted: the stack's `serverlessEnvironmentVersion`.",
                    ),
                client: z
                    .string()
                    .regex(/^[1-9][0-9]*$/, "expected a client version such as '1'")
                    .optional()
                    .describe("The older name of the environment version (`client`); prefer environmentVersion."),
                dependencies: z
                    .array(z.string().min(1))
                    .default([])
                    .describe(
                        "pip requirement lines; `-r <file>` names a requirements file of the workload folder, uploaded with the code.",
                    ),
            })
            .strict()
            .default({ dependencies: [] })
            .describe("The environment's spec."),
    })
    .strict()
    .superRefine((e, ctx) => {
        const version = e.spec.environmentVersion ?? e.spec.client;
        const unsupported = version === undefined ? undefined : unsupportedServerlessMessage(version);
        if (unsupported !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["spec", e.spec.environmentVersion !== undefined ? "environmentVersion" : "client"],
                message: unsupported,
                input: version,
            });
        }
        if (e.spec.environmentVersion !== undefined && e.spec.client !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["spec", "client"],
                message: `expected either environmentVersion or client in environment ${e.environmentKey}, found both`,
                input: e.spec.client,
            });
        }
    });

export type EnvironmentSpec = z.output<typeof environmentSchema>;

/** Where a job's tasks run when they name no compute of their own. */
export const COMPUTE_KINDS = ["cluster", "serverless"] as const;
export type ComputeKind = (typeof COMPUTE_KINDS)[number];

/** The compute and graph fields every job kind has. */
export const jobShapeFields = {
    name: z
        .string()
        .min(1)
        .max(4096)
        .optional()
        .meta(
            environment(
                "The job's name, as a bundle names it; omitted: `<project>-<kind>-<environment>`. Prefixed `[dev <short_name>] ` in development mode.",
            ),
        ),
    tasks: z
        .array(taskSchema)
        .min(1)
        .max(100)
        .optional()
        .meta(
            promotable(
                "The job's tasks (a task graph: `taskKey`, `notebookTask` or `sparkPythonTask` or `conditionTask` or `runJobTask`, `dependsOn`, `runIf`, `jobClusterKey` or `environmentKey`, `role`); omitted: the program's default tasks.",
            ),
        ),
    compute: z
        .enum(COMPUTE_KINDS)
        .optional()
        .meta(
            promotable(
                "Where the tasks that name no compute run: `cluster` (the stack's ML job cluster under the workspace policy) or `serverless` (the job's first environment); omitted: cluster.",
            ),
        ),
    environments: z
        .array(environmentSchema)
        .max(10)
        .optional()
        .meta(
            promotable(
                "Serverless environments of the job (`environment_key`, `spec.environmentVersion`, `spec.dependencies`); omitted with serverless compute: one `default` environment of the stack's version.",
            ),
        ),
};

/** A Quartz schedule with its pause status. */
export const scheduleSchema = z
    .object({
        cron: quartzCron.meta(promotable("Quartz cron expression of the schedule.")),
        timezone: timezone.default("UTC").meta(promotable("Time zone of the schedule.")),
        pauseStatus: z
            .enum(PAUSE_STATUSES)
            .optional()
            .meta(environment("Pause status; omitted: PAUSED in development mode, UNPAUSED in production mode.")),
    })
    .strict();

const secondsAtLeastMinute = z.number().int().min(60);

/**
 * A job trigger: file arrival, Unity Catalog model events, a period, or none (`onDemand: true`).
 * At most one kind; a job with a `schedule` takes no trigger.
 */
export const triggerSchema = z
    .object({
        fileArrival: z
            .object({
                url: z
                    .string()
                    .regex(
                        /^(\/Volumes\/|abfss:\/\/|s3:\/\/|gs:\/\/).*\/$/,
                        "expected a volume or cloud folder ending in '/'",
                    )
                    .optional()
                    .describe("The folder watched; omitted: the training-data folder of the project's volume."),
                minTimeBetweenTriggersSeconds: secondsAtLeastMinute
                    .optional()
                    .describe("Minimum seconds between two triggered runs."),
                waitAfterLastChangeSeconds: secondsAtLeastMinute
                    .optional()
                    .describe("Seconds without new files before a run starts."),
            })
            .strict()
            .optional()
            .meta(promotable("Run when files arrive in a folder.")),
        model: z
            .object({
                condition: z
                    .enum(MODEL_TRIGGER_CONDITIONS)
                    .describe(
                        "The model event: MODEL_VERSION_READY (MLflow 3 deployment jobs), MODEL_ALIAS_SET or MODEL_CREATED.",
                    ),
                aliases: z
                    .array(z.string().regex(/^[a-z_][a-z0-9_]*$/, "expected a model alias"))
                    .optional()
                    .describe("With MODEL_ALIAS_SET: the aliases watched."),
                minTimeBetweenTriggersSeconds: secondsAtLeastMinute
                    .optional()
                    .describe("Minimum seconds between two triggered runs."),
                waitAfterLastChangeSeconds: secondsAtLeastMinute
                    .optional()
                    .describe("Seconds without model updates before a run starts."),
            })
            .strict()
            .optional()
            .meta(promotable("Run on events of the project's registered model (Unity Catalog model trigger).")),
        periodic: z
            .object({
                interval: z.number().int().positive().describe("Every so many units."),
                unit: z.enum(PERIODIC_UNITS).describe("HOURS, DAYS or WEEKS."),
            })
            .strict()
            .optional()
            .meta(promotable("Run every interval.")),
        onDemand: z
            .literal(true)
            .optional()
            .meta(promotable("No trigger: the job runs when started (run-now, another job, CI).")),
        pauseStatus: z
            .enum(PAUSE_STATUSES)
            .optional()
            .meta(environment("Pause status; omitted: PAUSED in development mode, UNPAUSED in production mode.")),
    })
    .strict()
    .superRefine((t, ctx) => {
        const kinds = (["fileArrival", "model", "periodic", "onDemand"] as const).filter((k) => t[k] !== undefined);
        if (kinds.length > 1) {
            ctx.addIssue({
                code: "custom",
                path: [kinds[1]],
                message: `expected one trigger kind (fileArrival, model, periodic or onDemand), found ${kinds.join(" and ")}`,
                input: t[kinds[1]],
            });
        }
        if (t.onDemand && t.pauseStatus !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["pauseStatus"],
                message: "expected no pauseStatus with onDemand: there is no trigger to pause",
                input: t.pauseStatus,
            });
        }
        if (t.model?.aliases !== undefined && t.model.condition !== "MODEL_ALIAS_SET") {
            ctx.addIssue({
                code: "custom",
                path: ["model", "aliases"],
                message: `expected aliases only with condition MODEL_ALIAS_SET, found condition ${t.model.condition}`,
                input: t.model.aliases,
            });
        }
    });

export type TriggerSpec = z.output<typeof triggerSchema>;
export type ScheduleSpec = z.output<typeof scheduleSchema>;

/** The feature-table job (mlops-stacks' `write_feature_table_job`): its tasks are the project's own. */
export const featureTableJobSchema = z
    .object({
        ...jobShapeFields,
        tasks: z
            .array(taskSchema)
            .min(1)
            .max(100)
            .meta(promotable("The job's tasks (as in `training.tasks`), each writing a feature table.")),
        schedule: scheduleSchema.optional().describe("When it runs; omitted: the trigger's, or on demand."),
        trigger: triggerSchema.optional().describe("What starts it instead of a schedule; omitted: on demand."),
        timeoutSeconds: z
            .number()
            .int()
            .positive()
            .optional()
            .meta(promotable("Per-task timeout in seconds; omitted: none.")),
    })
    .strict();

export type JobShape = {
    tasks?: TaskSpec[];
    compute?: ComputeKind;
    environments?: EnvironmentSpec[];
};

type Issue = { code: "custom"; path: (string | number)[]; message: string; input: unknown };

/**
 * What is wrong with a job's task graph, as issues at paths relative to the job's config:
 * duplicate keys, dependencies on unknown tasks or on themselves, cycles, an outcome on a
 * dependency that is not a condition task, environments named but not declared (or declared
 * twice), and more than one task of a lifecycle role.
 */
export function taskGraphIssues(job: JobShape): Issue[] {
    const issues: Issue[] = [];
    const tasks = job.tasks ?? [];
    const keys = tasks.map((t) => t.taskKey);
    const byKey = new Map(tasks.map((t) => [t.taskKey, t]));
    keys.forEach((k, i) => {
        if (keys.indexOf(k) !== i) {
            issues.push({
                code: "custom",
                path: ["tasks", i, "taskKey"],
                message: `expected each task key once, found "${k}" twice`,
                input: k,
            });
        }
    });
    const envKeys = (job.environments ?? []).map((e) => e.environmentKey);
    envKeys.forEach((k, i) => {
        if (envKeys.indexOf(k) !== i) {
            issues.push({
                code: "custom",
                path: ["environments", i, "environmentKey"],
                message: `expected each environment key once, found "${k}" twice`,
                input: k,
            });
        }
    });
    tasks.forEach((t, i) => {
        (t.dependsOn ?? []).forEach((d, j) => {
            const dep = byKey.get(d.taskKey);
            if (d.taskKey === t.taskKey || dep === undefined) {
                issues.push({
                    code: "custom",
                    path: ["tasks", i, "dependsOn", j, "taskKey"],
                    message: `expected a task of this job other than ${t.taskKey} (one of ${keys.filter((k) => k !== t.taskKey).join(", ") || "none"}), found "${d.taskKey}"`,
                    input: d.taskKey,
                });
            } else if (d.outcome !== undefined && dep.conditionTask === undefined) {
                issues.push({
                    code: "custom",
                    path: ["tasks", i, "dependsOn", j, "outcome"],
                    message: `expected an outcome only on a dependency on a condition task, found one on ${d.taskKey}, a ${dep.notebookTask ? "notebook" : dep.sparkPythonTask ? "Python file" : "run-job"} task`,
                    input: d.outcome,
                });
            }
        });
        if (t.environmentKey !== undefined && !envKeys.includes(t.environmentKey)) {
            issues.push({
                code: "custom",
                path: ["tasks", i, "environmentKey"],
                message: `expected an environment of this job's environments (${envKeys.join(", ") || "none declared"}), found "${t.environmentKey}"`,
                input: t.environmentKey,
            });
        }
    });
    const cycle = dependencyCycle(tasks);
    if (cycle) {
        issues.push({
            code: "custom",
            path: ["tasks", keys.indexOf(cycle[0]), "dependsOn"],
            message: `expected tasks without a dependency cycle, found ${cycle.join(" -> ")}`,
            input: cycle,
        });
    }
    if (!cycle) issues.push(...lifecycleOrderIssues(tasks));
    for (const role of LIFECYCLE_ROLES) {
        const holders = tasks.flatMap((t, i) => (t.role === role ? [i] : []));
        if (holders.length > 1) {
            issues.push({
                code: "custom",
                path: ["tasks", holders[1], "role"],
                message: `expected one task with role ${role}, found ${holders.map((i) => tasks[i].taskKey).join(" and ")}`,
                input: role,
            });
        }
    }
    return issues;
}

/** A dependency cycle among the tasks (its keys, the first repeated at the end), or undefined. */
export function dependencyCycle(tasks: Pick<TaskSpec, "taskKey" | "dependsOn">[]): string[] | undefined {
    const deps = new Map(tasks.map((t) => [t.taskKey, (t.dependsOn ?? []).map((d) => d.taskKey)]));
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (k: string): string[] | undefined => {
        if (state.get(k) === "done" || !deps.has(k)) return undefined;
        if (state.get(k) === "open") return [...stack.slice(stack.indexOf(k)), k];
        state.set(k, "open");
        stack.push(k);
        for (const d of deps.get(k) ?? []) {
            const found = visit(d);
            if (found) return found;
        }
        stack.pop();
        state.set(k, "done");
        return undefined;
    };
    for (const t of tasks) {
        const found = visit(t.taskKey);
        if (found) return found;
    }
    return undefined;
}

/** The tasks a task depends on, directly or not. */
export function upstreamTasks(tasks: Pick<TaskSpec, "taskKey" | "dependsOn">[], key: string): Set<string> {
    const deps = new Map(tasks.map((t) => [t.taskKey, (t.dependsOn ?? []).map((d) => d.taskKey)]));
    const seen = new Set<string>();
    const todo = [...(deps.get(key) ?? [])];
    while (todo.length > 0) {
        const k = todo.pop() as string;
        if (seen.has(k)) continue;
        seen.add(k);
        todo.push(...(deps.get(k) ?? []));
    }
    return seen;
}

/** A schedule and a trigger together: the Jobs API takes one of them. */
export function scheduleTriggerIssues(job: { schedule?: ScheduleSpec; trigger?: TriggerSpec }): Issue[] {
    if (job.schedule === undefined || job.trigger === undefined) return [];
    return [
        {
            code: "custom",
            path: ["trigger"],
            message: "expected either schedule or trigger on a job, found both",
            input: job.trigger,
        },
    ];
}

/**
 * The training job's roles: the program relies on the task that registers versions (the retraining
 * job and a deferred endpoint wait on it), so a training job of its own tasks names exactly one.
 */
export function trainingRoleIssues(job: { tasks?: TaskSpec[] }): Issue[] {
    if (job.tasks === undefined || job.tasks.some((t) => t.role === "registers")) return [];
    return [
        {
            code: "custom",
            path: ["tasks"],
            message: `expected a task with role: registers in the training job (the task that registers model versions), found none among ${job.tasks.map((t) => t.taskKey).join(", ")}`,
            input: job.tasks.map((t) => t.taskKey),
        },
    ];
}

/** The jobs each job kind may start with a `runJobTask`: those declared before it. */
export const RUNNABLE_JOBS: Record<JobKind, JobKind[]> = {
    featureTable: [],
    training: ["featureTable"],
    inference: ["featureTable", "training"],
    retraining: ["featureTable", "training", "inference"],
};

/** The jobs of a project, by kind, as the config holds them. */
export type ProjectJobs = Partial<Record<JobKind, (JobShape & { trigger?: TriggerSpec }) | undefined>>;

/**
 * Cross-job checks of a project, at paths relative to the project: an environment without a
 * version where the stack names none either (serverless compute needs one), and a `runJobTask`
 * naming a job the project does not have or the job itself.
 */
export function projectJobIssues(jobs: ProjectJobs, serverlessEnvironmentVersion: string | undefined): Issue[] {
    const issues: Issue[] = [];
    for (const kind of JOB_KINDS) {
        const job = jobs[kind];
        if (!job) continue;
        // Only the training job has a folder to watch by default: its training-data volume.
        if (kind !== "training" && job.trigger?.fileArrival && job.trigger.fileArrival.url === undefined) {
            issues.push({
                code: "custom",
                path: [kind, "trigger", "fileArrival", "url"],
                message: `expected the folder the ${kind} job's file-arrival trigger watches (a /Volumes/... or cloud URL ending in '/'), found none`,
                input: undefined,
            });
        }
        const serverless =
            job.compute === "serverless" || (job.tasks ?? []).some((t) => t.environmentKey !== undefined);
        if (serverless && serverlessEnvironmentVersion === undefined) {
            const envs = job.environments ?? [];
            if (envs.length === 0) {
                issues.push({
                    code: "custom",
                    path: [kind, "environments"],
                    message: `expected an environment with spec.environmentVersion (or the stack's serverlessEnvironmentVersion) for the serverless tasks of the ${kind} job, found none`,
                    input: undefined,
                });
            }
            envs.forEach((e, i) => {
                if (e.spec.environmentVersion === undefined && e.spec.client === undefined) {
                    issues.push({
                        code: "custom",
                        path: [kind, "environments", i, "spec", "environmentVersion"],
                        message: `expected the serverless environment version of environment ${e.environmentKey} (or the stack's serverlessEnvironmentVersion), found none`,
                        input: undefined,
                    });
                }
            });
        }
        // A job runs the ones declared before it: the feature-table job, then training, then
        // inference, then retraining (so no two jobs run each other).
        const runnable = RUNNABLE_JOBS[kind].filter((k) => jobs[k] !== undefined);
        (job.tasks ?? []).forEach((t, i) => {
            const target = t.runJobTask?.job;
            if (target === undefined || runnable.includes(target)) return;
            issues.push({
                code: "custom",
                path: [kind, "tasks", i, "runJobTask", "job"],
                message: `expected a job the ${kind} job may run (${runnable.join(", ") || "none"}), found "${target}"`,
                input: target,
            });
        });
    }
    return issues;
}

/**
 * The lifecycle roles in their order: a `deploys` task runs after the job's `validates` task (a
 * job that deploys validates first), and a `validates` task after the `registers` task of its job.
 */
export function lifecycleOrderIssues(tasks: TaskSpec[]): Issue[] {
    const issues: Issue[] = [];
    const holder = (role: LifecycleRole) => tasks.findIndex((t) => t.role === role);
    const check = (later: LifecycleRole, earlier: LifecycleRole, required: boolean) => {
        const [i, j] = [holder(later), holder(earlier)];
        if (i < 0) return;
        if (j < 0) {
            if (required) {
                issues.push({
                    code: "custom",
                    path: ["tasks", i, "role"],
                    message: `expected a task with role ${earlier} before ${tasks[i].taskKey} (role ${later}): no version is ${later === "deploys" ? "deployed" : "validated"} unchecked, found none in the job`,
                    input: later,
                });
            }
            return;
        }
        if (!upstreamTasks(tasks, tasks[i].taskKey).has(tasks[j].taskKey)) {
            issues.push({
                code: "custom",
                path: ["tasks", i, "dependsOn"],
                message: `expected ${tasks[i].taskKey} (role ${later}) to run after ${tasks[j].taskKey} (role ${earlier}), found no dependency path from ${tasks[j].taskKey}`,
                input: tasks[i].dependsOn,
            });
        }
    };
    check("deploys", "validates", true);
    check("validates", "registers", false);
    return issues;
}

/**
 * The serverless environment version of a stack's job environments that name none: the stack's
 * `serverlessEnvironmentVersion`. The one place that decides it, so that a default derived from the
 * stack's ML runtime (each serverless environment version matches a runtime's libraries) goes here.
 */
export function serverlessEnvironmentVersionOf(s: {
    serverlessEnvironmentVersion?: string;
    sparkVersion: string;
}): string | undefined {
    return s.serverlessEnvironmentVersion;
}
