"""What the churn training and evaluation share: the inputs, the split and the classifier.

The logged model is a scikit-learn Pipeline: the imputation of missing inputs (medians fitted on
the training rows only) and the classifier, so that the serving endpoint and batch inference
score raw inputs exactly as training saw them. Evaluation judges a version on the validation rows
(`mlops_lib.validation`: a fixed share of customer ids that never train any version).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from churn_lib.features import ID_COL, LABEL_COL, NON_FEATURES
from mlops_lib.validation import split_rows, training_window

PARAMS: Dict[str, Any] = {"n_estimators": 100, "max_depth": 10, "random_state": 42}


def inputs_and_label(features: pd.DataFrame) -> Tuple[pd.DataFrame, pd.Series]:
    """The model inputs (every column but the id, the label and the timestamps) and the label."""
    return features.drop(columns=[c for c in NON_FEATURES if c in features.columns]), features[LABEL_COL]


def holdout_split(
    features: pd.DataFrame, window_days: Optional[float] = None
) -> Tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """X_train, X_validation, y_train, y_validation: the rows of the training window, split by
    customer id (the same customer is always on the same side)."""
    train, validation = split_rows(training_window(features, window_days), ID_COL)
    X_train, y_train = inputs_and_label(train)
    X_val, y_val = inputs_and_label(validation)
    return X_train, X_val, y_train, y_val


def pipeline(params: Dict[str, Any] = PARAMS) -> Pipeline:
    """Imputation, then the classifier: a random forest bounded in depth so that it does not memorise."""
    return Pipeline([("impute", SimpleImputer(strategy="median")), ("classifier", RandomForestClassifier(**params))])


def fit(X_train: pd.DataFrame, y_train: pd.Series, params: Dict[str, Any] = PARAMS) -> Pipeline:
    """The churn model, fitted on the training rows only (its imputer's medians included)."""
    return pipeline(params).fit(X_train, y_train)
