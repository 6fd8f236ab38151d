import * as pulumi from "@pulumi/pulumi";
import type { PauseStatus } from "../../config/schema";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import { ML_CLUSTER_KEY } from "./mlCluster";

export interface TrainingJobArgs extends CommonJobArgs {
    /** Job description. */
    description?: string;
    /** Workspace paths of the three notebooks. */
    notebooks: {
        features: pulumi.Input<string>;
        train: pulumi.Input<string>;
        evaluate: pulumi.Input<string>;
    };
    /** Base parameters of each task (the seed's catalog, schema, experiment path, model name). */
    parameters: {
        features: pulumi.Input<Record<string, pulumi.Input<string>>>;
        train: pulumi.Input<Record<string, pulumi.Input<string>>>;
        evaluate: pulumi.Input<Record<string, pulumi.Input<string>>>;
    };
    /** Folder the file-arrival trigger watches; it must end with `/` (the API wants a folder). */
    fileArrivalUrl: pulumi.Input<string>;
    /** Pause status of the trigger. */
    pauseStatus: PauseStatus;
    /** Minimum seconds between triggered runs; omitted: the API default. */
    minTimeBetweenTriggersSeconds?: number;
    /** Seconds without new files before a run starts; omitted: the API default. */
    waitAfterLastChangeSeconds?: number;
    /** Per-task timeout in seconds; omitted: none. */
    timeoutSeconds?: number;
}

/** The task keys, in run order (the job declares them in key order: see `canonicalTasks`). */
export const TRAINING_TASKS = ["feature_engineering", "train_model", "evaluate_model"] as const;

/**
 * The training pipeline: feature engineering, then training, then evaluation, on the shared ML
 * job cluster, started when files land in the training-data volume.
 */
export class TrainingJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;
    /** The job's name. */
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: TrainingJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:TrainingJob", name, {}, opts);

        const task = (
            key: string,
            notebookPath: pulumi.Input<string>,
            baseParameters: TrainingJobArgs["parameters"]["features"],
            after?: string,
        ) => ({
            taskKey: key,
            jobClusterKey: ML_CLUSTER_KEY,
            dependsOns: after ? [{ taskKey: after }] : undefined,
            notebookTask: { notebookPath, baseParameters, source: "WORKSPACE" },
            timeoutSeconds: args.timeoutSeconds,
        });
        const [features, train, evaluate] = TRAINING_TASKS;

        const job = declareJob(
            name,
            {
                ...commonJobInputs(args),
                description: args.description,
                tasks: [
                    task(features, args.notebooks.features, args.parameters.features),
                    task(train, args.notebooks.train, args.parameters.train, features),
                    task(evaluate, args.notebooks.evaluate, args.parameters.evaluate, train),
                ],
                trigger: {
                    pauseStatus: args.pauseStatus,
                    fileArrival: {
                        url: args.fileArrivalUrl,
                        minTimeBetweenTriggersSeconds: args.minTimeBetweenTriggersSeconds,
                        waitAfterLastChangeSeconds: args.waitAfterLastChangeSeconds,
                    },
                },
            },
            args.permissions,
            this,
            {},
            args.adoptId,
        );

        this.jobId = job.id;
        this.jobName = job.name;
        this.registerOutputs({ jobId: this.jobId, jobName: this.jobName });
    }
}
