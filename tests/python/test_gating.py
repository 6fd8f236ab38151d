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


def test_without_a_champion_a_passing_candidate_takes_both_aliases() -> None:
    assert decide({"accuracy": 0.9, "f1": 0.85}, T, champion=None).aliases == (CHALLENGER, CHAMPION)


@pytest.mark.parametrize(
    "champion_f1, aliases",
    [
        (0.84, (CHALLENGER, CHAMPION)),  # better
        (0.85, (CHALLENGER, CHAMPION)),  # a tie goes to the newer version
        (0.86, (CHALLENGER,)),  # worse than the champion: challenger only
    ],
)
def test_the_champion_moves_only_when_beaten_or_matched(champion_f1: float, aliases: tuple) -> None:
    candidate = {"accuracy": 0.9, "f1": 0.85}
    assert decide(candidate, T, champion={"accuracy": 0.99, "f1": champion_f1}).aliases == aliases


def test_the_comparison_metric_is_configurable() -> None:
    thresholds = (Threshold("r2", 0.5),)
    assert decide({"r2": 0.7}, thresholds, {"r2": 0.8}, compare_metric="r2").aliases == (CHALLENGER,)
    assert decide({"r2": 0.9}, thresholds, {"r2": 0.8}, compare_metric="r2").aliases == (CHALLENGER, CHAMPION)


def test_classification_metrics() -> None:
    metrics = classification_metrics([1, 0, 1, 1], [1, 0, 0, 1])
    assert metrics["accuracy"] == pytest.approx(0.75)
    assert metrics["f1"] == pytest.approx(0.8)
