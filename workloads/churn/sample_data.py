"""Sample data of the churn workload, for `npm run local-run` and the workload tests.

Not uploaded (not an entry point, not inside a package): a workspace gets its data from the
volume and the endpoint's clients. Each workload folder has its own, so that a copy of the folder
is a complete workload. The local runtime calls three functions:

- `training_data(rows, seed)`: the CSV rows that land in the training-data volume;
- `serving_requests(rows, seed, shifted)`: the records clients send the serving endpoint (the
  model's inputs); `shifted` moves the inputs so far that the predictions drift;
- `validation_data(rows, seed)`: a features table, as production holds one, for deploy-model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from churn_lib.features import NON_FEATURES, build_features


def _customers(rows: int, seed: int, shifted: bool = False, noise: float = 0.03) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 24 if shifted else 72, rows)
    charges = rng.uniform(70 if shifted else 20, 120, rows).round(2)
    calls = rng.poisson(3.5 if shifted else 1.0, rows)
    churned = ((charges > 80) & (tenure < 24)) | (calls >= 4)
    flip = rng.random(rows) < noise  # a little noise: a real gate, not a lookup
    return pd.DataFrame(
        {
            "customer_id": [f"c{seed}-{i}" for i in range(rows)],
            "tenure": tenure,
            "monthly_charges": charges,
            "support_calls": calls,
            "contract": rng.choice(["monthly", "yearly", "two-year"], rows),
            "label": (churned ^ flip).astype(int),
        }
    )


def training_data(rows: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Customers with a `label` (1 = churned) that a forest learns well above the gate."""
    return _customers(rows, seed)


def serving_requests(rows: int = 400, seed: int = 1, shifted: bool = False) -> pd.DataFrame:
    """The model inputs clients send; `shifted`: short tenures, high charges, many calls."""
    features = build_features(_customers(rows, seed, shifted))
    return features.drop(columns=[c for c in NON_FEATURES if c in features.columns])


def validation_data(rows: int = 500, seed: int = 2) -> pd.DataFrame:
    """A features table of production customers, with their labels."""
    return build_features(_customers(rows, seed))
