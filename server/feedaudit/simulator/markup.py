"""Item URLs and item HTML the simulator emits for each platform.

Every item is one element carrying ``data-feedaudit-sim`` plus data attributes
with the truth a parser may read back: ``data-category``, ``data-source``,
``data-title``, ``data-clickbait`` ("0"/"1") and ``data-sponsored`` ("0"/"1").
Inside is simple platform-flavoured markup with the title link (``a.sim-title``)
and the source (``.sim-source``):

* hackernews — a Hacker News story row, ``<tr class="athing submission" id=…>``
  with ``span.titleline > a`` and ``span.sitestr`` (the source's domain);
* every other platform — ``<div data-feedaudit-sim …>`` with the title link
  and the channel / subreddit / account / site name.

Domains use the reserved ``.example`` top-level domain, so no link points at a
real site.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from html import escape

from .catalog import CatalogItem

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


def _handle(source: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", source)


def source_domain(source: str) -> str:
    """The made-up web domain of a source, e.g. "lab-bench-notes.example"."""
    return re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-") + ".example"


def _stable_token(item: CatalogItem, length: int) -> str:
    digest = hashlib.sha256(f"{item.index}:{item.title}".encode()).digest()
    return "".join(_ID_ALPHABET[byte % len(_ID_ALPHABET)] for byte in digest[:length])


@lru_cache(maxsize=8192)
def item_url(platform: str, item: CatalogItem) -> str:
    """Where the item links to on each platform (stable for a given item)."""
    if platform == "youtube":
        return f"https://www.youtube.com/watch?v={_stable_token(item, 11)}"
    if platform == "reddit":
        post = int(hashlib.sha256(item.title.encode()).hexdigest()[:8], 16)
        return f"https://www.reddit.com/r/{_handle(item.source)}/comments/{post:x}/{item.slug}/"
    if platform == "x":
        status = int(hashlib.sha256(item.title.encode()).hexdigest()[:15], 16)
        return f"https://x.com/{_handle(item.source)}/status/{status}"
    return f"https://{source_domain(item.source)}/{item.slug}"


def source_label(platform: str, item: CatalogItem) -> str:
    """The source as the platform shows it: channel, r/sub, @account or domain."""
    if platform == "reddit":
        return f"r/{_handle(item.source)}"
    if platform == "x":
        return f"@{_handle(item.source)}"
    if platform in ("hackernews", "googlenews", "news"):
        return source_domain(item.source)
    return item.source


@lru_cache(maxsize=16384)
def item_html(platform: str, item: CatalogItem, sponsored: bool) -> str:
    """The item's outerHTML as the extension would capture it."""
    url, title, source = escape(item_url(platform, item)), escape(item.title), escape(source_label(platform, item))
    truth = (
        f'data-feedaudit-sim="1" data-platform="{escape(platform)}" data-category="{escape(item.category)}" '
        f'data-source="{source}" data-title="{title}" data-clickbait="{int(item.clickbait)}" '
        f'data-sponsored="{int(sponsored)}"'
    )
    if platform == "hackernews":
        return (
            f'<tr class="athing submission" id="{item.index + 40_000_000}" {truth}>'
            f'<td class="title"><span class="titleline"><a class="sim-title" href="{url}">{title}</a>'
            f' <span class="sitebit comhead">(<a href="from?site={source}"><span class="sitestr sim-source">'
            f"{source}</span></a>)</span></span></td></tr>"
        )
    ad_label = '<span class="sim-ad">Sponsored</span>' if sponsored else ""
    return (
        f'<div class="sim-item" {truth}>{ad_label}<a class="sim-title" href="{url}">{title}</a>'
        f'<span class="sim-source">{source}</span></div>'
    )
