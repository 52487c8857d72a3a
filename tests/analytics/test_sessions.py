"""Definition 14: sessions and compulsion."""

import math

import pytest

from feedaudit.analytics import bait_clicks, make_impressions, make_sessions, night_share, session_stats

HOUR = 3_600_000
MONDAY_2026_01_05 = 1_767_571_200_000  # 00:00 UTC


def _three_sessions():
    return make_sessions(
        session_id=["s1", "s2", "s3"],
        platform=["youtube", "reddit", "youtube"],
        # s1 Mon 23:00 → Tue 01:00; s2 Tue 10:00 → 10:30; s3 Wed 02:00, still open.
        start_ms=[MONDAY_2026_01_05 + 23 * HOUR, MONDAY_2026_01_05 + 34 * HOUR, MONDAY_2026_01_05 + 50 * HOUR],
        end_ms=[MONDAY_2026_01_05 + 25 * HOUR, MONDAY_2026_01_05 + 34 * HOUR + HOUR // 2, None],
        active_ms=[3_600_000, 1_200_000, 600_000],
    )


def test_session_figures_by_hand():
    rows = make_impressions(range(4), session_id=["s1", "s1", "s1", "s2"])
    found = session_stats(_three_sessions(), rows)
    # Starts on Mon, Tue, Wed → 3 sessions over 3 days.
    assert found.sessions == 3
    assert found.sessions_per_day == pytest.approx(1.0)
    # Active ms 3.6M, 1.2M, 0.6M: mean 1.8M, median 1.2M.
    assert found.mean_session_ms == pytest.approx(1_800_000)
    assert found.median_session_ms == pytest.approx(1_200_000)
    # Items per session 3, 1, 0 → mean 4/3, max 3.
    assert found.mean_items_per_session == pytest.approx(4 / 3)
    assert found.max_items_per_session == 3
    assert (found.longest_session_id, found.longest_session_ms) == ("s1", 3_600_000)
    assert session_stats(_three_sessions(), rows, period_days=7).sessions_per_day == pytest.approx(3 / 7)


def test_night_share_in_utc_and_local_time():
    # UTC: s1 spends 1 of its 2 h after midnight → 1.8M of 3.6M;  s2 none;  s3 (no span) starts
    # at 02:00 → all 0.6M.  (1.8M + 0.6M) / 5.4M = 4/9.
    assert night_share(_three_sessions()) == pytest.approx(4 / 9)
    # Berlin is UTC+1 in January: s1 runs 00:00–02:00 → 3.6M;  s2 11:00 → 0;  s3 03:00 → 0.6M.
    # 4.2M / 5.4M = 7/9.
    assert night_share(_three_sessions(), "Europe/Berlin") == pytest.approx(7 / 9)


def test_bait_clicks():
    rows = make_impressions(
        range(4), clicked=[True, True, True, False], consumed_ms=[10_000, 45_000, None, 5_000]
    )
    # Clicks with known consumption: rows 0 (10 s, bait) and 1 (45 s) → 1 of 2.  Row 2 unknown,
    # row 3 not a click.
    found = bait_clicks(rows)
    assert (found.count, found.share) == (1, 0.5)


def test_nothing_to_report():
    found = session_stats(make_sessions(), make_impressions())
    assert found.sessions == 0 and found.sessions_per_day is None and found.longest_session_id is None
    assert night_share(make_sessions(session_id=["s"], start_ms=[0], active_ms=[0])) is None
    assert bait_clicks(make_impressions()).share is None
    assert bait_clicks(make_impressions()).count == 0
    assert math.isclose(night_share(make_sessions(session_id=["s"], start_ms=[HOUR], active_ms=[5])), 1.0)
