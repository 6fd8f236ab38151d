"""House-price features from the sales rows that land in the training-data volume."""

from __future__ import annotations

from typing import List, Optional

import pandas as pd

ID_COL = "house_id"
LABEL_COL = "price"
TIMESTAMP_COL = "feature_timestamp"
NON_FEATURES = (ID_COL, LABEL_COL, TIMESTAMP_COL)
"""The features table's columns that are not model inputs."""


def numeric_columns(raw: pd.DataFrame) -> List[str]:
    """The numeric input columns: everything numeric (not boolean) but the id and the price."""
    return [
        c
        for c in raw.columns
        if c not in (ID_COL, LABEL_COL)
        and pd.api.types.is_numeric_dtype(raw[c])
        and not pd.api.types.is_bool_dtype(raw[c])
    ]


def build_features(raw: pd.DataFrame, timestamp: Optional[pd.Timestamp] = None) -> pd.DataFrame:
    """The features table: one row per house, numeric features as doubles, the price as a double.

    Unlike churn, a missing value is filled with the column's median, not 0: a house of 0 square
    feet or built in year 0 would pull the fit. When the rows have `year_built` and `year_sold`,
    the age at sale is added, which a tree learns more easily than two years. Rows without a
    positive price are dropped: they are entry errors, not sales.
    """
    missing = [c for c in (ID_COL, LABEL_COL) if c not in raw.columns]
    if missing:
        raise ValueError(f"the training data needs {', '.join(repr(c) for c in missing)} column(s); found {list(raw.columns)}")
    features = numeric_columns(raw)
    rows = raw.drop_duplicates(subset=[ID_COL], keep="last")  # a resale: the latest row counts
    price = pd.to_numeric(rows[LABEL_COL], errors="coerce")
    rows = rows[price.notna() & (price > 0)]

    out = pd.DataFrame({ID_COL: rows[ID_COL].to_numpy()})
    for c in features:
        values = rows[c].astype("float64")
        median = values.median()
        out[c] = values.fillna(0.0 if pd.isna(median) else median).to_numpy()
    if "year_built" in out.columns and "year_sold" in out.columns:
        out["age_years"] = (out["year_sold"] - out["year_built"]).clip(lower=0)
    out[LABEL_COL] = pd.to_numeric(rows[LABEL_COL]).astype("float64").to_numpy()
    out[TIMESTAMP_COL] = timestamp if timestamp is not None else pd.Timestamp.now(tz="UTC")
    return out
