"""What the churn training and evaluation share: the inputs, the split and the classifier.

Evaluation must judge a version on the rows training held out; both call `holdout_split` with
the same seed so that they agree on which rows those are.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from churn_lib.features import LABEL_COL, NON_FEATURES

PARAMS: Dict[str, Any] = {"n_estimators": 100, "max_depth": 10, "random_state": 42}
TEST_SIZE = 0.2
SEED = 42


def inputs_and_label(features: pd.DataFrame) -> Tuple[pd.DataFrame, pd.Series]:
    """The model inputs (every column but the id, the label and the timestamp) and the label."""
    return features.drop(columns=[c for c in NON_FEATURES if c in features.columns]), features[LABEL_COL]


def holdout_split(features: pd.DataFrame) -> Tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """X_train, X_test, y_train, y_test: 20% held out, stratified by the label, seeded."""
    X, y = inputs_and_label(features)
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=SEED, stratify=y)


def fit(X_train: pd.DataFrame, y_train: pd.Series, params: Dict[str, Any] = PARAMS) -> RandomForestClassifier:
    """The churn classifier: a random forest, bounded in depth so that it does not memorise."""
    return RandomForestClassifier(**params).fit(X_train, y_train)
