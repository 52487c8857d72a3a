"""A narrowing recommender: topic diversity, intra-list diversity and drift move the
planted way, measured with real MiniLM embeddings of the catalog titles."""

import math

import pytest

from feedaudit.analytics import drift, intra_list_diversity, topic_diversity
from feedaudit.analytics.timebins import iso_week_keys
from feedaudit.simulator import (
    Person,
    SimulationConfig,
    impressions_from_simulation,
    simulate,
)

FOCUSED = Person(interest={"Science": 0.9, "Technology": 0.9})


@pytest.fixture
def embeddings(catalog_embeddings):
    return catalog_embeddings


def _weekly(narrowing: float, embeddings):
    result = simulate(SimulationConfig(seed=1, days=28, lift=0.0, narrowing=narrowing, person=FOCUSED))
    impressions = impressions_from_simulation(result)
    weeks = iso_week_keys(impressions.ts_ms)
    order = sorted(set(weeks.tolist()))
    entropy = [topic_diversity(impressions.category[weeks == week]).entropy for week in order]
    ild = [intra_list_diversity(impressions.subset(weeks == week), embeddings).mean for week in order]
    from_first = list(drift(impressions, embeddings).from_first.values())
    return result, entropy, ild, from_first


def test_planted_mix_narrows_week_by_week():
    result = simulate(SimulationConfig(seed=1, days=28, narrowing=1.0, person=FOCUSED))
    for weeks in result.truth.weekly_mix.values():
        planted = [-sum(p * math.log(p) for p in weeks[week].values()) for week in sorted(weeks)]
        assert planted == sorted(planted, reverse=True) and planted[-1] < planted[0]


def test_diversity_falls_and_drift_grows_when_the_feed_narrows(embeddings):
    _, entropy, ild, from_first = _weekly(1.0, embeddings)
    _, stable_entropy, stable_ild, stable_from_first = _weekly(0.0, embeddings)
    assert len(entropy) == 4
    # Narrowing: every week less diverse than the one before, and further from week one.
    assert entropy == sorted(entropy, reverse=True) and entropy[-1] < entropy[0] - 0.5
    assert ild[-1] < ild[0] - 0.01 and ild[-1] < ild[1]
    assert from_first == sorted(from_first) and from_first[-1] > 0.1
    # The same person on a stable feed: only sampling noise.
    assert max(stable_entropy) - min(stable_entropy) < 0.05
    assert max(stable_ild) - min(stable_ild) < 0.005
    assert max(stable_from_first) < 0.02
    assert from_first[-1] > 10 * max(stable_from_first)
