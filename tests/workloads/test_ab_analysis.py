"""The A/B comparison query the program declares (components/project/abAnalysis.ts), run on Spark
SQL over a processed table and an inference table with known answers."""

from __future__ import annotations

import json
import math
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from conftest import REPO, Env


def comparison_sql(processed: str, payload: str, problem_type: str) -> str:
    """The query text, from the TypeScript that declares it."""
    script = (
        'import { abComparisonSql } from "./components/project/abAnalysis";'
        f"process.stdout.write(abComparisonSql({json.dumps(processed)}, {json.dumps(payload)}, "
        f'{{ problemType: {json.dumps(problem_type)}, predictionCol: "prediction", labelCol: "label" }}));'
    )
    return subprocess.run(["npx", "tsx", "-e", script], cwd=REPO, check=True, capture_output=True, text=True).stdout


def wilson(k: int, n: int, z: float = 1.96) -> tuple:
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.fixture(scope="module")
def tables(env: Env) -> tuple:
    today = datetime.now(timezone.utc).date()
    env.spark.sql("CREATE DATABASE IF NOT EXISTS ab__test")
    processed, payload = "ab__test.processed", "ab__test.payload"
    # (request, version, date, latency ms, [(prediction, label)] per record)
    requests = [
        ("r1", "1", today, 10, [(1, 1), (1, 0), (1, 1)]),
        ("r2", "1", today - timedelta(days=6), 30, [(1, 1)]),  # the oldest date of the 7
        ("r0", "1", today - timedelta(days=7), 90, [(0, 0), (0, 0)]),  # an 8th date: outside
        ("r3", "2", today, 50, [(0, 1), (1, 1)]),
    ]
    rows = [
        (datetime.combine(d, datetime.min.time()), d, r, f"e{v}", v, p, l, i)
        for r, v, d, _, records in requests
        for i, (p, l) in enumerate(records)
    ]
    env.spark.createDataFrame(
        rows,
        "timestamp timestamp, request_date date, databricks_request_id string, model_id string, "
        "model_version string, prediction int, label int, record_index bigint",
    ).write.format("delta").mode("overwrite").saveAsTable(processed)
    logged = [(d, r, ms) for r, _, d, ms, _ in requests] + [(today, "r3", 50)]  # r3 logged twice (a replay)
    env.spark.createDataFrame(logged, "request_date date, databricks_request_id string, execution_duration_ms bigint").write.format(
        "delta"
    ).mode("overwrite").saveAsTable(payload)
    return processed, payload, today


def test_versions_are_compared_per_request_over_exactly_seven_dates(env: Env, tables: tuple) -> None:
    processed, payload, today = tables
    result = {r["model_version"]: r.asDict() for r in env.spark.sql(comparison_sql(processed, payload, "PROBLEM_TYPE_CLASSIFICATION")).collect()}
    one, two = result["1"], result["2"]
    # r0 is 7 days old: the 8th date back is outside; requests are request ids, not predictions.
    assert (one["requests"], one["predictions"], two["requests"], two["predictions"]) == (2, 4, 1, 2)
    # Latency per request, each request once (r3 was logged twice).
    assert (one["mean_latency_ms"], two["mean_latency_ms"]) == (20.0, 50.0)
    assert one["first_date"] == today - timedelta(days=6) and one["last_date"] == today
    assert (one["labelled"], one["accuracy"], two["accuracy"]) == (4, 0.75, 0.5)
    assert (one["accuracy_ci_low"], one["accuracy_ci_high"]) == pytest.approx(wilson(3, 4))
    assert one["positive_rate"] == 1.0


def test_without_labels_the_quality_is_null_not_an_error(env: Env, tables: tuple) -> None:
    processed, payload, _ = tables
    env.spark.sql("SET spark.sql.ansi.enabled=true")  # a SQL warehouse's default: 0/0 would fail
    try:
        unlabelled = "ab__test.unlabelled"
        from pyspark.sql import functions as F

        rows = env.spark.table(processed).withColumn("label", F.lit(None).cast("int"))
        rows.write.format("delta").mode("overwrite").saveAsTable(unlabelled)
        (one, _) = env.spark.sql(comparison_sql(unlabelled, payload, "PROBLEM_TYPE_CLASSIFICATION")).collect()
        assert one["labelled"] == 0 and one["accuracy"] is None and one["accuracy_ci_low"] is None
    finally:
        env.spark.sql("SET spark.sql.ansi.enabled=false")


def test_a_regression_gets_rmse_and_the_mean_absolute_error_with_its_interval(env: Env, tables: tuple) -> None:
    processed, payload, _ = tables
    (one, _) = env.spark.sql(comparison_sql(processed, payload, "PROBLEM_TYPE_REGRESSION")).collect()
    errors = [0, 1, 0, 0]  # |label - prediction| of version 1's four records in the window
    assert one["rmse"] == pytest.approx(math.sqrt(sum(e * e for e in errors) / 4))
    assert one["mae"] == pytest.approx(0.25)
    sd = math.sqrt(sum(e * e for e in errors) / 4 - 0.25**2)
    assert one["mae_ci_half_width"] == pytest.approx(1.96 * sd / 2)
