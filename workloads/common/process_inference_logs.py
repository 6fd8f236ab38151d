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
value_type = "int" if dbutils.widgets.get("problem_type") == "PROBLEM_TYPE_CLASSIFICATION" else "double"

# COMMAND ----------

from pyspark.sql import functions as F

if not spark.catalog.tableExists(payload_table):
    dbutils.notebook.exit(f"{payload_table} does not exist yet: the endpoint has served no request")

# Only the rows newer than what was processed before.
last = spark.table(processed_table).agg(F.max(ts_col)).first()[0]
payload = spark.table(payload_table).where(F.col("status_code") == 200)
if last is not None:
    payload = payload.where(F.col("request_time") > F.lit(last))

# The served entity's model version: system.serving.served_entities maps the ids the inference
# table logs to entity versions. Without access to that system table, the id stands in.
try:
    versions = (
        spark.table("system.serving.served_entities")
        .where(F.col("endpoint_name") == endpoint_name)
        .select("served_entity_id", F.col("entity_version").cast("string").alias("model_version"))
        .dropDuplicates(["served_entity_id"])
    )
except Exception as err:  # the system schema is not enabled, or not granted
    print(f"system.serving.served_entities unavailable ({err}); model_version falls back to the served entity id")
    versions = None

# Requests are `dataframe_split` ({"columns", "data"}) or `dataframe_records`; responses carry `predictions`.
records = F.coalesce(
    F.size(F.from_json(F.get_json_object("request", "$.dataframe_split.data"), "array<string>")),
    F.size(F.from_json(F.get_json_object("request", "$.dataframe_records"), "array<string>")),
)
predictions = F.from_json(F.get_json_object("response", "$.predictions"), f"array<{value_type}>")

rows = (
    payload.withColumn("_predictions", predictions)
    .where(F.col("_predictions").isNotNull() & (F.size("_predictions") == records))
    .select(
        F.col("request_time").alias(ts_col),
        F.col("request_date"),
        F.col("databricks_request_id"),
        F.col("served_entity_id"),
        F.explode("_predictions").alias(prediction_col),
    )
)
if versions is not None:
    rows = rows.join(versions, "served_entity_id", "left")
else:
    rows = rows.withColumn("model_version", F.col("served_entity_id"))
rows = rows.withColumn("model_version", F.coalesce("model_version", "served_entity_id")).withColumnRenamed(
    "served_entity_id", model_id_col
)
# The processed table's column order.
columns = [ts_col, "request_date", "databricks_request_id", model_id_col, "model_version", prediction_col]

if label_col:
    if labels_table:
        labels = spark.table(labels_table).select("databricks_request_id", F.col(label_col).cast(value_type))
        rows = rows.join(labels, "databricks_request_id", "left")
    else:
        rows = rows.withColumn(label_col, F.lit(None).cast(value_type))
    columns.append(label_col)

rows = rows.select(*columns)
rows.write.format("delta").mode("append").saveAsTable(processed_table)
print(f"appended {rows.count()} rows from {payload_table} to {processed_table}")
