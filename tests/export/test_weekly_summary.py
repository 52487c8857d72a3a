"""The weekly summary object on a hand-built week: top and regretted items, sentences, time zones, no data."""

from __future__ import annotations

import datetime as dt

import pytest

from feedaudit import settings, storage, weekly
from export_dataset import KEY, URL, post_dataset
from support import events as ev


@pytest.fixture
def db(app, client, auth):
    post_dataset(client, auth)
    database = storage.connect(app.config["DATABASE"])
    settings.put(database, "timezone", "UTC")
    database.execute("INSERT INTO ratings (item_key, rating, note, ts) VALUES (?, -1, 'doom scroll', 1), (?, 1, NULL, 1)",
                     (KEY["C"], KEY["A"]))
    yield database
    database.close()


def test_top_items_are_ordered_by_dwell_with_their_impressions(db):
    summary = weekly.weekly_summary(db, "2026-W02", "UTC")
    top = [(item["key"], item["dwell_ms"], item["impressions"]) for item in summary["top_items"]]
    assert top == [(KEY["A"], 5000, 2), (KEY["D"], 4000, 1), (KEY["B"], 1000, 1), (KEY["E"], 700, 1), (KEY["C"], 500, 1)]
    first = summary["top_items"][0]
    assert first == {"key": KEY["A"], "title": "Alpha story", "url": URL["A"], "platform": "hackernews",
                     "source": "example.com", "category": "Uncategorized", "dwell_ms": 5000, "impressions": 2}


def test_regretted_items_seen_this_week(db):
    summary = weekly.weekly_summary(db, "2026-W02", "UTC")
    assert [(i["key"], i["dwell_ms"], i["note"]) for i in summary["regretted_items"]] == [(KEY["C"], 500, "doom scroll")]
    assert weekly.weekly_summary(db, "2026-W03", "UTC")["regretted_items"] == []


def test_sentences_are_filled_from_the_figures(db):
    summary = weekly.weekly_summary(db, "2026-W02", "UTC")
    # 6 impressions, dwell 3000+1000+2000+500+4000+700 = 11,200 ms, 2 clicks; nothing the week before.
    # Per platform: Hacker News 5 of 5 uncategorized (dwell 7,200 of 7,200); Reddit 1 of 1.
    # Regretted C: 500 of 11,200 ms = 4 %.
    assert summary["sentences"] == [
        "Your feeds showed you 6 items this week; they held your eyes for 11 s and you clicked 2 of them.",
        "You saw 100% Uncategorized on Hacker News this week; you spent 100% of your time there.",
        "You saw 100% Uncategorized on Reddit this week; you spent 100% of your time there.",
        "Your feeds covered the variety of 1.0 equally common topics.",
        "0% of the items were sponsored.",  # no clickbait scores yet: that half is left out
        "You had marked 1 item you saw this week as regretted; they took 4% of your time.",
    ]
    assert summary["finding"] is None  # two clicks are far from enough events for a lift


def test_a_week_without_data_says_so(db):
    summary = weekly.weekly_summary(db, "2025-W40", "UTC")
    assert summary["has_data"] is False
    assert summary["top_items"] == [] and summary["regretted_items"] == [] and summary["finding"] is None
    assert summary["sentences"] == [
        "No feed activity was recorded in 2025-W40 (2025-09-29 to 2025-10-05). If you browsed your feeds that week, "
        "check that the extension is installed and paired with this server (run 'feedaudit token')."]


def test_week_boundaries_follow_the_time_zone(client, auth, db):
    # Sunday 2026-01-11 22:00 in New York is Monday 03:00 UTC: week W02 there, W03 in UTC.
    late_sunday = int(dt.datetime(2026, 1, 12, 3, 0, tzinfo=dt.timezone.utc).timestamp() * 1000)
    # Monday 2026-01-05 05:00 in Tokyo is Sunday 20:00 UTC: W02 in Tokyo, W01 in UTC.
    early_monday = int(dt.datetime(2026, 1, 4, 20, 0, tzinfo=dt.timezone.utc).timestamp() * 1000)
    events = [ev.impression(ts=late_sunday, url="https://example.com/late", title="Late"),
              ev.impression(ts=early_monday, url="https://example.com/early", title="Early")]
    assert client.post("/api/v1/events", json={"events": events}, headers=auth).status_code == 200

    def shown(week, tz):
        return weekly.weekly_summary(db, week, tz)["metrics"]["totals"]["impressions"]

    assert (shown("2026-W01", "UTC"), shown("2026-W02", "UTC"), shown("2026-W03", "UTC")) == (1, 6, 1)
    assert (shown("2026-W02", "America/New_York"), shown("2026-W03", "America/New_York")) == (7, 0)
    assert (shown("2026-W01", "Asia/Tokyo"), shown("2026-W02", "Asia/Tokyo")) == (0, 7)
    period = weekly.weekly_summary(db, "2026-W02", "America/New_York")["period"]
    assert period == {"first_day": "2026-01-05", "last_day": "2026-01-11",
                      "from_ms": int(dt.datetime(2026, 1, 5, 5, tzinfo=dt.timezone.utc).timestamp() * 1000),
                      "to_ms": int(dt.datetime(2026, 1, 12, 5, tzinfo=dt.timezone.utc).timestamp() * 1000)}


def test_the_api_answers_the_same_object(client, auth, db):
    body = client.get("/api/v1/summary", query_string={"week": "2026-W02"}, headers=auth).get_json()
    assert body.pop("ok") is True
    assert body == weekly.weekly_summary(db, "2026-W02", "UTC")


def test_only_http_urls_are_kept():
    assert weekly.safe_url("https://a.example/x") == "https://a.example/x"
    assert weekly.safe_url("javascript:alert(1)") is None
    assert weekly.safe_url("data:text/html,<b>") is None
    assert weekly.safe_url(None) is None


def test_the_biggest_finding_needs_an_interval_that_excludes_zero():
    def lift(events, mean, low, high, status="ok"):
        return {"events": events, "mean": mean, "ci_low": low, "ci_high": high, "status": status}

    loop = {"window": 50, "lifts": {
        "youtube": {"Gaming": lift(34, 0.062, 0.021, 0.104), "Music": lift(40, 0.09, -0.01, 0.19)},
        "x": {"News & Politics": lift(25, -0.041, -0.07, -0.012), "Sports": lift(3, None, None, None, "not enough data")},
    }}
    found = weekly.biggest_finding(loop)
    assert (found["platform"], found["category"]) == ("youtube", "Gaming")  # Music's interval includes zero
    assert weekly.finding_sentence(found, 50) == (
        "On YouTube, after you engaged with Gaming, the next 50 items held 6 points more Gaming than the 50 before "
        "(95% interval +2 points to +10 points, 34 engagements).")
    assert weekly.biggest_finding({"window": 50, "lifts": {"x": {"Sports": lift(3, None, None, None, "not enough data")}}}) is None


def test_last_complete_week_in_the_local_time_zone():
    now = dt.datetime(2026, 1, 12, 1, 0, tzinfo=dt.timezone.utc)  # Monday 02:00 in Berlin, Sunday 20:00 in New York
    assert weekly.last_complete_week("Europe/Berlin", now) == "2026-W02"
    assert weekly.last_complete_week("America/New_York", now) == "2026-W01"


def test_the_documented_schema_names_every_field(db):
    import json
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "weekly-summary.schema.json").read_text())
    summary = weekly.weekly_summary(db, "2026-W02", "UTC")
    assert set(schema["required"]) == set(summary) == set(schema["properties"])
    assert schema["properties"]["schema_version"]["const"] == summary["schema_version"]
    item_fields = set(schema["$defs"]["item"]["required"])
    assert all(set(item) == item_fields for item in summary["top_items"])
    assert all(set(item) == item_fields | {"note"} for item in summary["regretted_items"])
    assert set(schema["properties"]["period"]["required"]) == set(summary["period"])
