"""Batch inference from @champion, and the endpoint's inference table unpacked into the processed
table the quality monitor watches, exactly as the program's SqlTable declares it."""

from __future__ import annotations

from datetime import timedelta

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
