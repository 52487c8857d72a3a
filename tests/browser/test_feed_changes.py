"""Infinite scroll, re-rendering and single-page navigation: new items are captured,
no item is counted twice within a page view, and ranks continue where they left off."""

from __future__ import annotations

import pytest

from extension_harness import feed_page, feed_rows

pytestmark = pytest.mark.browser

FEED_URL = "https://news.ycombinator.com/"
APPEND_ROWS = "(rows) => document.getElementById('feed').insertAdjacentHTML('beforeend', rows)"
# A framework re-render: every row replaced by an identical new element.
RERENDER_ALL = """() => {
  const feed = document.getElementById('feed');
  feed.innerHTML = feed.innerHTML;
}"""
SPA_NAVIGATE = """(rows) => {
  history.pushState({}, '', '/newest');
  document.getElementById('feed').innerHTML = rows;
  window.scrollTo(0, 0);
}"""


def impressions(db, page_url: str) -> list[dict]:
    return db.rows("SELECT rank, url_hint, title_hint, surface FROM impressions WHERE page_url = ? ORDER BY rank", (page_url,))


def titles_by_rank(rows) -> dict[int, str]:
    return {r["rank"]: r["title_hint"] for r in rows}


def test_infinite_scroll_rerender_and_spa_navigation(paired, db):
    # 5 items of 120 px fit on an 800 px screen.
    page = paired.open(FEED_URL, feed_page([f"Story {n}" for n in range(1, 6)], row_px=100))
    db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 5)

    # The site appends items 6-10 below (infinite scroll); the person scrolls down to them.
    page.evaluate(APPEND_ROWS, "".join(feed_rows([f"Story {n}" for n in range(6, 11)], first=6)))
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) >= 9)

    # A re-render replaces every element while items are on screen, then the person scrolls around.
    page.evaluate(RERENDER_ALL)
    page.wait_for_timeout(1500)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(1500)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(1500)
    first_view = impressions(db, FEED_URL)
    assert titles_by_rank(first_view) == {n: f"Story {n}" for n in range(1, 11)}
    assert {r["surface"] for r in first_view} == {"front"}

    # Single-page navigation to /newest: a new page view, ranks start again at 1.
    page.evaluate(SPA_NAVIGATE, "".join(feed_rows([f"New {n}" for n in range(1, 4)], id_base=2000)))
    newest_url = "https://news.ycombinator.com/newest"
    rows = db.wait_for("SELECT rank FROM impressions WHERE page_url = ?", lambda rows: len(rows) == 3, params=(newest_url,))
    paired.sleep(1.5)
    newest = impressions(db, newest_url)
    assert titles_by_rank(newest) == {1: "New 1", 2: "New 2", 3: "New 3"}
    assert {r["surface"] for r in newest} == {"new"}
    assert len(impressions(db, FEED_URL)) == 10  # nothing more was added to the first page view
    assert len(rows) == 3
