import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { MonitorSettings, PauseStatus } from "../config/schema";

export interface QualityMonitorArgs {
    /** Full name of the monitored inference table. */
    tableName: pulumi.Input<string>;
    /** `catalog.schema` the metric tables are written to. */
    outputSchemaName: pulumi.Input<string>;
    /** Workspace folder of the monitor's dashboard. */
    assetsDir: pulumi.Input<string>;
    /** The inference-log profile: problem type, columns, granularities. */
    inferenceLog: Pick<
        MonitorSettings,
        "problemType" | "predictionCol" | "labelCol" | "modelIdCol" | "timestampCol" | "granularities"
    >;
    /** Expressions the metrics are sliced by (seed: `model_version`, `request_date`). */
    slicingExprs: string[];
    /** Refresh schedule. */
    schedule: { cron: string; timezone: string; pauseStatus: PauseStatus };
}

/** A Lakehouse Monitoring quality monitor on the serving endpoint's inference table. */
export class QualityMonitor extends pulumi.ComponentResource {
    /** The monitored table. */
    public readonly tableName: pulumi.Output<string>;
    /** The monitor's dashboard folder. */
    public readonly assetsDir: pulumi.Output<string>;

    constructor(name: string, args: QualityMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:QualityMonitor", name, {}, opts);

        const monitor = new databricks.QualityMonitor(
            name,
            {
                tableName: args.tableName,
                outputSchemaName: args.outputSchemaName,
                assetsDir: args.assetsDir,
                inferenceLog: {
                    problemType: args.inferenceLog.problemType,
                    predictionCol: args.inferenceLog.predictionCol,
                    labelCol: args.inferenceLog.labelCol,
                    modelIdCol: args.inferenceLog.modelIdCol,
                    timestampCol: args.inferenceLog.timestampCol,
                    granularities: args.inferenceLog.granularities,
                },
                slicingExprs: args.slicingExprs,
                schedule: {
                    quartzCronExpression: args.schedule.cron,
                    timezoneId: args.schedule.timezone,
                    pauseStatus: args.schedule.pauseStatus,
                },
            },
            { parent: this },
        );

        this.tableName = monitor.tableName;
        this.assetsDir = monitor.assetsDir;
        this.registerOutputs({ tableName: this.tableName, assetsDir: this.assetsDir });
    }
}
