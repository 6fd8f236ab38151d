import * as pulumi from "@pulumi/pulumi";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import type { JobDefinition } from "./jobGraph";

export interface FeatureTableJobArgs extends CommonJobArgs {
    /** Job description. */
    description?: string;
    /** The job as data: the project's feature-table tasks, their compute and schedule (`jobDefinition`). */
    definition: JobDefinition;
}

/**
 * The feature-table job (mlops-stacks' `write_feature_table_job`): tasks that compute features
 * and write them to Unity Catalog tables, on their own schedule, ahead of training.
 */
export class FeatureTableJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;
    /** The job's name. */
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: FeatureTableJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:FeatureTableJob", name, {}, opts);
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
