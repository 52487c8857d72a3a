"""/api/v1/metrics, /summary, /intentions, /ratings on a small hand-computed example."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import sqlite_utils

from feedaudit import processing, storage
from feedaudit.ingest import ingest
from support import events as ev

# 2026-11-17 is a Tuesday in ISO week 2026-W47.
T0 = int(dt.datetime(2026, 11, 17, 10, 0, tzinfo=dt.timezone.utc).timestamp() * 1000)
SESSION = "3f1d2a4e-5b6c-4d8e-9f00-112233445566"
ITEMS = [  # (hn id, title, url, category, dwell ms)
    (101, "A compiler in 500 lines", "https://a.example/1", "Technology", 1000),
    (102, "Why databases are hard", "https://a.example/2", "Technology", 3000),
    (103, "Telescope spots a new exoplanet", "https://b.example/3", "Science", 0),
    (104, "Cup final goes to penalties", "https://c.example/4", "Sports", 4000),
]


def hn_html(story_id, title, url):
    return (f'<tr class="athing submission" id="{story_id}"><td class="title"><span class="titleline">'
            f'<a href="{url}">{title}</a></span></td></tr>')


@pytest.fixture
def filled(app):
    db = storage.connect(app.config["DATABASE"])
    events, impression_ids = [], []
    for rank, (story_id, title, url, _, dwell_ms) in enumerate(ITEMS, start=1):
        imp = ev.impression(rank=rank, ts=T0 + rank * 1000, url=None, title=None, html=hn_html(story_id, title, url),
                            session_id=SESSION)
        impression_ids.append(imp["id"])
        events.append(imp)
        if dwell_ms:
            events.append(ev.dwell(imp["id"], dwell_ms, ts=T0 + 10_000))
    events.append(ev.click(impression_ids[3], ts=T0 + 20_000))
    events.append(ev.session(SESSION, 60_000, start_ts=T0, end_ts=T0 + 60_000, ts=T0 + 60_000))
    ingest(db, {"events": events})
    processing.parse_pending(db)
    for story_id, _, _, category, _ in ITEMS:
        db.execute("UPDATE items SET category_id = (SELECT id FROM categories WHERE name = ?), category_source = 'auto'"
                   " WHERE key = ?", (category, f"hackernews:{story_id}"))
    db.execute("INSERT INTO settings (key, value) VALUES ('timezone', '\"UTC\"')")
    return db


def get_metrics(client, auth, **params):
    response = client.get("/api/v1/metrics", query_string={"from": T0, "to": T0 + 86_400_000, **params}, headers=auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_shares_capture_ctr_and_diversity(client, auth, filled):
    m = get_metrics(client, auth)
    assert m["totals"] == {"impressions": 4, "dwell_ms": 8000.0, "clicks": 1, "items": 4, "platforms": ["hackernews"]}
    assert m["exposure_share"]["category"] == {"Technology": 0.5, "Science": 0.25, "Sports": 0.25}
    assert m["attention_share"]["category"] == {"Technology": 0.5, "Science": 0.0, "Sports": 0.5}
    assert m["attention_capture"] == {"Technology": 1.0, "Science": 0.0, "Sports": 2.0}
    assert m["click_through_rate"]["category"] == {"Technology": 0.0, "Science": 0.0, "Sports": 1.0}
    # H = -(0.5 ln 0.5 + 2 * 0.25 ln 0.25) = 1.0397 nats; exp(H) = 2.8284
    assert m["topic_diversity"]["entropy"] == pytest.approx(1.5 * math.log(2))
    assert m["topic_diversity"]["effective_number"] == pytest.approx(2 ** 1.5)
    # sources are the stories' sites: a.example twice, b.example, c.example
    assert m["exposure_share"]["source"] == {"a.example": 0.5, "b.example": 0.25, "c.example": 0.25}
    assert m["source_concentration"]["distinct"] == 3
    # rank placement: top 3 = ranks 1-3 (Tech, Tech, Science); Tech 2/3 ÷ 1/2, Science 1/3 ÷ 1/4, Sports 0
    assert m["rank_placement"] == pytest.approx({"Technology": 4 / 3, "Science": 4 / 3, "Sports": 0.0})
    assert m["sessions"]["sessions"] == 1 and m["sessions"]["longest_session_ms"] == 60_000
    assert m["simulated"] is False


def test_platform_filter_and_empty_range(client, auth, filled):
    assert get_metrics(client, auth, platform="youtube")["totals"]["impressions"] == 0
    empty = client.get("/api/v1/metrics", query_string={"from": T0 - 10_000_000, "to": T0 - 1}, headers=auth).get_json()
    assert empty["totals"]["impressions"] == 0 and empty["exposure_share"]["category"] == {}


@pytest.mark.parametrize("params, message", [
    ({"from": 10, "to": 5}, "'to' must be after 'from'"),
    ({"from": "yesterday"}, "query parameter 'from'"),
    ({"platform": "no spaces allowed"}, "query parameter 'platform'"),
])
def test_metrics_bad_parameters(client, auth, params, message):
    response = client.get("/api/v1/metrics", query_string=params, headers=auth)
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_summary_of_a_week_and_its_change(client, auth, filled):
    response = client.get("/api/v1/summary", query_string={"week": "2026-W47"}, headers=auth)
    body = response.get_json()
    assert body["week"] == "2026-W47" and body["previous_week"] == "2026-W46" and body["has_data"] is True
    assert body["schema_version"] == 1
    assert body["change"]["figures"]["impressions"] == 4
    assert body["change"]["exposure_share"]["Technology"] == 0.5
    assert body["metrics"]["exposure_share"] == get_metrics(client, auth)["exposure_share"]


def test_summary_of_an_empty_week_is_not_an_error(client, auth, filled):
    body = client.get("/api/v1/summary", query_string={"week": "2025-W10"}, headers=auth).get_json()
    assert body["ok"] is True and body["has_data"] is False and body["metrics"]["totals"]["impressions"] == 0


@pytest.mark.parametrize("week", ["2026-48", "2026-W54", "W48", "2026-W00"])
def test_summary_rejects_bad_weeks(client, auth, week):
    response = client.get("/api/v1/summary", query_string={"week": week}, headers=auth)
    assert response.status_code == 400 and "week" in response.get_json()["error"]


def test_intentions_feed_calibration(client, auth, filled):
    j = {**auth, "Content-Type": "application/json"}
    tech = next(c["id"] for c in client.get("/api/v1/categories", headers=auth).get_json()["categories"] if c["name"] == "Technology")
    assert client.put(f"/api/v1/intentions/{tech}", json={"kind": "at_most", "value": 0.2}, headers=j).status_code == 200
    assert client.put(f"/api/v1/intentions/{tech}", json={"kind": "sometimes"}, headers=j).status_code == 400
    assert client.put(f"/api/v1/intentions/{tech}", json={"kind": "at_most", "value": 1.5}, headers=j).status_code == 400
    assert client.put("/api/v1/intentions/9999", json={"kind": "more"}, headers=j).status_code == 404
    listed = client.get("/api/v1/intentions", headers=auth).get_json()["intentions"]
    assert [(i["category"], i["kind"], i["value"]) for i in listed] == [("Technology", "at_most", 0.2)]
    prefs = get_metrics(client, auth)["preferences"]
    # p: Technology 0.2; the rest (0.8) in proportion to exposure: Science 0.4, Sports 0.4
    assert prefs["intended_shares"] == pytest.approx({"Technology": 0.2, "Science": 0.4, "Sports": 0.4})
    q = {"Technology": 0.5, "Science": 0.25, "Sports": 0.25}
    p = prefs["intended_shares"]
    expected_kl = sum(p[c] * math.log(p[c] / (0.99 * q[c] + 0.01 * p[c])) for c in p)
    assert prefs["calibration_kl"] == pytest.approx(expected_kl)
    assert client.delete(f"/api/v1/intentions/{tech}", headers=auth).get_json()["cleared"] is True


def test_ratings(client, auth, filled):
    j = {**auth, "Content-Type": "application/json"}
    assert client.post("/api/v1/ratings", json={"item_key": "hackernews:104", "rating": "regretted", "note": "doomscroll"},
                       headers=j).status_code == 200
    assert client.post("/api/v1/ratings", json={"item_key": "hackernews:101", "rating": "valued"}, headers=j).status_code == 200
    assert client.post("/api/v1/ratings", json={"item_key": "nope", "rating": "valued"}, headers=j).status_code == 404
    assert client.post("/api/v1/ratings", json={"item_key": "hackernews:101", "rating": "meh"}, headers=j).status_code == 400
    ratings = client.get("/api/v1/ratings", headers=auth).get_json()["ratings"]
    assert sorted((r["item_key"], r["rating"]) for r in ratings) == [("hackernews:101", "valued"), ("hackernews:104", "regretted")]
    prefs = get_metrics(client, auth)["preferences"]
    assert prefs["rated_items"] == 2 and prefs["value_model"]["status"] == "not enough data"
    # no embeddings here, so only the rated regretted item itself is regretted-like: 4000 of 8000 ms
    assert prefs["regret_like_dwell_share"] == 0.5


def test_metrics_come_from_the_rollups_once_built(client, auth, filled):
    from feedaudit import rollups

    midnight = T0 - 10 * 3_600_000  # 2026-11-17 00:00 UTC
    query = {"from": midnight, "to": midnight + 86_400_000}
    raw = client.get("/api/v1/metrics", query_string=query, headers=auth).get_json()
    assert "computed_from" not in raw  # no rollups yet: computed from the raw rows
    assert rollups.refresh(filled) == 1
    rolled = client.get("/api/v1/metrics", query_string=query, headers=auth).get_json()
    assert rolled.pop("computed_from") == {"rollup_days": 1, "raw_days": 0}
    assert rolled == raw
