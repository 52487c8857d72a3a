"""X (Twitter) items: ``article[data-testid=tweet]``.

Key ``x:<tweetId>`` of the tweet shown (for a repost, the original tweet); ``author`` is
the "@handle"; ``title`` is the tweet text cut to 280 characters and ``text`` the whole
text (emoji kept from their image alt text). Promoted tweets carry only a text label
("Ad", "Promoted", localized), which the parser reads because CSS cannot.
"""

from __future__ import annotations

import re

from bs4 import NavigableString, Tag

from .common import (
    NAME_MAX, TEXT_MAX, attr, canonical_url, clean_text, parse_count, parse_iso_datetime,
    parse_relative_date, text_of,
)
from ..sites import all_tags
from .context import ParseContext

BASE = "https://x.com"
TITLE_LENGTH = 280
_STATUS = re.compile(r"^/(?:(?P<user>[A-Za-z0-9_]{1,15})|i(?:/web)?)/status/(?P<id>\d+)")
_AD_LABELS = {"ad", "ads", "promoted", "promocionado", "patrocinado", "promovido", "gesponsert",
              "anzeige", "sponsorisé", "sponsorizzato", "sponsored", "реклама", "annonce", "publicidad"}
_METRIC_WORDS = {
    "comments": r"repl(?:y|ies)|respuestas?|réponses?|antworten|risposte|respostas?",
    "reposts": r"reposts?|retweets?",
    "likes": r"likes?|me gusta|j'aime|gefällt|mi piace|curtidas?",
    "views": r"views?|visualizaciones|vues|aufrufe|visualizzazioni|visualizações",
}


class _Tweet:
    """The tweet's elements by role, from one pass over its (large) markup."""

    def __init__(self, root: Tag, tags: list[Tag] | None = None):
        self.status_links: list[Tag] = []
        self.timed_status_link = None
        self.user_name = self.text = self.group = self.photo = self.video = None
        self.buttons: dict[str, Tag] = {}
        self.ad_label = False
        for el in (all_tags(root) if tags is None else tags)[1:]:
            self._sort(el)

    def _sort(self, el: Tag) -> None:
        name, attrs = el.name, el.attrs
        test_id = attrs.get("data-testid")
        if name == "a" and "/status/" in (attrs.get("href") or "") and _STATUS.match(attrs["href"]):
            self.status_links.append(el)
        elif name == "time" and self.timed_status_link is None:
            link = _ancestor(el, lambda a: a.name == "a")
            if link is not None and _STATUS.match(link.get("href") or ""):
                self.timed_status_link = link
        elif name == "img" and self.photo is None and _ancestor(el, _is_test_id("tweetPhoto")):
            self.photo = el
        elif name == "video" and self.video is None and attrs.get("poster"):
            self.video = el
        elif name == "span" and not self.ad_label and (el.string or "").strip().lower() in _AD_LABELS:
            self.ad_label = _ancestor(el, _is_test_id("tweetText")) is None
        if test_id == "User-Name" and self.user_name is None:
            self.user_name = el
        elif test_id == "tweetText" and self.text is None:
            self.text = el
        elif test_id in ("reply", "like"):
            self.buttons.setdefault(test_id, el)
        if self.group is None and attrs.get("role") == "group" and attrs.get("aria-label"):
            self.group = el


def _ancestor(element: Tag, wanted) -> Tag | None:
    """The nearest ancestor that ``wanted`` accepts (bs4's ``find_parent``, without its matcher set-up)."""
    parent = element.parent
    while parent is not None:
        if wanted(parent):
            return parent
        parent = parent.parent
    return None


def _is_test_id(test_id: str):
    return lambda element: element.attrs.get("data-testid") == test_id


def parse(root: Tag, item: dict, ctx: ParseContext, tags: list[Tag] | None = None) -> None:
    """``tags``: ``all_tags(root)`` when the caller has it already."""
    item["kind"] = "tweet"
    tweet = _Tweet(root, tags)
    # The tweet's own permalink wraps its timestamp; quoted tweets come later in the markup.
    status_link = tweet.timed_status_link or (tweet.status_links[0] if tweet.status_links else None)
    if status_link is not None:
        match = _STATUS.match(status_link.get("href", ""))
        item["key"] = f"x:{match.group('id')}"
        user = match.group("user")
        path = f"/{user}/status/{match.group('id')}" if user else f"/i/status/{match.group('id')}"
        item["url"] = canonical_url(BASE + path)
    _author(tweet.user_name, item)
    item["text"] = clean_text(_text_with_emoji(tweet.text), TEXT_MAX) if tweet.text is not None else None
    item["title"] = clean_text(item["text"], TITLE_LENGTH)
    item["language"] = clean_text(tweet.text.get("lang"), 20) if tweet.text is not None else None
    time_el = status_link.find("time") if status_link is not None else root.find("time")
    if time_el is not None:
        item["published_at"] = parse_iso_datetime(time_el.get("datetime")) or parse_relative_date(
            text_of(time_el, 40), ctx.captured_at_ms)
    _metrics(tweet, item)
    image = tweet.photo or tweet.video
    item["thumbnail_url"] = canonical_url(image.get("src") or image.get("poster")) if image is not None else None
    if tweet.ad_label:
        item["sponsored"] = True


def _author(user_name: Tag | None, item: dict) -> None:
    if user_name is None:
        return
    links = (e for e in user_name.descendants if isinstance(e, Tag) and e.name == "a" and "href" in e.attrs)
    for link in links:
        handle = link["href"].strip("/")
        if re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
            item["author"] = clean_text(f"@{handle}", NAME_MAX)
            item["author_url"] = canonical_url(f"{BASE}/{handle}")
            return


def _text_with_emoji(element: Tag) -> str:
    parts = []
    for node in element.descendants:
        if isinstance(node, NavigableString):
            parts.append(str(node))
        elif node.name == "img" and node.get("alt"):
            parts.append(node["alt"])
    return "".join(parts)


def _metrics(tweet: _Tweet, item: dict) -> None:
    """Replies, likes and views from the action bar's aria-label ("57 replies, 70 likes, ...")."""
    label = attr(tweet.group, "aria-label") or ""
    for field in ("comments", "likes", "views"):
        match = re.search(rf"([\d.,\s]*\d[\d.,]*\s*[KkMm]?)\s+(?:{_METRIC_WORDS[field]})\b", label, re.I)
        if match:
            item[field] = parse_count(match.group(1))
    for field, test_id in (("comments", "reply"), ("likes", "like")):
        if item[field] is None:
            item[field] = parse_count(attr(tweet.buttons.get(test_id), "aria-label"))
