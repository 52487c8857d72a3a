"""Generic news-site items (the opt-in definition): headline links in ``article`` blocks.

Key ``news:<canonical article URL>``; ``author`` is the byline when the block has one,
else the site's host name; ``author_url`` the byline link or the site's home page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bs4 import Tag

from .common import (
    NAME_MAX, TITLE_MAX, attr, canonical_url, first_text, parse_iso_datetime, parse_relative_date,
    text_of,
)
from .context import ParseContext

HEADLINE_LINKS = "h1 a[href], h2 a[href], h3 a[href], h4 a[href], a[href] h1, a[href] h2, a[href] h3, a[href] h4"
BYLINE = "[rel='author'], [itemprop='author'], .byline, .author"


def parse(root: Tag, item: dict, ctx: ParseContext, tags: list[Tag] | None = None) -> None:
    item["kind"] = "article"
    link, heading = _headline(root)
    if link is not None:
        item["url"] = canonical_url(link.get("href"), ctx.page_url)
        item["key"] = f"news:{item['url']}" if item["url"] else None
    item["title"] = text_of(heading, TITLE_MAX) if heading is not None else None
    item["text"] = first_text(root, "p", limit=5000)
    _byline(root, item, ctx)
    time_el = root.select_one("time")
    if time_el is not None:
        item["published_at"] = parse_iso_datetime(time_el.get("datetime")) or parse_relative_date(
            text_of(time_el, 60), ctx.captured_at_ms)
    image = root.select_one("img[src], img[data-src]")
    if image is not None:
        item["thumbnail_url"] = canonical_url(image.get("src") or image.get("data-src"), ctx.page_url)
    item["language"] = attr(root, "lang")


def _headline(root: Tag) -> tuple[Tag | None, Tag | None]:
    """The headline link and the element whose text is the headline."""
    match = root.select_one(HEADLINE_LINKS)
    if match is not None:
        if match.name == "a":
            return match, match
        return match.find_parent("a"), match
    for link in root.select("a[href]"):
        if len(text_of(link, TITLE_MAX) or "") >= 15:  # skip "More", icons, section tags
            return link, link
    return None, root.find(["h1", "h2", "h3", "h4"])


def _byline(root: Tag, item: dict, ctx: ParseContext) -> None:
    byline = root.select_one(BYLINE)
    if byline is not None:
        item["author"] = text_of(byline, NAME_MAX)
        href = byline.get("href") if byline.name == "a" else attr(byline.select_one("a[href]"), "href")
        item["author_url"] = canonical_url(href, ctx.page_url) if href else None
    if item["author"] is None and ctx.page_url:
        host = urlsplit(ctx.page_url).hostname
        item["author"] = host
        item["author_url"] = canonical_url(f"https://{host}/") if host else None
