"""Only the items near those on screen are watched by the visibility observer (its cost
grows with every observed element); nothing is missed for it: a jump far down the feed
and back, and items inserted above known ones (which turn the window off)."""

from __future__ import annotations

import json

import pytest

from extension_harness import ContentScriptWorld, feed_page, feed_rows

pytestmark = pytest.mark.browser

FEED_URL = "https://news.ycombinator.com/"
MIN_MARGIN = 40  # content/observation-window.js
STATE = """(() => {
  const items = feedAudit.recorder.pageView.items;
  const ranks = (records) => records.map((r) => r.rank).sort((a, b) => a - b);
  return {
    records: items.records.length,
    observed: ranks(items.records.filter((r) => r.observed)),
    onScreen: ranks([...items.window.onScreen]),
    enabled: items.window.enabled,
  };
})()"""
INSERT_AT_TOP = "(rows) => document.querySelector('#feed tbody').insertAdjacentHTML('afterbegin', rows)"


def show(page, item_id: int) -> None:
    page.evaluate(f"document.getElementById('{item_id}').scrollIntoView({{block: 'start'}})")


def impression_ranks(db) -> set[int]:
    return {r["rank"] for r in db.rows("SELECT rank FROM impressions")}


def dwell_of(db, rank: int) -> int:
    rows = db.rows("SELECT max(d.visible_ms) AS ms FROM dwell d JOIN impressions i ON i.id = d.impression_id WHERE i.rank = ?", (rank,))
    return rows[0]["ms"] or 0


def test_a_long_feed_observes_items_near_the_screen_and_a_jump_misses_nothing(paired, db):
    page = paired.open(FEED_URL, feed_page([f"Story {n}" for n in range(1, 301)], row_px=100))
    world = ContentScriptWorld(paired.context, page, paired.extension_id)
    db.wait_for("SELECT rank FROM impressions", lambda rows: {1, 2, 3, 4, 5} <= {r["rank"] for r in rows})
    top = world.evaluate(STATE)
    assert top["records"] == 300 and top["enabled"]
    assert top["onScreen"][0] == 1
    last_on_screen = top["onScreen"][-1]
    # A window of ranks 1 .. last on screen + margin, nothing beyond.
    assert top["observed"] == list(range(1, top["observed"][-1] + 1))
    assert last_on_screen + MIN_MARGIN <= top["observed"][-1] < 300
    db.wait_for("SELECT visible_ms FROM dwell", lambda rows: dwell_of(db, 1) > 0)
    dwell_before = dwell_of(db, 1)

    # A jump from the top to rank 150: the window follows, the items there count.
    show(page, 1150)
    db.wait_for("SELECT rank FROM impressions", lambda rows: 150 in {r["rank"] for r in rows})
    middle = world.evaluate(STATE)
    assert middle["onScreen"][0] == 150
    assert middle["observed"] == list(range(middle["observed"][0], middle["observed"][-1] + 1))
    assert middle["observed"][0] <= 150 - MIN_MARGIN and middle["observed"][-1] >= middle["onScreen"][-1] + MIN_MARGIN
    assert 1 not in middle["observed"] and len(middle["observed"]) < 300

    # And back to the top: rank 1's dwell clock runs again.
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(2500)
    assert world.evaluate(STATE)["observed"][0] == 1
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # stops the clock; flushed on the next update
    db.wait_for("SELECT visible_ms FROM dwell", lambda rows: dwell_of(db, 1) >= dwell_before + 2000)
    ranks = impression_ranks(db)
    assert not ranks & set(range(20, 140))  # never on screen, never recorded


def test_items_inserted_above_known_ones_turn_the_window_off_and_are_captured(paired, db):
    page = paired.open(FEED_URL, feed_page([f"Story {n}" for n in range(1, 201)], row_px=100))
    world = ContentScriptWorld(paired.context, page, paired.extension_id)
    db.wait_for("SELECT rank FROM impressions", lambda rows: {1, 2, 3} <= {r["rank"] for r in rows})
    assert world.evaluate(STATE)["enabled"]

    page.evaluate(INSERT_AT_TOP, "".join(feed_rows(["New A", "New B"], id_base=5000)))
    rows = db.wait_for("SELECT rank, title_hint FROM impressions WHERE rank > 200", lambda rows: len(rows) == 2)
    assert sorted((r["rank"], r["title_hint"]) for r in rows) == [(201, "New A"), (202, "New B")]
    state = world.evaluate(STATE)
    assert not state["enabled"]
    assert state["observed"] == list(range(1, 203))  # every item watched again, as without a window


def test_the_order_check_compares_only_items_that_entered_in_the_same_frame(paired):
    """One observer callback can carry several frames' entries (a busy page during a smooth
    scroll), even two of one item: tops from different frames are different scroll positions."""
    page = paired.open(FEED_URL, feed_page(["Story 1"]))
    world = ContentScriptWorld(paired.context, page, paired.extension_id)

    def in_order(entries: list[dict]) -> bool:
        return world.evaluate(f"feedAudit.inFeedOrder({json.dumps(entries)})")

    # Frame 100: ranks 60 and 61 enter at the bottom; frame 116, 243 px further down: both again.
    two_frames = [{"rank": 60, "top": 784, "time": 100}, {"rank": 60, "top": 541, "time": 116},
                  {"rank": 61, "top": 784, "time": 100}, {"rank": 61, "top": 541, "time": 116}]
    assert in_order(two_frames) is True
    # A later rank drawn higher up, but in a later frame (the page scrolled on): still feed order.
    assert in_order([{"rank": 61, "top": 800, "time": 100}, {"rank": 62, "top": 300, "time": 133}]) is True
    # In one frame, rank 62 drawn 200 px above rank 61: not feed order.
    assert in_order([{"rank": 61, "top": 500, "time": 100}, {"rank": 62, "top": 300, "time": 100}]) is False
    # Within the tolerance (a row of a grid drawn a little higher): feed order.
    assert in_order([{"rank": 61, "top": 500, "time": 100}, {"rank": 62, "top": 420, "time": 100}]) is True


def test_a_smooth_scroll_of_a_busy_feed_keeps_the_window(paired, db):
    """Smooth scrolling draws many frames; a page busy in each of them makes the observer batch
    several frames' entries in one callback, which must not read as items out of feed order."""
    busy = ("<script>requestAnimationFrame(function burn() {"
            " const end = performance.now() + 12; while (performance.now() < end); requestAnimationFrame(burn); });</script>")
    html = feed_page([f"Story {n}" for n in range(1, 301)], row_px=100).replace("</body>", busy + "</body>")
    page = paired.open(FEED_URL, html)
    world = ContentScriptWorld(paired.context, page, paired.extension_id)
    db.wait_for("SELECT rank FROM impressions", lambda rows: 1 in {r["rank"] for r in rows})
    for screen in range(1, 13):
        page.evaluate("(y) => window.scrollTo({top: y, behavior: 'smooth'})", screen * 800)
        page.wait_for_timeout(700)
    state = world.evaluate(STATE)
    assert state["enabled"], "the window turned itself off during a smooth scroll"
    assert 1 not in state["observed"] and len(state["observed"]) < 150


def test_a_feed_laid_out_against_its_rank_order_turns_the_window_off(paired, db):
    """Items that enter the screen in one frame, later ranks drawn higher up (here the site's
    stylesheet reverses the feed): ranks do not follow the layout, so every item is observed."""
    reverse = "<style>#feed tbody { display: flex; flex-direction: column-reverse; } #feed tr { display: block; }</style>"
    html = feed_page([f"Story {n}" for n in range(1, 201)], row_px=150).replace("</head>", reverse + "</head>")
    page = paired.open(FEED_URL, html)
    world = ContentScriptWorld(paired.context, page, paired.extension_id)
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) >= 3)
    state = world.evaluate(STATE)
    assert not state["enabled"]
    assert state["observed"] == list(range(1, 201))
    assert 200 in {r["rank"] for r in rows}  # the last rank is drawn at the top
