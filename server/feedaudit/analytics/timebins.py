"""Local calendar days and ISO weeks for arrays of UTC millisecond timestamps.

The UTC offset is looked up at the start and end of each distinct UTC day, and
per distinct hour only on the days where those differ (DST changes on hour
boundaries in practice), so a year of impressions costs ~750 lookups, not 1M.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000


def local_ms(ts_ms: np.ndarray, tz: str = "UTC") -> np.ndarray:
    """Timestamps shifted by the zone's UTC offset: "wall-clock ms since epoch"."""
    ts = np.asarray(ts_ms, dtype=np.int64)
    if ts.size == 0 or tz in ("UTC", "Etc/UTC"):
        return ts.copy()
    zone = ZoneInfo(tz)
    # The offset at each UTC day's first and last ms; only days where they differ
    # (DST changes: two a year) need the per-hour lookup.
    days, day_of = np.unique(ts // MS_PER_DAY, return_inverse=True)
    first = np.array([_offset_ms(int(day) * MS_PER_DAY, zone) for day in days], dtype=np.int64)
    last = np.array([_offset_ms((int(day) + 1) * MS_PER_DAY - 1, zone) for day in days], dtype=np.int64)
    offsets = first[day_of]
    changing = (first != last)[day_of]
    if changing.any():
        hours, hour_of = np.unique(ts[changing] // MS_PER_HOUR, return_inverse=True)
        offsets[changing] = np.array([_offset_ms(int(hour) * MS_PER_HOUR, zone) for hour in hours],
                                     dtype=np.int64)[hour_of]
    return ts + offsets


def _offset_ms(utc_ms: int, zone: ZoneInfo) -> int:
    moment = dt.datetime.fromtimestamp(utc_ms / 1000, tz=zone)
    return int(moment.utcoffset().total_seconds() * 1000)


def local_day(ts_ms: np.ndarray, tz: str = "UTC") -> np.ndarray:
    """Local calendar day as days since 1970-01-01."""
    return local_ms(ts_ms, tz) // MS_PER_DAY


def iso_week_keys(ts_ms: np.ndarray, tz: str = "UTC") -> np.ndarray:
    """ISO week of each timestamp in local time, as strings like ``"2026-W02"``."""
    days = local_day(ts_ms, tz)
    if days.size == 0:
        return np.array([], dtype=object)
    unique_days, inverse = np.unique(days, return_inverse=True)
    labels = np.array([week_key_of_day(int(day)) for day in unique_days], dtype=object)
    return labels[inverse]


def week_key_of_day(day: int) -> str:
    """ISO week label ("2026-W02") of a day number since 1970-01-01."""
    year, week, _ = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isocalendar()
    return f"{year}-W{week:02d}"
