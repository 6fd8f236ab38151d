import * as pulumi from "@pulumi/pulumi";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import type { JobDefinition, JobTaskDef } from "./jobGraph";
import { ML_CLUSTER_KEY } from "./mlCluster";

export interface TrainingJobArgs extends CommonJobArgs {
    /** Job description. */
    description?: string;
    /**
     * The job as data: its tasks (each with its lifecycle role), compute and start, from
     * `jobDefinition` with the project's training config, or `defaultTrainingTasks`.
     */
    definition: JobDefinition;
}

/** The default task keys, in run order (the job declares them in key order: see `canonicalTasks`). */
export const TRAINING_TASKS = ["feature_engineering", "train_model", "evaluate_model"] as const;

/** What the default training tasks run. */
export interface DefaultTrainingTasksArgs {
    /** Workspace paths of the three notebooks. */
    notebooks: {
        features: pulumi.Input<string>;
        train: pulumi.Input<string>;
        evaluate: pulumi.Input<string>;
    };
    /** Base parameters of each task (catalog, schema, experiment path, model name). */
    parameters: {
        features: pulumi.Input<Record<string, pulumi.Input<string>>>;
        train: pulumi.Input<Record<string, pulumi.Input<string>>>;
        evaluate: pulumi.Input<Record<string, pulumi.Input<string>>>;
    };
    /** Per-task timeout in seconds; omitted: none. */
    timeoutSeconds?: number;
}

/**
 * The default training pipeline: feature engineering, then training (which registers the
 * version), then evaluation (which validates it and moves the aliases), on the ML job cluster.
 */
export function defaultTrainingTasks(args: DefaultTrainingTasksArgs): JobTaskDef[] {
    const task = (
        key: string,
        notebookPath: pulumi.Input<string>,
        baseParameters: DefaultTrainingTasksArgs["parameters"]["features"],
        after: string | undefined,
        role: JobTaskDef["role"],
    ): JobTaskDef => ({
        taskKey: key,
        role,
        jobClusterKey: ML_CLUSTER_KEY,
        dependsOns: after ? [{ taskKey: after }] : undefined,
        notebookTask: { notebookPath, baseParameters, source: "WORKSPACE" },
        timeoutSeconds: args.timeoutSeconds,
    });
    const [features, train, evaluate] = TRAINING_TASKS;
    return [
        task(features, args.notebooks.features, args.parameters.features, undefined, undefined),
        task(train, args.notebooks.train, args.parameters.train, features, "registers"),
        task(evaluate, args.notebooks.evaluate, args.parameters.evaluate, train, "validates"),
    ];
}

/**
 * The training job: a task graph with the task that registers model versions, by default
 * feature engineering, training and evaluation on the ML job cluster, started when files land in
 * the training-data volume.
 */
export class TrainingJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;
    /** The job's name. */
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: TrainingJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:TrainingJob", name, {}, opts);
        const job = declareJob(
            name,
            { ...commonJobInputs(args), description: args.description, ...args.definition },
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
