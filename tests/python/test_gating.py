"""The validation gate: strictly above each threshold, both thresholds checked, champion rules."""

from __future__ import annotations

import math

import pytest

from mlops_lib.gating import (
    CHALLENGER,
    CHAMPION,
    Threshold,
    classification_metrics,
    classification_thresholds,
    decide,
    failures,
    passes,
)

T = classification_thresholds(0.85, 0.80)


@pytest.mark.parametrize(
    "accuracy, f1, expected",
    [
        (0.90, 0.85, True),
        (0.86, 0.81, True),
        (0.85, 0.85, False),  # accuracy equal to the threshold is not above it
        (0.90, 0.80, False),  # F1 equal to the threshold is not above it
        (0.84, 0.90, False),  # accuracy below
        (0.95, 0.79, False),  # F1 below, accuracy fine: the F1 check must not be dropped
        (0.50, 0.50, False),
    ],
)
def test_thresholds_are_strict_and_both_checked(accuracy: float, f1: float, expected: bool) -> None:
    assert passes({"accuracy": accuracy, "f1": f1}, T) is expected
    assert decide({"accuracy": accuracy, "f1": f1}, T).passes is expected


def test_a_missing_or_nan_metric_fails() -> None:
    assert failures({"accuracy": 0.9}, T) == ("f1 is missing (needs > 0.8)",)
    assert not passes({"accuracy": 0.9, "f1": math.nan}, T)


def test_failures_name_each_missed_threshold() -> None:
    assert failures({"accuracy": 0.80, "f1": 0.70}, T) == (
        "accuracy 0.8000 is not above 0.85",
        "f1 0.7000 is not above 0.8",
    )


def test_a_failing_candidate_moves_no_alias() -> None:
    decision = decide({"accuracy": 0.80, "f1": 0.90}, T, champion=None)
    assert decision.aliases == ()
    assert not decision.passes


def test_without_a_champion_a_passing_candidate_becomes_champion_and_clears_challenger() -> None:
    decision = decide({"accuracy": 0.9, "f1": 0.85}, T, champion=None)
    assert (decision.aliases, decision.cleared, decision.promoted) == ((CHAMPION,), (CHALLENGER,), True)


@pytest.mark.parametrize(
    "champion_f1, min_improvement, aliases, cleared",
    [
        (0.84, 0.0, (CHAMPION,), (CHALLENGER,)),  # better: promoted, challenger cleared
        (0.85, 0.0, (CHALLENGER,), ()),  # a tie never promotes
        (0.86, 0.0, (CHALLENGER,), ()),  # worse than the champion: challenger only
        (0.84, 0.02, (CHALLENGER,), ()),  # better by 0.01, not by the 0.02 required
        (0.82, 0.02, (CHAMPION,), (CHALLENGER,)),  # better by 0.03
        (0.83, 0.02, (CHALLENGER,), ()),  # better by exactly the minimum: not more than it
    ],
)
def test_the_champion_moves_only_when_beaten_by_more_than_the_minimum_improvement(
    champion_f1: float, min_improvement: float, aliases: tuple, cleared: tuple
) -> None:
    candidate = {"accuracy": 0.9, "f1": 0.85}
    decision = decide(candidate, T, champion={"accuracy": 0.99, "f1": champion_f1}, min_improvement=min_improvement)
    assert (decision.aliases, decision.cleared) == (aliases, cleared)


def test_an_identical_model_is_never_promoted() -> None:
    same = {"accuracy": 0.9, "f1": 0.85}
    decision = decide(same, T, champion=dict(same))
    assert not decision.promoted
    assert decision.reasons[-1] == "f1 0.8500 is not above the champion's 0.8500 + 0.0: the champion stays"


@pytest.mark.parametrize("bad", [-0.01, math.nan])
def test_a_negative_minimum_improvement_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="min_improvement must be 0 or more"):
        decide({"accuracy": 0.9, "f1": 0.85}, T, champion=None, min_improvement=bad)


def test_the_comparison_metric_is_configurable() -> None:
    thresholds = (Threshold("r2", 0.5),)
    assert decide({"r2": 0.7}, thresholds, {"r2": 0.8}, compare_metric="r2").aliases == (CHALLENGER,)
    assert decide({"r2": 0.9}, thresholds, {"r2": 0.8}, compare_metric="r2").aliases == (CHAMPION,)


def test_classification_metrics() -> None:
    metrics = classification_metrics([1, 0, 1, 1], [1, 0, 0, 1])
    assert metrics["accuracy"] == pytest.approx(0.75)
    assert metrics["f1"] == pytest.approx(0.8)
