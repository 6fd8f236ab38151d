"""The retraining decision on rows shaped like a Lakehouse Monitoring drift metrics table."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

import pandas as pd
import pytest

from mlops_lib.drift import decide, metric_value, parse_columns

NOW = datetime(2025, 3, 10, 12, tzinfo=timezone.utc)


def window(day: int) -> dict:
    return {"start": datetime(2025, 3, day), "end": datetime(2025, 3, day + 1)}


def row(day: int, column: str, js: Optional[float], ks: Optional[float] = None, slice_key: Any = None) -> dict:
    return {
        "window": window(day),
        "granularity": "1 day",
        "column_name": column,
        "drift_type": "CONSECUTIVE",
        "slice_key": slice_key,
        "slice_value": None if slice_key is None else "x",
        "js_distance": js,
        "ks_test": None if ks is None else {"statistic": ks, "pvalue": 0.01},
        "chi_squared_test": None,
        "wasserstein_distance": None,
        "population_stability_index": None,
    }


def table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_an_empty_table_detects_nothing() -> None:
    decision = decide(pd.DataFrame(), ["tenure"], now=NOW)
    assert not decision.drift_detected
    assert decision.reasons == ("the drift metrics table has no rows yet",)
    assert not decide(None, ["tenure"], now=NOW).drift_detected


def test_a_missing_column_is_named_and_detects_nothing() -> None:
    decision = decide(table(row(8, "tenure", 0.05)), ["monthly_charges"], now=NOW)
    assert not decision.drift_detected
    assert decision.reasons == ("monthly_charges: no js_distance in the window 2025-03-08 00:00:00+00:00 to 2025-03-09 00:00:00+00:00",)


def test_a_metric_column_missing_from_the_table_detects_nothing() -> None:
    rows = table(row(8, "tenure", 0.9)).drop(columns=["population_stability_index"])
    decision = decide(rows, ["tenure"], metric="population_stability_index", now=NOW)
    assert not decision.drift_detected
    assert decision.reasons == ("the drift metrics table has no population_stability_index column",)


def test_a_table_that_is_not_a_drift_table_is_refused() -> None:
    with pytest.raises(ValueError, match="no window column"):
        decide(pd.DataFrame({"column_name": ["tenure"], "js_distance": [0.9]}), ["tenure"], now=NOW)


def test_only_the_latest_window_counts() -> None:
    drifted_before = table(row(7, "tenure", 0.9), row(8, "tenure", 0.05))
    assert not decide(drifted_before, ["tenure"], now=NOW).drift_detected
    drifted_now = table(row(8, "tenure", 0.9), row(7, "tenure", 0.05))
    decision = decide(drifted_now, ["tenure"], now=NOW)
    assert decision.drift_detected
    assert decision.window == (pd.Timestamp("2025-03-08", tz="UTC"), pd.Timestamp("2025-03-09", tz="UTC"))


@pytest.mark.parametrize("js, expected", [(0.21, True), (0.2, False), (0.19, False)])
def test_drift_is_strictly_above_the_threshold(js: float, expected: bool) -> None:
    decision = decide(table(row(8, "tenure", js)), ["tenure"], threshold=0.2, now=NOW)
    assert decision.drift_detected is expected
    assert (decision.drifted == {"tenure": js}) is expected


def test_any_configured_column_over_the_threshold_is_drift() -> None:
    rows = table(row(8, "tenure", 0.05), row(8, "monthly_charges", 0.4), row(8, "age", 0.9))
    decision = decide(rows, parse_columns(" tenure, monthly_charges ,"), now=NOW)
    assert decision.drift_detected
    assert decision.drifted == {"monthly_charges": 0.4}  # age is not watched


def test_no_columns_means_every_column_but_the_table_rows() -> None:
    rows = table(row(8, "tenure", 0.05), row(8, ":table", 0.9), row(8, "age", 0.3))
    assert decide(rows, [], now=NOW).drifted == {"age": 0.3}


def test_slices_do_not_count() -> None:
    rows = table(row(8, "tenure", 0.05), row(8, "tenure", 0.9, slice_key="country"))
    assert not decide(rows, ["tenure"], now=NOW).drift_detected


def test_a_struct_metric_is_compared_by_its_statistic() -> None:
    rows = table(row(8, "tenure", None, ks=0.35))
    assert decide(rows, ["tenure"], metric="ks_test", threshold=0.3, now=NOW).drifted == {"tenure": 0.35}
    # The retraining config names the statistic (ks_statistic), the drift table the test (ks_test).
    assert decide(rows, ["tenure"], metric="ks_statistic", threshold=0.3, now=NOW).drifted == {"tenure": 0.35}


def test_a_metric_the_monitor_did_not_compute_detects_nothing() -> None:
    decision = decide(table(row(8, "tenure", None)), ["tenure"], now=NOW)
    assert not decision.drift_detected
    assert "no js_distance" in decision.reasons[0]


def test_a_window_older_than_the_lookback_detects_nothing() -> None:
    decision = decide(table(row(1, "tenure", 0.9)), ["tenure"], lookback_days=7, now=NOW)
    assert not decision.drift_detected
    assert "more than 7 days ago" in decision.reasons[0]


def test_an_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="metric must be one of"):
        decide(table(row(8, "tenure", 0.9)), ["tenure"], metric="jsdistance", now=NOW)


def test_metric_value_reads_rows_dicts_and_numbers() -> None:
    class Row(tuple):  # the shape of a pyspark Row: a tuple with asDict()
        def asDict(self) -> dict:
            return {"statistic": self[0], "pvalue": self[1]}

    assert metric_value(Row((0.4, 0.01))) == 0.4
    assert metric_value({"statistic": 0.3, "pvalue": 0.2}) == 0.3
    assert metric_value(0.25) == 0.25
    assert metric_value(float("nan")) is None
    assert metric_value(None) is None


def monitor_row(day: int, column: str, js: Optional[float], model: str = "*", drift_type: str = "CONSECUTIVE") -> dict:
    """A row as a real InferenceLog monitor writes it: per served model and for all of them ('*')."""
    return {**row(day, column, js), "model_id": model, "drift_type": drift_type}


def test_the_rows_of_all_models_count_not_each_models() -> None:
    # A new version served today has no consecutive window of its own to drift against; its own
    # rows and the old version's say little. The '*' rows hold the population's drift.
    rows = table(monitor_row(8, "tenure", 0.05), monitor_row(8, "tenure", 0.9, model="e1"), monitor_row(8, "tenure", 0.7, model="e2"))
    decision = decide(rows, ["tenure"], now=NOW)
    assert not decision.drift_detected and decision.reasons == ("tenure: js_distance 0.0500 <= 0.2",)
    assert decide(table(monitor_row(8, "tenure", 0.3)), ["tenure"], now=NOW).drifted == {"tenure": 0.3}


def test_only_the_drift_type_asked_for_counts() -> None:
    rows = table(monitor_row(8, "tenure", 0.05), monitor_row(8, "tenure", 0.9, drift_type="BASELINE"))
    assert not decide(rows, ["tenure"], now=NOW).drift_detected
    assert decide(rows, ["tenure"], now=NOW, drift_type="BASELINE").drift_detected


def test_a_served_version_change_alone_is_not_drift() -> None:
    """With no columns configured, the served model's id and version are not watched: a new
    version takes all the traffic and their distribution changes completely."""
    rows = table(
        monitor_row(8, "model_version", 1.0),
        monitor_row(8, "model_id", 1.0),
        monitor_row(8, "tenure", 0.05),
        monitor_row(8, "prediction", 0.1),
    )
    decision = decide(rows, [], now=NOW)
    assert not decision.drift_detected
    assert decision.reasons == ("prediction: js_distance 0.1000 <= 0.2", "tenure: js_distance 0.0500 <= 0.2")


@pytest.mark.parametrize(
    "daily, m, n, expected",
    [
        ([0.3, 0.1, 0.1], 3, 2, False),  # one window of three
        ([0.1, 0.3, 0.3], 3, 2, True),  # two of three, the latest included
        ([0.3, 0.3, 0.1], 3, 2, False),  # two of three, but the latest is fine: answered already
        ([0.1, 0.1, 0.3], 1, 1, True),  # the default: the latest window alone
        ([0.3, 0.3, 0.3], 3, 3, True),
    ],
)
def test_n_of_m_windows(daily: list, m: int, n: int, expected: bool) -> None:
    rows = table(*[monitor_row(6 + i, "tenure", js) for i, js in enumerate(daily)])
    decision = decide(rows, ["tenure"], evaluation_windows=m, violation_windows=n, now=NOW)
    assert decision.drift_detected is expected


def test_more_violations_than_windows_is_refused() -> None:
    with pytest.raises(ValueError, match="violation_windows must be between 1 and evaluation_windows"):
        decide(table(monitor_row(8, "tenure", 0.3)), ["tenure"], evaluation_windows=2, violation_windows=3, now=NOW)
