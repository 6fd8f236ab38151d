"""Put the workload folders on sys.path, as Databricks puts a notebook's folder on it, so that the
tests import `mlops_lib`, `churn_lib` and `regression_lib` exactly as the notebooks do."""

from __future__ import annotations

import sys
from pathlib import Path

WORKLOADS = Path(__file__).resolve().parents[2] / "workloads"

for folder in ("common", "churn", "regression"):
    path = str(WORKLOADS / folder)
    if path not in sys.path:
        sys.path.insert(0, path)

