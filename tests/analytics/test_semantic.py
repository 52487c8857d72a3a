"""Definitions 4–7 on tiny 2-D embeddings whose cosines are known by hand."""

import math

import numpy as np
import pytest

from feedaudit.analytics import (
    drift,
    intra_list_diversity,
    make_impressions,
    max_prior_similarity,
    narrowness,
    novelty_from_similarity,
    novelty_repetition,
    weekly_narrowness,
)

ROOT_HALF = math.sqrt(0.5)  # cos 45° = 0.707107
DAY = 86_400_000
MONDAY_2026_01_05 = 1_767_571_200_000  # ISO week 2026-W02
# Item rows: 0 east, 1 north, 2 north-east (unit length after scaling), 3 west.
EMBEDDINGS = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])


def test_intra_list_diversity_per_session_and_mean():
    rows = make_impressions(
        range(7),
        session_id=["s1", "s1", "s1", "s2", "s2", "s3", "s3"],
        item_index=[0, 1, 2, 0, 0, 3, 0],
    )
    found = intra_list_diversity(rows, EMBEDDINGS)
    # s1: distances 1 − 0 (0,1), 1 − √½ (0,2), 1 − √½ (1,2) → (3 − 2√½)/3 = 0.528595.
    # s2: the same item twice → one pair at distance 0.  s3: east vs west → 1 − (−1) = 2.
    s1 = (3 - 2 * ROOT_HALF) / 3
    assert found.per_session == pytest.approx({"s1": s1, "s2": 0.0, "s3": 2.0})
    assert found.mean == pytest.approx((s1 + 0.0 + 2.0) / 3)  # 0.842865


def test_intra_list_diversity_of_a_large_session_is_exact():
    # 150 impressions cycling over items 0–3: counts 38, 38, 37, 37. The pairwise
    # similarity sum is (|Σv|² − n) / 2 with Σv = 38·e0 + 38·e1 + 37·(e2 + e3).
    items = [i % 4 for i in range(150)]
    found = intra_list_diversity(make_impressions(range(150), session_id=["s"] * 150, item_index=items), EMBEDDINGS)
    unit = EMBEDDINGS[:4] / np.linalg.norm(EMBEDDINGS[:4], axis=1, keepdims=True)
    brute = unit[items] @ unit[items].T
    expected = float(np.mean(1 - brute[np.triu_indices(150, k=1)]))
    assert found.per_session["s"] == pytest.approx(expected, rel=1e-6)


def test_intra_list_diversity_of_nothing():
    found = intra_list_diversity(make_impressions(), EMBEDDINGS)
    assert (found.mean, found.per_session) == (None, {})
    no_vectors = make_impressions([1, 2], session_id=["s", "s"])  # item_index −1
    assert intra_list_diversity(no_vectors, EMBEDDINGS).mean is None
    single = make_impressions([1], session_id=["s"], item_index=[0])
    assert intra_list_diversity(single, EMBEDDINGS).per_session == {}


def test_narrowness_is_the_length_of_the_dwell_weighted_centroid():
    # Centroid (3·east + 1·north)/4 = (0.75, 0.25), length √0.625 = 0.790569.
    # cos(east, c) = 0.948683, cos(north, c) = 0.316228; (3·0.948683 + 0.316228)/4 = 0.790569.
    assert narrowness([0, 1], [3000, 1000], EMBEDDINGS) == pytest.approx(math.sqrt(0.625))
    assert narrowness([0, 0], [5, 9], EMBEDDINGS) == pytest.approx(1.0)
    assert narrowness([0, 3], [5, 5], EMBEDDINGS) == 0.0  # opposite items cancel out
    assert narrowness([], [], EMBEDDINGS) is None
    assert narrowness([0, -1], [0, 500], EMBEDDINGS) is None  # no dwell on an embedded item


def test_weekly_narrowness_and_trend():
    rows = make_impressions(
        [MONDAY_2026_01_05, MONDAY_2026_01_05 + DAY, MONDAY_2026_01_05 + 7 * DAY],
        item_index=[0, 1, 0],
        dwell_ms=[3000, 1000, 2000],
    )
    found = weekly_narrowness(rows, EMBEDDINGS)
    # W02 as above (0.790569); W03 a single item → 1.0; slope 1 − 0.790569 = 0.209431 per week.
    assert found.values == pytest.approx({"2026-W02": math.sqrt(0.625), "2026-W03": 1.0})
    assert found.slope == pytest.approx(1 - math.sqrt(0.625))
    assert weekly_narrowness(make_impressions(), EMBEDDINGS).slope is None


def test_drift_between_weekly_centroids():
    rows = make_impressions(
        [MONDAY_2026_01_05 + day * DAY for day in (0, 1, 7, 8, 14)],
        item_index=[0, 0, 0, 1, 1],
    )
    found = drift(rows, EMBEDDINGS)
    # Centroids: W02 east, W03 (½, ½), W04 north.  1 − cos 45° = 0.292893 between neighbours;
    # W04 vs W02: 1 − cos 90° = 1.
    assert found.successive == pytest.approx({"2026-W03": 1 - ROOT_HALF, "2026-W04": 1 - ROOT_HALF})
    assert found.from_first == pytest.approx({"2026-W02": 0.0, "2026-W03": 1 - ROOT_HALF, "2026-W04": 1.0})
    empty = drift(make_impressions(), EMBEDDINGS)
    assert (empty.successive, empty.from_first) == ({}, {})


def test_novelty_and_repetition_against_the_prior_30_days():
    rows = make_impressions(
        [MONDAY_2026_01_05 + day * DAY for day in (0, 1, 2, 40)], item_index=[0, 2, 0, 1]
    )
    found = novelty_repetition(rows, EMBEDDINGS)
    # day 0: nothing before → 1.  day 1 (NE): best match east, √½ → 1 − 0.707107 = 0.292893.
    # day 2 (east again): best 1.0 → 0, a repetition.  day 40: nothing in days 10–40 → 1.
    assert found.novelty == pytest.approx((1 + (1 - ROOT_HALF) + 0 + 1) / 4)
    assert found.repetition_share == pytest.approx(0.25)
    assert found.impressions == 4


def test_novelty_window_includes_exactly_30_days_back_and_excludes_the_same_moment():
    rows = make_impressions([0, 30 * DAY, 30 * DAY + 1], item_index=[0, 0, 1])
    found = novelty_repetition(rows, EMBEDDINGS)
    # Row 1 sees row 0 exactly 30 days back → repetition.  Row 2 (north) sees rows 0 and 1
    # (east) at cos 0 → novelty 1.  Mean novelty (1 + 0 + 1)/3.
    assert found.repetition_share == pytest.approx(1 / 3)
    assert found.novelty == pytest.approx(2 / 3)
    same_moment = novelty_repetition(make_impressions([5, 5], item_index=[0, 0]), EMBEDDINGS)
    assert same_moment.repetition_share == 0.0


def test_novelty_over_several_blocks():
    # 600 showings of the same item 1 ms apart (three 256-row blocks): all but the first repeat.
    found = novelty_repetition(make_impressions(range(600), item_index=[0] * 600), EMBEDDINGS)
    assert found.repetition_share == pytest.approx(599 / 600)
    assert found.novelty == pytest.approx(1 / 600)


def test_novelty_of_nothing():
    found = novelty_repetition(make_impressions(), EMBEDDINGS)
    assert (found.novelty, found.repetition_share, found.impressions) == (None, None, 0)


def test_per_impression_similarity_for_daily_rollups():
    rows = make_impressions(
        [MONDAY_2026_01_05 + day * DAY for day in (2, 0, 1, 40)], item_index=[0, 0, 2, 1]
    )
    # Score only day 2 and later, with days 0–1 as history; results come back in input order.
    best = max_prior_similarity(rows, EMBEDDINGS, since_ms=MONDAY_2026_01_05 + 2 * DAY)
    assert best[0] == pytest.approx(1.0)  # day 2: east seen on day 0
    assert np.isnan(best[1]) and np.isnan(best[2])  # before since_ms: not scored
    assert np.isnan(best[3])  # day 40: nothing in the prior 30 days
    # Aggregating stored values: novelty (1 + 0.5 + 0.05)/3, one of three above 0.9.
    found = novelty_from_similarity([np.nan, 0.5, 0.95])
    assert found.novelty == pytest.approx(1.55 / 3)
    assert found.repetition_share == pytest.approx(1 / 3)
    assert novelty_from_similarity([]).novelty is None
    assert novelty_repetition(rows, EMBEDDINGS, threshold=1.5).repetition_share == 0.0


def test_blocked_similarity_equals_the_pairwise_definition():
    # 700 impressions of 40 random items over 10 days, window 2 days: several blocks, with
    # rows at both edges of each window.  Compare with the definition computed pair by pair.
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((40, 8))
    ts = rng.integers(0, 10 * DAY, 700)
    items = rng.integers(0, 40, 700)
    rows = make_impressions(ts, item_index=items)
    found = max_prior_similarity(rows, vectors, window_days=2)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for row in range(700):
        prior = (ts < ts[row]) & (ts >= ts[row] - 2 * DAY)
        expected = (unit[items[prior]] @ unit[items[row]]).max() if prior.any() else np.nan
        assert found[row] == pytest.approx(expected, nan_ok=True, abs=1e-5)
