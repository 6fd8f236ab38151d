"""Each shipped workload end to end through `npm run local-run`, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import local_run


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
