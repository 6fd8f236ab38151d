# Databricks notebook source
# MAGIC %md
# MAGIC # Check drift
# MAGIC Runs after the quality monitor's refresh. Reads the monitor's drift metrics table as a real
# MAGIC InferenceLog monitor writes it (the whole-table rows of all served models, `model_id = '*'`, of
# MAGIC the consecutive drift type) and decides whether the configured columns (the model's inputs and
# MAGIC its prediction; never the served model's id or version) drifted: the configured metric
# MAGIC (`js_distance` by default; for `ks_test` and `chi_squared_test` their statistic) strictly above
# MAGIC the threshold, in at least `violation_windows` of the `evaluation_windows` latest windows, the
# MAGIC latest among them. The decision goes to the task value `drift_detected` ("true" or "false"),
# MAGIC which the job's condition task reads to start the training job. An empty table, a window older
# MAGIC than `lookback_days` or a column the monitor has no metric for never starts a retraining.

# COMMAND ----------

dbutils.widgets.text("drift_table", "")
dbutils.widgets.text("columns", "")
dbutils.widgets.text("metric", "js_distance")
dbutils.widgets.text("threshold", "0.2")
dbutils.widgets.text("lookback_days", "7")
dbutils.widgets.text("evaluation_windows", "1")
dbutils.widgets.text("violation_windows", "1")
dbutils.widgets.text("model_id_col", "model_id")

drift_table = dbutils.widgets.get("drift_table")
columns_param = dbutils.widgets.get("columns")
metric = dbutils.widgets.get("metric")
threshold = float(dbutils.widgets.get("threshold"))
lookback_days = float(dbutils.widgets.get("lookback_days"))
evaluation_windows = int(dbutils.widgets.get("evaluation_windows"))
violation_windows = int(dbutils.widgets.get("violation_windows"))
model_id_col = dbutils.widgets.get("model_id_col")
if not drift_table:
    raise ValueError("the job must set the 'drift_table' parameter")

# COMMAND ----------

from mlops_lib.drift import decide, parse_columns

columns = parse_columns(columns_param)
if spark.catalog.tableExists(drift_table):
    # The whole-table rows only (filtered by Spark); the decision keeps those of all models.
    drift_metrics = spark.table(drift_table)
    if "slice_key" in drift_metrics.columns:
        drift_metrics = drift_metrics.where("slice_key IS NULL")
    if columns:  # none: every monitored column but the identity ones
        drift_metrics = drift_metrics.where(drift_metrics["column_name"].isin(columns))
    drift_metrics = drift_metrics.toPandas()
else:
    # The monitor has not refreshed yet: there is nothing to react to.
    print(f"{drift_table} does not exist yet")
    drift_metrics = None

decision = decide(
    drift_metrics,
    columns,
    metric=metric,
    threshold=threshold,
    lookback_days=lookback_days,
    evaluation_windows=evaluation_windows,
    violation_windows=violation_windows,
    model_id_col=model_id_col,
)
dbutils.jobs.taskValues.set(key="drift_detected", value="true" if decision.drift_detected else "false")

window = f"window {decision.window[0]} to {decision.window[1]}" if decision.window else "no window"
print(f"drift_detected={str(decision.drift_detected).lower()} ({metric} > {threshold}, {window}):")
for reason in decision.reasons:
    print(f"  {reason}")
