"""The validation gate: a model version must clear every threshold to be used.

A version that passes becomes `champion` when there is none, or when it beats the current
champion on the same validation rows by more than `min_improvement` (a tie never promotes: a
retrained model that is no better is not worth a deploy). A passing version that does not beat
the champion becomes `challenger`. On a promotion `challenger` is cleared: it named the version
that was waiting for this decision, and left in place it would name the champion (or an older
loser), so an alias split between the two would serve one version on both routes. Unity Catalog
models have no stages, so these aliases are what batch inference and the serving endpoint follow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence, Tuple

CHALLENGER = "challenger"
CHAMPION = "champion"


@dataclass(frozen=True)
class Threshold:
    """A metric that must be strictly greater than `minimum` ("accuracy > 0.85")."""

    metric: str
    minimum: float


@dataclass(frozen=True)
class GateDecision:
    """What the gate decided about a candidate version, and why."""

    passes: bool
    """Whether the candidate clears every threshold."""
    aliases: Tuple[str, ...]
    """The aliases to point at the candidate."""
    reasons: Tuple[str, ...] = field(default=())
    """One human-readable line per check, for the run's output and the failure message."""
    cleared: Tuple[str, ...] = field(default=())
    """The aliases to delete (after the others are set): `challenger` on a promotion."""

    @property
    def promoted(self) -> bool:
        """Whether the candidate becomes `champion`."""
        return CHAMPION in self.aliases


def classification_thresholds(min_accuracy: float, min_f1: float) -> Tuple[Threshold, ...]:
    """The thresholds of the classification workloads: accuracy and F1, both strict."""
    return (Threshold("accuracy", min_accuracy), Threshold("f1", min_f1))


def failures(metrics: Mapping[str, float], thresholds: Sequence[Threshold]) -> Tuple[str, ...]:
    """The thresholds the metrics miss, as messages; empty when every threshold is cleared.

    A missing or NaN metric fails its threshold: a gate that cannot measure must not pass.
    """
    out = []
    for t in thresholds:
        value = metrics.get(t.metric)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(f"{t.metric} is missing (needs > {t.minimum})")
        elif not float(value) > t.minimum:
            out.append(f"{t.metric} {float(value):.4f} is not above {t.minimum}")
    return tuple(out)


def passes(metrics: Mapping[str, float], thresholds: Sequence[Threshold]) -> bool:
    """Whether the metrics clear every threshold (strictly greater than each minimum)."""
    return not failures(metrics, thresholds)


def decide(
    candidate: Mapping[str, float],
    thresholds: Sequence[Threshold],
    champion: Optional[Mapping[str, float]] = None,
    compare_metric: str = "f1",
    min_improvement: float = 0.0,
) -> GateDecision:
    """Decide which aliases move to the candidate, and which are cleared.

    `champion` holds the current champion's metrics on the same validation rows, or None when the
    model has no champion yet. The candidate replaces the champion only when its `compare_metric`
    is strictly greater than the champion's plus `min_improvement` (higher is better for every
    metric the gates compare: accuracy, F1, R²); equal or less keeps the champion.
    """
    if not min_improvement >= 0:  # also refuses NaN
        raise ValueError(f"min_improvement must be 0 or more, got {min_improvement}")
    missed = failures(candidate, thresholds)
    if missed:
        return GateDecision(passes=False, aliases=(), reasons=missed)
    reasons = [f"{t.metric} {float(candidate[t.metric]):.4f} > {t.minimum}" for t in thresholds]

    def promoted(reason: str) -> GateDecision:
        return GateDecision(True, (CHAMPION,), tuple(reasons + [reason]), cleared=(CHALLENGER,))

    def kept(reason: str) -> GateDecision:
        return GateDecision(True, (CHALLENGER,), tuple(reasons + [reason]))

    if champion is None:
        return promoted("there is no champion yet")
    mine, theirs = candidate.get(compare_metric), champion.get(compare_metric)
    if mine is None or (isinstance(mine, float) and math.isnan(mine)):
        return kept(f"the candidate has no {compare_metric} to compare with the champion")
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        return promoted(f"the champion has no {compare_metric}: the candidate replaces it")
    needed = float(theirs) + min_improvement
    if float(mine) > needed:
        return promoted(f"{compare_metric} {float(mine):.4f} > the champion's {float(theirs):.4f} + {min_improvement}")
    return kept(
        f"{compare_metric} {float(mine):.4f} is not above the champion's {float(theirs):.4f} + {min_improvement}: "
        "the champion stays"
    )


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict:
    """Accuracy and binary F1, the metrics the classification thresholds name."""
    from sklearn.metrics import accuracy_score, f1_score  # the check-drift notebook needs no sklearn

    return {"accuracy": float(accuracy_score(y_true, y_pred)), "f1": float(f1_score(y_true, y_pred))}
