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


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_events,
    _v2_parsed_items,
    _v3_understanding,
    _v4_preferences,
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
