import * as pulumi from "@pulumi/pulumi";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import type { JobDefinition, JobTaskDef } from "./jobGraph";
import { ML_CLUSTER_KEY } from "./mlCluster";

export interface RetrainingJobArgs extends CommonJobArgs {
    /** Job description; omitted: the default drift check's. */
    description?: string;
    /** The job as data: its tasks, compute and schedule (`jobDefinition`, `defaultRetrainingTasks`). */
    definition: JobDefinition;
}

/** What the default retraining tasks check and run. */
export interface DefaultRetrainingTasksArgs {
    /** Workspace path of the drift-check notebook (`workloads/common/check_drift.py`). */
    notebook: pulumi.Input<string>;
    /** The monitor's drift metrics table (`<monitored table>_drift_metrics`). */
    driftTable: pulumi.Input<string>;
    /** The columns whose drift counts; empty: all. */
    columns: string[];
    /** The drift metric compared. */
    metric: string;
    /** Retrain when the metric of any column exceeds this. */
    threshold: number;
    /** The number of latest windows read, and how many of them must exceed the threshold (the latest included). */
    windows?: { evaluation: number; violation: number };
    /** The monitor's model id column: the check reads its `'*'` rows, the drift of all served models together. */
    modelIdCol?: string;
    /** The training job the retraining runs. */
    trainingJobId: pulumi.Input<string>;
}

/** The default task keys, in run order. */
export const RETRAINING_TASKS = { check: "check_drift", condition: "drift_detected", retrain: "retrain" } as const;

/**
 * Retraining on drift, as mlops-stacks' retraining job does it: a task reads the quality
 * monitor's drift metrics, a condition task tests its answer, and a `run_job_task` starts the
 * training job only when the drift of the configured columns exceeds the threshold.
 */
export function defaultRetrainingTasks(args: DefaultRetrainingTasksArgs): JobTaskDef[] {
    const { check, condition, retrain } = RETRAINING_TASKS;
    return [
        {
            taskKey: check,
            jobClusterKey: ML_CLUSTER_KEY,
            notebookTask: {
                notebookPath: args.notebook,
                source: "WORKSPACE",
                baseParameters: {
                    drift_table: args.driftTable,
                    columns: args.columns.join(","),
                    metric: args.metric,
                    threshold: String(args.threshold),
                    lookback_days: "7",
                    evaluation_windows: String(args.windows?.evaluation ?? 1),
                    violation_windows: String(args.windows?.violation ?? 1),
                    model_id_col: args.modelIdCol ?? "model_id",
                },
            },
        },
        {
            taskKey: condition,
            dependsOns: [{ taskKey: check }],
            conditionTask: { left: `{{tasks.${check}.values.drift_detected}}`, op: "EQUAL_TO", right: "true" },
        },
        {
            taskKey: retrain,
            dependsOns: [{ taskKey: condition, outcome: "true" }],
            runJobTask: { jobId: pulumi.output(args.trainingJobId).apply(Number) },
        },
    ];
}

/** The retraining job: by default a drift check that starts the training job, after the monitor's refresh. */
export class RetrainingJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;

    constructor(name: string, args: RetrainingJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:RetrainingJob", name, {}, opts);
        const job = declareJob(
            name,
            {
                ...commonJobInputs(args),
                description:
                    args.description ?? "Starts the training job when the monitored inputs drift beyond the threshold.",
                ...args.definition,
            },
            args.permissions,
            this,
            {},
            args.adoptId,
        );
        this.jobId = job.id;
        this.registerOutputs({ jobId: this.jobId });
    }
}
