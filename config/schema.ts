import { z } from "zod";
import {
    featureTableJobSchema,
    jobShapeFields,
    projectJobIssues,
    scheduleSchema,
    serverlessEnvironmentVersionOf,
    scheduleTriggerIssues,
    taskGraphIssues,
    trainingRoleIssues,
    triggerSchema,
} from "./jobs";
import { environment, PAUSE_STATUSES, type PauseStatus, promotable, quartzCron, type Scope, timezone } from "./fields";

export { PAUSE_STATUSES, type PauseStatus, quartzCron, type Scope };
import { CLUSTER_RUNTIME_IDS, unsupportedRuntimeMessage, unsupportedServerlessMessage } from "./runtimes";

/**
 * The stack configuration, as one zod schema. Every object is strict: an unknown key (a typo)
 * is an error, never silently ignored. Values that differ between environments have no default
 * here; they live in `Pulumi.<stack>.yaml`. Shared values are declared, with their defaults, in
 * `Pulumi.yaml`.
 */

/** Variables a path may use; resolved at deploy time from the provider's current user. */
export const PATH_VARIABLES = ["${workspace.current_user.userName}", "${workspace.current_user.short_name}"] as const;

/**
 * Unity Catalog object names: lower-case letters, digits and underscores. Unity Catalog stores
 * names in lower case, so an upper-case name would show as a change on every preview.
 */
const ucName = z
    .string()
    .max(255)
    .regex(/^[a-z_][a-z0-9_]*$/, "expected a lower-case Unity Catalog name (a-z, digits, underscores)");

const groupName = z.string().min(1).max(255);

/** A three-level Unity Catalog table name. */
const tableName = z
    .string()
    .regex(
        /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/,
        "expected a lower-case three-level table name such as 'catalog.schema.table'",
    );

/** A workspace path: absolute, optionally with the current-user variables. */
const workspacePath = z
    .string()
    .startsWith("/", "expected an absolute workspace path starting with '/'")
    .refine((p) => unknownVariables(p).length === 0, {
        message: `expected only the variables ${PATH_VARIABLES.join(", ")}`,
    })
    .refine((p) => !p.endsWith("/"), { message: "expected a path without a trailing '/'" });

/** `${...}` references in a path that this program does not know. */
export function unknownVariables(path: string): string[] {
    const found = path.match(/\$\{[^}]*\}/g) ?? [];
    return found.filter((v) => !(PATH_VARIABLES as readonly string[]).includes(v));
}

/**
 * The training job's trigger: the job trigger (config/jobs.ts) with, for the default file-arrival
 * trigger on the project's training-data volume, its two settings at the top (as before the
 * trigger had kinds).
 */
const trainingTriggerSchema = triggerSchema
    .safeExtend({
        minTimeBetweenTriggersSeconds: z
            .number()
            .int()
            .min(60)
            .optional()
            .meta(promotable("Minimum seconds between two triggered runs (the default file-arrival trigger).")),
        waitAfterLastChangeSeconds: z
            .number()
            .int()
            .min(60)
            .optional()
            .meta(promotable("Seconds without new files before a run starts (the default file-arrival trigger).")),
    })
    .superRefine((t, ctx) => {
        const flat = (["minTimeBetweenTriggersSeconds", "waitAfterLastChangeSeconds"] as const).find(
            (k) => t[k] !== undefined,
        );
        const other = (["fileArrival", "model", "periodic", "onDemand"] as const).find((k) => t[k] !== undefined);
        if (flat !== undefined && other !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: [flat],
                message: `expected ${flat} inside ${other === "fileArrival" ? "fileArrival" : "the default file-arrival trigger"}, found it beside ${other}`,
                input: t[flat],
            });
        }
    });

const trainingSchema = z
    .object({
        ...jobShapeFields,
        trigger: trainingTriggerSchema
            .optional()
            .describe(
                "What starts the training job; omitted (and no schedule): files arriving in the training-data folder of the project's volume.",
            ),
        schedule: scheduleSchema.optional().describe("A schedule instead of a trigger (mlops-stacks trains daily)."),
        timeoutSeconds: z
            .number()
            .int()
            .positive()
            .optional()
            .meta(promotable("Per-task timeout in seconds; omitted: none.")),
        minAccuracy: z
            .number()
            .min(0)
            .max(1)
            .default(0.85)
            .meta(promotable("Minimum accuracy a new version needs to become `challenger`.")),
        minF1: z
            .number()
            .min(0)
            .max(1)
            .default(0.8)
            .meta(promotable("Minimum F1 score a new version needs to become `challenger`.")),
        windowDays: z
            .number()
            .min(0)
            .default(90)
            .meta(
                promotable(
                    "Training reads the rows whose file landed within this many days of the newest file (0: every file), so that a retraining learns from the new data and old data ages out.",
                ),
            ),
        minImprovement: z
            .number()
            .min(0)
            .max(1)
            .default(0)
            .meta(
                promotable(
                    "How much a new version must beat the champion by, on the gate's comparison metric (F1, or R² for a regression) on the same validation rows, to become `champion`; a tie never promotes.",
                ),
            ),
    })
    .strict()
    .superRefine((t, ctx) => {
        for (const issue of [...taskGraphIssues(t), ...scheduleTriggerIssues(t), ...trainingRoleIssues(t)])
            ctx.addIssue(issue);
    });

const inferenceSchema = z
    .object({
        ...jobShapeFields,
        cron: quartzCron
            .optional()
            .meta(promotable("Quartz cron expression of the batch inference schedule; or a `trigger` instead.")),
        trigger: triggerSchema
            .optional()
            .describe(
                "What starts batch inference instead of the cron: a model event (such as MODEL_ALIAS_SET of champion), a file arrival (with its url), a period, or onDemand.",
            ),
        timezone: timezone.default("UTC").meta(promotable("Time zone of the schedule.")),
        pauseStatus: z
            .enum(PAUSE_STATUSES)
            .optional()
            .meta(environment("Pause status; omitted: PAUSED in development mode, UNPAUSED in production mode.")),
        inputTable: tableName
            .optional()
            .meta(
                environment(
                    "Table to score (three-level name); omitted: `<catalog>.<schema>.customer_features`, which the training job writes. Required with `deployment: model` in production mode, where no training job runs.",
                ),
            ),
        outputTable: tableName
            .optional()
            .meta(environment("Table the predictions are appended to; omitted: `<catalog>.<schema>.predictions`.")),
    })
    .strict()
    .superRefine((t, ctx) => {
        for (const issue of taskGraphIssues(t)) ctx.addIssue(issue);
        if ((t.cron === undefined) === (t.trigger === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: t.cron === undefined ? ["cron"] : ["trigger"],
                message: `expected either cron or trigger on the batch inference job, found ${t.cron === undefined ? "neither" : "both"}`,
                input: t.trigger,
            });
        }
    });

const WORKLOAD_SIZES = ["Small", "Medium", "Large"] as const;

const routeSchema = z
    .object({
        version: z
            .custom<string | number>(
                (v) => (typeof v === "string" && /^[1-9][0-9]*$/.test(v)) || (Number.isInteger(v) && (v as number) > 0),
                { message: 'expected a model version number such as "1"' },
            )
            .transform(String)
            .optional()
            .describe("The registered model version served by this route (a version number, as a string)."),
        alias: z
            .string()
            .regex(/^[a-z_][a-z0-9_]{0,254}$/, "expected a model alias such as 'champion' (lower case, digits, '_')")
            .optional()
            .describe(
                "Or the Unity Catalog alias the route serves (`champion`, `challenger`): resolved to the version it points at on every `pulumi up`, so a model promoted by the evaluation job reaches the endpoint on the next deploy.",
            ),
        trafficPercentage: z.number().int().min(0).max(100).describe("Share of traffic, 0-100; the routes sum to 100."),
    })
    .strict()
    .superRefine((r, ctx) => {
        if ((r.version === undefined) === (r.alias === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: [],
                message: `expected either version or alias in a route, found ${r.version === undefined ? "neither" : "both"}`,
                input: r,
            });
        }
    });

/** What a route serves: a version number or an alias, as written in the config. */
export function routeTarget(r: { version?: string; alias?: string }): string {
    return r.alias !== undefined ? `@${r.alias}` : (r.version as string);
}

const servingSchema = z
    .object({
        workloadSize: z.enum(WORKLOAD_SIZES).meta(promotable("Workload size of every served entity.")),
        scaleToZero: z
            .boolean()
            .optional()
            .meta(environment("Scale to zero when idle; omitted: true in development mode, false in production mode.")),
        routes: z
            .array(routeSchema)
            .min(1)
            .max(10)
            .meta(
                environment(
                    "Traffic routes, one per served model version or alias: one route for a single version, two for an A/B split (`champion` 80, `challenger` 20). The versions and aliases must exist in the registered model (see the README on first deploys).",
                ),
            ),
        endpointName: z
            .string()
            .max(63)
            .regex(
                /^[A-Za-z0-9_-]+$/,
                "expected a serving endpoint name of letters, digits, dashes and underscores, at most 63",
            )
            .optional()
            .meta(
                environment(
                    "The serving endpoint's name, pinned: the endpoint (and its URL) stays when the project is renamed or moved, where a changed name would replace it. Omitted: `<project>-api-<environment>`. Prefixed `dev_<short_name>_` in development mode, as every name.",
                ),
            ),
        inferenceTablePrefix: ucName
            .default("inference_logs")
            .meta(
                environment(
                    "Inference table name prefix (AI Gateway inference tables); the table is `<prefix>_payload`.",
                ),
            ),
    })
    .strict()
    .superRefine((s, ctx) => {
        const total = s.routes.reduce((sum, r) => sum + r.trafficPercentage, 0);
        if (total !== 100) {
            ctx.addIssue({
                code: "custom",
                path: ["routes"],
                message: `expected traffic percentages that sum to 100, found a sum of ${total}`,
                input: s.routes,
            });
        }
        const targets = s.routes.map(routeTarget);
        const dup = targets.find((v, i) => targets.indexOf(v) !== i);
        if (dup !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["routes"],
                message: `expected each model version or alias once, found ${dup.startsWith("@") ? `alias ${dup.slice(1)}` : `version ${dup}`} twice`,
                input: s.routes,
            });
        }
    });

const GRANULARITIES = ["5 minutes", "30 minutes", "1 hour", "1 day", "1 week", "1 month", "1 year"] as const;

const monitorSchema = z
    .object({
        problemType: z
            .enum(["PROBLEM_TYPE_CLASSIFICATION", "PROBLEM_TYPE_REGRESSION"])
            .meta(promotable("PROBLEM_TYPE_CLASSIFICATION or PROBLEM_TYPE_REGRESSION.")),
        predictionCol: z
            .string()
            .min(1)
            .meta(promotable("The column of the processed inference table holding the prediction.")),
        labelCol: z
            .string()
            .min(1)
            .optional()
            .meta(promotable("The column holding the ground-truth label; omitted: no quality metrics, only drift.")),
        modelIdCol: z
            .string()
            .min(1)
            .meta(promotable("The column holding the model version that made the prediction (metrics per version).")),
        timestampCol: z.string().min(1).meta(promotable("The column holding the time of the prediction.")),
        granularities: z
            .array(z.enum(GRANULARITIES))
            .min(1)
            .meta(promotable("Time windows the metrics are computed over.")),
        slicingExprs: z.array(z.string().min(1)).default([]).meta(promotable("Expressions to slice the metrics by.")),
        inputColumns: z
            .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a column name"))
            .default([])
            .meta(
                promotable(
                    "The model's input columns to unpack from each request into the processed table (as doubles), so that the monitor profiles them and drift is measured on them. Omitted: none (drift on the prediction only).",
                ),
            ),
        schedule: z
            .object({
                cron: quartzCron.meta(promotable("Quartz cron expression of the monitor's refresh.")),
                timezone: timezone.default("UTC").meta(promotable("Time zone of the schedule.")),
                pauseStatus: z
                    .enum(PAUSE_STATUSES)
                    .optional()
                    .meta(
                        environment("Omitted: PAUSED (no schedule) in development mode, UNPAUSED in production mode."),
                    ),
            })
            .strict()
            .describe(
                "Refresh schedule of the monitor. Monitors cannot pause a schedule (the API's pause status is read-only): a PAUSED schedule, the development default, is left out.",
            ),
        processing: z
            .object({
                cron: quartzCron
                    .default("0 15 * * * ?")
                    .meta(promotable("Quartz cron expression of the processing job.")),
                timezone: timezone.default("UTC").meta(promotable("Time zone of the schedule.")),
                pauseStatus: z
                    .enum(PAUSE_STATUSES)
                    .optional()
                    .meta(environment("Omitted: PAUSED in development mode, UNPAUSED in production mode.")),
            })
            .strict()
            .default({ cron: "0 15 * * * ?", timezone: "UTC" })
            .describe(
                "The job that unpacks the endpoint's raw inference table (request and response JSON) into the processed table the monitor watches.",
            ),
        labelsTable: tableName
            .optional()
            .meta(
                environment(
                    "Ground truth joined into the processed table: a table with `databricks_request_id` and the label column. Omitted: labels stay empty until you backfill them.",
                ),
            ),
        assetsDir: workspacePath
            .optional()
            .meta(environment("Workspace folder of the monitor's dashboard; omitted: `<workspace root>/monitoring`.")),
    })
    .strict();

/** A workload folder: relative to this program's folder, inside it. */
const workloadDir = z
    .string()
    .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+$/, "expected a folder inside this repository, such as 'workloads/churn'");

const taskParameters = z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/, "expected a parameter name"), z.string());

const workloadSchema = z
    .object({
        dir: workloadDir
            .default("workloads/churn")
            .meta(
                promotable(
                    "The folder of the project's code: the entry points its jobs run (the four of the default jobs, or the files their configured tasks name), and its modules.",
                ),
            ),
        parameters: z
            .object({
                features: taskParameters.optional().describe("Parameters of the features task (features.py)."),
                train: taskParameters.optional().describe("Parameters of the train task (train.py)."),
                evaluate: taskParameters.optional().describe("Parameters of the evaluate task (evaluate.py)."),
                batchInference: taskParameters
                    .optional()
                    .describe("Parameters of the batch inference task (batch_inference.py)."),
            })
            .strict()
            .default({})
            .meta(
                promotable(
                    "Further parameters of each task, merged over the program's (the names its notebooks read).",
                ),
            ),
    })
    .strict();

/** Deploy-model's promotion into production (mlops-stacks' recommendation is deploy-code). */
const promotionSchema = z
    .object({
        sourceModel: tableName.meta(
            environment(
                "The model whose version is promoted: a three-level name, the model of a CI-deployed production-mode stack (staging), whose `modelReaders` names this stack's `runAs` principal. Not a developer's sandbox model.",
            ),
        ),
        sourceAlias: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, "expected a model alias such as 'champion'")
            .default("champion")
            .meta(environment("The alias of the version to promote.")),
        validationTable: tableName
            .optional()
            .meta(
                environment(
                    "Production data to validate the copied version on (three-level name, with the label column). Required in production mode: the project's features table is written only by a training job, which a deploy-model production stack does not have.",
                ),
            ),
        cron: quartzCron
            .optional()
            .meta(environment("When to run the promotion; omitted: on demand only (`databricks jobs run-now`).")),
        timezone: timezone.default("UTC").meta(environment("Time zone of the schedule.")),
    })
    .strict();

const DRIFT_METRICS = [
    "js_distance",
    "wasserstein_distance",
    "population_stability_index",
    "ks_statistic",
    "chi_squared_statistic",
] as const;

/** Retraining on drift: a job after the monitor's refresh that starts the training job. */
const retrainingSchema = z
    .object({
        ...jobShapeFields,
        enabled: z
            .boolean()
            .default(true)
            .meta(promotable("Declare the retraining job (where the project trains and is monitored).")),
        columns: z
            .array(z.string().min(1))
            .default([])
            .meta(
                promotable(
                    "The columns whose drift counts; empty: the monitor's `inputColumns` and its prediction column (never the model id or version: a new served version alone is not drift).",
                ),
            ),
        metric: z
            .enum(DRIFT_METRICS)
            .default("js_distance")
            .meta(promotable("The drift metric of the monitor's drift table to compare.")),
        threshold: z
            .number()
            .positive()
            .default(0.2)
            .meta(promotable("Retrain when the metric of any of the columns exceeds this.")),
        evaluationWindows: z
            .number()
            .int()
            .min(1)
            .default(1)
            .meta(promotable("How many of the monitor's latest windows the check reads.")),
        violationWindows: z
            .number()
            .int()
            .min(1)
            .default(1)
            .meta(
                promotable(
                    "Retrain when at least this many of those windows exceed the threshold, the latest among them (at most `evaluationWindows`).",
                ),
            ),
        trigger: triggerSchema
            .optional()
            .describe("What starts the retraining job instead of its cron; omitted: the cron."),
        cron: quartzCron
            .default("0 0 7 * * ?")
            .meta(promotable("When the check runs: after the monitor's refresh (default 06:00 UTC).")),
        timezone: timezone.default("UTC").meta(promotable("Time zone of the schedule.")),
        pauseStatus: z
            .enum(PAUSE_STATUSES)
            .optional()
            .meta(environment("Omitted: PAUSED in development mode, UNPAUSED in production mode.")),
    })
    .strict()
    .superRefine((t, ctx) => {
        for (const issue of taskGraphIssues(t)) ctx.addIssue(issue);
    });

/**
 * Objects a stack takes over instead of creating them: each is declared with Pulumi's `import`
 * resource option and this id, so the first `pulumi up` imports it and updates it to what the
 * program declares, in one deployment (a migration from a bundle: `npm run import-bundle --
 * --state`; see components/project/adopt.ts). Remove the ids once that `up` has run: the state
 * holds them.
 */
/** The id of a deployed job to adopt, described. */
const adoptJobId = (description: string) =>
    z
        .string()
        .regex(/^[0-9]+$/, "expected a job id (digits)")
        .optional()
        .describe(description);

const adoptSchema = z
    .object({
        trainingJob: adoptJobId("Job id of the deployed training job (`databricks jobs list`)."),
        inferenceJob: adoptJobId("Job id of the deployed batch inference job."),
        featureTableJob: adoptJobId("Job id of the deployed feature-table job (`featureTable`)."),
        retrainingJob: adoptJobId("Job id of the deployed retraining job."),
        experiment: z
            .string()
            .regex(/^[0-9]+$/, "expected an MLflow experiment id (digits)")
            .optional()
            .describe("Experiment id (digits) of the deployed MLflow experiment."),
        schema: z
            .string()
            .regex(/^[^.\s]+\.[^.\s]+$/, "expected a schema id such as 'catalog.schema'")
            .optional()
            .describe("`catalog.schema` of the deployed schema."),
        registeredModel: z
            .string()
            .regex(/^[^.\s]+\.[^.\s]+\.[^.\s]+$/, "expected a three-level model name such as 'catalog.schema.model'")
            .optional()
            .describe("`catalog.schema.model` of the deployed registered model."),
        volume: z
            .string()
            .regex(/^[^.\s]+\.[^.\s]+\.[^.\s]+$/, "expected a three-level volume name such as 'catalog.schema.input'")
            .optional()
            .describe("`catalog.schema.volume` of the deployed training-data volume."),
        servingEndpoint: z.string().min(1).optional().describe("Name of the deployed serving endpoint (its id)."),
        qualityMonitor: z
            .string()
            .regex(/^[^.\s]+\.[^.\s]+\.[^.\s]+$/, "expected the monitored table's three-level name")
            .optional()
            .describe("Monitored table of the deployed quality monitor (its id), three-level."),
    })
    .strict();

/** The objects a project can adopt, by `adopt` key. */
export type AdoptKey = keyof z.output<typeof adoptSchema>;
export const ADOPT_KEYS = Object.keys(adoptSchema.shape) as AdoptKey[];

/** What a project name may be: it starts every name of the project's resources. */
export const PROJECT_NAME = /^[a-z][a-z0-9-]{0,39}$/;
export const PROJECT_NAME_RULE = "expected lower case letters, digits and '-', at most 40";
const projectName = z.string().regex(PROJECT_NAME, PROJECT_NAME_RULE);

const projectSchema = z
    .object({
        name: projectName.meta(environment("The ML project's name (the bundle name): lower case, digits and dashes.")),
        previousNames: z
            .array(projectName)
            .default([])
            .meta(
                environment(
                    "Names the project had before, oldest first: its resources keep their state (their URNs, through Pulumi aliases), so renaming a project updates its jobs and endpoint and never deletes its model, experiment or schema. Keep an old name until every stack has been deployed since.",
                ),
            ),
        schema: ucName.meta(environment("Unity Catalog schema holding the model, the volume and the tables.")),
        experimentPath: workspacePath.meta(environment("MLflow experiment path.")),
        modelName: z
            .string()
            .max(255)
            .regex(
                /^[a-z_][a-z0-9_-]*$/,
                "expected a lower-case registered model name (a-z, digits, '_' and '-', as bundles name them)",
            )
            .meta(environment("Registered model name inside `<catalog>.<schema>`.")),
        existing: z
            .array(z.enum(["schema", "model"]))
            .default([])
            .meta(
                environment(
                    "Unity Catalog objects the workspace has and the project only uses, as a bundle names a schema or a model it does not declare: `schema`, `model`. They are looked up at deploy, neither created nor granted on, and their names kept as written (no development prefix). Omitted: the project creates both.",
                ),
            ),
        modelComment: z.string().optional().meta(environment("Comment on the registered model.")),
        workload: workloadSchema
            .default({ dir: "workloads/churn", parameters: {} })
            .describe("The project's code and its task parameters; omitted: the shipped churn workload."),
        deployment: z
            .enum(["code", "model"])
            .default("code")
            .meta(
                environment(
                    "`code` (the default, as databricks/mlops-stacks recommends): every environment trains on its own data. `model`: production does not train; a promotion job copies the development model's validated version into production.",
                ),
            ),
        promotion: promotionSchema
            .optional()
            .describe("Deploy-model's promotion (production mode, `deployment: model`)."),
        modelReaders: z
            .array(z.string().min(1).max(255))
            .default([])
            .meta(
                environment(
                    "Principals of other stacks that promote this project's model into theirs (deploy-model): the `runAs` application id of each target stack. This stack's grants on its schema and model include them (USE_SCHEMA, EXECUTE), so that one stack writes those grants. Only in production mode: a deploy-model stack promotes from a CI-deployed stack (staging), never from a developer's sandbox. USE_CATALOG on this stack's catalog is the catalog owner's to grant. Omitted: none.",
                ),
            ),
        retraining: retrainingSchema
            .default({
                enabled: true,
                columns: [],
                metric: "js_distance",
                threshold: 0.2,
                evaluationWindows: 1,
                violationWindows: 1,
                cron: "0 0 7 * * ?",
                timezone: "UTC",
            })
            .describe("Retraining when the monitored inputs drift."),
        training: trainingSchema
            .default({ minAccuracy: 0.85, minF1: 0.8, windowDays: 90, minImprovement: 0 })
            .describe("The training job: its trigger, timeout and the quality gate a new version must pass."),
        inference: inferenceSchema.describe("The batch inference job: its schedule and tables."),
        featureTable: featureTableJobSchema
            .superRefine((t, ctx) => {
                for (const issue of [...taskGraphIssues(t), ...scheduleTriggerIssues(t)]) ctx.addIssue(issue);
            })
            .optional()
            .describe(
                "A feature-table job (mlops-stacks' `write_feature_table_job`): tasks that write the project's feature tables; omitted: none.",
            ),
        serving: servingSchema.describe("The model serving endpoint: its size and the versions or aliases it serves."),
        monitor: monitorSchema.describe(
            "The Lakehouse quality monitor on the processed inference table, and the job that fills it.",
        ),
        adopt: adoptSchema
            .optional()
            .meta(
                environment(
                    "Deployed objects this stack takes over by id (Pulumi `import`); omitted: everything is created.",
                ),
            ),
    })
    .strict();

/**
 * Where the Databricks workspace comes from. `existing`: the default provider config
 * (`databricks:host`, optionally `databricks:azureWorkspaceResourceId`) points at it. `created`:
 * the program creates it, with the Azure landing zone, through `@pulumi/azure-native`.
 */
const workspaceSchema = z
    .object({
        mode: z
            .enum(["existing", "created"])
            .describe("`existing`: the provider config points at a workspace; `created`: this stack creates it."),
        location: z
            .string()
            .regex(/^[a-z][a-z0-9]+$/, "expected an Azure region name such as 'westeurope'")
            .optional()
            .describe("Azure region of the created resources, such as `westeurope` (created only)."),
        owner: z
            .string()
            .min(1)
            .max(256)
            .optional()
            .describe("Owner tag on every Azure resource: a team or an email (created only)."),
        baseName: z
            .string()
            .regex(/^[a-z][a-z0-9-]{1,23}$/, "expected 2-24 lower case letters, digits and '-', starting with a letter")
            .optional()
            .describe("Base of the derived Azure names; omitted: the Pulumi project name (created only)."),
        landingContainer: z
            .string()
            .regex(
                /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
                "expected an Azure container name (3-63, lower case, digits, '-')",
            )
            .optional()
            .describe("Blob container training data lands in (created only); omitted: `landing`."),
    })
    .strict()
    .superRefine((w, ctx) => {
        const createdOnly = ["location", "owner", "baseName", "landingContainer"] as const;
        if (w.mode === "created") {
            for (const key of ["location", "owner"] as const) {
                if (w[key] === undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        message: `expected ${key} when the workspace is created`,
                        input: undefined,
                    });
                }
            }
        } else {
            for (const key of createdOnly) {
                if (w[key] !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        message: `expected no ${key} with an existing workspace (it only applies when mode is "created")`,
                        input: w[key],
                    });
                }
            }
        }
    });

/** Issues for a shared resource's `id`: required when it is referenced, refused when it is created. */
function sharedResourceIssues(r: { mode: string; id?: string }, what: string, ctx: z.RefinementCtx): void {
    if (r.mode === "existing" && r.id === undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["id"],
            message: `expected the id of the existing ${what} (mode "existing")`,
            input: undefined,
        });
    }
    if (r.mode === "created" && r.id !== undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["id"],
            message: `expected no id when the ${what} is created (mode "created"); set mode to "existing" to use it`,
            input: r.id,
        });
    }
}

/** A cluster policy id: 16 hex characters (`databricks cluster-policies list`). */
export const CLUSTER_POLICY_ID = /^[0-9A-Fa-f]{16}$/;

/**
 * The workspace's cluster policy for the ML job clusters, shared by every project of the stack.
 * `created`: this stack declares it (only workspace admins may create policies). `existing`: the
 * job clusters use the policy with this id, and a non-admin can deploy the stack.
 */
const clusterPolicySchema = z
    .object({
        mode: z
            .enum(["created", "existing"])
            .describe("`created`: this stack declares it; `existing`: the stack uses the one with `id`."),
        id: z
            .string()
            .regex(CLUSTER_POLICY_ID, "expected a cluster policy id (16 hex characters)")
            .optional()
            .describe("Id of the existing policy (16 hex characters; `databricks cluster-policies list`)."),
    })
    .strict()
    .superRefine((r, ctx) => sharedResourceIssues(r, "cluster policy", ctx));

const WAREHOUSE_SIZES = [
    "2X-Small",
    "X-Small",
    "Small",
    "Medium",
    "Large",
    "X-Large",
    "2X-Large",
    "3X-Large",
    "4X-Large",
    "5X-Large",
] as const;

/**
 * The workspace's SQL warehouse, shared by every project: it runs the processed inference
 * tables' DDL and the quality monitors' dashboards. `created`: a serverless warehouse declared
 * by this stack (creating one needs the workspace's warehouse-creation rights). `existing`: the
 * warehouse with this id.
 */
const sqlWarehouseSchema = z
    .object({
        mode: z
            .enum(["created", "existing"])
            .describe("`created`: this stack declares it; `existing`: the stack uses the one with `id`."),
        id: z
            .string()
            .regex(/^[0-9a-f]{16}$/, "expected a SQL warehouse id (16 lower-case hex characters)")
            .optional()
            .describe("Id of the existing warehouse (16 hex characters)."),
        size: z.enum(WAREHOUSE_SIZES).default("2X-Small").describe("Size of a created warehouse."),
        autoStopMinutes: z
            .number()
            .int()
            .min(1)
            .max(1440)
            .default(10)
            .describe("Idle minutes before a created warehouse stops."),
    })
    .strict()
    .superRefine((r, ctx) => sharedResourceIssues(r, "SQL warehouse", ctx));

/** The longest serving endpoint name the Model Serving API accepts. */
export const ENDPOINT_NAME_MAX = 63;

/** The serving endpoint name of a project before any development prefix: `<project>-api-<env>`. */
export function baseEndpointName(project: string, environment: string): string {
    return `${project}-api-${environment}`;
}

/**
 * A project's serving endpoint name before any development prefix: its pinned
 * `serving.endpointName`, else `<project>-api-<env>`.
 */
export function projectEndpointName(
    p: { name: string; serving: { endpointName?: string } },
    environment: string,
): string {
    return p.serving.endpointName ?? baseEndpointName(p.name, environment);
}

/** Environment names that say production, and those that say development. */
const PRODUCTION_NAMES = /^(prod|production|prd|live)$/;
const DEVELOPMENT_NAMES = /^(dev|development|sandbox)$/;

/**
 * The deployment modes, as bundle targets have them (databricks/cli
 * bundle/config/mutator/resourcemutator/apply_target_mode.go, validate_target_mode.go):
 * `development`, `production`, and `none` for a target without `mode`, deployed as written: no
 * name prefixes, schedules and triggers as written (unpaused unless they say otherwise), the
 * jobs' concurrency as written, and no checks of paths or identities.
 */
export const MODES = ["development", "production", "none"] as const;

/** Who may own the registered models, besides an account group (see `modelOwner`). */
export const MODEL_OWNERS = ["runAs", "deployer"] as const;

/** The settings of one stack: everything in the project's config namespace. */
export const settingsSchema = z
    .object({
        environment: z
            .string()
            .regex(/^[a-z][a-z0-9]{0,15}$/, "expected lower case letters and digits, at most 16")
            .meta(environment("Environment name used in resource names (the bundle target): `dev`, `prod`, ...")),
        mode: z
            .enum(MODES)
            .meta(
                environment(
                    "Deployment mode, with the Databricks Asset Bundle semantics: `development`, `production`, or `none` for a bundle target without `mode` (names, schedules and concurrency as written, no mode checks).",
                ),
            ),
        catalog: ucName.meta(environment("The environment's Unity Catalog catalog (it must exist).")),
        sparkVersion: z
            .string()
            .superRefine((v, ctx) => {
                const problem = unsupportedRuntimeMessage(v);
                if (problem) ctx.addIssue({ code: "custom", message: problem });
            })
            .meta(
                promotable(
                    `Databricks ML runtime of the job clusters; one with a tested local environment: ${CLUSTER_RUNTIME_IDS.map((r) => `\`${r}\``).join(", ")}.`,
                ),
            ),
        serverlessEnvironmentVersion: z
            .string()
            .regex(/^[1-9][0-9]*$/, "expected a serverless environment version such as '5'")
            .superRefine((v, ctx) => {
                const problem = unsupportedServerlessMessage(v);
                if (problem) ctx.addIssue({ code: "custom", message: problem });
            })
            .optional()
            .meta(
                promotable(
                    "Serverless environment version of the jobs' environments that name none (tasks on serverless compute); required when a job runs on serverless compute and an environment of it names no version.",
                ),
            ),
        nodeTypes: z
            .array(
                z.string().regex(/^Standard_[A-Za-z0-9_]+$/, "expected an Azure node type such as 'Standard_DS4_v2'"),
            )
            .min(1)
            .meta(promotable("Azure node types the cluster policy allows.")),
        nodeType: z.string().meta(promotable("Node type of the job clusters; one of `nodeTypes`.")),
        numWorkers: z
            .number()
            .int()
            .min(1)
            .meta(
                promotable(
                    "Workers of the job clusters (at least 1: single-node clusters need settings this program does not make).",
                ),
            ),
        maxWorkers: z.number().int().min(0).meta(promotable("Upper bound on workers in the cluster policy.")),
        autoterminationMinutes: z
            .number()
            .int()
            .min(10)
            .max(10000)
            .meta(
                promotable(
                    "Auto-termination bound, in minutes, for all-purpose clusters under the policy (job clusters end with their run).",
                ),
            ),
        sparkConf: z
            .record(z.string(), z.string())
            .default({})
            .meta(promotable("Spark configuration of the job clusters.")),
        managerGroups: z
            .array(groupName)
            .default([])
            .meta(environment("Groups that manage every resource (CAN_MANAGE, ALL_PRIVILEGES).")),
        viewerGroups: z
            .array(groupName)
            .default([])
            .meta(environment("Groups that read every resource (CAN_VIEW, CAN_READ, EXECUTE, SELECT).")),
        runnerGroups: z
            .array(groupName)
            .default([])
            .meta(environment("Groups that may query the serving endpoint and run the jobs.")),
        runAs: z
            .object({
                servicePrincipalName: z
                    .string()
                    .regex(
                        /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
                        "expected the service principal's application id (a GUID), not its display name (set that as runAs.displayName)",
                    )
                    .optional()
                    .describe(
                        "Application id (a GUID) of the service principal: what `run_as`, permissions and grants take. Omitted: looked up by `displayName` at deploy.",
                    ),
                displayName: z
                    .string()
                    .min(1)
                    .optional()
                    .describe(
                        "Display name of the service principal (`sp-ml-prod`). With `servicePrincipalName`, for people only; without it, the principal is looked up by this name at deploy (`databricks service-principals list`) and its application id used.",
                    ),
            })
            .strict()
            .refine((r) => r.servicePrincipalName !== undefined || r.displayName !== undefined, {
                message: "expected servicePrincipalName (the application id) or displayName, found neither",
            })
            .optional()
            .meta(
                environment(
                    "Identity the jobs run as: a service principal, by application id or by display name. Omitted: the jobs run as the deploying identity (in production mode that must be a service principal, as bundles require).",
                ),
            ),
        /**
         * Who owns the registered models. Unity Catalog lets only a model's owner (or a metastore
         * admin) set its aliases, create its versions and read it back after an ownership transfer
         * (databricks-sdk-go `service/catalog` RegisteredModels Get and SetAlias), and the
         * provider reads the model back right after it transfers the ownership
         * (terraform-provider-databricks `catalog/resource_registered_model.go`, Read after Create
         * in `common/resource.go`). `runAs` (the production default): the `runAs` principal owns
         * them, so the stack must be deployed as that principal (CI's identity; the transfer is then
         * a no-op), which a real preview checks. `deployer` (the development default): the
         * deploying identity creates and keeps them; refused in production mode, where the jobs
         * (running as `runAs`) set the aliases. `{ group }`: an account group owns them; put both
         * the deploying identity and the `runAs` principal in it.
         */
        modelOwner: z
            .union([
                z.enum(MODEL_OWNERS),
                z
                    .object({
                        group: groupName.describe(
                            "The account group that owns the models (its name, as grants take it).",
                        ),
                    })
                    .strict(),
            ])
            .optional()
            .meta(
                environment(
                    "Who owns the registered models. Unity Catalog lets only a model's owner (or a metastore admin) set its aliases, create its versions and read it back after an ownership transfer. `runAs` (the production default): the `runAs` principal owns them, so the stack must be deployed as that principal (CI's identity), which a real preview checks. `deployer` (the development default): the deploying identity creates and keeps them; refused in production mode. `{ group }`: an account group owns them; put both the deploying identity and the `runAs` principal in it.",
                ),
            ),
        clusterPolicy: clusterPolicySchema
            .default({ mode: "created" })
            .meta(
                environment(
                    "The workspace's cluster policy for the job clusters: created by this stack, or an existing one.",
                ),
            ),
        sqlWarehouse: sqlWarehouseSchema
            .default({ mode: "created", size: "2X-Small", autoStopMinutes: 10 })
            .meta(
                environment(
                    "The workspace's SQL warehouse for table DDL and monitor dashboards: created, or an existing one.",
                ),
            ),
        allowModeMismatch: z
            .boolean()
            .default(false)
            .meta(
                environment(
                    "Deploy an environment whose name says production in development mode, or the reverse. Off by default: `environment: prod` with `mode: development` is almost always a mistake.",
                ),
            ),
        workspaceRootPath: workspacePath
            .optional()
            .meta(
                environment(
                    "Root folder of the uploaded code. Omitted: the deploying user's home in development mode (`/Users/${workspace.current_user.userName}/.bundle`); in production mode the `runAs` principal's own home (`/Workspace/Users/<application id>/.bundle`), which only it and the workspace admins can change.",
                ),
            ),
        failureEmails: z
            .array(z.email("expected an email address"))
            .default([])
            .meta(environment("Email addresses told when a job run fails.")),
        tags: z
            .record(
                z.string().regex(/^[A-Za-z0-9_.-]{1,127}$/, "expected tag keys of letters, digits, '_', '.' and '-'"),
                z.string().max(255),
            )
            .default({})
            .meta(environment("Tags on jobs and clusters.")),
        workspace: workspaceSchema
            .default({ mode: "existing" })
            .meta(
                environment("The workspace: an existing one, or one this program creates with its Azure landing zone."),
            ),
        projects: z
            .array(projectSchema)
            .min(1)
            .describe("The ML projects of this stack: defined once in the shared file (or, wholly, in a stack file)."),
        projectOverrides: z
            .record(z.string(), z.record(z.string(), z.unknown()))
            .default({})
            .meta(
                environment(
                    "Per project (by name), what this stack changes of its shared definition: objects merge key by key, lists and values replace, `null` removes a key.",
                ),
            ),
    })
    .strict()
    .superRefine((s, ctx) => {
        if (!s.nodeTypes.includes(s.nodeType)) {
            ctx.addIssue({
                code: "custom",
                path: ["nodeType"],
                message: `expected one of the allowed nodeTypes (${s.nodeTypes.join(", ")}), found "${s.nodeType}"`,
                input: s.nodeType,
            });
        }
        if (s.numWorkers > s.maxWorkers) {
            ctx.addIssue({
                code: "custom",
                path: ["numWorkers"],
                message: `expected at most maxWorkers (${s.maxWorkers}), found ${s.numWorkers}`,
                input: s.numWorkers,
            });
        }
        // Each project owns its schema (with its model, volume and tables) and its experiment.
        for (const key of ["name", "schema", "experimentPath"] as const) {
            const values = s.projects.map((p) => p[key]);
            values.forEach((v, i) => {
                if (values.indexOf(v) !== i) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["projects", i, key],
                        message: `expected each project to have its own ${key}, found "${v}" twice`,
                        input: v,
                    });
                }
            });
        }
        // A previous name is that project's own: no other project has it now or had it.
        const current = s.projects.map((p) => p.name);
        const claimed = new Map<string, string>();
        s.projects.forEach((p, i) => {
            p.previousNames.forEach((old, j) => {
                const other = current.includes(old) ? old : claimed.get(old);
                if (other !== undefined || old === p.name) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["projects", i, "previousNames", j],
                        message: `expected a name no other project has or had, found "${old}", ${old === p.name ? "the project's own name" : other === old ? "the name of a project" : `a previous name of ${other}`}`,
                        input: old,
                    });
                }
                claimed.set(old, p.name);
            });
        });
        s.projects.forEach((p, i) => {
            if (p.deployment === "model" && s.mode !== "development" && p.promotion === undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: ["projects", i, "promotion"],
                    message: `expected promotion.sourceModel (the model to promote, from a CI-deployed stack such as staging) with deployment: model in ${s.mode === "production" ? "production mode" : "mode none"}`,
                    input: undefined,
                });
            }
            for (const issue of deployModelInputIssues(s.mode, p, i)) ctx.addIssue(issue);
            if (p.retraining.violationWindows > p.retraining.evaluationWindows) {
                ctx.addIssue({
                    code: "custom",
                    path: ["projects", i, "retraining", "violationWindows"],
                    message: `expected at most retraining.evaluationWindows (${p.retraining.evaluationWindows}) windows, found ${p.retraining.violationWindows}`,
                    input: p.retraining.violationWindows,
                });
            }
            const own = [
                p.monitor.timestampCol,
                "request_date",
                "databricks_request_id",
                p.monitor.modelIdCol,
                "model_version",
                p.monitor.predictionCol,
                ...(p.monitor.labelCol ? [p.monitor.labelCol] : []),
                "record_index",
            ];
            p.monitor.inputColumns.forEach((c, j) => {
                if (own.includes(c) || p.monitor.inputColumns.indexOf(c) !== j) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["projects", i, "monitor", "inputColumns", j],
                        message: `expected an input column of the model, once, not one of the processed table's own columns (${own.join(", ")}), found "${c}"`,
                        input: c,
                    });
                }
            });
            const jobs = {
                training: p.training,
                inference: p.inference,
                featureTable: p.featureTable,
                retraining: p.retraining,
            };
            for (const issue of projectJobIssues(jobs, serverlessEnvironmentVersionOf(s)))
                ctx.addIssue({ ...issue, path: ["projects", i, ...issue.path] });
            if (p.monitor.labelsTable !== undefined && p.monitor.labelCol === undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: ["projects", i, "monitor", "labelsTable"],
                    message: "expected monitor.labelCol too: the labels table is joined into that column",
                    input: p.monitor.labelsTable,
                });
            }
        });
        const reserved = ["project", "environment", ...(s.workspace.mode === "created" ? ["owner"] : [])];
        for (const key of reserved.filter((k) => k in s.tags)) {
            ctx.addIssue({
                code: "custom",
                path: ["tags", key],
                message: `expected no "${key}" tag: the program sets it (${key === "owner" ? "from workspace.owner" : `to the ${key} name`})`,
                input: s.tags[key],
            });
        }
        const endpointOwners = new Map<string, number>();
        s.projects.forEach((p, i) => {
            const endpoint = projectEndpointName(p, s.environment);
            const other = endpointOwners.get(endpoint);
            if (other !== undefined) {
                // Default names differ with the project names: at least one of the two is pinned.
                const [pinned, owner] = p.serving.endpointName !== undefined ? [i, other] : [other, i];
                ctx.addIssue({
                    code: "custom",
                    path: ["projects", pinned, "serving", "endpointName"],
                    message: `expected a serving endpoint name no other project's endpoint has, found "${endpoint}", the endpoint of project ${s.projects[owner].name}`,
                    input: endpoint,
                });
            }
            endpointOwners.set(endpoint, i);
            if (p.serving.endpointName !== undefined) return;
            if (endpoint.length > ENDPOINT_NAME_MAX) {
                ctx.addIssue({
                    code: "custom",
                    path: ["projects", i, "name"],
                    message: `expected a project name that keeps the serving endpoint name "${endpoint}" within ${ENDPOINT_NAME_MAX} characters, found ${endpoint.length}`,
                    input: p.name,
                });
            }
        });
        const contradiction =
            (s.mode === "development" && PRODUCTION_NAMES.test(s.environment)) ||
            (s.mode === "production" && DEVELOPMENT_NAMES.test(s.environment));
        if (contradiction && !s.allowModeMismatch) {
            ctx.addIssue({
                code: "custom",
                path: ["mode"],
                message: `expected a mode that matches environment "${s.environment}" (or allowModeMismatch: true to deploy it so on purpose), found "${s.mode}"`,
                input: s.mode,
            });
        }
        const issues =
            s.mode === "production"
                ? productionModeIssues(s)
                : s.mode === "development"
                  ? developmentModeIssues(s)
                  : [];
        for (const issue of [...issues, ...modelOwnerIssues(s)]) ctx.addIssue(issue);
    });

type Issue = { code: "custom"; path: (string | number)[]; message: string; input: unknown };

/**
 * Deploy-model in production mode: no training job runs there, so nothing writes the features
 * table that batch inference and the promotion's validation would read by default. Both tables
 * must be named, each a table something in that environment writes.
 */
export function deployModelInputIssues(
    mode: (typeof MODES)[number],
    p: {
        name: string;
        deployment: string;
        inference: { inputTable?: string };
        promotion?: { sourceModel: string; validationTable?: string };
    },
    index: number,
): Issue[] {
    if (mode === "development" || p.deployment !== "model") return [];
    const why = (key: string) =>
        "with deployment: model in production mode (the default <catalog>.<schema>.customer_features is written only by the training job, which this stack does not declare), " +
        `found none (set it for this stack: projectOverrides.${p.name}.${key})`;
    const issues: Issue[] = [];
    if (p.inference.inputTable === undefined) {
        issues.push({
            code: "custom",
            path: ["projects", index, "inference", "inputTable"],
            message: `expected inference.inputTable, the table batch inference scores, ${why("inference.inputTable")}`,
            input: undefined,
        });
    }
    if (p.promotion !== undefined && p.promotion.validationTable === undefined) {
        issues.push({
            code: "custom",
            path: ["projects", index, "promotion", "validationTable"],
            message: `expected promotion.validationTable, the labelled production data the promoted version is validated on, ${why("promotion.validationTable")}`,
            input: undefined,
        });
    }
    return issues;
}

/**
 * Production mode rules (the bundle's `mode: production`): the jobs run as a service principal,
 * `runAs` or, without it, the principal that deploys (bundles allow production mode without
 * `run_as` only when a service principal deploys, databricks/cli
 * bundle/config/mutator/resourcemutator/validate_target_mode.go; the program checks the deploying
 * identity at deploy, see config/deployChecks.ts), and no path belongs to one person, so that one
 * copy is deployed and it does not depend on anyone. The principal's own home is not one person's:
 * only it and the workspace admins can write there, and DAB's default root is in it
 * (`~/.bundle/...`). Paths with `${workspace.current_user.userName}` are that home when the
 * deploying identity is the principal: without `runAs`, or with `modelOwner: runAs`, which stops
 * a deploy by anyone else.
 */
export function productionModeIssues(s: {
    runAs?: { servicePrincipalName?: string; displayName?: string };
    modelOwner?: ModelOwner;
    workspaceRootPath?: string;
    projects: { experimentPath: string; monitor: { assetsDir?: string } }[];
}): Issue[] {
    const issues: Issue[] = [];
    const userScoped = (p: string) =>
        p.startsWith("/Users/") || p.startsWith("/Workspace/Users/") || p.includes("${workspace.current_user");
    const homes = [
        ...(s.runAs?.servicePrincipalName !== undefined ? principalHomes(s.runAs.servicePrincipalName) : []),
        ...(s.runAs === undefined || modelOwnerOf({ mode: "production", modelOwner: s.modelOwner }) === "runAs"
            ? principalHomes("${workspace.current_user.userName}")
            : []),
    ];
    const principal = s.runAs
        ? `the runAs principal's own home (${s.runAs.servicePrincipalName ?? s.runAs.displayName})`
        : "the deploying principal's own home";
    const check = (path: (string | number)[], value: string | undefined) => {
        if (value !== undefined && userScoped(value) && !isUnder(value, homes)) {
            issues.push({
                code: "custom",
                path,
                message: `expected a shared path in production mode, or ${principal}${homes.length > 0 ? ` such as ${homes[0]}/...` : ""} (not another user's folder)`,
                input: value,
            });
        }
    };
    check(["workspaceRootPath"], s.workspaceRootPath);
    s.projects.forEach((p, i) => {
        check(["projects", i, "experimentPath"], p.experimentPath);
        check(["projects", i, "monitor", "assetsDir"], p.monitor.assetsDir);
    });
    return issues;
}

/** A principal's home folder, both ways a path may spell it (`/Workspace/Users/<id>`, `/Users/<id>`). */
export function principalHomes(applicationId: string): string[] {
    return [`/Workspace/Users/${applicationId}`, `/Users/${applicationId}`];
}

function isUnder(p: string, folders: string[]): boolean {
    return folders.some((f) => p === f || p.startsWith(`${f}/`));
}

/** The owner of the registered models: what `modelOwner` says, else `runAs` in production and `deployer` in development. */
export type ModelOwner = (typeof MODEL_OWNERS)[number] | { group: string };

export function modelOwnerOf(s: { mode: Mode; modelOwner?: ModelOwner }): ModelOwner {
    return s.modelOwner ?? (s.mode === "production" ? "runAs" : "deployer");
}

/**
 * `modelOwner` against the rest: `runAs` needs a principal, and production refuses `deployer`
 * (the jobs run as `runAs` and move the aliases, which only the owner may).
 */
export function modelOwnerIssues(s: {
    mode: Mode;
    modelOwner?: ModelOwner;
    runAs?: { servicePrincipalName?: string; displayName?: string };
}): Issue[] {
    const owner = modelOwnerOf(s);
    if (owner === "runAs" && !s.runAs && s.modelOwner !== undefined) {
        return [
            {
                code: "custom",
                path: ["modelOwner"],
                message: "expected runAs.servicePrincipalName too: modelOwner runAs makes that principal the owner",
                input: s.modelOwner,
            },
        ];
    }
    if (owner === "deployer" && s.mode === "production") {
        return [
            {
                code: "custom",
                path: ["modelOwner"],
                message:
                    "expected runAs or { group: <account group> } in production mode: the jobs run as runAs and set the models' aliases, which Unity Catalog lets only the owner do",
                input: s.modelOwner,
            },
        ];
    }
    return [];
}

/**
 * Development mode rules (the bundle's `mode: development`): every developer deploys a copy of
 * their own, so a configured code root or monitor folder must be the user's (bundles refuse a
 * root path without the current user in development mode). Schemas, models, jobs and endpoints
 * get the user prefix from the program.
 */
export function developmentModeIssues(s: {
    workspaceRootPath?: string;
    projects: { monitor: { assetsDir?: string }; modelReaders?: string[] }[];
}): Issue[] {
    const issues: Issue[] = [];
    s.projects.forEach((p, i) => {
        if ((p.modelReaders ?? []).length > 0) {
            issues.push({
                code: "custom",
                path: ["projects", i, "modelReaders"],
                message:
                    "expected no modelReaders in development mode: a deploy-model stack promotes from a CI-deployed production-mode stack (such as staging), never from a developer's sandbox",
                input: p.modelReaders,
            });
        }
    });
    const check = (path: (string | number)[], value: string | undefined) => {
        if (value !== undefined && !value.includes("${workspace.current_user.")) {
            issues.push({
                code: "custom",
                path,
                message:
                    "expected a path with ${workspace.current_user.userName} or ${workspace.current_user.short_name} in development mode (two developers would share it)",
                input: value,
            });
        }
    };
    check(["workspaceRootPath"], s.workspaceRootPath);
    s.projects.forEach((p, i) => check(["projects", i, "monitor", "assetsDir"], p.monitor.assetsDir));
    return issues;
}

export type Settings = z.output<typeof settingsSchema>;
export type ProjectSettings = Settings["projects"][number];
export type WorkspaceSettings = Settings["workspace"];
export type MonitorSettings = ProjectSettings["monitor"];
export type Mode = Settings["mode"];
