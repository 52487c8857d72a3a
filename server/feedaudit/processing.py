"""Turn stored raw HTML into parsed items, off the request path (no Flask here).

``parse_pending`` is what the background job runs every few seconds;
``reprocess`` re-runs the parsers over the stored history after a parser fix.
Both parse outside the write transaction (CPU work must not hold the lock)
and apply results in one short transaction per chunk, so an interrupted run
leaves every chunk either done or untouched, and a re-run converges.

Identity: ingest files an impression under a provisional key (its URL hint or
an HTML hash); a successful parse re-files it under the parser's stable key
(``youtube:<id>``…), so many sightings share one item row. Provisional rows
that no impression references any more are removed. An item's descriptive
fields come from its newest sighting (``source_ts``), whatever the order in
which sightings are parsed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import sqlite_utils

from .migrations import PARSED_ITEM_COLUMNS
from .parsing import parse_item
from .storage import write_transaction

CHUNK = 500
ITEM_FIELDS = [c for c in PARSED_ITEM_COLUMNS if c not in ("parsed_ts", "source_ts")] + ["url", "title"]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _upsert_item_sql() -> str:
    columns = ["key", "platform", "first_seen_ts", "parsed_ts", "source_ts", *ITEM_FIELDS]
    newest = "excluded.source_ts >= coalesce(items.source_ts, 0)"
    updates = [f"{c} = CASE WHEN {newest} THEN excluded.{c} ELSE items.{c} END" for c in ITEM_FIELDS]
    updates += [
        "first_seen_ts = min(items.first_seen_ts, excluded.first_seen_ts)",
        "parsed_ts = excluded.parsed_ts",
        f"source_ts = CASE WHEN {newest} THEN excluded.source_ts ELSE items.source_ts END",
    ]
    placeholders = ", ".join(f":{c}" for c in columns)
    return (f"INSERT INTO items ({', '.join(columns)}) VALUES ({placeholders}) "
            f"ON CONFLICT (key) DO UPDATE SET {', '.join(updates)}")


UPSERT_ITEM = _upsert_item_sql()


def parse_rows(rows: Iterable[dict]) -> list[tuple[dict, dict]]:
    """Parse impression rows (id, ts, platform, surface, page_url, item_key, sponsored_hint, html)."""
    results = []
    for row in rows:
        if row["html"] is None:
            parsed = {"parse_status": "failed", "parse_error": "raw HTML no longer stored (retention)", "key": None}
        else:
            parsed = parse_item(row["platform"], row["html"], row["page_url"], row["surface"], row["ts"])
        results.append((row, parsed))
    return results


def apply_results(db: sqlite_utils.Database, results: list[tuple[dict, dict]], now_ms: int | None = None) -> None:
    """Write parse results: items upserted by stable key, impressions re-filed, orphans removed."""
    now_ms = now_ms or _now_ms()
    old_keys = set()
    with write_transaction(db):
        for row, parsed in results:
            status = parsed["parse_status"]
            if status == "failed" or not parsed.get("key"):
                # Keep the provisional item; mark why it could not be understood.
                db.execute("UPDATE items SET parse_status = 'failed', parse_error = ?, parsed_ts = ? WHERE key = ?",
                           (parsed.get("parse_error"), now_ms, row["item_key"]))
                db.execute("UPDATE impressions SET parse_status = 'failed', parsed_ts = ? WHERE id = ?", (now_ms, row["id"]))
                continue
            values = {field: parsed.get(field) for field in ITEM_FIELDS}
            if row["sponsored_hint"] and not values["sponsored"]:
                values["sponsored"] = True
            values["sponsored"] = None if values["sponsored"] is None else int(bool(values["sponsored"]))
            db.execute(UPSERT_ITEM, {**values, "key": parsed["key"], "platform": row["platform"],
                                     "first_seen_ts": row["ts"], "parsed_ts": now_ms, "source_ts": row["ts"]})
            db.execute("UPDATE impressions SET item_key = ?, parse_status = ?, parsed_ts = ? WHERE id = ?",
                       (parsed["key"], status, now_ms, row["id"]))
            if row["item_key"] != parsed["key"]:
                old_keys.add(row["item_key"])
        for key in old_keys:
            db.execute("DELETE FROM items WHERE key = ? AND NOT EXISTS (SELECT 1 FROM impressions WHERE item_key = ?)",
                       (key, key))


SELECT_IMPRESSIONS = """
    SELECT i.rowid AS rowid, i.id, i.ts, i.platform, i.surface, i.page_url, i.item_key, i.sponsored_hint, h.html
    FROM impressions i LEFT JOIN impression_html h ON h.impression_id = i.id
"""


def parse_pending(db: sqlite_utils.Database, limit: int = CHUNK) -> int:
    """Parse up to ``limit`` impressions nobody has parsed yet; return how many."""
    rows = list(db.query(SELECT_IMPRESSIONS + " WHERE i.parsed_ts IS NULL ORDER BY i.received_ts LIMIT ?", [limit]))
    if rows:
        apply_results(db, parse_rows(rows))
    return len(rows)


def pending_count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM impressions WHERE parsed_ts IS NULL").fetchone()[0]


def reprocess_count(db: sqlite_utils.Database, platform: str | None = None, since_ms: int | None = None) -> int:
    where, params = _reprocess_filter(platform, since_ms)
    return db.execute(f"SELECT count(*) FROM impressions i JOIN impression_html h ON h.impression_id = i.id WHERE {where}",
                      params).fetchone()[0]


def _reprocess_filter(platform, since_ms) -> tuple[str, list]:
    where, params = ["1 = 1"], []
    if platform:
        where.append("i.platform = ?")
        params.append(platform)
    if since_ms is not None:
        where.append("i.ts >= ?")
        params.append(since_ms)
    return " AND ".join(where), params


def reprocess(db: sqlite_utils.Database, platform: str | None = None, since_ms: int | None = None,
              progress: Callable[[int], None] | None = None, chunk: int = CHUNK) -> int:
    """Re-run the parsers over stored raw HTML (oldest first), updating items in place.

    Safe to interrupt and re-run: each chunk commits on its own and parsing is deterministic.
    """
    where, params = _reprocess_filter(platform, since_ms)
    last_rowid, done = 0, 0
    while True:
        rows = list(db.query(
            SELECT_IMPRESSIONS.replace("LEFT JOIN", "JOIN") + f" WHERE {where} AND i.rowid > ? ORDER BY i.rowid LIMIT ?",
            [*params, last_rowid, chunk],
        ))
        if not rows:
            return done
        apply_results(db, parse_rows(rows))
        last_rowid = rows[-1]["rowid"]
        done += len(rows)
        if progress:
            progress(len(rows))


def expire_raw_html(db: sqlite_utils.Database, retention_days: int | None, now_ms: int | None = None) -> int:
    """Delete raw HTML of parsed impressions older than ``retention_days``; parsed fields stay."""
    if retention_days is None:
        return 0
    cutoff = (now_ms or _now_ms()) - retention_days * 86_400_000
    with write_transaction(db):
        cursor = db.execute(
            "DELETE FROM impression_html WHERE impression_id IN"
            " (SELECT id FROM impressions WHERE ts < ? AND parsed_ts IS NOT NULL)",
            (cutoff,),
        )
    return cursor.rowcount


def parser_health(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """Per platform: impressions parsed, partial, failed, and still pending."""
    health: dict[str, dict[str, int]] = {}
    # Counted by triggers (migration v8): a GROUP BY over every impression took ~0.5 s on a year of data.
    for platform, status, count in db.execute(
        "SELECT platform, parse_status, count FROM rollup_status_counts WHERE count > 0 ORDER BY 1, 2"
    ).fetchall():
        figures = health.setdefault(platform, {"parsed": 0, "partial": 0, "failed": 0, "pending": 0})
        key = status or "pending"
        figures[key] = figures.get(key, 0) + count
    return health
