"""Which rows train a model and which judge it: a fixed validation set, and the training window.

A random split drawn again on every training run puts some of the champion's training rows into
the new validation rows (the landing folder keeps every file that ever landed), and a champion
judged on rows it learnt from looks better than it is. Here a row's side is a function of its id
alone: a stable hash puts a fixed share of ids in the validation set, so an id that validated
once never trains any version, and the candidate and the champion are judged on rows neither of
them has seen.

The training window keeps the rows that landed within `window_days` of the newest file, so that a
retraining after drift learns from the new data, and old data ages out.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Iterable, Optional, Tuple

import numpy as np
import pandas as pd

VALIDATION_FRACTION = 0.2
"""The share of ids in the validation set."""

LANDED_COL = "landed_at"
"""The features tables' column holding when a row's file landed in the volume."""


def validation_mask(ids: Iterable[object], fraction: float = VALIDATION_FRACTION) -> np.ndarray:
    """True for the ids in the validation set: the first 8 bytes of the SHA-256 of the id's text,
    as a fraction of 2^64, below `fraction`. The same id is on the same side on every run, on every
    machine (Python's own `hash` of a string changes with each process)."""
    if not 0 < fraction < 1:
        raise ValueError(f"the validation fraction must be between 0 and 1, got {fraction}")
    cut = int(fraction * 2**64)
    return np.array(
        [int.from_bytes(hashlib.sha256(str(i).encode("utf-8")).digest()[:8], "big") < cut for i in ids], dtype=bool
    )


def split_rows(features: pd.DataFrame, id_col: str, fraction: float = VALIDATION_FRACTION) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """The training rows and the validation rows of a features table, by id."""
    mask = validation_mask(features[id_col], fraction)
    return features[~mask], features[mask]


def training_window(features: pd.DataFrame, window_days: Optional[float], landed_col: str = LANDED_COL) -> pd.DataFrame:
    """The rows that landed within `window_days` of the newest row (all rows when `window_days` is
    None or 0, or when the table has no landing times)."""
    if not window_days or landed_col not in features.columns or features.empty:
        return features
    if window_days < 0:
        raise ValueError(f"window_days must be 0 (no window) or more, got {window_days}")
    landed = pd.to_datetime(features[landed_col], utc=True)
    return features[landed >= landed.max() - timedelta(days=float(window_days))]


def data_digest(frame: pd.DataFrame) -> str:
    """A digest of a table's rows and columns, whatever their order: two training runs on the same
    rows have the same digest, so a retraining that has no new data is recognised."""
    ordered = frame[sorted(frame.columns)]
    ordered = ordered.sort_values(list(ordered.columns), kind="mergesort").reset_index(drop=True)
    hashed = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    digest.update(",".join(ordered.columns).encode("utf-8"))
    return digest.hexdigest()[:32]
