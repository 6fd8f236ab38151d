"""MLflow calls the notebooks share, written against the API every supported MLflow version has.

The runtimes' MLflow versions differ (2.x on the older LTS ML runtimes, 3.x on the newer): this
module uses only what both have, and says where it branches. MLflow is passed in (the notebook's
`mlflow` module), so that nothing here imports it at import time.

- `log_and_register`: `ModelInfo.registered_model_version` exists only from MLflow 3
  (mlflow/mlflow: mlflow/models/model.py, `ModelInfo`); reading it under 2.x raises
  `AttributeError` after `log_model(registered_model_name=...)` has already registered a version,
  which then never gets an alias. Here the model is logged, then registered with
  `mlflow.register_model(info.model_uri, name)` (mlflow/tracking/_model_registry/fluent.py), which
  returns the `ModelVersion` in every version. `log_model` names the model `name` from MLflow 3
  (`artifact_path` is deprecated there) and `artifact_path` before: the one the function has.
- `validation_dataset`: `mlflow.data.from_pandas` with a `DeltaDatasetSource` naming the table
  and its Delta version (mlflow/data/pandas_dataset.py, mlflow/data/delta_dataset_source.py), for
  `mlflow.log_input` (mlflow/tracking/fluent.py), all since MLflow 2.4.
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping, Optional, Sequence

MODEL_NAME_IN_RUN = "model"


def log_model_kwargs(log_model: Any) -> dict:
    """The keyword that names the model in the run, for this MLflow's `log_model`."""
    parameters = inspect.signature(log_model).parameters
    return {"name": MODEL_NAME_IN_RUN} if "name" in parameters else {"artifact_path": MODEL_NAME_IN_RUN}


def log_and_register(
    mlflow: Any,
    sk_model: Any,
    model_name: str,
    signature: Any,
    input_example: Any = None,
    code_paths: Optional[Sequence[str]] = None,
) -> str:
    """Log a scikit-learn model in the active run, register it as a new version of `model_name`
    and return the version (a string)."""
    info = mlflow.sklearn.log_model(
        sk_model=sk_model,
        signature=signature,
        input_example=input_example,
        code_paths=list(code_paths) if code_paths else None,
        **log_model_kwargs(mlflow.sklearn.log_model),
    )
    return str(mlflow.register_model(info.model_uri, model_name).version)


def validation_dataset(mlflow: Any, frame: Any, table: str, version: Optional[int], targets: str) -> Any:
    """The validation rows as an MLflow dataset whose source is the Delta table at its version."""
    from mlflow.data.delta_dataset_source import DeltaDatasetSource

    source = DeltaDatasetSource(delta_table_name=table, delta_table_version=version)
    name = f"{table}@v{version}" if version is not None else table
    return mlflow.data.from_pandas(frame, source=source, targets=targets, name=name)


def log_validation(
    mlflow: Any,
    candidate_version: str,
    candidate: Mapping[str, float],
    champion_version: Optional[str],
    champion: Optional[Mapping[str, float]],
    decision: Any,
    params: Mapping[str, Any],
    dataset: Any = None,
) -> None:
    """Log a validation run's content in the active run: both versions' metrics (`candidate_<m>`,
    `champion_<m>`), the decision and its reasons, the gate's parameters and the validation rows."""
    mlflow.log_params({**{k: str(v) for k, v in params.items()}, "candidate_version": candidate_version, "champion_version": champion_version or "none"})
    mlflow.log_metrics({f"candidate_{k}": float(v) for k, v in candidate.items()})
    if champion is not None:
        mlflow.log_metrics({f"champion_{k}": float(v) for k, v in champion.items()})
    mlflow.set_tags(
        {
            "decision": "promoted" if decision.promoted else ("challenger" if decision.passes else "rejected"),
            "aliases": ",".join(decision.aliases),
            "cleared": ",".join(decision.cleared),
        }
    )
    mlflow.log_text("\n".join(decision.reasons) + "\n", "validation/reasons.txt")
    if dataset is not None:
        mlflow.log_input(dataset, context="validation")
