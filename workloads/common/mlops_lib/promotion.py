"""Deploy-model: promote a model validated in development into the production model.

The production job copies the development model's `champion` version into the production
model (a new version there, with its own lineage), scores it on production data, and moves the
production aliases through the same gate as the training job's evaluation. A copy that misses a
threshold stays an unaliased version: serving and batch inference never see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Protocol, Sequence, Tuple, Type

from mlops_lib.aliases import RegistryClient, Report, gate_and_move
from mlops_lib.gating import GateDecision, Threshold


class CopyingClient(RegistryClient, Protocol):
    """The part of `mlflow.MlflowClient` the promotion uses."""

    def copy_model_version(self, src_model_uri: str, dst_name: str) -> Any: ...


@dataclass(frozen=True)
class Promotion:
    """The outcome of a promotion: the production version created and the gate's decision."""

    source_uri: str
    target_version: str
    decision: GateDecision


def require_three_level(name: str, what: str) -> str:
    """Check a Unity Catalog name is `catalog.schema.name`: a two-level name would hit the
    workspace registry, not Unity Catalog."""
    parts = name.split(".")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ValueError(f"{what} must be a three-level Unity Catalog name (catalog.schema.name), got {name!r}")
    return name


def source_uri(source_model: str, source_alias: str) -> str:
    """The models URI of the version an alias of the development model points at."""
    if not source_alias:
        raise ValueError("source_alias must not be empty")
    return f"models:/{require_three_level(source_model, 'source_model')}@{source_alias}"


def promote(
    client: CopyingClient,
    source_model: str,
    source_alias: str,
    target_model: str,
    score: Callable[[str], Mapping[str, float]],
    thresholds: Sequence[Threshold],
    compare_metric: str = "f1",
    missing: Tuple[Type[BaseException], ...] = (LookupError,),
    min_improvement: float = 0.0,
    report: Optional[Report] = None,
) -> Promotion:
    """Copy the source alias's version into the target model, then gate it and move its aliases.

    `score(version)` scores a version of the target model on the production validation data.
    Raises `mlops_lib.aliases.GateFailed` when the copy misses a threshold.
    """
    require_three_level(target_model, "target_model")
    if source_model == target_model:
        raise ValueError(f"source_model and target_model are both {source_model!r}: nothing to promote")
    uri = source_uri(source_model, source_alias)
    copied = client.copy_model_version(src_model_uri=uri, dst_name=target_model)
    version = str(copied.version)
    decision = gate_and_move(client, target_model, version, score, thresholds, compare_metric, missing, min_improvement, report)
    return Promotion(source_uri=uri, target_version=version, decision=decision)
