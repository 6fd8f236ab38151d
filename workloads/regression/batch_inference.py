# Databricks notebook source
# MAGIC %md
# MAGIC # Batch inference (house prices)
# MAGIC Prices the input table with the `champion` version of the Unity Catalog model, passing it the
# MAGIC columns its signature names (by name, whatever the table's column order), and appends the
# MAGIC predictions, with the model version and the scoring time, to the output table.

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

from mlops_lib.scoring import input_columns

mlflow.set_registry_uri("databricks-uc")
champion = MlflowClient().get_model_version_by_alias(model_name, "champion")
# The version the alias named when it was read, so the rows record the version that priced them.
model_uri = f"models:/{model_name}/{champion.version}"
schema = mlflow.pyfunc.load_model(model_uri).metadata.get_input_schema()
predict = mlflow.pyfunc.spark_udf(spark, model_uri, result_type="double")

inputs = spark.table(input_table)
names = input_columns(schema.input_names() if schema is not None else None, inputs.columns, input_table, model_uri)
predictions = (
    # In the signature's order: the UDF names its arguments after the signature's inputs, in order.
    inputs.withColumn("prediction", predict(*[F.col(c) for c in names]))
    # A string, as Unity Catalog's registry gives it (its ModelVersion.version is a string; a
    # workspace or local registry's is an int).
    .withColumn("model_version", F.lit(str(champion.version)))
    .withColumn("scored_at", F.current_timestamp())
    .withColumn("scored_date", F.to_date("scored_at"))
)

(predictions.write.format("delta").mode("append").partitionBy("scored_date").saveAsTable(output_table))
print(f"priced {predictions.count()} rows of {input_table} with {model_name} version {champion.version}")
