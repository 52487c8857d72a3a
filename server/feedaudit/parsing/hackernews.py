"""Hacker News items: ``tr.athing`` (title row) plus the following subtext row.

The subtext row (score, user, age, comments) is the item's next sibling; the extension
appends it to the captured HTML (``item_next_sibling`` in sites.json) and a saved page has
it in place, so both paths read it the same way. Key ``hackernews:<id>``; kind "job" for
YC job posts (no score, no submitter), else "story"; ``url`` is the story's link (the
item page for Ask/Show HN text posts).
"""

from __future__ import annotations

from bs4 import Tag

from .. import sites
from .common import (
    NAME_MAX, canonical_url, class_string, parse_count, parse_epoch, parse_iso_datetime, parse_relative_date, text_of,
    with_class,
)
from .context import ParseContext

BASE = "https://news.ycombinator.com/"


def parse(root: Tag, item: dict, ctx: ParseContext, tags: list[Tag] | None = None) -> None:
    """``tags``: ``all_tags(root)`` when the caller has it already. Lookups scan element lists
    (the rows are small; a CSS engine per lookup cost more than the whole parse)."""
    story_id = (root.get("id") or "").strip()
    if story_id.isdecimal():
        item["key"] = f"hackernews:{story_id}"
    link = _title_link((sites.all_tags(root) if tags is None else tags)[1:])
    if link is not None:
        item["title"] = text_of(link, 500)
        item["url"] = canonical_url(link.get("href"), BASE)
    subtext = _subtext(root)
    if subtext is not None:
        _read_subtext(subtext, item, ctx)
    item["kind"] = "job" if item["score"] is None and item["author"] is None and subtext is not None else "story"


def _title_link(below: list[Tag]) -> Tag | None:
    """``span.titleline > a, td.title > a``: the first link whose parent is the title cell or line."""
    for element in below:
        if element.name == "a":
            parent = element.parent
            if parent.name in ("span", "td") and ("titleline" if parent.name == "span" else "title") in \
                    class_string(parent).split():
                return element
    return None


def _subtext(root: Tag) -> Tag | None:
    definition = sites.definitions_for_platform("hackernews")[0]
    row = sites.next_sibling_context(root, definition)
    cells = with_class(sites.all_tags(row)[1:], "td", "subtext") if row is not None else []
    return cells[0] if cells else None


def _read_subtext(subtext: Tag, item: dict, ctx: ParseContext) -> None:
    below = sites.all_tags(subtext)[1:]
    scores = (text_of(score, 40) for score in with_class(below, "span", "score"))
    item["score"] = parse_count(next((text for text in scores if text), None))
    user = next(iter(with_class(below, "a", "hnuser")), None)
    if user is not None:
        item["author"] = text_of(user, NAME_MAX)
        item["author_url"] = canonical_url(user.get("href"), BASE)
    age = next(iter(with_class(below, "span", "age")), None)
    if age is not None:
        item["published_at"] = _age(age, ctx)
    item_links = [e for e in below if e.name == "a" and (e.get("href") or "").startswith("item?id=")]
    for link in reversed(item_links):
        label = text_of(link, 40) or ""
        if "comment" in label:
            item["comments"] = parse_count(label)
            break
        if label == "discuss":
            item["comments"] = 0
            break


def _age(age: Tag, ctx: ParseContext) -> int | None:
    """"2026-04-26T06:24:42 1777184682": the epoch seconds are exact; else the ISO part; else "2 hours ago"."""
    title = (age.get("title") or "").split()
    if len(title) > 1:
        moment = parse_epoch(title[1])
        if moment is not None:
            return moment
    if title:
        moment = parse_iso_datetime(title[0])
        if moment is not None:
            return moment
    return parse_relative_date(text_of(age, 40), ctx.captured_at_ms)
