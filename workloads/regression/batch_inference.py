# Databricks notebook source
# MAGIC %md
# MAGIC # Batch inference (house prices)
# MAGIC Prices the input table with the `champion` version of the Unity Catalog model and appends
# MAGIC the predictions, with the model version and the scoring time, to the output table.

# COMMAND ----------

dbutils.widgets.text("catalog", "")
dbutils.widgets.text("schema", "")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("input_table", "")
dbutils.widgets.text("output_table", "")

model_name = dbutils.widgets.get("model_name")
input_table = dbutils.widgets.get("input_table")
output_table = dbutils.widgets.get("output_table")

# COMMAND ----------

import mlflow
from mlflow import MlflowClient
from pyspark.sql import functions as F

from regression_lib.features import NON_FEATURES

mlflow.set_registry_uri("databricks-uc")
champion = MlflowClient().get_model_version_by_alias(model_name, "champion")
# The version the alias named when it was read, so the rows record the version that priced them.
predict = mlflow.pyfunc.spark_udf(spark, f"models:/{model_name}/{champion.version}", result_type="double")

inputs = spark.table(input_table)
feature_columns = [c for c in inputs.columns if c not in NON_FEATURES]
predictions = (
    inputs.withColumn("prediction", predict(*[F.col(c) for c in feature_columns]))
    # A string, as Unity Catalog's registry gives it (its ModelVersion.version is a string; a
    # workspace or local registry's is an int).
    .withColumn("model_version", F.lit(str(champion.version)))
    .withColumn("scored_at", F.current_timestamp())
    .withColumn("scored_date", F.to_date("scored_at"))
)

(predictions.write.format("delta").mode("append").partitionBy("scored_date").saveAsTable(output_table))
print(f"priced {predictions.count()} rows of {input_table} with {model_name} version {champion.version}")
