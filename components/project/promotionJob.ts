import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import { ML_CLUSTER_KEY } from "./mlCluster";

export interface PromotionJobArgs extends CommonJobArgs {
    /** Workspace path of the promotion notebook (`workloads/common/promote_model.py`). */
    notebook: pulumi.Input<string>;
    /** The development model whose version is promoted (three-level name). */
    sourceModel: string;
    /** The alias of the version to promote (`champion`). */
    sourceAlias: string;
    /** The production model the version is copied into (three-level name). */
    targetModel: pulumi.Input<string>;
    /** Production data the copied version is validated on. */
    validationTable: pulumi.Input<string>;
    /** The label column of the validation data. */
    labelCol: string;
    /** The seed 004 thresholds the copied version must pass. */
    minAccuracy: number;
    minF1: number;
    /** When to run; omitted: on demand only. */
    schedule?: { cron: string; timezone: string };
    /** The production service principal (application id) the job runs as, which reads the source model. */
    servicePrincipal: string;
}

/** The task key of the promotion job. */
export const PROMOTION_TASK = "promote_model";

/**
 * Deploy-model's promotion (seed 000): a model trained and validated in development is copied
 * into the production model (MLflow `copy_model_version` across catalogs), validated again on
 * production data with the seed 004 thresholds, and given production's `challenger` and
 * `champion` aliases. The job runs as production's service principal, which gets read access to
 * the development model here (single-principal grants, which leave the development stack's own
 * grants alone).
 */
export class PromotionJob extends pulumi.ComponentResource {
    /** The job's id. */
    public readonly jobId: pulumi.Output<string>;

    constructor(name: string, args: PromotionJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:PromotionJob", name, {}, opts);
        const child = { parent: this };
        const [catalog, schema] = args.sourceModel.split(".");
        // Reading a model needs EXECUTE on it, USE_SCHEMA and USE_CATALOG on its parents.
        const grants = [
            new databricks.Grant(
                `${name}-source-catalog`,
                { catalog, principal: args.servicePrincipal, privileges: ["USE_CATALOG"] },
                child,
            ),
            new databricks.Grant(
                `${name}-source-schema`,
                { schema: `${catalog}.${schema}`, principal: args.servicePrincipal, privileges: ["USE_SCHEMA"] },
                child,
            ),
            new databricks.Grant(
                `${name}-source-model`,
                { model: args.sourceModel, principal: args.servicePrincipal, privileges: ["EXECUTE"] },
                child,
            ),
        ];

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
            { dependsOn: grants },
        );

        this.jobId = job.id;
        this.registerOutputs({ jobId: this.jobId });
    }
}
