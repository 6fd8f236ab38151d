"""The adapter: what a Databricks workspace gives a notebook, supplied locally.

| In a workspace                          | Here                                                        |
| --------------------------------------- | ----------------------------------------------------------- |
| `dbutils.widgets`                       | the task's base parameters (`Widgets`)                      |
| `dbutils.jobs.taskValues`               | a store shared by the tasks of one job run (`TaskValues`)   |
| `dbutils.notebook.exit`                 | ends the notebook, successfully (`NotebookExit`)            |
| `spark`                                 | a local SparkSession with Delta (`local_spark`)             |
| `catalog.schema.table` (Unity Catalog)  | table `table` of database `catalog__schema` (`uc_to_local`) |
| registry URI `databricks-uc`            | the local sqlite registry (`use_local_mlflow`)              |
| `/Volumes/<catalog>/<schema>/<volume>/` | `<root>/volumes/<catalog>/<schema>/<volume>/` (`Volumes`)   |

Nothing here changes what a notebook computes: names and paths are translated on the way in, and
the rest is the real pyspark, Delta and MLflow. Three-level names are translated where the
notebooks name tables (`spark.table`, `spark.read.table`, `DataFrameWriter.saveAsTable` and
`insertInto`, `spark.catalog.tableExists`), not inside SQL text.
"""

from __future__ import annotations

import glob
import os
import runpy
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Mapping, Optional

REPO = Path(__file__).resolve().parents[1]
JARS_DIR = REPO / ".spark-jars"
"""The Delta jars, one folder per runtime (`.spark-jars/<sparkVersion>/`)."""
ENVS_DIR = REPO / "envs"
"""The runtimes' locked environments (`envs/<sparkVersion>/`)."""
UC_SEPARATOR = "__"
"""Joins a Unity Catalog catalog and schema into one local database name."""


class NotebookExit(Exception):
    """`dbutils.notebook.exit(value)`: the notebook stops there and its task succeeds."""

    def __init__(self, value: str):
        super().__init__(value)
        self.value = value


# --------------------------------------------------------------------------------------- dbutils


class Volumes:
    """Maps Unity Catalog volume paths (`/Volumes/...`) onto folders under a root."""

    PREFIX = "/Volumes/"

    def __init__(self, root: Path):
        self.root = Path(root)

    def local(self, path: str) -> str:
        """The local folder of a volume path; any other value unchanged."""
        if isinstance(path, str) and path.startswith(self.PREFIX):
            tail = path[len(self.PREFIX) :]
            local = str(self.root / tail)
            return local + "/" if path.endswith("/") else local
        return path


class Widgets:
    """`dbutils.widgets`: a job's base parameters override the widgets' defaults, as in a job run.

    Values that are volume paths are handed over as their local folders.
    """

    def __init__(self, parameters: Mapping[str, str], volumes: Optional[Volumes] = None):
        self._parameters = {str(k): str(v) for k, v in parameters.items()}
        self._defaults: Dict[str, str] = {}
        self._volumes = volumes

    def text(self, name: str, defaultValue: str = "", label: Optional[str] = None) -> None:
        self._defaults[name] = defaultValue

    dropdown = combobox = lambda self, name, defaultValue, choices=None, label=None: self.text(name, defaultValue)  # noqa: E731

    def get(self, name: str) -> str:
        if name in self._parameters:
            value = self._parameters[name]
        elif name in self._defaults:
            value = self._defaults[name]
        else:
            # The message Databricks gives for an undeclared widget.
            raise ValueError(f"InputWidgetNotDefined: No input widget named {name} is defined")
        return self._volumes.local(value) if self._volumes else value

    def getAll(self) -> Dict[str, str]:
        return {**self._defaults, **self._parameters}

    def remove(self, name: str) -> None:
        self._defaults.pop(name, None)

    def removeAll(self) -> None:
        self._defaults.clear()


class TaskValues:
    """`dbutils.jobs.taskValues` of one job run: what a task sets, the later tasks read."""

    def __init__(self, store: Dict[str, Dict[str, Any]], task_key: str):
        self._store = store
        self._task_key = task_key

    def set(self, key: str, value: Any) -> None:
        self._store.setdefault(self._task_key, {})[key] = value

    def get(self, taskKey: str, key: str, default: Any = None, debugValue: Any = None) -> Any:
        # In a job run `debugValue` is never used (it is for running the notebook by hand).
        values = self._store.get(taskKey, {})
        if key in values:
            return values[key]
        if default is not None:
            return default
        raise ValueError(f"task value {key!r} of task {taskKey!r} was not set in this job run")


class _Notebook:
    def exit(self, value: Any = "") -> None:
        raise NotebookExit(str(value))


class _Jobs:
    def __init__(self, task_values: TaskValues):
        self.taskValues = task_values


class DBUtils:
    """The parts of `dbutils` the notebooks use."""

    def __init__(self, parameters: Mapping[str, str], task_values: TaskValues, volumes: Optional[Volumes] = None):
        self.widgets = Widgets(parameters, volumes)
        self.jobs = _Jobs(task_values)
        self.notebook = _Notebook()


# ----------------------------------------------------------------------- Unity Catalog names


def uc_to_local(name: str) -> str:
    """`catalog.schema.table` as the local `catalog__schema.table`; other names unchanged."""
    if not isinstance(name, str) or "`" in name:
        return name
    parts = name.split(".")
    if len(parts) == 3 and all(parts):
        return f"{parts[0]}{UC_SEPARATOR}{parts[1]}.{parts[2]}"
    return name


def uc_schema_to_local(schema: str) -> str:
    """`catalog.schema` as the local database `catalog__schema`."""
    catalog, name = schema.split(".")
    return f"{catalog}{UC_SEPARATOR}{name}"


_patched = False


def _translate_names() -> None:
    """Teach pyspark's table-naming entry points the three-level names (once per process)."""
    global _patched
    if _patched:
        return
    from pyspark.sql import DataFrameReader, DataFrameWriter, SparkSession
    from pyspark.sql.catalog import Catalog
    from pyspark.sql.streaming import DataStreamReader

    def first_arg(method: Callable) -> Callable:
        def wrapper(self, name, *args, **kwargs):
            return method(self, uc_to_local(name), *args, **kwargs)

        wrapper.__doc__ = method.__doc__
        wrapper.__wrapped__ = method
        return wrapper

    SparkSession.table = first_arg(SparkSession.table)
    DataFrameReader.table = first_arg(DataFrameReader.table)
    DataStreamReader.table = first_arg(DataStreamReader.table)
    DataFrameWriter.saveAsTable = first_arg(DataFrameWriter.saveAsTable)
    DataFrameWriter.insertInto = first_arg(DataFrameWriter.insertInto)
    Catalog.tableExists = first_arg(Catalog.tableExists)
    try:
        from delta.tables import DeltaTable
    except ImportError:  # delta-spark's Python half is not installed: the notebooks cannot use it either
        pass
    else:
        for_name = DeltaTable.forName.__func__

        def delta_for_name(cls, sparkSession, tableOrViewName):
            return for_name(cls, sparkSession, uc_to_local(tableOrViewName))

        delta_for_name.__doc__ = for_name.__doc__
        DeltaTable.forName = classmethod(delta_for_name)
    _patched = True


# ------------------------------------------------------------------------------------- Spark


def runtime_id() -> str:
    """The environment this interpreter is (`envs/<environment>/`, named after a runtime).

    `MLOPS_RUNTIME` when set (`npm run local-run` and `npm run test:workloads` set it), else the
    `envs/<environment>/` folder whose `.venv` runs this interpreter.
    """
    named = os.environ.get("MLOPS_RUNTIME")
    if named:
        return named
    envs = ENVS_DIR.resolve()
    for folder in Path(sys.prefix).resolve().parents:
        if folder.parent == envs:
            return folder.name
    raise RuntimeError(
        f"{sys.executable} is not a runtime's environment (envs/<runtime>/.venv) and MLOPS_RUNTIME is not set: "
        "run `npm run setup:python`, then the workloads through `npm run local-run` or `npm run test:workloads`"
    )


def runtime_problems(runtime: Mapping[str, Any]) -> list:
    """How this interpreter's libraries differ from a runtime's (the run spec's `runtime`, as
    config/runtimes.ts gives it: `libraries`, `delta`); empty when they agree."""
    from importlib.metadata import PackageNotFoundError, version

    expected = {**runtime["libraries"], "delta-spark": runtime["delta"]}
    problems = []
    for package, wanted in sorted(expected.items()):
        try:
            found = version(package)
        except PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            problems.append(f"{package} {found} (the runtime's is {wanted})")
    return problems


def check_runtime(runtime: Mapping[str, Any]) -> None:
    """Fails unless this interpreter has the libraries of the runtime the jobs declare."""
    problems = runtime_problems(runtime)
    if problems:
        raise RuntimeError(
            f"the jobs declare {', '.join(runtime['runtimes'])}, but {sys.executable} has " + "; ".join(problems)
            + f": run them in envs/{runtime['environment']}/.venv (`npm run setup:python`)"
        )


def spark_jars() -> list:
    """The Delta jars of this runtime, which `npm run setup:python` fetched through Maven."""
    folder = JARS_DIR / runtime_id()
    jars = sorted(glob.glob(str(folder / "*.jar")))
    if not any("delta-spark" in Path(j).name for j in jars):
        raise RuntimeError(f"no Delta jars in {folder}: run `npm run setup:python` first")
    return jars


def local_spark(warehouse: Path, metastore: Optional[Path] = None):
    """A local SparkSession with Delta as the session catalog, its tables under `warehouse`.

    With `metastore`, the table catalog is a Derby metastore in that folder, so that the tables
    are still there for the next run; without, it lives in memory (the tests).
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    warehouse = Path(warehouse).resolve()
    warehouse.mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("mlops-localrun")
        .config("spark.jars", ",".join(spark_jars()))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.databricks.delta.snapshotPartitions", "2")
    )
    if metastore is not None:
        metastore = Path(metastore).resolve()
        metastore.mkdir(parents=True, exist_ok=True)
        builder = (
            builder.config("spark.sql.catalogImplementation", "hive")
            .config("spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={metastore / 'metastore_db'};create=true")
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={metastore}")
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    _translate_names()
    return spark


def create_schema(spark, schema: str) -> str:
    """The local database of a Unity Catalog schema (`catalog.schema`), created if missing."""
    database = uc_schema_to_local(schema)
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    return database


# ------------------------------------------------------------------------------------ MLflow

DATABRICKS_UC = "databricks-uc"


def use_local_mlflow(store: Path) -> str:
    """Point tracking and the registry at a sqlite store under `store`; map `databricks-uc` onto it.

    The notebooks call `mlflow.set_registry_uri("databricks-uc")`, as Unity Catalog models need
    (mlflow/mlflow: mlflow/tracking/_model_registry/utils.py); here that URI names the local
    registry, which has aliases, `models:/<name>@<alias>` and `copy_model_version` as well.
    Returns the store's URI.
    """
    import mlflow
    import mlflow.tracking
    from mlflow.tracking._model_registry import utils as registry_utils

    store = Path(store).resolve()
    store.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{store / 'mlflow.db'}"
    original = getattr(registry_utils.set_registry_uri, "__wrapped__", registry_utils.set_registry_uri)

    def set_registry_uri(registry_uri: str) -> None:
        if registry_uri == DATABRICKS_UC or str(registry_uri).startswith(DATABRICKS_UC + "://"):
            registry_uri = uri
        original(registry_uri)

    set_registry_uri.__wrapped__ = original
    set_registry_uri.__doc__ = original.__doc__
    for module in (mlflow, mlflow.tracking, registry_utils):
        module.set_registry_uri = set_registry_uri
    # The sqlite store makes its default artifact root, `./mlruns`, in the working folder when it
    # first opens (mlflow/tracking/_tracking_service/utils.py, _get_sqlalchemy_store): here it is
    # the store's own folder, so a local run leaves nothing in the folder it was started from.
    from mlflow.tracking._tracking_service import utils as tracking_utils

    tracking_utils.DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH = artifact_root(store)
    mlflow.set_tracking_uri(uri)
    original(uri)
    return uri


def artifact_root(store: Path) -> str:
    """Where the experiments' artifacts go (the models the runs log)."""
    path = Path(store).resolve() / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path.as_uri()


def create_experiment(store: Path, name: str) -> str:
    """The experiment the program declares, created with its artifacts under the store (as
    `pulumi up` creates it before any job runs); returns its id."""
    import mlflow

    existing = mlflow.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    return mlflow.create_experiment(name, artifact_location=artifact_root(store) + "/" + name.strip("/").replace("/", "_"))


# ------------------------------------------------------------------------------ the notebooks


def run_notebook(
    path: Path,
    spark: Any,
    parameters: Mapping[str, str],
    task_values: TaskValues,
    volumes: Optional[Volumes] = None,
    library_dirs: Iterable[Path] = (),
) -> Optional[str]:
    """Run a notebook source file as a job task does: a fresh namespace with `spark`, `dbutils`
    and `display`, the notebook's folder first on `sys.path` (as Databricks puts it there), and
    the modules it imported forgotten afterwards (each task has its own Python process on a job
    cluster). Returns the `dbutils.notebook.exit` value, if any.
    """
    path = Path(path)
    folders = [str(path.parent.resolve())] + [str(Path(d).resolve()) for d in library_dirs]
    source = path.read_text()
    namespace: Dict[str, Any] = {
        "__name__": "__main__",
        "__file__": str(path),
        "spark": spark,
        "dbutils": DBUtils(parameters, task_values, volumes),
        "display": lambda df, *a, **k: df.show() if hasattr(df, "show") else print(df),
    }
    # Modules of the same names imported from elsewhere (the repository's copy) step aside, so
    # that the notebook imports the uploaded ones; they come back afterwards.
    shadowed = {}
    for folder in folders:
        for entry in Path(folder).iterdir():
            top = entry.stem if entry.suffix == ".py" else entry.name
            if entry.suffix == ".py" or (entry / "__init__.py").exists():
                for name in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
                    shadowed[name] = sys.modules.pop(name)
    before = set(sys.modules)
    sys.path[:0] = folders
    try:
        exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - running the notebook is the point
    except NotebookExit as done:
        return done.value
    finally:
        for folder in folders:
            if folder in sys.path:
                sys.path.remove(folder)
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if any(module_file.startswith(f) for f in folders):
                del sys.modules[name]
        sys.modules.update(shadowed)
    return None


def run_python_file(
    path: Path,
    spark: Any,
    arguments: Iterable[str],
    task_values: TaskValues,
    volumes: Optional[Volumes] = None,
) -> None:
    """Run a Python file as a `spark_python_task` does: `__main__` with the task's arguments in
    `sys.argv`, its folder first on `sys.path`. Unlike a notebook it gets no `spark` or `dbutils`
    globals; it builds its session (`SparkSession.builder.getOrCreate()` returns this one)."""
    path = Path(path)
    folder = str(path.parent.resolve())
    argv = sys.argv
    sys.argv = [str(path), *arguments]
    sys.path.insert(0, folder)
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as done:
        if done.code not in (None, 0):
            raise RuntimeError(f"{path.name} exited with status {done.code}") from None
    finally:
        sys.argv = argv
        if folder in sys.path:
            sys.path.remove(folder)
