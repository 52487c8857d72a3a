"""Privacy switches: global pause, a disabled platform and private (incognito) windows
record nothing, while the same pages are recorded when allowed."""

from __future__ import annotations

import json
import re

import pytest

from extension_harness import EXTENSION_DIR, feed_page

pytestmark = pytest.mark.browser

FEED_URL = "https://news.ycombinator.com/"
REDDIT_URL = "https://old.reddit.com/r/Python/"
OLD_REDDIT_PAGE = (
    "<!doctype html><html><body><div id='siteTable'>"
    "<div class='thing link' data-fullname='t3_a'><a class='title' href='/r/Python/comments/a/one/'>One</a></div>"
    "</div></body></html>"
)


def recorded_platforms(db) -> list[str]:
    return [r["platform"] for r in db.rows("SELECT platform FROM impressions ORDER BY platform")]


def test_pause_records_nothing_until_resumed(paired, db):
    paired.settings(paused=True)
    page = paired.open(FEED_URL, feed_page(["Story 1", "Story 2"]))
    page.wait_for_timeout(3000)
    assert db.count("impressions") == 0
    assert paired.queue_stats()["length"] == 0
    paired.settings(paused=False)  # resuming starts a fresh page view on the open page
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 2)
    assert sorted(r["rank"] for r in rows) == [1, 2]


def test_popup_pause_toggle_stops_recording(paired, db):
    popup = paired.extension_page("popup.html")
    popup.check("#paused")
    popup.wait_for_timeout(300)
    assert paired.storage_get("settings")["paused"] is True
    page = paired.open(FEED_URL, feed_page(["Story 1"]))
    page.wait_for_timeout(3000)
    assert db.count("impressions") == 0


def test_disabled_platform_records_nothing_while_others_do(paired, db):
    options = paired.extension_page("options.html")
    options.uncheck("#platform-hackernews")
    options.wait_for_timeout(300)
    assert paired.storage_get("settings")["platforms"] == {"hackernews": False}
    hn = paired.open(FEED_URL, feed_page(["Story 1", "Story 2"]))
    reddit = paired.open(REDDIT_URL, OLD_REDDIT_PAGE)
    db.wait_for("SELECT platform FROM impressions", lambda rows: len(rows) >= 1)
    hn.bring_to_front()
    hn.wait_for_timeout(2500)
    assert recorded_platforms(db) == ["reddit"]
    assert reddit.url == REDDIT_URL


def test_incognito_records_nothing(paired, db, web):
    manifest = json.loads((EXTENSION_DIR / "manifest.json").read_text())
    assert manifest["incognito"] == "not_allowed"  # the extension cannot even be enabled there
    private = paired.context.browser.new_context()  # an off-the-record profile of the same browser
    private.route(re.compile(r"^https?://(?!(?:127\.0\.0\.1|localhost)[:/])"), web.handle)
    web.add(FEED_URL, feed_page(["Story 1", "Story 2"]))
    private_page = private.new_page()
    private_page.goto(FEED_URL)
    private_page.wait_for_timeout(3000)
    assert db.count("impressions") == 0
    private.close()
    paired.open(FEED_URL)  # the same page in a normal window is recorded
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 2)
    assert sorted(r["rank"] for r in rows) == [1, 2]
