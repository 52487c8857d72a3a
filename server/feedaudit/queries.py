"""Read-side domain functions: status counts and the item listing (no Flask here)."""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from . import __version__, enrichment, processing

MAX_ITEMS_LIMIT = 1000


def local_midnight_ms(now: dt.datetime | None = None) -> int:
    """Start of today in the server's local time zone, as ms since the epoch."""
    now = now or dt.datetime.now().astimezone()
    return int(now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)


def _count(db: sqlite_utils.Database, sql: str, params=()) -> int:
    return db.execute(sql, params).fetchone()[0]


def status(db: sqlite_utils.Database, now: dt.datetime | None = None, model_id: str | None = None) -> dict:
    """Counts for today (local time) and in total, the newest event time, the processing queue."""
    today = local_midnight_ms(now)
    last = db.execute(
        "SELECT max(ts) FROM (SELECT max(ts) AS ts FROM impressions UNION ALL SELECT max(ts) FROM dwell"
        " UNION ALL SELECT max(ts) FROM clicks UNION ALL SELECT max(ts) FROM views)"
    ).fetchone()[0]
    return {
        "ok": True,
        "version": __version__,
        "today": {
            "since_ts": today,
            "impressions": _count(db, "SELECT count(*) FROM impressions WHERE ts >= ?", (today,)),
            "clicks": _count(db, "SELECT count(*) FROM clicks WHERE ts >= ?", (today,)),
            "views": _count(db, "SELECT count(*) FROM views WHERE ts >= ?", (today,)),
        },
        "totals": {
            "impressions": _count(db, "SELECT coalesce(sum(count), 0) FROM rollup_status_counts"),  # kept by triggers
            "items": _count(db, "SELECT count(*) FROM items"),
            "clicks": _count(db, "SELECT count(*) FROM clicks"),
            "views": _count(db, "SELECT count(*) FROM views"),
            "sessions": _count(db, "SELECT count(*) FROM sessions"),
        },
        "last_event_ts": last,
        "queue": {"unparsed": processing.pending_count(db)},
        "parsers": processing.parser_health(db),
        "understanding": enrichment.pending_counts(db, model_id or enrichment.configured_model_id(db)),
        "last_export": _last_export(db),
    }


def _last_export(db: sqlite_utils.Database) -> dict | None:
    """The newest weekly summary file in the exports folder next to the database (None: none yet)."""
    from pathlib import Path

    from .exporting import last_export

    database_file = db.execute("PRAGMA database_list").fetchone()[2]
    return last_export(Path(database_file).parent) if database_file else None


def list_items(
    db: sqlite_utils.Database,
    since: int | None = None,
    until: int | None = None,
    platform: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Items shown in [since, until) (ms), newest sighting first, with impressions, dwell and clicks.

    Counts cover the impressions inside the window only.
    """
    where, params = ["1 = 1"], []
    if since is not None:
        where.append("i.ts >= ?")
        params.append(since)
    if until is not None:
        where.append("i.ts < ?")
        params.append(until)
    if platform is not None:
        where.append("i.platform = ?")
        params.append(platform)
    sql = f"""
        WITH shown AS (
            SELECT i.id, i.item_key, i.ts, i.rank FROM impressions i WHERE {' AND '.join(where)}
        ),
        per_item AS (
            SELECT s.item_key,
                   count(*) AS impressions,
                   min(s.ts) AS first_seen_ts,
                   max(s.ts) AS last_seen_ts,
                   min(s.rank) AS best_rank,
                   coalesce(sum(d.visible_ms), 0) AS dwell_ms,
                   sum((SELECT count(*) FROM clicks c WHERE c.impression_id = s.id)) AS clicks
            FROM shown s
            LEFT JOIN dwell d ON d.impression_id = s.id
            GROUP BY s.item_key
        )
        SELECT it.key, it.platform, it.kind, it.url, it.title, it.text, it.author, it.author_url, it.sponsored,
               it.published_at, it.views, it.score, it.comments, it.likes, it.duration_s, it.thumbnail_url,
               it.parse_status, c1.name AS category, c2.name AS second_category, it.category_margin,
               it.category_source, it.clickbait, it.clickbait_reason, p.impressions, p.first_seen_ts, p.last_seen_ts, p.best_rank, p.dwell_ms, p.clicks
        FROM per_item p JOIN items it ON it.key = p.item_key
        LEFT JOIN categories c1 ON c1.id = it.category_id
        LEFT JOIN categories c2 ON c2.id = it.category2_id
        ORDER BY p.last_seen_ts DESC, it.key
        LIMIT ? OFFSET ?
    """
    rows = list(db.query(sql, [*params, limit, offset]))
    for row in rows:
        # "Other" is an answer once the item has been categorized, unknown before.
        if row["category"] is None and row["category_source"] is not None:
            row["category"] = "Other"
    return rows
