import * as pulumi from "@pulumi/pulumi";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import { ML_CLUSTER_KEY } from "./mlCluster";

export interface PromotionJobArgs extends CommonJobArgs {
    /** Workspace path of the promotion notebook (`workloads/common/promote_model.py`). */
    notebook: pulumi.Input<string>;
    /** The model whose version is promoted (three-level name), managed by the source stack. */
    sourceModel: string;
    /** The alias of the version to promote (`champion`). */
    sourceAlias: string;
    /** The production model the version is copied into (three-level name). */
    targetModel: pulumi.Input<string>;
    /** Production data the copied version is validated on. */
    validationTable: pulumi.Input<string>;
    /** The label column of the validation data. */
    labelCol: string;
    /** The thresholds the copied version must pass. */
    minAccuracy: number;
    minF1: number;
    /** How much the copy must beat production's champion by to replace it; omitted: 0 (a tie keeps the champion). */
    minImprovement?: number;
    /** When to run; omitted: on demand only. */
    schedule?: { cron: string; timezone: string };
    /**
     * The service principal (application id) the job runs as: the source stack's `modelReaders`
     * must name it.
     */
    servicePrincipal: string;
}

/** The task key of the promotion job. */
export const PROMOTION_TASK = "promote_model";

/**
 * Deploy-model's promotion: a model trained and validated in a CI-deployed
 * production-mode stack (staging) is copied into this stack's model (MLflow `copy_model_version`
 * across catalogs), validated again on this environment's data with the same thresholds, and
 * given the `challenger` and `champion` aliases. The job runs as this stack's service principal.
 *
 * Its read access to the source model is granted where that model is managed: the source stack
 * lists the principal in `modelReaders` and writes it into its own authoritative grants. This
 * component writes no grant on the source: `databricks.Grants` there replaces every principal on
 * each update (terraform-provider-databricks `catalog/resource_grants.go`), so a grant added from
 * here would be revoked by the source stack's next update.
 */
export class PromotionJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;

    constructor(name: string, args: PromotionJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:PromotionJob", name, {}, opts);
        const job = declareJob(
            name,
            {
                ...commonJobInputs(args),
                description: `Promotes ${args.sourceModel}@${args.sourceAlias} into production after validating it on production data.`,
                tasks: [
                    {
                        taskKey: PROMOTION_TASK,
                        jobClusterKey: ML_CLUSTER_KEY,
                        notebookTask: {
                            notebookPath: args.notebook,
                            source: "WORKSPACE",
                            baseParameters: {
                                source_model: args.sourceModel,
                                source_alias: args.sourceAlias,
                                target_model: args.targetModel,
                                validation_table: args.validationTable,
                                label_col: args.labelCol,
                                min_accuracy: String(args.minAccuracy),
                                min_f1: String(args.minF1),
                                min_improvement: String(args.minImprovement ?? 0),
                            },
                        },
                    },
                ],
                schedule: args.schedule
                    ? {
                          quartzCronExpression: args.schedule.cron,
                          timezoneId: args.schedule.timezone,
                          pauseStatus: "UNPAUSED",
                      }
                    : undefined,
            },
            args.permissions,
            this,
        );

        this.jobId = job.id;
        this.registerOutputs({ jobId: this.jobId });
    }
}
