"""Daily rollups: the audit figures of any range from per-day sums (no Flask here).

Every figure of :func:`feedaudit.audit.reference_metrics` is built from sums that
add across days, so a year is read as ~365 rows per platform instead of every
impression. A *part* holds, for the impressions of one platform in one local
day (``settings.timezone``) or in a slice of a day:

* counts, dwell and clicks per category code (category id; 0 Other; −1 not yet
  categorized), with impressions in the top 3 ranks and in ranked versus
  chronological feeds (amplification); per rank band; per source (code in
  ``rollup_sources``); sponsored, clickbait and bait-click counts;
* embedding sums: Σ e and the dwell-weighted Σ w·e over unit rows e (drift's
  weekly centroids; narrowness = |Σ w·e| / Σ w exactly, since Σ w e·(S/|S|) = |S|);
* per session: impressions, embedded impressions, Σ|v|² and |Σv|² (intra-list
  diversity is exactly 1 − (|Σv|² − Σ|v|²) / (n(n−1))), plus Σv for sessions that
  span days, so their parts can be added;
* a 64-bit hash of every item key shown (distinct items of a range; a collision
  among 10⁶ keys has probability ~3·10⁻⁸);
* the platform's impressions in seen order as category codes, dwell and clicks:
  the feedback loop needs each event's neighbours and the range's median dwell;
* the preference sums under the current ratings (see ``audit.preference_sums``);
* apart, per impression, the max prior similarity to the 30 days before it, over
  all platforms and within the platform (novelty), with their day sums;
* apart, in the table ``rollup_item_days`` (whole days only), each item's impressions
  and dwell: a range's top items and the map's items (:func:`item_totals`).

Freshness: triggers (migration v5) record each changed UTC hour in
``rollup_changes`` inside the writer's transaction; :func:`refresh` (the
background job) turns hours into stale local days and rebuilds each day in one
transaction, so an interrupted run resumes where it stopped. Changes that move
embeddings or impressions also make the next 30 days' novelty stale. A new
time zone, embedding model or rollup version rebuilds everything. A range is
answered from fresh whole days plus parts computed on demand from raw rows for
its partial first and last days and any day not rebuilt yet: never stale.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import heapq
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import sqlite_utils

from . import analytics as an
from . import audit, settings
from .analytics.amplification import CHRONOLOGICAL, RANKED, amplification_of, feed_ordering
from .analytics.timebins import MS_PER_DAY, MS_PER_HOUR, local_day, week_key_of_day
from .enrichment import configured_model_id, stored_vectors
from .storage import write_transaction

ROLLUP_VERSION = "1"
NOVELTY_DAYS = an.novelty.NOVELTY_WINDOW_DAYS
#: Days whose novelty is computed together (they share one load of their history).
NOVELTY_BATCH_DAYS = 7
CATEGORY_COLUMNS = ("impressions", "dwell", "clicks", "top", "ranked", "chronological")
SESSION_COLUMNS = ("impressions", "embedded", "squared_norms", "squared_sum")
PREFERENCE_KEYS = ("dwell", "regret_dwell", "valid", "valid_dwell", "predicted", "predicted_dwell")


# --- local days ---------------------------------------------------------------------------------------------

def day_bounds(day: int, tz: str) -> tuple[int, int]:
    """[local midnight, next local midnight) of a day number (days since 1970-01-01) in ``tz``, as ms."""
    zone = ZoneInfo(tz)
    date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
    start = dt.datetime.combine(date, dt.time(), zone)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), zone)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def day_of(ts_ms: int, tz: str) -> int:
    return int(local_day(np.array([ts_ms]), tz)[0])


def split_range(from_ms: int, to_ms: int, tz: str) -> list[tuple[int, int, int, bool]]:
    """The range as (day, start, end, whole day?) pieces in time order."""
    pieces = []
    for day in range(day_of(from_ms, tz), day_of(to_ms - 1, tz) + 1):
        start, end = day_bounds(day, tz)
        low, high = max(start, from_ms), min(end, to_ms)
        if low < high:
            pieces.append((day, low, high, low == start and high == end))
    return pieces


def key_hash(values) -> np.ndarray:
    """64-bit hashes of strings (item keys, session ids)."""
    return np.array([int.from_bytes(hashlib.blake2b(str(v).encode(), digest_size=8).digest(), "little", signed=True)
                     for v in values], dtype=np.int64)


# --- parts --------------------------------------------------------------------------------------------------

@dataclass
class Part:
    """The sums of one platform's impressions over one day or a slice of it (see the module docstring)."""

    day: int
    platform: str
    meta: dict
    arrays: dict
    novelty: dict | None = None  # sums: count, total_any, repeated_any, total_same, repeated_same
    session_vectors_complete: bool = True  # False: a session spanning days has no stored Σv here
    signature: str = ""

    def encode(self) -> bytes:
        return pack(self.arrays, self.meta)


def pack(arrays: dict[str, np.ndarray], meta: dict) -> bytes:
    """Arrays and a JSON header in one blob: [header length][header][raw array bytes]."""
    layout, chunks, offset = [], [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        layout.append([name, array.dtype.str, list(array.shape), offset])
        chunks.append(array.tobytes())
        offset += array.nbytes
    header = json.dumps({"meta": meta, "arrays": layout}).encode()
    return len(header).to_bytes(4, "little") + header + b"".join(chunks)


def unpack(blob: bytes) -> tuple[dict[str, np.ndarray], dict]:
    size = int.from_bytes(blob[:4], "little")
    header = json.loads(blob[4:4 + size])
    base, arrays = 4 + size, {}
    for name, dtype, shape, offset in header["arrays"]:
        count = math.prod(shape)
        arrays[name] = np.frombuffer(blob, dtype=dtype, count=count, offset=base + offset).reshape(shape)
    return arrays, header["meta"]


class SourceCodes:
    """Integer codes of source names (``rollup_sources``); names not stored yet get
    temporary negative codes that live as long as this object."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db
        self._code: dict[str, int] | None = None
        self._name: dict[int, str] | None = None

    def _load(self) -> None:
        # Read on first use: reads of stored days that need no names skip the table (thousands of rows).
        self._code = dict((name, code) for code, name in self._db.execute("SELECT code, name FROM rollup_sources"))
        self._name = {code: name for name, code in self._code.items()}

    @property
    def code(self) -> dict[str, int]:
        if self._code is None:
            self._load()
        return self._code

    @property
    def name(self) -> dict[int, str]:
        if self._name is None:
            self._load()
        return self._name

    def names_of(self, codes: list[int]) -> dict[int, str]:
        """Names of some codes, read alone while the whole table is not loaded (a range names only its top sources)."""
        if self._name is not None:
            return {code: self._name[code] for code in codes}
        return dict(self._db.execute("SELECT code, name FROM rollup_sources WHERE code IN (SELECT value FROM json_each(?))",
                                     [json.dumps(codes)]).fetchall())

    def codes(self, names) -> np.ndarray:
        for name in names:
            if name not in self.code:
                self.code[name] = -len(self.name) - 1
                self.name[self.code[name]] = name
        return np.array([self.code[name] for name in names], dtype=np.int64)

    def store_new(self, db: sqlite_utils.Database, names) -> None:
        """Give stored codes to the names that lack one (inside the caller's transaction)."""
        for name in sorted(set(names)):
            if self.code.get(name, -1) < 0:
                code = db.execute("INSERT INTO rollup_sources (name) VALUES (?) ON CONFLICT (name) DO UPDATE"
                                  " SET name = excluded.name RETURNING code", (name,)).fetchone()[0]
                self.code[name], self.name[code] = code, name


def _group_sums(keys: np.ndarray, columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys and the column sums per key (a keys × columns float matrix)."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    sums = np.zeros((distinct.size, len(columns)))
    for column, values in enumerate(columns):
        sums[:, column] = np.bincount(inverse, weights=np.asarray(values, dtype=np.float64), minlength=distinct.size)
    return distinct, sums


def build_parts(window: audit.Window, day: int, sources: SourceCodes, context: audit.RatingsContext,
                multi_day_sessions: set[str] | None = None) -> dict[str, Part]:
    """One Part per platform from a window lying within one local day.

    ``multi_day_sessions``: sessions whose Σv must be kept (None keeps every session's).
    """
    imp = window.impressions
    parts = {}
    for platform in sorted(set(imp.platform.tolist())):
        rows = np.flatnonzero(imp.platform == platform)
        parts[platform] = _platform_part(window, rows, day, platform, sources, context, multi_day_sessions)
    return parts


def _platform_part(window, rows, day, platform, sources, context, multi_day_sessions) -> Part:
    imp, emb = window.impressions.subset(rows), window.embeddings
    keys, codes, urls = window.item_keys[rows], window.category_codes[rows], window.page_urls[rows]
    clicked, dwell = imp.clicked, imp.dwell_ms
    orderings = np.array([feed_ordering(platform, s, u) for s, u in zip(imp.surface, urls)], dtype=object)
    scored = ~np.isnan(imp.clickbait)
    high = scored & (np.nan_to_num(imp.clickbait, nan=-1.0) >= an.shares.CLICKBAIT_THRESHOLD)
    known = clicked & ~np.isnan(imp.consumed_ms)
    quick = known & (np.nan_to_num(imp.consumed_ms, nan=np.inf) < an.sessions.BAIT_CLICK_MAX_MS)
    cat_codes, cat = _group_sums(codes, [np.ones(rows.size), dwell, clicked, imp.rank <= an.shares.TOP_PLACEMENT_RANKS,
                                         orderings == RANKED, orderings == CHRONOLOGICAL])
    bands = an.shares.rank_band(imp.rank)
    band_sums = np.array([[np.sum(bands == b), np.sum(clicked[bands == b])] for b in an.shares.RANK_BANDS], dtype=np.float64)
    src_codes, src = _group_sums(sources.codes(imp.source.tolist()), [np.ones(rows.size), dwell])
    embedded = (imp.item_index >= 0) & (imp.item_index < len(emb))
    unit = an.semantic.unit_rows_of(emb, imp.item_index[embedded]).astype(np.float64) if embedded.any() else np.zeros((0, 0))
    dims = unit.shape[1] if unit.size else 0
    weights = dwell[embedded]
    attended = weights > 0
    vec_w = (weights[attended, None] * unit[attended]).sum(axis=0) if dims else np.zeros(0)
    sess_keys, sess, vec_keys, vecs = _session_sums(imp.session_id, embedded, unit, multi_day_sessions)
    meta = {
        "impressions": int(rows.size), "dwell": float(dwell.sum()), "clicks": int(clicked.sum()),
        "sponsored": int(imp.sponsored.sum()),
        "clickbait": [int(scored.sum()), int(high.sum()), int((scored & clicked).sum()), int((high & clicked).sum())],
        "bait": [int(known.sum()), int(quick.sum())],
        "embedded": int(embedded.sum()), "weight": float(weights[attended].sum()),
        "preferences": audit.preference_sums(context, keys, imp.item_index, dwell, emb),
    }
    arrays = {
        "cat_codes": cat_codes.astype(np.int64), "cat": cat, "bands": band_sums,
        "src_codes": src_codes.astype(np.int64), "src": src,
        "vec_sum": unit.sum(axis=0) if dims else np.zeros(0), "vec_w": vec_w,
        "items": np.unique(key_hash(keys)),
        "seq_codes": codes.astype(np.int64), "seq_dwell": dwell.astype(np.float64), "seq_clicked": clicked.astype(bool),
        "sess_keys": sess_keys, "sess": sess, "vec_keys": vec_keys, "vecs": vecs,
    }
    return Part(day, platform, meta, arrays, signature=context.signature)


def _session_sums(session_ids, embedded, unit, keep_vectors: set[str] | None):
    """Per session: impressions, embedded impressions, Σ|v|², |Σv|²; Σv for the sessions kept."""
    ids = np.asarray(session_ids).astype(str)
    distinct, inverse = np.unique(ids, return_inverse=True)
    dims = unit.shape[1] if unit.size else 0
    sums = np.zeros((distinct.size, dims))
    if dims:
        np.add.at(sums, inverse[embedded], unit)
    stats = np.zeros((distinct.size, len(SESSION_COLUMNS)))
    stats[:, 0] = np.bincount(inverse, minlength=distinct.size)
    stats[:, 1] = np.bincount(inverse[embedded], minlength=distinct.size)
    if dims:
        stats[:, 2] = np.bincount(inverse[embedded], weights=(unit * unit).sum(axis=1), minlength=distinct.size)
        stats[:, 3] = (sums * sums).sum(axis=1)
    keep = np.array([keep_vectors is None or s in keep_vectors for s in distinct.tolist()], dtype=bool)
    return key_hash(distinct), stats, key_hash(distinct[keep]), sums[keep] if dims else np.zeros((int(keep.sum()), 0))


def decode_part(day: int, platform: str, blob: bytes, signature: str, novelty_sums: str | None) -> Part:
    arrays, meta = unpack(blob)
    part = Part(day, platform, meta, arrays, signature=signature)
    part.novelty = json.loads(novelty_sums) if novelty_sums else None
    return part


# --- novelty ------------------------------------------------------------------------------------------------

NOVELTY_SQL = """
    SELECT i.ts, i.platform, it.text_hash FROM impressions i JOIN items it ON it.key = i.item_key
    WHERE i.ts >= ? AND i.ts < ? ORDER BY i.ts, i.rank, i.id
"""


def compute_novelty(db: sqlite_utils.Database, from_ms: int, to_ms: int) -> dict[str, dict[str, np.ndarray]]:
    """Per platform, for the impressions in [from_ms, to_ms) in seen order: ts, embedded
    flag, and the max prior similarity over all platforms ("any") and within the
    platform ("same"), against the 30 days before each impression."""
    rows = db.execute(NOVELTY_SQL, (from_ms - NOVELTY_DAYS * MS_PER_DAY, to_ms)).fetchall()
    if not rows:
        return {}
    ts, platforms, hashes = (np.array(c) for c in zip(*rows))
    ts = ts.astype(np.int64)
    distinct = sorted({h for h in hashes.tolist() if h})
    vectors = stored_vectors(db, distinct, configured_model_id(db))
    order = {h: n for n, h in enumerate(h for h in distinct if h in vectors)}
    embeddings = np.stack([vectors[h] for h in order]) if order else np.zeros((0, 384), np.float32)
    index = np.array([order.get(h, -1) for h in hashes.tolist()], dtype=np.int64)
    everything = an.make_impressions(ts, platform=platforms.astype(object), item_index=index)
    best_any = an.max_prior_similarity(everything, embeddings, NOVELTY_DAYS, since_ms=from_ms)
    result = {}
    for platform in sorted(set(platforms.tolist())):
        mine = np.flatnonzero(platforms == platform)
        best_same = an.max_prior_similarity(everything.subset(mine), embeddings, NOVELTY_DAYS, since_ms=from_ms)
        target = ts[mine] >= from_ms
        if target.any():
            result[platform] = {"ts": ts[mine][target], "embedded": index[mine][target] >= 0,
                                "any": best_any[mine][target], "same": best_same[target]}
    return result


def novelty_slice(novelty: dict[str, np.ndarray], low: int, high: int) -> dict[str, np.ndarray]:
    """The impressions with ts in [low, high) of per-impression novelty arrays."""
    start, stop = np.searchsorted(novelty["ts"], [low, high], side="left")
    return {name: values[start:stop] for name, values in novelty.items()}


def novelty_sums(novelty: dict[str, np.ndarray]) -> dict:
    """Sums of embedded impressions' novelty that add across days (see analytics.novelty_sums)."""
    embedded = np.asarray(novelty["embedded"], dtype=bool)
    count, total_any, repeated_any = an.novelty.novelty_sums(novelty["any"][embedded])
    _, total_same, repeated_same = an.novelty.novelty_sums(novelty["same"][embedded])
    return {"count": count, "total_any": total_any, "repeated_any": repeated_any,
            "total_same": total_same, "repeated_same": repeated_same}


# --- the background job -------------------------------------------------------------------------------------

def _state(db) -> dict:
    return dict(db.execute("SELECT key, value FROM rollup_state").fetchall())


def _wanted_state(db) -> dict:
    return {"version": ROLLUP_VERSION, "tz": settings.timezone(db), "model": configured_model_id(db)}


def mark_dirty(db: sqlite_utils.Database, from_ms: int, to_ms: int) -> None:
    """Make the days of [from_ms, to_ms) (and the novelty of the 30 days after) be rebuilt.

    Writes to impressions, dwell, clicks, views and items mark their days by
    themselves (triggers); call this after any other change that alters what
    those days show (e.g. a bulk deletion done with triggers disabled). Runs in
    its own transaction unless the caller already holds one.
    """
    hours = range(from_ms // MS_PER_HOUR, (to_ms - 1) // MS_PER_HOUR + 1)
    rows = [(hour, max(hour * MS_PER_HOUR, from_ms)) for hour in hours]
    sql = ("INSERT INTO rollup_changes (hour, first_ts, novelty) VALUES (?, ?, 1) ON CONFLICT (hour) DO UPDATE"
           " SET first_ts = min(first_ts, excluded.first_ts), novelty = 1")
    if db.conn.in_transaction:
        db.conn.executemany(sql, rows)
    else:
        with write_transaction(db):
            db.conn.executemany(sql, rows)


def _reset_if_settings_changed(db, wanted: dict) -> None:
    if _state(db) == wanted:
        return
    with write_transaction(db):
        db.execute("DELETE FROM rollup_parts")
        db.execute("DELETE FROM rollup_source_days")
        db.execute("DELETE FROM rollup_item_days")
        db.execute("DELETE FROM rollup_stale")
        db.execute("INSERT INTO rollup_changes (hour, first_ts, novelty) SELECT ts / 3600000, min(ts), 1"
                   " FROM impressions WHERE true GROUP BY 1 ON CONFLICT (hour) DO UPDATE SET"
                   " first_ts = min(first_ts, excluded.first_ts), novelty = 1")
        db.execute("DELETE FROM rollup_state")
        db.conn.executemany("INSERT INTO rollup_state (key, value) VALUES (?, ?)", list(wanted.items()))


def _stale_from_changes(changes, tz: str, last_day: int | None) -> dict[int, list[int]]:
    """{day: [aggregates stale, novelty stale]} of change rows (hour, first_ts, novelty)."""
    stale: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for hour, first_ts, novelty in changes:
        hour_end = hour * MS_PER_HOUR + MS_PER_HOUR - 1
        for day in {day_of(hour * MS_PER_HOUR, tz), day_of(hour_end, tz)}:
            stale[day][0] = 1
        if novelty:
            # An impression or vector at t changes the novelty of everything in (t, t + 30 days].
            last = day_of(hour_end + NOVELTY_DAYS * MS_PER_DAY, tz)
            for day in range(day_of(first_ts, tz), min(last, last_day if last_day is not None else last) + 1):
                stale[day][1] = 1
    return stale


def _absorb_changes(db, tz: str) -> None:
    """Turn recorded changed hours into stale days (one transaction)."""
    with write_transaction(db):
        changes = db.execute("SELECT hour, first_ts, novelty FROM rollup_changes").fetchall()
        if not changes:
            return
        newest = db.execute("SELECT max(ts) FROM impressions").fetchone()[0]
        stale = _stale_from_changes(changes, tz, day_of(newest, tz) if newest is not None else None)
        db.conn.executemany(
            "INSERT INTO rollup_stale (day, aggregates, novelty) VALUES (?, ?, ?) ON CONFLICT (day) DO UPDATE SET"
            " aggregates = max(aggregates, excluded.aggregates), novelty = max(novelty, excluded.novelty)",
            [(day, a, n) for day, (a, n) in stale.items()])
        db.execute("DELETE FROM rollup_changes")


def _mark_ratings_stale(db, signature: str) -> None:
    with write_transaction(db):
        db.execute("INSERT INTO rollup_stale (day, aggregates, novelty) SELECT DISTINCT day, 1, 0 FROM rollup_parts"
                   " WHERE ratings_signature != ? ON CONFLICT (day) DO UPDATE SET aggregates = 1", (signature,))


def refresh(db: sqlite_utils.Database, max_days: int | None = None, budget_s: float | None = None,
            on_day=None) -> int:
    """Bring the rollups up to date, one committed day at a time; return the days rebuilt.

    Stops after ``max_days`` days or once ``budget_s`` seconds have passed (the
    rest waits for the next run); ``on_day(day)`` is called after each commit.
    """
    started = time.monotonic()
    wanted = _wanted_state(db)
    tz = wanted["tz"]
    _reset_if_settings_changed(db, wanted)
    _absorb_changes(db, tz)
    context = audit.ratings_context(db)
    _mark_ratings_stale(db, context.signature)
    stale = db.execute("SELECT day, aggregates, novelty FROM rollup_stale ORDER BY day").fetchall()
    built, sources = 0, SourceCodes(db)
    for batch in _batches(stale):
        novelty = _batch_novelty(db, [day for day, _, nov in batch if nov], tz)
        for day, aggregates, nov in batch:
            _rebuild_day(db, day, tz, context, sources, aggregates, novelty.get(day) if nov else None)
            built += 1
            if on_day:
                on_day(day)
            if (max_days is not None and built >= max_days) or (budget_s is not None and time.monotonic() - started > budget_s):
                return built
    return built


def _batches(stale: list[tuple]) -> list[list[tuple]]:
    """Stale days in runs of consecutive days (at most NOVELTY_BATCH_DAYS each)."""
    batches: list[list[tuple]] = []
    for row in stale:
        if batches and row[0] == batches[-1][-1][0] + 1 and len(batches[-1]) < NOVELTY_BATCH_DAYS:
            batches[-1].append(row)
        else:
            batches.append([row])
    return batches


def _batch_novelty(db, days: list[int], tz: str) -> dict[int, dict[str, dict]]:
    """{day: {platform: novelty arrays}} for consecutive days, from one history load."""
    if not days:
        return {}
    low, high = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    computed = compute_novelty(db, low, high)
    result: dict[int, dict[str, dict]] = {day: {} for day in days}
    for day in days:
        start, end = day_bounds(day, tz)
        for platform, values in computed.items():
            piece = novelty_slice(values, start, end)
            if piece["ts"].size:
                result[day][platform] = piece
    return result


def _rebuild_day(db, day: int, tz: str, context, sources, aggregates: int, novelty: dict | None) -> None:
    """Rebuild one day's parts (aggregates and/or novelty) and clear its stale mark, in one transaction."""
    start, end = day_bounds(day, tz)
    parts = None
    if aggregates:
        window = audit.load_window(db, start, end)
        spanning = _sessions_spanning_days(db, window.impressions.session_id, start, end)
        parts = build_parts(window, day, sources, context, {s for s, _, _ in spanning})
    now = int(time.time() * 1000)
    with write_transaction(db):
        if parts is not None:
            db.execute("DELETE FROM rollup_item_days WHERE day = ?", (day,))
            db.conn.executemany("INSERT INTO rollup_item_days (day, platform, item_key, impressions, dwell_ms, embedded,"
                                " pick) VALUES (?, ?, ?, ?, ?, ?, ?)", _item_day_rows(window, day))
            old = {p: (blob, sums) for p, blob, sums in db.execute(
                "SELECT platform, novelty, novelty_sums FROM rollup_parts WHERE day = ?", (day,))}
            sources.store_new(db, [sources.name[c] for part in parts.values() for c in part.arrays["src_codes"].tolist()])
            db.execute("DELETE FROM rollup_parts WHERE day = ?", (day,))
            db.execute("DELETE FROM rollup_source_days WHERE day = ?", (day,))
            for platform, part in parts.items():
                part.arrays["src_codes"] = sources.codes([sources.name[c] for c in part.arrays["src_codes"].tolist()])
                db.conn.executemany("INSERT OR IGNORE INTO rollup_source_days (code, platform, day) VALUES (?, ?, ?)",
                                    [(code, platform, day) for code in part.arrays["src_codes"].tolist()])
                blob, sums = old.get(platform, (None, None))
                db.execute("INSERT INTO rollup_parts (day, platform, impressions, aggregates, ratings_signature, novelty,"
                           " novelty_sums, built_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (day, platform, part.meta["impressions"], part.encode(), context.signature, blob, sums, now))
            _require_session_vectors(db, day, spanning, tz)
        if novelty is not None:
            db.execute("UPDATE rollup_parts SET novelty = NULL, novelty_sums = NULL WHERE day = ?", (day,))
            for platform, values in novelty.items():
                db.execute("UPDATE rollup_parts SET novelty = ?, novelty_sums = ? WHERE day = ? AND platform = ?",
                           (pack(values, {}), json.dumps(novelty_sums(values)), day, platform))
        db.execute("DELETE FROM rollup_stale WHERE day = ?", (day,))


def _item_day_rows(window: audit.Window, day: int) -> list[tuple]:
    """(day, platform, item key, impressions, dwell ms, has a vector, key hash) per platform and distinct
    item of a day's window."""
    imp, rows = window.impressions, []
    for platform in sorted(set(imp.platform.tolist())):
        mine = imp.platform == platform
        keys, first, inverse = np.unique(window.item_keys[mine].astype(str), return_index=True, return_inverse=True)
        shown = np.bincount(inverse, minlength=keys.size)
        dwell = np.rint(np.bincount(inverse, weights=imp.dwell_ms[mine].astype(np.float64), minlength=keys.size))
        embedded = imp.item_index[mine][first] >= 0  # every impression of an item has the same vector
        rows += [(day, platform, key, n, d, e, pick) for key, n, d, e, pick in zip(
            keys.tolist(), shown.tolist(), dwell.astype(np.int64).tolist(), embedded.astype(int).tolist(),
            key_hash(keys).tolist())]
    return rows


def _sessions_spanning_days(db, session_ids, start: int, end: int) -> list[tuple[str, int, int]]:
    """(session id, first ts, last ts) of the day's sessions that also have impressions on other days
    ("" — impressions without a session — always counts as spanning)."""
    ids = sorted(set(np.asarray(session_ids).astype(str).tolist()))
    found = [("", start, end)] if "" in ids else []
    named = [s for s in ids if s]
    for offset in range(0, len(named), 500):
        chunk = named[offset:offset + 500]
        found += [row for row in db.execute(
            f"SELECT session_id, min(ts), max(ts) FROM impressions WHERE session_id IN ({','.join('?' * len(chunk))})"
            " GROUP BY session_id", chunk) if row[1] < start or row[2] >= end]
    return found


def _require_session_vectors(db, day: int, spanning, tz: str) -> None:
    """Sessions that turned out to span days need Σv on their other days too: mark those days stale."""
    for session, first, last in spanning:
        if not session:
            continue
        key = int(key_hash([session])[0])
        for other in range(day_of(first, tz), day_of(last, tz) + 1):
            if other == day:
                continue
            for (blob,) in db.execute("SELECT aggregates FROM rollup_parts WHERE day = ?", (other,)):
                arrays, _ = unpack(blob)
                if key in arrays["sess_keys"] and key not in arrays["vec_keys"]:
                    db.execute("INSERT INTO rollup_stale (day, aggregates, novelty) VALUES (?, 1, 0)"
                               " ON CONFLICT (day) DO UPDATE SET aggregates = 1", (other,))


def pending_days(db: sqlite_utils.Database) -> int:
    """Days waiting for a rebuild (plus changed hours not yet turned into days)."""
    return (db.execute("SELECT count(*) FROM rollup_stale").fetchone()[0]
            + db.execute("SELECT count(*) FROM rollup_changes").fetchone()[0])


# --- answering a range --------------------------------------------------------------------------------------

def _stale_days(db, tz: str, first: int, last: int) -> tuple[set[int], set[int]]:
    """(days whose aggregates are stale, days whose novelty is stale) among first…last."""
    aggregates, novelty = set(), set()
    for day, a, n in db.execute("SELECT day, aggregates, novelty FROM rollup_stale WHERE day BETWEEN ? AND ?",
                                (first, last)):
        (aggregates.add(day) if a else None), (novelty.add(day) if n else None)
    changes = db.execute("SELECT hour, first_ts, novelty FROM rollup_changes").fetchall()
    for day, (a, n) in _stale_from_changes(changes, tz, None).items():
        (aggregates.add(day) if a else None), (novelty.add(day) if n else None)
    return aggregates, novelty


@dataclass
class _Plan:
    parts: list[Part] = field(default_factory=list)
    rollup_days: int = 0
    computed_days: int = 0
    sources: SourceCodes | None = None


def _load_stored(db, days: list[int], platform: str | None) -> list[tuple]:
    """(day, platform, aggregates blob, ratings signature, novelty sums) of the stored parts of ``days``.
    Within :func:`reused_reads`, a part read before comes back decoded (a Part) instead of as a blob."""
    if not days:
        return []
    where = " WHERE day BETWEEN ? AND ?" + (" AND platform = ?" if platform else "")
    params, wanted = [min(days), max(days)] + ([platform] if platform else []), set(days)
    decoded = getattr(db, "_feedaudit_parts", None)
    if decoded is None:
        return [row for row in db.execute("SELECT day, platform, aggregates, ratings_signature, novelty_sums"
                                          " FROM rollup_parts" + where, params) if row[0] in wanted]
    rows = [(day, name, decoded.get((day, name)), signature, sums) for day, name, signature, sums in db.execute(
        "SELECT day, platform, ratings_signature, novelty_sums FROM rollup_parts" + where, params) if day in wanted]
    missing = [(day, name) for day, name, part, _, _ in rows if part is None]
    if missing:
        blobs = dict(((day, name), blob) for day, name, blob in db.execute(
            "SELECT day, platform, aggregates FROM rollup_parts WHERE (day, platform) IN"
            " (SELECT value ->> 0, value ->> 1 FROM json_each(?))", [json.dumps(missing)]))
        rows = [(day, name, part if part is not None else blobs[day, name], signature, sums)
                for day, name, part, signature, sums in rows]
    return rows


def _stored_novelty(db, day: int, platform: str | None) -> dict[str, dict] | None:
    sql = "SELECT platform, novelty FROM rollup_parts WHERE day = ?" + (" AND platform = ?" if platform else "")
    rows = db.execute(sql, [day] + ([platform] if platform else [])).fetchall()
    if any(blob is None for _, blob in rows):
        return None
    return {p: unpack(blob)[0] for p, blob in rows}


def _computed_parts(db, day, low, high, platform, tz, sources, context, novelty_fresh: bool,
                    with_novelty: bool = True) -> list[Part]:
    """Parts of [low, high) (within one day) computed from the raw rows (novelty sums only ``with_novelty``)."""
    window = audit.load_window(db, low, high, platform)
    parts = build_parts(window, day, sources, context, None)
    if not with_novelty:
        return list(parts.values())
    stored = _stored_novelty(db, day, platform) if novelty_fresh else None
    if stored is not None and not set(parts) - set(stored):
        novelty = {p: novelty_slice(v, low, high) for p, v in stored.items()}
    else:
        novelty = compute_novelty(db, low, high)
    for name, part in parts.items():
        part.novelty = novelty_sums(novelty[name]) if name in novelty else None
    return list(parts.values())


def _decoded(db, day: int, platform: str, blob, signature: str, sums: str | None) -> Part:
    """The stored part (``blob`` is a Part already when :func:`_load_stored` had it decoded)."""
    if isinstance(blob, Part):
        return blob
    part = decode_part(day, platform, blob, signature, sums)
    decoded = getattr(db, "_feedaudit_parts", None)
    if decoded is not None:
        decoded[day, platform] = part
    return part


def plan_range(db, from_ms: int, to_ms: int, platform: str | None, tz: str, context,
               with_novelty: bool = True) -> _Plan:
    """Every part of the range: stored whole fresh days, the rest computed from raw rows.
    Without novelty (light reads), a day whose novelty alone is stale is served from storage and
    computed parts carry no novelty sums (comparing with the 30 days before costs most of a rebuild)."""
    pieces = split_range(from_ms, to_ms, tz)
    if not pieces:
        return _Plan()
    stale_aggregates, stale_novelty = _stale_days(db, tz, pieces[0][0], pieces[-1][0])
    if not with_novelty:
        stale_novelty = set()
    whole = [day for day, _, _, full in pieces if full and day not in stale_aggregates and day not in stale_novelty]
    plan = _Plan()
    stored = _load_stored(db, whole, platform)
    # A fresh whole day without parts showed nothing; one built under other ratings is recomputed.
    served = set(whole) - {day for day, _, _, signature, sums in stored if signature != context.signature or sums is None}
    plan.parts = [_decoded(db, day, name, blob, signature, sums) for day, name, blob, signature, sums in stored
                  if day in served]
    sources = SourceCodes(db)
    for day, low, high, _ in pieces:
        if day not in served:
            plan.parts += _computed_parts(db, day, low, high, platform, tz, sources, context,
                                          day not in stale_novelty, with_novelty)
            plan.computed_days += 1
    plan.rollup_days = len(served)
    if with_novelty:  # light reads use no per-session figure
        _replace_parts_missing_session_vectors(db, plan, platform, tz, sources, context, stale_novelty)
    plan.parts.sort(key=lambda part: part.day)
    plan.sources = sources
    return plan


def _replace_parts_missing_session_vectors(db, plan, platform, tz, sources, context, stale_novelty) -> None:
    """A session in several parts needs Σv from each; stored days lacking it are recomputed."""
    seen: dict[int, int] = defaultdict(int)
    for part in plan.parts:
        for key in part.arrays["sess_keys"].tolist():
            seen[key] += 1
    shared = {key for key, count in seen.items() if count > 1}
    redo = {part.day for part in plan.parts
            if shared & (set(part.arrays["sess_keys"].tolist()) - set(part.arrays["vec_keys"].tolist()))}
    if not redo:
        return
    plan.parts = [part for part in plan.parts if part.day not in redo]
    for day in sorted(redo):
        low, high = day_bounds(day, tz)
        plan.parts += _computed_parts(db, day, low, high, platform, tz, sources, context, day not in stale_novelty)
        plan.rollup_days -= 1
        plan.computed_days += 1


def metrics(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None, tz: str = "UTC",
            feedback: bool = True) -> dict:
    """Every figure of :func:`audit.reference_metrics` for the range, from the rollups
    (``feedback=False``: all but the feedback loop, which is then None).

    Rollups built in another time zone or embedding model cannot serve: the raw
    rows are used then (until the job has rebuilt them).
    """
    if _state(db) != {**_wanted_state(db), "tz": tz}:
        return audit.reference_metrics(db, from_ms, to_ms, platform, tz)
    context = audit.ratings_context(db)
    plan = plan_range(db, from_ms, to_ms, platform, tz, context)
    result = combine(db, plan, from_ms, to_ms, platform, tz, context, feedback)
    result["computed_from"] = {"rollup_days": plan.rollup_days, "raw_days": plan.computed_days}
    return result


# --- per-item totals: top items and the map ------------------------------------------------------------

# "Embedded": the item has a stored vector of the configured model (as ``audit.load_window`` finds them).
ITEM_TOTALS_RAW_SQL = """SELECT i.item_key, count(*), coalesce(sum(d.visible_ms), 0),
        it.text_hash IS NOT NULL AND EXISTS (SELECT 1 FROM embeddings e WHERE e.text_hash = it.text_hash AND e.model = ?)
    FROM impressions i JOIN items it ON it.key = i.item_key LEFT JOIN dwell d ON d.impression_id = i.id
    WHERE i.ts >= ? AND i.ts < ? {platform_filter} GROUP BY i.item_key"""
ITEM_TOTALS_SQL = """SELECT item_key, sum(impressions), sum(dwell_ms), max(embedded) FROM rollup_item_days
    WHERE day IN (SELECT value FROM json_each(?)) {platform_filter} GROUP BY item_key"""


def item_totals(db: sqlite_utils.Database, from_ms: int, to_ms: int, tz: str,
                platform: str | None = None) -> dict[str, tuple[int, int, int]] | None:
    """{item key: (impressions, dwell ms, 1 if it has a vector else 0)} of the items shown in
    [from_ms, to_ms): whole fresh days from ``rollup_item_days``, the rest from raw rows (the same join as
    ``audit.load_window``); None when the rollups cannot serve this time zone or model yet (read the raw
    rows then). A change to an item's text or vector marks its days stale, so both sources agree on it."""
    split = _split_served(db, from_ms, to_ms, tz)
    if split is None:
        return None
    pieces, served = split
    platform_filter, extra = ("AND platform = ?", [platform]) if platform else ("", [])
    sources = []
    if served:
        sources.append(db.execute(ITEM_TOTALS_SQL.format(platform_filter=platform_filter),
                                  [json.dumps(served), *extra]).fetchall())
    raw_ranges = _raw_ranges(pieces, set(served))
    if raw_ranges:
        raw_sql = ITEM_TOTALS_RAW_SQL.format(platform_filter=platform_filter.replace("platform", "i.platform"))
        model = configured_model_id(db)
        sources += [db.execute(raw_sql, [model, low, high, *extra]).fetchall() for low, high in raw_ranges]
    if len(sources) == 1:
        return {key: (shown, dwell, embedded) for key, shown, dwell, embedded in sources[0]}
    totals: dict[str, tuple[int, int, int]] = {}
    for rows in sources:
        for key, shown, dwell, embedded in rows:
            before = totals.get(key, (0, 0, 0))
            totals[key] = (before[0] + shown, before[1] + dwell, max(before[2], embedded))
    return totals


def _split_served(db, from_ms: int, to_ms: int, tz: str) -> tuple[list[tuple], list[int]] | None:
    """The range's pieces (see :func:`split_range`) and the days among them that the stored per-item
    rows serve (whole days whose aggregates are fresh); None when the rollups cannot serve this time
    zone or model."""
    if _state(db) != {**_wanted_state(db), "tz": tz}:
        return None
    pieces = split_range(from_ms, to_ms, tz)
    if not pieces:
        return [], []
    stale, _ = _stale_days(db, tz, pieces[0][0], pieces[-1][0])
    return pieces, [day for day, _, _, whole in pieces if whole and day not in stale]


def _served_days(db, from_ms: int, to_ms: int, tz: str) -> list[int] | None:
    """The range's days when all are served from storage (None otherwise: see :func:`_split_served`)."""
    split = _split_served(db, from_ms, to_ms, tz)
    if split is None or not split[0] or len(split[1]) != len(split[0]):
        return None
    return split[1]


TOP_ITEMS_SQL = """SELECT item_key, sum(impressions) AS shown, sum(dwell_ms) AS dwell FROM rollup_item_days
    WHERE day IN (SELECT value FROM json_each(?)) {platform_filter} GROUP BY item_key
    ORDER BY dwell DESC, shown DESC, item_key LIMIT ?"""


def top_items(db: sqlite_utils.Database, from_ms: int, to_ms: int, tz: str, platform: str | None = None,
              count: int = 10) -> list[tuple[str, int, int]] | None:
    """(item key, impressions, dwell ms) of the ``count`` items with the most dwell in the range (ties:
    more impressions, then key); None when the rollups cannot serve this time zone or model yet."""
    days = _served_days(db, from_ms, to_ms, tz)
    if days is not None:  # the common case (a past week): SQLite sums and ranks, ten rows come back
        platform_filter, extra = ("AND platform = ?", [platform]) if platform else ("", [])
        return db.execute(TOP_ITEMS_SQL.format(platform_filter=platform_filter),
                          [json.dumps(days), *extra, count]).fetchall()
    totals = item_totals(db, from_ms, to_ms, tz, platform)
    if totals is None:
        return None
    best = heapq.nsmallest(count, totals.items(), key=lambda entry: (-entry[1][1], -entry[1][0], entry[0]))
    return [(key, shown, dwell) for key, (shown, dwell, _) in best]


# One grouping pass: the counts ride along on every sampled row (a range with no vector returns no row).
MAP_SAMPLE_SQL = """WITH item AS MATERIALIZED (
        SELECT item_key, sum(impressions) AS shown, sum(dwell_ms) AS dwell, max(embedded) AS embedded,
               min(pick) AS pick
        FROM rollup_item_days WHERE day IN (SELECT value FROM json_each(?)) GROUP BY item_key)
    SELECT item_key, shown, dwell, (SELECT count(*) FROM item), (SELECT sum(embedded) FROM item)
    FROM item WHERE embedded ORDER BY pick, item_key LIMIT ?"""
MAP_COUNT_SQL = "SELECT count(DISTINCT item_key) FROM rollup_item_days WHERE day IN (SELECT value FROM json_each(?))"


@dataclass
class MapSample:
    """The range's item count, how many of them have a vector, and the drawn sample: {key: (impressions,
    dwell ms)} of the ``count`` items with a vector whose key hashes are smallest (a uniform random sample
    that is the same for every request, and keeps an item drawn as the range moves while it stays in)."""

    items: int
    embedded: int
    sample: dict[str, tuple[int, int]]


def map_sample(db: sqlite_utils.Database, from_ms: int, to_ms: int, tz: str, count: int) -> MapSample | None:
    """See :class:`MapSample`; None when the rollups cannot serve this time zone or model yet."""
    days = _served_days(db, from_ms, to_ms, tz)
    if days is not None:
        rows = db.execute(MAP_SAMPLE_SQL, [json.dumps(days), count]).fetchall()
        if not rows:
            return MapSample(db.execute(MAP_COUNT_SQL, [json.dumps(days)]).fetchone()[0], 0, {})
        return MapSample(rows[0][3], rows[0][4], {key: (shown, dwell) for key, shown, dwell, _, _ in rows})
    totals = item_totals(db, from_ms, to_ms, tz)
    if totals is None:
        return None
    with_vector = [key for key, (_, _, embedded) in totals.items() if embedded]
    drawn = smallest_hashes(with_vector, count)
    return MapSample(len(totals), len(with_vector), {key: totals[key][:2] for key in drawn})


def smallest_hashes(keys: list[str], count: int) -> list[str]:
    """The ``count`` keys of smallest :func:`key_hash` (ties by key), in that order: the map's sample."""
    if not keys:
        return []
    ordered = sorted(zip(key_hash(keys).tolist(), keys))
    return [key for _, key in ordered[:count]]


def _raw_ranges(pieces: list[tuple[int, int, int, bool]], served: set[int]) -> list[tuple[int, int]]:
    """[low, high) ranges of the consecutive pieces not served from storage."""
    ranges: list[tuple[int, int]] = []
    for day, low, high, _ in pieces:
        if day in served:
            continue
        if ranges and ranges[-1][1] == low:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    return ranges


# --- light reads for report pages (shares and centroids only: no bootstrap, sessions or novelty) ----------

@contextlib.contextmanager
def reused_reads(db: sqlite_utils.Database):
    """Within the block, :func:`range_parts` answers a range it has read before from memory, and a
    stored day's part is decoded once: for one page's figures, which read the same weeks several times
    (not for long-lived connections: the memory never sees later writes)."""
    db._feedaudit_range_parts, db._feedaudit_parts = {}, {}
    try:
        yield
    finally:
        del db._feedaudit_range_parts, db._feedaudit_parts


def range_parts(db: sqlite_utils.Database, from_ms: int, to_ms: int, tz: str, platform: str | None = None):
    """The parts of a range with impressions (stored days; other days computed from raw rows), or None
    when the rollups cannot serve this time zone or model yet: callers then read the raw rows."""
    reused = getattr(db, "_feedaudit_range_parts", None)
    key = (from_ms, to_ms, tz, platform)
    if reused is not None and key in reused:
        return reused[key]
    if _state(db) != {**_wanted_state(db), "tz": tz}:
        found = None
    else:
        plan = plan_range(db, from_ms, to_ms, platform, tz, audit.ratings_context(db), with_novelty=False)
        found = [part for part in plan.parts if part.meta["impressions"] > 0]
    if reused is not None:
        reused[key] = found
    return found


def range_sources(db: sqlite_utils.Database, from_ms: int, to_ms: int, tz: str) -> dict[str, dict] | None:
    """Per source name: impressions, dwell ms and the platforms it appeared on in the range, from the
    rollups (None when they cannot serve this time zone or model yet: read the raw rows then)."""
    if _state(db) != {**_wanted_state(db), "tz": tz}:
        return None
    plan = plan_range(db, from_ms, to_ms, None, tz, audit.ratings_context(db), with_novelty=False)
    found: dict[str, dict] = {}
    for part in plan.parts:
        for code, (shown, dwell) in zip(part.arrays["src_codes"].tolist(), part.arrays["src"][:, :2].tolist()):
            if shown:
                entry = found.setdefault(plan.sources.name[code], {"impressions": 0, "dwell_ms": 0, "platforms": set()})
                entry["impressions"] += int(shown)
                entry["dwell_ms"] += int(round(dwell))
                entry["platforms"].add(part.platform)
    return found


def seen_before(db: sqlite_utils.Database, names, before_day: int, tz: str, platform: str | None = None) -> set[str] | None:
    """Which named sources appeared (on ``platform``, if given) on a rolled-up day before ``before_day``;
    None unless every day before ``before_day`` is rolled up for ``tz``."""
    if not _history_rolled_up(db, before_day, tz):
        return None
    sources = SourceCodes(db)
    codes = [sources.code[name] for name in names if sources.code.get(name, -1) >= 0]
    return {sources.name[code] for code in _stored_codes_seen_before(db, codes, before_day, platform)}


def _stored_codes_seen_before(db, codes: list[int], before_day: int, platform: str | None) -> set[int]:
    """Which stored source codes appear (on ``platform``) on a rolled-up day before ``before_day``."""
    # One statement; for each code an index seek to its earliest day (the key is code, day, platform).
    sql = ("SELECT c.value FROM json_each(?) c WHERE EXISTS (SELECT 1 FROM rollup_source_days d"
           " WHERE d.code = c.value AND d.day < ?" + (" AND d.platform = ?" if platform else "") + ")")
    return {code for (code,) in db.execute(sql, [json.dumps(codes), before_day, *([platform] if platform else [])])}


def _history_rolled_up(db, before_day: int, tz: str) -> bool:
    """Whether every day before ``before_day`` is rolled up for ``tz``."""
    if _state(db) != {**_wanted_state(db), "tz": tz}:
        return False
    return not db.execute("SELECT EXISTS (SELECT 1 FROM rollup_stale WHERE day < ?)"
                          " OR EXISTS (SELECT 1 FROM rollup_changes WHERE first_ts < ?)",
                          (before_day, day_bounds(before_day, tz)[0])).fetchone()[0]


def platform_category_sums(db: sqlite_utils.Database, parts) -> dict[tuple[str, str], np.ndarray]:
    """(platform, category name) → the category columns summed (CATEGORY_COLUMNS: impressions,
    dwell, clicks, top-ranked, ranked, chronological); the name is "" while not yet categorized,
    "Other" for items below the threshold or of a deleted category (as in :func:`metrics`)."""
    names = _category_names(db)
    sums: dict[tuple[str, str], np.ndarray] = {}
    for part in parts:
        for code, row in zip(part.arrays["cat_codes"].tolist(), part.arrays["cat"]):
            key = (part.platform, names.get(code, "Other"))
            sums[key] = sums[key] + row if key in sums else row.astype(np.float64)
    return sums


def platform_category_totals(db: sqlite_utils.Database, parts) -> dict[tuple[str, str], tuple[int, float]]:
    """(platform, category name) → (impressions, dwell ms), named as in :func:`platform_category_sums`."""
    return {key: (int(row[0]), float(row[1])) for key, row in platform_category_sums(db, parts).items()}


def weekly_drift(parts) -> dict[str, float]:
    """Cosine distance of each ISO week's centroid from the week before's (drift.successive of metrics)."""
    return audit.jsonable(_embedding_figures(parts)["drift"])["successive"]


# --- combining parts into figures ---------------------------------------------------------------------------

def _category_names(db) -> dict[int, str]:
    names = dict(db.execute("SELECT id, name FROM categories").fetchall())
    return {**names, 0: "Other", -1: ""}


def _by_name(codes: np.ndarray, sums: np.ndarray, name_of) -> dict[str, np.ndarray]:
    totals: dict[str, np.ndarray] = {}
    for code, row in zip(codes.tolist(), sums):
        name = name_of(code)
        totals[name] = totals[name] + row if name in totals else row.copy()
    return totals


def _summed(parts: list[Part], codes: str, values: str) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, np.int64), np.zeros((0, 1))
    keys = np.concatenate([p.arrays[codes] for p in parts])
    rows = np.concatenate([p.arrays[values] for p in parts])
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, _column_sums(inverse, rows, distinct.size)


def _column_sums(groups: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    """Per group, the sum of its rows (bincount per column: np.add.at is ~10× slower)."""
    sums = np.zeros((count, rows.shape[1]))
    for column in range(rows.shape[1]):
        sums[:, column] = np.bincount(groups, weights=rows[:, column], minlength=count)
    return sums


def _column_shares(totals: dict[str, np.ndarray], column: int, drop_zero: bool = False) -> dict[str, float]:
    return an.shares.shares_of({k: float(v[column]) for k, v in totals.items() if not drop_zero or v[column] > 0})


def _named(values: dict) -> dict:
    return audit._named_keys(values)


def combine(db, plan: _Plan, from_ms, to_ms, platform, tz, context, feedback: bool = True) -> dict:
    """The figures of the range from its parts (the same JSON as audit.reference_metrics)."""
    parts = [p for p in plan.parts if p.meta["impressions"] > 0]
    names = _category_names(db)
    category_name = lambda code: names.get(code, "Other")  # noqa: E731 - a deleted category's items are Other
    cat_codes, cat_sums = _summed(parts, "cat_codes", "cat")
    by_category = _by_name(cat_codes, cat_sums, lambda code: category_name(code) or audit.UNCATEGORIZED)
    exposure = _column_shares(by_category, 0)
    attention = _column_shares(by_category, 1)
    # A source's code stands for its name one to one: shares by code, names only for the sources listed.
    src_codes, src_sums = _summed(parts, "src_codes", "src")
    source_counts = src_sums[:, 0] if parts else np.zeros(0)
    taxonomy_size = db.execute("SELECT count(*) FROM categories").fetchone()[0] + 1
    total = lambda key: sum(p.meta[key] for p in parts)  # noqa: E731
    clicks = int(total("clicks"))
    impressions = int(total("impressions"))
    clickbait = np.sum([p.meta["clickbait"] for p in parts], axis=0) if parts else np.zeros(4)
    bait = np.sum([p.meta["bait"] for p in parts], axis=0) if parts else np.zeros(2)
    result = {
        "range": {"from_ms": from_ms, "to_ms": to_ms, "platform": platform, "tz": tz},
        "simulated": audit.is_simulated(db),
        "totals": {"impressions": impressions, "dwell_ms": float(sum(p.meta["dwell"] for p in parts)), "clicks": clicks,
                   "items": _distinct_count(np.concatenate([p.arrays["items"] for p in parts])) if parts else 0,
                   "platforms": sorted({p.platform for p in parts})},
        "exposure_share": {"category": exposure, "source": _top_sources(plan.sources, src_codes, source_counts)},
        "attention_share": {"category": attention,
                            "source": _top_sources(plan.sources, src_codes, src_sums[:, 1] if parts else np.zeros(0))},
        "attention_capture": an.shares.capture_of(exposure, attention),
        "click_through_rate": {"category": {k: float(v[2]) / float(v[0]) for k, v in sorted(by_category.items())},
                               "rank_band": _rank_band_ctr(parts)},
        "topic_diversity": an.diversity.diversity_of_shares(list(exposure.values()), taxonomy_size),
        "source_concentration": an.diversity.concentration_of_shares(
            (source_counts / source_counts.sum()).tolist() if source_counts.sum() > 0 else []),
        "new_source_share": _new_source_share(parts, _codes_seen_before(db, plan, from_ms, platform, tz)),
        "intra_list_diversity": {"mean": _intra_list_diversity(parts)},
        **_embedding_figures(parts),
        "novelty": _novelty(plan.parts, platform),
        "sponsored_share": total("sponsored") / impressions if impressions else None,
        "clickbait": an.shares.clickbait_of(*(int(v) for v in clickbait)),
        "rank_placement": an.shares.placement_of(exposure, _column_shares(by_category, 3)),
        "feedback_loop": _feedback(parts, category_name) if feedback else None,
        "amplification": _amplification(parts, category_name),
        "sessions": _sessions(db, parts, from_ms, to_ms, platform, tz),
        "bait_clicks": an.sessions.BaitClicks(int(bait[1]), int(bait[1]) / int(bait[0]) if bait[0] else None),
        "preferences": audit.preferences_figures(
            db, exposure, context, audit.rated_in_range(db, from_ms, to_ms, platform),
            {key: sum(p.meta["preferences"][key] for p in parts) for key in PREFERENCE_KEYS}),
    }
    return audit.jsonable(result)


def _top_sources(sources: SourceCodes | None, codes: np.ndarray, values: np.ndarray,
                 count: int = audit.TOP_SOURCES_LISTED) -> dict[str, float]:
    """The ``count`` largest shares (value / total) by source name, ties by name (as ``audit._top`` of
    ``shares_of``); only the candidates — shares at least the count-th largest — are named."""
    total = float(values.sum()) if values.size else 0.0
    if total <= 0:
        return {}
    shares = values / total
    keep = np.flatnonzero(shares >= np.partition(shares, -count)[-count]) if shares.size > count \
        else np.arange(shares.size)
    names = sources.names_of(codes[keep].tolist())
    listed = [(names[code], share) for code, share in zip(codes[keep].tolist(), shares[keep].tolist())]
    return dict(sorted(listed, key=lambda kv: (-kv[1], kv[0]))[:count])


def _distinct_count(values: np.ndarray) -> int:
    """Distinct values of an integer array: sorting is ~15× faster here than np.unique's hash table (numpy 2.4)."""
    ordered = np.sort(values)
    return int(ordered.size and 1 + np.count_nonzero(ordered[1:] != ordered[:-1]))


def _rank_band_ctr(parts) -> dict[str, float]:
    if not parts:
        return {}
    bands = np.sum([p.arrays["bands"] for p in parts], axis=0)
    return {band: float(clicks) / float(n) for band, (n, clicks) in sorted(zip(an.shares.RANK_BANDS, bands.tolist())) if n > 0}


def _codes_seen_before(db, plan: _Plan, from_ms: int, platform: str | None, tz: str) -> set[int]:
    """Codes of the range's sources that had an impression before it (on the platform, when one is given)."""
    if not plan.parts:
        return set()
    if not db.execute("SELECT EXISTS (SELECT 1 FROM impressions WHERE ts < ?)", (from_ms,)).fetchone()[0]:
        return set()  # nothing was shown before the range (e.g. a report over all of it)
    codes = np.unique(np.concatenate([p.arrays["src_codes"] for p in plan.parts])).tolist()
    before_day = day_of(from_ms, tz)
    if _history_rolled_up(db, before_day, tz):  # codes below 0 were never stored: never seen on a stored day
        return _stored_codes_seen_before(db, [code for code in codes if code >= 0], before_day, platform)
    seen = audit.sources_before(db, from_ms, platform)  # while the history is not all rolled up
    return {code for code in codes if plan.sources.name[code] in seen}


def _new_source_share(parts, seen_before: set[int] = frozenset()) -> dict[str, float]:
    """Per ISO week, the share of impressions whose source's first impression is in that week (sources with
    codes in ``seen_before`` had one before the range)."""
    if not parts:
        return {}
    parts = sorted(parts, key=lambda part: part.day)
    codes = np.concatenate([p.arrays["src_codes"] for p in parts])
    counts = np.concatenate([p.arrays["src"][:, 0] for p in parts])
    days = np.concatenate([np.full(p.arrays["src_codes"].size, p.day, dtype=np.int64) for p in parts])
    _, first_row, source = np.unique(codes, return_index=True, return_inverse=True)
    first_day = days[first_row]  # days never decrease along the rows, so a source's first row has its first day
    monday_weeks = (days + 3) // 7  # day 0 was a Thursday: ISO weeks start on Mondays
    is_new = ((first_day[source] + 3) // 7 == monday_weeks) & ~np.isin(codes, list(seen_before))
    weeks, week = np.unique(monday_weeks, return_inverse=True)
    totals = np.bincount(week, weights=counts)
    new = np.bincount(week, weights=counts * is_new)
    labels = [week_key_of_day(int(w) * 7 - 3) for w in weeks]
    return {label: float(n / t) for label, n, t in sorted(zip(labels, new, totals))}


def _intra_list_diversity(parts) -> float | None:
    """Mean over sessions with ≥ 2 embedded impressions of 1 − (|Σv|² − Σ|v|²) / (n(n − 1)): the mean
    pairwise cosine distance. A session split over parts sums its stats; its |Σv|² comes from the parts' Σv."""
    if not parts:
        return None
    keys = np.concatenate([p.arrays["sess_keys"] for p in parts])
    if keys.size == 0:
        return None
    sessions, session_of = np.unique(keys, return_inverse=True)
    stats = _column_sums(session_of, np.concatenate([p.arrays["sess"] for p in parts]), sessions.size)
    with_vectors = [p for p in parts if p.arrays["vec_keys"].size]
    if with_vectors:
        vec_keys = np.concatenate([p.arrays["vec_keys"] for p in with_vectors])
        split = np.bincount(np.searchsorted(sessions, vec_keys), minlength=sessions.size) > 1
        if split.any():  # sessions with Σv in several parts: |Σv|² of the summed vectors
            dims = max(p.arrays["vecs"].shape[1] for p in with_vectors)
            rows = [p.arrays["vecs"] if p.arrays["vecs"].shape[1] == dims else np.zeros((p.arrays["vecs"].shape[0], dims))
                    for p in with_vectors]
            summed = np.zeros((sessions.size, dims))
            np.add.at(summed, np.searchsorted(sessions, vec_keys), np.concatenate(rows))
            stats[split, 3] = (summed[split] * summed[split]).sum(axis=1)
    embedded, squared_norms, squared_sum = stats[:, 1], stats[:, 2], stats[:, 3]
    enough = embedded >= 2
    if not enough.any():
        return None
    pairs = embedded[enough] * (embedded[enough] - 1)
    return float(np.mean(1.0 - (squared_sum[enough] - squared_norms[enough]) / pairs))


def _vector_total(parts, name) -> np.ndarray:
    vectors = [p.arrays[name] for p in parts if p.arrays[name].size]
    return np.sum(vectors, axis=0) if vectors else np.zeros(0)


def _embedding_figures(parts) -> dict:
    """Narrowness (overall and weekly) and drift from the parts' embedding sums."""
    weeks: dict[str, list[Part]] = defaultdict(list)
    for part in parts:
        weeks[week_key_of_day(part.day)].append(part)
    weekly_narrowness, centroids = {}, {}
    for week in sorted(weeks):
        value = an.semantic.narrowness_from_sums(_vector_total(weeks[week], "vec_w"), sum(p.meta["weight"] for p in weeks[week]))
        if value is not None:
            weekly_narrowness[week] = value
        embedded = sum(p.meta["embedded"] for p in weeks[week])
        if embedded:
            centroids[week] = _vector_total(weeks[week], "vec_sum") / embedded
    overall = an.semantic.narrowness_from_sums(_vector_total(parts, "vec_w"), sum(p.meta["weight"] for p in parts))
    return {"narrowness": {"value": overall, "weekly": an.semantic.weekly_trend(weekly_narrowness)},
            "drift": an.semantic.drift_of_centroids(centroids)}


def _novelty(parts, platform) -> an.novelty.NoveltyRepetition:
    kind = "same" if platform else "any"
    found = [p.novelty for p in parts if p.novelty]
    return an.novelty.novelty_of_sums(sum(n["count"] for n in found), sum(n[f"total_{kind}"] for n in found),
                                      sum(n[f"repeated_{kind}"] for n in found))


def _feedback(parts, category_name):
    sequences = {}
    for platform in sorted({p.platform for p in parts}):
        mine = [p for p in parts if p.platform == platform]
        codes = np.concatenate([p.arrays["seq_codes"] for p in mine])
        lowest = int(codes.min(initial=0))
        distinct = np.flatnonzero(np.bincount(codes - lowest)) + lowest  # category ids are small integers
        # Two codes with one name (Other) are one category, as in the reference.
        labels, by_name = np.unique(np.array([category_name(int(c)) for c in distinct], dtype=str), return_inverse=True)
        name_of_code = np.zeros(int(distinct.max(initial=lowest)) - lowest + 1, dtype=np.int64)
        name_of_code[distinct - lowest] = by_name
        sequences[platform] = (name_of_code[codes - lowest], labels.astype(object),
                               np.concatenate([p.arrays["seq_dwell"] for p in mine]),
                               np.concatenate([p.arrays["seq_clicked"] for p in mine]))
    return an.feedback.feedback_from_sequences(sequences)


def _amplification(parts, category_name) -> dict:
    result = {}
    for platform in sorted({p.platform for p in parts}):
        codes, sums = _summed([p for p in parts if p.platform == platform], "cat_codes", "cat")
        totals = _by_name(codes, sums, category_name)
        figures = amplification_of(_column_shares(totals, 4, drop_zero=True), _column_shares(totals, 5, drop_zero=True))
        if figures:
            result[platform] = _named(figures)
    return result


def _sessions(db, parts, from_ms, to_ms, platform, tz):
    sessions = audit._load_sessions(db, from_ms, to_ms, platform)
    per_id: dict[str, int] = {}
    if parts and len(sessions):
        keys, impressions = _summed(parts, "sess_keys", "sess")  # impressions per session hash, keys sorted
        wanted = key_hash(sessions.session_id.tolist())
        shown = np.zeros(wanted.size)
        if keys.size:
            at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
            shown = np.where(keys[at] == wanted, impressions[at, 0], 0)
        per_id = dict(zip(sessions.session_id.tolist(), shown.astype(np.int64).tolist()))
    return an.sessions.session_stats_from_counts(sessions, per_id, tz)
