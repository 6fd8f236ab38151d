"""Alias moves through a fake registry client: what moves, in which order, and what never does."""

from __future__ import annotations

from typing import Dict

import pytest
from fakes import AliasNotFound, FakeClient

from mlops_lib.aliases import GateFailed, current_version, gate_and_move, move
from mlops_lib.gating import classification_thresholds

MODEL = "dev.churn.churn_model"
T = classification_thresholds(0.85, 0.80)


def scorer(scores: Dict[str, Dict[str, float]]):
    def score(version: str) -> Dict[str, float]:
        return scores[version]

    return score


def test_current_version_is_none_when_the_alias_is_unset() -> None:
    client = FakeClient({MODEL: {"champion": "3"}})
    assert current_version(client, MODEL, "champion") == "3"
    assert current_version(client, MODEL, "challenger") is None


def test_current_version_lets_other_errors_through() -> None:
    class Broken(FakeClient):
        def get_model_version_by_alias(self, name: str, alias: str):
            raise PermissionError("no EXECUTE on the model")

    with pytest.raises(PermissionError):
        current_version(Broken(), MODEL, "champion")


def test_move_sets_each_alias_in_order() -> None:
    client = FakeClient()
    assert move(client, MODEL, "4", ["challenger", "champion"]) == ["challenger", "champion"]
    assert [c for c in client.calls if c[0] == "set_alias"] == [
        ("set_alias", MODEL, "challenger", "4"),
        ("set_alias", MODEL, "champion", "4"),
    ]


def test_first_version_becomes_challenger_and_champion() -> None:
    client = FakeClient()
    decision = gate_and_move(client, MODEL, "1", scorer({"1": {"accuracy": 0.9, "f1": 0.85}}), T, missing=(AliasNotFound,))
    assert decision.aliases == ("challenger", "champion")
    assert client.aliases[MODEL] == {"challenger": "1", "champion": "1"}


def test_a_better_version_replaces_the_champion() -> None:
    client = FakeClient({MODEL: {"champion": "1", "challenger": "1"}})
    scores = {"1": {"accuracy": 0.88, "f1": 0.82}, "2": {"accuracy": 0.90, "f1": 0.86}}
    gate_and_move(client, MODEL, "2", scorer(scores), T, missing=(AliasNotFound,))
    assert client.aliases[MODEL] == {"challenger": "2", "champion": "2"}


def test_a_passing_but_worse_version_is_challenger_only() -> None:
    client = FakeClient({MODEL: {"champion": "1"}})
    scores = {"1": {"accuracy": 0.95, "f1": 0.93}, "2": {"accuracy": 0.90, "f1": 0.86}}
    gate_and_move(client, MODEL, "2", scorer(scores), T, missing=(AliasNotFound,))
    assert client.aliases[MODEL] == {"champion": "1", "challenger": "2"}


def test_a_failing_version_raises_and_moves_nothing() -> None:
    client = FakeClient({MODEL: {"champion": "1", "challenger": "1"}})
    scores = {"1": {"accuracy": 0.95, "f1": 0.93}, "2": {"accuracy": 0.99, "f1": 0.80}}
    with pytest.raises(GateFailed, match=r"version 2 of dev\.churn\.churn_model is below the thresholds: f1 0\.8000"):
        gate_and_move(client, MODEL, "2", scorer(scores), T, missing=(AliasNotFound,))
    assert client.aliases[MODEL] == {"champion": "1", "challenger": "1"}
    assert not [c for c in client.calls if c[0] == "set_alias"]


def test_a_rerun_on_the_champion_keeps_it_champion() -> None:
    client = FakeClient({MODEL: {"champion": "2"}})
    calls = []

    def score(version: str) -> Dict[str, float]:
        calls.append(version)
        return {"accuracy": 0.9, "f1": 0.85}

    gate_and_move(client, MODEL, "2", score, T, missing=(AliasNotFound,))
    assert calls == ["2"]  # the champion is the candidate: scored once
    assert client.aliases[MODEL] == {"champion": "2", "challenger": "2"}
