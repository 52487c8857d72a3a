"""The storage module: pragmas, versioned migrations, schema-too-new guard."""

from __future__ import annotations

import pytest

from feedaudit import migrations, storage


def test_pragmas(tmp_path):
    db = storage.connect(tmp_path / "a.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == storage.BUSY_TIMEOUT_MS
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_migrations_run_once_and_are_versioned(tmp_path):
    db = storage.connect(tmp_path / "a.db", migrate=False)
    assert migrations.migrate(db) == migrations.LATEST_VERSION
    assert migrations.migrate(db) == 0
    assert migrations.current_version(db) == migrations.LATEST_VERSION
    assert {"impressions", "impression_html", "items", "dwell", "clicks", "sessions", "views"} <= set(db.table_names())


def test_a_failing_migration_leaves_the_old_version(tmp_path, monkeypatch):
    db = storage.connect(tmp_path / "a.db")

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, broken])
    monkeypatch.setattr(migrations, "LATEST_VERSION", migrations.LATEST_VERSION + 1)
    with pytest.raises(RuntimeError):
        migrations.migrate(db)
    assert migrations.current_version(db) == migrations.LATEST_VERSION - 1
    assert "half_done" not in db.table_names()


def test_database_from_newer_version_is_refused(tmp_path):
    db = storage.connect(tmp_path / "a.db")
    db.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 5}")
    with pytest.raises(migrations.SchemaTooNewError, match="upgrade Feed Audit"):
        storage.connect(tmp_path / "a.db")


def test_explorer_listing_reads_the_recency_index_instead_of_sorting(tmp_path):
    from feedaudit import explorer

    db = storage.connect(tmp_path / "a.db")
    clause, params = explorer._matching_items(explorer.Filters())
    plan = " ".join(row[3] for row in db.execute(
        f"EXPLAIN QUERY PLAN SELECT {explorer.ITEM_COLUMNS} {explorer.ITEM_JOINS} WHERE {clause}"
        f" {explorer.LISTING_ORDER} LIMIT 25", params))
    assert "items_recency" in plan
    assert "TEMP B-TREE" not in plan
