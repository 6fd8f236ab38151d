"""Unpacking the serving endpoint's AI Gateway inference table into one row per prediction.

The inference table logs each request and response as JSON strings. The quality monitor needs
one row per prediction, with when it was made, which served model made it, the record's position
in its request, the model's inputs (so that drift is measured on them), the prediction and, once
it arrives, the label. The notebook hands each new commit of the inference table here as pandas
(a streaming read with a checkpoint: rows are taken by commit, not by time, since the table is
written asynchronously and a row committed later may carry an earlier time); the result goes
back to Spark and is appended to the processed table.
"""

from __future__ import annotations

import json
import math
from typing import Any, List, Mapping, Optional, Sequence

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


def records(request: Any) -> Optional[List[dict]]:
    """The records a request scored, each as a dict of its input columns: the rows of
    `dataframe_split` (named by its `columns`) or `dataframe_records`; None in another form."""
    body = _json(request)
    if not isinstance(body, dict):
        return None
    split = body.get("dataframe_split")
    if isinstance(split, dict) and isinstance(split.get("data"), list):
        columns = split.get("columns")
        if not isinstance(columns, list):
            return [{} for _ in split["data"]]
        return [dict(zip(columns, row)) if isinstance(row, list) else {} for row in split["data"]]
    if isinstance(body.get("dataframe_records"), list):
        return [r if isinstance(r, dict) else {} for r in body["dataframe_records"]]
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


RECORD_INDEX = "record_index"
"""The processed table's column holding a record's position (from 0) in its request."""


def output_columns(
    ts_col: str, model_id_col: str, prediction_col: str, label_col: str = "", input_cols: Sequence[str] = ()
) -> List[str]:
    """The processed table's columns, in order (the label only when a label column is set; the
    model's input columns after the record's position)."""
    columns = [ts_col, "request_date", "databricks_request_id", model_id_col, "model_version", prediction_col]
    columns = columns + [label_col] if label_col else columns
    return columns + [RECORD_INDEX, *input_cols]


def unpack(
    payload: pd.DataFrame,
    ts_col: str = "timestamp",
    model_id_col: str = "model_id",
    prediction_col: str = "prediction",
    kind: str = "int",
    versions: Optional[Mapping[str, str]] = None,
    input_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per prediction of the successful requests whose prediction count matches their
    record count (a partial or failed response would misalign the rows with the inputs), with the
    record's position and its `input_cols` (numbers; missing or not a number: NaN). A request id
    seen twice (a commit replayed) counts once.

    `versions` maps served entity ids to model versions (from `system.serving.served_entities`);
    an id it does not know, or no mapping at all, keeps the id as the version, so the monitor
    still tells the served models apart.
    """
    out: List[dict] = []
    seen = set()
    for row in payload.itertuples(index=False):
        r = row._asdict()
        if r.get("status_code") != 200:
            continue
        request_id = r.get("databricks_request_id")
        if request_id in seen:
            continue
        preds = predictions(r.get("response"), kind)
        inputs = records(r.get("request"))
        if preds is None or inputs is None or len(inputs) != len(preds):
            continue
        seen.add(request_id)
        entity = r.get("served_entity_id")
        version = (versions or {}).get(entity) or entity
        for index, (value, record) in enumerate(zip(preds, inputs)):
            out.append(
                {
                    ts_col: r.get("request_time"),
                    "request_date": r.get("request_date"),
                    "databricks_request_id": request_id,
                    model_id_col: entity,
                    "model_version": None if version is None else str(version),
                    prediction_col: value,
                    RECORD_INDEX: index,
                    **{c: _cast(record.get(c), "double") for c in input_cols},
                }
            )
    columns = output_columns(ts_col, model_id_col, prediction_col, input_cols=input_cols)
    frame = pd.DataFrame(out, columns=columns)
    frame[prediction_col] = frame[prediction_col].astype("Int64" if kind == "int" else "float64")
    frame[RECORD_INDEX] = frame[RECORD_INDEX].astype("int64")
    for c in input_cols:
        frame[c] = frame[c].astype("float64")
    return frame


def record_labels(labels: pd.DataFrame, label_col: str, unlabelled: pd.DataFrame, kind: str = "int") -> pd.DataFrame:
    """The labels of the processed rows that have none yet, one per record: `databricks_request_id`,
    `record_index` and the label, for a MERGE into the processed table.

    A labels table with a `record_index` column labels each record of a request. Without it, a
    label names a request, and only a request of one record is labelled: giving every record of a
    multi-record request its request's one label would be wrong for all but one of them.
    `unlabelled` holds the processed rows without a label (`databricks_request_id`,
    `record_index`); labels that arrive after their predictions were processed are found there on
    a later run.
    """
    keys = ["databricks_request_id", RECORD_INDEX]
    columns = keys + [label_col]
    if labels is None or labels.empty or unlabelled.empty:
        return pd.DataFrame(columns=columns)
    if RECORD_INDEX in labels.columns:
        known = labels[columns].dropna(subset=[label_col]).drop_duplicates(keys, keep="last")
        out = unlabelled[keys].merge(known, on=keys, how="inner")
    else:
        sizes = unlabelled.groupby("databricks_request_id")[RECORD_INDEX].transform("max")
        single = unlabelled[(sizes == 0) & (unlabelled[RECORD_INDEX] == 0)][keys]
        known = labels[["databricks_request_id", label_col]].dropna(subset=[label_col])
        known = known.drop_duplicates("databricks_request_id", keep="last")
        out = single.merge(known, on="databricks_request_id", how="inner")
    values = pd.to_numeric(out[label_col], errors="coerce")
    out[label_col] = values.round().astype("Int64") if kind == "int" else values.astype("float64")
    return out[columns].dropna(subset=[label_col]).reset_index(drop=True)
