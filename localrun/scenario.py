"""What `npm run local-run` runs: one project's jobs, in the order a workspace would run them.

`python -m localrun.scenario <spec.json>` reads the run spec the TypeScript side wrote from the
program's plan (scripts/local-run.ts) and, in one Spark session:

1. deploys what the plan declares (`localrun.workspace.deploy`);
2. lands sample training data where the training job's file-arrival trigger watches (files
   accumulate there, as in a volume: a run into the same folder adds one), and runs the training
   job; a deploy-model production runs the promotion job instead, after the source stack's
   training job has registered the version it promotes;
3. runs the batch inference job (production's input table has its columns in another order than
   the model's signature);
4. serves sample requests through the endpoint (yesterday's and today's; today's shifted with
   `shift`), with some of today's requests committed to the inference table after later ones, and
   the processing job run in between, as its schedule would; refreshes the monitor; lands newer
   training data, and runs the retraining job.

It writes the summary (runs, versions, aliases, rows, the drift decision) to `<out>/summary.json`;
exit status 1 when a job failed.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

from localrun.jobs import JobFailed, TaskRun, Workspace
from localrun.runtime import check_runtime, local_spark, uc_schema_to_local, use_local_mlflow
from localrun.workspace import deploy, refresh_monitor, serve, served_entities, utc_now


LATE_REQUESTS = 5
"""Today's first requests, committed to the inference table after the later ones."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def workload_module(workload_dir: Path, name: str = "sample_data") -> Iterator[Any]:
    """A module of the workload folder, imported with the folder on sys.path and forgotten after
    (the notebooks import the workload's packages from their uploaded copies, not from here)."""
    before = set(sys.modules)
    sys.path.insert(0, str(workload_dir))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(workload_dir))
        for added in set(sys.modules) - before:
            del sys.modules[added]


def jobs_of(target: Mapping[str, Any], role: str) -> List[Mapping[str, Any]]:
    return [j for j in target["jobs"] if j["role"] == role]


def notebook_parameter(job: Mapping[str, Any], name: str) -> Optional[str]:
    for task in job["tasks"]:
        params = (task.get("notebookTask") or {}).get("baseParameters") or {}
        if name in params:
            return params[name]
    return None


def write_table(spark: Any, name: str, frame: Any) -> None:
    spark.createDataFrame(frame).write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(name)


class Scenario:
    def __init__(self, spec: Mapping[str, Any], spark: Any = None):
        self.spec = spec
        self.spark = spark
        self.out = Path(spec["out"]).resolve()
        self.workload_dir = Path(spec["workloadDir"])
        self.mlflow_store = self.out / "mlflow"
        self.drift: Optional[dict] = None
        self.served: List[dict] = []
        self.notes: List[str] = []

    def run(self) -> int:
        started = time.monotonic()
        if self.spark is None:
            log(f"starting local Spark (tables in {self.out / 'spark-warehouse'})")
            self.spark = local_spark(self.out / "spark-warehouse", metastore=self.out / "spark-metastore")
        self.tracking_uri = use_local_mlflow(self.mlflow_store)
        jobs_by_id = {str(j["id"]): j for t in self.spec["targets"] for j in t["jobs"]}
        self.ws = Workspace(self.out, self.spark, jobs_by_id)
        self.ws.on_task = self._report
        status = 0
        try:
            for target in self.spec["targets"]:
                self._run_target(target)
        except JobFailed as err:
            log(f"error: {err}")
            status = 1
        summary = self.summary(time.monotonic() - started, status)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
        return status

    def _report(self, job: str, run: TaskRun) -> None:
        extra = f": {run.error}" if run.error else (f" ({run.result})" if run.result else "")
        log(f"  {job} / {run.task}: {run.status} in {run.seconds:.1f} s{extra}")

    def _run_target(self, target: Mapping[str, Any]) -> None:
        log(f"deploying {target['project']} ({target['stack']}) into {self.out}")
        deploy(self.spark, self.out, target, self.mlflow_store)
        training = jobs_of(target, "training")
        # The model-triggered jobs (MLflow 3 deployment jobs) start when a version is registered:
        # after the jobs that register one.
        registering = [j for j in training if "model" not in (j.get("trigger") or {})]
        deploying = [j for j in training if "model" in (j.get("trigger") or {})]
        if registering or jobs_of(target, "featureTable"):
            self._land_training_data(target, registering)
        for job in jobs_of(target, "featureTable"):
            self.ws.run_job(job, "featureTable")
        for job in registering + deploying:
            started_by = (job.get("trigger") or {}).keys() - {"pauseStatus"}
            how = next(iter(started_by), "schedule" if job.get("schedule") else "run-now")
            log(f"{job['name']} starts ({how})")
            self.ws.run_job(job, "training")
        if target.get("trainingOnly"):
            return
        for job in jobs_of(target, "promotion"):
            self._production_data(notebook_parameter(job, "validation_table"))
            self.ws.run_job(job, "promotion")
        for job in jobs_of(target, "inference"):
            self._production_data(notebook_parameter(job, "input_table"))
            self.ws.run_job(job, "inference")
        processing = jobs_of(target, "processing")
        self._serve(target, lambda: [self.ws.run_job(job, "processing") for job in processing])
        for job in processing:
            self.ws.run_job(job, "processing")
        for monitor in target["monitors"]:
            rows = refresh_monitor(self.spark, monitor)
            log(f"refreshed the monitor of {monitor['tableName']}: {rows} drift rows")
        retraining = jobs_of(target, "retraining")
        if retraining:
            # Labelled data of newer customers has landed since the training (the trigger is paused
            # in development mode): what a retraining learns from.
            self._land_training_data(target, registering, seed=3)
        for job in retraining:
            run = self.ws.run_job(job, "retraining")
            # What the job's condition decided: the default drift check's, or a configured job's own.
            decided = next((t.result for t in run.tasks if t.result in ("true", "false")), None)
            self.drift = {
                "drift_detected": decided,
                "retrained": any(t.status == "SUCCESS" and (t.result or "").startswith("ran ") for t in run.tasks),
            }

    def _land_training_data(self, target: Mapping[str, Any], training: List[Mapping[str, Any]], seed: int = 0) -> None:
        """The workload's sample training data, where a file-arrival trigger watches (or, for jobs
        started otherwise, in the training-data folder of the project's volume), landed beside the
        files already there, as a landing volume accumulates them."""
        urls = [j["trigger"]["fileArrival"]["url"] for j in training if "fileArrival" in (j.get("trigger") or {})]
        if not urls and target["volumes"]:
            urls = [target["volumes"][0].rstrip("/") + "/training_data/"]
        for url in urls:
            folder = Path(self.ws.volumes.local(url))
            folder.mkdir(parents=True, exist_ok=True)
            with workload_module(self.workload_dir) as sample:
                data = sample.training_data(seed=seed)
            landed = folder / f"sample-{seed}-{utc_now():%Y%m%dT%H%M%S}-{len(list(folder.iterdir()))}.csv"
            data.to_csv(landed, index=False)
            log(f"landed {len(data)} rows in {url} ({landed})")

    def _production_data(self, table: Optional[str]) -> None:
        """A table the job reads that nothing local wrote (production's own data, for
        deploy-model): written from the workload's sample validation data, its columns in reverse
        order, as a production table is not laid out as the features table: the jobs must pick
        their inputs by name."""
        if table and not self.spark.catalog.tableExists(table):
            with workload_module(self.workload_dir) as sample:
                data = sample.validation_data()
            write_table(self.spark, table, data[list(reversed(data.columns))])
            self.notes.append(f"{table} held no data: wrote the workload's sample validation data (columns in reverse order)")

    def _serve(self, target: Mapping[str, Any], between: Callable[[], Any] = lambda: None) -> None:
        import mlflow

        if not target["endpoints"]:
            return
        served_entities(self.spark, target["endpoints"])
        client = mlflow.MlflowClient()
        now = utc_now()
        for endpoint in target["endpoints"]:
            for entity in endpoint["servedEntities"]:
                try:
                    client.get_model_version(entity["entityName"], str(entity["entityVersion"]))
                except mlflow.exceptions.MlflowException:
                    raise JobFailed(
                        f"endpoint {endpoint['name']} serves {entity['entityName']} version {entity['entityVersion']}, "
                        "which the local registry does not have (plan with the versions you have trained)"
                    ) from None
            with workload_module(self.workload_dir) as sample:
                yesterday = sample.serving_requests(seed=11)
                today = sample.serving_requests(seed=12, shifted=bool(self.spec.get("shift")))
            n1 = serve(self.spark, endpoint, yesterday, now - timedelta(days=1), seed=1)
            n2 = serve(self.spark, endpoint, today, now, seed=2, late=LATE_REQUESTS, between=between)
            self.served.append({"endpoint": endpoint["name"], "requests": n1 + n2, "shifted": bool(self.spec.get("shift"))})
            log(f"served {n1 + n2} requests through {endpoint['name']} into {endpoint['inferenceTable']}")

    def summary(self, seconds: float, status: int) -> dict:
        from mlflow import MlflowClient

        client = MlflowClient()
        runs = []
        for exp in client.search_experiments():
            for r in client.search_runs([exp.experiment_id]):
                runs.append({"experiment": exp.name, "run_id": r.info.run_id, "status": r.info.status, "metrics": r.data.metrics})
        models = []
        for m in client.search_registered_models():
            versions = client.search_model_versions(f"name = '{m.name}'")
            models.append(
                {
                    "name": m.name,
                    "versions": sorted(int(v.version) for v in versions),
                    "aliases": dict(sorted((a, str(v)) for a, v in (m.aliases or {}).items())),
                }
            )
        tables: Dict[str, int] = {}
        for target in self.spec["targets"]:
            for schema in target["schemas"]:
                database = uc_schema_to_local(schema)
                for t in self.spark.catalog.listTables(database):
                    tables[f"{schema}.{t.name}"] = self.spark.table(f"`{database}`.`{t.name}`").count()
        return {
            "project": self.spec["project"],
            "stack": self.spec["stack"],
            "out": str(self.out),
            "status": "SUCCESS" if status == 0 else "FAILED",
            "seconds": round(seconds, 1),
            "runtime": {
                "runtimes": self.spec["runtime"]["runtimes"],
                "environment": self.spec["runtime"]["environment"],
                "name": self.spec["runtime"]["name"],
                "python": platform.python_version(),
            },
            "mlflow": {"trackingUri": self.tracking_uri, "registryUri": self.tracking_uri},
            "jobs": [r.as_dict() for r in self.ws.runs],
            "runs": runs,
            "models": models,
            "tables": dict(sorted(tables.items())),
            "served": self.served,
            "drift": self.drift,
            "notes": self.notes,
        }


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m localrun.scenario <spec.json>", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text())
    try:
        check_runtime(spec["runtime"])
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return Scenario(spec).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
