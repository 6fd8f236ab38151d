"""The regression gate: R² above `min_r2`, through the platform's gate (`mlops_lib.gating`).

The jobs pass `min_accuracy` and `min_f1` to every workload's evaluation; they mean nothing for a
regression and are ignored here. A version passes when its R² on the validation rows is strictly
above `min_r2`, and replaces a champion whose R² it beats by more than `min_improvement`.
"""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

from mlops_lib.gating import GateDecision, Threshold, decide

COMPARE_METRIC = "r2"


def r2_thresholds(min_r2: float) -> Tuple[Threshold, ...]:
    """The regression's thresholds: R² only, strict."""
    if not min_r2 < 1.0:  # also refuses NaN
        raise ValueError(f"min_r2 must be below 1 (R² is at most 1, and must be above min_r2), got {min_r2}")
    return (Threshold("r2", min_r2),)


def decide_r2(
    candidate: Mapping[str, float],
    min_r2: float,
    champion: Optional[Mapping[str, float]] = None,
    min_improvement: float = 0.0,
) -> GateDecision:
    """The gate's decision for a regression version, compared with the champion on R²."""
    return decide(candidate, r2_thresholds(min_r2), champion, COMPARE_METRIC, min_improvement)
