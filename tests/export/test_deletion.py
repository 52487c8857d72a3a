"""Deleting a range: exactly the range's rows go (hand-counted), every other day's metrics stay, nothing lingers."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedaudit import audit, deletion, settings, storage
from export_dataset import DAY1, DAY2, DAY3, DAY4, KEY, post_dataset

DAY2_COUNTS = {"impressions": 3, "dwell": 4, "clicks": 1, "views": 2, "sessions": 2, "items": 2, "embeddings": 2}


@pytest.fixture
def db(app, client, auth):
    post_dataset(client, auth)
    database = storage.connect(app.config["DATABASE"])
    settings.put(database, "timezone", "UTC")
    # Embeddings by text hash: A and D share a text ("h-shared"), C has its own under two models.
    for key, text_hash in ((KEY["A"], "h-shared"), (KEY["D"], "h-shared"), (KEY["C"], "h-c")):
        database.execute("UPDATE items SET text_hash = ? WHERE key = ?", (text_hash, key))
    database.conn.executemany("INSERT INTO embeddings (text_hash, model, vector) VALUES (?, ?, ?)",
                              [("h-shared", "m1", b"\0" * 8), ("h-c", "m1", b"\1" * 8), ("h-c", "m2", b"\2" * 8)])
    database.execute("INSERT INTO ratings (item_key, rating, ts) VALUES (?, -1, 1), (?, 1, 1)", (KEY["C"], KEY["A"]))
    yield database
    database.close()


def table_counts(db) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("impressions", "impression_html", "dwell", "clicks", "views", "sessions", "items", "embeddings",
                      "ratings")}


def test_deleting_a_day_removes_exactly_its_rows(client, auth, db):
    before = table_counts(db)
    response = client.post("/api/v1/deletions", json={"from": "2026-01-06", "to": "2026-01-06"}, headers=auth)
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["counts"] == DAY2_COUNTS
    assert body["dry_run"] is False
    assert (body["from_ms"], body["to_ms"]) == (DAY2, DAY3)
    assert body["also"] == {"html": 3, "ratings": 1, "corrections": 0}
    after = table_counts(db)
    assert after == {"impressions": before["impressions"] - 3, "impression_html": before["impression_html"] - 3,
                     "dwell": before["dwell"] - 4, "clicks": before["clicks"] - 1, "views": before["views"] - 2,
                     "sessions": before["sessions"] - 2, "items": before["items"] - 2, "embeddings": 1, "ratings": 1}
    remaining_items = {k for (k,) in db.execute("SELECT key FROM items")}
    assert remaining_items == {KEY["A"], KEY["B"], KEY["E"]}
    assert [h for (h,) in db.execute("SELECT text_hash FROM embeddings")] == ["h-shared"]


def test_other_days_metrics_are_unchanged(db):
    days = [(DAY1, DAY2), (DAY3, DAY4)]
    before = [audit.metrics(db, *day, tz="UTC") for day in days]
    deletion.delete_range(db, DAY2, DAY3)
    after = [audit.metrics(db, *day, tz="UTC") for day in days]
    assert after == before
    assert before[0]["totals"]["impressions"] == 2 and before[1]["totals"]["impressions"] == 1
    assert audit.metrics(db, DAY2, DAY3, tz="UTC")["totals"] == {
        "impressions": 0, "dwell_ms": 0.0, "clicks": 0, "items": 0, "platforms": []}


def test_dry_run_counts_the_same_and_changes_nothing(client, auth, db):
    before = table_counts(db)
    response = client.post("/api/v1/deletions", json={"from": DAY2, "to": DAY3, "dry_run": True}, headers=auth)
    assert response.status_code == 200
    assert response.get_json()["counts"] == DAY2_COUNTS
    assert response.get_json()["dry_run"] is True
    assert table_counts(db) == before


def test_one_platform_leaves_the_others(client, auth, db):
    response = client.post("/api/v1/deletions", json={"from": DAY2, "to": DAY3, "platform": "reddit"}, headers=auth)
    # D's impression, its dwell and session; the orphan dwell's platform is unknown, so it stays.
    assert response.get_json()["counts"] == {"impressions": 1, "dwell": 1, "clicks": 0, "views": 0, "sessions": 1,
                                             "items": 1, "embeddings": 0}
    assert db.execute("SELECT count(*) FROM impressions WHERE ts >= ? AND ts < ?", (DAY2, DAY3)).fetchone()[0] == 2


def test_deleted_text_does_not_linger_in_the_file(app, db):
    deletion.delete_range(db, DAY2, DAY3)
    db.close()
    data_dir = Path(app.config["DATABASE"]).parent
    raw = b"".join(path.read_bytes() for path in sorted(data_dir.glob("feedaudit.db*")))  # with -wal and -shm
    assert b"secret-title-3141" not in raw
    assert b"Alpha story" in raw


def test_delete_all_wipes_records_but_keeps_the_taxonomy(db):
    categories = db.execute("SELECT count(*) FROM categories").fetchone()[0]
    counts = deletion.delete_all(db)
    assert counts["impressions"] == 6 and counts["items"] == 5 and counts["embeddings"] == 3
    assert all(value == 0 for value in deletion.count_all(db).values())
    assert db.execute("SELECT count(*) FROM categories").fetchone()[0] == categories


@pytest.mark.parametrize("body, field", [
    ({"to": DAY3}, "'from'"),
    ({"from": DAY2}, "'to'"),
    ({"from": "yesterday", "to": DAY3}, "'from'"),
    ({"from": DAY3, "to": DAY2}, "'to' must be after 'from'"),
    ({"from": DAY2, "to": DAY3, "dry_run": "yes"}, "'dry_run'"),
    ({"from": DAY2, "to": DAY3, "platform": "red dit"}, "'platform'"),
    ({"from": True, "to": DAY3}, "'from'"),
])
def test_bad_requests_name_the_field_and_delete_nothing(client, auth, db, body, field):
    before = table_counts(db)
    response = client.post("/api/v1/deletions", json=body, headers=auth)
    assert response.status_code == 400
    assert field in response.get_json()["error"]
    assert table_counts(db) == before
