# Databricks notebook source
# MAGIC %md
# MAGIC # Evaluate
# MAGIC Judges the version the training task registered on the validation rows training logged (the
# MAGIC same Delta version of the features table, the same window; rows no version trains on). It must
# MAGIC clear the thresholds (by default accuracy > 0.85 and F1 > 0.80), or the run fails and no alias
# MAGIC moves. It becomes `champion` when there is none, or when its F1 beats the champion's, scored
# MAGIC on the same rows, by more than `min_improvement` (a tie keeps the champion); `challenger` is
# MAGIC then cleared. A passing version that does not beat the champion becomes `challenger`. Each
# MAGIC decision is an MLflow run (`validation`) with both versions' metrics and the validation rows.

# COMMAND ----------

dbutils.widgets.text("model_name", "")
dbutils.widgets.text("features_table", "")
dbutils.widgets.text("min_accuracy", "0.85")
dbutils.widgets.text("min_f1", "0.8")
dbutils.widgets.text("min_improvement", "0")

model_name = dbutils.widgets.get("model_name")
features_table = dbutils.widgets.get("features_table")
min_accuracy = float(dbutils.widgets.get("min_accuracy"))
min_f1 = float(dbutils.widgets.get("min_f1"))
min_improvement = float(dbutils.widgets.get("min_improvement") or 0)
version = dbutils.jobs.taskValues.get(taskKey="train_model", key="model_version", debugValue="1")
if not version:
    dbutils.notebook.exit("the training task registered no version: nothing to judge")
features_version = int(dbutils.jobs.taskValues.get(taskKey="train_model", key="features_version", debugValue="0"))
window_days = float(dbutils.jobs.taskValues.get(taskKey="train_model", key="window_days", debugValue="0"))

# COMMAND ----------

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from churn_lib.features import LABEL_COL
from churn_lib.model import holdout_split
from mlops_lib.aliases import gate_and_move
from mlops_lib.gating import classification_metrics, classification_thresholds
from mlops_lib.tracking import log_validation, validation_dataset

mlflow.set_registry_uri("databricks-uc")
client = MlflowClient()

# The validation rows of the features table's version training read.
features = spark.read.option("versionAsOf", features_version).table(features_table).toPandas()
_, X_val, _, y_val = holdout_split(features, window_days)


def score(model_version: str) -> dict:
    model = mlflow.pyfunc.load_model(f"models:/{model_name}/{model_version}")
    return classification_metrics(y_val, model.predict(X_val))


def report(candidate, champion_version, champion, decision) -> None:
    """The validation run, in the candidate's experiment, before any alias moves."""
    experiment_id = client.get_run(client.get_model_version(model_name, version).run_id).info.experiment_id
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"validation v{version}"):
        params = {"model_name": model_name, "min_accuracy": min_accuracy, "min_f1": min_f1, "min_improvement": min_improvement, "compare_metric": "f1"}
        dataset = validation_dataset(mlflow, X_val.assign(**{LABEL_COL: y_val}), features_table, features_version, LABEL_COL)
        log_validation(mlflow, version, candidate, champion_version, champion, decision, params, dataset)


# Raises (and so fails the run, which notifies the team) when the version misses a threshold.
decision = gate_and_move(
    client,
    model_name,
    version,
    score,
    classification_thresholds(min_accuracy, min_f1),
    compare_metric="f1",
    missing=(MlflowException,),
    min_improvement=min_improvement,
    report=report,
)
print(f"version {version} of {model_name} is now {' and '.join(decision.aliases)}:")
for reason in decision.reasons:
    print(f"  {reason}")
