"""Churn features from the customer rows that land in the training-data volume."""

from __future__ import annotations

from typing import List, Optional

import pandas as pd

ID_COL = "customer_id"
LABEL_COL = "label"
TIMESTAMP_COL = "feature_timestamp"
NON_FEATURES = (ID_COL, LABEL_COL, TIMESTAMP_COL)
"""The features table's columns that are not model inputs."""


def numeric_columns(raw: pd.DataFrame) -> List[str]:
    """The numeric input columns, the features: everything numeric but the id and the label.

    Booleans are left out, as the Spark version of this step did (its numeric types were int,
    bigint, double and float).
    """
    return [
        c
        for c in raw.columns
        if c not in (ID_COL, LABEL_COL)
        and pd.api.types.is_numeric_dtype(raw[c])
        and not pd.api.types.is_bool_dtype(raw[c])
    ]


def build_features(raw: pd.DataFrame, timestamp: Optional[pd.Timestamp] = None) -> pd.DataFrame:
    """The features table: one row per customer, numeric features as doubles with missing values
    as 0, the label as an int, and the time the features were built.

    A customer that appears in several files counts once (the first row): the same customer twice
    would leak between the training and the test split. Rows without a label cannot be learnt
    from and are dropped.
    """
    missing = [c for c in (ID_COL, LABEL_COL) if c not in raw.columns]
    if missing:
        raise ValueError(f"the training data needs {', '.join(repr(c) for c in missing)} column(s); found {list(raw.columns)}")
    features = numeric_columns(raw)
    out = raw.drop_duplicates(subset=[ID_COL], keep="first")
    out = out[out[LABEL_COL].notna()]
    result = pd.DataFrame({ID_COL: out[ID_COL].to_numpy()})
    for c in features:
        result[c] = out[c].fillna(0).astype("float64").to_numpy()
    result[LABEL_COL] = out[LABEL_COL].astype("int64").to_numpy()
    result[TIMESTAMP_COL] = timestamp if timestamp is not None else pd.Timestamp.now(tz="UTC")
    return result
