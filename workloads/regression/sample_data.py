"""Sample data of the house-price workload, for `npm run local-run` and the workload tests.

Not uploaded (not an entry point, not inside a package). The local runtime calls
`training_data(rows, seed)` (the CSV rows that land in the training-data volume),
`serving_requests(rows, seed, shifted)` (the model inputs clients send the endpoint; `shifted`
moves them far from the training data) and `validation_data(rows, seed)` (a features table, as
production holds one, for deploy-model).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regression_lib.features import NON_FEATURES, build_features


def _sales(rows: int, seed: int, shifted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    area = rng.uniform(1500 if shifted else 500, 5000 if shifted else 3500, rows).round()
    bedrooms = rng.integers(1, 6, rows)
    bathrooms = rng.integers(1, 4, rows)
    lot = rng.uniform(1000, 20000, rows).round()
    built = rng.integers(1950, 2020, rows)
    sold = np.maximum(built, rng.integers(2015, 2025, rows))
    price = 40_000 + 180 * area + 12_000 * bedrooms + 9_000 * bathrooms + 2 * lot - 900 * (sold - built)
    price = price + rng.normal(0, 15_000, rows)
    return pd.DataFrame(
        {
            "house_id": [f"h{seed}-{i}" for i in range(rows)],
            "area_sqft": area,
            "bedrooms": bedrooms,
            "bathrooms": bathrooms,
            "lot_size": lot,
            "year_built": built,
            "year_sold": sold,
            "price": price.round(-2),
        }
    )


def training_data(rows: int = 1000, seed: int = 0) -> pd.DataFrame:
    """House sales with their `price`, which a forest predicts well above the R² gate."""
    return _sales(rows, seed)


def serving_requests(rows: int = 400, seed: int = 1, shifted: bool = False) -> pd.DataFrame:
    """The model inputs clients send; `shifted`: larger houses than any sold before."""
    features = build_features(_sales(rows, seed, shifted))
    return features.drop(columns=[c for c in NON_FEATURES if c in features.columns])


def validation_data(rows: int = 500, seed: int = 2) -> pd.DataFrame:
    """A features table of production sales, with their prices."""
    return build_features(_sales(rows, seed))
