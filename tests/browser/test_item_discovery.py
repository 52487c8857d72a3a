"""Discovery that looks only at what changed, and the viewability rule for items taller
than two screens: items revealed by un-hiding a kept page, items added in several places
at once (ranked in document order), and a tall item that counts once it fills half the
screen, not before."""

from __future__ import annotations

import pytest

from extension_harness import feed_rows

pytestmark = pytest.mark.browser

HN_URL = "https://news.ycombinator.com/"
YOUTUBE_URL = "https://www.youtube.com/"
SCREEN_PX = 800
TALL_PX = 2400  # three screens: its visible share can never reach 50%


def youtube_item(video_id: str, title: str) -> str:
    return (
        f'<ytd-rich-item-renderer><a id="thumbnail" href="/watch?v={video_id}">thumb</a>'
        f'<h3><a id="video-title-link" href="/watch?v={video_id}"><span id="video-title">{title}</span></a></h3>'
        "</ytd-rich-item-renderer>"
    )


def youtube_home(hidden: bool) -> str:
    """YouTube keeps pages in the DOM and shows one by removing `hidden` (home: ytd-browse)."""
    items = "".join(youtube_item(f"vid{n:08d}", f"Video {n}") for n in range(1, 4))
    return (
        "<!doctype html><html><head><style>body { margin: 0; } ytd-rich-item-renderer { display: block; height: 150px; }"
        "</style></head><body><ytd-app><ytd-page-manager>"
        f"<ytd-browse{' hidden' if hidden else ''}><div id='contents'>{items}</div></ytd-browse>"
        "</ytd-page-manager></ytd-app></body></html>"
    )


def hn_document(rows: list[str], style: str = "", top_spacer_px: int = 0) -> str:
    return (
        "<!doctype html><html><head><style>body { margin: 0; } tr.athing td { height: 100px; }"
        f"{style}</style></head><body><div style='height: {top_spacer_px}px'></div><table id='feed'>{''.join(rows)}</table>"
        "<div style='height: 3000px'></div></body></html>"
    )


def test_items_of_a_page_shown_by_removing_hidden_are_captured(paired, db):
    page = paired.open(YOUTUBE_URL, youtube_home(hidden=True))
    page.wait_for_timeout(2500)  # running, nothing to record: the items are hidden
    assert db.count("impressions") == 0

    page.evaluate("document.querySelector('ytd-browse').removeAttribute('hidden')")  # no node is added
    rows = db.wait_for("SELECT rank, title_hint, url_hint FROM impressions ORDER BY rank", lambda rows: len(rows) == 3)
    assert [(r["rank"], r["title_hint"], r["url_hint"]) for r in rows] == [
        (n, f"Video {n}", f"https://www.youtube.com/watch?v=vid{n:08d}") for n in range(1, 4)
    ]


def test_items_added_in_several_places_at_once_are_ranked_in_document_order(paired, db):
    page = paired.open(HN_URL, hn_document(feed_rows(["Story 1", "Story 2"])))
    db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 2)

    # One task, bottom first: the mutation records list the bottom row before the top row.
    page.evaluate(
        """([bottom, top]) => {
          const feed = document.querySelector('#feed tbody');
          feed.insertAdjacentHTML('beforeend', bottom);
          feed.insertAdjacentHTML('afterbegin', top);
        }""",
        ["".join(feed_rows(["Bottom"], first=3)), "".join(feed_rows(["Top"], first=4))],
    )
    rows = db.wait_for("SELECT rank, title_hint FROM impressions ORDER BY rank", lambda rows: len(rows) == 4)
    paired.sleep(1.0)  # nothing else arrives
    assert [(r["rank"], r["title_hint"]) for r in db.rows("SELECT rank, title_hint FROM impressions ORDER BY rank")] == [
        (1, "Story 1"), (2, "Story 2"), (3, "Top"), (4, "Bottom"),
    ]


def test_item_taller_than_two_screens_counts_once_it_fills_half_the_screen(paired, db):
    # Rank 1 is a normal row; rank 2 (id 1002) is three screens tall; both start below the screen.
    style = f"tr[id='1002'] td {{ height: {TALL_PX}px; }}"
    document = hn_document(feed_rows(["Short", "Tall"]), style, top_spacer_px=2 * SCREEN_PX)
    page = paired.open(HN_URL, document, height=SCREEN_PX)
    top = page.evaluate("document.getElementById('1002').getBoundingClientRect().top + scrollY")

    page.evaluate("(y) => window.scrollTo(0, y)", top - SCREEN_PX + 360)  # 360 px of it: 45% of the screen
    db.wait_for("SELECT rank FROM impressions", lambda rows: [r["rank"] for r in rows] == [1])
    page.wait_for_timeout(2000)  # well over a second at 45%
    assert [r["rank"] for r in db.rows("SELECT rank FROM impressions")] == [1]

    page.evaluate("(y) => window.scrollTo(0, y)", top - SCREEN_PX + 440)  # 440 px: 55% of the screen
    rows = db.wait_for("SELECT rank, title_hint FROM impressions ORDER BY rank", lambda rows: len(rows) == 2)
    assert [(r["rank"], r["title_hint"]) for r in rows] == [(1, "Short"), (2, "Tall")]
