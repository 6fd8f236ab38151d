"""Deploy-model on a real MLflow registry: copy the development champion into production, gate
it, move production's aliases."""

from __future__ import annotations

import uuid
from typing import Dict

import pytest
from conftest import register
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from mlops_lib.aliases import GateFailed
from mlops_lib.gating import classification_thresholds
from mlops_lib.promotion import promote, source_uri

T = classification_thresholds(0.85, 0.80)


def aliases(client, name: str) -> Dict[str, str]:
    return {a: str(v) for a, v in client.get_registered_model(name).aliases.items()}


@pytest.fixture
def names(registry: MlflowClient):
    """A development model with a champion (version 2 of 2), and a production model's name."""
    suffix = uuid.uuid4().hex[:8]
    dev, prod = f"dev.churn.model_{suffix}", f"prod.churn.model_{suffix}"
    register(registry, dev, versions=2, aliases={"champion": "2"})
    return dev, prod


def run(client: MlflowClient, dev: str, prod: str, scores: Dict[str, Dict[str, float]]):
    return promote(client, dev, "champion", prod, lambda v: scores[v], T, missing=(MlflowException,))


def test_source_uri_names_the_alias() -> None:
    assert source_uri("dev.churn.churn_model", "champion") == "models:/dev.churn.churn_model@champion"


@pytest.mark.parametrize("name", ["churn_model", "churn.churn_model", "a..b", "a.b.c.d"])
def test_names_must_be_three_level(name: str, registry: MlflowClient) -> None:
    with pytest.raises(ValueError, match="three-level"):
        source_uri(name, "champion")
    with pytest.raises(ValueError, match="three-level"):
        promote(registry, "dev.churn.churn_model", "champion", name, lambda v: {}, T)


def test_the_first_promotion_copies_the_champion_and_takes_both_aliases(registry: MlflowClient, names) -> None:
    dev, prod = names
    result = run(registry, dev, prod, {"1": {"accuracy": 0.9, "f1": 0.85}})
    assert result.source_uri == f"models:/{dev}@champion"
    assert result.target_version == "1"
    # The copy is of the version the alias named.
    assert registry.get_model_version(prod, "1").source == f"models:/{dev}/2"
    assert aliases(registry, prod) == {"champion": "1"}


def test_a_copy_worse_than_production_champion_is_challenger_only(registry: MlflowClient, names) -> None:
    dev, prod = names
    run(registry, dev, prod, {"1": {"accuracy": 0.95, "f1": 0.92}})
    result = run(registry, dev, prod, {"1": {"accuracy": 0.95, "f1": 0.92}, "2": {"accuracy": 0.9, "f1": 0.85}})
    assert result.target_version == "2"
    assert aliases(registry, prod) == {"champion": "1", "challenger": "2"}


def test_a_copy_that_fails_on_production_data_raises_and_moves_nothing(registry: MlflowClient, names) -> None:
    dev, prod = names
    run(registry, dev, prod, {"1": {"accuracy": 0.95, "f1": 0.92}})
    with pytest.raises(GateFailed, match=f"version 2 of {prod}"):
        run(registry, dev, prod, {"1": {"accuracy": 0.95, "f1": 0.92}, "2": {"accuracy": 0.84, "f1": 0.95}})
    assert aliases(registry, prod) == {"champion": "1"}


def test_source_and_target_must_differ(registry: MlflowClient) -> None:
    with pytest.raises(ValueError, match="nothing to promote"):
        promote(registry, "dev.churn.churn_model", "champion", "dev.churn.churn_model", lambda v: {}, T)
