# Databricks notebook source
# MAGIC %md
# MAGIC # Evaluate (house prices)
# MAGIC Judges the version the training task registered on the held-out rows. A regression has no
# MAGIC accuracy or F1: the jobs pass `min_accuracy` and `min_f1` to every workload's evaluation,
# MAGIC and this one **ignores them** and gates on `min_r2` (R² strictly above it). A passing version
# MAGIC becomes `challenger`, and `champion` when its R² at least matches the current champion's (or
# MAGIC there is none); a failing one fails the run and moves no alias.

# COMMAND ----------

dbutils.widgets.text("model_name", "")
dbutils.widgets.text("features_table", "")
dbutils.widgets.text("min_accuracy", "0.85")
dbutils.widgets.text("min_f1", "0.8")
dbutils.widgets.text("min_r2", "0.6")

model_name = dbutils.widgets.get("model_name")
features_table = dbutils.widgets.get("features_table")
min_r2 = float(dbutils.widgets.get("min_r2"))
# min_accuracy and min_f1 are read by the classification workloads only.
version = dbutils.jobs.taskValues.get(taskKey="train_model", key="model_version", debugValue="1")

# COMMAND ----------

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from mlops_lib.aliases import gate_and_move
from regression_lib.gating import COMPARE_METRIC, r2_thresholds
from regression_lib.model import holdout_split, regression_metrics

mlflow.set_registry_uri("databricks-uc")

# The same split as training: evaluate on the held-out rows only.
_, X_test, _, y_test = holdout_split(spark.table(features_table).toPandas())


def score(model_version: str) -> dict:
    model = mlflow.pyfunc.load_model(f"models:/{model_name}/{model_version}")
    return regression_metrics(y_test, model.predict(X_test))


decision = gate_and_move(
    MlflowClient(),
    model_name,
    version,
    score,
    r2_thresholds(min_r2),
    compare_metric=COMPARE_METRIC,
    missing=(MlflowException,),
)
print(f"version {version} of {model_name} is now {' and '.join(decision.aliases)}:")
for reason in decision.reasons:
    print(f"  {reason}")
