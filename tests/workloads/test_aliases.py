"""Alias moves on a real MLflow registry: what moves, and what never does."""

from __future__ import annotations

from typing import Dict

import pytest
from conftest import register
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from mlops_lib.aliases import GateFailed, current_version, gate_and_move, move
from mlops_lib.gating import classification_thresholds

T = classification_thresholds(0.85, 0.80)
MISSING = (MlflowException,)


def scorer(scores: Dict[str, Dict[str, float]]):
    def score(version: str) -> Dict[str, float]:
        return scores[version]

    return score


def aliases(client: MlflowClient, name: str) -> Dict[str, str]:
    return {a: str(v) for a, v in client.get_registered_model(name).aliases.items()}


def test_current_version_is_none_when_the_alias_is_unset(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name, versions=3, aliases={"champion": "3"})
    assert current_version(registry, model_name, "champion", MISSING) == "3"
    assert current_version(registry, model_name, "challenger", MISSING) is None


def test_current_version_lets_other_errors_through(registry: MlflowClient, model_name: str) -> None:
    # A local registry has no permissions: the refusal a workspace gives is simulated here.
    class Forbidden(MlflowClient):
        def get_model_version_by_alias(self, name: str, alias: str):
            raise PermissionError("no EXECUTE on the model")

    with pytest.raises(PermissionError):
        current_version(Forbidden(tracking_uri=registry.tracking_uri, registry_uri=registry._registry_uri), model_name, "champion", MISSING)


def test_move_sets_each_alias(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name, versions=4)
    assert move(registry, model_name, "4", ["challenger", "champion"]) == ["challenger", "champion"]
    assert aliases(registry, model_name) == {"challenger": "4", "champion": "4"}


def test_first_version_becomes_champion(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name)
    decision = gate_and_move(registry, model_name, "1", scorer({"1": {"accuracy": 0.9, "f1": 0.85}}), T, missing=MISSING)
    assert decision.aliases == ("champion",)
    assert aliases(registry, model_name) == {"champion": "1"}


def test_a_better_version_replaces_the_champion_and_clears_the_challenger(registry: MlflowClient, model_name: str) -> None:
    """Left in place, `challenger` would name a version that lost (or the champion itself): an
    alias split between champion and challenger would serve the wrong pair."""
    register(registry, model_name, versions=3, aliases={"champion": "1", "challenger": "2"})
    scores = {"1": {"accuracy": 0.88, "f1": 0.82}, "3": {"accuracy": 0.90, "f1": 0.86}}
    gate_and_move(registry, model_name, "3", scorer(scores), T, missing=MISSING)
    assert aliases(registry, model_name) == {"champion": "3"}


def test_a_tie_keeps_the_champion(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name, versions=2, aliases={"champion": "1"})
    scores = {"1": {"accuracy": 0.9, "f1": 0.86}, "2": {"accuracy": 0.9, "f1": 0.86}}
    gate_and_move(registry, model_name, "2", scorer(scores), T, missing=MISSING)
    assert aliases(registry, model_name) == {"champion": "1", "challenger": "2"}


def test_the_minimum_improvement_is_required(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name, versions=3, aliases={"champion": "1"})
    scores = {"1": {"accuracy": 0.9, "f1": 0.86}, "2": {"accuracy": 0.9, "f1": 0.87}, "3": {"accuracy": 0.9, "f1": 0.90}}
    reported = []
    gate_and_move(registry, model_name, "2", scorer(scores), T, missing=MISSING, min_improvement=0.02, report=lambda *a: reported.append(a))
    assert aliases(registry, model_name) == {"champion": "1", "challenger": "2"}
    gate_and_move(registry, model_name, "3", scorer(scores), T, missing=MISSING, min_improvement=0.02, report=lambda *a: reported.append(a))
    assert aliases(registry, model_name) == {"champion": "3"}
    # Each decision is reported with both versions' metrics, before any alias moves.
    assert [(c["f1"], v, ch["f1"], d.promoted) for c, v, ch, d in reported] == [(0.87, "1", 0.86, False), (0.90, "1", 0.86, True)]


def test_a_passing_but_worse_version_is_challenger_only(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name, versions=2, aliases={"champion": "1"})
    scores = {"1": {"accuracy": 0.95, "f1": 0.93}, "2": {"accuracy": 0.90, "f1": 0.86}}
    gate_and_move(registry, model_name, "2", scorer(scores), T, missing=MISSING)
    assert aliases(registry, model_name) == {"champion": "1", "challenger": "2"}


def test_a_failing_version_raises_and_moves_nothing(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name, versions=2, aliases={"champion": "1", "challenger": "1"})
    scores = {"1": {"accuracy": 0.95, "f1": 0.93}, "2": {"accuracy": 0.99, "f1": 0.80}}
    with pytest.raises(GateFailed, match=rf"version 2 of {model_name} is below the thresholds: f1 0\.8000"):
        gate_and_move(registry, model_name, "2", scorer(scores), T, missing=MISSING)
    assert aliases(registry, model_name) == {"champion": "1", "challenger": "1"}


def test_a_rerun_on_the_champion_keeps_it_champion(registry: MlflowClient, model_name: str) -> None:
    register(registry, model_name, versions=2, aliases={"champion": "2", "challenger": "1"})
    calls = []

    def score(version: str) -> Dict[str, float]:
        calls.append(version)
        return {"accuracy": 0.9, "f1": 0.85}

    gate_and_move(registry, model_name, "2", score, T, missing=MISSING)
    assert calls == ["2"]  # the champion is the candidate: scored once
    assert aliases(registry, model_name) == {"champion": "2", "challenger": "1"}  # nothing moved
