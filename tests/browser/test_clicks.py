"""Clicks on feed items, middle and modified clicks included, and the `view` of the
page a click leads to, linked to the clicked impression."""

from __future__ import annotations

import json

import pytest

from extension_harness import feed_page, item_page

pytestmark = pytest.mark.browser

FEED_URL = "https://news.ycombinator.com/"


def impression_id(db, rank: int) -> str:
    return db.rows("SELECT id FROM impressions WHERE rank = ?", (rank,))[0]["id"]


def test_left_middle_and_ctrl_clicks_are_recorded(paired, db):
    for n in (1001, 1002, 1003):
        paired.web.add(f"https://news.ycombinator.com/item?id={n}", item_page(f"Story {n - 1000}"))
    page = paired.open(FEED_URL, feed_page(["Story 1", "Story 2", "Story 3"]))
    db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 3)

    with paired.context.expect_page():
        page.click("#\\31 002 .titleline a", button="middle")  # opens a background tab
    with paired.context.expect_page():
        page.click("#\\31 003 .titleline a", modifiers=["Control"])
    page.click("#\\31 001 .titleline a")  # navigates away: the click must still arrive
    rows = db.wait_for("SELECT * FROM clicks ORDER BY href", lambda rows: len(rows) == 3)
    assert [(r["impression_id"], r["href"], r["button"], r["modifiers"] and json.loads(r["modifiers"])) for r in rows] == [
        (impression_id(db, 1), "https://news.ycombinator.com/item?id=1001", 0, None),
        (impression_id(db, 2), "https://news.ycombinator.com/item?id=1002", 1, None),
        (impression_id(db, 3), "https://news.ycombinator.com/item?id=1003", 0, ["ctrl"]),
    ]


def test_view_after_a_click_is_linked_to_the_impression(paired, db):
    paired.web.add("https://news.ycombinator.com/item?id=1001", item_page("Story 1"))
    page = paired.open(FEED_URL, feed_page(["Story 1", "Story 2"]))
    db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 2)
    page.click("#\\31 001 .titleline a")
    page.wait_for_url("https://news.ycombinator.com/item?id=1001")
    page.wait_for_timeout(2000)  # time spent reading the item page
    page.goto("about:blank")  # leaving sends the final view update
    rows = db.wait_for("SELECT * FROM views", lambda rows: len(rows) == 1 and rows[0]["active_ms"] >= 1500)
    view = rows[0]
    assert view["url"] == "https://news.ycombinator.com/item?id=1001"
    assert view["platform"] == "hackernews"
    assert view["impression_id"] == impression_id(db, 1)
    assert 1500 <= view["active_ms"] <= 3500


def test_article_opened_from_the_feed_gets_a_view(paired, db):
    article = "https://blog.example.com/posts/deep-dive"
    paired.web.add(article, item_page("A deep dive"))
    feed = feed_page(["Story 1"]).replace("https://news.ycombinator.com/item?id=1001", article)
    page = paired.open(FEED_URL, feed)
    db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 1)
    page.click("#\\31 001 .titleline a")
    page.wait_for_url(article)
    page.wait_for_timeout(2000)  # reading the article, tab active in the focused window
    page.goto("about:blank")
    rows = db.wait_for("SELECT * FROM views", lambda rows: len(rows) == 1)
    view = rows[0]
    assert (view["url"], view["platform"], view["impression_id"]) == (article, "hackernews", impression_id(db, 1))
    assert 1500 <= view["active_ms"] <= 3500
