# Databricks notebook source
# MAGIC %md
# MAGIC # Process inference logs
# MAGIC The serving endpoint's AI Gateway inference table holds each request and response as JSON.
# MAGIC This task unpacks its new commits into the processed table the quality monitor watches: one
# MAGIC row per prediction, with the timestamp, the served model, the record's position in its
# MAGIC request, the model's inputs (the processed table's columns after `record_index`), the
# MAGIC prediction and the ground truth once it is known.
# MAGIC
# MAGIC The inference table is written asynchronously: a row committed later can carry an earlier
# MAGIC `request_time`. So the new rows are taken by commit, with a streaming read and a checkpoint
# MAGIC (`checkpoint_location`), never by time; a request id already processed is skipped, so a
# MAGIC replayed commit adds nothing. Labels (a table of `databricks_request_id`, optionally
# MAGIC `record_index`, and the label column) are merged into the rows that have none on every run,
# MAGIC so a label that arrives days after its prediction still reaches the monitor.

# COMMAND ----------

dbutils.widgets.text("payload_table", "")
dbutils.widgets.text("processed_table", "")
dbutils.widgets.text("endpoint_name", "")
dbutils.widgets.text("checkpoint_location", "")
dbutils.widgets.text("timestamp_col", "timestamp")
dbutils.widgets.text("model_id_col", "model_id")
dbutils.widgets.text("prediction_col", "prediction")
dbutils.widgets.text("label_col", "")
dbutils.widgets.text("labels_table", "")
dbutils.widgets.text("problem_type", "PROBLEM_TYPE_CLASSIFICATION")

payload_table = dbutils.widgets.get("payload_table")
processed_table = dbutils.widgets.get("processed_table")
endpoint_name = dbutils.widgets.get("endpoint_name")
checkpoint_location = dbutils.widgets.get("checkpoint_location")
ts_col = dbutils.widgets.get("timestamp_col")
model_id_col = dbutils.widgets.get("model_id_col")
prediction_col = dbutils.widgets.get("prediction_col")
label_col = dbutils.widgets.get("label_col")
labels_table = dbutils.widgets.get("labels_table")
problem_type = dbutils.widgets.get("problem_type")
for name, value in [("payload_table", payload_table), ("processed_table", processed_table), ("checkpoint_location", checkpoint_location)]:
    if not value:
        raise ValueError(f"the job must set the '{name}' parameter")

# COMMAND ----------

from delta.tables import DeltaTable
from pyspark.sql import functions as F
from pyspark.sql import types as T

from mlops_lib.inference_logs import PAYLOAD_COLUMNS, RECORD_INDEX, output_columns, record_labels, unpack, value_type

kind = value_type(problem_type)

if not spark.catalog.tableExists(payload_table):
    dbutils.notebook.exit(f"{payload_table} does not exist yet: the endpoint has served no request")

# The model's inputs: the processed table's columns after the record's position, as declared.
declared = spark.table(processed_table).columns
input_cols = declared[declared.index(RECORD_INDEX) + 1 :] if RECORD_INDEX in declared else []
columns = output_columns(ts_col, model_id_col, prediction_col, label_col, input_cols)
if declared[: len(columns)] != columns[: len(declared)] or len(declared) != len(columns):
    raise ValueError(f"{processed_table} has the columns {declared}; the processing writes {columns}")

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

# Predictions, labels and inputs travel as doubles (pandas' nullable ints do not reach Spark in
# every runtime) and are cast to the table's types in Spark.
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
    + [T.StructField(RECORD_INDEX, T.LongType())]
    + [T.StructField(c, T.DoubleType()) for c in input_cols]
)
types = {f.name: f.dataType for f in spark.table(processed_table).schema.fields}
appended = []


def process(batch, batch_id: int) -> None:
    """One micro-batch of new commits: unpacked, less the requests already processed, appended."""
    new = batch.where(F.col("status_code") == 200).select(*PAYLOAD_COLUMNS)
    done = spark.table(processed_table).select("databricks_request_id").distinct()
    new = new.dropDuplicates(["databricks_request_id"]).join(done, "databricks_request_id", "left_anti")
    # The unpacking is plain pandas (mlops_lib.inference_logs, tested without a cluster); a batch
    # of one endpoint's requests fits in the driver's memory.
    rows = unpack(new.toPandas(), ts_col=ts_col, model_id_col=model_id_col, prediction_col=prediction_col, kind=kind, versions=versions, input_cols=input_cols)
    if label_col:
        rows[label_col] = float("nan")  # merged below, from the labels table
    if rows.empty:
        return
    transport = rows[columns].astype({c: "float64" for c in numeric + input_cols})
    processed = spark.createDataFrame(transport, schema=schema)
    for c in numeric + input_cols:  # a missing value is NaN in pandas and must be null in the table
        processed = processed.withColumn(c, F.when(F.isnan(c), None).otherwise(F.col(c)))
    processed = processed.select(*[F.col(c).cast(types[c]) for c in columns])
    processed.write.format("delta").mode("append").saveAsTable(processed_table)
    appended.append(len(rows))


(
    spark.readStream.option("skipChangeCommits", "true")
    .table(payload_table)
    .writeStream.foreachBatch(process)
    .option("checkpointLocation", checkpoint_location)
    .trigger(availableNow=True)
    .start()
    .awaitTermination()
)
print(f"appended {sum(appended)} rows from {payload_table} to {processed_table}")

# COMMAND ----------

# Labels, merged into the rows that have none, whenever they arrive.
if label_col and labels_table and spark.catalog.tableExists(labels_table):
    unlabelled = spark.table(processed_table).where(F.col(label_col).isNull()).select("databricks_request_id", RECORD_INDEX)
    labels = spark.table(labels_table)
    keys = ["databricks_request_id"] + ([RECORD_INDEX] if RECORD_INDEX in labels.columns else [])
    labels = labels.select(*keys, F.col(label_col).cast("double")).join(unlabelled.select("databricks_request_id").distinct(), "databricks_request_id", "left_semi")
    updates = record_labels(labels.toPandas(), label_col, unlabelled.toPandas(), kind=kind)
    if not updates.empty:
        source = spark.createDataFrame(updates.astype({label_col: "float64", RECORD_INDEX: "int64"}))
        (
            DeltaTable.forName(spark, processed_table)
            .alias("p")
            .merge(source.alias("l"), f"p.databricks_request_id = l.databricks_request_id AND p.{RECORD_INDEX} = l.{RECORD_INDEX}")
            .whenMatchedUpdate(condition=f"p.`{label_col}` IS NULL", set={label_col: F.col(f"l.`{label_col}`").cast(types[label_col])})
            .execute()
        )
    print(f"labelled {len(updates)} rows of {processed_table} from {labels_table}")
