"""House-price features from the sales rows that land in the training-data volume."""

from __future__ import annotations

from typing import List, Optional

import numpy as np
import pandas as pd

ID_COL = "house_id"
LABEL_COL = "price"
TIMESTAMP_COL = "feature_timestamp"
LANDED_COL = "landed_at"
NON_FEATURES = (ID_COL, LABEL_COL, TIMESTAMP_COL, LANDED_COL)
"""The features table's columns that are not model inputs."""


def numeric_columns(raw: pd.DataFrame) -> List[str]:
    """The numeric input columns: everything numeric (not boolean) but the id, the price and the
    landing time."""
    return [
        c
        for c in raw.columns
        if c not in NON_FEATURES
        and pd.api.types.is_numeric_dtype(raw[c])
        and not pd.api.types.is_bool_dtype(raw[c])
    ]


def build_features(raw: pd.DataFrame, timestamp: Optional[pd.Timestamp] = None) -> pd.DataFrame:
    """The features table: one row per house, its raw numeric inputs as doubles, the price as a
    double, when its file landed (when known) and the time the table was built.

    Missing inputs stay missing and no column is derived here: the imputation (medians) and the
    age at sale are the model's own preprocessing (`regression_lib.model`), fitted on the training
    rows only and served with the model, so that the endpoint takes the same raw inputs. A house
    sold twice counts once, its latest row. Rows without a positive price are dropped: they are
    entry errors, not sales.
    """
    missing = [c for c in (ID_COL, LABEL_COL) if c not in raw.columns]
    if missing:
        raise ValueError(f"the training data needs {', '.join(repr(c) for c in missing)} column(s); found {list(raw.columns)}")
    features = numeric_columns(raw)
    rows = raw
    if LANDED_COL in rows.columns:
        rows = rows.sort_values(LANDED_COL, kind="mergesort")
    rows = rows.drop_duplicates(subset=[ID_COL], keep="last")  # a resale: the latest row counts
    if LANDED_COL in rows.columns:
        rows = rows.sort_index()
    price = pd.to_numeric(rows[LABEL_COL], errors="coerce")
    rows = rows[price.notna() & (price > 0)]

    out = pd.DataFrame({ID_COL: rows[ID_COL].to_numpy()})
    for c in features:
        out[c] = pd.to_numeric(rows[c], errors="coerce").astype("float64").to_numpy()
    out[LABEL_COL] = pd.to_numeric(rows[LABEL_COL]).astype("float64").to_numpy()
    if LANDED_COL in rows.columns:
        out[LANDED_COL] = pd.to_datetime(rows[LANDED_COL], utc=True).to_numpy()
    out[TIMESTAMP_COL] = timestamp if timestamp is not None else pd.Timestamp.now(tz="UTC")
    return out


def add_age(inputs: pd.DataFrame) -> pd.DataFrame:
    """The inputs with the age at sale (`age_years`, never negative) added when they have
    `year_built` and `year_sold`: a tree learns an age more easily than two years. A missing year
    gives a missing age, which the model's imputer fills. The first step of the model's pipeline,
    so the endpoint derives it from the raw years too."""
    out = pd.DataFrame(inputs).copy()
    if "year_built" in out.columns and "year_sold" in out.columns:
        age = pd.to_numeric(out["year_sold"], errors="coerce") - pd.to_numeric(out["year_built"], errors="coerce")
        out["age_years"] = np.where(age.isna(), np.nan, age.clip(lower=0))
    return out
