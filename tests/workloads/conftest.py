"""The workload suite: the notebooks on real Spark (with Delta) and MLflow, as the plan declares
their jobs. One SparkSession and one MLflow store for the whole session (the JVM starts once);
the run specs come from `npm run local-run -- --dry-run` on the project in tests/workloads/project,
so the tasks, their order and their parameters are the program's, never restated here.

Tests that need a state of their own (a model to refuse, tables to empty) plan as another user:
development mode gives each user their own schema, model and volume.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from localrun.jobs import JobRun, Workspace  # noqa: E402
from localrun.runtime import check_runtime, local_spark, runtime_id, use_local_mlflow  # noqa: E402
from localrun.scenario import workload_module, write_table  # noqa: E402
from localrun.workspace import deploy  # noqa: E402

PROJECT = Path(__file__).resolve().parent / "project"

# The platform library, importable as the notebooks import it (the registry tests call it directly).
if str(REPO / "workloads" / "common") not in sys.path:
    sys.path.insert(0, str(REPO / "workloads" / "common"))


@pytest.fixture(scope="session", autouse=True)
def _scratch_cwd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite runs in a scratch folder: MLflow's sqlite store makes its default artifact root,
    `./mlruns`, in the working folder when a client first uses it (the registry fixture's), and a
    test run must leave nothing in the checkout. Paths here are absolute; processes name their cwd."""
    before = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(scope="session")
def project_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test project: the program's Pulumi.yaml with the test stacks beside it, their jobs on
    the runtime whose environment runs the suite (`npm run test:workloads -- --runtime <id>`)."""
    d = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "Pulumi.yaml", d)
    for f in PROJECT.iterdir():
        shutil.copy(f, d)
    for stack in d.glob("Pulumi.*.yaml"):
        text = stack.read_text()
        assert text.startswith("config:\n"), stack
        stack.write_text(f"config:\n  databricks-mlops:sparkVersion: {runtime_id()}\n" + text[len("config:\n") :])
    return d


def local_run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`npm run local-run -- <args>`, as a user runs it."""
    proc = subprocess.run(["npm", "run", "-s", "local-run", "--", *args], cwd=REPO, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"local-run {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    return proc


class Env:
    """One local workspace (folders, Spark, MLflow) that the tests deploy targets into."""

    def __init__(self, root: Path, spark: Any, project_dir: Path):
        self.root = root
        self.spark = spark
        self.project_dir = project_dir
        self.ws = Workspace(root, spark)
        self._specs: Dict[tuple, dict] = {}

    def spec(self, project: str, stack: str = "dev", user: str = "dev.user@example.com") -> dict:
        """The run spec of a project, from the plan (once per project, stack and user)."""
        key = (project, stack, user)
        if key not in self._specs:
            out = self.root / "specs" / f"{project}-{stack}-{user.split('@')[0]}"
            local_run("--project", project, "--stack", stack, "--user", user, "--project-dir", str(self.project_dir), "--out", str(out), "--dry-run")
            spec = json.loads((out / "local-run-spec.json").read_text())
            # The suite runs the notebooks in this interpreter: it must be the declared runtime's.
            check_runtime(spec["runtime"])
            self._specs[key] = spec
        return self._specs[key]

    def target(self, project: str, stack: str = "dev", user: str = "dev.user@example.com", index: int = -1) -> dict:
        """A deployed target of the spec (the last one: the stack's own; 0: a deploy-model source)."""
        spec = self.spec(project, stack, user)
        target = spec["targets"][index]
        target["workloadDir"] = spec["workloadDir"]
        for j in target["jobs"]:
            self.ws.jobs_by_id[str(j["id"])] = j
        deploy(self.spark, self.root, target, self.root / "mlflow")
        return target

    @staticmethod
    def job(target: Mapping[str, Any], role: str) -> dict:
        (job,) = [j for j in target["jobs"] if j["role"] == role]
        return job

    def land(self, target: Mapping[str, Any], frame: Any, replace: bool = True) -> Path:
        """Training data where the training job's file-arrival trigger watches."""
        folder = Path(self.ws.volumes.local(self.job(target, "training")["trigger"]["fileArrival"]["url"]))
        if replace and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{len(list(folder.iterdir()))}.csv"
        frame.to_csv(path, index=False)
        return path

    def sample(self, target: Mapping[str, Any]):
        return workload_module(Path(target["workloadDir"]))

    def run(self, target: Mapping[str, Any], role: str, tasks: Optional[List[str]] = None, parameters: Optional[Mapping[str, str]] = None, task_values: Optional[dict] = None) -> JobRun:
        """Run a job of the target; `tasks` only those tasks, `parameters` over the plan's."""
        job = json.loads(json.dumps(self.job(target, role)))
        if tasks is not None:
            job["tasks"] = [t for t in job["tasks"] if t["taskKey"] in tasks]
            for t in job["tasks"]:
                t["dependsOns"] = [d for d in t.get("dependsOns") or [] if d["taskKey"] in tasks]
        for t in job["tasks"]:
            if parameters and "notebookTask" in t:
                t["notebookTask"]["baseParameters"].update(parameters)
        return self.ws.run_job(job, role, task_values=task_values)

    def write(self, name: str, frame: Any) -> None:
        write_table(self.spark, name, frame)


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory, project_dir: Path) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("workspace")
    spark = local_spark(root / "spark-warehouse")
    use_local_mlflow(root / "mlflow")
    yield Env(root, spark, project_dir)
    spark.stop()


@pytest.fixture(scope="session")
def client(env: Env):
    from mlflow import MlflowClient

    return MlflowClient()


@pytest.fixture(scope="session")
def churn(env: Env) -> dict:
    """The churn project (development), trained once on the workload's sample data."""
    target = env.target("churn")
    with env.sample(target) as sample:
        env.land(target, sample.training_data())
    env.run(target, "training")
    return target


def param(job: Mapping[str, Any], name: str) -> str:
    for t in job["tasks"]:
        value = ((t.get("notebookTask") or {}).get("baseParameters") or {}).get(name)
        if value is not None:
            return value
    raise KeyError(name)



@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory):
    """A real MLflow client on a temporary sqlite tracking and registry store (which has aliases,
    `models:/<name>@<alias>` and `copy_model_version`, as Unity Catalog has)."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture
def model_name() -> str:
    """A three-level model name of the test's own."""
    return f"dev.churn.model_{uuid.uuid4().hex[:8]}"


def register(client, name: str, versions: int = 1, aliases: dict | None = None) -> None:
    """A registered model with versions (their source need not be a model: nothing loads it here)."""
    client.create_registered_model(name)
    for _ in range(versions):
        client.create_model_version(name, source="file:///nowhere/model")
    for alias, version in (aliases or {}).items():
        client.set_registered_model_alias(name, alias, version)
