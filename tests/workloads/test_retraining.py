"""The retraining job: the drift check on the monitor's drift metrics, the condition, the retrain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import Env, param

from localrun.workspace import quoted, refresh_monitor, serve, served_entities, utc_now


@pytest.fixture(scope="module")
def watched(env: Env) -> dict:
    """A churn project of its own (its tables are emptied per test), trained once."""
    target = env.target("churn", user="drift.watcher@example.com")
    with env.sample(target) as sample:
        env.land(target, sample.training_data())
    env.run(target, "training")
    served_entities(env.spark, target["endpoints"])
    return target


def traffic(env: Env, target: dict, shifted: bool) -> None:
    """Yesterday's requests like the training data, today's as given; processed and monitored."""
    (endpoint,) = target["endpoints"]
    (monitor,) = target["monitors"]
    for table in (endpoint["inferenceTable"], monitor["tableName"]):
        if env.spark.catalog.tableExists(table):
            env.spark.sql(f"DELETE FROM {quoted(table)}")
    now = utc_now()
    with env.sample(target) as sample:
        serve(env.spark, endpoint, sample.serving_requests(seed=21), now - timedelta(days=1), seed=1)
        serve(env.spark, endpoint, sample.serving_requests(seed=22, shifted=shifted), now, seed=2)
    env.run(target, "processing")
    refresh_monitor(env.spark, monitor)


def test_stable_traffic_starts_no_retraining(env: Env, watched: dict) -> None:
    traffic(env, watched, shifted=False)
    run = env.run(watched, "retraining")
    assert run.task_values["check_drift"]["drift_detected"] == "false"
    assert [(t.task, t.status) for t in run.tasks] == [("check_drift", "SUCCESS"), ("drift_detected", "SUCCESS"), ("retrain", "EXCLUDED")]


def test_shifted_traffic_retrains_on_the_new_data_only(env: Env, watched: dict, client) -> None:
    model = param(env.job(watched, "training"), "model_name")
    versions = len(client.search_model_versions(f"name = '{model}'"))
    traffic(env, watched, shifted=True)
    run = env.run(watched, "retraining")
    assert run.task_values["check_drift"]["drift_detected"] == "true"
    assert [(t.task, t.status) for t in run.tasks] == [("check_drift", "SUCCESS"), ("drift_detected", "SUCCESS"), ("retrain", "SUCCESS")]
    # Nothing has landed since the champion's training: the same rows would make the same model.
    assert len(client.search_model_versions(f"name = '{model}'")) == versions

    with env.sample(watched) as sample:
        env.land(watched, sample.training_data(seed=9), replace=False)  # newer customers land beside the old
    env.run(watched, "retraining")
    # The retrain task ran the training job on the new window: one more registered version.
    assert len(client.search_model_versions(f"name = '{model}'")) == versions + 1


def test_the_threshold_decides(env: Env, watched: dict) -> None:
    """Drift is the metric strictly above the job's threshold, whatever the threshold is."""
    traffic(env, watched, shifted=True)
    (monitor,) = watched["monitors"]
    job = env.job(watched, "retraining")
    metric = param(job, "metric")
    drift = env.spark.table(monitor["tableName"] + "_drift_metrics").toPandas()
    worst = float(drift[metric].dropna().max())
    assert worst > float(param(job, "threshold"))

    def decided(threshold: float) -> str:
        run = env.run(watched, "retraining", tasks=["check_drift"], parameters={"threshold": repr(threshold)})
        return run.task_values["check_drift"]["drift_detected"]

    assert decided(worst + 0.01) == "false"
    assert decided(worst - 0.01) == "true"
