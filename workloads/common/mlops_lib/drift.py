"""The retraining decision: has a monitored column drifted past the threshold?

Lakehouse Monitoring writes one row per window, column (and slice) to the `<table>_drift_metrics`
table: `window` (a struct with `start` and `end`), `column_name`, `slice_key`/`slice_value`,
`drift_type`, and the drift metrics, either numbers (`js_distance`, `wasserstein_distance`,
`population_stability_index`, ...) or test structs (`ks_test`, `chi_squared_test`, with
`statistic` and `pvalue`). The decision looks at the latest window only: an old drift that a
retraining has since answered must not start another one.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pandas as pd

DRIFT_METRICS = (
    "js_distance",
    "ks_test",
    "chi_squared_test",
    "wasserstein_distance",
    "population_stability_index",
    "tv_distance",
    "l_infinity_distance",
)
"""The metrics a threshold may be set on. For the test structs the statistic is compared."""

STATISTICS = {"ks_statistic": "ks_test", "chi_squared_statistic": "chi_squared_test"}
"""The names the retraining config gives the tests' statistics, and the drift table's columns."""


@dataclass(frozen=True)
class DriftDecision:
    """Whether to retrain, and the evidence."""

    drift_detected: bool
    window: Optional[Tuple[Any, Any]]
    """The (start, end) of the window judged, or None when there was none."""
    drifted: Dict[str, float] = field(default_factory=dict)
    """The columns whose metric exceeds the threshold, with the metric's value."""
    reasons: Tuple[str, ...] = ()


def parse_columns(columns: str) -> List[str]:
    """The comma-separated `columns` parameter as a list; blanks are dropped."""
    return [c.strip() for c in columns.split(",") if c.strip()]


def _field(value: Any, name: str) -> Any:
    """A field of a struct as Spark hands it to pandas (a Row), as a dict, or as an object."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    if hasattr(value, "asDict"):
        return value.asDict().get(name)
    return getattr(value, name, None)


def metric_value(value: Any) -> Optional[float]:
    """A drift metric as a number: the value itself, or a test struct's `statistic`; None when
    the monitor did not compute it for the column (the wrong type of column, too few rows)."""
    if value is None:
        return None
    if not isinstance(value, numbers.Real):
        value = _field(value, "statistic")
        if value is None:
            return None
    number = float(value)
    return None if math.isnan(number) else number


def _timestamp(value: Any) -> Optional[pd.Timestamp]:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


ALL_MODELS = "*"
"""The model id of an InferenceLog monitor's rows that aggregate every served model."""

IDENTITY_COLUMNS = ("model_version", "databricks_request_id", "request_date", "record_index")
"""Processed-table columns that say which model or request, not what it saw or said: their
distribution changes when the endpoint serves a new version, which is not drift."""


def _window_verdict(
    rows: pd.DataFrame, columns: Sequence[str], metric: str, threshold: float, start: Any, end: Any
) -> Tuple[Dict[str, float], List[str]]:
    drifted: Dict[str, float] = {}
    reasons: List[str] = []
    for column in columns:
        values = [metric_value(v) for v in rows.loc[rows["column_name"] == column, metric]]
        values = [v for v in values if v is not None]
        if not values:
            reasons.append(f"{column}: no {metric} in the window {start} to {end}")
            continue
        worst = max(values)
        if worst > threshold:
            drifted[column] = worst
            reasons.append(f"{column}: {metric} {worst:.4f} > {threshold}")
        else:
            reasons.append(f"{column}: {metric} {worst:.4f} <= {threshold}")
    return drifted, reasons


def decide(
    drift_metrics: Optional[pd.DataFrame],
    columns: Sequence[str],
    metric: str = "js_distance",
    threshold: float = 0.2,
    lookback_days: Optional[float] = 7,
    now: Optional[datetime] = None,
    evaluation_windows: int = 1,
    violation_windows: int = 1,
    model_id_col: str = "model_id",
    drift_type: str = "CONSECUTIVE",
    ignore: Sequence[str] = (),
) -> DriftDecision:
    """Decide whether the latest windows of the drift metrics show drift in the given columns.

    The rows read are those a real InferenceLog monitor writes for the whole population: the
    whole-table rows (`slice_key` null; a slice's drift is for the dashboard), of all served
    models together (`<model_id_col> = '*'`; each model also has rows of its own), of the
    `drift_type` asked for (`CONSECUTIVE`: a window against the one before; `BASELINE` only with a
    baseline table). A column missing from the table (another kind of monitor) filters nothing.

    Drift is a window where the metric of at least one column is strictly greater than
    `threshold`. Of the `evaluation_windows` latest windows, at least `violation_windows` must
    show drift, the latest among them (mlops-stacks' `num_evaluation_windows` and
    `num_violation_windows`): one noisy window does not retrain, and an old drift that a
    retraining has since answered does not start another. When the latest window ended more than
    `lookback_days` before `now`, the monitor has seen no recent data and nothing is decided.

    No columns means every column the monitor reports but its `:table` rows, the model id column,
    the identity columns and `ignore`. An empty table, a column without rows or a metric the
    monitor did not compute for a column never starts a retraining; each is named in the reasons.
    """
    metric = STATISTICS.get(metric, metric)
    if metric not in DRIFT_METRICS:
        names = [*DRIFT_METRICS, *STATISTICS]
        raise ValueError(f"metric must be one of {', '.join(names)}, got {metric!r}")
    if not 1 <= violation_windows <= evaluation_windows:
        raise ValueError(
            f"violation_windows must be between 1 and evaluation_windows ({evaluation_windows}), got {violation_windows}"
        )
    if drift_metrics is None or drift_metrics.empty:
        return DriftDecision(False, None, reasons=("the drift metrics table has no rows yet",))
    missing = [c for c in ("window", "column_name") if c not in drift_metrics.columns]
    if missing:
        raise ValueError(f"the drift metrics table has no {', '.join(missing)} column: is it a monitor's drift table?")

    rows = drift_metrics
    if "slice_key" in rows.columns:
        rows = rows[rows["slice_key"].isna()]
    if model_id_col in rows.columns:
        rows = rows[rows[model_id_col] == ALL_MODELS]
    if "drift_type" in rows.columns:
        rows = rows[rows["drift_type"] == drift_type]
    if rows.empty:
        return DriftDecision(
            False, None, reasons=(f"the drift metrics table has no whole-table {drift_type} rows of all models ('{ALL_MODELS}')",)
        )

    starts = rows["window"].map(lambda w: _timestamp(_field(w, "start")))
    ends = rows["window"].map(lambda w: _timestamp(_field(w, "end")))
    if ends.isna().all():
        return DriftDecision(False, None, reasons=("no row has a window end",))
    latest_end = ends.max()
    latest_start = starts[ends == latest_end].max()
    window = (latest_start, latest_end)
    if lookback_days is not None:
        now_utc = _timestamp(now or datetime.now(timezone.utc))
        if latest_end < now_utc - timedelta(days=float(lookback_days)):
            return DriftDecision(
                False,
                window,
                reasons=(f"the latest window ended {latest_end}, more than {lookback_days} days ago",),
            )
    if metric not in rows.columns:
        return DriftDecision(False, window, reasons=(f"the drift metrics table has no {metric} column",))

    if not columns:
        skip = {model_id_col, *IDENTITY_COLUMNS, *ignore}
        columns = sorted({str(c) for c in rows["column_name"].dropna() if not str(c).startswith(":") and str(c) not in skip})

    windows = sorted({(s, e) for s, e in zip(starts, ends) if not pd.isna(e)}, key=lambda w: w[1], reverse=True)
    windows = windows[:evaluation_windows]
    verdicts = []
    for start, end in windows:
        same = (ends == end) & (starts.isna() if pd.isna(start) else (starts == start))
        verdicts.append(_window_verdict(rows[same], columns, metric, threshold, start, end))
    drifted, reasons = verdicts[0]
    violations = sum(1 for d, _ in verdicts if d)
    reasons = list(reasons)
    if evaluation_windows > 1:
        reasons.append(
            f"{violations} of the latest {len(windows)} window(s) exceed the threshold "
            f"(retraining needs {violation_windows}, the latest among them)"
        )
    detected = bool(drifted) and violations >= violation_windows
    return DriftDecision(detected, window, drifted if detected else {}, tuple(reasons))
