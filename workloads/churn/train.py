# Databricks notebook source
# MAGIC %md
# MAGIC # Train
# MAGIC Trains a RandomForest churn classifier on the features table, tracks the run in the
# MAGIC project's MLflow experiment and registers the model in Unity Catalog.

# COMMAND ----------

dbutils.widgets.text("catalog", "")
dbutils.widgets.text("schema", "")
dbutils.widgets.text("experiment_path", "")
dbutils.widgets.text("model_name", "")
dbutils.widgets.text("features_table", "")

experiment_path = dbutils.widgets.get("experiment_path")
model_name = dbutils.widgets.get("model_name")  # catalog.schema.model
features_table = dbutils.widgets.get("features_table")

# COMMAND ----------

import mlflow
from mlflow.models import infer_signature
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

mlflow.set_registry_uri("databricks-uc")
mlflow.set_experiment(experiment_path)

df = spark.table(features_table).toPandas()
X = df.drop(columns=["customer_id", "label", "feature_timestamp"])
y = df["label"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)

params = {"n_estimators": 100, "max_depth": 10, "random_state": 42}
with mlflow.start_run(run_name="training") as run:
    clf = RandomForestClassifier(**params).fit(X_train, y_train)
    predictions = clf.predict(X_test)
    mlflow.log_params(params)
    mlflow.log_metric("accuracy", accuracy_score(y_test, predictions))
    mlflow.log_metric("f1_score", f1_score(y_test, predictions))
    info = mlflow.sklearn.log_model(
        sk_model=clf,
        artifact_path="model",
        signature=infer_signature(X_train, clf.predict(X_train)),
        input_example=X_train.head(5),
        registered_model_name=model_name,
    )

version = info.registered_model_version
print(f"registered {model_name} version {version} from run {run.info.run_id}")
# The evaluation task reads which version to judge.
dbutils.jobs.taskValues.set(key="model_version", value=str(version))
