"""Each shipped workload end to end through `npm run local-run`, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, local_run

from localrun.runtime import runtime_id


@pytest.mark.parametrize("project, extra", [("churn", ["--shift"]), ("prices", [])])
def test_a_workload_runs_end_to_end(project: str, extra: list, project_dir: Path, tmp_path: Path) -> None:
    proc = local_run("--project", project, "--project-dir", str(project_dir), "--out", str(tmp_path), "--json", *extra)
    summary = json.loads(proc.stdout)
    assert summary["status"] == "SUCCESS"
    assert {j["role"] for j in summary["jobs"]} >= {"training", "inference", "processing", "retraining"}
    (model,) = summary["models"]
    assert model["aliases"]["champion"] in [str(v) for v in model["versions"]]
    tables = summary["tables"]
    assert next(n for t, n in tables.items() if t.endswith(".predictions")) > 0
    assert next(n for t, n in tables.items() if t.endswith("_processed")) > 0
    assert summary["drift"]["drift_detected"] in ("true", "false")
    if "--shift" in extra:
        assert summary["drift"] == {"drift_detected": "true", "retrained": True}
        assert len(model["versions"]) == 2
    # What the run left is where it says: the MLflow store and the Spark tables under --out.
    assert (tmp_path / "mlflow" / "mlflow.db").is_file() and (tmp_path / "spark-warehouse").is_dir()


def test_bad_usage_exits_2(project_dir: Path, tmp_path: Path) -> None:
    proc = local_run("--project", "nope", "--project-dir", str(project_dir), "--out", str(tmp_path), check=False)
    assert proc.returncode == 2
    assert 'stack dev has no project "nope"; its projects: churn, prices' in proc.stderr
    missing = local_run("--project", "churn", check=False)
    assert missing.returncode == 2 and "--out" in missing.stderr


def test_the_jobs_refuse_another_runtimes_environment(project_dir: Path, tmp_path: Path) -> None:
    """The test stacks' jobs declare this suite's runtime: an interpreter with another runtime's
    libraries (MLOPS_PYTHON) is refused before any task runs, naming what differs."""
    here = runtime_id()
    others = sorted(p for p in (REPO / "envs").glob("*/.venv/bin/python") if p.parents[2].name != here)
    if not others:
        pytest.skip("only this runtime's environment is installed (`npm run setup:python` installs every one)")
    other = others[0]
    proc = subprocess.run(
        ["npm", "run", "-s", "local-run", "--", "--project", "churn", "--project-dir", str(project_dir), "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "MLOPS_PYTHON": str(other)},
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"error: the jobs declare {here}, but {other} has " in proc.stderr
    assert "mlflow " in proc.stderr and f"run them in envs/{here}/.venv" in proc.stderr
    assert not (tmp_path / "summary.json").exists()
