"""A captured item titled <img src=x onerror=alert(1)> with the URL javascript:alert(1) is shown as text on every
report page, never as markup or a link, and no dialog opens."""

from __future__ import annotations

import sqlite3
import time

import pytest
import requests
from playwright.sync_api import expect

from feedaudit.routes.pages import NAV
from report.conftest import api_get
from support import events as ev

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_URL = "javascript:alert(1)"
CAPTURED_TS = 1_768_046_400_000  # 2026-01-10 12:00 UTC, inside the simulated fortnight
PARSED_KEY = "hackernews:99999901"


def hostile_events() -> list[dict]:
    """One item the Hacker News parser understands (its link is javascript:), one no parser understands."""
    parsed_html = ('<tr class="athing submission" id="99999901"><td class="title"><span class="titleline">'
                   '<a href="javascript:alert(1)">&lt;img src=x onerror=alert(1)&gt;</a></span></td></tr>')
    parsed = ev.impression(rank=1, ts=CAPTURED_TS, url=None, title=None, html=parsed_html)
    unparsed = ev.impression(rank=2, ts=CAPTURED_TS + 1000, platform="youtube", surface="home",
                             page_url="https://www.youtube.com/", url=HOSTILE_URL, title=HOSTILE_TITLE,
                             html="<div>nothing a parser knows</div>")
    return [parsed, unparsed, ev.dwell(parsed["id"], 90_000), ev.dwell(unparsed["id"], 60_000)]


def wait_until_processed(server, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api_get(server, "/api/v1/status")
        if status["queue"]["unparsed"] == 0 and not any(status["understanding"].values()):
            return
        time.sleep(1)
    raise AssertionError(f"the pipeline did not finish within {timeout}s: {status}")


@pytest.fixture
def hostile_server(fresh_demo_server):
    """The simulated database plus hostile items: through the real ingest API and pipeline, and written
    straight into the items table (an embedded, categorized item whose title and URL a parser would never give)."""
    server = fresh_demo_server
    answer = requests.post(server.url + "/api/v1/events", json={"events": hostile_events()},
                           headers=server.auth_headers(), timeout=30)
    assert answer.json()["stored"] == 4, answer.text
    wait_until_processed(server)
    with sqlite3.connect(server.db_path, timeout=30) as db:
        (key,) = db.execute("SELECT key FROM items WHERE category_id IS NOT NULL AND text_hash IS NOT NULL"
                            " ORDER BY key LIMIT 1").fetchone()
        db.execute("UPDATE items SET title = ?, url = ?, author = ? WHERE key = ?", (HOSTILE_TITLE, HOSTILE_URL, HOSTILE_TITLE, key))
    server.direct_key = key
    return server


def assert_inert(page) -> None:
    """No javascript: link, no element made from the title, no dialog."""
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.problems.dialogs == []


def test_hostile_item_renders_as_text_on_every_page(hostile_server, report_page):
    server = hostile_server
    stored = {item["key"]: item for item in api_get(server, "/api/v1/explorer/items", q="onerror", per_page=100)["items"]}
    assert stored[PARSED_KEY]["title"] == HOSTILE_TITLE and stored[PARSED_KEY]["url"] is None
    assert stored[server.direct_key]["url"] == HOSTILE_URL and stored[server.direct_key]["link"] is None
    assert any(item["url"] == HOSTILE_URL and item["platform"] == "youtube" for item in stored.values())

    for path, _label in NAV:
        report_page.goto(server.url + path)
        report_page.wait_for_load_state("networkidle")
        assert_inert(report_page)

    report_page.goto(server.url + "/explorer?q=onerror")
    cards = report_page.locator("article.item")
    expect(cards).to_have_count(len(stored))
    for title in cards.locator("h2").all():
        assert title.inner_text() == HOSTILE_TITLE
    report_page.get_by_label("Seen from").fill("2026-01-10")
    report_page.get_by_label("Seen until (inclusive)").fill("2026-01-10")
    report_page.get_by_role("button", name="Search").click()
    expect(report_page.locator("#explorer-status")).to_contain_text("items match")

    # Similar items of the directly written item's neighbours list the hostile title as text.
    neighbour = api_get(server, "/api/v1/explorer/similar", key=server.direct_key, limit=1)["items"][0]
    report_page.goto(server.url + "/explorer?" + requests.compat.urlencode({"q": neighbour["title"]}))
    card = report_page.locator("article.item", has_text=neighbour["title"]).first
    card.get_by_role("button", name="Similar items").click()
    expect(card.locator(".similar")).to_contain_text(HOSTILE_TITLE)
    assert_inert(report_page)
    # The explorer's own requests all succeeded (other pages are checked for inertness above).
    assert [r for r in report_page.problems.failed_requests if "/explorer" in r] == []
