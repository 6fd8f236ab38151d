# Databricks notebook source
# MAGIC %md
# MAGIC # Feature engineering
# MAGIC Loads the customer data that landed in the training-data volume (the file-arrival trigger
# MAGIC starts this job when a file lands there) and writes the churn features table.

# COMMAND ----------

dbutils.widgets.text("catalog", "")
dbutils.widgets.text("schema", "")
dbutils.widgets.text("training_data_path", "")
dbutils.widgets.text("features_table", "")

catalog = dbutils.widgets.get("catalog")
schema = dbutils.widgets.get("schema")
training_data_path = dbutils.widgets.get("training_data_path")
features_table = dbutils.widgets.get("features_table")
for name, value in [("catalog", catalog), ("schema", schema), ("training_data_path", training_data_path), ("features_table", features_table)]:
    if not value:
        raise ValueError(f"the job must set the '{name}' parameter")

# COMMAND ----------

from pyspark.sql import functions as F

# Every CSV in the landing folder: customer rows with a binary `label` (1 = churned).
raw = (
    spark.read.option("header", "true")
    .option("inferSchema", "true")
    .csv(training_data_path)
    .withColumn("source_file", F.col("_metadata.file_path"))
)
if "label" not in raw.columns or "customer_id" not in raw.columns:
    raise ValueError(f"training data in {training_data_path} needs 'customer_id' and 'label' columns; found {raw.columns}")

numeric = [c for c, t in raw.dtypes if t in ("int", "bigint", "double", "float") and c not in ("label",)]
features = (
    raw.dropDuplicates(["customer_id"])
    .na.fill(0, subset=numeric)
    .select("customer_id", *[F.col(c).cast("double").alias(c) for c in numeric if c != "customer_id"], F.col("label").cast("int").alias("label"))
    .withColumn("feature_timestamp", F.current_timestamp())
)

(features.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(features_table))
print(f"wrote {features.count()} rows to {features_table}")
