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

/** Days the comparison covers: today and the days before it, by request date. */
export const AB_DAYS = 7;

/**
 * The A/B comparison, per served model version, over the requests of the last {@link AB_DAYS}
 * request dates (today and the 6 before: `BETWEEN date_sub(current_date(), 6) AND current_date()`,
 * exactly 7 dates): the number of requests (distinct request ids) and of predictions, the latency
 * per request (mean and p95 of the raw inference table's `execution_duration_ms`, each request
 * once), the distribution of predictions and, where labels have arrived, accuracy with its 95%
 * Wilson interval (classification) or RMSE and the mean absolute error with its 95% normal
 * interval (regression), so that a difference between versions is read with its uncertainty.
 * The intervals treat labelled predictions as independent.
 */
export function abComparisonSql(processedTable: string, payloadTable: string, c: ComparisonColumns): string {
    const p = `p.\`${c.predictionCol}\``;
    const l = c.labelCol ? `p.\`${c.labelCol}\`` : undefined;
    const classification = c.problemType === "PROBLEM_TYPE_CLASSIFICATION";
    const dates = `BETWEEN date_sub(current_date(), ${AB_DAYS - 1}) AND current_date()`;
    const perRequest = [
        "    COUNT(*) AS predictions,",
        ...(classification
            ? [`    SUM(CAST(${p} AS DOUBLE)) AS positives,`]
            : [`    SUM(${p}) AS prediction_sum,`, `    SUM(POW(${p}, 2)) AS prediction_squares,`]),
        ...(l === undefined
            ? []
            : classification
              ? [`    COUNT(${l}) AS labelled,`, `    SUM(CASE WHEN ${l} = ${p} THEN 1 ELSE 0 END) AS correct,`]
              : [
                    `    COUNT(${l}) AS labelled,`,
                    `    SUM(POW(${l} - ${p}, 2)) AS squared_errors,`,
                    `    SUM(ABS(${l} - ${p})) AS absolute_errors,`,
                ]),
    ];
    const distribution = classification
        ? ["  SUM(q.positives) / SUM(q.predictions) AS positive_rate,"]
        : [
              "  SUM(q.prediction_sum) / SUM(q.predictions) AS mean_prediction,",
              "  SQRT(GREATEST(SUM(q.prediction_squares) / SUM(q.predictions) - POW(SUM(q.prediction_sum) / SUM(q.predictions), 2), 0)) AS stddev_prediction,",
          ];
    // Wilson score interval at 95% (z = 1.96) of k correct of n labelled.
    // NULLIF: no labels yet gives NULL, not a division by zero (ANSI mode, a SQL warehouse's default).
    const n = "NULLIF(SUM(q.labelled), 0)";
    const wilson = (sign: "-" | "+", k = "SUM(q.correct)") =>
        `(${k} / ${n} + 1.9208 / ${n} ${sign} 1.96 * SQRT(${k} / ${n} * (1 - ${k} / ${n}) / ${n} + 0.9604 / POW(${n}, 2))) / (1 + 3.8416 / ${n})`;
    const quality =
        l === undefined
            ? []
            : classification
              ? [
                    "  SUM(q.labelled) AS labelled,",
                    `  SUM(q.correct) / ${n} AS accuracy,`,
                    `  ${wilson("-")} AS accuracy_ci_low,`,
                    `  ${wilson("+")} AS accuracy_ci_high,`,
                ]
              : [
                    "  SUM(q.labelled) AS labelled,",
                    `  SQRT(SUM(q.squared_errors) / ${n}) AS rmse,`,
                    `  SUM(q.absolute_errors) / ${n} AS mae,`,
                    `  1.96 * SQRT(GREATEST(SUM(q.squared_errors) / ${n} - POW(SUM(q.absolute_errors) / ${n}, 2), 0) / ${n}) AS mae_ci_half_width,`,
                ];
    return [
        `-- A/B comparison of the served model versions, requests of the last ${AB_DAYS} days. Managed by Pulumi.`,
        "WITH q AS (",
        "  SELECT",
        "    p.model_version,",
        "    p.databricks_request_id,",
        ...perRequest,
        "    MAX(p.request_date) AS request_date",
        `  FROM ${processedTable} AS p`,
        `  WHERE p.request_date ${dates}`,
        "  GROUP BY p.model_version, p.databricks_request_id",
        "), r AS (",
        "  SELECT databricks_request_id, MAX(execution_duration_ms) AS execution_duration_ms",
        `  FROM ${payloadTable}`,
        `  WHERE request_date ${dates}`,
        "  GROUP BY databricks_request_id",
        ")",
        "SELECT",
        "  q.model_version,",
        "  COUNT(*) AS requests,",
        "  SUM(q.predictions) AS predictions,",
        "  AVG(r.execution_duration_ms) AS mean_latency_ms,",
        "  PERCENTILE(r.execution_duration_ms, 0.95) AS p95_latency_ms,",
        ...distribution,
        ...quality,
        `  date_sub(current_date(), ${AB_DAYS - 1}) AS first_date,`,
        "  current_date() AS last_date,",
        "  MAX(q.request_date) AS last_request_date",
        "FROM q",
        "LEFT JOIN r ON r.databricks_request_id = q.databricks_request_id",
        "GROUP BY q.model_version",
        "ORDER BY q.model_version",
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
