"""Full data export and import: every table as CSV and JSON Lines, with a README of the columns (no Flask).

``export_all`` writes, per table, ``<table>.csv`` (for spreadsheets: NULL is an
empty cell) and ``<table>.jsonl`` (lossless: one JSON object per row, NULL is
null), plus ``manifest.json`` (schema version, tables, columns, row counts) and
``README.md``. BLOB columns (embedding vectors) are base64 text in both.

``import_all`` loads such a directory into a database that holds no recorded
data yet, in one transaction: a failure leaves the database as it was. It reads
the JSON Lines files. The taxonomy and settings of the export replace the fresh
database's defaults, so category ids, and therefore every figure, match.

Tables named ``rollup_*`` are caches of figures that Feed Audit rebuilds from
the other tables; they are neither exported nor imported.
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlite_utils

from . import __version__, migrations
from .storage import write_transaction

EXPORT_FORMAT_VERSION = 1
DERIVED_PREFIX = "rollup_"
BATCH_ROWS = 5000
# Tables a fresh database fills itself; an import replaces their rows with the export's.
DEFAULTED_TABLES = ("categories", "settings")

TABLE_NOTES = {
    "items": "One row per distinct feed item (video, post, tweet, story, article): parsed fields and what the "
             "audit understood about it (category, clickbait score).",
    "impressions": "One row per time an item was shown in a feed: when (ts), where (platform, surface, page_url), "
                   "at which rank, in which session.",
    "impression_html": "The item's HTML as captured, kept for re-parsing (may expire, see html_retention_days).",
    "dwell": "How long an impression was at least half visible (visible_ms, the maximum reported).",
    "clicks": "Clicks on an impression's links.",
    "sessions": "Feed browsing sessions per platform, with active time.",
    "views": "Pages read or watched after leaving the feed, with active time.",
    "embeddings": "Sentence embeddings by text hash and model: float16 vectors, base64 in this export.",
    "categories": "The topic taxonomy: name, description (the zero-shot prototype text), position.",
    "category_corrections": "Categories you set by hand for items.",
    "intentions": "What you said you want per category (at_most, at_least, exactly, more, less).",
    "ratings": "Items you rated: 1 valued, -1 regretted, with an optional note.",
    "settings": "Settings, as JSON values.",
}

COLUMN_NOTES = {
    "ts": "ms since 1970-01-01 UTC", "start_ts": "ms since 1970-01-01 UTC", "end_ts": "ms since 1970-01-01 UTC",
    "received_ts": "ms since 1970-01-01 UTC (arrival at the server)", "first_seen_ts": "ms since 1970-01-01 UTC",
    "parsed_ts": "ms since 1970-01-01 UTC", "source_ts": "ms since 1970-01-01 UTC", "published_at": "ms since 1970-01-01 UTC",
    "rank": "position in the feed, 1 = top", "visible_ms": "ms", "active_ms": "ms", "item_key": "items.key",
    "impression_id": "impressions.id", "category_id": "categories.id", "category2_id": "categories.id (second best)",
    "clickbait": "score in [0, 1]", "vector": "base64 of little-endian float16 values", "text_hash": "embeddings.text_hash",
    "value": "JSON (settings) or share in [0, 1] (intentions)",
}


class TransferError(RuntimeError):
    pass


def exported_tables(db: sqlite_utils.Database) -> list[str]:
    """Every table of recorded data, referenced tables first (so an import satisfies foreign keys)."""
    names = [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if not name.startswith(DERIVED_PREFIX)]
    referenced = {row[2] for name in names for row in db.execute(f"PRAGMA foreign_key_list({name})")}
    return sorted(names, key=lambda name: (name not in referenced, name))


def columns_of(db: sqlite_utils.Database, table: str) -> list[dict]:
    return [{"name": row[1], "type": row[2] or ""} for row in db.execute(f"PRAGMA table_info({table})")]


def _cell(value):
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value


def _rows(db, table: str, names: list[str]) -> Iterator[tuple]:
    quoted = ", ".join(f'"{n}"' for n in names)
    yield from db.conn.execute(f'SELECT {quoted} FROM "{table}" ORDER BY rowid' if _has_rowid(db, table)
                               else f'SELECT {quoted} FROM "{table}"')


def _has_rowid(db, table: str) -> bool:
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0] or ""
    return "WITHOUT ROWID" not in sql.upper()


def total_rows(db: sqlite_utils.Database) -> int:
    return sum(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in exported_tables(db))


def export_all(db: sqlite_utils.Database, out_dir: str | Path, progress: Callable[[int], None] | None = None) -> dict:
    """Write every table into ``out_dir`` (created; must be empty); returns the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise TransferError(f"{out} is not empty; choose a new folder for the export")
    manifest = {"format_version": EXPORT_FORMAT_VERSION, "schema_version": migrations.current_version(db),
                "feedaudit_version": __version__, "tables": {}}
    db.conn.execute("BEGIN")  # one consistent snapshot of every table, even while the server writes
    try:
        for table in exported_tables(db):
            columns = columns_of(db, table)
            count = _export_table(db, table, columns, out, progress)
            manifest["tables"][table] = {"rows": count, "columns": columns}
    finally:
        db.conn.execute("ROLLBACK")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(readme(manifest), encoding="utf-8")
    return manifest


def _export_table(db, table: str, columns: list[dict], out: Path, progress) -> int:
    names = [c["name"] for c in columns]
    count = 0
    with open(out / f"{table}.csv", "w", newline="", encoding="utf-8") as csv_file, \
            open(out / f"{table}.jsonl", "w", encoding="utf-8") as jsonl_file:
        writer = csv.writer(csv_file)
        writer.writerow(names)
        for row in _rows(db, table, names):
            cells = [_cell(v) for v in row]
            writer.writerow(["" if v is None else _cell(spreadsheet_text(v)) for v in row])
            jsonl_file.write(json.dumps(dict(zip(names, cells)), ensure_ascii=False) + "\n")
            count += 1
            if progress and count % BATCH_ROWS == 0:
                progress(BATCH_ROWS)
    if progress:
        progress(count % BATCH_ROWS)
    return count


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """A CSV cell: text that a spreadsheet would run as a formula (captured titles can start with '=')
    gets a leading apostrophe, so it shows as text; the .jsonl files keep the exact value."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def readme(manifest: dict) -> str:
    """The export's README: what each file holds and what each column means."""
    lines = [
        "# Feed Audit data export", "",
        f"Written by Feed Audit {manifest['feedaudit_version']} (database schema version {manifest['schema_version']}, "
        f"export format {manifest['format_version']}).", "",
        "Each table is here twice: `<table>.csv` (for spreadsheets; an empty cell is NULL) and `<table>.jsonl` "
        "(one JSON object per line; lossless, null is NULL). In the CSV files, text starting with =, +, -, @, tab or "
        "carriage return has a leading ' so spreadsheets show it instead of running it as a formula. "
        "BLOB columns are base64 text. `manifest.json` lists "
        "tables, columns and row counts. `feedaudit import DIR --data-dir NEW` loads this folder into a new database.",
        "", "The database itself (`feedaudit.db` in the data dir) is a plain SQLite file: `sqlite3 feedaudit.db` or "
        "`datasette feedaudit.db` open it directly.", "",
    ]
    for table, info in manifest["tables"].items():
        lines += [f"## {table} ({info['rows']:,} rows)", "", TABLE_NOTES.get(table, ""), "",
                  "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| {c['name']} | {c['type'] or 'any'} | {COLUMN_NOTES.get(c['name'], '')} |" for c in info["columns"]]
        lines.append("")
    return "\n".join(lines)


# --- import -------------------------------------------------------------------------------------

RECORDED_TABLES = ("impressions", "items", "dwell", "clicks", "views", "sessions", "embeddings", "ratings",
                   "intentions", "category_corrections", "impression_html")


def recorded_rows(db: sqlite_utils.Database) -> int:
    return sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in RECORDED_TABLES)


def read_manifest(in_dir: str | Path) -> dict:
    path = Path(in_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TransferError(f"{path} is missing or unreadable ({exc}); is {in_dir} a 'feedaudit export-all' folder?") from None
    if manifest.get("format_version") != EXPORT_FORMAT_VERSION:
        raise TransferError(f"export format {manifest.get('format_version')!r} is not supported "
                            f"(this Feed Audit reads format {EXPORT_FORMAT_VERSION})")
    if manifest.get("schema_version", 0) > migrations.LATEST_VERSION:
        raise TransferError(f"the export comes from a newer Feed Audit (schema {manifest['schema_version']}); upgrade first")
    return manifest


def import_all(db: sqlite_utils.Database, in_dir: str | Path, progress: Callable[[int], None] | None = None) -> dict:
    """Load an ``export_all`` folder into ``db``, which must hold no recorded data; returns rows per table."""
    manifest = read_manifest(in_dir)
    if recorded_rows(db):
        raise TransferError("the target database already holds data; import into a new, empty data dir "
                            "(or delete everything first with 'feedaudit delete --all')")
    existing = set(exported_tables(db))
    imported = {}
    with write_transaction(db):
        for table in DEFAULTED_TABLES:
            if table in manifest["tables"]:
                db.execute(f"DELETE FROM {table}")
        for table in exported_tables(db):
            if table in manifest["tables"] and table in existing:
                imported[table] = _import_table(db, table, manifest["tables"][table]["columns"], Path(in_dir), progress)
    return imported


def _import_table(db, table: str, columns: list[dict], in_dir: Path, progress) -> int:
    target = {c["name"] for c in columns_of(db, table)}
    names = [c["name"] for c in columns if c["name"] in target]
    blobs = {c["name"] for c in columns if c["type"].upper() == "BLOB"}
    sql = f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) VALUES ({", ".join("?" * len(names))})'
    path = in_dir / f"{table}.jsonl"
    if not path.exists():
        raise TransferError(f"{path} is missing; the export folder is incomplete")
    count, batch = 0, []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                row = json.loads(line)
            except ValueError:
                raise TransferError(f"{path} line {number} is not JSON; the export is damaged") from None
            batch.append([base64.b64decode(row[n]) if n in blobs and row.get(n) is not None else row.get(n)
                          for n in names])
            if len(batch) >= BATCH_ROWS:
                count += _insert(db, sql, batch, progress)
                batch = []
    return count + _insert(db, sql, batch, progress)


def _insert(db, sql: str, batch: list, progress) -> int:
    if batch:
        db.conn.executemany(sql, batch)
        if progress:
            progress(len(batch))
    return len(batch)
