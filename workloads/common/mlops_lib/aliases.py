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


def gate_and_move(
    client: RegistryClient,
    model_name: str,
    version: str,
    score: Callable[[str], Mapping[str, float]],
    thresholds: Sequence[Threshold],
    compare_metric: str = "f1",
    missing: Tuple[Type[BaseException], ...] = (LookupError,),
) -> GateDecision:
    """Judge a version and move the aliases the decision names; raise `GateFailed` when it misses.

    `score(version)` returns a version's metrics on the evaluation data (the notebook loads the
    model with MLflow). The champion is scored on the same data, so the comparison is fair; a
    version that misses a threshold moves no alias, so an alias never points at a worse model.
    """
    version = str(version)
    candidate = score(version)
    gate = decide(candidate, thresholds, None, compare_metric)
    if not gate.passes:
        # Before the champion is looked at: a failing candidate moves nothing.
        raise GateFailed(f"version {version} of {model_name} is below the thresholds: " + "; ".join(gate.reasons))
    champion_version = current_version(client, model_name, CHAMPION, missing)
    if champion_version is None:
        champion = None
    elif champion_version == version:  # a re-run: the candidate already is the champion
        champion = candidate
    else:
        champion = score(champion_version)
    decision = decide(candidate, thresholds, champion, compare_metric)
    move(client, model_name, version, decision.aliases)
    return decision
