"""The house-price workload: feature building, the model and the R² gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_lib.gating import CHALLENGER, CHAMPION
from regression_lib.features import add_age, build_features
from regression_lib.gating import decide_r2, r2_thresholds
from regression_lib.model import fit, holdout_split, inputs_and_label, regression_metrics

TS = pd.Timestamp("2025-03-08T00:00:00Z")


def test_features_keep_the_raw_inputs_for_the_model() -> None:
    raw = pd.DataFrame(
        {
            "house_id": [1, 2, 3, 3, 4, 5],
            "area_sqft": [1000.0, None, 3000.0, 1500.0, 2000.0, 900.0],
            "year_built": [1990, 2000, 2010, 2010, 1980, 1970],
            "year_sold": [2020, 2021, 2022, 2024, 2023, 2020],
            "city": ["a", "b", "c", "c", "d", "e"],
            "price": [200000, 300000, 450000, 500000, 0, None],
        }
    )
    features = build_features(raw, timestamp=TS)
    # House 3 sold twice: the latest sale counts; 4 (price 0) and 5 (no price) are dropped.
    assert features["house_id"].tolist() == [1, 2, 3]
    # House 2's missing area stays missing: the model's imputer, fitted on the training rows, fills it.
    assert features["area_sqft"].tolist()[::2] == [1000.0, 1500.0] and np.isnan(features["area_sqft"].iloc[1])
    # The age at sale is the model's own step, not a column of the table.
    assert "age_years" not in features.columns
    assert add_age(features)["age_years"].tolist() == [30.0, 21.0, 14.0]
    assert features["price"].tolist() == [200000.0, 300000.0, 500000.0]
    assert "city" not in features.columns
    assert list(features.columns)[-1] == "feature_timestamp"


def test_features_require_the_id_and_the_price() -> None:
    with pytest.raises(ValueError, match="'house_id'"):
        build_features(pd.DataFrame({"price": [1.0]}))


@pytest.mark.parametrize(
    "r2, min_r2, passes",
    [(0.71, 0.7, True), (0.7, 0.7, False), (0.69, 0.7, False)],  # strictly above
)
def test_the_r2_gate_is_strict(r2: float, min_r2: float, passes: bool) -> None:
    assert decide_r2({"r2": r2, "rmse": 1.0}, min_r2).passes is passes


def test_the_r2_gate_ignores_accuracy_and_f1() -> None:
    # A regression's metrics have no accuracy or F1; only R² is checked.
    assert decide_r2({"r2": 0.8}, 0.5).aliases == (CHAMPION,)


def test_the_champion_is_compared_on_r2() -> None:
    assert decide_r2({"r2": 0.8}, 0.5, champion={"r2": 0.85}).aliases == (CHALLENGER,)
    assert decide_r2({"r2": 0.85}, 0.5, champion={"r2": 0.85}).aliases == (CHALLENGER,)  # a tie keeps the champion
    assert decide_r2({"r2": 0.86}, 0.5, champion={"r2": 0.85}, min_improvement=0.02).aliases == (CHALLENGER,)
    assert decide_r2({"r2": 0.88}, 0.5, champion={"r2": 0.85}, min_improvement=0.02).aliases == (CHAMPION,)


def test_an_impossible_min_r2_is_refused() -> None:
    with pytest.raises(ValueError, match="min_r2 must be below 1"):
        r2_thresholds(1.0)


def test_the_regressor_fits_a_clear_relation() -> None:
    rng = np.random.default_rng(1)
    n = 300
    area = rng.uniform(500, 4000, n)
    raw = pd.DataFrame(
        {
            "house_id": range(n),
            "area_sqft": area,
            "bedrooms": rng.integers(1, 6, n),
            "price": 100 * area + rng.normal(0, 5000, n) + 50000,
        }
    )
    features = build_features(raw, timestamp=TS)
    X, _ = inputs_and_label(features)
    assert list(X.columns) == ["area_sqft", "bedrooms"]
    X_train, X_test, y_train, y_test = holdout_split(features)
    metrics = regression_metrics(y_test, fit(X_train, y_train).predict(X_test))
    assert metrics["r2"] > 0.9
    assert metrics["rmse"] > 0 and metrics["mae"] > 0


def test_the_model_derives_and_imputes_from_raw_inputs_fitted_on_the_training_rows() -> None:
    rng = np.random.default_rng(2)
    n = 400
    built = rng.integers(1950, 2020, n).astype(float)
    raw = pd.DataFrame(
        {
            "house_id": [f"h{i}" for i in range(n)],
            "area_sqft": rng.uniform(500, 4000, n),
            "year_built": built,
            "year_sold": built + rng.integers(0, 30, n),
            "price": rng.uniform(1e5, 5e5, n),
        }
    )
    raw.loc[::5, "area_sqft"] = np.nan
    features = build_features(raw, timestamp=TS)
    X_train, X_val, y_train, _ = holdout_split(features)
    model = fit(X_train, y_train)
    assert [name for name, _ in model.steps] == ["age", "impute", "regressor"]
    # The imputer's medians are the training rows' (with the derived age), not the whole table's.
    assert model.named_steps["impute"].statistics_.tolist() == add_age(X_train).median().tolist()
    # The endpoint's inputs are the raw columns: no derived column, missing values allowed.
    assert list(X_val.columns) == ["area_sqft", "year_built", "year_sold"]
    assert np.isfinite(model.predict(X_val)).all()
