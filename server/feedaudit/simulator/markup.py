"""Item URLs and item HTML the simulator emits for each platform.

Each item is what the extension would capture on the real site, in the shape
the real parsers (:mod:`feedaudit.parsing`) read, so simulated items go through
the same ingest → parse → embed → categorize pipeline as real ones:

* youtube — a home-grid ``ytd-rich-item-renderer`` (``ytd-rich-grid-media``:
  ``a#thumbnail``, ``h3 > a#video-title-link``, ``ytd-channel-name``, duration
  badge, "… views" / "… ago" metadata line); a sponsored item is the same grid
  cell holding an in-feed ad (``ytd-ad-slot-renderer`` with a lockup, headline
  and advertiser line), which the parser files under ``youtube:ad:<videoId>``;
* reddit — a ``shreddit-post`` (``shreddit-ad-post`` when sponsored) whose
  attributes carry id, permalink, title, subreddit, author, score, comment
  count and creation time, linking out to the source's ``.example`` site;
* hackernews — a story row ``tr.athing.submission`` followed by its subtext
  row (score, submitter, age, comments), as the extension appends it.

The root element also carries ``data-feedaudit-sim="1"`` (the UI marks the item
as simulated) and the truth as data attributes: ``data-platform``,
``data-category``, ``data-source``, ``data-title``, ``data-clickbait`` and
``data-sponsored`` ("0"/"1"). Parsers need none of them. The title link also has
class ``sim-title`` and the item URL as href.

Ids are derived from the catalog item alone (one id per item on a platform):
YouTube video id = 11 characters of a hash of index and title, Reddit post id =
base 36 of ``REDDIT_FIRST_POST + index``, Hacker News id = ``HN_FIRST_STORY +
index``. Views, scores, ages and durations are hash-derived too, so an item's
HTML never changes between sightings. Publication times lie before the default
simulation start (2026-01-05). Outlinks use the reserved ``.example`` domain;
no thumbnail or avatar ``src`` is set (lazy-loaded images), so showing a
simulated item loads nothing from a real site.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from functools import lru_cache
from html import escape

from .catalog import CatalogItem

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Reddit post ids are sequential base-36 numbers; simulated posts count up from "1h00000".
REDDIT_FIRST_POST = int("1h00000", 36)
#: Hacker News story ids are sequential decimals.
HN_FIRST_STORY = 40_000_000
#: Items are published before this moment (the default simulation start, 2026-01-05 UTC).
PUBLISHED_BEFORE_MS = 1_767_571_200_000
_MAX_ACCOUNT_LENGTH = 15  # Hacker News usernames are at most 15 characters


def _handle(source: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", source)


def source_domain(source: str) -> str:
    """The made-up web domain of a source, e.g. "lab-bench-notes.example"."""
    return re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-") + ".example"


def poster_account(source: str) -> str:
    """The account that posts a source's items on Reddit and Hacker News, e.g. "labbenchnotes"."""
    return _handle(source).lower()[:_MAX_ACCOUNT_LENGTH]


def _digest(item: CatalogItem, salt: str = "") -> bytes:
    return hashlib.sha256(f"{salt}{item.index}:{item.title}".encode()).digest()


def _stable_token(item: CatalogItem, length: int) -> str:
    return "".join(_ID_ALPHABET[byte % len(_ID_ALPHABET)] for byte in _digest(item)[:length])


def _stable_number(item: CatalogItem, salt: str, low: int, high: int) -> int:
    """A number in [low, high] fixed by the item (salt picks an independent draw)."""
    return low + int.from_bytes(_digest(item, salt)[:8], "big") % (high - low + 1)


def _base36(number: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
    return digits or "0"


def youtube_video_id(item: CatalogItem) -> str:
    """The item's 11-character video id."""
    return _stable_token(item, 11)


def reddit_post_id(item: CatalogItem) -> str:
    """The item's base-36 post id (the part after ``t3_``)."""
    return _base36(REDDIT_FIRST_POST + item.index)


def hackernews_story_id(item: CatalogItem) -> int:
    return HN_FIRST_STORY + item.index


def _reddit_path(item: CatalogItem) -> str:
    return f"/r/{_handle(item.source)}/comments/{reddit_post_id(item)}/{item.slug}/"


@lru_cache(maxsize=8192)
def item_url(platform: str, item: CatalogItem) -> str:
    """Where the item links to on each platform (stable for a given item)."""
    if platform == "youtube":
        return f"https://www.youtube.com/watch?v={youtube_video_id(item)}"
    if platform == "reddit":
        return "https://www.reddit.com" + _reddit_path(item)
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


# ---------------------------------------------------------------- numbers and dates shown


def _age_seconds(item: CatalogItem) -> int:
    """How long before the simulation start the item was published (1 hour … 30 days)."""
    return _stable_number(item, "age", 3600, 30 * 86400)


def _published_ms(item: CatalogItem) -> int:
    return PUBLISHED_BEFORE_MS - _age_seconds(item) * 1000


def _relative_age(seconds: int) -> str:
    """YouTube/Hacker News style: "3 days ago", "1 hour ago"."""
    for unit, size in (("week", 7 * 86400), ("day", 86400), ("hour", 3600)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def _compact_count(number: int) -> str:
    """YouTube style: 845, 12K, 1.2M (one decimal below ten, truncated)."""
    for suffix, size in (("M", 1_000_000), ("K", 1_000)):
        if number >= size:
            tenths = number * 10 // size
            return f"{tenths / 10:.1f}{suffix}" if tenths < 100 and tenths % 10 else f"{tenths // 10}{suffix}"
    return str(number)


def _iso_timestamp(ms: int) -> str:
    """Reddit's created-timestamp format, e.g. "2026-01-03T14:09:01.234000+0000"."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


# ---------------------------------------------------------------- markup


@lru_cache(maxsize=16384)
def item_html(platform: str, item: CatalogItem, sponsored: bool) -> str:
    """The item's outerHTML as the extension would capture it."""
    truth = _truth_attributes(platform, item, sponsored)
    if platform == "youtube":
        return (_youtube_ad if sponsored else _youtube_video)(item, truth)
    if platform == "reddit":
        return _reddit_post(item, truth, sponsored)
    if platform == "hackernews":
        return _hackernews_story(item, truth)
    return _generic_item(platform, item, truth, sponsored)


def _truth_attributes(platform: str, item: CatalogItem, sponsored: bool) -> str:
    return (
        f'data-feedaudit-sim="1" data-platform="{escape(platform)}" data-category="{escape(item.category)}" '
        f'data-source="{escape(source_label(platform, item))}" data-title="{escape(item.title)}" '
        f'data-clickbait="{int(item.clickbait)}" data-sponsored="{int(sponsored)}"'
    )


def _youtube_duration(item: CatalogItem) -> tuple[str, str]:
    """The duration badge ("12:05") and its spoken form ("12 minutes, 5 seconds")."""
    seconds = _stable_number(item, "duration", 45, 45 * 60)
    minutes, rest = divmod(seconds, 60)
    spoken = f"{minutes} minute{'s' if minutes != 1 else ''}, {rest} second{'s' if rest != 1 else ''}"
    return f"{minutes}:{rest:02d}", spoken


def _youtube_video(item: CatalogItem, truth: str) -> str:
    """A 2022-style home-grid cell (``ytd-rich-grid-media``) as in real saved home pages."""
    video_id, url = youtube_video_id(item), escape(item_url("youtube", item))
    title, channel = escape(item.title), escape(item.source)
    channel_path = f"/@{escape(_handle(item.source))}"
    views = _stable_number(item, "views", 120, 4_800_000)
    age = _relative_age(_age_seconds(item))
    badge, spoken = _youtube_duration(item)
    label = f"{title} by {channel} {age} {spoken} {views:,} views"
    scope = "style-scope ytd-rich-grid-media"
    meta = "style-scope ytd-video-meta-block"
    return (
        f'<ytd-rich-item-renderer class="style-scope ytd-rich-grid-row" items-per-row="4" {truth}>'
        f'<div id="content" class="style-scope ytd-rich-item-renderer">'
        f'<ytd-rich-grid-media class="style-scope ytd-rich-item-renderer" lockup="true">'
        f'<div id="dismissible" class="{scope}">'
        f'<ytd-thumbnail class="{scope}" rich-grid-thumbnail="" size="large">'
        f'<a id="thumbnail" class="yt-simple-endpoint inline-block style-scope ytd-thumbnail" aria-hidden="true" '
        f'tabindex="-1" rel="null" href="/watch?v={video_id}">'
        f'<yt-img-shadow class="style-scope ytd-thumbnail no-transition">'
        f'<img id="img" class="style-scope yt-img-shadow" alt="" width="9999"></yt-img-shadow>'
        f'<div id="overlays" class="style-scope ytd-thumbnail">'
        f'<ytd-thumbnail-overlay-time-status-renderer class="style-scope ytd-thumbnail" overlay-style="DEFAULT">'
        f'<span id="text" class="style-scope ytd-thumbnail-overlay-time-status-renderer" aria-label="{spoken}">'
        f"{badge}</span></ytd-thumbnail-overlay-time-status-renderer></div></a></ytd-thumbnail>"
        f'<div id="details" class="{scope}">'
        f'<a id="avatar-link" class="yt-simple-endpoint {scope}" tabindex="-1" href="{channel_path}" title="{channel}">'
        f'<yt-img-shadow id="avatar" class="{scope} no-transition" width="48">'
        f'<img id="img" class="style-scope yt-img-shadow" alt="" width="48"></yt-img-shadow></a>'
        f'<div id="meta" class="{scope}"><h3 class="{scope}">'
        f'<a id="video-title-link" class="yt-simple-endpoint focus-on-expand {scope} sim-title" '
        f'aria-label="{label}" title="{title}" href="{url}">'
        f'<yt-formatted-string id="video-title" class="{scope}" aria-label="{label}">{title}</yt-formatted-string>'
        f"</a></h3>"
        f'<ytd-video-meta-block class="grid {scope}" rich-meta="">'
        f'<div id="metadata" class="{meta}"><div id="byline-container" class="{meta}">'
        f'<ytd-channel-name id="channel-name" class="{meta}">'
        f'<div id="container" class="style-scope ytd-channel-name"><div id="text-container" class="style-scope ytd-channel-name">'
        f'<yt-formatted-string id="text" class="style-scope ytd-channel-name complex-string" title="" '
        f'ellipsis-truncate="" has-link-only_="">'
        f'<a class="yt-simple-endpoint style-scope yt-formatted-string" spellcheck="false" href="{channel_path}" '
        f'dir="auto">{channel}</a></yt-formatted-string></div></div></ytd-channel-name>'
        f'<div id="separator" class="{meta}">•</div></div>'
        f'<div id="metadata-line" class="{meta}">'
        f'<span class="inline-metadata-item {meta}">{_compact_count(views)} views</span>'
        f'<span class="inline-metadata-item {meta}">{age}</span></div></div></ytd-video-meta-block>'
        f"</div>"
        f'<div id="menu" class="{scope}"><ytd-menu-renderer class="{scope}">'
        f'<yt-icon-button id="button" class="dropdown-trigger style-scope ytd-menu-renderer">'
        f'<button id="button" class="style-scope yt-icon-button" aria-label="Action menu"></button>'
        f"</yt-icon-button></ytd-menu-renderer></div></div></div></ytd-rich-grid-media></div>"
        f"</ytd-rich-item-renderer>"
    )


def _youtube_ad(item: CatalogItem, truth: str) -> str:
    """A grid cell holding an in-feed video ad (``ytd-ad-slot-renderer`` with a lockup)."""
    video_id, url = youtube_video_id(item), escape(item_url("youtube", item))
    title, advertiser = escape(item.title), escape(item.source)
    text = "yt-core-attributed-string yt-core-attributed-string--white-space-pre-wrap"
    return (
        f'<ytd-rich-item-renderer class="style-scope ytd-rich-grid-row" items-per-row="4" {truth}>'
        f'<div id="content" class="style-scope ytd-rich-item-renderer">'
        f'<ytd-ad-slot-renderer class="style-scope ytd-rich-item-renderer">'
        f'<div id="fulfilled-layout" class="style-scope ytd-ad-slot-renderer">'
        f'<ytd-in-feed-ad-layout-renderer class="style-scope ytd-ad-slot-renderer">'
        f'<div id="rendering-content" class="style-scope ytd-in-feed-ad-layout-renderer">'
        f'<yt-lockup-view-model class="yt-lockup-view-model--wrapper">'
        f'<div class="yt-lockup-view-model yt-lockup-view-model--vertical content-id-{video_id}">'
        f'<a class="yt-lockup-view-model__content-image sim-title" aria-hidden="true" tabindex="-1" href="{url}">'
        f'<yt-thumbnail-view-model class="ytThumbnailViewModelHost ytThumbnailViewModelAspectRatio16By9">'
        f'<div class="ytThumbnailViewModelImage"><img class="ytCoreImageHost ytCoreImageFillParentWidth" alt="">'
        f"</div></yt-thumbnail-view-model></a>"
        f'<div class="yt-lockup-view-model__metadata">'
        f'<feed-ad-metadata-view-model class="ytwFeedAdMetadataViewModelHostIsClickableAdComponent">'
        f'<div class="ytwFeedAdMetadataViewModelHostMetadata">'
        f'<span class="{text} ytwFeedAdMetadataViewModelHostTextsStyleCompactHeadline" role="text">{title}</span>'
        f'<div class="ytwFeedAdMetadataViewModelHostMetadataAdBadgeDetailsLineContainerStyleCompact">'
        f'<ad-badge-view-model class="ytwAdBadgeViewModelHostIsClickableAdComponent ytwAdBadgeViewModelHostStyleStandard">'
        f'<badge-shape class="yt-badge-shape yt-badge-shape--ad yt-badge-shape--ads-include-dot yt-badge-shape--typography">'
        f'<div class="yt-badge-shape__text">Sponsored</div></badge-shape></ad-badge-view-model>'
        f'<ad-details-line-view-model class="ytwAdDetailsLineViewModelHostIsClickableAdComponent">'
        f'<span class="{text} ytwAdDetailsLineViewModelHostTextStyleStandard" role="text">{advertiser}</span>'
        f"</ad-details-line-view-model></div></div></feed-ad-metadata-view-model></div></div>"
        f"</yt-lockup-view-model></div></ytd-in-feed-ad-layout-renderer></div></ytd-ad-slot-renderer></div>"
        f"</ytd-rich-item-renderer>"
    )


def _reddit_post(item: CatalogItem, truth: str, sponsored: bool) -> str:
    """A new-UI home-feed card: the parser reads the element's attributes."""
    post_id, path = reddit_post_id(item), escape(_reddit_path(item))
    title, subreddit, user = escape(item.title), escape(_handle(item.source)), escape(poster_account(item.source))
    created = _iso_timestamp(_published_ms(item))
    outlink = f"https://{source_domain(item.source)}/{item.slug}"
    tag = "shreddit-ad-post" if sponsored else "shreddit-post"
    return (
        f'<{tag} {truth} id="t3_{post_id}" class="block relative cursor-pointer bg-neutral-background '
        f'focus-within:bg-neutral-background-hover hover:bg-neutral-background-hover xs:rounded-[16px] px-md py-2xs my-2xs" '
        f'permalink="{path}" content-href="{escape(outlink)}" domain="{escape(source_domain(item.source))}" '
        f'post-title="{title}" post-type="link" post-language="en" '
        f'author="{user}" author-id="t2_{_base36(_stable_number(item, "author", 10**8, 10**9))}" '
        f'subreddit-id="t5_{_base36(_stable_number(item, "subreddit", 10**6, 10**7))}" '
        f'subreddit-name="{subreddit}" subreddit-prefixed-name="r/{subreddit}" '
        f'score="{_stable_number(item, "score", 1, 25_000)}" '
        f'comment-count="{_stable_number(item, "comments", 0, 1_500)}" created-timestamp="{created}" '
        f'view-context="AggregateFeed" view-type="cardView" is-link-post="">'
        f'<a slot="full-post-link" class="absolute inset-0" href="{path}" target="_self">'
        f"<faceplate-screen-reader-content>{title}</faceplate-screen-reader-content></a>"
        f'<span slot="credit-bar" class="flex justify-between text-12">'
        f'<span id="feed-post-credit-bar-t3_{post_id}" class="flex flex-wrap text-12 gap-2xs items-center">'
        f'<a class="flex items-center text-neutral-content font-semibold" href="/r/{subreddit}/">r/{subreddit}</a>'
        f'<span class="inline-block my-0 created-separator text-neutral-content-weak"> • </span>'
        f'<faceplate-timeago class="whitespace-nowrap text-neutral-content-weak" format="short" ts="{created}">'
        f"</faceplate-timeago></span></span>"
        f'<a id="post-title-t3_{post_id}" slot="title" class="block font-semibold text-neutral-content-strong m-0 '
        f'text-16 xs:text-18 mb-2xs xs:mb-xs overflow-hidden sim-title" href="{escape(item_url("reddit", item))}">'
        f"{title}</a>"
        f'<faceplate-tracker slot="post-media-container" source="post" action="click" noun="outbound_link">'
        f'<a class="text-12 text-secondary-weak" href="{escape(outlink)}" rel="noopener nofollow ugc" target="_blank">'
        f"{escape(source_domain(item.source))}</a></faceplate-tracker>"
        f"</{tag}>"
    )


def _hackernews_story(item: CatalogItem, truth: str) -> str:
    """The story row and its subtext row (the extension appends the subtext row)."""
    story, url = hackernews_story_id(item), escape(item_url("hackernews", item))
    domain, user = escape(source_domain(item.source)), escape(poster_account(item.source))
    published = _published_ms(item)
    iso = datetime.fromtimestamp(published / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    comments = _stable_number(item, "comments", 0, 400)
    comments_label = "discuss" if comments == 0 else f"{comments}\u00a0comment{'s' if comments != 1 else ''}"
    return (
        f'<tr class="athing submission" id="{story}" {truth}>'
        f'<td align="right" valign="top" class="title"><span class="rank"></span></td>'
        f'<td valign="top" class="votelinks"><center><a id="up_{story}" href="vote?id={story}&amp;how=up&amp;goto=news">'
        f'<div class="votearrow" title="upvote"></div></a></center></td>'
        f'<td class="title"><span class="titleline"><a class="sim-title" href="{url}">{escape(item.title)}</a>'
        f'<span class="sitebit comhead"> (<a href="from?site={domain}"><span class="sitestr">{domain}</span></a>)</span>'
        f"</span></td></tr>"
        f'<tr><td colspan="2"></td><td class="subtext"><span class="subline">'
        f'<span class="score" id="score_{story}">{_stable_number(item, "score", 2, 900)} points</span>'
        f' by <a href="user?id={user}" class="hnuser">{user}</a>'
        f' <span class="age" title="{iso} {published // 1000}"><a href="item?id={story}">'
        f"{_relative_age(_age_seconds(item))}</a></span>"
        f' <span id="unv_{story}"></span> | <a href="hide?id={story}&amp;goto=news">hide</a>'
        f' | <a href="item?id={story}">{comments_label}</a></span></td></tr>'
    )


def _generic_item(platform: str, item: CatalogItem, truth: str, sponsored: bool) -> str:
    """Platforms without realistic simulated markup yet (x, googlenews, news)."""
    url, title, source = escape(item_url(platform, item)), escape(item.title), escape(source_label(platform, item))
    ad_label = '<span class="sim-ad">Sponsored</span>' if sponsored else ""
    return (
        f'<div class="sim-item" {truth}>{ad_label}<a class="sim-title" href="{url}">{title}</a>'
        f'<span class="sim-source">{source}</span></div>'
    )
