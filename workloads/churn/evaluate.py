# Databricks notebook source
# MAGIC %md
# MAGIC # Evaluate
# MAGIC Judges the version the training task registered against the thresholds (by default
# MAGIC accuracy > 0.85 and F1 > 0.80). Unity Catalog models have no stages, so a passing version
# MAGIC becomes `challenger`, and `champion` when it beats the current champion (or there is none).
# MAGIC Batch inference and the serving endpoint's promotion follow `champion`.

# COMMAND ----------

dbutils.widgets.text("model_name", "")
dbutils.widgets.text("features_table", "")
dbutils.widgets.text("min_accuracy", "0.85")
dbutils.widgets.text("min_f1", "0.8")

model_name = dbutils.widgets.get("model_name")
features_table = dbutils.widgets.get("features_table")
min_accuracy = float(dbutils.widgets.get("min_accuracy"))
min_f1 = float(dbutils.widgets.get("min_f1"))
version = dbutils.jobs.taskValues.get(taskKey="train_model", key="model_version", debugValue="1")

# COMMAND ----------

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from churn_lib.model import holdout_split
from mlops_lib.aliases import gate_and_move
from mlops_lib.gating import classification_metrics, classification_thresholds

mlflow.set_registry_uri("databricks-uc")

# The same split as training: evaluate on the held-out rows only.
_, X_test, _, y_test = holdout_split(spark.table(features_table).toPandas())


def score(model_version: str) -> dict:
    model = mlflow.pyfunc.load_model(f"models:/{model_name}/{model_version}")
    return classification_metrics(y_test, model.predict(X_test))


# Raises (and so fails the run, which notifies the team) when the version misses a threshold;
# otherwise moves `challenger`, and `champion` when the version scores an F1 at least the champion's.
decision = gate_and_move(
    MlflowClient(),
    model_name,
    version,
    score,
    classification_thresholds(min_accuracy, min_f1),
    compare_metric="f1",
    missing=(MlflowException,),
)
print(f"version {version} of {model_name} is now {' and '.join(decision.aliases)}:")
for reason in decision.reasons:
    print(f"  {reason}")
