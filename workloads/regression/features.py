# Databricks notebook source
# MAGIC %md
# MAGIC # Feature engineering (house prices)
# MAGIC Loads the house sales that landed in the training-data volume (the file-arrival trigger
# MAGIC starts this job when a file lands there) and writes the price features table: one row per
# MAGIC house (its latest sale), its raw inputs, and when its file landed, which the training window
# MAGIC reads.

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

from regression_lib.features import ID_COL, LABEL_COL, LANDED_COL, build_features

# Every CSV in the landing folder (files accumulate there): one row per sale, `house_id`, the
# `price` and numeric columns such as `area_sqft`, `bedrooms`, `bathrooms`, `lot_size`,
# `year_built`, `year_sold`, each with the time its file landed (the file source's `_metadata`).
raw = (
    spark.read.option("header", "true")
    .option("inferSchema", "true")
    .csv(training_data_path)
    .withColumn(LANDED_COL, F.col("_metadata.file_modification_time"))
)
if LABEL_COL not in raw.columns or ID_COL not in raw.columns:
    raise ValueError(f"training data in {training_data_path} needs '{ID_COL}' and '{LABEL_COL}' columns; found {raw.columns}")

# The sales fit in the driver's memory; the feature logic is plain pandas (regression_lib).
features = spark.createDataFrame(build_features(raw.toPandas()))

(features.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(features_table))
print(f"wrote {features.count()} rows to {features_table}")
