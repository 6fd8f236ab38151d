"""What the workspace does around the jobs, simulated from the plan's resources.

- `deploy`: what `pulumi up` leaves before a job runs: the uploaded notebooks and modules (the
  plan's `Notebook` and `WorkspaceFile` contents, byte for byte), the schemas, the volumes'
  folders, the experiment, the processed inference table (the `SqlTable`'s declared columns).
- `served_entities`: `system.serving.served_entities`, the rows the processing notebook reads to
  map a served entity id to its model version.
- `serve`: the serving endpoint scoring requests with the versions its routes serve, logging each
  request and response to the AI Gateway inference table (`<prefix>_payload`) in its shape, in
  commits that need not follow the requests' times.
- `refresh_monitor`: the quality monitor's refresh, writing `<table>_drift_metrics`: per column,
  the consecutive drift between the latest window and the one before, for each served model and
  for all of them (`'*'`), as an InferenceLog monitor writes its rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from localrun.runtime import Volumes, create_experiment, create_schema, uc_to_local

SPARK_TYPES = {"timestamp", "date", "string", "int", "bigint", "double", "float", "boolean", "long"}

# --------------------------------------------------------------------------------- pulumi up


def deploy(spark: Any, root: Path, spec: Mapping[str, Any], mlflow_store: Path) -> None:
    """Create locally what the plan declares for the project and its jobs read."""
    root = Path(root)
    for f in spec["workspaceFiles"]:
        suffix = ".py" if f["kind"] == "notebook" else ""
        target = root / "workspace" / (f["path"].lstrip("/") + suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(f["contentBase64"]))
    for schema in spec["schemas"]:
        create_schema(spark, schema)
    volumes = Volumes(root / "volumes")
    for volume in spec["volumes"]:
        Path(volumes.local(volume)).mkdir(parents=True, exist_ok=True)
    for experiment in spec["experiments"]:
        create_experiment(mlflow_store, experiment)
    for table in spec["tables"]:
        create_table(spark, table["name"], table["columns"])


def create_table(spark: Any, name: str, columns: Sequence[Mapping[str, str]]) -> None:
    """A managed Delta table with the declared columns, as the `SqlTable` resource creates it."""
    if spark.catalog.tableExists(name):
        return
    for c in columns:
        if c["type"].lower() not in SPARK_TYPES:
            raise ValueError(f"{name}: column {c['name']} has a type {c['type']!r} the local runtime does not create")
    cols = ", ".join(f"`{c['name']}` {c['type']}" for c in columns)
    spark.sql(f"CREATE TABLE {quoted(name)} ({cols}) USING DELTA")


def quoted(name: str) -> str:
    """A Unity Catalog name as the quoted local name, for SQL text."""
    return ".".join(f"`{p}`" for p in uc_to_local(name).split("."))


# ------------------------------------------------------------------------------------ serving


def entity_id(endpoint: str, served_entity: str) -> str:
    """A stable served entity id, as the inference table logs it (a hex id in a workspace)."""
    return hashlib.sha256(f"{endpoint}/{served_entity}".encode()).hexdigest()[:32]


def served_entities(spark: Any, endpoints: Sequence[Mapping[str, Any]]) -> None:
    """`system.serving.served_entities` for the plan's endpoints."""
    rows = [
        (entity_id(e["name"], s["name"]), e["name"], s["name"], s["entityName"], int(s["entityVersion"]))
        for e in endpoints
        for s in e["servedEntities"]
    ]
    create_schema(spark, "system.serving")
    frame = spark.createDataFrame(
        rows, "served_entity_id string, endpoint_name string, served_entity_name string, entity_name string, entity_version int"
    )
    frame.write.format("delta").mode("overwrite").saveAsTable("system.serving.served_entities")


PAYLOAD_SCHEMA = (
    "request_date date, databricks_request_id string, client_request_id string, request_time timestamp, "
    "status_code int, sampling_fraction double, execution_duration_ms bigint, request string, response string, "
    "served_entity_id string, logging_error_codes array<string>, requester string"
)
"""The AI Gateway inference table's columns (Databricks: "AI Gateway-enabled inference tables")."""


def serve(
    spark: Any,
    endpoint: Mapping[str, Any],
    records: pd.DataFrame,
    when: datetime,
    seed: int = 0,
    batch: int = 10,
    late: int = 0,
    between: Callable[[], Any] = lambda: None,
) -> int:
    """Score `records` through the endpoint's routes and log each request to its inference table.

    Requests of `batch` records go to a route picked by the routes' traffic percentages; each is
    scored by its served entity's model version (`models:/<name>/<version>`), in the
    `dataframe_split` form a client sends, with the client's columns in the client's order (here
    the reverse of the records'): the model's signature matches them by name, as the endpoint's
    does. The inference table is written asynchronously: with `late`, the first `late` requests
    are committed after all the others, with their earlier times, and `between` runs between the
    two commits (the processing job's schedule may fall there); 0: one commit. Returns the number
    of requests logged.
    """
    import mlflow

    rng = np.random.default_rng(seed)
    entities = {s["name"]: s for s in endpoint["servedEntities"]}
    routes = endpoint["routes"]
    weights = np.array([r["trafficPercentage"] for r in routes], dtype=float)
    models: Dict[str, Any] = {}
    rows: List[tuple] = []
    for i, start in enumerate(range(0, len(records), batch)):
        chunk = records.iloc[start : start + batch]
        route = routes[int(rng.choice(len(routes), p=weights / weights.sum()))]
        entity = entities[route["servedEntityName"]]
        uri = f"models:/{entity['entityName']}/{entity['entityVersion']}"
        if uri not in models:
            models[uri] = mlflow.pyfunc.load_model(uri)
        model = models[uri]
        inputs = chunk[list(reversed(chunk.columns))]
        predictions = [v.item() if hasattr(v, "item") else v for v in np.asarray(model.predict(inputs)).tolist()]
        request = {"dataframe_split": json.loads(inputs.to_json(orient="split", index=False))}
        ts = when + timedelta(seconds=i)
        rows.append(
            (
                ts.date(),
                str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i)),
                None,
                ts,
                200,
                1.0,
                int(rng.integers(5, 50)),
                json.dumps(request),
                json.dumps({"predictions": predictions}),
                entity_id(endpoint["name"], entity["name"]),
                None,
                "local-run",
            )
        )
    late = min(late, len(rows) // 2)
    commits = [rows[late:], rows[:late]] if late else [rows]
    for i, commit in enumerate(commits):
        if i:
            between()
        frame = spark.createDataFrame(commit, PAYLOAD_SCHEMA)
        frame.write.format("delta").mode("append").saveAsTable(endpoint["inferenceTable"])
    return len(rows)


# ------------------------------------------------------------------------------------ monitor

GRANULARITY = {"5 minutes": timedelta(minutes=5), "30 minutes": timedelta(minutes=30), "1 hour": timedelta(hours=1), "1 day": timedelta(days=1), "1 week": timedelta(weeks=1)}


def _window_start(ts: pd.Timestamp, size: timedelta) -> pd.Timestamp:
    epoch = pd.Timestamp(0, tz="UTC")
    return epoch + ((ts - epoch) // size) * size


def js_distance(a: pd.Series, b: pd.Series) -> Optional[float]:
    """Jensen-Shannon distance (base 2) of two categorical distributions; None when one is empty."""
    a, b = a.dropna().astype(str), b.dropna().astype(str)
    if a.empty or b.empty:
        return None
    cats = sorted(set(a) | set(b))
    p = a.value_counts(normalize=True).reindex(cats, fill_value=0).to_numpy()
    q = b.value_counts(normalize=True).reindex(cats, fill_value=0).to_numpy()
    m = (p + q) / 2

    def kl(x: np.ndarray, y: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log2(x[mask] / y[mask])))

    return math.sqrt(max(0.0, (kl(p, m) + kl(q, m)) / 2))


def ks_statistic(a: pd.Series, b: pd.Series) -> Optional[float]:
    """The two-sample Kolmogorov-Smirnov statistic of two numeric samples."""
    a, b = np.sort(a.dropna().astype(float).to_numpy()), np.sort(b.dropna().astype(float).to_numpy())
    if len(a) == 0 or len(b) == 0:
        return None
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


ALL_MODELS = "*"


def drift_rows(processed: pd.DataFrame, inference_log: Mapping[str, Any]) -> List[dict]:
    """The consecutive drift of the latest window against the one before, per column, as an
    InferenceLog monitor writes it: the whole-table rows (no slice) for each served model (by the
    model id column) and for all of them together (model id `'*'`), with the drift type. A model
    that has no rows in one of the two windows has no consecutive drift of its own."""
    ts_col, model_col = inference_log["timestampCol"], inference_log["modelIdCol"]
    size = GRANULARITY.get(inference_log["granularities"][0], timedelta(days=1))
    if processed.empty:
        return []
    ts = pd.to_datetime(processed[ts_col], utc=True)
    starts = ts.map(lambda t: _window_start(t, size))
    windows = sorted(starts.unique())
    if len(windows) < 2:
        return []
    latest, previous = windows[-1], windows[-2]
    classification = inference_log["problemType"] == "PROBLEM_TYPE_CLASSIFICATION"
    categorical = [model_col, "model_version"]
    # The model's inputs: the processed table's columns after the record's position.
    names = list(processed.columns)
    numeric: List[str] = names[names.index("record_index") + 1 :] if "record_index" in names else []
    for col in [inference_log["predictionCol"], inference_log.get("labelCol")]:
        if col:
            (categorical if classification else numeric).append(col)
    groups = [(ALL_MODELS, processed)] + [(str(m), processed[processed[model_col] == m]) for m in sorted(processed[model_col].dropna().unique())]
    out = []
    for model, rows in groups:
        now_rows, before_rows = rows[starts[rows.index] == latest], rows[starts[rows.index] == previous]
        if now_rows.empty or before_rows.empty:
            continue
        for col in categorical + numeric:
            if col not in processed.columns:
                continue
            a, b = before_rows[col], now_rows[col]
            ks = None if col in categorical else ks_statistic(a, b)
            out.append(
                {
                    "window": {"start": latest.to_pydatetime(), "end": (latest + size).to_pydatetime()},
                    "window_cmp": {"start": previous.to_pydatetime(), "end": (previous + size).to_pydatetime()},
                    "granularity": inference_log["granularities"][0],
                    model_col: model,
                    "column_name": col,
                    "slice_key": None,
                    "slice_value": None,
                    "drift_type": "CONSECUTIVE",
                    "js_distance": js_distance(a, b) if col in categorical else None,
                    "ks_test": None if ks is None else {"statistic": ks, "pvalue": None},
                }
            )
    return out


def drift_schema(model_col: str) -> str:
    """The simulated drift metrics table's columns (a subset of the real table's)."""
    return (
        "window struct<start: timestamp, end: timestamp>, window_cmp struct<start: timestamp, end: timestamp>, "
        f"granularity string, `{model_col}` string, column_name string, slice_key string, slice_value string, "
        "drift_type string, js_distance double, ks_test struct<statistic: double, pvalue: double>"
    )


def refresh_monitor(spark: Any, monitor: Mapping[str, Any]) -> int:
    """Write the monitor's `<table>_drift_metrics` from the processed table; returns its rows."""
    processed = spark.table(monitor["tableName"]).toPandas()
    log = monitor["inferenceLog"]
    rows = drift_rows(processed, log)
    frame = spark.createDataFrame([tuple(r.values()) for r in rows], drift_schema(log["modelIdCol"]))
    frame.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(monitor["tableName"] + "_drift_metrics")
    return len(rows)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)
