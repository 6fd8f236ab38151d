"""Moving a Unity Catalog model's aliases after the gate has decided.

The registry is reached through an object with the methods of `mlflow.MlflowClient` that are
used here, passed in by the notebook, so that the tests can hand in a fake and MLflow is never
imported by this module.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, Mapping, Optional, Protocol, Sequence, Tuple, Type

from mlops_lib.gating import CHAMPION, GateDecision, Threshold, decide


class RegistryClient(Protocol):
    """The part of `mlflow.MlflowClient` the alias moves use."""

    def get_model_version_by_alias(self, name: str, alias: str) -> Any: ...

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None: ...

    def delete_registered_model_alias(self, name: str, alias: str) -> None: ...


class GateFailed(ValueError):
    """A candidate version missed a threshold. Raised so that the job run fails and notifies."""


def current_version(
    client: RegistryClient,
    model_name: str,
    alias: str,
    missing: Tuple[Type[BaseException], ...] = (LookupError,),
) -> Optional[str]:
    """The version an alias points at, or None when the alias is not set.

    MLflow reports an unset alias with an `MlflowException`; the notebook passes that class in
    `missing`, since this module does not import MLflow.
    """
    try:
        return str(client.get_model_version_by_alias(model_name, alias).version)
    except missing:
        return None


def move(client: RegistryClient, model_name: str, version: str, aliases: Iterable[str]) -> List[str]:
    """Point each alias at the version, in order; returns the aliases moved."""
    moved = []
    for alias in aliases:
        client.set_registered_model_alias(model_name, alias, str(version))
        moved.append(alias)
    return moved


def clear(
    client: RegistryClient,
    model_name: str,
    aliases: Iterable[str],
    missing: Tuple[Type[BaseException], ...] = (LookupError,),
) -> List[str]:
    """Delete each alias that is set; returns the aliases deleted (an unset one is left alone:
    Unity Catalog refuses to delete an alias that does not exist)."""
    cleared = []
    for alias in aliases:
        if current_version(client, model_name, alias, missing) is not None:
            client.delete_registered_model_alias(model_name, alias)
            cleared.append(alias)
    return cleared


Report = Callable[[Mapping[str, float], Optional[str], Optional[Mapping[str, float]], GateDecision], None]
"""Called with the candidate's metrics, the champion's version and metrics (None without a
champion) and the decision, before any alias moves: the notebook logs the validation run there."""


def gate_and_move(
    client: RegistryClient,
    model_name: str,
    version: str,
    score: Callable[[str], Mapping[str, float]],
    thresholds: Sequence[Threshold],
    compare_metric: str = "f1",
    missing: Tuple[Type[BaseException], ...] = (LookupError,),
    min_improvement: float = 0.0,
    report: Optional[Report] = None,
) -> GateDecision:
    """Judge a version and move the aliases the decision names; raise `GateFailed` when it misses.

    `score(version)` returns a version's metrics on the validation rows (the notebook loads the
    model with MLflow). The champion is scored on the same rows, so the comparison is fair; a
    version that misses a threshold moves no alias, so an alias never points at a worse model.
    A promotion sets `champion` first and clears `challenger` after, so that there is never a
    moment without a champion.
    """
    version = str(version)
    candidate = score(version)
    gate = decide(candidate, thresholds, None, compare_metric, min_improvement)
    if not gate.passes:
        if report is not None:
            report(candidate, None, None, gate)
        # Before the champion is looked at: a failing candidate moves nothing.
        raise GateFailed(f"version {version} of {model_name} is below the thresholds: " + "; ".join(gate.reasons))
    champion_version = current_version(client, model_name, CHAMPION, missing)
    if champion_version == version:
        # A re-run on the champion: it stays the champion, and nothing else changes.
        decision = GateDecision(True, (CHAMPION,), gate.reasons + (f"version {version} already is the champion",))
        champion: Optional[Mapping[str, float]] = candidate
    else:
        champion = None if champion_version is None else score(champion_version)
        decision = decide(candidate, thresholds, champion, compare_metric, min_improvement)
    if report is not None:
        report(candidate, champion_version, champion, decision)
    move(client, model_name, version, decision.aliases)
    clear(client, model_name, decision.cleared, missing)
    return decision
