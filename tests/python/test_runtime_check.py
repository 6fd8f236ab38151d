"""The local runtime refuses an interpreter whose libraries are not the declared runtime's."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from localrun import runtime  # noqa: E402


def installed(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def spec(**libraries: str) -> dict:
    """A run spec's `runtime` with this interpreter's versions, overridden by `libraries`."""
    pinned = {n: installed(n) for n in ("pandas", "numpy", "scikit-learn")}
    pinned.update(libraries)
    return {
        "runtimes": ["18.x-cpu-ml-scala2.13"],
        "environment": "18.x-cpu-ml-scala2.13",
        "libraries": pinned,
        "delta": installed("delta-spark"),
    }


def test_agrees_when_every_version_is_installed() -> None:
    s = spec()
    if s["delta"] == "not installed":
        pytest.skip("delta-spark is not installed in this interpreter (not a runtime's environment)")
    assert runtime.runtime_problems(s) == []


def test_names_each_library_that_differs() -> None:
    s = spec(pandas="1.5.3")
    problems = runtime.runtime_problems(s)
    assert f"pandas {installed('pandas')} (the runtime's is 1.5.3)" in problems
    assert not any(p.startswith("numpy ") for p in problems)


def test_a_missing_library_is_named() -> None:
    s = spec(**{"no-such-library": "1.0"})
    assert "no-such-library not installed (the runtime's is 1.0)" in runtime.runtime_problems(s)


def test_check_runtime_says_which_environment_to_use() -> None:
    with pytest.raises(RuntimeError) as err:
        runtime.check_runtime(spec(pandas="1.5.3"))
    message = str(err.value)
    assert message.startswith("the jobs declare 18.x-cpu-ml-scala2.13, but ")
    assert "run them in envs/18.x-cpu-ml-scala2.13/.venv (`npm run setup:python`)" in message


def test_runtime_id_is_mlops_runtime_or_the_environment_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_RUNTIME", "17.3.x-cpu-ml-scala2.13")
    assert runtime.runtime_id() == "17.3.x-cpu-ml-scala2.13"
    monkeypatch.delenv("MLOPS_RUNTIME")
    monkeypatch.setattr(sys, "prefix", str(REPO / "envs" / "18.x-cpu-ml-scala2.13" / ".venv"))
    assert runtime.runtime_id() == "18.x-cpu-ml-scala2.13"
    monkeypatch.setattr(sys, "prefix", "/usr")
    with pytest.raises(RuntimeError, match="is not a runtime's environment"):
        runtime.runtime_id()
