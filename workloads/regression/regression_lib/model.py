"""What the regression training and evaluation share: the inputs, the split and the regressor.

The logged model is a scikit-learn Pipeline: the age at sale derived from the raw years, the
imputation of missing inputs (medians fitted on the training rows only), then the regressor, so
that the endpoint and batch inference score the raw inputs a client has. The pipeline's first
step is `regression_lib.features.add_age`: training logs the model with this package as its code
(MLflow `code_paths`), so that serving can import it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from mlops_lib.validation import split_rows, training_window
from regression_lib.features import ID_COL, LABEL_COL, NON_FEATURES, add_age

PARAMS: Dict[str, Any] = {"n_estimators": 200, "max_depth": 12, "min_samples_leaf": 2, "random_state": 42}

CODE_PATH = str(Path(__file__).resolve().parent)
"""This package's folder: the code the logged model needs (`code_paths`)."""


def inputs_and_label(features: pd.DataFrame) -> Tuple[pd.DataFrame, pd.Series]:
    """The model inputs (every column but the id, the price and the timestamps) and the price."""
    return features.drop(columns=[c for c in NON_FEATURES if c in features.columns]), features[LABEL_COL]


def holdout_split(
    features: pd.DataFrame, window_days: Optional[float] = None
) -> Tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """X_train, X_validation, y_train, y_validation: the rows of the training window, split by
    house id (the same house is always on the same side)."""
    train, validation = split_rows(training_window(features, window_days), ID_COL)
    X_train, y_train = inputs_and_label(train)
    X_val, y_val = inputs_and_label(validation)
    return X_train, X_val, y_train, y_val


def pipeline(params: Dict[str, Any] = PARAMS) -> Pipeline:
    """The age at sale, the imputation, then a random forest bounded in depth and leaf size."""
    return Pipeline(
        [
            ("age", FunctionTransformer(add_age)),
            ("impute", SimpleImputer(strategy="median")),
            ("regressor", RandomForestRegressor(**params)),
        ]
    )


def fit(X_train: pd.DataFrame, y_train: pd.Series, params: Dict[str, Any] = PARAMS) -> Pipeline:
    """The price model, fitted on the training rows only (its imputer's medians included)."""
    return pipeline(params).fit(X_train, y_train)


def regression_metrics(y_true: Sequence[float], y_pred: Sequence[float]) -> Dict[str, float]:
    """R², RMSE and MAE. R² is the one gated on; the errors are logged for people, in price units."""
    return {
        "r2": float(r2_score(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "mae": float(mean_absolute_error(y_true, y_pred)),
    }
