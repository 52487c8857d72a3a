"""Definition 10, the feedback loop, on a seven-impression feed with window N = 2."""

import numpy as np

from feedaudit.analytics import NOT_ENOUGH_DATA, feedback_loop, make_impressions
from feedaudit.analytics.feedback import bootstrap_interval, engagement_mask, event_lifts, exact_lattice_percentiles

# position:   0    1    2    3    4    5    6
CATEGORIES = ["A", "B", "A", "A", "B", "B", "A"]
CLICKED = [True, False, False, True, True, False, True]  # 0 and 6 lack a full window


def test_event_lifts_by_hand():
    categories, lifts = event_lifts(np.array(CATEGORIES, dtype=object), np.array(CLICKED), window=2)
    # Click at 3 (A): before = 1,2 (B,A) → ½; after = 4,5 (B,B) → 0; lift −½.
    # Click at 4 (B): before = 2,3 (A,A) → 0; after = 5,6 (B,A) → ½; lift +½.
    assert categories.tolist() == ["A", "B"]
    assert lifts.tolist() == [-0.5, 0.5]


def test_engagement_is_a_click_or_dwell_above_the_median():
    rows = make_impressions(range(5), dwell_ms=[1, 1, 5, 1, 2], clicked=[False, True, False, False, False])
    # Median dwell 1: rows 2 (5) and 4 (2) are above it; row 1 is a click.
    assert engagement_mask(rows).tolist() == [False, True, True, False, True]
    assert engagement_mask(make_impressions()).tolist() == []


def test_feedback_loop_per_platform_category_and_responsiveness():
    # Platform q's impressions interleave in time (odd ms) and must not disturb p's sequence.
    both = make_impressions(
        list(range(0, 14, 2)) + list(range(1, 14, 2)),
        platform=["p"] * 7 + ["q"] * 7,
        category=CATEGORIES + ["A"] * 7,
        clicked=CLICKED + [False] * 7,
    )
    found = feedback_loop(both, window=2, min_events=1)
    a, b = found.lifts["p"]["A"], found.lifts["p"]["B"]
    # One event each: the mean is the event's lift and every resample has that mean.
    assert (a.events, a.mean, a.ci_low, a.ci_high, a.status) == (1, -0.5, -0.5, -0.5, "ok")
    assert (b.events, b.mean, b.ci_low, b.ci_high) == (1, 0.5, 0.5, 0.5)
    # Responsiveness: mean of (−½, +½) = 0; resample means are −½, 0 or ½ (each extreme with
    # probability ¼ > 2.5 %), so the percentile interval is [−½, ½].
    r = found.responsiveness["p"]
    assert (r.events, r.mean, r.ci_low, r.ci_high) == (2, 0.0, -0.5, 0.5)
    assert found.lifts["q"] == {}
    assert found.responsiveness["q"].status == NOT_ENOUGH_DATA


def test_below_the_minimum_it_says_not_enough_data():
    feed = make_impressions(range(7), platform=["p"] * 7, category=CATEGORIES, clicked=CLICKED)
    found = feedback_loop(feed, window=2)  # default minimum is 20 events
    assert found.lifts["p"]["A"].status == NOT_ENOUGH_DATA
    assert found.lifts["p"]["A"].events == 1
    assert found.lifts["p"]["A"].mean is None
    assert found.responsiveness["p"].status == NOT_ENOUGH_DATA


def test_input_order_does_not_matter():
    shuffled = [6, 2, 0, 5, 1, 4, 3]
    rows = make_impressions(
        shuffled, platform=["p"] * 7,
        category=[CATEGORIES[i] for i in shuffled], clicked=[CLICKED[i] for i in shuffled],
    )
    found = feedback_loop(rows, window=2, min_events=1)
    assert found.lifts["p"]["A"].mean == -0.5 and found.lifts["p"]["B"].mean == 0.5


def test_bootstrap_interval_off_the_lattice_is_seeded():
    values = np.array([0.0, 0.1, 0.3, 0.2, 0.4])
    first, again = bootstrap_interval(values, seed=3), bootstrap_interval(values, seed=3)
    assert first == again
    assert first[0] < values.mean() < first[1]
    assert bootstrap_interval(np.array([]), seed=3) == (None, None)


def test_exact_bootstrap_on_the_lattice_by_hand():
    # Four values 0, 0, 0, 1: a resample's sum is Binomial(4, ¼): P(≤0) = 81/256 ≥ 2.5 %, so the
    # low end is 0; P(≤2) = 243/256 = 0.949 < 97.5 % ≤ P(≤3) = 255/256, so the high end is 3/4.
    assert bootstrap_interval(np.array([0.0, 0.0, 0.0, 1.0]), lattice=1.0) == (0.0, 0.75)
    # Lifts in steps of 1/2: −½, +½ → means −½, 0, ½ with probabilities ¼, ½, ¼.
    assert bootstrap_interval(np.array([-0.5, 0.5]), lattice=0.5) == (-0.5, 0.5)
    assert bootstrap_interval(np.array([0.25] * 7), lattice=0.25) == (0.25, 0.25)


def test_exact_bootstrap_of_a_long_sample_matches_the_binomial():
    # 10,000 values, half 0 and half 1: the resampled sum is Binomial(10,000, ½), whose 2.5 % and
    # 97.5 % quantiles are 4,902 and 5,098 (scipy's ppf as the independent reference). The
    # transform covers a window around the mean here (10,001 sums in full), so this checks the wrap.
    from scipy.stats import binom

    low, high = binom.ppf([0.025, 0.975], 10_000, 0.5)
    assert (low, high) == (4902, 5098)
    values = np.array([0.0, 1.0] * 5_000)
    assert exact_lattice_percentiles(np.array([0, 1]), np.array([5_000, 5_000]), (0.025, 0.975)) == (4902, 5098)
    assert bootstrap_interval(values, lattice=1.0) == (0.4902, 0.5098)


def test_exact_and_monte_carlo_bootstraps_agree():
    rng = np.random.default_rng(7)
    lifts = np.clip(np.rint(rng.normal(3, 5, 400)), -50, 50) / 50
    exact = bootstrap_interval(lifts, lattice=1 / 50)
    sampled = bootstrap_interval(lifts, resamples=20_000, seed=1)
    assert abs(exact[0] - sampled[0]) < 0.002 and abs(exact[1] - sampled[1]) < 0.002


def test_nothing_to_measure():
    assert feedback_loop(make_impressions()).lifts == {}
    uncategorized = make_impressions(range(9), platform=["p"] * 9, clicked=[True] * 9)
    assert feedback_loop(uncategorized, window=2, min_events=1).lifts == {"p": {}}
