"""YouTube items: old renderers (ytd-rich-item, compact, video, grid, reel), new lockups
(``yt-lockup-view-model``, shorts lockups) and ad slots.

Keys: ``youtube:<videoId>`` for videos, shorts and live streams; ``youtube:list:<listId>``
for playlists and mixes (kind "video"); ``youtube:ad:<videoId or digest>`` for ads, so a
promoted video and its organic sightings stay separate items.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from bs4 import Tag

from .common import (
    NAME_MAX, TITLE_MAX, attr, canonical_url, class_string, clean_text, parse_count,
    parse_duration, parse_relative_date, relative_seconds, stable_hash, text_of,
)
from ..sites import SimpleSelector, all_tags
from .context import ParseContext

BASE = "https://www.youtube.com/"
VIDEO_ID = r"[A-Za-z0-9_-]{11}"
_WATCH_ID = re.compile(rf"[?&]v=({VIDEO_ID})(?![A-Za-z0-9_-])")
_PATH_ID = re.compile(rf"/(shorts|live|embed)/({VIDEO_ID})(?![A-Za-z0-9_-])")
_THUMB_ID = re.compile(rf"ytimg\.com/vi(?:_webp)?/({VIDEO_ID})/")
_CONTENT_ID = re.compile(r"(?:^|\s)content-id-([A-Za-z0-9_-]+)")
_LIST_ID = re.compile(r"[?&]list=([A-Za-z0-9_-]+)")

PLAYLIST_TAGS = {"ytd-compact-radio-renderer", "ytd-radio-renderer", "ytd-playlist-renderer",
                 "ytd-compact-playlist-renderer", "ytd-grid-playlist-renderer"}
SHORTS_TAGS = {"ytd-reel-item-renderer", "ytm-shorts-lockup-view-model",
               "ytm-shorts-lockup-view-model-v2", "ytd-reel-video-renderer"}
COLLECTION_TAGS = {"yt-collections-stack", "yt-collection-thumbnail-view-model"}


def _selectors(*css: str) -> tuple[SimpleSelector, ...]:
    """Simple CSS selectors (``tag``, ``.class``, ``#id``, ``[attr*='v']``), matched in plain Python
    over the item's element list (a CSS engine per lookup cost more than the rest of the parse)."""
    parsed = tuple(SimpleSelector.parse(f"[id='{c[1:]}']" if c.startswith("#") else c) for c in css)
    assert all(parsed), css
    return parsed


# In priority order: the first selector with a non-empty match wins.
AD_TITLE = _selectors("[class*='Headline']", ".title-text", "#title", ".yt-lockup-metadata-view-model__title",
                      "[class*='LockupMetadataViewModelTitle']", "#video-title", "h3")
AD_TEXT = _selectors("[class*='Description']", "#body-text", "#description")
AD_ADVERTISER = _selectors("ad-details-line-view-model", "[class*='AdDetailsLine']", "#secondary-text",
                           "#website-text", "#domain")

# One pass over the item sorts its elements into these roles, by tag name, id and class
# (CSS selectors per field cost ~10x more on YouTube's deep markup).
MAIN_LINK_IDS = {"thumbnail", "video-title-link", "video-title"}
TITLE_TAGS = {"h3", "yt-shorts-video-title-view-model"}
_MAIN_LINK_CLASS = re.compile(r"ContentImage|content-image|reel-item-endpoint")
_TITLE_CLASS = re.compile(r"LockupMetadataViewModelTitle|lockup-metadata-view-model(?:-wiz)?__title|"
                          r"shortsLockupViewModelHostMetadataTitle")
_METADATA_CLASS = re.compile(r"inline-metadata-item|metadata-text|MetadataText|MetadataSubhead")
_BADGE_CLASS = re.compile(r"badge-shape|BadgeShape")
_LIVE_CLASS = re.compile(r"badge-style-type-live-now|ThumbnailLive|thumbnail-live|LiveBadge")
_DESCRIPTION_CLASS = re.compile(r"metadata-snippet-text|Snippet")
_METADATA_CONTAINER_IDS = {"metadata-line", "video-info", "overlay-metadata"}
CHANNEL_PATHS = ("/@", "/channel/", "/c/", "/user/")
_VIEW_WORDS = re.compile(
    r"view|visualiza|vista|aufruf|vue|visualizzazion|weergave|wyświetle|просмотр|izlenme|回|次", re.I)
_LIVE_WORDS = re.compile(r"watching|viendo|assistindo|regardent|zuschauer|spettatori", re.I)
_LIVE_BADGE = re.compile(r"^(?:LIVE|EN VIVO|EN DIRECT|AO VIVO|IN DIRETTA|LIVE NOW)$", re.I)


@lru_cache(maxsize=8192)
def _class_roles(classes: str) -> tuple[tuple[str, ...], bool, bool, bool, bool, bool]:
    """What a class attribute says about its element: (content ids, title, metadata, badge,
    description, live). YouTube repeats the same class strings on every item, so each
    distinct string is matched against the role patterns once."""
    if not classes:
        return (), False, False, False, False, False
    content_ids = tuple(_CONTENT_ID.findall(classes)) if "content-id-" in classes else ()
    return (content_ids, bool(_TITLE_CLASS.search(classes)), bool(_METADATA_CLASS.search(classes)),
            bool(_BADGE_CLASS.search(classes)), bool(_DESCRIPTION_CLASS.search(classes)),
            bool(_LIVE_CLASS.search(classes)))


class _Scan:
    """The item's elements by role, in document order (the root included)."""

    def __init__(self, root: Tag, tags: list[Tag] | None = None):
        self.root = root
        self.names: set[str] = set()
        self.links: list[Tag] = []
        self.images: list[Tag] = []
        self.content_ids: list[str] = []
        self.titles: list[Tag] = []
        self.metadata: list[Tag] = []
        self.badges: list[Tag] = []
        self.descriptions: list[Tag] = []
        self.channel_names: list[Tag] = []
        self.live = False
        self.shorts_overlay = False
        self.visible_playlist_thumbnail = False
        for element in all_tags(root) if tags is None else tags:
            self._sort(element)

    def _sort(self, el: Tag) -> None:
        name, attrs = el.name, el.attrs
        self.names.add(name)
        el_id = attrs.get("id")
        content_ids, is_title, is_metadata, is_badge, is_description, is_live = _class_roles(class_string(el))
        if name == "a" and attrs.get("href"):
            self.links.append(el)
        elif name == "img" and attrs.get("src"):
            self.images.append(el)
        if content_ids:
            self.content_ids.extend(content_ids)
        if el_id == "video-title" or name in TITLE_TAGS or is_title:
            self.titles.append(el)
        if is_metadata or (name == "span" and _in_metadata_container(el)):
            self.metadata.append(el)
        if name in ("ytd-thumbnail-overlay-time-status-renderer", "badge-shape") or is_badge:
            self.badges.append(el)
        if el_id in ("description-text", "description") or is_description:
            self.descriptions.append(el)
        if name == "ytd-channel-name" or el_id == "channel-name":
            self.channel_names.append(el)
        overlay = attrs.get("overlay-style")
        if overlay == "LIVE" or is_live:
            self.live = True
        if overlay == "SHORTS":
            self.shorts_overlay = True
        if name == "ytd-playlist-thumbnail" and "hidden" not in attrs:
            self.visible_playlist_thumbnail = True


def _in_metadata_container(el: Tag) -> bool:
    parent = el.parent
    for _ in range(3):
        if parent is None:
            return False
        if parent.get("id") in _METADATA_CONTAINER_IDS:
            return True
        parent = parent.parent
    return False


def parse(root: Tag, item: dict, ctx: ParseContext, tags: list[Tag] | None = None) -> None:
    """``tags``: ``all_tags(root)`` when the caller has it already."""
    if item["sponsored"]:
        _parse_ad((all_tags(root) if tags is None else tags)[1:], item)
        return
    scan = _Scan(root, tags)
    main_href = _main_href(scan)
    list_id = _playlist_id(root, scan, main_href)
    video_id = _video_id(scan, main_href) or _shorts_player_id(root, ctx)
    if list_id:
        item["key"] = f"youtube:list:{list_id}"
        item["url"] = canonical_url(f"{BASE}playlist?list={list_id}")
        item["kind"] = "video"
    elif video_id:
        is_short = _is_short(scan)
        item["key"] = f"youtube:{video_id}"
        path = f"shorts/{video_id}" if is_short else f"watch?v={video_id}"
        item["url"] = canonical_url(BASE + path)
        item["kind"] = "short" if is_short else "live" if _is_live(scan) else "video"
    item["title"] = _title(scan)
    item["text"] = _first_text_of(scan.descriptions, 5000)
    _author(scan, item)
    _metadata(scan, item, ctx)
    item["duration_s"] = _duration(scan)
    item["thumbnail_url"] = _thumbnail(scan.images)


def _shorts_player_id(root: Tag, ctx: ParseContext) -> str | None:
    """A reel in the Shorts player carries no link to itself; the URL names the reel on screen."""
    if root.name != "ytd-reel-video-renderer" or not ctx.page_url:
        return None
    match = _PATH_ID.search(urlsplit(ctx.page_url).path)
    return match.group(2) if match and match.group(1) == "shorts" else None


def _first_text_of(elements: list[Tag], limit: int) -> str | None:
    for element in elements:
        text = text_of(element, limit)
        if text:
            return text
    return None


def _first_text_matching(below: list[Tag], selectors: tuple[SimpleSelector, ...], limit: int) -> str | None:
    """Text of the first element with any, for the first selector that has one (``common.first_text``)."""
    for selector in selectors:
        for element in below:
            if selector.matches(element):
                text = text_of(element, limit)
                if text:
                    return text
    return None


def _parse_ad(below: list[Tag], item: dict) -> None:
    """An ad slot; ``below`` is every element under the item's root, in document order."""
    item["kind"] = "ad"
    labelled = next((e for e in below if "aria-label" in e.attrs), None)
    item["title"] = _first_text_matching(below, AD_TITLE, TITLE_MAX) or attr(labelled, "aria-label")
    item["text"] = _first_text_matching(below, AD_TEXT, 5000)
    item["author"] = _first_text_matching(below, AD_ADVERTISER, NAME_MAX)
    links = [e for e in below if e.name == "a" and "href" in e.attrs]
    video_id = _ad_video_id(links)
    if video_id:
        item["key"] = f"youtube:ad:{video_id}"
        item["url"] = canonical_url(f"{BASE}watch?v={video_id}")
    elif item["title"] or item["author"]:
        item["key"] = f"youtube:ad:{stable_hash(item['author'], item['title'])}"
        item["url"] = _ad_landing_url(links)
    item["thumbnail_url"] = _thumbnail([e for e in below if e.name == "img" and "src" in e.attrs])


def _ad_landing_url(links: list[Tag]) -> str | None:
    """The advertiser's page when the click-tracking link names it (``adurl=``)."""
    for link in (link for link in links if "adurl=" in link["href"]):
        target = parse_qs(urlsplit(link.get("href", "")).query).get("adurl", [None])[0]
        url = canonical_url(target)
        if url:
            return url
    return None


def _ad_video_id(links: list[Tag]) -> str | None:
    for link in links:
        href = link.get("href", "")
        query = parse_qs(urlsplit(href).query) if "video_id=" in href else {}
        candidate = (query.get("video_id") or [None])[0]
        if candidate and re.fullmatch(VIDEO_ID, candidate):
            return candidate
        if "googleadservices" not in href and "doubleclick" not in href:
            found = _id_from_href(href)
            if found:
                return found
    return None


def _id_from_href(href: str) -> str | None:
    match = _WATCH_ID.search(href)
    if match:
        return match.group(1)
    match = _PATH_ID.search(href)
    return match.group(2) if match else None


def _main_href(scan: _Scan) -> str:
    """The href of the item's main link (thumbnail or title), else of its first video link."""
    for link in scan.links:
        href = link.get("href", "")
        classes = class_string(link)
        if (link.get("id") in MAIN_LINK_IDS or _MAIN_LINK_CLASS.search(classes)
                or "/shorts/" in href or "watch?v=" in href):
            return href
    return ""


def _video_id(scan: _Scan, main_href: str) -> str | None:
    found = _id_from_href(main_href)
    if found:
        return found
    for content_id in scan.content_ids:
        if re.fullmatch(VIDEO_ID, content_id):
            return content_id
    for image in scan.images:
        match = _THUMB_ID.search(image.get("src", ""))
        if match:
            return match.group(1)
    return None


def _playlist_id(root: Tag, scan: _Scan, main_href: str) -> str | None:
    """The list id when the item is a playlist or mix rather than one video."""
    is_collection = ("start_radio=1" in main_href or root.name in PLAYLIST_TAGS
                     or bool(scan.names & COLLECTION_TAGS) or scan.visible_playlist_thumbnail)
    if not is_collection:
        return None
    for content_id in scan.content_ids:
        if not re.fullmatch(VIDEO_ID, content_id):
            return content_id
    for link in scan.links:
        match = _LIST_ID.search(link.get("href", ""))
        if match:
            return match.group(1)
    return None


def _is_short(scan: _Scan) -> bool:
    return (bool(scan.names & SHORTS_TAGS) or scan.shorts_overlay
            or any(link.get("href", "").startswith("/shorts/") for link in scan.links))


def _is_live(scan: _Scan) -> bool:
    if scan.live:
        return True
    badges = (text_of(b, 40) for b in scan.badges)
    return any(b and _LIVE_BADGE.match(b) for b in badges)


def _title(scan: _Scan) -> str | None:
    for element in scan.titles:
        title = attr(element, "title") or text_of(element, TITLE_MAX) or attr(element, "aria-label")
        if title:
            return clean_text(title, TITLE_MAX)
    return None


def _channel_link(scan: _Scan) -> Tag | None:
    """The channel's link: inside the channel-name element first (avatars and tooltips repeat
    the name), then a channel link in the metadata, then any channel link but the avatar."""
    for channel in scan.channel_names:
        link = _first_below(channel, lambda e: e.name == "a" and "href" in e.attrs)
        if link is not None:
            return link
    channel_links = [l for l in scan.links if l.get("href", "").startswith(CHANNEL_PATHS)]
    for link in channel_links:
        if _has_metadata_ancestor(link, scan.root):
            return link
    return next((l for l in channel_links if l.get("id") != "avatar-link"), None)


def _first_below(element: Tag, wanted) -> Tag | None:
    """The first element under ``element`` (document order) that ``wanted`` accepts, like bs4's ``find``."""
    return next((e for e in element.descendants if isinstance(e, Tag) and wanted(e)), None)


def _has_metadata_ancestor(element: Tag, root: Tag) -> bool:
    for parent in element.parents:
        if "etadata" in class_string(parent):
            return True
        if parent is root:
            return False
    return False


def _author(scan: _Scan, item: dict) -> None:
    link = _channel_link(scan)
    name = text_of(link, NAME_MAX) if link is not None else None
    if not name:
        for channel in scan.channel_names:
            name = text_of(_first_below(channel, lambda e: e.attrs.get("id") == "text") or channel, NAME_MAX)
            if name:
                break
    item["author"] = name
    if link is not None:
        item["author_url"] = canonical_url(link.get("href"), BASE)


def _metadata(scan: _Scan, item: dict, ctx: ParseContext) -> None:
    """Views and publication date from the metadata line ("1.2M views", "3 days ago")."""
    seen: set[str] = set()
    for piece in scan.metadata:
        text = text_of(piece, 200)
        if not text or text in seen:
            continue
        seen.add(text)
        if item["published_at"] is None and relative_seconds(text) is not None:
            item["published_at"] = parse_relative_date(text, ctx.captured_at_ms)
        elif item["views"] is None and _VIEW_WORDS.search(text) and not _LIVE_WORDS.search(text):
            item["views"] = parse_count(text)
        if item["kind"] == "video" and _LIVE_WORDS.search(text) and re.search(r"\d", text):
            item["kind"] = "live"


def _duration(scan: _Scan) -> int | None:
    for badge in scan.badges:
        seconds = parse_duration(text_of(badge, 40))
        if seconds is not None:
            return seconds
    return None


def _thumbnail(images: list[Tag]) -> str | None:
    for image in images:
        src = image.get("src", "")
        if "ytimg.com/vi" in src or ("googleusercontent.com" in src and "=w" in src):
            return canonical_url(src)
    return None
