"""A fake of the part of `mlflow.MlflowClient` the alias moves and the promotion use."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Dict, List, Tuple


class AliasNotFound(LookupError):
    """What the fake raises for an unset alias (MLflow raises an MlflowException)."""


class FakeClient:
    def __init__(self, aliases: Dict[str, Dict[str, str]] | None = None, versions: Dict[str, int] | None = None):
        self.aliases: Dict[str, Dict[str, str]] = {k: dict(v) for k, v in (aliases or {}).items()}
        self.versions: Dict[str, int] = dict(versions or {})
        self.calls: List[Tuple] = []

    def get_model_version_by_alias(self, name: str, alias: str) -> SimpleNamespace:
        self.calls.append(("get_alias", name, alias))
        try:
            return SimpleNamespace(name=name, version=self.aliases[name][alias])
        except KeyError:
            raise AliasNotFound(f"{name}@{alias}") from None

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        self.calls.append(("set_alias", name, alias, version))
        self.aliases.setdefault(name, {})[alias] = version

    def copy_model_version(self, src_model_uri: str, dst_name: str) -> SimpleNamespace:
        self.calls.append(("copy", src_model_uri, dst_name))
        self.versions[dst_name] = self.versions.get(dst_name, 0) + 1
        return SimpleNamespace(name=dst_name, version=str(self.versions[dst_name]))
