"""Deploy-model: copy the development champion into production, gate it, move production's aliases."""

from __future__ import annotations

from typing import Dict

import pytest
from fakes import AliasNotFound, FakeClient

from mlops_lib.aliases import GateFailed
from mlops_lib.gating import classification_thresholds
from mlops_lib.promotion import promote, source_uri

DEV = "dev.churn.churn_model"
PROD = "prod.churn.churn_model"
T = classification_thresholds(0.85, 0.80)


def run(client: FakeClient, scores: Dict[str, Dict[str, float]]):
    return promote(client, DEV, "champion", PROD, lambda v: scores[v], T, missing=(AliasNotFound,))


def test_source_uri_names_the_alias() -> None:
    assert source_uri(DEV, "champion") == "models:/dev.churn.churn_model@champion"


@pytest.mark.parametrize("name", ["churn_model", "churn.churn_model", "a..b", "a.b.c.d"])
def test_names_must_be_three_level(name: str) -> None:
    with pytest.raises(ValueError, match="three-level"):
        source_uri(name, "champion")
    with pytest.raises(ValueError, match="three-level"):
        promote(FakeClient(), DEV, "champion", name, lambda v: {}, T)


def test_the_first_promotion_copies_and_takes_both_aliases() -> None:
    client = FakeClient()
    result = run(client, {"1": {"accuracy": 0.9, "f1": 0.85}})
    assert client.calls[0] == ("copy", "models:/dev.churn.churn_model@champion", PROD)
    assert result.target_version == "1"
    assert client.aliases[PROD] == {"challenger": "1", "champion": "1"}


def test_a_copy_worse_than_production_champion_is_challenger_only() -> None:
    client = FakeClient({PROD: {"champion": "1"}}, versions={PROD: 1})
    result = run(client, {"1": {"accuracy": 0.95, "f1": 0.92}, "2": {"accuracy": 0.9, "f1": 0.85}})
    assert result.target_version == "2"
    assert client.aliases[PROD] == {"champion": "1", "challenger": "2"}


def test_a_copy_that_fails_on_production_data_raises_and_moves_nothing() -> None:
    client = FakeClient({PROD: {"champion": "1"}}, versions={PROD: 1})
    with pytest.raises(GateFailed, match="version 2 of prod.churn.churn_model"):
        run(client, {"1": {"accuracy": 0.95, "f1": 0.92}, "2": {"accuracy": 0.84, "f1": 0.95}})
    assert client.aliases[PROD] == {"champion": "1"}


def test_source_and_target_must_differ() -> None:
    with pytest.raises(ValueError, match="nothing to promote"):
        promote(FakeClient(), DEV, "champion", DEV, lambda v: {}, T)
