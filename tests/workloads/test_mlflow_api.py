"""The workloads use only the MLflow API that this runtime's MLflow has.

The suite runs on each supported runtime's environment (`npm run test:workloads -- --runtime all`),
so this reads every workload file (notebooks and their packages) and resolves, in the MLflow this
environment installs, each `mlflow...` name they reach, each keyword they pass to an MLflow
function, each `MlflowClient` method they call and each `ModelInfo` attribute they read of what a
`log_model` returned: an API that one supported MLflow lacks fails here, also on a branch the
end-to-end tests do not take.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.models.model import ModelInfo

REPO = Path(__file__).resolve().parents[2]
WORKLOADS = REPO / "workloads"


def workload_files() -> List[Path]:
    return sorted(p for p in WORKLOADS.rglob("*.py") if "tests" not in p.relative_to(WORKLOADS).parts)


def resolve(dotted: str) -> Any:
    """The object a dotted MLflow name names, importing submodules on the way; AttributeError if none."""
    parts = dotted.split(".")
    obj: Any = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(".".join(parts[: i + 1]))
        except ModuleNotFoundError:
            raise AttributeError(f"{'.'.join(parts[:i])} has no {part}") from None
    return obj


def dotted_name(node: ast.AST) -> Optional[List[str]]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *parts]
    return None


class Uses(ast.NodeVisitor):
    """What one file uses of MLflow: (line, what, name) triples."""

    def __init__(self) -> None:
        self.aliases: Dict[str, str] = {}
        self.clients: set = {"client"}
        self.model_infos: set = set()
        self.names: List[Tuple[int, str]] = []
        self.keywords: List[Tuple[int, str, str]] = []
        self.client_methods: List[Tuple[int, str]] = []
        self.info_attributes: List[Tuple[int, str]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name.split(".")[0] == "mlflow":
                self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else "mlflow"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.module.split(".")[0] == "mlflow":
            for a in node.names:
                self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                self.names.append((node.lineno, f"{node.module}.{a.name}"))

    def mlflow_name(self, node: ast.AST) -> Optional[str]:
        parts = dotted_name(node)
        if parts and parts[0] in self.aliases:
            return ".".join([self.aliases[parts[0]], *parts[1:]])
        return None

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call):
            callee = self.mlflow_name(node.value.func)
            for target in node.targets:
                if isinstance(target, ast.Name) and callee:
                    if callee.endswith("MlflowClient"):
                        self.clients.add(target.id)
                    elif callee.endswith(".log_model"):
                        self.model_infos.add(target.id)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = self.mlflow_name(node)
        if name:
            self.names.append((node.lineno, name))
            return  # the whole chain is one name
        if isinstance(node.value, ast.Name) and node.value.id in self.model_infos:
            self.info_attributes.append((node.lineno, node.attr))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        callee = self.mlflow_name(node.func)
        if callee:
            for kw in node.keywords:
                if kw.arg:
                    self.keywords.append((node.lineno, callee, kw.arg))
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            on_client = (isinstance(receiver, ast.Name) and receiver.id in self.clients) or (
                isinstance(receiver, ast.Call) and (self.mlflow_name(receiver.func) or "").endswith("MlflowClient")
            )
            if on_client:
                self.client_methods.append((node.lineno, func.attr))
        self.generic_visit(node)


def uses() -> Iterator[Tuple[str, Uses]]:
    for path in workload_files():
        u = Uses()
        u.visit(ast.parse(path.read_text(), str(path)))
        yield str(path.relative_to(REPO)), u


def test_the_workloads_use_mlflow() -> None:
    # The reader below finds what it is meant to find (else every other check passes vacuously).
    found = {name for _, u in uses() for _, name in u.names}
    assert {"mlflow.start_run", "mlflow.pyfunc.spark_udf", "mlflow.MlflowClient"} <= found


def test_every_mlflow_name_exists_in_this_mlflow() -> None:
    missing = []
    for file, u in uses():
        for line, name in u.names:
            try:
                resolve(name)
            except AttributeError as err:
                missing.append(f"{file}:{line}: {name} ({err})")
    assert not missing, f"MLflow {mlflow.__version__} lacks:\n" + "\n".join(missing)


def test_every_keyword_passed_to_mlflow_is_a_parameter_of_this_mlflow() -> None:
    unknown = []
    for file, u in uses():
        for line, callee, keyword in u.keywords:
            try:
                fn = resolve(callee)
                params = inspect.signature(fn).parameters
            except (AttributeError, TypeError, ValueError):
                continue  # a missing name is the test above's; some callables have no signature
            if keyword not in params and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
                unknown.append(f"{file}:{line}: {callee}({keyword}=...)")
    assert not unknown, f"MLflow {mlflow.__version__} takes no such keyword:\n" + "\n".join(unknown)


def test_every_client_method_and_model_info_attribute_exists_in_this_mlflow() -> None:
    missing = [
        f"{file}:{line}: MlflowClient.{method}"
        for file, u in uses()
        for line, method in u.client_methods
        if not hasattr(MlflowClient, method)
    ]
    missing += [
        f"{file}:{line}: ModelInfo.{attr}"
        for file, u in uses()
        for line, attr in u.info_attributes
        if not hasattr(ModelInfo, attr)
    ]
    assert not missing, f"MLflow {mlflow.__version__} lacks:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "source, problem",
    [
        ("import mlflow\nmlflow.no_such_function()\n", "names"),
        ("from mlflow import MlflowClient\nMlflowClient().no_such_method()\n", "client_methods"),
        ("import mlflow\ninfo = mlflow.sklearn.log_model(m, name='x')\ninfo.no_such_attribute\n", "info_attributes"),
    ],
)
def test_the_reader_sees_what_would_be_missing(source: str, problem: str) -> None:
    u = Uses()
    u.visit(ast.parse(source))
    if problem == "names":
        with pytest.raises(AttributeError):
            resolve([n for _, n in u.names if n.endswith("no_such_function")][0])
    elif problem == "client_methods":
        assert [m for _, m in u.client_methods] == ["no_such_method"]
        assert not hasattr(MlflowClient, "no_such_method")
    else:
        assert [a for _, a in u.info_attributes] == ["no_such_attribute"]
        assert not hasattr(ModelInfo, "no_such_attribute")
