"""Batch inference from @champion, and the endpoint's inference table unpacked into the processed
table the quality monitor watches, exactly as the program's SqlTable declares it."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from conftest import Env, param

from localrun.workspace import serve, served_entities, utc_now


def test_batch_inference_scores_with_the_champion_and_records_its_version(env: Env, churn: dict, client) -> None:
    job = env.job(churn, "inference")
    env.run(churn, "inference")
    champion = client.get_model_version_by_alias(param(job, "model_name"), "champion").version
    predictions = env.spark.table(param(job, "output_table")).toPandas()
    features = env.spark.table(param(job, "input_table")).count()
    assert len(predictions) >= features > 0
    latest = predictions[predictions["scored_at"] == predictions["scored_at"].max()]
    assert len(latest) == features
    assert set(latest["model_version"]) == {str(champion)}
    assert set(latest["prediction"]) <= {0, 1}


def test_batch_inference_scores_by_column_name(env: Env, churn: dict) -> None:
    """The same rows with the columns in another order (a customers table is not laid out as the
    features table is) get the same predictions."""
    job = env.job(churn, "inference")
    source, output = param(job, "input_table"), param(job, "output_table")
    rows = env.spark.table(source)
    reordered = source + "_reordered"
    env.write(reordered, rows.select(*reversed(rows.columns)).toPandas())
    env.run(churn, "inference", parameters={"output_table": output + "_by_name"})
    env.run(churn, "inference", parameters={"input_table": reordered, "output_table": output + "_reordered"})

    def predictions(table: str) -> dict:
        frame = env.spark.table(table).toPandas()
        return dict(zip(frame["customer_id"], frame["prediction"]))

    by_name, reordered_predictions = predictions(output + "_by_name"), predictions(output + "_reordered")
    assert len(by_name) == rows.count() > 0
    assert reordered_predictions == by_name


def test_the_processed_table_has_the_declared_columns_filled(env: Env, churn: dict) -> None:
    (endpoint,) = churn["endpoints"]
    (declared,) = churn["tables"]  # the SqlTable of the plan: the TypeScript declaration
    served_entities(env.spark, churn["endpoints"])
    with env.sample(churn) as sample:
        records = sample.serving_requests(rows=60, seed=3)
    requests = serve(env.spark, endpoint, records, utc_now() - timedelta(hours=1), seed=3)
    assert requests == 6

    env.run(churn, "processing")
    processed = env.spark.table(declared["name"])
    assert [(f.name, f.dataType.simpleString()) for f in processed.schema.fields] == [
        (c["name"], c["type"]) for c in declared["columns"]
    ]
    rows = processed.toPandas()
    assert len(rows) == 60
    label = param(env.job(churn, "processing"), "label_col")
    filled = [c["name"] for c in declared["columns"] if c["name"] != label]  # no labels table: no label yet
    assert rows[filled].notna().all().to_dict() == {c: True for c in filled}
    # The served entity id maps to the version the endpoint serves (system.serving.served_entities).
    assert set(rows["model_version"]) == {endpoint["servedEntities"][0]["entityVersion"]}

    # A second run appends only what is new: nothing.
    env.run(churn, "processing")
    assert env.spark.table(declared["name"]).count() == 60
    # The model's inputs are in the processed table, from the requests (by name), for the monitor.
    inputs = [c for c in records.columns if c in rows.columns]
    assert inputs == ["tenure", "monthly_charges", "support_calls"]
    by_record = rows.sort_values(["timestamp", "record_index"])[inputs].reset_index(drop=True)
    assert by_record.equals(records[inputs].reset_index(drop=True))


def test_rows_committed_late_and_replayed_commits_are_processed_once(env: Env, churn: dict) -> None:
    """The inference table is written asynchronously: requests committed after later ones, with
    their earlier times, after a processing run, are still processed; a commit replayed adds nothing."""
    (endpoint,) = churn["endpoints"]
    (declared,) = churn["tables"]
    served_entities(env.spark, churn["endpoints"])
    before = env.spark.table(declared["name"]).count()
    with env.sample(churn) as sample:
        records = sample.serving_requests(rows=50, seed=4)
    serve(env.spark, endpoint, records, utc_now() - timedelta(minutes=30), seed=4, late=2, between=lambda: env.run(churn, "processing"))
    env.run(churn, "processing")
    assert env.spark.table(declared["name"]).count() == before + 50

    payload = env.spark.table(endpoint["inferenceTable"])
    payload.orderBy(payload["request_time"].desc()).limit(3).write.format("delta").mode("append").saveAsTable(endpoint["inferenceTable"])
    env.run(churn, "processing")
    processed = env.spark.table(declared["name"]).toPandas()
    assert len(processed) == before + 50
    assert not processed.duplicated(["databricks_request_id", "record_index"]).any()


def test_labels_reach_each_record_whenever_they_arrive(env: Env, churn: dict) -> None:
    (declared,) = churn["tables"]
    job = env.job(churn, "processing")
    label = param(job, "label_col")
    processed = env.spark.table(declared["name"]).toPandas()
    requests = processed.groupby("databricks_request_id")["record_index"].max()
    first, second = requests.index[:2]
    assert requests[first] > 0  # a multi-record request
    labels_table = param(job, "processed_table") + "_labels"
    # Per-record labels of one request; a request-level label of another (not given to its records).
    per_record = [{"databricks_request_id": first, "record_index": i, label: float(i % 2)} for i in range(requests[first] + 1)]
    env.write(labels_table, pd.DataFrame(per_record))
    env.run(churn, "processing", parameters={"labels_table": labels_table})
    env.write(labels_table + "_by_request", pd.DataFrame([{"databricks_request_id": second, label: 1.0}]))
    env.run(churn, "processing", parameters={"labels_table": labels_table + "_by_request"})

    after = env.spark.table(declared["name"]).toPandas()
    got = after[after["databricks_request_id"] == first].sort_values("record_index")[label].tolist()
    assert got == [i % 2 for i in range(requests[first] + 1)]
    assert after[after["databricks_request_id"] == second][label].isna().all()
    assert after[~after["databricks_request_id"].isin([first])][label].isna().all()
