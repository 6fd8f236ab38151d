import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { MonitorSettings, PauseStatus } from "../../config/schema";
import { type CommonJobArgs, commonJobInputs, declareJob } from "./jobCommon";
import { ML_CLUSTER_KEY } from "./mlCluster";
import { adoptOptions } from "./adopt";

export interface QualityMonitorArgs {
    /** The endpoint's raw inference table (`<prefix>_payload`), derived from the endpoint. */
    payloadTableName: pulumi.Input<string>;
    /** The endpoint's name, to map served entities to model versions. */
    endpointName: pulumi.Input<string>;
    /** Catalog of the processed table and of the monitor's metric tables. */
    catalog: string;
    /** Schema of the processed table and of the monitor's metric tables (an output: it must exist). */
    schema: pulumi.Input<string>;
    /** Name of the processed table inside the schema. */
    processedTable: string;
    /** The inference-log profile; its column names are the processed table's columns. */
    inferenceLog: Pick<
        MonitorSettings,
        "problemType" | "predictionCol" | "labelCol" | "modelIdCol" | "timestampCol" | "granularities"
    > &
        Partial<Pick<MonitorSettings, "inputColumns">>;
    /** Ground truth to join in (`databricks_request_id` and the label column); omitted: none. */
    labelsTable?: string;
    /** Expressions the metrics are sliced by (e.g. `model_version`, `request_date`). */
    slicingExprs: string[];
    /** Workspace folder of the monitor's dashboard. */
    assetsDir: pulumi.Input<string>;
    /**
     * Refresh schedule; omitted: none (refreshed on demand). Monitors cannot pause a schedule
     * (the API's pause status is read-only), so a paused schedule is no schedule.
     */
    schedule?: { cron: string; timezone: string };
    /** The job that fills the processed table from the raw one. */
    processing: CommonJobArgs & {
        notebook: pulumi.Input<string>;
        /**
         * Folder of the processing's streaming checkpoint (a volume path): the inference table's
         * commits are taken once each, in commit order, whatever their request times.
         */
        checkpointLocation: pulumi.Input<string>;
        cron: string;
        timezone: string;
        pauseStatus: PauseStatus;
    };
    /**
     * The workspace's SQL warehouse: it runs the processed table's DDL (without one the provider
     * starts a `terraform-sql-table` cluster) and builds the monitor's dashboard.
     */
    sqlWarehouseId: pulumi.Input<string>;
    /** Protect the processed table (it holds the logged predictions) from deletion. */
    protect: boolean;
    /** Leave the processed table and its rows in the workspace when it leaves the program; default: `protect`. */
    retainOnDelete?: boolean;
    /** Table name of a deployed monitor to adopt (Pulumi `import`) instead of creating one; omitted: created. */
    adoptId?: string;
}

/**
 * Inputs of a monitor the API cannot update, pinned to what the monitor was created with: the
 * plugin-framework resource's Update sends `UpdateMonitor`, which has no `assets_dir`, and keeps
 * the old state's `warehouse_id` (terraform-provider-databricks
 * `internal/providers/pluginfw/products/qualitymonitor/resource_quality_monitor.go`; the SDK's
 * `catalog.UpdateMonitor`). A change to either would show on every preview and never apply, so a
 * project rename, a new `workspaceRootPath` or another warehouse leaves the dashboard folder and
 * the dashboard's warehouse as they are. To move them, replace the monitor on purpose
 * (`pulumi up --replace <urn>`).
 */
export const MONITOR_PINNED = ["assetsDir", "warehouseId"];

/**
 * How a monitor changes: a monitor belongs to its table, and the provider would "update" a
 * changed `tableName` by calling the update API on the new table, which has no monitor; so a new
 * table replaces the monitor (`replaceOnChanges`). Protected where the stack protects what holds
 * data, so that replacement, like a delete, waits for the destroy guard's consent.
 */
export function monitorLifecycle(protect: boolean): pulumi.CustomResourceOptions {
    return { protect, replaceOnChanges: ["tableName"] };
}

/** The processed table's columns, named by the monitor's settings. */
export function processedColumns(log: QualityMonitorArgs["inferenceLog"]): databricks.types.input.SqlTableColumn[] {
    const value = log.problemType === "PROBLEM_TYPE_CLASSIFICATION" ? "int" : "double";
    return [
        { name: log.timestampCol, type: "timestamp", comment: "When the endpoint served the request." },
        { name: "request_date", type: "date" },
        { name: "databricks_request_id", type: "string" },
        { name: log.modelIdCol, type: "string", comment: "The served entity." },
        { name: "model_version", type: "string" },
        { name: log.predictionCol, type: value },
        ...(log.labelCol ? [{ name: log.labelCol, type: value, comment: "Ground truth, when known." }] : []),
        { name: "record_index", type: "bigint", comment: "The record's position in its request (from 0)." },
        ...(log.inputColumns ?? []).map((name) => ({ name, type: "double", comment: "A model input." })),
    ];
}

/**
 * Lakehouse Monitoring on what the serving endpoint logs: the processed inference table (the raw
 * AI Gateway table holds request and response JSON, not prediction columns), the job that fills
 * it, and the quality monitor with its inference-log profile.
 */
export class QualityMonitor extends pulumi.ComponentResource {
    /** The monitored (processed) table. */
    public readonly tableName: pulumi.Output<string>;
    /** The job that fills it. */
    public readonly processingJobId: pulumi.Output<string>;

    constructor(name: string, args: QualityMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:QualityMonitor", name, {}, opts);

        const table = new databricks.SqlTable(
            `${name}-table`,
            {
                catalogName: args.catalog,
                schemaName: args.schema,
                name: args.processedTable,
                tableType: "MANAGED",
                dataSourceFormat: "DELTA",
                columns: processedColumns(args.inferenceLog),
                comment:
                    "Serving endpoint predictions, one row each, unpacked from the inference table. Managed by Pulumi.",
                warehouseId: args.sqlWarehouseId,
            },
            {
                parent: this,
                protect: args.protect,
                retainOnDelete: args.retainOnDelete ?? args.protect,
                // A new name is a new table: the provider declares `name` updatable but its
                // Update issues no rename, only ALTERs on the new name (terraform-provider-databricks
                // `catalog/resource_sql_table.go`), so an "updated" name would name a table that
                // was never created. Replaced, the old one is retained where it is protected.
                replaceOnChanges: ["name"],
            },
        );
        const tableName = pulumi.interpolate`${table.catalogName}.${table.schemaName}.${table.name}`;

        const log = args.inferenceLog;
        const job = declareJob(
            `${name}-processing`,
            {
                ...commonJobInputs(args.processing),
                description: "Unpacks the serving endpoint's inference table for the quality monitor.",
                tasks: [
                    {
                        taskKey: "process_inference_logs",
                        jobClusterKey: ML_CLUSTER_KEY,
                        notebookTask: {
                            notebookPath: args.processing.notebook,
                            source: "WORKSPACE",
                            baseParameters: {
                                payload_table: args.payloadTableName,
                                processed_table: tableName,
                                endpoint_name: args.endpointName,
                                timestamp_col: log.timestampCol,
                                model_id_col: log.modelIdCol,
                                prediction_col: log.predictionCol,
                                label_col: log.labelCol ?? "",
                                labels_table: args.labelsTable ?? "",
                                problem_type: log.problemType,
                                checkpoint_location: args.processing.checkpointLocation,
                            },
                        },
                    },
                ],
                schedule: {
                    quartzCronExpression: args.processing.cron,
                    timezoneId: args.processing.timezone,
                    pauseStatus: args.processing.pauseStatus,
                },
            },
            args.processing.permissions,
            this,
        );

        const monitorInputs: databricks.QualityMonitorArgs = {
            tableName,
            outputSchemaName: pulumi.interpolate`${args.catalog}.${args.schema}`,
            assetsDir: args.assetsDir,
            inferenceLog: {
                problemType: log.problemType,
                predictionCol: log.predictionCol,
                labelCol: log.labelCol,
                modelIdCol: log.modelIdCol,
                timestampCol: log.timestampCol,
                granularities: log.granularities,
            },
            slicingExprs: args.slicingExprs,
            warehouseId: args.sqlWarehouseId,
            schedule: args.schedule
                ? { quartzCronExpression: args.schedule.cron, timezoneId: args.schedule.timezone }
                : undefined,
        };
        const adopt = adoptOptions(args.adoptId, monitorInputs, "databricks:index/qualityMonitor:QualityMonitor");
        const monitor = new databricks.QualityMonitor(name, monitorInputs, {
            ...adopt,
            ...monitorLifecycle(args.protect),
            ignoreChanges: [...new Set([...(adopt.ignoreChanges ?? []), ...MONITOR_PINNED])].sort(),
            parent: this,
        });

        this.tableName = monitor.tableName;
        this.processingJobId = job.id;
        this.registerOutputs({ tableName: this.tableName, processingJobId: this.processingJobId });
    }
}
