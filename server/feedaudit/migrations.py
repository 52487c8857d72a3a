"""Versioned schema migrations.

The schema version lives in ``PRAGMA user_version``. Each migration runs in one
transaction together with the version bump, so a crash leaves the database at
the old or the new version, never in between. Later features append
migrations; existing ones are never edited once released.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


class SchemaTooNewError(RuntimeError):
    pass


def _v1_events(db: sqlite_utils.Database) -> None:
    """Raw capture: impressions (HTML kept apart so it can be expired), dwell, clicks, sessions, views."""
    db.execute(
        """CREATE TABLE items (
            key TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            url TEXT,
            title TEXT,
            first_seen_ts INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE impressions (
            id TEXT PRIMARY KEY,
            ts INTEGER NOT NULL,
            platform TEXT NOT NULL,
            surface TEXT NOT NULL,
            page_url TEXT NOT NULL,
            session_id TEXT,
            rank INTEGER NOT NULL,
            item_key TEXT NOT NULL,
            url_hint TEXT,
            title_hint TEXT,
            sponsored_hint INTEGER,
            received_ts INTEGER NOT NULL,
            parsed_ts INTEGER
        )"""
    )
    db.execute(
        """CREATE TABLE impression_html (
            impression_id TEXT PRIMARY KEY,
            html TEXT NOT NULL
        )"""
    )
    # No foreign key to impressions: a dwell or click may arrive before its
    # impression (separate batches, retries); joins link them once both exist.
    db.execute(
        """CREATE TABLE dwell (
            impression_id TEXT PRIMARY KEY,
            visible_ms INTEGER NOT NULL,
            ts INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE clicks (
            id TEXT PRIMARY KEY,
            ts INTEGER NOT NULL,
            impression_id TEXT NOT NULL,
            href TEXT,
            button INTEGER,
            modifiers TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            start_ts INTEGER NOT NULL,
            end_ts INTEGER,
            active_ms INTEGER NOT NULL,
            ts INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE views (
            id TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            url TEXT NOT NULL,
            impression_id TEXT,
            active_ms INTEGER NOT NULL,
            start_ts INTEGER NOT NULL,
            ts INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX impressions_ts ON impressions (ts)")
    db.execute("CREATE INDEX impressions_platform_ts ON impressions (platform, ts)")
    db.execute("CREATE INDEX impressions_item_key ON impressions (item_key)")
    db.execute("CREATE INDEX impressions_session ON impressions (session_id)")
    # The parse queue: impressions whose HTML no parser has looked at yet.
    db.execute("CREATE INDEX impressions_unparsed ON impressions (received_ts) WHERE parsed_ts IS NULL")
    db.execute("CREATE INDEX clicks_impression ON clicks (impression_id)")
    db.execute("CREATE INDEX views_impression ON views (impression_id)")
    for table in ("dwell", "clicks", "views"):
        db.execute(f"CREATE INDEX {table}_ts ON {table} (ts)")


PARSED_ITEM_COLUMNS = {
    "kind": "TEXT", "text": "TEXT", "author": "TEXT", "author_url": "TEXT", "sponsored": "INTEGER",
    "published_at": "INTEGER", "views": "INTEGER", "score": "INTEGER", "comments": "INTEGER", "likes": "INTEGER",
    "duration_s": "INTEGER", "thumbnail_url": "TEXT", "language": "TEXT", "parse_status": "TEXT",
    "parse_error": "TEXT", "parsed_ts": "INTEGER",
    # capture time of the impression whose HTML filled the fields: the newest sighting wins
    "source_ts": "INTEGER",
}


def _v2_parsed_items(db: sqlite_utils.Database) -> None:
    """Parsed item fields, per-impression parse status (parser health), settings."""
    for column, sql_type in PARSED_ITEM_COLUMNS.items():
        db.execute(f"ALTER TABLE items ADD COLUMN {column} {sql_type}")
    db.execute("ALTER TABLE impressions ADD COLUMN parse_status TEXT")
    db.execute("CREATE INDEX impressions_platform_parse_status ON impressions (platform, parse_status)")
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


UNDERSTANDING_ITEM_COLUMNS = {
    "text_hash": "TEXT",  # content hash of the embedded text (each distinct text is embedded once)
    "embedding_model": "TEXT",  # model the item was embedded with; a new model re-embeds
    "clickbait": "REAL",
    "clickbait_reason": "TEXT",
    "category_id": "INTEGER",  # NULL with a signature set means "Other"
    "category2_id": "INTEGER",
    "category_margin": "REAL",
    "category_similarity": "REAL",
    "category_source": "TEXT",  # 'auto' or 'corrected'
    "categorized_signature": "TEXT",  # taxonomy+corrections+model signature it was categorized under
}


def _v3_understanding(db: sqlite_utils.Database) -> None:
    """Embeddings (by text hash and model), the editable taxonomy, corrections, per-item results."""
    for column, sql_type in UNDERSTANDING_ITEM_COLUMNS.items():
        db.execute(f"ALTER TABLE items ADD COLUMN {column} {sql_type}")
    db.execute(
        """CREATE TABLE embeddings (
            text_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (text_hash, model)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE categories (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            description TEXT NOT NULL,
            position INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE category_corrections (
            item_key TEXT PRIMARY KEY,
            category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
            ts INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX items_category ON items (category_id)")
    from .understanding.categories import DEFAULT_TAXONOMY

    db.conn.executemany(
        "INSERT INTO categories (name, description, position) VALUES (?, ?, ?)",
        [(name, description, position) for position, (name, description) in enumerate(DEFAULT_TAXONOMY)],
    )


def _v4_preferences(db: sqlite_utils.Database) -> None:
    """What the person says: intentions per category and ratings of items."""
    db.execute(
        """CREATE TABLE intentions (
            category_id INTEGER PRIMARY KEY REFERENCES categories (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('at_most', 'at_least', 'exactly', 'more', 'less')),
            value REAL CHECK (value IS NULL OR (value >= 0 AND value <= 1)),
            ts INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE ratings (
            item_key TEXT PRIMARY KEY,
            rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
            note TEXT,
            ts INTEGER NOT NULL
        )"""
    )


def _change_marker(ts: str, novelty: str, source: str = "") -> str:
    """SQL that records a change at ``ts`` in rollup_changes (one row per UTC hour, earliest ts kept)."""
    where = "" if "WHERE" in source else "WHERE true"  # an upsert's SELECT needs a WHERE to parse
    return (f"INSERT INTO rollup_changes (hour, first_ts, novelty) SELECT {ts} / 3600000, {ts}, {novelty} {source}"
            f" {where} ON CONFLICT (hour) DO UPDATE SET first_ts = min(first_ts, excluded.first_ts),"
            " novelty = max(novelty, excluded.novelty);")


_IMPRESSION_FIELDS = ("item_key", "ts", "rank", "session_id", "sponsored_hint", "platform", "surface", "page_url")
_ITEM_FIELDS = ("category_id", "category_source", "text_hash", "embedding_model", "clickbait", "author", "url",
                "sponsored")


def _v5_rollups(db: sqlite_utils.Database) -> None:
    """Daily rollups of the audit figures (see feedaudit.rollups), and triggers that record
    which hours of impressions changed so the rollup job rebuilds exactly those days."""
    db.execute(
        """CREATE TABLE rollup_parts (
            day INTEGER NOT NULL,            -- local day (days since 1970-01-01 in the rollup time zone)
            platform TEXT NOT NULL,
            impressions INTEGER NOT NULL,
            aggregates BLOB NOT NULL,        -- sums, counts and sequences, see rollups.Part
            ratings_signature TEXT NOT NULL, -- the ratings the preference sums were computed under
            novelty BLOB,                    -- per-impression max prior similarity (edges of a range slice it)
            novelty_sums TEXT,               -- JSON sums of the day's novelty (whole days read only these)
            built_ts INTEGER NOT NULL,
            PRIMARY KEY (day, platform)
        )"""
    )
    db.execute("CREATE TABLE rollup_stale (day INTEGER PRIMARY KEY, aggregates INTEGER NOT NULL, novelty INTEGER NOT NULL)")
    db.execute("CREATE TABLE rollup_changes (hour INTEGER PRIMARY KEY, first_ts INTEGER NOT NULL, novelty INTEGER NOT NULL)")
    db.execute("CREATE TABLE rollup_sources (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
    db.execute("CREATE TABLE rollup_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE INDEX sessions_start ON sessions (start_ts)")
    # The understanding queues are counted from indexes, not by reading every item (GET /api/v1/status).
    parsed = "WHERE parse_status IN ('parsed', 'partial')"
    db.execute(f"CREATE INDEX items_embedding_model ON items (embedding_model) {parsed}")
    db.execute(f"CREATE INDEX items_categorized_signature ON items (categorized_signature) {parsed}")
    db.execute("CREATE INDEX items_clickbait_pending ON items (parse_status)"
               " WHERE clickbait IS NULL AND title IS NOT NULL AND trim(title) != ''")
    changed_impression = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _IMPRESSION_FIELDS)
    changed_item = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _ITEM_FIELDS)
    new_vector = "(OLD.text_hash IS NOT NEW.text_hash OR OLD.embedding_model IS NOT NEW.embedding_model)"
    triggers = {
        "rollup_impression_insert": ("AFTER INSERT ON impressions", _change_marker("NEW.ts", "1")),
        "rollup_impression_delete": ("AFTER DELETE ON impressions", _change_marker("OLD.ts", "1")),
        "rollup_impression_update": (f"AFTER UPDATE ON impressions WHEN {changed_impression}",
                                     _change_marker("OLD.ts", "1") + _change_marker("NEW.ts", "1")),
        "rollup_item_update": (f"AFTER UPDATE ON items WHEN {changed_item}",
                               _change_marker("ts", new_vector, "FROM impressions WHERE item_key = NEW.key")),
    }
    for table, row in (("dwell", "impression_id"), ("clicks", "impression_id"), ("views", "impression_id")):
        for event, ref in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "NEW")):
            triggers[f"rollup_{table}_{event.lower()}"] = (
                f"AFTER {event} ON {table}",
                _change_marker("ts", "0", f"FROM impressions WHERE id = {ref}.{row}"),
            )
    for name, (when, body) in triggers.items():
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    # Everything already stored needs rolling up once.
    db.execute("INSERT INTO rollup_changes (hour, first_ts, novelty) SELECT ts / 3600000, min(ts), 1 FROM impressions GROUP BY 1")


def _v6_explorer_recency(db: sqlite_utils.Database) -> None:
    """The explorer lists items most recent first: without this index every page sorts all items."""
    db.execute("CREATE INDEX items_recency ON items (coalesce(source_ts, first_seen_ts) DESC, key)")


def _v7_rollup_source_days(db: sqlite_utils.Database) -> None:
    """The days each source appears on in the rollups, so "first seen" is an index lookup
    instead of a pass over every item (the Sources page's new sources)."""
    from .rollups import unpack  # the rollup blob format lives there

    db.execute("CREATE TABLE rollup_source_days (code INTEGER NOT NULL, platform TEXT NOT NULL, day INTEGER NOT NULL,"
               " PRIMARY KEY (code, day, platform)) WITHOUT ROWID")
    db.execute("CREATE INDEX rollup_source_days_day ON rollup_source_days (day)")
    for day, platform, blob in db.execute("SELECT day, platform, aggregates FROM rollup_parts").fetchall():
        codes = unpack(blob)[0]["src_codes"].tolist()
        db.conn.executemany("INSERT OR IGNORE INTO rollup_source_days (code, platform, day) VALUES (?, ?, ?)",
                            [(code, platform, day) for code in codes])


def _counter_triggers(table: str, counter: str, key: str, total: str) -> dict[str, tuple[str, str]]:
    """Triggers that keep ``counter`` (key → count) equal to ``SELECT key, count(*) FROM table GROUP BY key``;
    ``key`` is an SQL expression over a row (NEW./OLD. are put in front of its columns by the caller's {row})."""
    add = (f"INSERT INTO {counter} ({total}, count) SELECT {{key}}, 1 WHERE true"
           f" ON CONFLICT DO UPDATE SET count = count + 1;")
    remove = f"UPDATE {counter} SET count = count - 1 WHERE ({total}) = ({{key}});"
    new_key, old_key = key.format(row="NEW"), key.format(row="OLD")
    return {
        f"{counter}_insert": (f"AFTER INSERT ON {table}", add.format(key=new_key)),
        f"{counter}_delete": (f"AFTER DELETE ON {table}", remove.format(key=old_key)),
        f"{counter}_update": (f"AFTER UPDATE ON {table} WHEN ({old_key}) IS NOT ({new_key})",
                              remove.format(key=old_key) + add.format(key=new_key)),
    }


def _v8_counters(db: sqlite_utils.Database) -> None:
    """Counters kept by triggers, so status and settings pages stay constant-time on a year of data:
    impressions per (platform, parse status) and items per category (counting 1M rows took ~0.5 s).
    Derived tables (prefix rollup_): export-all leaves them out and the triggers rebuild them on import."""
    db.execute("CREATE TABLE rollup_status_counts (platform TEXT NOT NULL, parse_status TEXT NOT NULL,"
               " count INTEGER NOT NULL, PRIMARY KEY (platform, parse_status)) WITHOUT ROWID")
    db.execute("CREATE TABLE rollup_category_counts (category_id INTEGER PRIMARY KEY, count INTEGER NOT NULL)")
    triggers = {
        **_counter_triggers("impressions", "rollup_status_counts", "{row}.platform, coalesce({row}.parse_status, '')",
                            "platform, parse_status"),
        **_counter_triggers("items", "rollup_category_counts", "coalesce({row}.category_id, 0)", "category_id"),
    }
    for name, (when, body) in triggers.items():
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    db.execute("INSERT INTO rollup_status_counts SELECT platform, coalesce(parse_status, ''), count(*) FROM impressions"
               " GROUP BY 1, 2")
    db.execute("INSERT INTO rollup_category_counts SELECT coalesce(category_id, 0), count(*) FROM items GROUP BY 1")


def _v9_rollup_item_days(db: sqlite_utils.Database) -> None:
    """Per day, platform and item: impressions, dwell, whether the item has a vector and a hash of its key
    (the map's sample), so a week's top
    items and the map read about ten thousand small rows instead of joining every impression of the week
    to its dwell and item. Days built before are marked for a rebuild of their aggregates (novelty stays)."""
    db.execute("CREATE TABLE rollup_item_days (day INTEGER NOT NULL, platform TEXT NOT NULL, item_key TEXT NOT NULL,"
               " impressions INTEGER NOT NULL, dwell_ms INTEGER NOT NULL, embedded INTEGER NOT NULL,"
               " pick INTEGER NOT NULL,"  # a 64-bit hash of the key: the map draws the items of smallest pick
               " PRIMARY KEY (day, platform, item_key)) WITHOUT ROWID")
    db.execute("INSERT INTO rollup_stale (day, aggregates, novelty) SELECT DISTINCT day, 1, 0 FROM rollup_parts"
               " WHERE true ON CONFLICT (day) DO UPDATE SET aggregates = 1")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_events,
    _v2_parsed_items,
    _v3_understanding,
    _v4_preferences,
    _v5_rollups,
    _v6_explorer_recency,
    _v7_rollup_source_days,
    _v8_counters,
    _v9_rollup_item_days,
]
LATEST_VERSION = len(MIGRATIONS)


def current_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the database to LATEST_VERSION; return the number of migrations applied."""
    if current_version(db) == LATEST_VERSION:
        return 0
    applied = 0
    db.conn.execute("BEGIN IMMEDIATE")  # re-read under the lock: another process may have migrated
    try:
        version = current_version(db)
        if version > LATEST_VERSION:
            raise SchemaTooNewError(
                f"the database has schema version {version}, newer than this Feed Audit "
                f"understands ({LATEST_VERSION}); upgrade Feed Audit"
            )
        for number in range(version + 1, LATEST_VERSION + 1):
            MIGRATIONS[number - 1](db)
            db.execute(f"PRAGMA user_version = {number}")
            applied += 1
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
    return applied
