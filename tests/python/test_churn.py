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


def test_features_one_row_per_customer_raw_and_typed() -> None:
    features = build_features(raw(), timestamp=TS)
    assert list(features.columns) == ["customer_id", "tenure", "monthly_charges", "label", "feature_timestamp"]
    # c2 counts once (its first row); c4 has no label and is dropped.
    assert features["customer_id"].tolist() == ["c1", "c2", "c3"]
    # Missing values stay missing: the model's imputer fills them (fitted on the training rows).
    assert features["tenure"].tolist()[:2] == [12.0, 3.0] and np.isnan(features["tenure"].iloc[2])
    assert np.isnan(features["monthly_charges"].iloc[1])
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
    assert 60 <= len(first[1]) <= 100  # about a fifth of 400
    X, _ = inputs_and_label(features)
    assert list(X.columns) == ["tenure", "monthly_charges"]


def test_a_customer_the_champion_trained_on_never_validates_a_later_version() -> None:
    """Files accumulate in the landing folder: the next training sees the old rows and new ones.
    A customer is on the same side of the split whatever else the table holds."""
    old = build_features(synthetic(400, seed=0), timestamp=TS)
    new = synthetic(400, seed=1).assign(customer_id=[f"n{i}" for i in range(400)])
    both = build_features(pd.concat([synthetic(400, seed=0), new], ignore_index=True), timestamp=TS)
    champion_training_ids = set(old.loc[holdout_split(old)[0].index, "customer_id"])
    validation_ids = set(both.loc[holdout_split(both)[1].index, "customer_id"])
    assert validation_ids and not (validation_ids & champion_training_ids)


def test_the_latest_landed_row_of_a_customer_counts() -> None:
    rows = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2"],
            "tenure": [5, 50, 7],
            "label": [1, 0, 1],
            "landed_at": pd.to_datetime(["2025-03-01", "2025-03-05", "2025-03-02"], utc=True),
        }
    )
    features = build_features(rows, timestamp=TS)
    assert features[["customer_id", "tenure", "label"]].values.tolist() == [["c1", 50.0, 0], ["c2", 7.0, 1]]
    X, _ = inputs_and_label(features)
    assert list(X.columns) == ["tenure"]  # the landing time is not an input


def test_the_imputation_is_fitted_on_the_training_rows_and_inside_the_model() -> None:
    features = build_features(synthetic(), timestamp=TS)
    features.loc[features.index[::7], "tenure"] = np.nan
    X_train, X_val, y_train, _ = holdout_split(features)
    model = fit(X_train, y_train)
    assert [name for name, _ in model.steps] == ["impute", "classifier"]
    # The medians are the training rows' own, not the whole table's.
    assert model.named_steps["impute"].statistics_.tolist() == X_train.median().tolist()
    assert X_train.median().tolist() != features[["tenure", "monthly_charges"]].median().tolist()
    # Raw inputs, missing values included, score as they are: no step outside the model.
    assert set(model.predict(X_val)) <= {0, 1}


def test_the_classifier_learns_a_clear_rule() -> None:
    X_train, X_test, y_train, y_test = holdout_split(build_features(synthetic(), timestamp=TS))
    metrics = classification_metrics(y_test, fit(X_train, y_train).predict(X_test))
    assert metrics["accuracy"] > 0.9
