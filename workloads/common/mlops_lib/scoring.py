"""Batch scoring by column name.

`mlflow.pyfunc.spark_udf` hands the model its arguments in the order they are passed and names
them after the signature's inputs in that order (mlflow/mlflow: mlflow/pyfunc/__init__.py,
`spark_udf`'s `_predict_row_batch`): a table whose columns are in another order is scored on the
wrong columns, without an error. The columns are therefore picked by the signature's names, in
the signature's order, whatever the table's order, and a model without a signature is refused.
"""

from __future__ import annotations

from typing import List, Optional, Sequence


def input_columns(signature_inputs: Optional[Sequence[str]], table_columns: Sequence[str], table: str, model: str) -> List[str]:
    """The table's columns to pass to the model, in the order of the model's signature."""
    if not signature_inputs:
        raise ValueError(
            f"{model} has no input signature with column names: batch inference scores by name and cannot "
            "tell which columns of the table are its inputs (log the model with a signature)"
        )
    missing = [c for c in signature_inputs if c not in table_columns]
    if missing:
        raise ValueError(
            f"{table} lacks the input column(s) {', '.join(missing)} that {model} takes; "
            f"its columns: {', '.join(table_columns)}"
        )
    return list(signature_inputs)
