"""Turn captured feed-item HTML into normalized items (BeautifulSoup, lxml backend).

Entry points
------------
``parse_item(platform, html, page_url, surface, captured_at_ms) -> dict``
    One item's HTML (as the extension captured it) to a normalized dict.
``parse_page(html, page_url, captured_at_ms=None) -> list[dict]``
    A whole saved page: the platform and surface come from the URL via ``sites.json``,
    the items are the surface's outermost matches in document order; each dict also
    carries ``rank`` (1-based) and ``surface``.

Normalized fields (always all present, None where unknown)
---------------------------------------------------------
``platform, key, kind, url, title, text, author, author_url, sponsored, published_at,
views, score, comments, likes, duration_s, thumbnail_url, language, parse_status,
parse_error``.

* ``key``: identity across sightings: ``youtube:<videoId>`` (``youtube:list:<id>`` for
  playlists/mixes, ``youtube:ad:<videoId|digest>`` for ads), ``reddit:t3_<id>``,
  ``x:<tweetId>``, ``hackernews:<id>``, ``news:<canonical article URL>`` (Google News
  items use the publisher's URL when the card carries it, else ``googlenews:<articleId>``).
* ``kind``: video, short, live, post, tweet, story, job, article or ad (sponsored items
  are kind "ad" on YouTube; on other platforms they keep their kind and ``sponsored``).
* ``url``: absolute http(s), no fragment, tracking parameters removed (utm_*, si,
  feature, pp, ref, ref_src, fbclid, gclid, ...); ``javascript:`` and other schemes
  give None. ``published_at``: ms UTC, from absolute timestamps or from relative dates
  ("3 days ago", "hace 2 días", "vor 3 Tagen", "2h") counted back from ``captured_at_ms``
  (months = 30 days, years = 365 days); None when neither is available.
* Text is inert: scripts, styles and templates are dropped before reading, whitespace is
  collapsed and lengths are capped (title 500, text 5000 characters).

``parse_status``
----------------
* ``"parsed"``: key, title and url were found (an ad needs no url: its landing page hides
  behind a click-tracking redirect).
* ``"partial"``: the key was found but the title or url was not; ``parse_error`` names
  the missing fields ("missing title").
* ``"failed"``: no key could be derived, the HTML was empty/not HTML, the platform is
  unknown, or the parser raised; ``parse_error`` gives the reason. Nothing here raises.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from .. import sites
from . import googlenews, hackernews, news, reddit, x, youtube
from .common import ITEM_FIELDS, empty_item, finalize
from .context import ParseContext
from .tree import fast_tree, reference_tree

PARSERS = {
    "youtube": youtube.parse,
    "reddit": reddit.parse,
    "x": x.parse,
    "hackernews": hackernews.parse,
    "googlenews": googlenews.parse,
    "news": news.parse,
}
# Inert or invisible markup whose text must never reach an item (left out of the tree).
DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed")
# Per platform, elements that never hold text, links, images or anything a parser, an item
# selector or a sponsored selector of that platform reads: YouTube's icons (an SVG inside
# yt-icon > yt-icon-shape > icon-shape), ripple and touch-feedback layers and empty
# dom-repeat placeholders, a fifth of an item's elements. Leaving them out of the tree
# saves building and scanning them. ``test_pruned_trees_parse_the_same`` checks every
# saved page and item against the unpruned tree.
PRUNED_TAGS = {
    "youtube": ("yt-icon", "svg", "yt-interaction", "yt-touch-feedback-shape", "dom-repeat"),
}
# Whitespace-only text between tags is a fifth of a pretty-printed tree's nodes, and the
# parsers read text with a separator anyway; comments are another fifth on YouTube and no
# parser reads them. X's tweet text is joined without a separator from every string in it
# (its markup has no such whitespace), so X keeps its markup as it came.
_INTER_TAG_WHITESPACE = re.compile(r">\s+<")
KEEPS_MARKUP_AS_IS = frozenset({"x"})
MAX_ITEM_HTML = 4 * 1024 * 1024

__all__ = ["ITEM_FIELDS", "PARSERS", "build_tree", "parse_item", "parse_page"]


def _failed(platform: str, reason: str) -> dict:
    item = empty_item(platform)
    item["parse_status"] = "failed"
    item["parse_error"] = reason
    return item


def build_tree(html: str, platform: str | None = None, fast: bool = True) -> BeautifulSoup:
    """The item or page tree exactly as the parsers get it.

    ``fast`` builds it from lxml's own tree (``tree.fast_tree``); False builds the same
    tree with bs4's own lxml builder, which the tests and the benchmark compare against.
    In both, ``class`` stays one string (no per-tag list splitting, a large cost).
    """
    keeps_markup = platform in KEEPS_MARKUP_AS_IS
    if not keeps_markup:
        html = _INTER_TAG_WHITESPACE.sub("><", html)
    build = fast_tree if fast else reference_tree
    return build(html, _SKIPPED_TAGS.get(platform, _DEFAULT_SKIPPED), keep_comments=keeps_markup)


_DEFAULT_SKIPPED = frozenset(DROPPED_TAGS)
_SKIPPED_TAGS = {platform: _DEFAULT_SKIPPED | set(tags) for platform, tags in PRUNED_TAGS.items()}


def _top_element(soup: BeautifulSoup) -> Tag | None:
    container = _body(soup) or soup
    return next((c for c in container.children if isinstance(c, Tag)), None)


def _body(soup: BeautifulSoup) -> Tag | None:
    """``soup.body`` where it is, as lxml places it, a child of the top ``<html>``: bs4's
    ``soup.body`` is a ``find("body")``, whose matcher set-up costs as much as a small parse."""
    for top in soup.contents:
        if isinstance(top, Tag):
            if top.name == "html":
                return next((c for c in top.contents if isinstance(c, Tag) and c.name == "body"), None) or soup.body
            break
    return soup.body


def _parse_root(platform: str, root: Tag, ctx: ParseContext) -> dict:
    item = empty_item(platform)
    try:
        # One list of the item's elements serves the sponsored check and the parser's own scan.
        tags = sites.all_tags(root)
        item["sponsored"] = sites.platform_sponsored_rules(platform).matches(root, tags)
        PARSERS[platform](root, item, ctx, tags)
        return finalize(item)
    except Exception as exc:  # one bad item must never stop a batch
        return _failed(platform, f"parser error: {type(exc).__name__}: {exc}")


def parse_item(platform: str, html: str, page_url: str | None = None, surface: str | None = None,
               captured_at_ms: int | None = None, *, fast: bool = True) -> dict:
    """Parse one captured item's HTML; never raises (see the module docstring).

    ``fast=False`` builds the tree the slow way (see ``build_tree``); the result is the same.
    """
    if not isinstance(platform, str) or platform not in PARSERS:
        return _failed(str(platform), f"unknown platform: {platform!r}")
    if not isinstance(html, str) or not html.strip():
        return _failed(platform, "empty item HTML")
    if len(html) > MAX_ITEM_HTML:
        return _failed(platform, f"item HTML too large ({len(html)} characters)")
    try:
        root = _top_element(build_tree(html, platform, fast))
    except Exception as exc:
        return _failed(platform, f"unreadable HTML: {type(exc).__name__}: {exc}")
    if root is None:
        return _failed(platform, "no element in item HTML")
    ctx = ParseContext(page_url if isinstance(page_url, str) else None, surface, _as_ms(captured_at_ms))
    return _parse_root(platform, root, ctx)


def _as_ms(value) -> int | None:
    """A usable capture time, or None (then relative dates stay unresolved)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return int(value)


def parse_page(html: str, page_url: str, captured_at_ms: int | None = None, *, fast: bool = True) -> list[dict]:
    """Find the feed items of a saved page and parse each (rank and surface added).

    A URL that no platform matches is read with the generic news definition. A page
    whose URL has no feed surface yields an empty list. ``fast`` as in ``parse_item``.
    """
    definition = sites.definition_for_url(page_url, opted_in_news=True)
    if definition is None or not isinstance(html, str):
        return []
    surface = sites.surface_for_url(definition, page_url)
    if surface is None:
        return []
    soup = build_tree(html, definition.id, fast)
    ctx = ParseContext(page_url, surface.name, _as_ms(captured_at_ms))
    parsed = []
    for rank, element in enumerate(sites.select_items(soup, surface), start=1):
        item = _parse_root(definition.id, element, ctx)
        item["rank"] = rank
        item["surface"] = surface.name
        parsed.append(item)
    return parsed
