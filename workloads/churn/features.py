# Databricks notebook source
# MAGIC %md
# MAGIC # Feature engineering
# MAGIC Loads the customer data that landed in the training-data volume (the file-arrival trigger
# MAGIC starts this job when a file lands there) and writes the churn features table: one row per
# MAGIC customer (its latest landed row), with when its file landed, which the training window reads.

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

from churn_lib.features import ID_COL, LABEL_COL, LANDED_COL, build_features

# Every CSV in the landing folder (files accumulate there): customer rows with a binary `label`
# (1 = churned), each with the time its file landed (the file source's `_metadata` column).
raw = (
    spark.read.option("header", "true")
    .option("inferSchema", "true")
    .csv(training_data_path)
    .withColumn(LANDED_COL, F.col("_metadata.file_modification_time"))
)
if LABEL_COL not in raw.columns or ID_COL not in raw.columns:
    raise ValueError(f"training data in {training_data_path} needs '{ID_COL}' and '{LABEL_COL}' columns; found {raw.columns}")

# The churn data fits in the driver's memory; the feature logic is plain pandas (churn_lib), tested
# without a cluster.
features = spark.createDataFrame(build_features(raw.toPandas()))

(features.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(features_table))
print(f"wrote {features.count()} rows to {features_table}")
