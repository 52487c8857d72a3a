"""Definitions 2 and 3 on hand-computed examples."""

import math

import pytest

from feedaudit.analytics import (
    gini,
    shannon_entropy,
    source_concentration,
    topic_diversity,
    weekly_new_source_share,
)

MONDAY_2026_01_05 = 1_767_571_200_000  # ISO week 2026-W02
DAY = 86_400_000


def test_entropy_normalized_effective_number_and_gini():
    # Shares A 1/2, B 1/4, C 1/4.  H = ½ ln 2 + 2·¼ ln 4 = 1.5 ln 2 = 1.039721 nats.
    found = topic_diversity(["A", "A", "B", "C"], taxonomy_size=4)
    assert found.entropy == pytest.approx(1.5 * math.log(2))
    # H / ln 4 = 1.5 ln 2 / 2 ln 2 = 0.75;  exp(H) = 2^1.5 = 2.828427.
    assert found.normalized == pytest.approx(0.75)
    assert found.effective_number == pytest.approx(2 * math.sqrt(2))
    # Gini over [0, ¼, ¼, ½] (the unseen 4th category is 0): Σ(2i−n−1)x = −3·0 −1·¼ +1·¼ +3·½ = 1.5;
    # 1.5 / (4 · 1) = 0.375.
    assert found.gini == pytest.approx(0.375)
    assert found.categories_seen == 3


def test_entropy_accepts_counts_and_ignores_zeros():
    assert shannon_entropy([2, 1, 1, 0]) == pytest.approx(1.5 * math.log(2))
    assert shannon_entropy([5]) == 0.0
    assert shannon_entropy([]) == 0.0


def test_gini_extremes():
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n − 1) / n
    assert gini([]) == 0.0
    assert gini([0, 0]) == 0.0


def test_topic_diversity_of_nothing():
    found = topic_diversity([])
    assert (found.entropy, found.normalized, found.effective_number, found.gini, found.categories_seen) == (
        0.0, 0.0, 1.0, 0.0, 0,
    )


def test_source_concentration():
    sources = ["s1"] * 4 + ["s2"] * 2 + ["s3", "s4", "s5", "s6", "s7"]  # 11 impressions
    found = source_concentration(sources)
    assert found.distinct == 7
    # Top 5: 4 + 2 + 1 + 1 + 1 = 9 of 11.
    assert found.top5_share == pytest.approx(9 / 11)
    # Sorted counts [1,1,1,1,1,2,4]: Σ(2i−8)x = −6−4−2+0+2+8+24 = 22;  22 / (7 · 11) = 2/7.
    assert found.gini == pytest.approx(2 / 7)
    empty = source_concentration([])
    assert (empty.gini, empty.top5_share, empty.distinct) == (0.0, None, 0)


def test_weekly_new_source_share():
    week_one = [MONDAY_2026_01_05 + offset * DAY for offset in (0, 1, 2)]
    week_two = [MONDAY_2026_01_05 + offset * DAY for offset in (7, 8, 9, 10)]
    sources = ["a", "a", "b"] + ["a", "c", "c", "d"]
    found = weekly_new_source_share(week_one + week_two, sources)
    # Week 2: every source is new → 1.  Week 3: c, c, d new, a seen before → 3/4.
    assert found == pytest.approx({"2026-W02": 1.0, "2026-W03": 0.75})
    assert weekly_new_source_share([], []) == {}
    # With "a" seen before the input's range, week 3 has only c, c, d new → 3/4 still; week 2 loses a, a → 1/3.
    assert weekly_new_source_share(week_one + week_two, sources, seen_before={"a"}) == pytest.approx(
        {"2026-W02": 1 / 3, "2026-W03": 0.75})
