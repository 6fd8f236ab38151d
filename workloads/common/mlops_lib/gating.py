"""The validation gate: a model version must clear every threshold to be used.

A version that passes becomes `challenger`; it also becomes `champion` when it scores at least
as well as the current champion, or when there is none. Unity Catalog models have no stages, so
these aliases are what batch inference and the serving endpoint follow.
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
    """The aliases to point at the candidate, in the order to set them (challenger first)."""
    reasons: Tuple[str, ...] = field(default=())
    """One human-readable line per check, for the run's output and the failure message."""


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
) -> GateDecision:
    """Decide which aliases move to the candidate.

    `champion` holds the current champion's metrics on the same data, or None when the model has
    no champion yet. The candidate replaces a champion it scores at least as well as on
    `compare_metric`: a tie goes to the newer version, trained on the newer data (this is what
    the churn evaluation has always done).
    """
    missed = failures(candidate, thresholds)
    if missed:
        return GateDecision(passes=False, aliases=(), reasons=missed)
    reasons = [f"{t.metric} {float(candidate[t.metric]):.4f} > {t.minimum}" for t in thresholds]
    if champion is None:
        reasons.append("there is no champion yet")
        return GateDecision(passes=True, aliases=(CHALLENGER, CHAMPION), reasons=tuple(reasons))
    mine, theirs = candidate.get(compare_metric), champion.get(compare_metric)
    if mine is None:
        reasons.append(f"the candidate has no {compare_metric} to compare with the champion")
        return GateDecision(passes=True, aliases=(CHALLENGER,), reasons=tuple(reasons))
    if theirs is None or float(mine) >= float(theirs):
        reasons.append(f"{compare_metric} {float(mine):.4f} >= the champion's {theirs}")
        return GateDecision(passes=True, aliases=(CHALLENGER, CHAMPION), reasons=tuple(reasons))
    reasons.append(f"{compare_metric} {float(mine):.4f} < the champion's {float(theirs):.4f}")
    return GateDecision(passes=True, aliases=(CHALLENGER,), reasons=tuple(reasons))


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict:
    """Accuracy and binary F1, the metrics the classification thresholds name."""
    from sklearn.metrics import accuracy_score, f1_score  # the check-drift notebook needs no sklearn

    return {"accuracy": float(accuracy_score(y_true, y_pred)), "f1": float(f1_score(y_true, y_pred))}
