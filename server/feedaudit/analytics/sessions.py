"""Sessions and compulsion (definition 14 of issue 6).

Input: a :class:`Sessions` bundle (one row per feed session, from the
``session`` events) and the impressions, whose ``session_id`` links them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .impressions import Impressions
from .timebins import MS_PER_DAY, MS_PER_HOUR, local_day, local_ms

NIGHT_START_HOUR, NIGHT_END_HOUR = 0, 5
BAIT_CLICK_MAX_MS = 30_000


@dataclass(frozen=True)
class Sessions:
    """session_id str, platform str, start_ms int64, end_ms int64 (an open session's
    end is its start), active_ms float64 (attended feed time)."""

    session_id: np.ndarray
    platform: np.ndarray
    start_ms: np.ndarray
    end_ms: np.ndarray
    active_ms: np.ndarray

    def __len__(self) -> int:
        return int(self.start_ms.shape[0])


def make_sessions(session_id=(), platform=None, start_ms=(), end_ms=None, active_ms=None) -> Sessions:
    """Build a Sessions bundle; ``end_ms`` None entries mean still open."""
    count = len(start_ms)
    given_ends = end_ms if end_ms is not None else start_ms
    ends = [start if end is None or end < start else end for start, end in zip(start_ms, given_ends)]
    return Sessions(
        session_id=np.array([str(value) for value in session_id], dtype=object),
        platform=np.array(list(platform) if platform is not None else [""] * count, dtype=object),
        start_ms=np.asarray(start_ms, dtype=np.int64),
        end_ms=np.asarray(ends, dtype=np.int64),
        active_ms=np.asarray(active_ms if active_ms is not None else [0] * count, dtype=np.float64),
    )


@dataclass(frozen=True)
class SessionStats:
    """sessions_per_day: sessions / days (the period's days, else days with a session);
    mean/median_session_ms: active ms per session; mean/max_items_per_session:
    impressions per session (scroll depth), sessions without impressions count 0;
    night_share: share of active feed time between 00:00 and 05:00 local;
    longest_session_id / longest_session_ms: the session with the most active ms."""

    sessions: int
    sessions_per_day: float | None
    mean_session_ms: float | None
    median_session_ms: float | None
    mean_items_per_session: float | None
    max_items_per_session: int | None
    night_share: float | None
    longest_session_id: str | None
    longest_session_ms: float | None


def session_stats(sessions: Sessions, impressions: Impressions, tz: str = "UTC", period_days: int | None = None) -> SessionStats:
    """Session figures; empty input → zero sessions and None figures."""
    ids, counts = np.unique(impressions.session_id.astype(str), return_counts=True)
    return session_stats_from_counts(sessions, dict(zip(ids.tolist(), counts.tolist())), tz, period_days)


def session_stats_from_counts(sessions: Sessions, per_id: dict[str, int], tz: str = "UTC",
                              period_days: int | None = None) -> SessionStats:
    """Session figures from the number of impressions of each session id."""
    if len(sessions) == 0:
        return SessionStats(0, None, None, None, None, None, None, None, None)
    days = period_days or np.unique(local_day(sessions.start_ms, tz)).size
    items = np.array([per_id.get(str(sid), 0) for sid in sessions.session_id])
    longest = int(np.argmax(sessions.active_ms))
    return SessionStats(
        sessions=len(sessions),
        sessions_per_day=len(sessions) / days,
        mean_session_ms=float(sessions.active_ms.mean()),
        median_session_ms=float(np.median(sessions.active_ms)),
        mean_items_per_session=float(items.mean()),
        max_items_per_session=int(items.max()),
        night_share=night_share(sessions, tz),
        longest_session_id=str(sessions.session_id[longest]),
        longest_session_ms=float(sessions.active_ms[longest]),
    )


def night_share(sessions: Sessions, tz: str = "UTC") -> float | None:
    """Share of active feed time after midnight (00:00–05:00 local).

    Each session's active ms are spread evenly over its wall-clock span [start,
    end]; the part of the span inside 00:00–05:00 local brings that fraction of
    its active ms. A session with no span counts wholly by its start time. The
    UTC offset at the start applies to the whole session. None without feed time.
    """
    total = float(sessions.active_ms.sum())
    if total <= 0:
        return None
    starts = local_ms(sessions.start_ms, tz)
    spans = np.maximum(sessions.end_ms - sessions.start_ms, 0)
    night = float(np.dot(np.asarray(sessions.active_ms, dtype=np.float64), night_fractions(starts, spans)))
    return float(night / total)


def night_fractions(local_starts: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Per session, the fraction of [local_start, local_start + span] lying in a
    00:00–05:00 window (a session with no span: 1 if it starts in one, else 0)."""
    night_from, night_to = NIGHT_START_HOUR * MS_PER_HOUR, NIGHT_END_HOUR * MS_PER_HOUR
    starts, spans = np.asarray(local_starts, dtype=np.int64), np.asarray(spans, dtype=np.int64)
    ends = starts + spans
    first_day, last_day = starts // MS_PER_DAY, ends // MS_PER_DAY
    overlap = np.zeros(starts.size, dtype=np.int64)
    for offset in range(int((last_day - first_day).max(initial=0)) + 1):  # each calendar day a session touches
        day = first_day + offset
        low = np.maximum(starts, day * MS_PER_DAY + night_from)
        high = np.minimum(ends, day * MS_PER_DAY + night_to)
        overlap += np.where(day <= last_day, np.maximum(high - low, 0), 0)
    in_night = (night_from <= starts % MS_PER_DAY) & (starts % MS_PER_DAY < night_to)
    return np.where(spans == 0, in_night.astype(np.float64), overlap / np.maximum(spans, 1))


@dataclass(frozen=True)
class BaitClicks:
    """count: clicks followed by under 30 s on the page they led to; share: count /
    clicks whose consumption is known (None when none is known)."""

    count: int
    share: float | None


def bait_clicks(impressions: Impressions, max_ms: int = BAIT_CLICK_MAX_MS) -> BaitClicks:
    """Bait clicks: clicked impressions with consumed_ms < 30 000 (unknown consumption skipped)."""
    known = impressions.clicked & ~np.isnan(impressions.consumed_ms)
    quick = known & (np.nan_to_num(impressions.consumed_ms, nan=np.inf) < max_ms)
    count = int(quick.sum())
    return BaitClicks(count, count / int(known.sum()) if known.any() else None)
