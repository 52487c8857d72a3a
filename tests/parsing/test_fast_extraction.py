"""The plain-Python lookups that replaced CSS selectors and bs4 ``find`` calls in the parsers
select exactly what the CSS would, on the real saved pages; the URL and date caches return
what the uncached functions return."""

from __future__ import annotations

import soupsieve
from bs4 import BeautifulSoup

from feedaudit import sites
from feedaudit.parsing import common, youtube
from feedaudit.parsing.tree import fast_tree

from support.fixture_pages import PAGE_URLS


def page_items(read_page):
    """(platform, item element) for every feed item of every saved page."""
    for relative, url in PAGE_URLS.items():
        definition = sites.definition_for_url(url)
        surface = sites.surface_for_url(definition, url)
        for element in sites.select_items(BeautifulSoup(read_page(relative), "lxml"), surface):
            yield definition.id, element


def css_sponsored(item, definition) -> bool:
    selector = definition.sponsored_selector
    return selector is not None and bool(selector.match(item) or selector.select_one(item) is not None)


def test_sponsored_rules_agree_with_soupsieve_on_every_real_item(read_page):
    counts = {True: 0, False: 0}
    for platform, item in page_items(read_page):
        tags = sites.all_tags(item)
        expected = any(css_sponsored(item, d) for d in sites.definitions_for_platform(platform))
        assert sites.platform_sponsored_rules(platform).matches(item, tags) == expected, (platform, item.name)
        for definition in sites.definitions_for_platform(platform):
            assert sites.is_sponsored(item, definition, tags) == css_sponsored(item, definition)
        counts[expected] += 1
    assert counts == {True: 9, False: 371}  # 6 YouTube ad slots, 3 promoted old-Reddit links


def test_sponsored_rules_cover_every_selector_form():
    rules = sites.SponsoredRules.compile(["ytd-ad-slot-renderer", ".promotedlink", "div.thing[data-promoted='true']",
                                          "[data-sponsored]", "a[href^='https://ads.x.com']", "div > span.ad"])
    assert rules.bare_tags == {"ytd-ad-slot-renderer"}
    assert sorted(rules.by_tag) == ["a", "div"]
    assert [name for name, _ in rules.by_attribute] == ["class", "data-sponsored"]
    documents = {
        "<p><ytd-ad-slot-renderer></ytd-ad-slot-renderer></p>": True,
        "<p class='x promotedlink'>a</p>": True,
        "<p class='promotedlinks'>a</p>": False,
        "<div class='thing' data-promoted='true'></div>": True,
        "<div class='thing' data-promoted='false'></div>": False,
        "<span class='thing' data-promoted='true'></span>": False,
        "<section><i data-sponsored=''></i></section>": True,
        "<a href='https://ads.x.com/p'>x</a>": True,
        "<a href='https://x.com/https://ads.x.com'>x</a>": False,
        "<div><span class='ad'>x</span></div>": True,
        "<section><span class='ad'>x</span></section>": False,
    }
    for html, sponsored in documents.items():
        item = next(fast_tree(html).body.children)
        assert rules.matches(item, sites.all_tags(item)) == sponsored, html


def test_youtube_ad_field_selectors_match_as_css_does(read_page):
    css = ["[class*='Headline']", ".title-text", "#title", ".yt-lockup-metadata-view-model__title",
           "[class*='LockupMetadataViewModelTitle']", "#video-title", "h3", "[class*='Description']", "#body-text",
           "#description", "ad-details-line-view-model", "[class*='AdDetailsLine']", "#secondary-text",
           "#website-text", "#domain"]
    simple = youtube.AD_TITLE + youtube.AD_TEXT + youtube.AD_ADVERTISER
    assert len(simple) == len(css)
    matched = 0
    for relative in PAGE_URLS:
        if not relative.startswith("youtube/"):
            continue
        elements = BeautifulSoup(read_page(relative), "lxml", multi_valued_attributes=None).find_all(True)
        for selector, compiled in zip(simple, map(soupsieve.compile, css)):
            for element in elements:
                assert selector.matches(element) == bool(compiled.match(element)), (selector, element.name)
                matched += selector.matches(element)
    assert matched == 480


def test_cached_url_normalization_gives_what_the_uncached_function_gives():
    cases = [
        ("/watch?v=abcdefghijk&feature=share&utm_source=x#t=1", "https://www.youtube.com/", None),
        ("./read/CBMi?hl=en-US&gl=US", "https://news.google.com/home?hl=en-US", ()),
        ("https://WWW.Example.com:443/a?b=1&fbclid=2", None, None),
        ("javascript:alert(1)", None, None),
        ("https://example.com/" + "a" * 1500, None, None),  # longer than the cached bound
        ("https://example.com/p?x=1&y=2", None, ["y"]),     # a list: not hashable, not cached
    ]
    expected = [
        "https://www.youtube.com/watch?v=abcdefghijk",
        "https://news.google.com/read/CBMi",
        "https://www.example.com/a?b=1",
        None,
        "https://example.com/" + "a" * 1500,
        "https://example.com/p?y=2",
    ]
    for (href, base, keep), url in zip(cases, expected):
        assert common.canonical_url(href, base, keep) == url
        assert common.canonical_url(href, base, keep) == common._canonical_url(href, base, keep) == url


def test_cached_relative_dates_match_the_patterns():
    texts = {"3 days ago": 3 * 86400, "hace 2 días": 2 * 86400, "2h": 7200, "1.2M views": None,
             "vor 1 Stunde": 3600, "x" * 300 + " 5 minutes ago": 300}
    for text, seconds in texts.items():
        assert common.relative_seconds(text) == seconds
        assert common.relative_seconds(text) == seconds  # a cache hit
