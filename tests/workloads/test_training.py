"""The training job, features -> train -> evaluate, and its gate, on real Spark and MLflow."""

from __future__ import annotations

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


def test_a_bad_model_is_refused_and_moves_no_alias(env: Env, client) -> None:
    target = env.target("churn", user="gate.keeper@example.com")
    model = param(env.job(target, "training"), "model_name")
    with env.sample(target) as sample:
        good = sample.training_data()
    env.land(target, good)
    env.run(target, "training")
    before = aliases(client, model)
    assert before == {"champion": "1", "challenger": "1"}

    # The same customers with labels drawn at random: nothing to learn, the gate must refuse.
    noise = good.assign(label=np.random.default_rng(7).integers(0, 2, len(good)))
    env.land(target, noise)
    with pytest.raises(JobFailed, match=r"evaluate_model failed: GateFailed: version 2 of .* is below the thresholds"):
        env.run(target, "training")
    assert aliases(client, model) == before
    assert client.get_model_version(model, "2").aliases == []


def test_a_model_exactly_at_the_threshold_is_refused(env: Env, churn: dict, client) -> None:
    """The gate is strict (accuracy > min_accuracy): a version scoring exactly the minimum fails."""
    training = env.job(churn, "training")
    model = param(training, "model_name")
    version = client.get_model_version_by_alias(model, "champion").version
    accuracy = client.get_run(client.get_model_version(model, version).run_id).data.metrics["accuracy"]
    values = {"train_model": {"model_version": str(version)}}
    with pytest.raises(JobFailed, match="is below the thresholds: accuracy"):
        env.run(churn, "training", tasks=["evaluate_model"], parameters={"min_accuracy": repr(accuracy)}, task_values=values)
    # Just below the score, the same version passes.
    env.run(churn, "training", tasks=["evaluate_model"], parameters={"min_accuracy": repr(accuracy - 1e-9)}, task_values=values)
