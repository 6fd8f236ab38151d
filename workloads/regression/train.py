# Databricks notebook source
# MAGIC %md
# MAGIC # Train (house prices)
# MAGIC Trains the price model (the age at sale, imputation and a RandomForest regressor, one
# MAGIC scikit-learn Pipeline logged with its code) on the training rows of the features table's
# MAGIC training window, tracks the run in the project's
# MAGIC MLflow experiment and registers the model in Unity Catalog. The validation rows (a fixed share
# MAGIC of house ids that never train) are logged with the run, with the table's Delta version.
# MAGIC When the training rows are those the champion was trained on, nothing is registered.

# COMMAND ----------

dbutils.widgets.text("catalog", "")
dbutils.widgets.text("schema", "")
dbutils.widgets.text("experiment_path", "")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("features_table", "")
dbutils.widgets.text("window_days", "90")

experiment_path = dbutils.widgets.get("experiment_path")
model_name = dbutils.widgets.get("model_name")  # catalog.schema.model
features_table = dbutils.widgets.get("features_table")
window_days = float(dbutils.widgets.get("window_days") or 0)

# COMMAND ----------

import mlflow
from delta.tables import DeltaTable
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

from regression_lib.features import LABEL_COL
from regression_lib.model import CODE_PATH, PARAMS, fit, holdout_split, regression_metrics
from mlops_lib.aliases import current_version
from mlops_lib.gating import CHAMPION
from mlops_lib.tracking import log_and_register, validation_dataset
from mlops_lib.validation import data_digest

mlflow.set_registry_uri("databricks-uc")
mlflow.set_experiment(experiment_path)

# One Delta version of the features table for training and evaluation (the evaluation task reads
# the same version), so that a features run in between cannot change the validation rows.
features_version = DeltaTable.forName(spark, features_table).history(1).select("version").first()[0]
features = spark.read.option("versionAsOf", features_version).table(features_table).toPandas()
X_train, X_val, y_train, y_val = holdout_split(features, window_days)
digest = data_digest(X_train.assign(**{LABEL_COL: y_train}))

client = MlflowClient()
champion = current_version(client, model_name, CHAMPION, (MlflowException,))
champion_digest = client.get_run(client.get_model_version(model_name, champion).run_id).data.params.get("training_data_digest") if champion else None
if champion_digest == digest:
    print(f"the training rows are those version {champion} was trained on: nothing new to learn, nothing registered")
    dbutils.jobs.taskValues.set(key="model_version", value="")
    dbutils.notebook.exit("no new training data")

with mlflow.start_run(run_name="training") as run:
    model = fit(X_train, y_train)
    metrics = regression_metrics(y_val, model.predict(X_val))
    mlflow.log_params({**PARAMS, "window_days": window_days, "features_table": features_table, "features_version": features_version, "training_rows": len(X_train), "training_data_digest": digest})
    mlflow.log_metrics(metrics)
    mlflow.log_input(validation_dataset(mlflow, X_val.assign(**{LABEL_COL: y_val}), features_table, features_version, LABEL_COL), context="validation")
    version = log_and_register(mlflow, model, model_name, infer_signature(X_train, model.predict(X_train)), X_train.head(5), [CODE_PATH])

print(f"registered {model_name} version {version} from run {run.info.run_id}: {metrics}")
# The evaluation task reads which version to judge, and on which rows.
dbutils.jobs.taskValues.set(key="model_version", value=version)
dbutils.jobs.taskValues.set(key="features_version", value=str(features_version))
dbutils.jobs.taskValues.set(key="window_days", value=str(window_days))
