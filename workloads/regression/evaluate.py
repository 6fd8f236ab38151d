# Databricks notebook source
# MAGIC %md
# MAGIC # Evaluate (house prices)
# MAGIC Judges the version the training task registered on the validation rows training logged (the
# MAGIC same Delta version of the features table, the same window; rows no version trains on). A
# MAGIC regression has no accuracy or F1: the jobs pass `min_accuracy` and `min_f1` to every
# MAGIC workload's evaluation, and this one **ignores them** and gates on `min_r2` (R² strictly above
# MAGIC it); a failing version fails the run and moves no alias. A passing version becomes `champion`
# MAGIC when there is none, or when its R² beats the champion's, scored on the same rows, by more than
# MAGIC `min_improvement` (a tie keeps the champion), and `challenger` is cleared; otherwise it becomes
# MAGIC `challenger`. Each decision is an MLflow run (`validation`) with both versions' metrics.

# COMMAND ----------

dbutils.widgets.text("model_name", "")
dbutils.widgets.text("features_table", "")
dbutils.widgets.text("min_accuracy", "0.85")
dbutils.widgets.text("min_f1", "0.8")
dbutils.widgets.text("min_r2", "0.6")
dbutils.widgets.text("min_improvement", "0")

model_name = dbutils.widgets.get("model_name")
features_table = dbutils.widgets.get("features_table")
min_r2 = float(dbutils.widgets.get("min_r2"))
min_improvement = float(dbutils.widgets.get("min_improvement") or 0)
# min_accuracy and min_f1 are read by the classification workloads only.
version = dbutils.jobs.taskValues.get(taskKey="train_model", key="model_version", debugValue="1")
if not version:
    dbutils.notebook.exit("the training task registered no version: nothing to judge")
features_version = int(dbutils.jobs.taskValues.get(taskKey="train_model", key="features_version", debugValue="0"))
window_days = float(dbutils.jobs.taskValues.get(taskKey="train_model", key="window_days", debugValue="0"))

# COMMAND ----------

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from mlops_lib.aliases import gate_and_move
from mlops_lib.tracking import log_validation, validation_dataset
from regression_lib.features import LABEL_COL
from regression_lib.gating import COMPARE_METRIC, r2_thresholds
from regression_lib.model import holdout_split, regression_metrics

mlflow.set_registry_uri("databricks-uc")
client = MlflowClient()

# The validation rows of the features table's version training read.
features = spark.read.option("versionAsOf", features_version).table(features_table).toPandas()
_, X_val, _, y_val = holdout_split(features, window_days)


def score(model_version: str) -> dict:
    model = mlflow.pyfunc.load_model(f"models:/{model_name}/{model_version}")
    return regression_metrics(y_val, model.predict(X_val))


def report(candidate, champion_version, champion, decision) -> None:
    """The validation run, in the candidate's experiment, before any alias moves."""
    experiment_id = client.get_run(client.get_model_version(model_name, version).run_id).info.experiment_id
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"validation v{version}"):
        params = {"model_name": model_name, "min_r2": min_r2, "min_improvement": min_improvement, "compare_metric": COMPARE_METRIC}
        dataset = validation_dataset(mlflow, X_val.assign(**{LABEL_COL: y_val}), features_table, features_version, LABEL_COL)
        log_validation(mlflow, version, candidate, champion_version, champion, decision, params, dataset)


decision = gate_and_move(
    client,
    model_name,
    version,
    score,
    r2_thresholds(min_r2),
    compare_metric=COMPARE_METRIC,
    missing=(MlflowException,),
    min_improvement=min_improvement,
    report=report,
)
print(f"version {version} of {model_name} is now {' and '.join(decision.aliases)}:")
for reason in decision.reasons:
    print(f"  {reason}")
