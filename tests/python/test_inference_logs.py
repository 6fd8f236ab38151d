"""Unpacking AI Gateway inference-table rows into one row per prediction."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest

from mlops_lib.inference_logs import output_columns, predictions, record_count, record_labels, records, unpack, value_type


def payload_row(request_id: str, request: dict, response: dict, status: int = 200, entity: str = "e1") -> dict:
    return {
        "request_time": datetime(2025, 3, 8, 10, 0),
        "request_date": date(2025, 3, 8),
        "databricks_request_id": request_id,
        "served_entity_id": entity,
        "status_code": status,
        "request": json.dumps(request),
        "response": json.dumps(response),
    }


SPLIT = {"dataframe_split": {"columns": ["tenure"], "data": [[1], [2]]}}
RECORDS = {"dataframe_records": [{"tenure": 1}, {"tenure": 2}, {"tenure": 3}]}


def test_record_count_reads_both_request_forms() -> None:
    assert record_count(json.dumps(SPLIT)) == 2
    assert record_count(json.dumps(RECORDS)) == 3
    assert record_count(json.dumps({"inputs": [1]})) is None
    assert record_count("not json") is None
    assert record_count(None) is None


def test_predictions_are_cast_to_the_problem_type() -> None:
    assert predictions('{"predictions": [1, 0, 1.0]}', "int") == [1, 0, 1]
    assert predictions('{"predictions": [1.5]}', "int") is None  # not a class
    assert predictions('{"predictions": [1.5, 2]}', "double") == [1.5, 2.0]
    assert predictions('{"predictions": [{"a": 1}]}', "int") is None
    assert predictions('{"error": "boom"}', "int") is None
    assert value_type("PROBLEM_TYPE_CLASSIFICATION") == "int"
    assert value_type("PROBLEM_TYPE_REGRESSION") == "double"


def test_one_row_per_prediction() -> None:
    payload = pd.DataFrame(
        [
            payload_row("r1", SPLIT, {"predictions": [1, 0]}),
            payload_row("r2", RECORDS, {"predictions": [0, 0, 1]}, entity="e2"),
        ]
    )
    rows = unpack(payload, versions={"e1": "3"})
    assert list(rows.columns) == output_columns("timestamp", "model_id", "prediction")
    assert rows["databricks_request_id"].tolist() == ["r1", "r1", "r2", "r2", "r2"]
    assert rows["prediction"].tolist() == [1, 0, 0, 0, 1]
    assert rows["model_id"].tolist() == ["e1", "e1", "e2", "e2", "e2"]
    # e2 is not in the served-entities mapping: its id stands in for the version.
    assert rows["model_version"].tolist() == ["3", "3", "e2", "e2", "e2"]
    assert rows["timestamp"].iloc[0] == datetime(2025, 3, 8, 10, 0)


def test_failed_and_misaligned_requests_are_left_out() -> None:
    payload = pd.DataFrame(
        [
            payload_row("bad-status", SPLIT, {"predictions": [1, 0]}, status=500),
            payload_row("too-few", SPLIT, {"predictions": [1]}),
            payload_row("no-predictions", SPLIT, {"error": "x"}),
            payload_row("ok", SPLIT, {"predictions": [1, 1]}),
        ]
    )
    assert unpack(payload)["databricks_request_id"].tolist() == ["ok", "ok"]


def test_an_empty_payload_gives_an_empty_table_with_the_columns() -> None:
    rows = unpack(pd.DataFrame(columns=list(payload_row("x", SPLIT, {}).keys())), ts_col="ts", prediction_col="p")
    assert rows.empty
    assert list(rows.columns) == ["ts", "request_date", "databricks_request_id", "model_id", "model_version", "p", "record_index"]


def test_custom_column_names_and_regression_values() -> None:
    payload = pd.DataFrame([payload_row("r1", SPLIT, {"predictions": [250000.5, 199999]})])
    rows = unpack(payload, ts_col="ts", model_id_col="served_model", prediction_col="price_hat", kind="double")
    assert rows["price_hat"].tolist() == [250000.5, 199999.0]
    assert "served_model" in rows.columns


def test_records_are_named_by_their_columns_in_both_request_forms() -> None:
    assert records(json.dumps({"dataframe_split": {"columns": ["b", "a"], "data": [[1, 2], [3, 4]]}})) == [{"b": 1, "a": 2}, {"b": 3, "a": 4}]
    assert records(json.dumps(RECORDS)) == [{"tenure": 1}, {"tenure": 2}, {"tenure": 3}]
    assert records(json.dumps({"inputs": [1]})) is None


def test_rows_carry_the_record_position_and_the_inputs_by_name() -> None:
    request = {"dataframe_split": {"columns": ["monthly_charges", "tenure"], "data": [[70.5, 3], [20.0, None]]}}
    rows = unpack(pd.DataFrame([payload_row("r1", request, {"predictions": [1, 0]})]), input_cols=["tenure", "monthly_charges"])
    assert list(rows.columns) == output_columns("timestamp", "model_id", "prediction", input_cols=["tenure", "monthly_charges"])
    assert rows["record_index"].tolist() == [0, 1]
    assert rows["tenure"].tolist()[0] == 3.0 and pd.isna(rows["tenure"].iloc[1])
    assert rows["monthly_charges"].tolist() == [70.5, 20.0]


def test_a_request_id_seen_twice_counts_once() -> None:
    payload = pd.DataFrame([payload_row("r1", SPLIT, {"predictions": [1, 0]}), payload_row("r1", SPLIT, {"predictions": [1, 0]})])
    assert unpack(payload)["databricks_request_id"].tolist() == ["r1", "r1"]


def unlabelled(*requests: tuple) -> pd.DataFrame:
    """(request id, records) pairs as the processed rows without a label."""
    return pd.DataFrame([{"databricks_request_id": r, "record_index": i} for r, n in requests for i in range(n)])


def test_per_record_labels_label_each_record() -> None:
    labels = pd.DataFrame({"databricks_request_id": ["r1", "r1", "r2"], "record_index": [0, 1, 0], "label": [1.0, 0.0, 1.0]})
    out = record_labels(labels, "label", unlabelled(("r1", 2), ("r3", 1)))
    assert out.values.tolist() == [["r1", 0, 1], ["r1", 1, 0]]
    assert str(out["label"].dtype) == "Int64"


def test_a_request_label_never_labels_every_record_of_a_multi_record_request() -> None:
    labels = pd.DataFrame({"databricks_request_id": ["r1", "r2"], "label": [1.0, 0.0]})
    out = record_labels(labels, "label", unlabelled(("r1", 3), ("r2", 1)))
    assert out.values.tolist() == [["r2", 0, 0]]


def test_no_labels_or_nothing_unlabelled_gives_no_updates() -> None:
    assert record_labels(pd.DataFrame(columns=["databricks_request_id", "label"]), "label", unlabelled(("r1", 1))).empty
    assert record_labels(pd.DataFrame({"databricks_request_id": ["r1"], "label": [1.0]}), "label", unlabelled()).empty


@pytest.mark.parametrize("label_col, expected", [("", 7), ("label", 8)])
def test_output_columns_add_the_label_only_when_set(label_col: str, expected: int) -> None:
    assert len(output_columns("timestamp", "model_id", "prediction", label_col)) == expected
    assert output_columns("timestamp", "model_id", "prediction", label_col, ["x"])[-2:] == ["record_index", "x"]
