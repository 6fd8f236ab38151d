import * as pulumi from "@pulumi/pulumi";
import type { PauseStatus } from "../../config/schema";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import { ML_CLUSTER_KEY } from "./mlCluster";

export interface InferenceJobArgs extends CommonJobArgs {
    /** Job description. */
    description?: string;
    /** Workspace path of the batch inference notebook. */
    notebook: pulumi.Input<string>;
    /** Base parameters of the task. */
    parameters: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Quartz cron expression of the schedule, such as `0 0 * * * ?` (hourly). */
    cron: string;
    /** Java time zone id of the schedule. */
    timezone: string;
    /** Pause status of the schedule. */
    pauseStatus: PauseStatus;
}

/** The task key of the batch inference job. */
export const INFERENCE_TASK = "run_inference";

/** Batch inference on a Quartz cron schedule, on the shared ML job-cluster spec. */
export class InferenceJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;
    /** The job's name. */
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: InferenceJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:InferenceJob", name, {}, opts);

        const job = declareJob(
            name,
            {
                ...commonJobInputs(args),
                description: args.description,
                tasks: [
                    {
                        taskKey: INFERENCE_TASK,
                        jobClusterKey: ML_CLUSTER_KEY,
                        notebookTask: {
                            notebookPath: args.notebook,
                            baseParameters: args.parameters,
                            source: "WORKSPACE",
                        },
                    },
                ],
                schedule: {
                    quartzCronExpression: args.cron,
                    timezoneId: args.timezone,
                    pauseStatus: args.pauseStatus,
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
