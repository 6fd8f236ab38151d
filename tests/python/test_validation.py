"""The fixed validation set, the training window and the training data's digest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlops_lib.scoring import input_columns
from mlops_lib.tracking import log_model_kwargs
from mlops_lib.validation import data_digest, split_rows, training_window, validation_mask


def test_an_id_is_on_the_same_side_on_every_run() -> None:
    ids = [f"c{i}" for i in range(2000)]
    first = validation_mask(ids)
    assert first.tolist() == validation_mask(list(reversed(ids)))[::-1].tolist()
    # Known ids, so that a change of the hash (which would move every model's validation rows) fails here.
    assert [i for i in range(40) if validation_mask([f"c{i}"])[0]] == [0, 4, 10, 18, 23, 25, 26, 32, 33, 36]
    assert 0.17 < first.mean() < 0.23


def test_the_mask_does_not_depend_on_the_other_ids() -> None:
    assert validation_mask(["a", "b", "c"])[1] == validation_mask(["b"])[0]


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_a_fraction_outside_0_1_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        validation_mask(["a"], fraction)


def test_split_rows_partitions_the_table() -> None:
    table = pd.DataFrame({"id": range(500), "x": np.arange(500.0)})
    train, validation = split_rows(table, "id")
    assert len(train) + len(validation) == 500
    assert not set(train["id"]) & set(validation["id"])


def test_the_training_window_keeps_the_rows_of_the_newest_days() -> None:
    landed = pd.to_datetime(["2025-01-01", "2025-03-01", "2025-03-09", "2025-03-10"], utc=True)
    table = pd.DataFrame({"id": [1, 2, 3, 4], "landed_at": landed})
    assert training_window(table, 7)["id"].tolist() == [3, 4]
    assert training_window(table, 10)["id"].tolist() == [2, 3, 4]
    assert training_window(table, 0)["id"].tolist() == [1, 2, 3, 4]  # 0: no window
    assert training_window(table.drop(columns=["landed_at"]), 7)["id"].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="window_days"):
        training_window(table, -1)


def test_the_digest_ignores_row_and_column_order_and_sees_any_change() -> None:
    a = pd.DataFrame({"x": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    assert data_digest(a) == data_digest(a.iloc[::-1][["label", "x"]])
    assert data_digest(a) != data_digest(a.assign(label=[0, 1, 1]))
    assert data_digest(a) != data_digest(pd.concat([a, a.iloc[:1]]))


def test_batch_scoring_takes_the_signature_names_in_the_signature_order() -> None:
    assert input_columns(["a", "b"], ["id", "b", "a"], "t", "m") == ["a", "b"]
    with pytest.raises(ValueError, match=r"^t lacks the input column\(s\) b that m takes; its columns: id, a$"):
        input_columns(["a", "b"], ["id", "a"], "t", "m")
    with pytest.raises(ValueError, match="has no input signature"):
        input_columns(None, ["a"], "t", "m")


def test_the_model_is_named_as_this_mlflow_names_it() -> None:
    def mlflow3(sk_model, artifact_path=None, name=None): ...

    def mlflow2(sk_model, artifact_path=None): ...

    assert log_model_kwargs(mlflow3) == {"name": "model"}
    assert log_model_kwargs(mlflow2) == {"artifact_path": "model"}
