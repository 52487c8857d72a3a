"""Mutated real pages against the parsers: no exception escapes ``feedaudit.parsing``, and what
cannot be understood becomes ``parse_status = "failed"`` with a reason, in the pipeline too.

The inputs are the real saved pages of ../shared/fixtures/pages/ (see its
PROVENANCE.md) cut into the items the site definitions select, as the extension
captures them, then damaged: truncated, spliced, stripped of attributes,
nested thousands deep, salted with NULs, lone surrogates, bidi overrides and
script. Skips, saying why, only when ../shared is absent.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedaudit import ingest, processing, sites, storage
from feedaudit.parsing import ITEM_FIELDS, build_tree, parse_item, parse_page
from support import events as ev
from support.fixture_pages import PAGE_URLS, PAGES_DIR

CAPTURED_AT = 1_767_600_000_000
STATUSES = {"parsed", "partial", "failed"}
INSERTS = ["<", "</div>", "<div>" * 2000, "</a></a></span>", "\x00", "\ud800", "\u202e\u2066", "&#0;", "&#xD800;",
           '<a href="javascript:alert(1)">x</a>', "<script>alert(1)</script>", '<img src=x onerror="alert(1)">',
           "<![CDATA[", "<!--", "<?xml?>", "\ufeff", 'data-x="' + "y" * 5000, "<svg><foreignObject><math>"]
FUZZ = settings(max_examples=600, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def captured_items() -> tuple[tuple[str, str, str, str], ...]:
    """(platform, surface, page URL, item HTML) for every item the site definitions select."""
    items = []
    for relative, url in sorted(PAGE_URLS.items()):
        definition = sites.definition_for_url(url, opted_in_news=True)
        surface = sites.surface_for_url(definition, url)
        html = (PAGES_DIR / relative).read_text(encoding="utf-8", errors="replace")
        for element in sites.select_items(build_tree(html, definition.id), surface)[:25]:
            items.append((definition.id, surface.name, url, str(element)))
    return tuple(items)


@pytest.fixture(scope="module", autouse=True)
def real_pages(request):
    if not PAGES_DIR.is_dir():
        pytest.skip(f"{PAGES_DIR} is absent: the saved real pages are needed for this test")
    assert len(captured_items()) > 100


@st.composite
def damaged(draw, html: str) -> str:
    """``html`` after one to three cuts, splices and insertions at drawn places."""
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        size = len(html)
        a, b = sorted(draw(st.tuples(st.integers(0, size), st.integers(0, size))))
        operation = draw(st.sampled_from(["truncate", "slice", "delete", "insert", "duplicate", "strip attributes"]))
        if operation == "truncate":
            html = html[:b]
        elif operation == "slice":
            html = html[a:b]
        elif operation == "delete":
            html = html[:a] + html[b:]
        elif operation == "insert":
            html = html[:a] + draw(st.sampled_from(INSERTS) | st.text(max_size=20)) + html[a:]
        elif operation == "duplicate":
            html = html[:b] + html[a:b] + html[b:]
        else:
            html = html.replace(draw(st.sampled_from(['href="', 'class="', "id=", "data-", "<a ", "<time"])), " ")
    return html


@st.composite
def damaged_items(draw):
    platform, surface, url, html = draw(st.sampled_from(captured_items()))
    return platform, surface, url, draw(damaged(html))


def assert_well_formed(item: dict) -> None:
    assert set(ITEM_FIELDS) <= set(item)
    assert item["parse_status"] in STATUSES
    if item["parse_status"] == "failed":
        assert isinstance(item["parse_error"], str) and item["parse_error"]
    else:
        assert item["key"], item
    assert item["title"] is None or len(item["title"]) <= 500
    assert item["text"] is None or len(item["text"]) <= 5000
    assert item["url"] is None or item["url"].startswith(("http://", "https://"))


@FUZZ
@given(case=damaged_items(), platform_mixup=st.booleans())
def test_damaged_real_items_never_raise(case, platform_mixup):
    platform, surface, url, html = case
    if platform_mixup:  # the right HTML under another platform's parser
        platform = {"youtube": "reddit", "reddit": "x", "x": "hackernews"}.get(platform, "youtube")
    assert_well_formed(parse_item(platform, html, url, surface, CAPTURED_AT))


SMALL_PAGES = [(r, u) for r, u in sorted(PAGE_URLS.items()) if r.startswith(("hackernews/", "reddit/old-"))]


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_damaged_real_pages_never_raise(data):
    relative, url = data.draw(st.sampled_from(SMALL_PAGES))
    html = data.draw(damaged((PAGES_DIR / relative).read_text(encoding="utf-8", errors="replace")))
    for item in parse_page(html, url, CAPTURED_AT):
        assert_well_formed(item)


def test_items_nobody_can_parse_are_failed_with_a_reason_in_the_pipeline(tmp_path):
    """Through ingest and the parse job: unreadable captures end as failed items that say why."""
    platform, surface, url, html = next(i for i in captured_items() if i[0] == "hackernews")
    unreadable = ["\x00\x00", "<", "<div>" * 3000, html[:40], "plain words, no markup", "<svg><math></math></svg>"]
    db = storage.connect(tmp_path / "feedaudit.db")
    events = [ev.impression(rank=n + 1, platform=platform, surface=surface, page_url=url, url=None, title=None,
                            html=broken) for n, broken in enumerate(unreadable)]
    ingest.ingest(db, {"events": events})
    while processing.parse_pending(db):
        pass
    rows = db.execute("SELECT i.parse_status, it.parse_status, it.parse_error FROM impressions i"
                      " JOIN items it ON it.key = i.item_key ORDER BY i.rank").fetchall()
    db.close()
    assert len(rows) == len(unreadable)
    for impression_status, item_status, reason in rows:
        assert (impression_status, item_status) == ("failed", "failed")
        assert reason
