"""Churn features from the customer rows that land in the training-data volume."""

from __future__ import annotations

from typing import List, Optional

import pandas as pd

ID_COL = "customer_id"
LABEL_COL = "label"
TIMESTAMP_COL = "feature_timestamp"
LANDED_COL = "landed_at"
NON_FEATURES = (ID_COL, LABEL_COL, TIMESTAMP_COL, LANDED_COL)
"""The features table's columns that are not model inputs."""


def numeric_columns(raw: pd.DataFrame) -> List[str]:
    """The numeric input columns, the features: everything numeric but the id, the label and the
    landing time.

    Booleans are left out, as the Spark version of this step did (its numeric types were int,
    bigint, double and float).
    """
    return [
        c
        for c in raw.columns
        if c not in NON_FEATURES
        and pd.api.types.is_numeric_dtype(raw[c])
        and not pd.api.types.is_bool_dtype(raw[c])
    ]


def build_features(raw: pd.DataFrame, timestamp: Optional[pd.Timestamp] = None) -> pd.DataFrame:
    """The features table: one row per customer, numeric features as doubles, the label as an int,
    when the row's file landed (when known) and the time the features were built.

    Missing values stay missing: filling them is fitted preprocessing, which belongs to the model
    (`churn_lib.model`), fitted on the training rows only and served with it. A customer that
    appears in several files counts once, its latest landed row (the first when the landing time
    is unknown): the same customer twice would leak between the training and the validation rows.
    Rows without a label cannot be learnt from and are dropped.
    """
    missing = [c for c in (ID_COL, LABEL_COL) if c not in raw.columns]
    if missing:
        raise ValueError(f"the training data needs {', '.join(repr(c) for c in missing)} column(s); found {list(raw.columns)}")
    features = numeric_columns(raw)
    rows = raw
    if LANDED_COL in rows.columns:
        rows = rows.sort_values(LANDED_COL, kind="mergesort", ascending=False)
    out = rows.drop_duplicates(subset=[ID_COL], keep="first")
    if LANDED_COL in out.columns:
        out = out.sort_index()
    out = out[out[LABEL_COL].notna()]
    result = pd.DataFrame({ID_COL: out[ID_COL].to_numpy()})
    for c in features:
        result[c] = pd.to_numeric(out[c], errors="coerce").astype("float64").to_numpy()
    result[LABEL_COL] = out[LABEL_COL].astype("int64").to_numpy()
    if LANDED_COL in out.columns:
        result[LANDED_COL] = pd.to_datetime(out[LANDED_COL], utc=True).to_numpy()
    result[TIMESTAMP_COL] = timestamp if timestamp is not None else pd.Timestamp.now(tz="UTC")
    return result
