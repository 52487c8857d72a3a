"""Stated vs revealed preferences on a simulated person: the value model learns the
person's ratings (regretted = clickbait) from real MiniLM embeddings."""

import numpy as np

from feedaudit.analytics import (
    calibration_kl,
    exposure_share,
    fit_value_model,
    intended_shares,
    predicted_regret,
)
from feedaudit.simulator import Person, SimulationConfig, catalog_item, impressions_from_simulation, simulate

RATER = Person(interest={"Technology": 0.9, "Science": 0.9, "Gaming": 0.9, "Music": 0.9}, rating_probability=1.0)


def test_value_model_learns_simulated_ratings(catalog_embeddings):
    result = simulate(SimulationConfig(seed=0, days=28, sessions_per_day=4, items_per_session=(100, 200), person=RATER))
    ratings = result.truth.ratings
    labels = [rating["rating"] for rating in ratings]
    rated_rows = catalog_embeddings[[rating["item_index"] for rating in ratings]]
    model = fit_value_model(rated_rows, labels)
    majority = max(labels.count(1), labels.count(-1)) / len(labels)
    assert model.status == "ok" and labels.count(-1) >= 5
    assert model.cv_accuracy >= 0.9 and model.cv_accuracy > majority
    impressions = impressions_from_simulation(result)
    found = predicted_regret(model, impressions.item_index, impressions.dwell_ms, catalog_embeddings)
    true_bait_share = np.mean([catalog_item(index).clickbait for index in impressions.item_index])
    assert 0.5 * true_bait_share < found.exposure_share < 1.5 * true_bait_share


def test_stated_intentions_against_the_simulated_feed():
    result = simulate(SimulationConfig(seed=0, days=7))
    impressions = impressions_from_simulation(result)
    exposed = exposure_share(impressions.category)
    intended = intended_shares(result.truth.intentions, exposed)
    assert intended["News & Politics"] <= 0.1 + 1e-9
    assert intended["Science"] > exposed["Science"]
    assert calibration_kl(intended, exposed) > 0
    assert abs(calibration_kl(exposed, exposed)) < 1e-12
