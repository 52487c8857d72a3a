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


def test_trigger_counters_follow_inserts_updates_and_deletes(app, client, auth):
    from support import events as ev

    shown = [ev.impression(rank, 1_768_000_000_000 + rank, url=f"https://a.example/{rank}", title=f"Item {rank}")
             for rank in (1, 2, 3)]
    shown.append(ev.impression(1, 1_768_000_000_100, platform="reddit", surface="home", title="Reddit one",
                               url="https://www.reddit.com/r/x/comments/abc/t/", page_url="https://www.reddit.com/"))
    assert client.post("/api/v1/events", json={"events": shown}, headers=auth).status_code == 200
    db = storage.connect(app.config["DATABASE"])
    counts = lambda: dict(((p, s), n) for p, s, n in db.execute(  # noqa: E731
        "SELECT platform, parse_status, count FROM rollup_status_counts WHERE count > 0"))
    grouped = lambda: dict(((p, s or ""), n) for p, s, n in db.execute(  # noqa: E731
        "SELECT platform, parse_status, count(*) FROM impressions GROUP BY 1, 2"))
    assert counts() == grouped() == {("hackernews", ""): 3, ("reddit", ""): 1}  # nothing parsed yet
    db.execute("UPDATE impressions SET parse_status = 'parsed' WHERE platform = 'hackernews' AND rank <= 2")
    db.execute("UPDATE impressions SET parse_status = 'failed' WHERE platform = 'reddit'")
    db.execute("DELETE FROM impressions WHERE platform = 'hackernews' AND rank = 3")
    assert counts() == grouped() == {("hackernews", "parsed"): 2, ("reddit", "failed"): 1}
    science = db.execute("SELECT id FROM categories WHERE name = 'Science'").fetchone()[0]
    db.execute("UPDATE items SET category_id = ? WHERE rowid IN (SELECT rowid FROM items LIMIT 2)", (science,))
    by_category = dict(db.execute("SELECT category_id, count FROM rollup_category_counts WHERE count > 0"))
    assert by_category == dict(db.execute("SELECT coalesce(category_id, 0), count(*) FROM items GROUP BY 1"))
    assert by_category[science] == 2
    db.conn.rollback()
    db.close()
