"""Dwell is attended time at >= 50% on screen: ~3 s in view reports 3 s +- 0.5 s, and
the clock stops while the tab is hidden. An impression needs one continuous second."""

from __future__ import annotations

import pytest

from extension_harness import ContentScriptWorld, feed_page

pytestmark = pytest.mark.browser

FEED_URL = "https://news.ycombinator.com/"
# Item 1 starts 1500 px down: out of an 800 px viewport until the test scrolls to it.
PAGE = feed_page([f"Story {n}" for n in range(1, 6)], row_px=100, top_spacer_px=1500)
SHOW_FIRST_ITEM = "document.getElementById('1001').scrollIntoView({block: 'center'})"


def final_dwell(browser, db, rank: int) -> int:
    sql = "SELECT d.visible_ms FROM dwell d JOIN impressions i ON i.id = d.impression_id WHERE i.rank = ?"
    db.wait_for(sql, lambda rows: len(rows) == 1, params=(rank,))
    browser.sleep(1.2)  # later cumulative updates would have arrived by now
    return db.rows(sql, (rank,))[0]["visible_ms"]


def test_item_held_in_view_three_seconds_dwells_three_seconds(paired, db):
    page = paired.open(FEED_URL, PAGE)
    page.wait_for_timeout(1000)  # the content script is running before anything is shown
    page.evaluate(SHOW_FIRST_ITEM)
    page.wait_for_timeout(3000)
    page.evaluate("window.scrollTo(0, 0)")
    visible_ms = final_dwell(paired, db, rank=1)
    assert 2500 <= visible_ms <= 3500


def test_dwell_stops_while_the_tab_is_hidden(paired, db):
    page = paired.open(FEED_URL, PAGE)
    world = ContentScriptWorld(paired.context, page, paired.extension_id)
    page.wait_for_timeout(1000)
    page.evaluate(SHOW_FIRST_ITEM)
    page.wait_for_timeout(1500)  # counted: visible tab
    world.set_hidden(True)
    page.wait_for_timeout(3000)  # not counted: hidden tab, item still on screen
    world.set_hidden(False)
    page.wait_for_timeout(1000)  # counted again
    page.evaluate("window.scrollTo(0, 0)")
    visible_ms = final_dwell(paired, db, rank=1)
    assert 2000 <= visible_ms <= 3000  # 1.5 s + 1 s, not 5.5 s


def test_no_impression_while_hidden(paired, db):
    page = paired.open(FEED_URL, PAGE)
    world = ContentScriptWorld(paired.context, page, paired.extension_id)
    page.wait_for_timeout(1000)
    world.set_hidden(True)
    page.evaluate(SHOW_FIRST_ITEM)
    page.wait_for_timeout(2500)
    assert db.count("impressions") == 0
    world.set_hidden(False)  # now it is seen: one second later it counts
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: 1 in {r["rank"] for r in rows})
    assert sorted(r["rank"] for r in rows) == sorted(set(r["rank"] for r in rows))


# Two glimpses of 0.6 s, 0.2 s apart, timed inside the page (a busy test process cannot
# stretch them): one second after the first began, the item is on screen again.
TWO_GLIMPSES = """async () => {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let glimpse = 0; glimpse < 2; glimpse += 1) {
    document.getElementById('1001').scrollIntoView({block: 'center'});
    await pause(600);
    window.scrollTo(0, 0);
    await pause(200);
  }
}"""


def test_glimpses_under_a_second_are_no_impression_and_each_restarts_the_second(paired, db):
    page = paired.open(FEED_URL, PAGE)
    page.wait_for_timeout(1000)
    page.evaluate(TWO_GLIMPSES)  # 1.2 s in view in all, never for one continuous second
    page.wait_for_timeout(2500)
    assert db.count("impressions") == 0
    page.evaluate(SHOW_FIRST_ITEM)  # held now: it counts after its second
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: 1 in {r["rank"] for r in rows})
    assert len(rows) == len({r["rank"] for r in rows})


def test_dwell_stops_when_the_person_is_idle(paired, db):
    paired.settings(idleMs=1500)  # 60 s in use; shortened through storage like any setting
    page = paired.open(FEED_URL, PAGE)
    page.wait_for_timeout(1000)
    page.evaluate(SHOW_FIRST_ITEM)  # scrolling is input: the idle clock starts here
    page.wait_for_timeout(4000)  # no input: idle after 1.5 s, item still on screen
    page.evaluate("window.scrollTo(0, 0)")
    visible_ms = final_dwell(paired, db, rank=1)
    assert 1000 <= visible_ms <= 2000
