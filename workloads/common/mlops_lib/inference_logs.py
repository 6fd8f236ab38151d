"""Unpacking the serving endpoint's AI Gateway inference table into one row per prediction.

The inference table logs each request and response as JSON strings. The quality monitor needs
one row per prediction, with when it was made, which served model made it, the prediction and,
once it arrives, the label. The notebook selects the new rows with Spark and hands them here as
pandas; the result goes back to Spark and is appended to the processed table.
"""

from __future__ import annotations

import json
import math
from typing import Any, List, Mapping, Optional

import pandas as pd

CLASSIFICATION = "PROBLEM_TYPE_CLASSIFICATION"

PAYLOAD_COLUMNS = ("request_time", "request_date", "databricks_request_id", "served_entity_id", "status_code", "request", "response")
"""The inference-table columns the unpacking reads."""


def value_type(problem_type: str) -> str:
    """The Spark type of predictions and labels: `int` for classification, `double` otherwise."""
    return "int" if problem_type == CLASSIFICATION else "double"


def _json(text: Any) -> Any:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, (dict, list)):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def record_count(request: Any) -> Optional[int]:
    """How many records a request scored: `dataframe_split.data` or `dataframe_records` rows.

    None when the request is in neither form (or not JSON): such a request cannot be matched to
    its predictions, so it is left out.
    """
    body = _json(request)
    if not isinstance(body, dict):
        return None
    split = body.get("dataframe_split")
    if isinstance(split, dict) and isinstance(split.get("data"), list):
        return len(split["data"])
    if isinstance(body.get("dataframe_records"), list):
        return len(body["dataframe_records"])
    return None


def _cast(value: Any, kind: str) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if math.isnan(number):
        return None
    if kind == "int":
        return int(number) if number.is_integer() else None
    return number


def predictions(response: Any, kind: str = "int") -> Optional[List[Any]]:
    """The response's `predictions` as numbers of the problem's type; None when it has none or
    one of them is not a number of that type (a class name, a dict of outputs)."""
    body = _json(response)
    if not isinstance(body, dict) or not isinstance(body.get("predictions"), list):
        return None
    values = [_cast(v, kind) for v in body["predictions"]]
    return None if any(v is None for v in values) else values


def output_columns(ts_col: str, model_id_col: str, prediction_col: str, label_col: str = "") -> List[str]:
    """The processed table's columns, in order (the label only when a label column is set)."""
    columns = [ts_col, "request_date", "databricks_request_id", model_id_col, "model_version", prediction_col]
    return columns + [label_col] if label_col else columns


def unpack(
    payload: pd.DataFrame,
    ts_col: str = "timestamp",
    model_id_col: str = "model_id",
    prediction_col: str = "prediction",
    kind: str = "int",
    versions: Optional[Mapping[str, str]] = None,
) -> pd.DataFrame:
    """One row per prediction of the successful requests whose prediction count matches their
    record count (a partial or failed response would misalign the rows with the inputs).

    `versions` maps served entity ids to model versions (from `system.serving.served_entities`);
    an id it does not know, or no mapping at all, keeps the id as the version, so the monitor
    still tells the served models apart.
    """
    out: List[dict] = []
    for row in payload.itertuples(index=False):
        r = row._asdict()
        if r.get("status_code") != 200:
            continue
        preds = predictions(r.get("response"), kind)
        if preds is None or record_count(r.get("request")) != len(preds):
            continue
        entity = r.get("served_entity_id")
        version = (versions or {}).get(entity) or entity
        for value in preds:
            out.append(
                {
                    ts_col: r.get("request_time"),
                    "request_date": r.get("request_date"),
                    "databricks_request_id": r.get("databricks_request_id"),
                    model_id_col: entity,
                    "model_version": None if version is None else str(version),
                    prediction_col: value,
                }
            )
    columns = output_columns(ts_col, model_id_col, prediction_col)
    frame = pd.DataFrame(out, columns=columns)
    frame[prediction_col] = frame[prediction_col].astype("Int64" if kind == "int" else "float64")
    return frame


def attach_labels(
    rows: pd.DataFrame,
    label_col: str,
    labels: Optional[pd.DataFrame] = None,
    kind: str = "int",
) -> pd.DataFrame:
    """Add the label column: from `labels` (by `databricks_request_id`; every prediction of a
    request gets the request's label) or empty, for labels that arrive later."""
    dtype = "Int64" if kind == "int" else "float64"
    if labels is None:
        out = rows.copy()
        out[label_col] = pd.Series([None] * len(out), index=out.index, dtype=dtype)
        return out
    known = labels[["databricks_request_id", label_col]].drop_duplicates("databricks_request_id", keep="last")
    out = rows.merge(known, on="databricks_request_id", how="left")
    values = pd.to_numeric(out[label_col], errors="coerce")
    out[label_col] = values.round().astype("Int64") if kind == "int" else values.astype("float64")
    return out
