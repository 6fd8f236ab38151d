# Databricks notebook source
# MAGIC %md
# MAGIC # Process inference logs
# MAGIC The serving endpoint's AI Gateway inference table holds each request and response as JSON.
# MAGIC This task unpacks the new rows into the processed table the quality monitor watches: one row
# MAGIC per prediction, with the timestamp, the served model, the prediction and (when a labels
# MAGIC table is given) the ground truth.

# COMMAND ----------

dbutils.widgets.text("payload_table", "")
dbutils.widgets.text("processed_table", "")
dbutils.widgets.text("endpoint_name", "")
dbutils.widgets.text("timestamp_col", "timestamp")
dbutils.widgets.text("model_id_col", "model_id")
dbutils.widgets.text("prediction_col", "prediction")
dbutils.widgets.text("label_col", "")
dbutils.widgets.text("labels_table", "")
dbutils.widgets.text("problem_type", "PROBLEM_TYPE_CLASSIFICATION")

payload_table = dbutils.widgets.get("payload_table")
processed_table = dbutils.widgets.get("processed_table")
endpoint_name = dbutils.widgets.get("endpoint_name")
ts_col = dbutils.widgets.get("timestamp_col")
model_id_col = dbutils.widgets.get("model_id_col")
prediction_col = dbutils.widgets.get("prediction_col")
label_col = dbutils.widgets.get("label_col")
labels_table = dbutils.widgets.get("labels_table")
problem_type = dbutils.widgets.get("problem_type")

# COMMAND ----------

from pyspark.sql import functions as F
from pyspark.sql import types as T

from mlops_lib.inference_logs import PAYLOAD_COLUMNS, attach_labels, output_columns, unpack, value_type

kind = value_type(problem_type)

if not spark.catalog.tableExists(payload_table):
    dbutils.notebook.exit(f"{payload_table} does not exist yet: the endpoint has served no request")

# Only the rows newer than what was processed before (filtered by Spark, before they reach pandas).
last = spark.table(processed_table).agg(F.max(ts_col)).first()[0]
payload = spark.table(payload_table).where(F.col("status_code") == 200)
if last is not None:
    payload = payload.where(F.col("request_time") > F.lit(last))

# The served entity's model version: system.serving.served_entities maps the ids the inference
# table logs to entity versions. Without access to that system table, the id stands in.
try:
    versions = {
        row.served_entity_id: row.model_version
        for row in spark.table("system.serving.served_entities")
        .where(F.col("endpoint_name") == endpoint_name)
        .select("served_entity_id", F.col("entity_version").cast("string").alias("model_version"))
        .dropDuplicates(["served_entity_id"])
        .collect()
    }
except Exception as err:  # the system schema is not enabled, or not granted
    print(f"system.serving.served_entities unavailable ({err}); model_version falls back to the served entity id")
    versions = None

# The unpacking is plain pandas (mlops_lib.inference_logs, tested without a cluster). An hourly
# batch of one endpoint's requests fits in the driver's memory.
new = payload.select(*PAYLOAD_COLUMNS)
rows = unpack(new.toPandas(), ts_col=ts_col, model_id_col=model_id_col, prediction_col=prediction_col, kind=kind, versions=versions)
columns = output_columns(ts_col, model_id_col, prediction_col, label_col)

if label_col:
    labels = None
    if labels_table:
        # Only the labels of the new requests reach the driver.
        labels = (
            spark.table(labels_table)
            .select("databricks_request_id", F.col(label_col).cast("double"))
            .join(new.select("databricks_request_id"), "databricks_request_id", "left_semi")
            .toPandas()
        )
    rows = attach_labels(rows, label_col, labels, kind=kind)

# Predictions and labels travel as doubles (pandas' nullable ints do not reach Spark in every
# runtime) and are cast to the table's type in Spark.
numeric = [prediction_col] + ([label_col] if label_col else [])
schema = T.StructType(
    [
        T.StructField(ts_col, T.TimestampType()),
        T.StructField("request_date", T.DateType()),
        T.StructField("databricks_request_id", T.StringType()),
        T.StructField(model_id_col, T.StringType()),
        T.StructField("model_version", T.StringType()),
    ]
    + [T.StructField(c, T.DoubleType()) for c in numeric]
)
transport = rows[columns].astype({c: "float64" for c in numeric})
processed = spark.createDataFrame(transport, schema=schema)
for c in numeric:  # a missing label is NaN in pandas and must be null in the table, not 0
    processed = processed.withColumn(c, F.when(F.isnan(c), None).otherwise(F.col(c)).cast(kind))
processed = processed.select(*columns)

processed.write.format("delta").mode("append").saveAsTable(processed_table)
print(f"appended {len(rows)} rows from {payload_table} to {processed_table}")
