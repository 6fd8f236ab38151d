"""The churn workload's feature building and the split training and evaluation share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from churn_lib.features import build_features, numeric_columns
from churn_lib.model import fit, holdout_split, inputs_and_label
from mlops_lib.gating import classification_metrics

TS = pd.Timestamp("2025-03-08T00:00:00Z")


def raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c2", "c3", "c4"],
            "tenure": [12, 3, 99, None, 40],
            "monthly_charges": [70.5, None, 1.0, 20.0, 55.0],
            "contract": ["monthly", "yearly", "yearly", "monthly", "monthly"],
            "label": [0, 1, 0, 1, None],
        }
    )


def test_numeric_columns_leave_out_id_label_text_and_booleans() -> None:
    frame = raw().assign(is_senior=[True, False, False, True, False])
    assert numeric_columns(frame) == ["tenure", "monthly_charges"]


def test_features_one_row_per_customer_filled_and_typed() -> None:
    features = build_features(raw(), timestamp=TS)
    assert list(features.columns) == ["customer_id", "tenure", "monthly_charges", "label", "feature_timestamp"]
    # c2 counts once (its first row); c4 has no label and is dropped.
    assert features["customer_id"].tolist() == ["c1", "c2", "c3"]
    assert features["tenure"].tolist() == [12.0, 3.0, 0.0]
    assert features["monthly_charges"].tolist() == [70.5, 0.0, 20.0]
    assert features["label"].tolist() == [0, 1, 1]
    assert str(features["tenure"].dtype) == "float64" and str(features["label"].dtype) == "int64"
    assert (features["feature_timestamp"] == TS).all()


def test_features_require_the_id_and_the_label() -> None:
    with pytest.raises(ValueError, match="'label'"):
        build_features(raw().drop(columns=["label"]))


def synthetic(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, n)
    charges = rng.uniform(20, 120, n)
    label = ((charges > 80) & (tenure < 24)).astype(int)
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "tenure": tenure, "monthly_charges": charges, "label": label})


def test_the_split_is_the_same_for_training_and_evaluation() -> None:
    features = build_features(synthetic(), timestamp=TS)
    first, second = holdout_split(features), holdout_split(features)
    assert first[1].index.tolist() == second[1].index.tolist()
    assert len(first[1]) == 80
    X, _ = inputs_and_label(features)
    assert list(X.columns) == ["tenure", "monthly_charges"]


def test_the_classifier_learns_a_clear_rule() -> None:
    X_train, X_test, y_train, y_test = holdout_split(build_features(synthetic(), timestamp=TS))
    metrics = classification_metrics(y_test, fit(X_train, y_train).predict(X_test))
    assert metrics["accuracy"] > 0.9
