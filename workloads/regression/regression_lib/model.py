"""What the regression training and evaluation share: the inputs, the split and the regressor."""

from __future__ import annotations

from typing import Any, Dict, Sequence, Tuple

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

from regression_lib.features import LABEL_COL, NON_FEATURES

PARAMS: Dict[str, Any] = {"n_estimators": 200, "max_depth": 12, "min_samples_leaf": 2, "random_state": 42}
TEST_SIZE = 0.2
SEED = 42


def inputs_and_label(features: pd.DataFrame) -> Tuple[pd.DataFrame, pd.Series]:
    """The model inputs (every column but the id, the price and the timestamp) and the price."""
    return features.drop(columns=[c for c in NON_FEATURES if c in features.columns]), features[LABEL_COL]


def holdout_split(features: pd.DataFrame) -> Tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """X_train, X_test, y_train, y_test: 20% held out, seeded, so that training and evaluation
    agree on the held-out rows (a price cannot be stratified on)."""
    X, y = inputs_and_label(features)
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=SEED)


def fit(X_train: pd.DataFrame, y_train: pd.Series, params: Dict[str, Any] = PARAMS) -> RandomForestRegressor:
    """The price model: a random forest, bounded in depth and leaf size so that it does not memorise."""
    return RandomForestRegressor(**params).fit(X_train, y_train)


def regression_metrics(y_true: Sequence[float], y_pred: Sequence[float]) -> Dict[str, float]:
    """R², RMSE and MAE. R² is the one gated on; the errors are logged for people, in price units."""
    return {
        "r2": float(r2_score(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "mae": float(mean_absolute_error(y_true, y_pred)),
    }
