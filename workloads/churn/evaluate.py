# Databricks notebook source
# MAGIC %md
# MAGIC # Evaluate
# MAGIC Judges the version the training task registered against the thresholds (seed 004:
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
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

mlflow.set_registry_uri("databricks-uc")
client = MlflowClient()

df = spark.table(features_table).toPandas()
X = df.drop(columns=["customer_id", "label", "feature_timestamp"])
y = df["label"]
# The same split as training: evaluate on the held-out rows only.
_, X_test, _, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)


def score(model_version):
    model = mlflow.pyfunc.load_model(f"models:/{model_name}/{model_version}")
    predicted = model.predict(X_test)
    return {"accuracy": accuracy_score(y_test, predicted), "f1": f1_score(y_test, predicted)}


candidate = score(version)
print(f"version {version}: {candidate}")
if not (candidate["accuracy"] > min_accuracy and candidate["f1"] > min_f1):
    # Failing the task fails the run, so the job's failure notification reaches the team.
    raise ValueError(
        f"version {version} of {model_name} is below the thresholds: accuracy {candidate['accuracy']:.3f} "
        f"(needs > {min_accuracy}), f1 {candidate['f1']:.3f} (needs > {min_f1})"
    )

client.set_registered_model_alias(model_name, "challenger", version)

try:
    champion = client.get_model_version_by_alias(model_name, "champion")
    current = score(champion.version)
except MlflowException:
    champion, current = None, None

if champion is None or candidate["f1"] >= current["f1"]:
    client.set_registered_model_alias(model_name, "champion", version)
    print(f"version {version} is the new champion (was {champion.version if champion else 'none'})")
else:
    print(f"version {version} stays challenger; champion {champion.version} scores {current}")
