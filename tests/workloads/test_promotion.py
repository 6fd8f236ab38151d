"""Deploy-model: production's promotion job copies the development champion into the production
model, validates it on production data and moves production's aliases."""

from __future__ import annotations

from conftest import Env, param


def aliases(client, name: str) -> dict:
    return {a: str(v) for a, v in client.get_registered_model(name).aliases.items()}


def test_the_promotion_copies_the_champion_and_moves_the_aliases(env: Env, churn: dict, client) -> None:
    production = env.target("churn", stack="prod")
    job = env.job(production, "promotion")
    source, target = param(job, "source_model"), param(job, "target_model")
    assert source == param(env.job(churn, "training"), "model_name")  # the development model trained here
    with env.sample(production) as sample:
        env.write(param(job, "validation_table"), sample.validation_data())

    env.run(production, "promotion")
    champion = client.get_model_version_by_alias(source, "champion")
    copied = client.get_model_version(target, "1")
    assert copied.source == f"models:/{source}/{champion.version}"
    assert aliases(client, target) == {"champion": "1"}

    # Promoted again: a new production version of the same model scores the same, and a tie keeps
    # the champion: the copy waits as challenger.
    env.run(production, "promotion")
    assert aliases(client, target) == {"champion": "1", "challenger": "2"}
