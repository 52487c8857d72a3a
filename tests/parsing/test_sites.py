"""sites.json: shape, URL -> platform/surface, outermost-wins item selection."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import soupsieve
from bs4 import BeautifulSoup

from feedaudit import sites

REPO_ROOT = Path(__file__).resolve().parents[2]
PLATFORM_IDS = {"youtube", "reddit", "x", "hackernews", "googlenews", "news"}


def test_server_copy_is_the_extension_file():
    server_copy = REPO_ROOT / "server" / "feedaudit" / "sites.json"
    assert server_copy.resolve() == (REPO_ROOT / "extension" / "sites.json").resolve()
    assert sites.load_raw() == json.loads((REPO_ROOT / "extension" / "sites.json").read_text("utf-8"))


def test_shape_and_every_selector_and_regex_compiles():
    raw = sites.load_raw()
    assert raw["version"] == 1
    assert {p["id"] for p in raw["platforms"]} == PLATFORM_IDS
    for platform in raw["platforms"]:
        assert set(platform) >= {"id", "name", "matches", "opt_in", "surfaces", "sponsored", "hints", "views"}
        assert platform["opt_in"] is (platform["id"] == "news")
        for surface in platform["surfaces"]:
            re.compile(surface["url"])
            for selector in surface["items"]:
                soupsieve.compile(selector)
        for selector in platform["sponsored"] + list(platform["hints"].values()):
            soupsieve.compile(selector)
        for view in platform["views"]:
            re.compile(view["url"])
            if view["media"] is not None:
                soupsieve.compile(view["media"])


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: JS regex check skipped")
def test_every_regex_also_compiles_in_javascript():
    script = (
        "const d=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));"
        "for(const p of d.platforms){for(const s of p.surfaces)new RegExp(s.url);"
        "for(const v of p.views)new RegExp(v.url);}console.log('ok')"
    )
    result = subprocess.run(["node", "-e", script, str(REPO_ROOT / "extension" / "sites.json")],
                            capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("url, platform, surface", [
    ("https://www.youtube.com/", "youtube", "home"),
    ("https://www.youtube.com/?bp=1", "youtube", "home"),
    ("https://www.youtube.com/watch?v=PGXcFGlofbQ&t=3", "youtube", "watch-next"),
    ("https://www.youtube.com/results?search_query=javascript+tutorial", "youtube", "search"),
    ("https://www.youtube.com/shorts/XHPVxR6OFFA", "youtube", "shorts"),
    ("https://www.youtube.com/feed/subscriptions", "youtube", "feed"),
    ("https://www.youtube.com/@veritasium/videos", "youtube", "feed"),
    ("https://www.reddit.com/", "reddit", "home"),
    ("https://www.reddit.com/r/cybersecurity/", "reddit", "subreddit"),
    ("https://www.reddit.com/r/Python/top/?t=day", "reddit", "subreddit"),
    ("https://www.reddit.com/r/popular/", "reddit", "popular"),
    ("https://www.reddit.com/search/?q=%24GGAL&sort=new", "reddit", "search"),
    ("https://www.reddit.com/r/Python/comments/1g6m2mb/x/", "reddit", None),
    ("https://old.reddit.com/r/Python/", "reddit", "subreddit"),
    ("https://old.reddit.com/", "reddit", "home"),
    ("https://x.com/home", "x", "timeline"),
    ("https://x.com/okx", "x", "profile"),
    ("https://twitter.com/nikitabier/with_replies", "x", "profile"),
    ("https://x.com/search?q=feed", "x", "search"),
    ("https://x.com/settings", "x", None),
    ("https://x.com/okx/status/2013469559152431502", "x", "replies"),
    ("https://news.ycombinator.com/", "hackernews", "front"),
    ("https://news.ycombinator.com/news?p=2", "hackernews", "front"),
    ("https://news.ycombinator.com/newest", "hackernews", "new"),
    ("https://news.ycombinator.com/ask", "hackernews", "ask"),
    ("https://news.ycombinator.com/show", "hackernews", "show"),
    ("https://news.ycombinator.com/best", "hackernews", "best"),
    ("https://news.ycombinator.com/item?id=47907879", "hackernews", None),
    ("https://news.google.com/home?hl=en-IN&gl=IN&ceid=IN:en", "googlenews", "home"),
    ("https://news.google.com/search?q=NVDA", "googlenews", "search"),
    ("https://news.google.com/topics/CAAqJggKIiBDQkFTRWdv", "googlenews", "topic"),
])
def test_platform_and_surface_for_url(url, platform, surface):
    definition = sites.definition_for_url(url)
    assert definition.id == platform
    found = sites.surface_for_url(definition, url)
    assert (found.name if found else None) == surface


def test_old_and_new_reddit_are_separate_definitions_with_one_id():
    old = sites.definition_for_url("https://old.reddit.com/r/Python/")
    new = sites.definition_for_url("https://www.reddit.com/r/Python/")
    assert old.id == new.id == "reddit"
    assert old is not new
    assert old.matches == ("https://old.reddit.com/*",)


def test_unknown_sites_need_the_news_opt_in():
    assert sites.definition_for_url("https://www.bbc.com/news") is None
    assert sites.definition_for_url("https://www.bbc.com/news", opted_in_news=True).id == "news"
    assert sites.definition_for_url("file:///tmp/x.html", opted_in_news=True) is None


def test_match_pattern_regex():
    pattern = sites.match_pattern_regex("https://*.example.com/*")
    assert pattern.match("https://example.com/")
    assert pattern.match("https://a.b.example.com/x?y")
    assert not pattern.match("https://badexample.com/")
    assert not pattern.match("http://example.com/")


def test_view_rules():
    youtube = sites.definition_for_url("https://www.youtube.com/")
    assert sites.view_rule_for_url(youtube, "https://www.youtube.com/watch?v=abc")["media"].startswith("ytd-watch-flexy")
    assert sites.view_rule_for_url(youtube, "https://www.youtube.com/") is None
    hn = sites.definition_for_url("https://news.ycombinator.com/")
    assert sites.view_rule_for_url(hn, "https://news.ycombinator.com/item?id=1") == {"url": "^/item\\?id=", "media": None}


def test_outermost_match_wins_and_document_order_is_kept():
    html = """
    <ytd-browse>
      <ytd-rich-item-renderer id="a"><yt-lockup-view-model id="a-inner"></yt-lockup-view-model></ytd-rich-item-renderer>
      <yt-lockup-view-model id="b"></yt-lockup-view-model>
      <ytd-rich-item-renderer id="c"><ytd-rich-grid-media id="c-inner"></ytd-rich-grid-media></ytd-rich-item-renderer>
    </ytd-browse>
    <ytd-browse hidden><ytd-rich-item-renderer id="hidden-page"></ytd-rich-item-renderer></ytd-browse>
    """
    youtube = sites.definition_for_url("https://www.youtube.com/")
    surface = sites.surface_for_url(youtube, "https://www.youtube.com/")
    items = sites.select_items(BeautifulSoup(html, "lxml"), surface)
    assert [el["id"] for el in items] == ["a", "b", "c"]


def test_sponsored_matches_self_or_descendant():
    youtube = sites.definition_for_url("https://www.youtube.com/")
    soup = BeautifulSoup("<ytd-rich-item-renderer><ytd-ad-slot-renderer></ytd-ad-slot-renderer></ytd-rich-item-renderer>"
                         "<ytd-ad-slot-renderer id='self'></ytd-ad-slot-renderer>"
                         "<ytd-rich-item-renderer id='plain'><a href='/watch?v=abcdefghijk'>x</a></ytd-rich-item-renderer>", "lxml")
    first, own, plain = soup.body.find_all(recursive=False)
    assert sites.is_sponsored(first, youtube) and sites.is_sponsored(own, youtube)
    assert not sites.is_sponsored(plain, youtube)


def test_hacker_news_subtext_row_is_the_next_sibling_context():
    hn = sites.definition_for_url("https://news.ycombinator.com/")
    soup = BeautifulSoup("<table><tr class='athing' id='1'><td>t</td></tr><tr id='sub'><td class='subtext'>s</td></tr>"
                         "<tr class='spacer'></tr><tr class='athing' id='2'></tr><tr class='athing' id='3'></tr></table>", "lxml")
    first, second, third = soup.select("tr.athing")
    assert sites.next_sibling_context(first, hn)["id"] == "sub"
    assert sites.next_sibling_context(second, hn) is None


def test_plain_python_sponsored_matching_agrees_with_soupsieve(read_page):
    """The fast path for simple selectors must select exactly what CSS would."""
    soups = [BeautifulSoup(read_page(p), "lxml") for p in (
        "youtube/x10tube_search_javascript-tutorial_2026-01.html", "reddit/old-reddit_r-Python_2024-10-18.html",
        "x/xingest_profile_okx_2026-01-20.html")]
    checked = 0
    for definition in sites.definitions():
        for raw in sites.load_raw()["platforms"]:
            if raw["id"] != definition.id or tuple(raw["matches"]) != definition.matches:
                continue
            for selector in raw["sponsored"]:
                simple = sites.SimpleSelector.parse(selector)
                assert simple is not None, selector
                compiled = soupsieve.compile(selector)
                for soup in soups:
                    for element in soup.find_all(True):
                        assert simple.matches(element) == compiled.match(element), (selector, element.name)
                        checked += 1
    assert checked > 100_000


@pytest.mark.parametrize("selector, parsed", [
    ("ytd-ad-slot-renderer", ("ytd-ad-slot-renderer", None, None, None, None)),
    (".promotedlink", (None, "promotedlink", None, None, None)),
    ("div.thing[data-promoted='true']", ("div", "thing", "data-promoted", "=", "true")),
    ("a[href^='https://ads.x.com']", ("a", None, "href", "^=", "https://ads.x.com")),
    ("[data-sponsored]", (None, None, "data-sponsored", None, None)),
    ("div > a", None),
    ("a:not(.b)", None),
])
def test_simple_selector_parsing(selector, parsed):
    result = sites.SimpleSelector.parse(selector)
    assert (None if result is None else (result.tag, result.cls, result.attr, result.op, result.value)) == parsed
