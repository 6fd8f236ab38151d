/**
 * The `mlops-stacks` workload template of `npm run new-project`: a project in the shape
 * databricks/mlops-stacks renders (a feature-table job; a training job Train -> ModelValidation ->
 * ModelDeployment on a daily schedule; batch inference; a retraining job on a monitored metric),
 * every job on serverless compute but the feature-table job, which runs on the ML job cluster.
 * The notebooks are this program's own, on the churn model's library (renamed to the project's
 * package), so that `npm run local-run` runs the project end to end.
 */

/** The notebooks of the template, by task, at the workload folder's top (beside the package they import). */
export const MLOPS_STACKS_NOTEBOOKS = {
    features: "GenerateAndWriteFeatures.py",
    train: "Train.py",
    validate: "ModelValidation.py",
    deploy: "ModelDeployment.py",
    batchInference: "BatchInference.py",
    monitor: "MonitoredMetricViolationCheck.py",
} as const;

/** The serverless environment of the template's jobs: its version and the requirements file. */
const ENVIRONMENTS = [
    { environmentKey: "default", spec: { environmentVersion: "5", dependencies: ["-r requirements.txt"] } },
];

/** The jobs of a project made from the template, as shared.yaml holds them. */
export function mlopsStacksJobs(): Record<string, unknown> {
    const nb = MLOPS_STACKS_NOTEBOOKS;
    return {
        featureTable: {
            schedule: { cron: "0 0 7 * * ?", timezone: "UTC" },
            tasks: [
                {
                    taskKey: "WriteFeatures",
                    notebookTask: {
                        notebookPath: nb.features,
                        baseParameters: {
                            input_path: "${project.training_data}",
                            output_table_name: "${project.features_table}",
                        },
                    },
                },
            ],
        },
        training: {
            compute: "serverless",
            environments: ENVIRONMENTS,
            schedule: { cron: "0 0 9 * * ?", timezone: "UTC" },
            tasks: [
                {
                    taskKey: "Train",
                    role: "registers",
                    notebookTask: {
                        notebookPath: nb.train,
                        baseParameters: {
                            env: "${bundle.target}",
                            experiment_name: "${project.experiment}",
                            model_name: "${project.model}",
                            features_table: "${project.features_table}",
                        },
                    },
                },
                {
                    taskKey: "ModelValidation",
                    role: "validates",
                    dependsOn: [{ taskKey: "Train" }],
                    notebookTask: {
                        notebookPath: nb.validate,
                        baseParameters: {
                            model_name: "${project.model}",
                            features_table: "${project.features_table}",
                            run_mode: "enabled",
                            min_accuracy: "0.85",
                            min_f1: "0.8",
                        },
                    },
                },
                {
                    taskKey: "ModelDeployment",
                    role: "deploys",
                    dependsOn: [{ taskKey: "ModelValidation" }],
                    notebookTask: {
                        notebookPath: nb.deploy,
                        baseParameters: {
                            env: "${bundle.target}",
                            model_name: "${project.model}",
                            features_table: "${project.features_table}",
                        },
                    },
                },
            ],
        },
        inference: {
            cron: "0 0 11 * * ?",
            timezone: "UTC",
            compute: "serverless",
            environments: ENVIRONMENTS,
            tasks: [
                {
                    taskKey: "batch_inference_job",
                    notebookTask: {
                        notebookPath: nb.batchInference,
                        baseParameters: {
                            env: "${bundle.target}",
                            input_table_name: "${project.features_table}",
                            output_table_name: "${project.predictions_table}",
                            model_name: "${project.model}",
                        },
                    },
                },
            ],
        },
        retraining: {
            cron: "0 0 18 * * ?",
            timezone: "UTC",
            compute: "serverless",
            environments: ENVIRONMENTS,
            tasks: [
                {
                    taskKey: "monitored_metric_violation_check",
                    notebookTask: {
                        notebookPath: nb.monitor,
                        baseParameters: {
                            predictions_table: "${project.predictions_table}",
                            features_table: "${project.features_table}",
                            max_rate_change: "0.2",
                        },
                    },
                },
                {
                    taskKey: "is_metric_violated",
                    dependsOn: [{ taskKey: "monitored_metric_violation_check" }],
                    conditionTask: {
                        op: "EQUAL_TO",
                        left: "{{tasks.monitored_metric_violation_check.values.is_metric_violated}}",
                        right: "true",
                    },
                },
                {
                    taskKey: "trigger_retraining",
                    dependsOn: [{ taskKey: "is_metric_violated", outcome: "true" }],
                    runJobTask: { job: "training" },
                },
            ],
        },
    };
}

const header = (title: string, text: string) =>
    `# Databricks notebook source\n# MAGIC %md\n# MAGIC # ${title}\n${text
        .trim()
        .split("\n")
        .map((l) => `# MAGIC ${l}`)
        .join("\n")}\n\n# COMMAND ----------\n\n`;

const widgets = (names: Record<string, string>) =>
    `${Object.entries(names)
        .map(([n, d]) => `dbutils.widgets.text("${n}", "${d}")`)
        .join("\n")}\n${Object.keys(names)
        .map((n) => `${n} = dbutils.widgets.get("${n}")`)
        .join("\n")}\n\n# COMMAND ----------\n\n`;

/** The template's notebooks and requirements, for a project whose package is `pkg`. */
export function mlopsStacksNotebooks(pkg: string): Map<string, string> {
    const nb = MLOPS_STACKS_NOTEBOOKS;
    const files = new Map<string, string>();
    files.set(
        "requirements.txt",
        "# The serverless environment's libraries beyond its own (environment version 4 brings pandas and\n# scikit-learn): MLflow 3, the version the local environment (uv.lock) runs.\nmlflow-skinny[databricks]==3.8.1\n",
    );
    files.set(
        nb.features,
        header(
            "Write the feature table",
            "The feature-table job's task: reads the customer rows that landed in the training-data\nfolder and writes the features table the training and batch inference jobs read.",
        ) +
            widgets({ input_path: "", output_table_name: "" }) +
            `from ${pkg}.features import ID_COL, LABEL_COL, build_features

raw = spark.read.option("header", "true").option("inferSchema", "true").csv(input_path)
if LABEL_COL not in raw.columns or ID_COL not in raw.columns:
    raise ValueError(f"the rows in {input_path} need '{ID_COL}' and '{LABEL_COL}' columns; found {raw.columns}")
features = spark.createDataFrame(build_features(raw.toPandas()))
features.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(output_table_name)
print(f"wrote {features.count()} rows to {output_table_name}")
`,
    );
    files.set(
        nb.train,
        header(
            "Train",
            "Trains the classifier on the features table, tracks the run in the project's experiment\nand registers a new version of the Unity Catalog model (this task's role: registers).",
        ) +
            widgets({ env: "", experiment_name: "", model_name: "", features_table: "" }) +
            `import mlflow
from mlflow.models import infer_signature

from mlops_lib.gating import classification_metrics
from ${pkg}.model import PARAMS, fit, holdout_split

mlflow.set_registry_uri("databricks-uc")
mlflow.set_experiment(experiment_name)
X_train, X_test, y_train, y_test = holdout_split(spark.table(features_table).toPandas())
with mlflow.start_run(run_name=f"training ({env})") as run:
    clf = fit(X_train, y_train)
    metrics = classification_metrics(y_test, clf.predict(X_test))
    mlflow.log_params(PARAMS)
    mlflow.log_metric("accuracy", metrics["accuracy"])
    mlflow.log_metric("f1_score", metrics["f1"])
    info = mlflow.sklearn.log_model(
        sk_model=clf,
        artifact_path="model",
        signature=infer_signature(X_train, clf.predict(X_train)),
        input_example=X_train.head(5),
        registered_model_name=model_name,
    )
version = str(info.registered_model_version)
print(f"registered {model_name} version {version} from run {run.info.run_id}")
dbutils.jobs.taskValues.set(key="model_version", value=version)
`,
    );
    files.set(
        nb.validate,
        header(
            "Model validation",
            "Judges the version Train registered against the thresholds on the held-out rows (this\ntask's role: validates). run_mode: enabled fails the run on a miss; dry_run reports it and\ngoes on; disabled skips the check. A version that passes becomes challenger.",
        ) +
            widgets({ model_name: "", features_table: "", run_mode: "enabled", min_accuracy: "0.85", min_f1: "0.8" }) +
            `import mlflow
from mlflow import MlflowClient

from mlops_lib.aliases import GateFailed, move
from mlops_lib.gating import CHALLENGER, classification_metrics, classification_thresholds, failures
from ${pkg}.model import holdout_split

if run_mode not in ("enabled", "dry_run", "disabled"):
    raise ValueError(f"run_mode: expected enabled, dry_run or disabled, found {run_mode!r}")
version = dbutils.jobs.taskValues.get(taskKey="Train", key="model_version", debugValue="1")
mlflow.set_registry_uri("databricks-uc")
if run_mode == "disabled":
    print(f"validation disabled: version {version} of {model_name} goes on unchecked")
else:
    _, X_test, _, y_test = holdout_split(spark.table(features_table).toPandas())
    model = mlflow.pyfunc.load_model(f"models:/{model_name}/{version}")
    metrics = classification_metrics(y_test, model.predict(X_test))
    missed = failures(metrics, classification_thresholds(float(min_accuracy), float(min_f1)))
    if missed and run_mode == "enabled":
        raise GateFailed(f"version {version} of {model_name} is below the thresholds: " + "; ".join(missed))
    print(f"version {version}: {metrics}" + (f"; below the thresholds (dry run): {'; '.join(missed)}" if missed else ""))
move(MlflowClient(), model_name, version, [CHALLENGER])
print(f"version {version} of {model_name} is now {CHALLENGER}")
`,
    );
    files.set(
        nb.deploy,
        header(
            "Model deployment",
            "Makes the validated version champion when it scores at least as well as the current\nchampion on the held-out rows, or when there is none (this task's role: deploys). Batch\ninference and the serving endpoint follow champion.",
        ) +
            widgets({ env: "", model_name: "", features_table: "" }) +
            `import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from mlops_lib.aliases import current_version, move
from mlops_lib.gating import CHAMPION, classification_metrics, decide
from ${pkg}.model import holdout_split

version = dbutils.jobs.taskValues.get(taskKey="Train", key="model_version", debugValue="1")
mlflow.set_registry_uri("databricks-uc")
client = MlflowClient()
_, X_test, _, y_test = holdout_split(spark.table(features_table).toPandas())


def score(v: str) -> dict:
    return classification_metrics(y_test, mlflow.pyfunc.load_model(f"models:/{model_name}/{v}").predict(X_test))


champion_version = current_version(client, model_name, CHAMPION, (MlflowException,))
champion = None if champion_version in (None, version) else score(champion_version)
decision = decide(score(version), (), champion, compare_metric="f1")
if CHAMPION in decision.aliases:
    move(client, model_name, version, [CHAMPION])
    print(f"{env}: version {version} of {model_name} is now {CHAMPION}")
else:
    print(f"{env}: version {version} stays challenger: " + "; ".join(decision.reasons))
`,
    );
    files.set(
        nb.batchInference,
        header(
            "Batch inference",
            "Scores the features table with the champion version and appends the predictions, with\nthe version and the scoring time, to the predictions table.",
        ) +
            widgets({ env: "", input_table_name: "", output_table_name: "", model_name: "" }) +
            `import mlflow
from mlflow import MlflowClient
from pyspark.sql import functions as F

from ${pkg}.features import NON_FEATURES

mlflow.set_registry_uri("databricks-uc")
champion = MlflowClient().get_model_version_by_alias(model_name, "champion")
predict = mlflow.pyfunc.spark_udf(spark, f"models:/{model_name}/{champion.version}", result_type="long")
inputs = spark.table(input_table_name)
features = [c for c in inputs.columns if c not in NON_FEATURES]
predictions = (
    inputs.withColumn("prediction", predict(*[F.col(c) for c in features]))
    .withColumn("model_version", F.lit(str(champion.version)))
    .withColumn("scored_at", F.current_timestamp())
)
predictions.write.format("delta").mode("append").option("mergeSchema", "true").saveAsTable(output_table_name)
print(f"{env}: scored {predictions.count()} rows of {input_table_name} with version {champion.version}")
`,
    );
    files.set(
        nb.monitor,
        header(
            "Monitored metric violation check",
            "Compares the share of positive predictions of the latest scoring with the share of\npositive labels the model was trained on; sets the task value is_metric_violated, which the\nretraining job's condition reads.",
        ) +
            widgets({ predictions_table: "", features_table: "", max_rate_change: "0.2" }) +
            `from pyspark.sql import functions as F

from ${pkg}.features import LABEL_COL

latest = spark.table(predictions_table).agg(F.max("scored_at")).first()[0]
scored = spark.table(predictions_table).where(F.col("scored_at") == latest)
predicted = scored.agg(F.avg(F.col("prediction").cast("double"))).first()[0] or 0.0
trained = spark.table(features_table).agg(F.avg(F.col(LABEL_COL).cast("double"))).first()[0] or 0.0
violated = abs(predicted - trained) > float(max_rate_change)
print(f"positive rate: predicted {predicted:.3f}, trained on {trained:.3f}; violated: {violated}")
dbutils.jobs.taskValues.set(key="is_metric_violated", value="true" if violated else "false")
`,
    );
    return files;
}
