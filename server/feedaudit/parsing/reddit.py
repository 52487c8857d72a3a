"""Reddit items: new UI ``shreddit-post``/``shreddit-ad-post``, search result units, and
old.reddit.com ``div.thing``.

Key ``reddit:t3_<id>``; ``url`` is the post's www.reddit.com permalink for both UIs (the
same post must look the same whichever UI showed it); ``author`` is
"r/<subreddit> · u/<user>" (just the subreddit when the card shows no user) and
``author_url`` the user's page, else the subreddit's.
"""

from __future__ import annotations

import json
import re

from bs4 import Tag

from .common import (
    NAME_MAX, TITLE_MAX, attr, canonical_url, class_string, clean_text, parse_count, parse_epoch,
    parse_iso_datetime, parse_relative_date, text_of,
)
from ..sites import all_tags
from .context import ParseContext

BASE = "https://www.reddit.com"
_POST_ID = re.compile(r"\bt3_([a-z0-9]+)\b", re.I)
_COMMENTS_ID = re.compile(r"/comments/([a-z0-9]+)", re.I)
THUMBNAIL_HOSTS = ("preview.redd.it", "external-preview.redd.it", "i.redd.it", "thumbs.redditmedia.com")


def parse(root: Tag, item: dict, ctx: ParseContext, tags: list[Tag] | None = None) -> None:
    """``tags``: ``all_tags(root)`` when the caller has it already."""
    item["kind"] = "post"
    # Every lookup below is a scan of this one list of the root's descendants, in document
    # order (what bs4's find/find_all walk, without their per-call matching machinery).
    below = (all_tags(root) if tags is None else tags)[1:]
    if root.name in ("shreddit-post", "shreddit-ad-post"):
        _parse_shreddit(root, below, item, ctx)
    elif "thing" in class_string(root).split():
        _parse_old_thing(root, below, item, ctx)
    else:
        _parse_search_unit(below, item, ctx)
    if item["thumbnail_url"] is None:
        item["thumbnail_url"] = _thumbnail(below)


def _first(elements: list[Tag], name: str | tuple[str, ...] | None = None, **attrs: str | bool) -> Tag | None:
    """The first element named ``name`` (one of the names, for a tuple) whose attributes have the given
    values (True: present), like bs4's ``find``."""
    return next(_matching(elements, name, attrs), None)


def _matching(elements: list[Tag], name: str | tuple[str, ...] | None, attrs: dict):
    names = (name,) if isinstance(name, str) else name
    for element in elements:
        if names is not None and element.name not in names:
            continue
        values = element.attrs
        if all(values.get(key) is not None if wanted is True else values.get(key) == wanted
               for key, wanted in attrs.items()):
            yield element


def _with_class(elements: list[Tag], name: str, cls: str) -> Tag | None:
    """The first element named ``name`` whose class list contains ``cls``."""
    return next((e for e in elements if e.name == name and cls in class_string(e).split()), None)


def _thumbnail(below: list[Tag]) -> str | None:
    """A post image (preview or thumbnail), never an avatar."""
    for image in _matching(below, "img", {"src": True}):
        src = image["src"]
        if any(host in src for host in THUMBNAIL_HOSTS) and "snoovatar" not in src:
            return canonical_url(src, "https:")
    return None


def _key(post_id: str | None) -> str | None:
    return f"reddit:t3_{post_id.lower()}" if post_id else None


def _permalink(href: str | None) -> str | None:
    url = canonical_url(href, BASE + "/")
    if url is None or not _COMMENTS_ID.search(url):
        return url
    # Old and new UI link to different hosts; one canonical host keeps sightings comparable.
    return re.sub(r"^https://(?:old|new|sh|np)\.reddit\.com/", BASE + "/", url)


def _set_author(item: dict, subreddit: str | None, user: str | None) -> None:
    subreddit = clean_text(subreddit, NAME_MAX)
    user = clean_text(user, NAME_MAX)
    if subreddit and subreddit.startswith("u_"):
        subreddit = f"u/{subreddit[2:]}"  # a user profile's own "subreddit"
    elif subreddit and not subreddit.startswith(("r/", "u/")):
        subreddit = f"r/{subreddit}"
    user_label = f"u/{user}" if user and user not in ("[deleted]", "deleted") else None
    # a user's own profile "subreddit" (u/name) equals the user label: show it once
    item["author"] = " · ".join(dict.fromkeys(p for p in (subreddit, user_label) if p)) or None
    if user_label:
        item["author_url"] = canonical_url(f"{BASE}/user/{user}/")
    elif subreddit:
        item["author_url"] = canonical_url(f"{BASE}/{subreddit}/")


def _parse_shreddit(root: Tag, below: list[Tag], item: dict, ctx: ParseContext) -> None:
    post_id = _POST_ID.search(root.get("id", "") or root.get("post-id", "") or "")
    item["key"] = _key(post_id.group(1) if post_id else None)
    permalink = root.get("permalink") or attr(_first(below, "a", slot="full-post-link"), "href")
    if item["key"] is None and permalink and _COMMENTS_ID.search(permalink):
        item["key"] = _key(_COMMENTS_ID.search(permalink).group(1))
    item["url"] = _permalink(permalink)
    item["title"] = clean_text(root.get("post-title"), TITLE_MAX) or text_of(
        _first(below, slot="title") or _first(below, ("h2", "h3")), TITLE_MAX)
    item["text"] = text_of(_first(below, slot="text-body") or _first(below, property="schema:articleBody"), 5000)
    _set_author(item, root.get("subreddit-prefixed-name") or root.get("subreddit-name"), root.get("author"))
    item["score"] = parse_count(root.get("score"))
    item["comments"] = parse_count(root.get("comment-count"))
    item["published_at"] = parse_iso_datetime(root.get("created-timestamp"))
    if item["published_at"] is None:
        _date_from_time_element(below, item, ctx)
    item["language"] = clean_text(root.get("lang") or root.get("post-language"), 20)


def _parse_old_thing(root: Tag, below: list[Tag], item: dict, ctx: ParseContext) -> None:
    fullname = root.get("data-fullname") or root.get("id") or ""
    post_id = _POST_ID.search(fullname)
    item["key"] = _key(post_id.group(1) if post_id else None)
    comments_link = _with_class(below, "a", "comments")
    item["url"] = _permalink(root.get("data-permalink") or attr(comments_link, "href"))
    item["title"] = text_of(_with_class(below, "a", "title") or _with_class(below, "a", "search-title"), TITLE_MAX)
    subreddit = root.get("data-subreddit-prefixed") or attr(_with_class(below, "a", "subreddit"), "href")
    user = root.get("data-author") or text_of(_with_class(below, "a", "author"), NAME_MAX)
    _set_author(item, (subreddit or "").strip("/") or None, user)
    score_div = next((d for d in below if d.name == "div" and {"score", "unvoted"} <= set(class_string(d).split())), None)
    item["score"] = parse_count(root.get("data-score") or text_of(score_div, 40))
    item["comments"] = parse_count(root.get("data-comments-count") or text_of(comments_link, 40))
    item["published_at"] = parse_epoch(root.get("data-timestamp"))
    if item["published_at"] is None:
        _date_from_time_element(below, item, ctx)
    expando = _with_class(below, "div", "expando")
    item["text"] = text_of(_with_class(all_tags(expando)[1:], "div", "md"), 5000) if expando is not None else None


def _tracking_context(below: list[Tag]) -> dict:
    for tracker in _matching(below, None, {"data-faceplate-tracking-context": True}):
        try:
            context = json.loads(tracker.get("data-faceplate-tracking-context", ""))
        except (ValueError, TypeError):
            continue
        if isinstance(context, dict) and isinstance(context.get("post"), dict):
            return context
    return {}


def _parse_search_unit(below: list[Tag], item: dict, ctx: ParseContext) -> None:
    context = _tracking_context(below)
    links = list(_matching(below, "a", {"href": True}))
    title_link = (next((a for a in links if a.get("data-testid") == "post-title-text"), None)
                  or next((a for a in links if a.get("data-testid") == "post-title"), None)
                  or next((a for a in links if "/comments/" in a["href"]), None))
    href = title_link.get("href") if title_link is not None else None
    post_id = _POST_ID.search(str(context.get("post", {}).get("id", "")))
    if post_id is None and href and _COMMENTS_ID.search(href):
        post_id = _COMMENTS_ID.search(href)
    item["key"] = _key(post_id.group(1) if post_id else None)
    item["url"] = _permalink(href)
    item["title"] = text_of(title_link, TITLE_MAX) if title_link is not None and "/comments/" in (href or "") else None
    subreddit = context.get("subreddit", {}).get("name") if isinstance(context.get("subreddit"), dict) else None
    subreddit_link = next((a for a in links if a["href"].startswith("/r/") and "/comments/" not in a["href"]), None)
    _set_author(item, subreddit or (text_of(subreddit_link, NAME_MAX) if subreddit_link else None), None)
    counter_row = _first(below, None, **{"data-testid": "search-counter-row"})
    counters = ([n.get("number") for n in all_tags(counter_row)[1:] if n.name == "faceplate-number"]
                if counter_row else [])
    if counters:
        item["score"] = parse_count(counters[0])
        item["comments"] = parse_count(counters[1]) if len(counters) > 1 else None
    _date_from_time_element(below, item, ctx)


def _date_from_time_element(below: list[Tag], item: dict, ctx: ParseContext) -> None:
    stamp = _first(below, "faceplate-timeago", ts=True)
    moment = parse_iso_datetime(stamp.get("ts")) if stamp else None
    time_el = _first(below, "time") if moment is None else None
    if time_el is not None:
        moment = parse_iso_datetime(time_el.get("datetime")) or parse_relative_date(
            text_of(time_el, 80), ctx.captured_at_ms)
    item["published_at"] = moment
