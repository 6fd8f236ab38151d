"""The local job runner's task graph: `run_if`, Python file tasks and where each task would run,
as a Databricks job run decides them (no Spark needed: the tasks here set task values)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from localrun.jobs import JobFailed, TaskRun, Workspace, compute_of, run_if  # noqa: E402


def outcomes(**status: str) -> dict:
    return {k: TaskRun(k, v, result=("true" if v == "SUCCESS" else None)) for k, v in status.items()}


@pytest.mark.parametrize(
    "condition, deps, expected",
    [
        (None, {"a": "SUCCESS", "b": "SUCCESS"}, None),
        (None, {"a": "SUCCESS", "b": "FAILED"}, "UPSTREAM_FAILED"),
        ("ALL_SUCCESS", {"a": "UPSTREAM_FAILED"}, "UPSTREAM_FAILED"),
        ("AT_LEAST_ONE_SUCCESS", {"a": "SUCCESS", "b": "FAILED"}, None),
        ("AT_LEAST_ONE_SUCCESS", {"a": "FAILED", "b": "FAILED"}, "UPSTREAM_FAILED"),
        ("NONE_FAILED", {"a": "SUCCESS", "b": "EXCLUDED"}, None),
        ("NONE_FAILED", {"a": "SUCCESS", "b": "FAILED"}, "UPSTREAM_FAILED"),
        ("ALL_DONE", {"a": "FAILED", "b": "SUCCESS"}, None),
        ("AT_LEAST_ONE_FAILED", {"a": "FAILED", "b": "SUCCESS"}, None),
        ("AT_LEAST_ONE_FAILED", {"a": "SUCCESS", "b": "SUCCESS"}, "EXCLUDED"),
        ("ALL_FAILED", {"a": "FAILED", "b": "FAILED"}, None),
        ("ALL_FAILED", {"a": "FAILED", "b": "SUCCESS"}, "UPSTREAM_FAILED"),
    ],
)
def test_run_if_decides_as_a_job_run_does(condition, deps, expected):
    task = {"taskKey": "t", "dependsOns": [{"taskKey": k} for k in deps], **({"runIf": condition} if condition else {})}
    assert run_if(task, outcomes(**deps)) == expected


def test_a_condition_that_came_out_the_other_way_excludes_the_task():
    done = {"check": TaskRun("check", "SUCCESS", result="false")}
    assert run_if({"taskKey": "t", "dependsOns": [{"taskKey": "check", "outcome": "true"}]}, done) == "EXCLUDED"
    assert run_if({"taskKey": "t", "dependsOns": [{"taskKey": "check", "outcome": "false"}]}, done) is None


@pytest.mark.parametrize(
    "task, expected",
    [
        ({"taskKey": "a", "jobClusterKey": "ml_cluster", "notebookTask": {}}, "ml_cluster"),
        ({"taskKey": "a", "environmentKey": "default", "notebookTask": {}}, "serverless default (version 4)"),
        ({"taskKey": "a", "notebookTask": {}}, "serverless (default)"),
        ({"taskKey": "a", "conditionTask": {}}, None),
    ],
)
def test_compute_of_says_where_a_task_would_run(task, expected):
    assert compute_of(task, {"default": {"environmentKey": "default", "spec": {"environmentVersion": "4"}}}) == expected


def test_a_python_file_task_runs_with_its_arguments_and_a_clean_up_runs_after_a_failure(tmp_path):
    ws = Workspace(tmp_path, spark=None)
    script = ws.workspace_file("/w/files/job.py")
    script.parent.mkdir(parents=True)
    script.write_text(
        "import sys, pathlib\n"
        "pathlib.Path(sys.argv[2]).write_text(sys.argv[1])\n"
        "if sys.argv[1] == 'fail':\n"
        "    raise SystemExit(3)\n"
    )
    out = tmp_path / "out.txt"
    job = {
        "name": "j",
        "environments": [{"environmentKey": "default", "spec": {"environmentVersion": "4"}}],
        "tasks": [
            {"taskKey": "run", "environmentKey": "default", "sparkPythonTask": {"pythonFile": "/w/files/job.py", "parameters": ["fail", str(out)]}},
            {"taskKey": "after", "dependsOns": [{"taskKey": "run"}], "conditionTask": {"op": "EQUAL_TO", "left": "1", "right": "1"}},
            {"taskKey": "clean_up", "runIf": "ALL_DONE", "dependsOns": [{"taskKey": "run"}], "conditionTask": {"op": "EQUAL_TO", "left": "1", "right": "1"}},
        ],
    }
    with pytest.raises(JobFailed, match=r"job j: task run failed: RuntimeError: job.py exited with status 3"):
        ws.run_job(job)
    assert out.read_text() == "fail"
    (run,) = ws.runs
    assert [(t.task, t.status, t.compute) for t in run.tasks] == [
        ("run", "FAILED", "serverless default (version 4)"),
        ("after", "UPSTREAM_FAILED", None),
        ("clean_up", "SUCCESS", None),
    ]
