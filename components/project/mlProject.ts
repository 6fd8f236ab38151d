import * as pulumi from "@pulumi/pulumi";
import { type ProjectSettings, projectEndpointName } from "../../config/schema";
import {
    type AccessGroups,
    codeFolderPermissions,
    experimentPermissions,
    jobPermissions,
    modelGrants,
    queryPermissions,
    schemaGrants,
    servingPermissions,
    volumeGrants,
} from "../access";
import { AbAnalysis } from "./abAnalysis";
import { Experiment } from "./experiment";
import { PromotionJob } from "./promotionJob";
import { defaultRetrainingTasks, RetrainingJob } from "./retrainingJob";
import { defaultInferenceTasks, InferenceJob } from "./inferenceJob";
import { FeatureTableJob } from "./featureTableJob";
import { type CodePath, jobDefinition, type ProjectJobContext, taskFiles } from "./jobGraph";
import type { Presets } from "../presets";
import { type ClusterSettings, mlJobCluster } from "./mlCluster";
import { QualityMonitor } from "./qualityMonitor";
import { RegisteredModel } from "./registeredModel";
import { type ServedRoute, ServingEndpoint } from "./servingEndpoint";
import { defaultTrainingTasks, TrainingJob } from "./trainingJob";
import { type NotebookKey, taskPathKey, WorkloadCode } from "./workloadCode";

export interface MlProjectArgs {
    /** The project's settings from the stack configuration. */
    project: ProjectSettings;
    /** Environment name used in resource names (the bundle target). */
    environment: string;
    /** The environment's Unity Catalog catalog. */
    catalog: string;
    /** Mode presets for the deploying user. */
    presets: Presets;
    /** Job-cluster settings. */
    cluster: ClusterSettings;
    /** The workspace's cluster policy the job clusters are created under. */
    clusterPolicyId: pulumi.Input<string>;
    /** The serverless environment version of job environments that name none; omitted: they name theirs. */
    serverlessEnvironmentVersion?: string;
    /** Who manages, runs and views the project's resources; the jobs' service principal. */
    access: AccessGroups;
    /** Emails told when a job run fails. */
    failureEmails: string[];
    /** Tags on jobs and clusters (the project and environment tags are added). */
    tags: Record<string, string>;
    /** The workspace's SQL warehouse: it runs the processed inference table's DDL and the monitor's dashboard. */
    sqlWarehouseId: pulumi.Input<string>;
    /** Local folder of the project's workload: the entry points its jobs run, and its modules. */
    workloadDir: string;
    /** Parent folder of the project's uploaded code; may hold the current-user variables. */
    workspaceRootPath: string;
    /**
     * Owner of the registered model: the `runAs` principal's application id or an account group,
     * so that the jobs can register versions and set aliases, which Unity Catalog lets only the
     * owner do. Omitted: the deploying identity creates and keeps it.
     */
    modelOwner?: string;
    /**
     * URL of the landing zone's external location (`abfss://...`); the training-data volume is
     * an external volume in `<url><project>/input`. Omitted: a managed volume.
     */
    landingUrl?: pulumi.Output<string>;
    /**
     * The routes the endpoint serves, each with its version resolved. Omitted while the model
     * lacks what a route names and no endpoint is live (a first deploy, no champion yet): the
     * endpoint and what reads its tables (the monitor, its processed table and job, retraining,
     * the A/B query) are left out until a training or promotion run provides it.
     */
    servedRoutes?: ServedRoute[];
    /**
     * The endpoint is live and the model lacks what its routes name: `servedRoutes` are what it
     * serves now, and its serving config stays as deployed until the model catches up. Default: false.
     */
    keepLiveServing?: boolean;
}

/**
 * Joins path segments to a cloud URL whatever its trailing slash: Unity Catalog strips the slash
 * from an external location's URL, so `${url}${segment}` would glue the two together.
 */
export function joinUrl(url: pulumi.Input<string>, ...segments: pulumi.Input<string>[]): pulumi.Output<string> {
    return pulumi.all([url, ...segments]).apply(([u, ...rest]) => [u.replace(/\/+$/, ""), ...rest].join("/"));
}

/**
 * The workload code a project's jobs run: the entry points of the program's default tasks (each
 * job with configured tasks runs those instead) and the notebooks and files the configured tasks
 * name.
 */
export function projectCode(p: ProjectSettings): {
    entryPoints: ("features" | "train" | "evaluate" | "batchInference")[];
    taskNotebooks: string[];
    taskFiles: string[];
} {
    const configured = [p.featureTable, p.training, p.inference, p.retraining].map((j) =>
        taskFiles(j?.tasks, j?.environments),
    );
    const sorted = (lists: string[][]) => [...new Set(lists.flat())].sort();
    return {
        entryPoints: [
            ...(p.training.tasks ? [] : (["features", "train", "evaluate"] as const)),
            ...(p.inference.tasks ? [] : (["batchInference"] as const)),
        ],
        taskNotebooks: sorted(configured.map((c) => c.notebooks)),
        taskFiles: sorted(configured.map((c) => c.files)),
    };
}

/** The name of the volume the file-arrival trigger watches (inside the project's schema). */
export const INPUT_VOLUME = "input";
/** The folder inside that volume that holds training data. */
export const TRAINING_DATA_DIR = "training_data";

/**
 * One ML project: a Databricks Asset Bundle for ML, as components. The ML job cluster
 * (under the workspace's cluster policy), the training and batch inference jobs, the experiment, the Unity Catalog schema, model and
 * landing volume, the serving endpoint and the quality monitor, each with its permissions.
 */
export class MlProject extends pulumi.ComponentResource {
    /** The training job's id; undefined where the project does not train (deploy-model in production). */
    public readonly trainingJobId: pulumi.Output<string | undefined>;
    /** The batch inference job's id. */
    public readonly inferenceJobId: pulumi.Output<string>;
    /** The experiment's workspace path (prefixed in development mode). */
    public readonly experimentPath: pulumi.Output<string>;
    /** `catalog.schema.model`. */
    public readonly modelFullName: pulumi.Output<string>;
    /** The endpoint's name; undefined while it is deferred (no model version yet). */
    public readonly endpointName: pulumi.Output<string | undefined>;
    /** The folder the training job's file-arrival trigger watches; drop training CSVs here. */
    public readonly trainingDataPath: pulumi.Output<string>;

    constructor(name: string, args: MlProjectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:MlProject", name, {}, opts);
        const { project: p, presets, environment: env, catalog } = args;
        const child = { parent: this };
        const tags = presets.tags({ ...args.tags, project: p.name, environment: env });
        const rootPath = presets.path(`${args.workspaceRootPath}/${p.name}/${env}`);

        // Deploy-model: production does not train; a promotion job brings the development
        // model's validated version over instead.
        const promotes = !presets.development && p.deployment === "model";
        // Retraining needs a training job to start and a monitor whose drift it reads.
        const retrains = !promotes && p.retraining.enabled && args.servedRoutes !== undefined;
        const code = new WorkloadCode(
            `${name}-code`,
            {
                rootPath,
                workloadDir: args.workloadDir,
                platformNotebooks: [
                    "processInferenceLogs",
                    ...(promotes ? (["promoteModel"] as const) : []),
                    ...(retrains && !p.retraining.tasks ? (["checkDrift"] as const) : []),
                ],
                // Where the stack's principal deploys, its code lives in a folder others cannot
                // read (by default its own home), yet the drift check's refresh reads the
                // notebooks back. Under /Shared every workspace user reads (and writes) already.
                folderPermissions:
                    args.access.deployingPrincipal && !isUnderShared(args.workspaceRootPath)
                        ? codeFolderPermissions(args.access)
                        : undefined,
                ...projectCode(p),
            },
            child,
        );
        const notebook = (key: NotebookKey) => code.paths[key] as pulumi.Output<string>;
        const codePath: CodePath = (file, as) => code.taskPaths[taskPathKey(file, as)];

        // In development mode the schema and the model carry the user prefix (`dev_<short_name>_`),
        // as bundles do: two developers never share them, nor the volume and tables inside.
        // A schema or model the workspace has (`existing`) keeps its name as written.
        const existing = { schema: p.existing.includes("schema"), model: p.existing.includes("model") };
        const schemaName = existing.schema ? pulumi.output(p.schema) : presets.ucName(p.schema);
        const uc = new RegisteredModel(
            `${name}-model`,
            {
                catalog,
                schema: schemaName,
                modelName: existing.model ? pulumi.output(p.modelName) : presets.ucName(p.modelName),
                existing,
                comment: p.modelComment ?? `Model of ${p.name} (${env}), trained by the ${p.name} training job.`,
                volumeName: INPUT_VOLUME,
                owner: args.modelOwner,
                // Each developer's external volume has a folder of its own: Unity Catalog refuses two
                // volumes on one location.
                volumeStorageLocation: args.landingUrl
                    ? joinUrl(args.landingUrl, p.name, presets.ucName(INPUT_VOLUME))
                    : undefined,
                adopt: { schema: p.adopt?.schema, model: p.adopt?.registeredModel, volume: p.adopt?.volume },
                grants: {
                    schema: schemaGrants(args.access, p.modelReaders),
                    model: modelGrants(args.access, p.modelReaders),
                    volume: volumeGrants(args.access),
                },
                protect: presets.protect,
                forceDestroy: presets.forceDestroy,
            },
            child,
        );

        const experiment = new Experiment(
            `${name}-experiment`,
            {
                path: presets.experimentPath(p.experimentPath),
                permissions: experimentPermissions(args.access),
                protect: presets.protect,
                adoptId: p.adopt?.experiment,
            },
            child,
        );

        const common = {
            jobCluster: mlJobCluster(args.cluster, args.clusterPolicyId, tags),
            runAsServicePrincipal: args.access.runAsServicePrincipal,
            failureEmails: args.failureEmails,
            maxConcurrentRuns: presets.maxConcurrentRuns,
            tags,
            permissions: jobPermissions(args.access),
        };
        const table = (t: string) => pulumi.interpolate`${catalog}.${schemaName}.${t}`;
        const featuresTable = table("customer_features");
        const trainingDataPath = pulumi.interpolate`${uc.volumePath}/${TRAINING_DATA_DIR}/`;

        const extra = p.workload.parameters;
        const jobIds: ProjectJobContext["jobIds"] = {};
        const jobs: ProjectJobContext = {
            code: codePath,
            variables: {
                "${bundle.target}": env,
                "${project.name}": p.name,
                "${project.catalog}": catalog,
                "${project.schema}": schemaName,
                "${project.model}": uc.fullName,
                "${project.experiment}": experiment.path,
                "${project.features_table}": featuresTable,
                "${project.predictions_table}": p.inference.outputTable ?? table("predictions"),
                "${project.training_data}": trainingDataPath,
                "${workspace.current_user.userName}": presets.user.userName,
                "${workspace.current_user.short_name}": presets.user.shortName,
            },
            jobIds,
            jobCluster: common.jobCluster,
            serverlessEnvironmentVersion: args.serverlessEnvironmentVersion,
            modelName: uc.fullName,
            pauseStatus: (s) => presets.pauseStatus(s),
        };

        // The feature-table job runs ahead of training, on its own schedule (mlops-stacks' shape).
        const featureTable = p.featureTable
            ? new FeatureTableJob(
                  `${name}-feature-table`,
                  {
                      ...common,
                      jobName: presets.displayName(p.featureTable?.name ?? `${p.name}-feature-table-${env}`),
                      description: "Writes the project's feature tables.",
                      definition: jobDefinition(p.featureTable, { tasks: () => [], start: "none" }, jobs),
                      adoptId: p.adopt?.featureTableJob,
                  },
                  child,
              )
            : undefined;
        if (featureTable) jobIds.featureTable = featureTable.jobId;

        const training = promotes
            ? undefined
            : new TrainingJob(
                  `${name}-training`,
                  {
                      ...common,
                      jobName: presets.displayName(p.training.name ?? `${p.name}-training-${env}`),
                      description: "ML training pipeline: feature engineering, training, evaluation.",
                      definition: jobDefinition(
                          p.training,
                          {
                              tasks: () =>
                                  defaultTrainingTasks({
                                      notebooks: {
                                          features: notebook("features"),
                                          train: notebook("train"),
                                          evaluate: notebook("evaluate"),
                                      },
                                      parameters: {
                                          features: {
                                              catalog,
                                              schema: schemaName,
                                              training_data_path: trainingDataPath,
                                              features_table: featuresTable,
                                              ...extra.features,
                                          },
                                          train: {
                                              catalog,
                                              schema: schemaName,
                                              experiment_path: experiment.path,
                                              model_name: uc.fullName,
                                              features_table: featuresTable,
                                              window_days: String(p.training.windowDays),
                                              ...extra.train,
                                          },
                                          evaluate: {
                                              model_name: uc.fullName,
                                              features_table: featuresTable,
                                              min_accuracy: String(p.training.minAccuracy),
                                              min_f1: String(p.training.minF1),
                                              min_improvement: String(p.training.minImprovement),
                                              ...extra.evaluate,
                                          },
                                      },
                                      timeoutSeconds: p.training.timeoutSeconds,
                                  }),
                              start: { fileArrival: { url: trainingDataPath } },
                              fileArrivalUrl: trainingDataPath,
                          },
                          jobs,
                      ),
                      adoptId: p.adopt?.trainingJob,
                  },
                  child,
              );
        if (training) jobIds.training = training.jobId;

        const inference = new InferenceJob(
            `${name}-inference`,
            {
                ...common,
                jobName: presets.displayName(p.inference.name ?? `${p.name}-inference-${env}`),
                description: "Batch inference with the champion model.",
                definition: jobDefinition(
                    p.inference,
                    {
                        tasks: () =>
                            defaultInferenceTasks(notebook("batchInference"), {
                                catalog,
                                schema: schemaName,
                                model_name: uc.fullName,
                                input_table: p.inference.inputTable ?? featuresTable,
                                output_table: p.inference.outputTable ?? table("predictions"),
                                ...extra.batchInference,
                            }),
                        start:
                            p.inference.cron === undefined
                                ? "none"
                                : {
                                      schedule: {
                                          cron: p.inference.cron,
                                          timezone: p.inference.timezone,
                                          pauseStatus: p.inference.pauseStatus,
                                      },
                                  },
                    },
                    jobs,
                ),
                adoptId: p.adopt?.inferenceJob,
            },
            child,
        );
        jobIds.inference = inference.jobId;

        if (promotes) {
            const promotion = p.promotion as NonNullable<ProjectSettings["promotion"]>;
            new PromotionJob(
                `${name}-promotion`,
                {
                    ...common,
                    jobName: presets.displayName(`${p.name}-promotion-${env}`),
                    notebook: notebook("promoteModel"),
                    sourceModel: promotion.sourceModel,
                    sourceAlias: promotion.sourceAlias,
                    targetModel: uc.fullName,
                    validationTable: promotion.validationTable ?? featuresTable,
                    labelCol: p.monitor.labelCol ?? "label",
                    minAccuracy: p.training.minAccuracy,
                    minF1: p.training.minF1,
                    minImprovement: p.training.minImprovement,
                    schedule: promotion.cron ? { cron: promotion.cron, timezone: promotion.timezone } : undefined,
                    // Production mode requires runAs: the schema refuses a production stack without it.
                    servicePrincipal: args.access.runAsServicePrincipal as string,
                },
                child,
            );
        }

        // Retraining: by default a drift check on the endpoint's monitor (declared with it); a
        // retraining job of configured tasks reads what it names, so it does not wait for the endpoint.
        const declareRetraining = (trainingJob: TrainingJob, driftTable?: pulumi.Output<string>) => {
            const r = p.retraining;
            return new RetrainingJob(
                `${name}-retraining`,
                {
                    ...common,
                    jobName: presets.displayName(p.retraining.name ?? `${p.name}-retraining-${env}`),
                    description: r.tasks ? "Retrains the model when the monitored metrics degrade." : undefined,
                    adoptId: p.adopt?.retrainingJob,
                    definition: jobDefinition(
                        r,
                        {
                            tasks: () =>
                                defaultRetrainingTasks({
                                    notebook: notebook("checkDrift"),
                                    driftTable: driftTable as pulumi.Output<string>,
                                    // Drift of the model's inputs and its prediction, never of the served model's id alone.
                                    columns:
                                        r.columns.length > 0
                                            ? r.columns
                                            : [...p.monitor.inputColumns, p.monitor.predictionCol],
                                    metric: r.metric,
                                    threshold: r.threshold,
                                    windows: { evaluation: r.evaluationWindows, violation: r.violationWindows },
                                    modelIdCol: p.monitor.modelIdCol,
                                    trainingJobId: trainingJob.jobId,
                                }),
                            start: { schedule: { cron: r.cron, timezone: r.timezone, pauseStatus: r.pauseStatus } },
                        },
                        jobs,
                    ),
                },
                child,
            );
        };
        if (!promotes && p.retraining.enabled && p.retraining.tasks && training) declareRetraining(training);

        let endpointName: pulumi.Output<string | undefined> = pulumi.output(undefined);
        if (args.servedRoutes) {
            const endpoint = new ServingEndpoint(
                `${name}-endpoint`,
                {
                    endpointName: presets.endpointName(projectEndpointName(p, env)),
                    modelFullName: uc.fullName,
                    modelName: p.modelName,
                    routes: args.servedRoutes,
                    workloadSize: p.serving.workloadSize,
                    scaleToZero: p.serving.scaleToZero ?? presets.development,
                    inferenceTable: { catalog, schema: schemaName, prefix: p.serving.inferenceTablePrefix },
                    permissions: servingPermissions(args.access),
                    keepLiveConfig: args.keepLiveServing,
                    protect: presets.protect,
                    adoptId: p.adopt?.servingEndpoint,
                },
                child,
            );
            const monitor = new QualityMonitor(
                `${name}-monitor`,
                {
                    payloadTableName: endpoint.inferenceTableName,
                    endpointName: endpoint.endpointName,
                    catalog,
                    schema: uc.schemaName,
                    processedTable: `${p.serving.inferenceTablePrefix}_processed`,
                    inferenceLog: p.monitor,
                    labelsTable: p.monitor.labelsTable,
                    slicingExprs: p.monitor.slicingExprs,
                    assetsDir: p.monitor.assetsDir
                        ? presets.path(p.monitor.assetsDir)
                        : pulumi.interpolate`${rootPath}/monitoring`,
                    // Like bundles in development mode: a paused monitor schedule is removed.
                    schedule:
                        presets.pauseStatus(p.monitor.schedule.pauseStatus) === "UNPAUSED"
                            ? { cron: p.monitor.schedule.cron, timezone: p.monitor.schedule.timezone }
                            : undefined,
                    processing: {
                        ...common,
                        jobName: presets.displayName(`${p.name}-inference-logs-${env}`),
                        notebook: notebook("processInferenceLogs"),
                        // Beside the training data's folder, not in it: the file-arrival trigger watches that one.
                        checkpointLocation: pulumi.interpolate`${uc.volumePath}/checkpoints/process_inference_logs/`,
                        cron: p.monitor.processing.cron,
                        timezone: p.monitor.processing.timezone,
                        pauseStatus: presets.pauseStatus(p.monitor.processing.pauseStatus),
                    },
                    sqlWarehouseId: args.sqlWarehouseId,
                    protect: presets.protect,
                    adoptId: p.adopt?.qualityMonitor,
                },
                child,
            );
            endpointName = endpoint.endpointName;

            if (retrains && training && !p.retraining.tasks) {
                // Lakehouse Monitoring writes `<monitored table>_drift_metrics` to the output schema.
                declareRetraining(training, pulumi.interpolate`${monitor.tableName}_drift_metrics`);
            }

            if (args.servedRoutes.length > 1) {
                new AbAnalysis(
                    `${name}-ab-analysis`,
                    {
                        displayName: presets.displayName(`${p.name}-ab-analysis-${env}`),
                        parentPath: rootPath,
                        warehouseId: args.sqlWarehouseId,
                        processedTable: monitor.tableName,
                        payloadTable: endpoint.inferenceTableName,
                        columns: {
                            problemType: p.monitor.problemType,
                            predictionCol: p.monitor.predictionCol,
                            labelCol: p.monitor.labelCol,
                        },
                        permissions: queryPermissions(args.access),
                    },
                    { parent: this, dependsOn: [code] },
                );
            }
        }

        this.trainingJobId = training ? training.jobId : pulumi.output(undefined);
        this.inferenceJobId = inference.jobId;
        this.experimentPath = experiment.path;
        this.modelFullName = uc.fullName;
        this.endpointName = endpointName;
        this.trainingDataPath = trainingDataPath;
        this.registerOutputs({
            trainingJobId: this.trainingJobId,
            inferenceJobId: this.inferenceJobId,
            experimentPath: this.experimentPath,
            modelFullName: this.modelFullName,
            endpointName: this.endpointName,
            trainingDataPath: this.trainingDataPath,
        });
    }
}

/** Whether a workspace path is under `/Shared`, where every workspace user has Can Manage. */
function isUnderShared(p: string): boolean {
    return /^(\/Workspace)?\/Shared(\/|$)/.test(p);
}
