import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "../access";

export interface AbAnalysisArgs {
    /** The query's name in the workspace (prefixed in development mode by the caller). */
    displayName: pulumi.Input<string>;
    /** Workspace folder of the query. */
    parentPath: pulumi.Input<string>;
    /** The SQL warehouse that runs it. */
    warehouseId: pulumi.Input<string>;
    /** The processed inference table (one row per prediction, with `model_version`). */
    processedTable: pulumi.Input<string>;
    /** The endpoint's raw inference table (for latency: `execution_duration_ms`). */
    payloadTable: pulumi.Input<string>;
    /** The columns and problem type of the monitor's inference-log profile. */
    columns: ComparisonColumns;
    /** Who may run, or manage, the query. */
    permissions: AccessControl[];
}

/** The processed table's columns the comparison reads. */
export interface ComparisonColumns {
    problemType: "PROBLEM_TYPE_CLASSIFICATION" | "PROBLEM_TYPE_REGRESSION";
    predictionCol: string;
    /** Ground truth, when labels arrive; omitted: no quality column. */
    labelCol?: string;
}

/**
 * The A/B comparison, per served model version over the last 7 days:
 * request counts, latency (mean and p95, from the raw inference table), the distribution of
 * predictions, and, where labels have arrived, accuracy (classification) or RMSE (regression).
 */
export function abComparisonSql(processedTable: string, payloadTable: string, c: ComparisonColumns): string {
    const p = `p.\`${c.predictionCol}\``;
    const l = c.labelCol ? `p.\`${c.labelCol}\`` : undefined;
    const quality =
        l === undefined
            ? []
            : c.problemType === "PROBLEM_TYPE_CLASSIFICATION"
              ? [
                    `  COUNT(${l}) AS labelled,`,
                    `  AVG(CASE WHEN ${l} IS NULL THEN NULL WHEN ${l} = ${p} THEN 1.0 ELSE 0.0 END) AS accuracy,`,
                ]
              : [`  COUNT(${l}) AS labelled,`, `  SQRT(AVG(POW(${l} - ${p}, 2))) AS rmse,`];
    const distribution =
        c.problemType === "PROBLEM_TYPE_CLASSIFICATION"
            ? [`  AVG(CAST(${p} AS DOUBLE)) AS positive_rate,`]
            : [
                  `  AVG(${p}) AS mean_prediction,`,
                  `  STDDEV(${p}) AS stddev_prediction,`,
                  `  PERCENTILE(${p}, 0.5) AS median_prediction,`,
              ];
    return [
        "-- A/B comparison of the served model versions, last 7 days. Managed by Pulumi.",
        "SELECT",
        "  p.model_version,",
        "  COUNT(*) AS requests,",
        "  AVG(r.execution_duration_ms) AS mean_latency_ms,",
        "  PERCENTILE(r.execution_duration_ms, 0.95) AS p95_latency_ms,",
        ...distribution,
        ...quality,
        "  MAX(p.request_date) AS last_request_date",
        `FROM ${processedTable} AS p`,
        `LEFT JOIN ${payloadTable} AS r ON r.databricks_request_id = p.databricks_request_id`,
        "WHERE p.request_date >= date_sub(current_date(), 7)",
        "GROUP BY p.model_version",
        "ORDER BY p.model_version",
    ].join("\n");
}

/**
 * The A/B analysis of an endpoint that splits traffic: a Databricks SQL query over the processed
 * inference table, run on the workspace's warehouse, with permissions for the viewers.
 */
export class AbAnalysis extends pulumi.ComponentResource {
    /** The query's id. */
    public readonly queryId: pulumi.Output<string>;

    constructor(name: string, args: AbAnalysisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mlops:databricks:AbAnalysis", name, {}, opts);
        const query = new databricks.Query(
            name,
            {
                displayName: args.displayName,
                parentPath: args.parentPath,
                warehouseId: args.warehouseId,
                description: "Compares the versions the serving endpoint splits traffic between.",
                queryText: pulumi
                    .all([args.processedTable, args.payloadTable])
                    .apply(([processed, payload]) => abComparisonSql(processed, payload, args.columns)),
            },
            { parent: this },
        );
        new databricks.Permissions(
            `${name}-perms`,
            { sqlQueryId: query.id, accessControls: args.permissions },
            { parent: this },
        );
        this.queryId = query.id;
        this.registerOutputs({ queryId: this.queryId });
    }
}
