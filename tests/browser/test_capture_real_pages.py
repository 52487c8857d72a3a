"""Saved real pages served at their real hostnames: what is scrolled into view arrives
as impressions (platform, surface, rank, hints, HTML); what never was is not recorded."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from feedaudit.parsing import parse_item

from extension_harness import shared_page, without_scripts

pytestmark = pytest.mark.browser

# Geometry oracle, independent of the extension: ranks (outermost matches in document
# order) of the items at least half inside the viewport right now.
HALF_VISIBLE_RANKS = """(selector) => {
  const items = [...document.querySelectorAll(selector)].filter((e) => !e.parentElement.closest(selector));
  const ranks = [];
  items.forEach((element, index) => {
    const r = element.getBoundingClientRect();
    const seenH = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    const seenW = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
    const ratio = r.width * r.height > 0 ? (seenH * seenW) / (r.width * r.height) : 0;
    // MRC: half of the item, or half of the screen for items taller than two screens.
    if (ratio >= 0.5 || (ratio > 0 && seenH >= 0.5 * innerHeight)) ranks.push(index + 1);
  });
  return ranks;
}"""
SCROLL_ITEM_INTO_VIEW = """([selector, which]) => {
  const items = [...document.querySelectorAll(selector)].filter((e) => !e.parentElement.closest(selector));
  if (which === "first") items[0].scrollIntoView({block: "start"});
  else items[items.length - 1].scrollIntoView({block: "end"});
  return items.length;
}"""
# The sites' stylesheets are not served; without them inline SVG icons render at
# 300x150 and pages grow to hundreds of screens. A few rules stand in for them.
STAND_IN_CSS = "<style>svg { width: 16px; height: 16px; } img { max-height: 120px; }</style>"


@dataclass(frozen=True)
class Case:
    fixture: str
    url: str
    platform: str
    surface: str
    selector: str  # this surface's item selectors in sites.json, joined
    item_count: int  # counted by hand in the saved page
    first: tuple[str | None, str | None]  # rank 1: (url hint, title hint start)
    last: tuple[str | None, str | None]
    html_markers: tuple[str, ...]  # texts the first item's HTML must contain
    sponsored_ranks: tuple[int, ...] = ()
    wrap: str = "{}"  # YouTube captures are ytd-app fragments: wrap into a document
    fits_two_screens: bool = False  # short pages: the first and last screens show every item


def yt(page_element: str, *renderers: str) -> str:
    return ", ".join(f"{page_element}:not([hidden]) {renderer}" for renderer in renderers)


YT_SEARCH = yt("ytd-search", "ytd-video-renderer", "ytd-playlist-renderer", "ytd-radio-renderer", "ytd-movie-renderer",
               "yt-lockup-view-model", "ytd-reel-item-renderer", "ytm-shorts-lockup-view-model",
               "ytm-shorts-lockup-view-model-v2", "ytd-ad-slot-renderer", "ytd-promoted-video-renderer",
               "ytd-promoted-sparkles-web-renderer")
YT_HOME = yt("ytd-browse", "ytd-rich-item-renderer", "ytd-rich-grid-media", "yt-lockup-view-model", "ytd-reel-item-renderer",
             "ytm-shorts-lockup-view-model", "ytm-shorts-lockup-view-model-v2", "ytd-ad-slot-renderer",
             "ytd-display-ad-renderer")
YT_DOCUMENT = "<!doctype html><html><head><title>YouTube</title></head><body>{}</body></html>"


# Google News article links are long opaque ids (hand-copied from the saved page).
GOOGLE_NEWS_FIRST = (
    'https://news.google.com/read/CBMi2wFBVV95cUxNX0hlRkNmN3QwbWZheW1EdUg0QlZIZTJQbWs0RThxOTNnV'
    'DJaMThGeTBsb3Nubm9hTDZuUFNtb21MWEZfMm9GTmdQbW5DTkVMR1NGQXRaajBlYzdfVzNZMVYtS3dZcUtac1doUGQ'
    '4XzFWN185M3FrenJoc205S2Q2OWlwMTNWLXZWSDVhMElzVmdTNXloUkltV2plbEFLZV9vT1hSUmt0b2xfY3dzYmFhQ'
    'zdJV01sTXdKNVlndmpFNmV3M2xrZjA5LXpNYkxLV2Rqd0ZVYzdhbEZtR03SAeMBQVVfeXFMTXlPT3R1ZEZzQ3JFNzZ'
    'ZRmtvMU50aXJWLUVNemdiSFRUeVBOaGRMY00wYzFPVmtMb0hUTVRVUXZRV0pSSU5LekU0bWxjVzNPTnp6c1Y1akdqa'
    'EpfYnhMN2dKR0ZINVV4WFhMZy05MFl0Tjl6S2RaYVhudFlLYVpEWlhKZ3lQUW5sMnVscS1haFhkR0hwXzFXNkJnVnN'
    '2VXF1VWFHcGI5QUh3enNRMFlhU2xfTDRKR21NVERTeE96VEtuUUxib0s2OG1OanY5Vk0zN1FIdk5aV3NiaE9pYlNvc'
    'WN6NFU?hl=en-IN&gl=IN&ceid=IN%3Aen'
)
GOOGLE_NEWS_LAST = (
    'https://news.google.com/read/CBMi9AFBVV95cUxOSVpYVDNYTzVJR1UweWhkZHZFQkRrcUdsRjBkQ2I4RVhQd'
    'GJlbFd3VGVvRkZJNTdGczUyNEVFUm5XRFpweXhqdEp3b2VMZ2pOME1wSUZEQ1p3NFpoMXlRaGdlNnlBRlp4SUZZZWh'
    'rdHVQOTF1dFNNVmZFV1lXaFV1YWEwREtncVZaeV9FZFBnMGlYaDZCYk5UNE4tejBHOHRHTjJ2Sm4wckt4djU4S3hnc'
    'kMwWFFOY2dXb2hBS0xZNHQzU092TFNtS1F2VkVYeGwwN2VVT1g1b25xUHc0VXpJekQ1QmVQamFRMDliaXhJU0o5WGl'
    'V0gH7AUFVX3lxTFAzOW1LTE9xWVVuSktxODJzdnBkOFNwSUNud0piZUpFaGttYjVkRWo0RkZfM0pVMU1IU3E2Ql9nV'
    '1d4dmtqSW40VkJTeHU0b1N0Y2ZJTm5zWFVScUFYM1ZnMEx3ejQzbUdnVGU5UEVHV01MWUdfTTY2MVRXUjcxMzFlTkF'
    'Tb0lLU005cHNoTkl4R01xTkUtRk11TWhUTjdfNGdKSDIweFoyWFoxTXdqSmpHT0syellhek94Q1Zyb05SQndaM3ZvV'
    'XlvVGNkaE9kZGk1UTVzaGtMeEJhZUVZc25rZHlVUjU4Z0lPb2owcGwyVHZodjJjZVg0S1JV?hl=en-IN&gl=IN&cei'
    'd=IN%3Aen'
)

CASES = {
    "hackernews-front": Case(
        "hackernews/oscanweb_hn-front_2026-04-26.html", "https://news.ycombinator.com/", "hackernews", "front",
        "tr.athing:not(.comtr)", 30,
        ("https://techtrenches.dev/p/the-west-forgot-how-to-make-things", "The West Forgot How to Make Things."),
        ("https://www.journal.media-culture.org.au/index.php/mcjournal/article/view/299", "Tushonka: Cultivating Soviet Postwar Taste (2010)"),
        ('<tr class="athing submission" id="47907879">', '<td class="subtext">'),  # + the sibling row (item_next_sibling)
    ),
    "old-reddit-subreddit": Case(
        "reddit/old-reddit_r-Python_2024-10-18.html", "https://old.reddit.com/r/Python/", "reddit", "subreddit",
        "div.thing.link", 30,
        ("https://old.reddit.com/r/Python/comments/1g2d9f2/sunday_daily_thread_whats_everyone_working_on/", "Sunday Daily Thread: What's everyone working on this week?"),
        ("https://old.reddit.com/r/Python/comments/1g5l7cb/mvt_architecture_in_django_and_how_it_works_with/", "MVT Architecture in Django"),
        ('data-fullname="t3_1g2d9f2"',), sponsored_ranks=(4, 16, 28),
    ),
    "new-reddit-subreddit": Case(
        "reddit/shreddit_r-cybersecurity_2025-05-22.html", "https://www.reddit.com/r/cybersecurity/", "reddit", "subreddit",
        "shreddit-post, shreddit-ad-post", 3,
        ("https://www.reddit.com/r/cybersecurity/comments/1ksrnlg/major_data_leak_exposed_184m_facebook_snapchat/", "Major data leak exposed 184M Facebook, Snapchat, Roblox"),
        ("https://www.reddit.com/r/cybersecurity/comments/1ksn79n/why_are_we_still_obsessed_with_cves_when/", "Why are we still obsessed with CVEs when misconfigs"),
        ("<shreddit-post",), fits_two_screens=True,
    ),
    "new-reddit-search": Case(
        "reddit/shreddit_search_GGAL_2025-07.html", "https://www.reddit.com/search/?q=%24GGAL&type=posts&sort=new", "reddit", "search",
        "[data-testid='search-post-unit'], shreddit-post, shreddit-ad-post", 55,
        ("https://www.reddit.com/r/getagraph/comments/1m2du0c/buy_signal_grupo_financiero_galicia_17_jul_2025/", "Señal de Compra Grupo Financiero Galicia - 17 Jul 2025"),
        ("https://www.reddit.com/r/getagraph/comments/1kr50uz/buy_signal_grupo_financiero_galicia_20_may_2025/", "Señal de Compra Grupo Financiero Galicia - 20 de mayo de 202"),
        ('data-testid="search-post-unit"',),
    ),
    "youtube-home-classic": Case(
        "youtube/trex_home_a09ba9af32_2022-03-24_en-US.html", "https://www.youtube.com/", "youtube", "home",
        YT_HOME, 60, (None, None),
        ("https://www.youtube.com/watch?v=l3nF_xbV39A", "A Rare Double-Signed Patek Philippe Calatrava"),
        ("<ytd-rich-item-renderer", "<ytd-display-ad-renderer"), sponsored_ranks=(1,), wrap=YT_DOCUMENT,
    ),
    "youtube-search-both-markups": Case(
        "youtube/x10tube_search_javascript-tutorial_2026-01.html", "https://www.youtube.com/results?search_query=javascript+tutorial",
        "youtube", "search", YT_SEARCH, 29,
        ("https://www.youtube.com/watch?v=YfecrCH6xwk", None),
        ("https://www.youtube.com/watch?v=DHjqpvDnNGE&pp=ygUTamF2YXNjcmlwdCB0dXRvcmlhbA%3D%3D", "JavaScript in 100 Seconds"),
        ("<ytd-ad-slot-renderer",), sponsored_ranks=(1, 4, 7, 16, 22), wrap=YT_DOCUMENT,
    ),
    "google-news-home": Case(
        "news/google-news_home_en-IN_2025-02-02.html", "https://news.google.com/home?hl=en-IN&gl=IN&ceid=IN:en",
        "googlenews", "home", "article", 10,
        (GOOGLE_NEWS_FIRST, "Abhishek Sharma Scripts Massive T20I Record."),
        (GOOGLE_NEWS_LAST, "Kejriwal writes to EC, demands appointment of independent observers"),
        ('<article class="IBr9hb"',), fits_two_screens=True,
    ),
    "x-profile": Case(
        "x/xingest_profile_okx_2026-01-20.html", "https://x.com/okx", "x", "profile",
        "article[data-testid='tweet']", 6,
        ("https://x.com/okx/status/2012952460877607151", "Five straight wins at the highest level."),
        ("https://x.com/okx/status/2013298867521917306", "Today is a Bank Holiday, not a Crypto Holiday."),
        ('data-testid="tweet"',),
    ),
}


def recorded(db) -> list[dict]:
    return db.impressions()


def wait_for_ranks(browser, db, expected: set[int]) -> list[dict]:
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: {r["rank"] for r in rows} >= expected)
    browser.sleep(1.0)  # anything extra (wrong items, duplicates) was sent with them and has arrived
    return recorded(db)


def assert_hints(row, expected: tuple[str | None, str | None]):
    url, title_start = expected
    assert row["url_hint"] == url
    if title_start is None:
        assert row["title_hint"] is None
    else:
        assert row["title_hint"].startswith(title_start)


@pytest.mark.parametrize("name", list(CASES))
def test_scrolled_items_arrive_and_unseen_items_do_not(paired, db, name):
    case = CASES[name]
    html = STAND_IN_CSS + case.wrap.format(without_scripts(shared_page(case.fixture)))
    page = paired.open(case.url, html, width=1280, height=500)

    assert page.evaluate(SCROLL_ITEM_INTO_VIEW, [case.selector, "first"]) == case.item_count
    first_screen = set(page.evaluate(HALF_VISIBLE_RANKS, case.selector))
    assert 1 in first_screen
    rows = wait_for_ranks(paired, db, first_screen)
    assert sorted(r["rank"] for r in rows) == sorted(first_screen)
    assert {(r["platform"], r["surface"], r["page_url"]) for r in rows} == {(case.platform, case.surface, case.url)}
    first = next(r for r in rows if r["rank"] == 1)
    assert_hints(first, case.first)
    for marker in case.html_markers:
        assert marker in first["html"]

    page.evaluate(SCROLL_ITEM_INTO_VIEW, [case.selector, "last"])
    last_screen = set(page.evaluate(HALF_VISIBLE_RANKS, case.selector))
    assert case.item_count in last_screen
    rows = wait_for_ranks(paired, db, first_screen | last_screen)
    ranks = [r["rank"] for r in rows]
    assert sorted(ranks) == sorted(first_screen | last_screen)  # each once; items in between never
    last = next(r for r in rows if r["rank"] == case.item_count)
    assert_hints(last, case.last)
    assert all("<script" not in r["html"] and len(r["html"].encode()) <= 32000 for r in rows)
    # what the extension captured is what the server's parsers understand, ads included
    statuses = {r["rank"]: parse_item(case.platform, r["html"], case.url, case.surface, 0)["parse_status"] for r in rows}
    assert statuses == {rank: "parsed" for rank in statuses}
    assert len({r["session_id"] for r in rows}) == 1
    assert {r["rank"] for r in rows if r["sponsored_hint"]} == set(case.sponsored_ranks) & set(ranks)
    if not case.fits_two_screens:
        assert len(ranks) < case.item_count, "items between the two screens were never seen"


def test_promoted_old_reddit_post_keeps_its_title_under_the_size_cap(paired, db):
    """Old Reddit ads carry ~25 KB of tracking URLs in data-* attributes; the capped HTML must keep the title."""
    case = CASES["old-reddit-subreddit"]
    page = paired.open(case.url, STAND_IN_CSS + without_scripts(shared_page(case.fixture)), width=1280, height=500)
    # rank 16 is the largest ad on the page: about 52 KB of markup
    page.evaluate("() => document.querySelectorAll('div.thing.link')[15].scrollIntoView({block: 'center'})")
    rows = [r for r in wait_for_ranks(paired, db, {16}) if r["rank"] == 16]
    assert len(rows) == 1 and rows[0]["sponsored_hint"] == 1
    parsed = parse_item("reddit", rows[0]["html"], case.url, case.surface, 0)
    assert parsed["parse_status"] == "parsed" and parsed["sponsored"] is True and parsed["title"]
    assert "data-adserver-imp-pixel" not in rows[0]["html"]
