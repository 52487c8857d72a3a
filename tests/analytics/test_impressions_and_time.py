"""The columnar input and the local-time helpers."""

import math

import numpy as np
import pytest

from feedaudit.analytics import NO_EMBEDDING, impressions_from_records, make_impressions
from feedaudit.analytics.timebins import iso_week_keys, local_day

MONDAY_2026_01_05 = 1_767_571_200_000  # 2026-01-05 00:00 UTC, ISO week 2026-W02
HOUR = 3_600_000


def test_absent_columns_take_neutral_defaults():
    rows = make_impressions([10, 20], category=["Science", None])
    assert len(rows) == 2
    assert rows.category.tolist() == ["Science", ""]
    assert rows.item_index.tolist() == [NO_EMBEDDING, NO_EMBEDDING]
    assert rows.dwell_ms.tolist() == [0.0, 0.0]
    assert rows.clicked.tolist() == [False, False]
    assert all(math.isnan(value) for value in rows.clickbait)


def test_none_entries_take_the_defaults():
    rows = make_impressions([1, 2], rank=[None, 4], dwell_ms=[None, 250], clicked=[None, True], item_index=[None, 7])
    assert rows.rank.tolist() == [1, 4]
    assert rows.dwell_ms.tolist() == [0.0, 250.0]
    assert rows.clicked.tolist() == [False, True]
    assert rows.item_index.tolist() == [NO_EMBEDDING, 7]


def test_wrong_length_and_unknown_columns_are_named():
    with pytest.raises(ValueError, match="'rank' has 1 values, ts_ms has 2"):
        make_impressions([1, 2], rank=[1])
    with pytest.raises(ValueError, match="unknown impression column"):
        make_impressions([1], colour=["red"])


def test_empty_bundle_has_zero_rows():
    assert len(make_impressions()) == 0


def test_records_subset_and_time_order():
    rows = impressions_from_records(
        [
            {"ts_ms": 30, "rank": 1, "category": "C"},
            {"ts_ms": 10, "rank": 2, "category": "B"},
            {"ts_ms": 10, "rank": 1, "category": "A"},
        ]
    )
    assert rows.sorted_by_time().category.tolist() == ["A", "B", "C"]
    assert rows.subset(rows.ts_ms > 10).category.tolist() == ["C"]


def test_iso_week_in_utc_and_in_a_local_zone():
    # 03:00 UTC on Monday 5 Jan is 22:00 on Sunday 4 Jan in New York (UTC−5): week 1.
    ts = np.array([MONDAY_2026_01_05 + 3 * HOUR])
    assert iso_week_keys(ts).tolist() == ["2026-W02"]
    assert iso_week_keys(ts, "America/New_York").tolist() == ["2026-W01"]
    # In July New York is UTC−4 (DST): 03:30 UTC Monday 6 July is 23:30 Sunday 5 July.
    july = np.array([1_783_308_600_000])  # 2026-07-06 03:30 UTC
    assert iso_week_keys(july).tolist() == ["2026-W28"]
    assert iso_week_keys(july, "America/New_York").tolist() == ["2026-W27"]
    # Day numbers: 2026-01-05 is day 20458 since 1970-01-01 (1_767_571_200_000 / 86_400_000).
    assert local_day(ts).tolist() == [20458]
    assert local_day(ts, "America/New_York").tolist() == [20457]
    assert iso_week_keys(np.array([], dtype=np.int64)).tolist() == []
