"""The parse pipeline over stored raw HTML: re-keying, newest sighting wins, failures, reprocess, retention."""

from __future__ import annotations

import json
import time

import requests
from click.testing import CliRunner

from feedaudit import processing, storage
from feedaudit.cli import main
from feedaudit.ingest import ingest
from support import events as ev


def hn_row(story_id: int, title: str, url: str, points: int = 10) -> str:
    return (f'<tr class="athing submission" id="{story_id}"><td class="title"><span class="titleline">'
            f'<a href="{url}">{title}</a></span></td></tr>'
            f'<tr><td class="subtext"><span class="score" id="score_{story_id}">{points} points</span></td></tr>')


def hn_impression(story_id, title, url, ts=ev.BASE_TS, with_hint=True, points=10):
    return ev.impression(ts=ts, url=url if with_hint else None, title=title if with_hint else None,
                         html=hn_row(story_id, title, url, points))


def open_db(tmp_path):
    return storage.connect(tmp_path / "feedaudit.db")


def table(db, sql):
    return db.execute(sql).fetchall()


def test_sightings_merge_under_the_parsed_key(tmp_path):
    db = open_db(tmp_path)
    ingest(db, {"events": [
        hn_impression(4242, "Show HN: A thing", "https://example.com/thing"),
        hn_impression(4242, "Show HN: A thing", "https://example.com/thing", ts=ev.BASE_TS + 60_000, with_hint=False),
    ]})
    assert table(db, "SELECT count(*) FROM items") == [(2,)]  # URL-hint key and HTML-hash key
    assert processing.parse_pending(db) == 2
    assert table(db, "SELECT key, kind, title, url, first_seen_ts FROM items") == [
        ("hackernews:4242", "story", "Show HN: A thing", "https://example.com/thing", ev.BASE_TS)
    ]
    assert table(db, "SELECT DISTINCT item_key, parse_status FROM impressions") == [("hackernews:4242", "parsed")]
    assert processing.parse_pending(db) == 0


def test_newest_sighting_wins_whatever_the_parse_order(tmp_path):
    db = open_db(tmp_path)
    newer = hn_impression(7, "Title v2", "https://example.com/7", ts=ev.BASE_TS + 10_000, points=99)
    older = hn_impression(7, "Title v1", "https://example.com/7", ts=ev.BASE_TS, points=5)
    ingest(db, {"events": [newer]})
    processing.parse_pending(db)
    ingest(db, {"events": [older]})
    processing.parse_pending(db)
    assert table(db, "SELECT title, score, source_ts, first_seen_ts FROM items") == [
        ("Title v2", 99, ev.BASE_TS + 10_000, ev.BASE_TS)
    ]


def test_unparseable_item_is_kept_as_failed(tmp_path):
    db = open_db(tmp_path)
    bad = ev.impression(url="https://example.com/x", html="<div>not a story row</div>")
    good = hn_impression(1, "Fine", "https://example.com/fine")
    ingest(db, {"events": [bad, good]})
    assert processing.parse_pending(db) == 2
    status = dict(table(db, "SELECT id, parse_status FROM impressions"))
    assert status == {bad["id"]: "failed", good["id"]: "parsed"}
    assert table(db, "SELECT key, parse_status FROM items ORDER BY key") == [
        ("hackernews:1", "parsed"), ("hackernews:https://example.com/x", "failed")
    ]
    assert processing.parser_health(db) == {"hackernews": {"parsed": 1, "partial": 0, "failed": 1, "pending": 0}}


def test_reprocess_repairs_and_is_idempotent(tmp_path):
    db = open_db(tmp_path)
    ingest(db, {"events": [hn_impression(i, f"Story {i}", f"https://example.com/{i}", ts=ev.BASE_TS + i) for i in range(1, 8)]})
    processing.parse_pending(db)
    db.execute("UPDATE items SET title = 'CORRUPTED', score = -1 WHERE key = 'hackernews:3'")
    ticks = []
    assert processing.reprocess(db, chunk=3, progress=ticks.append) == 7
    assert ticks == [3, 3, 1]
    assert table(db, "SELECT title, score FROM items WHERE key = 'hackernews:3'") == [("Story 3", 10)]
    before = snapshot(db)
    processing.reprocess(db)
    assert snapshot(db) == before


def snapshot(db):
    """Everything reprocessing may touch, minus parsed_ts (the time of the run)."""
    columns = [c for c in db["items"].columns_dict if c != "parsed_ts"]
    items = table(db, f"SELECT {', '.join(columns)} FROM items ORDER BY key")
    impressions = table(db, "SELECT id, item_key, parse_status FROM impressions ORDER BY id")
    return items, impressions


def test_reprocess_filters_by_platform_and_since(tmp_path):
    db = open_db(tmp_path)
    ingest(db, {"events": [hn_impression(1, "Old", "https://example.com/1", ts=ev.BASE_TS),
                           hn_impression(2, "New", "https://example.com/2", ts=ev.BASE_TS + 86_400_000)]})
    assert processing.reprocess_count(db, platform="hackernews", since_ms=ev.BASE_TS + 1) == 1
    assert processing.reprocess_count(db, platform="youtube") == 0
    assert processing.reprocess(db, since_ms=ev.BASE_TS + 1) == 1
    assert table(db, "SELECT count(*) FROM impressions WHERE parsed_ts IS NULL") == [(1,)]


def test_retention_drops_old_parsed_html_only(tmp_path):
    db = open_db(tmp_path)
    day = 86_400_000
    old_parsed = hn_impression(1, "Old", "https://example.com/1", ts=ev.BASE_TS)
    ingest(db, {"events": [old_parsed]})
    processing.parse_pending(db)
    old_unparsed = hn_impression(2, "Old but pending", "https://example.com/2", ts=ev.BASE_TS)
    recent = hn_impression(3, "Recent", "https://example.com/3", ts=ev.BASE_TS + 20 * day)
    ingest(db, {"events": [old_unparsed, recent]})
    assert processing.expire_raw_html(db, 7, now_ms=ev.BASE_TS + 21 * day) == 1
    assert table(db, "SELECT impression_id FROM impression_html ORDER BY impression_id") == sorted(
        [(old_unparsed["id"],), (recent["id"],)])
    assert table(db, "SELECT title FROM items WHERE key = 'hackernews:1'") == [("Old",)]
    assert processing.expire_raw_html(db, None) == 0


def test_background_job_parses_within_seconds(live_server):
    imp = hn_impression(31337, "Parsed in the background", "https://example.com/bg")
    requests.post(f"{live_server.url}/api/v1/events", json={"events": [imp]}, headers=live_server.auth_headers(), timeout=5)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        items = requests.get(f"{live_server.url}/api/v1/items", headers=live_server.auth_headers(), timeout=5).json()["items"]
        if items and items[0]["key"] == "hackernews:31337":
            break
        time.sleep(0.25)
    assert [(i["key"], i["kind"], i["title"], i["parse_status"], i["impressions"]) for i in items] == [
        ("hackernews:31337", "story", "Parsed in the background", "parsed", 1)
    ]
    status = requests.get(f"{live_server.url}/api/v1/status", headers=live_server.auth_headers(), timeout=5).json()
    assert status["parsers"] == {"hackernews": {"parsed": 1, "partial": 0, "failed": 0, "pending": 0}}
    assert status["queue"]["unparsed"] == 0


def test_cli_reprocess_and_settings(tmp_path):
    db = open_db(tmp_path)
    ingest(db, {"events": [hn_impression(5, "Five", "https://example.com/5")]})
    runner = CliRunner()
    result = runner.invoke(main, ["reprocess", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Reparsed 1 impressions." in result.output
    assert runner.invoke(main, ["settings", "html_retention_days", "30", "--data-dir", str(tmp_path)]).exit_code == 0
    shown = runner.invoke(main, ["settings", "html_retention_days", "--data-dir", str(tmp_path)])
    assert json.loads(shown.output) == 30
    bad = runner.invoke(main, ["settings", "html_retention_days", "0", "--data-dir", str(tmp_path)])
    assert bad.exit_code == 2 and "whole number of days" in bad.output


def test_cli_parse_hacker_news_front_page(shared_dir):
    page = shared_dir / "fixtures/pages/hackernews/oscanweb_hn-front_2026-04-26.html"
    result = CliRunner().invoke(main, ["parse", str(page), "--url", "https://news.ycombinator.com/"])
    assert result.exit_code == 0
    items = [json.loads(line) for line in result.output.splitlines()]
    assert len(items) == 30
    assert [i["rank"] for i in items] == list(range(1, 31))
    assert {i["surface"] for i in items} == {"front"}
    assert sum(1 for i in items if i["kind"] == "job") == 1
