"""The training job, features -> train -> evaluate, and its gate, on real Spark and MLflow."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import Env, param

from localrun.jobs import JobFailed


def aliases(client, model: str) -> dict:
    return {a: str(v) for a, v in client.get_registered_model(model).aliases.items()}


def test_a_good_model_is_registered_and_becomes_champion(env: Env, churn: dict, client) -> None:
    model = param(env.job(churn, "training"), "model_name")
    versions = client.search_model_versions(f"name = '{model}'")
    assert len(versions) >= 1
    first = min(int(v.version) for v in versions)
    run = client.get_run(client.get_model_version(model, str(first)).run_id)
    assert run.data.metrics["accuracy"] > 0.85 and run.data.metrics["f1_score"] > 0.8
    assert client.get_model_version_by_alias(model, "champion").version is not None
    # The experiment is the one the plan declares; the run is in it.
    assert client.get_experiment(run.info.experiment_id).name == churn["experiments"][0]
    # The validation rows are logged with the run: the features table at the Delta version read.
    (logged,) = [d for d in run.inputs.dataset_inputs if {t.key: t.value for t in d.tags}.get("mlflow.data.context") == "validation"]
    features_table = param(env.job(churn, "training"), "features_table")
    version = int(run.data.params["features_version"])
    assert logged.dataset.name == f"{features_table}@v{version}"
    source = json.loads(logged.dataset.source)
    assert source["delta_table_name"] == features_table
    # MLflow leaves a version 0 out of the source (mlflow/data/delta_dataset_source.py, to_dict).
    assert source.get("delta_table_version", 0) == version
    # The decision is a run of its own, with the candidate's metrics on those rows.
    (validation,) = client.search_runs([run.info.experiment_id], f"attributes.run_name = 'validation v{first}'")
    assert validation.data.tags["decision"] == "promoted" and validation.data.metrics["candidate_f1"] > 0.8


def test_the_same_training_rows_register_no_clone(env: Env, churn: dict, client) -> None:
    """A training run (after a drift, or the same file landing again) on the rows the champion was
    trained on registers nothing: the same data makes the same model."""
    model = param(env.job(churn, "training"), "model_name")
    before = sorted(int(v.version) for v in client.search_model_versions(f"name = '{model}'"))
    champion = client.get_model_version_by_alias(model, "champion").version
    with env.sample(churn) as sample:
        env.land(churn, sample.training_data(), replace=False)  # the same rows land again
    run = env.run(churn, "training")
    assert run.task_values["train_model"]["model_version"] == ""
    assert [(t.task, t.status, t.result) for t in run.tasks][1:] == [
        ("train_model", "SUCCESS", "no new training data"),
        ("evaluate_model", "SUCCESS", "the training task registered no version: nothing to judge"),
    ]
    assert sorted(int(v.version) for v in client.search_model_versions(f"name = '{model}'")) == before
    assert client.get_model_version_by_alias(model, "champion").version == champion


def test_training_registers_without_the_mlflow_3_only_model_info_field(env: Env, monkeypatch: pytest.MonkeyPatch, client) -> None:
    """`ModelInfo.registered_model_version` is MLflow 3's: under 2.x reading it raised after the
    version was registered, leaving an orphan version and no evaluation."""
    from mlflow.models.model import ModelInfo

    monkeypatch.delattr(ModelInfo, "registered_model_version")
    target = env.target("churn", user="old.mlflow@example.com")
    model = param(env.job(target, "training"), "model_name")
    with env.sample(target) as sample:
        env.land(target, sample.training_data(rows=600, seed=5))
    env.run(target, "training")
    assert aliases(client, model) == {"champion": "1"}


def test_a_bad_model_is_refused_and_moves_no_alias(env: Env, client) -> None:
    target = env.target("churn", user="gate.keeper@example.com")
    model = param(env.job(target, "training"), "model_name")
    with env.sample(target) as sample:
        good = sample.training_data()
    env.land(target, good)
    env.run(target, "training")
    before = aliases(client, model)
    assert before == {"champion": "1"}

    # The same customers with labels drawn at random: nothing to learn, the gate must refuse.
    noise = good.assign(label=np.random.default_rng(7).integers(0, 2, len(good)))
    env.land(target, noise)
    with pytest.raises(JobFailed, match=r"evaluate_model failed: GateFailed: version 2 of .* is below the thresholds"):
        env.run(target, "training")
    assert aliases(client, model) == before
    assert client.get_model_version(model, "2").aliases == []
    # The refusal is recorded as a validation run, with the candidate's metrics.
    experiment = client.get_run(client.get_model_version(model, "2").run_id).info.experiment_id
    (validation,) = client.search_runs([experiment], "attributes.run_name = 'validation v2'")
    assert validation.data.tags["decision"] == "rejected" and validation.data.metrics["candidate_accuracy"] < 0.85


def test_a_model_exactly_at_the_threshold_is_refused(env: Env, churn: dict, client) -> None:
    """The gate is strict (accuracy > min_accuracy): a version scoring exactly the minimum fails."""
    training = env.job(churn, "training")
    model = param(training, "model_name")
    version = client.get_model_version_by_alias(model, "champion").version
    accuracy = client.get_run(client.get_model_version(model, version).run_id).data.metrics["accuracy"]
    trained = client.get_run(client.get_model_version(model, version).run_id).data.params
    values = {"train_model": {"model_version": str(version), "features_version": trained["features_version"], "window_days": trained["window_days"]}}
    with pytest.raises(JobFailed, match="is below the thresholds: accuracy"):
        env.run(churn, "training", tasks=["evaluate_model"], parameters={"min_accuracy": repr(accuracy)}, task_values=values)
    # Just below the score, the same version passes.
    env.run(churn, "training", tasks=["evaluate_model"], parameters={"min_accuracy": repr(accuracy - 1e-9)}, task_values=values)
