"""The columnar input every audit metric reads: one row per viewable impression.

Columns are numpy arrays of equal length. Storage builds an :class:`Impressions`
with :func:`make_impressions` (missing columns get neutral defaults), filters it
with :meth:`Impressions.subset` (platform, date range, surface) and hands it to
the metric functions, which never touch SQLite or Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Iterable, Mapping

import numpy as np

#: Sentinel of ``item_index`` for an impression whose item has no embedding yet.
NO_EMBEDDING = -1


@dataclass(frozen=True)
class Impressions:
    """One row per viewable impression (≥ 50 % on screen for ≥ 1 s).

    ts_ms        int64   ms since epoch, UTC
    platform     str     e.g. "youtube", "reddit", "hackernews"
    surface      str     e.g. "home", "front", "new"
    session_id   str     feed session the impression belongs to
    rank         int64   1-based position in the feed
    item_index   int64   row of the item in the embeddings matrix, or -1
    category     str     the item's category ("" when unknown)
    source       str     channel / subreddit / account / site ("" when unknown)
    dwell_ms     float64 attended visible ms (0 when none recorded)
    clicked      bool    the person clicked the item
    sponsored    bool    the item is an ad / promoted
    clickbait    float64 clickbait score in [0, 1], NaN when not scored
    consumed_ms  float64 time spent on the page the click led to, NaN when unknown
    """

    ts_ms: np.ndarray
    platform: np.ndarray
    surface: np.ndarray
    session_id: np.ndarray
    rank: np.ndarray
    item_index: np.ndarray
    category: np.ndarray
    source: np.ndarray
    dwell_ms: np.ndarray
    clicked: np.ndarray
    sponsored: np.ndarray
    clickbait: np.ndarray
    consumed_ms: np.ndarray

    def __len__(self) -> int:
        return int(self.ts_ms.shape[0])

    def subset(self, mask_or_indices) -> "Impressions":
        """The rows selected by a boolean mask or an index array."""
        return Impressions(**{f.name: getattr(self, f.name)[mask_or_indices] for f in fields(self)})

    def sorted_by_time(self) -> "Impressions":
        """Rows ordered by time, then rank (stable), the order the person saw them."""
        order = np.lexsort((self.rank, self.ts_ms))
        return self.subset(order)


_DTYPES = {
    "ts_ms": np.int64,
    "platform": object,
    "surface": object,
    "session_id": object,
    "rank": np.int64,
    "item_index": np.int64,
    "category": object,
    "source": object,
    "dwell_ms": np.float64,
    "clicked": bool,
    "sponsored": bool,
    "clickbait": np.float64,
    "consumed_ms": np.float64,
}

_DEFAULTS = {
    "platform": "",
    "surface": "",
    "session_id": "",
    "rank": 1,
    "item_index": NO_EMBEDDING,
    "category": "",
    "source": "",
    "dwell_ms": 0.0,
    "clicked": False,
    "sponsored": False,
    "clickbait": np.nan,
    "consumed_ms": np.nan,
}


def make_impressions(ts_ms: Iterable[int] = (), **columns) -> Impressions:
    """Build an :class:`Impressions` from sequences; absent columns and None
    entries take the defaults (text "", rank 1, item_index −1, dwell 0, flags
    False, clickbait and consumed_ms NaN).

    Raises ``ValueError`` naming the column when a column's length differs from
    ``ts_ms`` or an unknown column is passed.
    """
    unknown = set(columns) - set(_DTYPES)
    if unknown:
        raise ValueError(f"unknown impression column(s): {', '.join(sorted(unknown))}")
    times = np.asarray(list(ts_ms) if not isinstance(ts_ms, np.ndarray) else ts_ms, dtype=np.int64)
    count = times.shape[0]
    built = {"ts_ms": times}
    for name, dtype in _DTYPES.items():
        if name == "ts_ms":
            continue
        values = columns.get(name)
        if values is None:
            built[name] = np.full(count, _DEFAULTS[name], dtype=dtype)
            continue
        array = _as_column(values, dtype, _DEFAULTS[name])
        if array.shape[0] != count:
            raise ValueError(f"column {name!r} has {array.shape[0]} values, ts_ms has {count}")
        built[name] = array
    return Impressions(**built)


def _as_column(values, dtype, default) -> np.ndarray:
    """A column of the given dtype; None entries take the column's default."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(dtype)
    array = np.array(list(values), dtype=object)
    if array.size:
        missing = np.frompyfunc(lambda value: value is None, 1, 1)(array).astype(bool)
        array[missing] = default
    return array if dtype is object else array.astype(dtype)


def impressions_from_records(records: Iterable[Mapping]) -> Impressions:
    """Build from dict rows keyed by column name (``ts_ms`` required in each)."""
    rows = list(records)
    columns = {name: [row.get(name, _DEFAULTS[name]) for row in rows] for name in _DEFAULTS}
    return make_impressions([row["ts_ms"] for row in rows], **columns)
