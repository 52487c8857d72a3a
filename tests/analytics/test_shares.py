"""Definitions 1, 8 and 9 on a six-impression example computed by hand."""

import math

import pytest

from feedaudit.analytics import (
    attention_capture,
    attention_share,
    click_through_rate,
    clickbait_exposure,
    ctr_by_rank_band,
    exposure_share,
    make_impressions,
    rank_placement,
    sponsored_share,
)

NAN = math.nan
# row:        0      1      2      3      4      5
CATEGORIES = ["A", "A", "B", "C", "A", "B"]
DWELL = [1000, 3000, 0, 2000, 0, 4000]  # total 10 000
CLICKED = [True, True, False, True, False, False]
RANKS = [1, 2, 4, 11, 12, 3]
SPONSORED = [False, True, False, False, False, False]
CLICKBAIT = [0.9, 0.1, NAN, 0.5, 0.2, NAN]


@pytest.fixture
def six():
    return make_impressions(
        range(6), category=CATEGORIES, dwell_ms=DWELL, clicked=CLICKED, rank=RANKS,
        sponsored=SPONSORED, clickbait=CLICKBAIT,
    )


def test_exposure_and_attention_share(six):
    # A: 3 of 6 impressions, B: 2 of 6, C: 1 of 6.
    assert exposure_share(six.category) == pytest.approx({"A": 0.5, "B": 1 / 3, "C": 1 / 6})
    # A: 1000 + 3000 = 4000 of 10 000 ms; B: 0 + 4000; C: 2000.
    assert attention_share(six.category, six.dwell_ms) == pytest.approx({"A": 0.4, "B": 0.4, "C": 0.2})


def test_attention_capture(six):
    # A 0.4 / 0.5 = 0.8;  B 0.4 / (1/3) = 1.2;  C 0.2 / (1/6) = 1.2.
    assert attention_capture(six.category, six.dwell_ms) == pytest.approx({"A": 0.8, "B": 1.2, "C": 1.2})


def test_click_through_rate_per_category_and_rank_band(six):
    # A: rows 0, 1, 4 with clicks on 0 and 1 → 2/3;  B: rows 2, 5 no click → 0;  C: row 3 clicked → 1.
    assert click_through_rate(six.category, six.clicked) == pytest.approx({"A": 2 / 3, "B": 0.0, "C": 1.0})
    # 1–3: ranks 1, 2, 3 (rows 0, 1, 5), clicks 2 → 2/3;  4–10: rank 4 (row 2) → 0;  11+: rows 3, 4 → 1/2.
    assert ctr_by_rank_band(six) == pytest.approx({"1-3": 2 / 3, "4-10": 0.0, "11+": 0.5})


def test_rank_placement(six):
    # Top 3 (rows 0, 1, 5): A 2/3, B 1/3.  A (2/3)/(1/2) = 4/3;  B (1/3)/(1/3) = 1;  C 0/(1/6) = 0.
    assert rank_placement(six) == pytest.approx({"A": 4 / 3, "B": 1.0, "C": 0.0})


def test_sponsored_and_clickbait(six):
    assert sponsored_share(six) == pytest.approx(1 / 6)
    found = clickbait_exposure(six)
    # Scored rows 0, 1, 3, 4; score ≥ 0.5: rows 0 (0.9) and 3 (0.5, inclusive) → 2/4.
    assert found.scored == 4
    assert found.exposure_share == pytest.approx(0.5)
    # Clicks on scored rows: 0, 1, 3; on high-score rows: 0, 3 → 2/3.  High-score CTR: 2 clicks / 2.
    assert found.bait_click_share == pytest.approx(2 / 3)
    assert found.high_score_ctr == pytest.approx(1.0)


def test_empty_and_degenerate_inputs_give_defined_values():
    empty = make_impressions()
    assert exposure_share(empty.category) == {}
    assert attention_share(empty.category, empty.dwell_ms) == {}
    assert attention_capture(empty.category, empty.dwell_ms) == {}
    assert click_through_rate(empty.category, empty.clicked) == {}
    assert ctr_by_rank_band(empty) == {}
    assert rank_placement(empty) == {}
    assert sponsored_share(empty) is None
    nothing = clickbait_exposure(empty)
    assert (nothing.exposure_share, nothing.bait_click_share, nothing.high_score_ctr, nothing.scored) == (
        None, None, None, 0,
    )
    no_dwell = make_impressions([1, 2], category=["A", "B"])
    assert attention_share(no_dwell.category, no_dwell.dwell_ms) == {}
    assert attention_capture(no_dwell.category, no_dwell.dwell_ms) == {}
    unscored_no_clicks = clickbait_exposure(no_dwell)
    assert unscored_no_clicks.scored == 0 and unscored_no_clicks.exposure_share is None
