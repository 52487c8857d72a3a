"""Google News items: ``article`` cards.

A card links to a Google redirect (``./read/<articleId>``); the publisher's own URL sits,
base64-encoded, in the link's ``jslog`` attribute. When it decodes, ``url`` is that
publisher URL and the key is ``news:<url>`` (the same article seen on the publisher's
site is the same item); otherwise the key is ``googlenews:<articleId>`` and ``url`` the
Google link. ``author`` is the publisher's name, ``author_url`` its home page.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import parse_qs, urlsplit

from bs4 import Tag

from .common import (
    NAME_MAX, TITLE_MAX, canonical_url, class_string, clean_text, parse_iso_datetime, parse_relative_date,
    text_of,
)
from ..sites import all_tags
from .context import ParseContext

BASE = "https://news.google.com/"
_ARTICLE_ID = re.compile(r"/(?:read|articles)/([A-Za-z0-9_-]+)")
_JSLOG_PAYLOAD = re.compile(r"(?:^|;)\s*5:([A-Za-z0-9+/_=-]+)")
_TITLE_CLASS = re.compile(r"\b(?:gPFEn|JtKRv)\b")
_MENU_PREFIX = "More - "


class _Card:
    """The card's elements by role, from one pass (CSS selectors cost more than the tree)."""

    def __init__(self, root: Tag, tags: list[Tag] | None = None):
        self.article_link = self.title = self.headline = self.publisher = None
        self.time = self.image = self.favicon = self.menu_label = None
        self.jslogs: list[str] = []
        for el in (all_tags(root) if tags is None else tags)[1:]:
            self._sort(el)

    def _sort(self, el: Tag) -> None:
        name, attrs = el.name, el.attrs
        if "jslog" in attrs and "5:" in attrs["jslog"]:
            self.jslogs.append(attrs["jslog"])
        if name == "a":
            href = attrs.get("href") or ""
            if self.article_link is None and _ARTICLE_ID.search(href):
                self.article_link = el
            if self.title is None and (attrs.get("data-n-tid") == "29" or _TITLE_CLASS.search(class_string(el))):
                self.title = el
        elif name in ("h3", "h4") and self.headline is None:
            self.headline = el
        elif name == "time" and self.time is None:
            self.time = el
        elif name == "img":
            src = attrs.get("src") or ""
            if "faviconV2" in src:
                self.favicon = self.favicon or el
            elif self.image is None and src and (el.parent.name == "figure" or "Quavad" in class_string(el)):
                self.image = el
        elif name == "button" and self.menu_label is None:
            label = attrs.get("aria-label") or ""
            if label.startswith(_MENU_PREFIX):
                self.menu_label = label[len(_MENU_PREFIX):]
        if self.publisher is None and (attrs.get("data-n-tid") == "9" or "vr1PYe" in class_string(el)):
            self.publisher = el


def parse(root: Tag, item: dict, ctx: ParseContext, tags: list[Tag] | None = None) -> None:
    """``tags``: ``all_tags(root)`` when the caller has it already."""
    item["kind"] = "article"
    base = ctx.page_url or BASE
    card = _Card(root, tags)
    link = card.article_link
    google_url = canonical_url(link.get("href"), base, keep_params=()) if link is not None else None
    publisher_url = _publisher_url(card.jslogs)
    if publisher_url:
        item["key"] = f"news:{publisher_url}"
        item["url"] = publisher_url
    elif google_url and _ARTICLE_ID.search(google_url):
        item["key"] = f"googlenews:{_ARTICLE_ID.search(google_url).group(1)}"
        item["url"] = google_url
    item["title"] = (text_of(card.title, TITLE_MAX) or text_of(card.headline, TITLE_MAX)
                     or clean_text(card.menu_label, TITLE_MAX))
    item["author"] = text_of(card.publisher, NAME_MAX)
    item["author_url"] = _publisher_home(card.favicon)
    if card.time is not None:
        item["published_at"] = parse_iso_datetime(card.time.get("datetime")) or parse_relative_date(
            text_of(card.time, 40), ctx.captured_at_ms)
    item["thumbnail_url"] = canonical_url(card.image.get("src"), base) if card.image is not None else None


def _publisher_url(jslogs: list[str]) -> str | None:
    for jslog in jslogs:
        match = _JSLOG_PAYLOAD.search(jslog)
        if not match:
            continue
        url = _first_http_string(_decode_json(match.group(1)))
        if url:
            return canonical_url(url)
    return None


def _decode_json(payload: str):
    try:
        raw = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_" if "-" in payload or "_" in payload else None)
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _first_http_string(value) -> str | None:
    if isinstance(value, str):
        return value if value.startswith(("http://", "https://")) else None
    if isinstance(value, list):
        for element in value:
            found = _first_http_string(element)
            if found:
                return found
    return None


def _publisher_home(icon: Tag | None) -> str | None:
    """The favicon service URL names the publisher's site (``faviconV2?url=https://...``)."""
    if icon is None:
        return None
    target = parse_qs(urlsplit(icon.get("src", "")).query).get("url", [None])[0]
    return canonical_url(target)
