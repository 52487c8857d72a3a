"""POST /api/v1/events through the Flask test client: storage, idempotency, validation."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from support import events as ev

SESSION = "7f1d2a4e-5b6c-4d8e-9f00-112233445566"


def post(client, auth, payload, **kwargs):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    headers = {**auth, "Content-Type": kwargs.pop("content_type", "application/json")}
    return client.post("/api/v1/events", data=body, headers=headers, **kwargs)


def db_of(app):
    return sqlite_utils.Database(app.config["DATABASE"])


def test_valid_batch_is_stored(app, client, auth):
    imp = ev.impression(rank=3, url="https://example.com/x", title="Hello")
    batch = [imp, ev.dwell(imp["id"], 1500), ev.click(imp["id"]), ev.view("0b1c6f0e-4f7a-4a43-9d43-5d3bba7c1c11", 42000, imp["id"]),
             ev.session(SESSION, 60000)]
    response = post(client, auth, {"events": batch})
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "accepted": 5, "stored": 5, "duplicates": 0}
    db = db_of(app)
    row = db.execute("SELECT platform, surface, rank, item_key, title_hint FROM impressions").fetchall()
    assert row == [("hackernews", "front", 3, "hackernews:https://example.com/x", "Hello")]
    assert db.execute("SELECT html FROM impression_html").fetchone()[0] == imp["item"]["html"]
    assert db.execute("SELECT impression_id, visible_ms FROM dwell").fetchall() == [(imp["id"], 1500)]
    assert db.execute("SELECT count(*) FROM clicks").fetchone()[0] == 1
    assert db.execute("SELECT active_ms, impression_id FROM views").fetchall() == [(42000, imp["id"])]
    assert db.execute("SELECT active_ms FROM sessions").fetchone()[0] == 60000


def test_same_batch_twice_stores_nothing_new(app, client, auth):
    imp = ev.impression()
    batch = {"events": [imp, ev.dwell(imp["id"], 900), ev.click(imp["id"])]}
    assert post(client, auth, batch).get_json()["stored"] == 3
    again = post(client, auth, batch)
    assert again.status_code == 200
    assert again.get_json() == {"ok": True, "accepted": 3, "stored": 0, "duplicates": 3}
    db = db_of(app)
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("impressions", "impression_html", "dwell", "clicks", "items")]
    assert counts == [1, 1, 1, 1, 1]


def test_dwell_keeps_the_maximum_whatever_the_order(app, client, auth):
    imp = ev.impression()
    post(client, auth, {"events": [imp]})
    for visible in (3000, 1000, 5000, 4000):
        post(client, auth, {"events": [ev.dwell(imp["id"], visible)]})
    assert db_of(app).execute("SELECT visible_ms FROM dwell").fetchone()[0] == 5000


def test_dwell_before_its_impression_is_kept_and_linked(app, client, auth):
    imp = ev.impression(url="https://example.com/late")
    post(client, auth, {"events": [ev.dwell(imp["id"], 2500), ev.click(imp["id"])]})
    post(client, auth, {"events": [imp]})
    items = client.get("/api/v1/items", headers=auth).get_json()["items"]
    assert [(i["key"], i["impressions"], i["dwell_ms"], i["clicks"]) for i in items] == [
        ("hackernews:https://example.com/late", 1, 2500, 1)
    ]


def test_view_and_session_updates_keep_maximum(app, client, auth):
    post(client, auth, {"events": [ev.view("4d6c1a5e-1111-4a43-9d43-5d3bba7c1c11", 10_000, ts=ev.BASE_TS + 10_000)]})
    post(client, auth, {"events": [ev.view("4d6c1a5e-1111-4a43-9d43-5d3bba7c1c11", 4_000, ts=ev.BASE_TS + 4_000)]})
    post(client, auth, {"events": [ev.session(SESSION, 7_000, end_ts=ev.BASE_TS + 9_000)]})
    post(client, auth, {"events": [ev.session(SESSION, 3_000, end_ts=None)]})
    db = db_of(app)
    assert db.execute("SELECT active_ms, start_ts, ts FROM views").fetchone() == (10_000, ev.BASE_TS + 4_000, ev.BASE_TS + 10_000)
    assert db.execute("SELECT active_ms, end_ts FROM sessions").fetchone() == (7_000, ev.BASE_TS + 9_000)


def test_item_without_url_hint_is_keyed_by_html_hash(app, client, auth):
    a = ev.impression(url=None, html="<div>same</div>")
    b = ev.impression(url=None, html="<div>same</div>")
    post(client, auth, {"events": [a, b]})
    items = client.get("/api/v1/items", headers=auth).get_json()["items"]
    assert len(items) == 1 and items[0]["impressions"] == 2
    assert items[0]["key"].startswith("hackernews:html:") and len(items[0]["key"]) == len("hackernews:html:") + 32


@pytest.mark.parametrize(
    "mutate, field, fragment",
    [
        (lambda e: e.pop("id"), "id", "is required"),
        (lambda e: e.update(id="not-a-uuid"), "id", "UUID"),
        (lambda e: e.update(ts="yesterday"), "ts", "integer"),
        (lambda e: e.update(ts=1_700_000_000), "ts", "between 2000 and 2100"),
        (lambda e: e.update(rank=2.5), "rank", "integer >= 1"),
        (lambda e: e.update(rank=0), "rank", "integer >= 1"),
        (lambda e: e.update(rank=True), "rank", "integer >= 1"),
        (lambda e: e.update(rank=10**30), "rank", "integer >= 1"),
        (lambda e: e.update(type="scroll"), "type", "unknown event type 'scroll'"),
        (lambda e: e.pop("platform"), "platform", "is required"),
        (lambda e: e.update(page_url="javascript:alert(1)"), "page_url", "http(s) URL"),
        (lambda e: e.update(item={"url": "x"}), "item", "item.html must be a string"),
        (lambda e: e.update(item={"html": "<a>", "title": 5}), "item", "item.title must be a string"),
    ],
)
def test_malformed_event_names_the_field(app, client, auth, mutate, field, fragment):
    good = ev.impression()
    bad = ev.impression(rank=2)
    mutate(bad)
    response = post(client, auth, {"events": [good, bad]})
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["field"] == field
    assert fragment in body["errors"][0]["message"]
    assert f"events[1].{field}" in body["error"]
    # all or nothing: the good event of a rejected batch is not stored
    assert db_of(app).execute("SELECT count(*) FROM impressions").fetchone()[0] == 0


def test_every_problem_is_listed(client, auth):
    bad1 = ev.dwell(ev.new_id(), -5)
    bad2 = ev.click("nope")
    response = post(client, auth, {"events": [bad1, ev.impression(), bad2]})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(0, "visible_ms"), (2, "impression_id")]
    assert "(and 1 more problems)" in response.get_json()["error"]


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "body is not valid JSON"),
        (b"\xff\xfe\x00garbage", "body is not valid JSON"),
        (b"[]", "body must be a JSON object"),
        (b'{"events": {}}', "body must be a JSON object"),
        (b"", "body is not valid JSON"),
    ],
)
def test_body_that_is_not_a_batch(client, auth, body, message):
    response = post(client, auth, body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_415(app, client, auth, content_type):
    response = post(client, auth, {"events": [ev.impression()]}, content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"].startswith("Content-Type must be application/json")
    assert db_of(app).execute("SELECT count(*) FROM impressions").fetchone()[0] == 0


def test_too_many_events_is_413(client, auth):
    response = post(client, auth, {"events": [ev.impression(rank=i + 1) for i in range(1001)]})
    assert response.status_code == 413
    assert "at most 1000 events" in response.get_json()["error"]


def test_too_many_bytes_is_413(client, auth):
    huge = ev.impression(html="x" * (33 * 1024 * 1024))
    response = post(client, auth, {"events": [huge]})
    assert response.status_code == 413
    assert response.get_json() == {"ok": False, "error": "request body too large", "status": 413}


def test_lone_surrogates_are_stored_as_replacement_characters(app, client, auth):
    imp = ev.impression(title="bad \ud800 title")
    body = json.dumps({"events": [imp]})  # ensure_ascii escapes the lone surrogate as \\ud800
    response = post(client, auth, body)
    assert response.status_code == 200
    title = db_of(app).execute("SELECT title_hint FROM impressions").fetchone()[0]
    assert title.startswith("bad ") and title.endswith(" title") and "\ufffd" in title
