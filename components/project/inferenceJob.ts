import * as pulumi from "@pulumi/pulumi";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import type { JobDefinition, JobTaskDef } from "./jobGraph";
import { ML_CLUSTER_KEY } from "./mlCluster";

export interface InferenceJobArgs extends CommonJobArgs {
    /** Job description. */
    description?: string;
    /** The job as data: its tasks, compute and schedule (`jobDefinition`, `defaultInferenceTasks`). */
    definition: JobDefinition;
}

/** The task key of the default batch inference job. */
export const INFERENCE_TASK = "run_inference";

/** The default batch inference task: the workload's notebook on the ML job cluster. */
export function defaultInferenceTasks(
    notebook: pulumi.Input<string>,
    parameters: pulumi.Input<Record<string, pulumi.Input<string>>>,
): JobTaskDef[] {
    return [
        {
            taskKey: INFERENCE_TASK,
            jobClusterKey: ML_CLUSTER_KEY,
            notebookTask: { notebookPath: notebook, baseParameters: parameters, source: "WORKSPACE" },
        },
    ];
}

/** Batch inference, by default on a Quartz cron schedule on the ML job cluster. */
export class InferenceJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;
    /** The job's name. */
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: InferenceJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:InferenceJob", name, {}, opts);
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
