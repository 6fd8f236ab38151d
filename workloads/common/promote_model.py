# Databricks notebook source
# MAGIC %md
# MAGIC # Promote model (deploy-model)
# MAGIC With `deployment: model`, production trains nothing: this job, run in production as its
# MAGIC service principal, copies the development model's `champion` version into the production
# MAGIC model (`copy_model_version` across catalogs), validates the copy on production data against
# MAGIC the thresholds (accuracy > min_accuracy and F1 > min_f1, the same gate as the
# MAGIC training job's evaluation), and makes it production's `champion` when there is none or when
# MAGIC its F1 beats the current champion's by more than `min_improvement` (then `challenger` is
# MAGIC cleared); a copy that passes but does not beat it (the same version promoted again ties)
# MAGIC becomes `challenger`. A copy that misses a threshold fails the run and moves no alias:
# MAGIC serving and batch inference never follow a worse model.

# COMMAND ----------

dbutils.widgets.text("source_model", "")
dbutils.widgets.text("source_alias", "champion")
dbutils.widgets.text("target_model", "")
dbutils.widgets.text("validation_table", "")
dbutils.widgets.text("label_col", "label")
dbutils.widgets.text("min_accuracy", "0.85")
dbutils.widgets.text("min_f1", "0.8")
dbutils.widgets.text("min_improvement", "0")

source_model = dbutils.widgets.get("source_model")
source_alias = dbutils.widgets.get("source_alias")
target_model = dbutils.widgets.get("target_model")
validation_table = dbutils.widgets.get("validation_table")
label_col = dbutils.widgets.get("label_col")
min_accuracy = float(dbutils.widgets.get("min_accuracy"))
min_f1 = float(dbutils.widgets.get("min_f1"))
min_improvement = float(dbutils.widgets.get("min_improvement") or 0)
for name, value in [("source_model", source_model), ("target_model", target_model), ("validation_table", validation_table), ("label_col", label_col)]:
    if not value:
        raise ValueError(f"the job must set the '{name}' parameter")

# COMMAND ----------

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from mlops_lib.gating import classification_metrics, classification_thresholds
from mlops_lib.promotion import promote

mlflow.set_registry_uri("databricks-uc")

validation = spark.table(validation_table).toPandas()
if label_col not in validation.columns:
    raise ValueError(f"{validation_table} has no label column '{label_col}'; found {list(validation.columns)}")
if validation.empty:
    raise ValueError(f"{validation_table} has no rows to validate on")
y_true = validation[label_col]


def score(version: str) -> dict:
    """A version of the production model's metrics on the production validation rows."""
    model = mlflow.pyfunc.load_model(f"models:/{target_model}/{version}")
    schema = model.metadata.get_input_schema()
    # The inputs the model was logged with; without a signature, every column but the label.
    names = schema.input_names() if schema is not None else [c for c in validation.columns if c != label_col]
    return classification_metrics(y_true, model.predict(validation[names]))


promotion = promote(
    MlflowClient(),
    source_model=source_model,
    source_alias=source_alias,
    target_model=target_model,
    score=score,
    thresholds=classification_thresholds(min_accuracy, min_f1),
    compare_metric="f1",
    missing=(MlflowException,),
    min_improvement=min_improvement,
)
print(
    f"copied {promotion.source_uri} to {target_model} version {promotion.target_version}, "
    f"now {' and '.join(promotion.decision.aliases)}:"
)
for reason in promotion.decision.reasons:
    print(f"  {reason}")
