"""Deleting recorded data for good: a time range (optionally one platform), or everything (no Flask here).

What a range deletion removes, for [from_ms, to_ms):
- impressions shown in the range (and their raw HTML);
- the dwell and clicks of those impressions, and, when no platform is given,
  dwell and clicks stamped in the range whose impression never arrived;
- views that started in the range or belong to a deleted impression;
- sessions that started in the range (the audit assigns sessions by start);
- items that no impression references any more, with their ratings and
  category corrections;
- embeddings that only those items used (category descriptions and texts
  still used by a remaining item keep theirs).

Deletion is real: the connection sets ``secure_delete`` so freed pages are
overwritten with zeros, and the WAL is checkpointed afterwards, so deleted
text does not linger in the file. Giving the space back to the file system
(VACUUM) is separate, see :func:`vacuum`: it rewrites the whole database and
blocks writers meanwhile, which a big database cannot afford inside a request.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from zoneinfo import ZoneInfo

import sqlite_utils

from .storage import write_transaction

COUNTED = ("impressions", "dwell", "clicks", "views", "sessions", "items", "embeddings")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_MS = 2**53


class DeletionError(ValueError):
    """A bad request to delete; ``field`` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"'{field}' {message}")
        self.field = field


def parse_bound(field: str, value, tz: str, *, end: bool = False) -> int:
    """A range bound as ms since the epoch.

    Integers are ms since the epoch. An ISO date (2026-01-05) is a whole day in
    time zone ``tz``: as ``from`` it starts at that day's midnight, as ``to``
    it ends at the next midnight, so from = to = one date deletes that day.
    An ISO datetime without an offset is local time in ``tz``.
    """
    if isinstance(value, bool) or value is None or value == "":
        raise DeletionError(field, "is required: ms since the epoch or an ISO date such as 2026-01-05")
    if isinstance(value, int):
        if not 0 <= value <= MAX_MS:
            raise DeletionError(field, "is out of range")
        return value
    if not isinstance(value, str):
        raise DeletionError(field, "must be ms since the epoch or an ISO date such as 2026-01-05")
    zone = ZoneInfo(tz)
    try:
        if DATE_PATTERN.match(value):
            day = dt.date.fromisoformat(value) + dt.timedelta(days=1 if end else 0)
            return int(dt.datetime.combine(day, dt.time(), zone).timestamp() * 1000)
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return int(parsed.timestamp() * 1000)
    except (ValueError, OverflowError):
        raise DeletionError(field, f"must be ms since the epoch or an ISO date such as 2026-01-05, not {value!r}") from None


def _secure(db: sqlite_utils.Database) -> None:
    db.execute("PRAGMA secure_delete = ON")


def _changes(db: sqlite_utils.Database, sql: str, params=()) -> int:
    return db.conn.execute(sql, params).rowcount


def _select_doomed(db, from_ms: int, to_ms: int, platform: str | None) -> None:
    """Temp tables of what goes: impression ids and the item keys they referenced."""
    platform_filter, params = ("AND platform = ?", [from_ms, to_ms, platform]) if platform else ("", [from_ms, to_ms])
    db.execute("DROP TABLE IF EXISTS temp.doomed_impressions")
    db.execute("DROP TABLE IF EXISTS temp.touched_items")
    db.execute("CREATE TEMP TABLE doomed_impressions (id TEXT PRIMARY KEY)")
    db.execute(f"INSERT INTO doomed_impressions SELECT id FROM impressions WHERE ts >= ? AND ts < ? {platform_filter}",
               params)
    db.execute("CREATE TEMP TABLE touched_items (key TEXT PRIMARY KEY)")
    db.execute("INSERT OR IGNORE INTO touched_items SELECT item_key FROM impressions"
               " WHERE id IN (SELECT id FROM doomed_impressions)")


def _delete_events(db, from_ms: int, to_ms: int, platform: str | None) -> dict[str, int]:
    doomed = "SELECT id FROM doomed_impressions"
    counts = {"html": _changes(db, f"DELETE FROM impression_html WHERE impression_id IN ({doomed})")}
    orphan = "" if platform else " OR (ts >= ? AND ts < ? AND impression_id NOT IN (SELECT id FROM impressions))"
    orphan_params = () if platform else (from_ms, to_ms)
    counts["dwell"] = _changes(db, f"DELETE FROM dwell WHERE impression_id IN ({doomed}){orphan}", orphan_params)
    counts["clicks"] = _changes(db, f"DELETE FROM clicks WHERE impression_id IN ({doomed}){orphan}", orphan_params)
    platform_filter, params = ("AND platform = ?", (from_ms, to_ms, platform)) if platform else ("", (from_ms, to_ms))
    counts["views"] = _changes(
        db, f"DELETE FROM views WHERE impression_id IN ({doomed}) OR (start_ts >= ? AND start_ts < ? {platform_filter})",
        params)
    counts["sessions"] = _changes(db, f"DELETE FROM sessions WHERE start_ts >= ? AND start_ts < ? {platform_filter}",
                                  params)
    counts["impressions"] = _changes(db, f"DELETE FROM impressions WHERE id IN ({doomed})")
    return counts


def _delete_unreferenced_items(db) -> dict[str, int]:
    """Items left without impressions, what hangs on them, and embeddings nothing uses any more."""
    db.execute("DELETE FROM touched_items WHERE key IN (SELECT item_key FROM impressions)")
    gone = "SELECT key FROM touched_items"
    db.execute("DROP TABLE IF EXISTS temp.freed_hashes")
    db.execute("CREATE TEMP TABLE freed_hashes (text_hash TEXT PRIMARY KEY)")
    db.execute(f"INSERT OR IGNORE INTO freed_hashes SELECT text_hash FROM items WHERE key IN ({gone})"
               " AND text_hash IS NOT NULL")
    counts = {
        "ratings": _changes(db, f"DELETE FROM ratings WHERE item_key IN ({gone})"),
        "corrections": _changes(db, f"DELETE FROM category_corrections WHERE item_key IN ({gone})"),
        "items": _changes(db, f"DELETE FROM items WHERE key IN ({gone})"),
    }
    db.execute("DELETE FROM freed_hashes WHERE text_hash IN (SELECT text_hash FROM items WHERE text_hash IS NOT NULL)")
    counts["embeddings"] = _changes(db, "DELETE FROM embeddings WHERE text_hash IN (SELECT text_hash FROM freed_hashes)")
    return counts


def _drop_temp_tables(db) -> None:
    for table in ("doomed_impressions", "touched_items", "freed_hashes"):
        db.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _recorded_extent(db, from_ms: int, to_ms: int) -> tuple[int, int] | None:
    """[first, last + 1) of the impressions and sessions inside [from_ms, to_ms), or None if there are none."""
    low, high = db.execute(
        "SELECT min(lo), max(hi) FROM (SELECT min(ts) AS lo, max(ts) AS hi FROM impressions WHERE ts >= ?1 AND ts < ?2"
        " UNION ALL SELECT min(start_ts), max(start_ts) FROM sessions WHERE start_ts >= ?1 AND start_ts < ?2)",
        (from_ms, to_ms)).fetchone()
    return None if low is None else (low, high + 1)


def _mark_rollups_dirty(db, extent: tuple[int, int] | None) -> None:
    """Tell the daily rollups that the days of ``extent`` changed. Triggers already see deleted impressions,
    dwell, clicks and views; deleted sessions are not, so the days are marked here as well."""
    if extent is not None:
        rollups = importlib.import_module(f"{__package__}.rollups")
        rollups.mark_dirty(db, *extent)


def delete_range(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None,
                 dry_run: bool = False) -> dict[str, int]:
    """Delete what was recorded in [from_ms, to_ms) (see the module docstring) and return counts per table.

    The counts have the keys of ``COUNTED`` plus ``html``, ``ratings`` and
    ``corrections``. With ``dry_run`` the same deletion runs and is rolled
    back, so the counts are exactly what a real run would remove.
    """
    if to_ms <= from_ms:
        raise DeletionError("to", "must be after 'from'")
    _secure(db)
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        extent = _recorded_extent(db, from_ms, to_ms)
        _select_doomed(db, from_ms, to_ms, platform)
        counts = _delete_events(db, from_ms, to_ms, platform)
        counts.update(_delete_unreferenced_items(db))
        _drop_temp_tables(db)
        if not dry_run:
            _mark_rollups_dirty(db, extent)
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("ROLLBACK" if dry_run else "COMMIT")
    if not dry_run:
        checkpoint(db)
    return {key: counts[key] for key in (*COUNTED, "html", "ratings", "corrections")}


ALL_TABLES = ("impression_html", "dwell", "clicks", "views", "sessions", "impressions", "ratings",
              "category_corrections", "intentions", "items", "embeddings")


def count_all(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows per recorded-data table: what :func:`delete_all` would remove."""
    return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ALL_TABLES}


def delete_all(db: sqlite_utils.Database) -> dict[str, int]:
    """Delete every recorded row: events, items, embeddings, ratings, corrections and intentions.

    Settings and the category taxonomy stay (they are configuration, not
    records); delete the data dir to remove those too. Returns rows per table.
    """
    _secure(db)
    with write_transaction(db):
        extent = _recorded_extent(db, 0, MAX_MS)
        counts = {table: _changes(db, f"DELETE FROM {table}") for table in ALL_TABLES}
        _mark_rollups_dirty(db, extent)
    checkpoint(db)
    return counts


def checkpoint(db: sqlite_utils.Database) -> None:
    """Move the WAL into the database and truncate it, so deleted rows do not survive in the WAL file."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def vacuum(db: sqlite_utils.Database) -> None:
    """Rewrite the file without its free pages (gives the space back; blocks writers while it runs)."""
    db.execute("VACUUM")
    checkpoint(db)
