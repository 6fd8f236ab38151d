"""Running a job as the program declares it: its tasks (the plan's `tasks` of a `databricks.Job`,
as Pulumi's inputs name them) in their dependency order, notebook tasks with their base parameters,
Python file tasks with their arguments, condition tasks on the task values, `run_job_task` on
another job of the plan.

As in a Databricks job run: a task runs when its `run_if` holds for the tasks it depends on (by
default ALL_SUCCESS: every one succeeded and, for a dependency on a condition task with an
`outcome`, the condition came out that way); a task that cannot run is skipped (UPSTREAM_FAILED
after a failure, EXCLUDED after a condition that came out the other way); a failed task fails the
run, which goes on with the tasks whose `run_if` still holds (an ALL_DONE clean-up, an
AT_LEAST_ONE_FAILED alert) and raises at its end. Tasks on serverless compute (an `environmentKey`)
and on the job cluster run alike, in this environment; the summary says where each would run.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

from localrun.runtime import TaskValues, Volumes, run_notebook, run_python_file


class JobFailed(RuntimeError):
    """A task of the job failed; the message names the job, the task and the error."""


@dataclass
class TaskRun:
    task: str
    status: str  # SUCCESS, FAILED, UPSTREAM_FAILED, EXCLUDED (by a condition's outcome)
    seconds: float = 0.0
    result: Optional[str] = None
    """A notebook's exit value, or a condition's outcome ("true"/"false")."""
    error: Optional[str] = None
    log: Optional[str] = None
    compute: Optional[str] = None
    """Where the task would run: `ml_cluster` (the job cluster) or `serverless <environment> (version <v>)`."""


@dataclass
class JobRun:
    job: str
    role: str
    status: str = "SUCCESS"
    tasks: List[TaskRun] = field(default_factory=list)
    task_values: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "job": self.job,
            "role": self.role,
            "status": self.status,
            "tasks": [{k: v for k, v in t.__dict__.items() if v is not None} for t in self.tasks],
        }


def task_order(tasks: List[Mapping[str, Any]]) -> List[Mapping[str, Any]]:
    """The tasks so that each follows those it depends on; ties keep the declared order."""
    by_key = {t["taskKey"]: t for t in tasks}
    for t in tasks:
        for dep in t.get("dependsOns") or []:
            if dep["taskKey"] not in by_key:
                raise ValueError(f"task {t['taskKey']} depends on {dep['taskKey']}, which the job does not have")
    placed: List[Mapping[str, Any]] = []
    done: set = set()
    while len(placed) < len(tasks):
        ready = [t for t in tasks if t["taskKey"] not in done and all(d["taskKey"] in done for d in t.get("dependsOns") or [])]
        if not ready:
            raise ValueError("the job's tasks depend on each other in a cycle")
        placed.append(ready[0])
        done.add(ready[0]["taskKey"])
    return placed


_REFERENCE = re.compile(r"\{\{\s*tasks\.([A-Za-z0-9_-]+)\.values\.([A-Za-z0-9_-]+)\s*\}\}")


def resolve(text: str, task_values: Mapping[str, Mapping[str, Any]]) -> str:
    """`{{tasks.<key>.values.<name>}}` references replaced by the task values."""

    def value(m: re.Match) -> str:
        values = task_values.get(m.group(1), {})
        if m.group(2) not in values:
            raise ValueError(f"{m.group(0)}: task {m.group(1)} set no value {m.group(2)!r}")
        return str(values[m.group(2)])

    return _REFERENCE.sub(value, str(text))


def condition(op: str, left: str, right: str) -> bool:
    """A condition task's comparison (the Jobs API's `op`s)."""
    if op == "EQUAL_TO":
        return left == right
    if op == "NOT_EQUAL":
        return left != right
    numbers = {"GREATER_THAN": float.__gt__, "GREATER_THAN_OR_EQUAL": float.__ge__, "LESS_THAN": float.__lt__, "LESS_THAN_OR_EQUAL": float.__le__}
    if op in numbers:
        return numbers[op](float(left), float(right))
    raise ValueError(f"unknown condition op {op!r}")


def _dependency_met(dep: Mapping[str, Any], outcomes: Mapping[str, TaskRun]) -> bool:
    done = outcomes[dep["taskKey"]]
    return done.status == "SUCCESS" and ("outcome" not in dep or done.result == dep["outcome"])


def run_if(task: Mapping[str, Any], outcomes: Mapping[str, TaskRun]) -> Optional[str]:
    """Why the task does not run (the status it gets), or None when its `run_if` holds, as the
    Jobs API decides it from the tasks it depends on (databricks-sdk-go service/jobs `RunIf`)."""
    deps = task.get("dependsOns") or []
    if not deps:
        return None
    met = [_dependency_met(d, outcomes) for d in deps]
    failed = [outcomes[d["taskKey"]].status in ("FAILED", "UPSTREAM_FAILED") for d in deps]
    # Nothing upstream failed: the task is left out by its condition, not by a failure.
    excluded = not any(failed)
    condition = task.get("runIf") or "ALL_SUCCESS"
    holds = {
        "ALL_SUCCESS": all(met),
        "AT_LEAST_ONE_SUCCESS": any(met),
        "NONE_FAILED": not any(failed) and any(met),
        "ALL_DONE": True,
        "AT_LEAST_ONE_FAILED": any(failed),
        "ALL_FAILED": all(failed),
    }
    if condition not in holds:
        raise ValueError(f"task {task['taskKey']}: unknown run_if {condition!r}")
    if holds[condition]:
        return None
    return "EXCLUDED" if excluded else "UPSTREAM_FAILED"


def compute_of(task: Mapping[str, Any], environments: Mapping[str, Mapping[str, Any]]) -> Optional[str]:
    """Where a task would run on Databricks: its job cluster, or serverless compute in an environment."""
    if "jobClusterKey" in task:
        return str(task["jobClusterKey"])
    if "existingClusterId" in task or "newCluster" in task:
        return "cluster"
    if not any(k in task for k in ("notebookTask", "sparkPythonTask", "pythonWheelTask")):
        return None
    key = task.get("environmentKey")
    spec = (environments.get(key) or {}).get("spec") or {}
    version = spec.get("environmentVersion") or spec.get("client")
    return f"serverless {key or '(default)'}" + (f" (version {version})" if version else "")


class Workspace:
    """The local workspace the jobs run in: the uploaded files under `root/workspace`, the
    volumes under `root/volumes`, the Spark session and the plan's jobs by id."""

    def __init__(self, root: Path, spark: Any, jobs_by_id: Mapping[str, Mapping[str, Any]] = (), logs: Optional[Path] = None):
        self.root = Path(root)
        self.spark = spark
        self.volumes = Volumes(self.root / "volumes")
        self.jobs_by_id = dict(jobs_by_id or {})
        self.logs = Path(logs) if logs else self.root / "logs"
        self.runs: List[JobRun] = []
        self.on_task: Callable[[str, TaskRun], None] = lambda job, run: None

    def notebook_file(self, workspace_path: str) -> Path:
        """The local copy of a workspace notebook (`<root>/workspace/<path>.py`)."""
        return self.root / "workspace" / (workspace_path.lstrip("/") + ".py")

    def workspace_file(self, workspace_path: str) -> Path:
        """The local copy of a workspace file (`<root>/workspace/<path>`)."""
        return self.root / "workspace" / workspace_path.lstrip("/")

    def run_job(self, job: Mapping[str, Any], role: str = "", task_values: Optional[Dict[str, Dict[str, Any]]] = None) -> JobRun:
        """Run a job's tasks; raises `JobFailed` when a task fails (the run is recorded first).

        `task_values` seeds the values earlier tasks set (to run one task of a job on its own).
        """
        name = job.get("name") or job.get("resource") or "job"
        run = JobRun(job=name, role=role, task_values=dict(task_values or {}))
        self.runs.append(run)
        outcomes: Dict[str, TaskRun] = {}
        environments = {e.get("environmentKey"): e for e in job.get("environments") or []}
        failed: Optional[TaskRun] = None
        for task in task_order(list(job["tasks"])):
            key = task["taskKey"]
            verdict = run_if(task, outcomes)
            if verdict is not None:
                outcomes[key] = TaskRun(key, verdict)
                run.tasks.append(outcomes[key])
                self.on_task(name, outcomes[key])
                continue
            result = self._run_task(name, task, run.task_values)
            result.compute = compute_of(task, environments)
            outcomes[key] = result
            run.tasks.append(result)
            self.on_task(name, result)
            if result.status == "FAILED" and failed is None:
                failed = result
        if failed is not None:
            run.status = "FAILED"
            raise JobFailed(f"job {name}: task {failed.task} failed: {failed.error}")
        return run

    def _run_task(self, job_name: str, task: Mapping[str, Any], task_values: Dict[str, Dict[str, Any]]) -> TaskRun:
        key = task["taskKey"]
        started = time.monotonic()
        log_file = self.logs / _safe(job_name) / f"{_safe(key)}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        out = io.StringIO()
        try:
            if "notebookTask" in task:
                nb = task["notebookTask"]
                params = {k: resolve(v, task_values) for k, v in (nb.get("baseParameters") or {}).items()}
                with contextlib.redirect_stdout(out):
                    value = run_notebook(self.notebook_file(nb["notebookPath"]), self.spark, params, TaskValues(task_values, key), self.volumes)
                return TaskRun(key, "SUCCESS", time.monotonic() - started, result=value, log=str(log_file))
            if "sparkPythonTask" in task:
                py = task["sparkPythonTask"]
                args = [resolve(a, task_values) for a in py.get("parameters") or []]
                with contextlib.redirect_stdout(out):
                    run_python_file(self.workspace_file(py["pythonFile"]), self.spark, args, TaskValues(task_values, key), self.volumes)
                return TaskRun(key, "SUCCESS", time.monotonic() - started, log=str(log_file))
            if "conditionTask" in task:
                c = task["conditionTask"]
                outcome = condition(c["op"], resolve(c["left"], task_values), resolve(c["right"], task_values))
                return TaskRun(key, "SUCCESS", time.monotonic() - started, result="true" if outcome else "false")
            if "runJobTask" in task:
                target = str(task["runJobTask"]["jobId"])
                if target not in self.jobs_by_id:
                    raise ValueError(f"run_job_task names job id {target}, which the plan does not declare")
                other = self.jobs_by_id[target]
                inner = self.run_job(other, role=other.get("role", ""))
                return TaskRun(key, "SUCCESS", time.monotonic() - started, result=f"ran {inner.job}")
            raise ValueError(f"task {key}: only notebook, Python file, condition and run-job tasks run locally")
        except Exception as err:  # the task fails, as a job run's task does; the log has the trace
            out.write(traceback.format_exc())
            return TaskRun(key, "FAILED", time.monotonic() - started, error=f"{type(err).__name__}: {err}", log=str(log_file))
        finally:
            log_file.write_text(out.getvalue())


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
