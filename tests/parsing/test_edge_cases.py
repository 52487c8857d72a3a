"""Small hand-written items for the edge cases: bad markup never raises, hostile content
comes out inert, missing pieces become None."""

from __future__ import annotations

import pytest

from feedaudit.parsing import ITEM_FIELDS, parse_item, parse_page

CAPTURED = 1_700_000_000_000  # 2023-11-14T22:13:20Z
DAY, HOUR = 86_400_000, 3_600_000

YT_VIDEO = """
<ytd-video-renderer>
  <a id="thumbnail" href="/watch?v=abcdefghijk&amp;pp=xyz"><yt-image><img src="https://i.ytimg.com/vi/abcdefghijk/hqdefault.jpg"></yt-image>
    <ytd-thumbnail-overlay-time-status-renderer overlay-style="DEFAULT"><span id="text">12:34</span></ytd-thumbnail-overlay-time-status-renderer></a>
  <a id="video-title" href="/watch?v=abcdefghijk" title="Título del vídeo">Título del vídeo</a>
  <ytd-channel-name><yt-formatted-string id="text"><a href="/@canal">Canal</a></yt-formatted-string></ytd-channel-name>
  <div id="metadata-line"><span class="inline-metadata-item">1,2 M de visualizaciones</span><span class="inline-metadata-item">hace 3 días</span></div>
</ytd-video-renderer>
"""


def test_every_field_is_always_present():
    for html in (YT_VIDEO, "", "<p>nothing</p>"):
        item = parse_item("youtube", html, "https://www.youtube.com/results?search_query=x", "search", CAPTURED)
        assert tuple(item) == ITEM_FIELDS


def test_spanish_youtube_item_with_relative_date():
    item = parse_item("youtube", YT_VIDEO, "https://www.youtube.com/results?search_query=x", "search", CAPTURED)
    assert item["parse_status"] == "parsed"
    assert (item["key"], item["url"]) == ("youtube:abcdefghijk", "https://www.youtube.com/watch?v=abcdefghijk")
    assert (item["title"], item["author"], item["author_url"]) == ("Título del vídeo", "Canal", "https://www.youtube.com/@canal")
    assert (item["views"], item["duration_s"]) == (1_200_000, 754)
    assert item["published_at"] == CAPTURED - 3 * DAY
    assert item["thumbnail_url"] == "https://i.ytimg.com/vi/abcdefghijk/hqdefault.jpg"


def test_missing_thumbnail_is_none_and_the_item_still_parses():
    html = YT_VIDEO.replace('<yt-image><img src="https://i.ytimg.com/vi/abcdefghijk/hqdefault.jpg"></yt-image>', "")
    item = parse_item("youtube", html, None, "search", CAPTURED)
    assert (item["parse_status"], item["thumbnail_url"], item["key"]) == ("parsed", None, "youtube:abcdefghijk")


def test_live_and_upcoming_videos():
    live = YT_VIDEO.replace('overlay-style="DEFAULT"><span id="text">12:34</span>', 'overlay-style="LIVE"><span id="text">LIVE</span>') \
                   .replace("1,2 M de visualizaciones", "1.5K watching").replace("hace 3 días", "")
    item = parse_item("youtube", live, None, "search", CAPTURED)
    assert (item["kind"], item["duration_s"], item["views"], item["published_at"]) == ("live", None, None, None)
    upcoming = YT_VIDEO.replace('<span id="text">12:34</span>', '<span id="text">UPCOMING</span>') \
                       .replace("1,2 M de visualizaciones", "312 waiting").replace("hace 3 días", "Premieres 12/24/23, 6:00 PM")
    item = parse_item("youtube", upcoming, None, "search", CAPTURED)
    assert (item["kind"], item["duration_s"], item["views"], item["published_at"]) == ("video", None, None, None)
    assert item["parse_status"] == "parsed"


def test_deleted_reddit_author():
    new_ui = ('<shreddit-post id="t3_abc12" post-title="Gone" author="[deleted]" subreddit-prefixed-name="r/test" '
              'permalink="/r/test/comments/abc12/gone/" score="5" comment-count="2"></shreddit-post>')
    item = parse_item("reddit", new_ui, "https://www.reddit.com/r/test/", "subreddit", CAPTURED)
    assert (item["author"], item["author_url"], item["parse_status"]) == ("r/test", "https://www.reddit.com/r/test/", "parsed")
    old_ui = ('<div class="thing link" data-fullname="t3_abc12" data-author="[deleted]" data-subreddit-prefixed="r/test" '
              'data-permalink="/r/test/comments/abc12/gone/" data-timestamp="1699999000000">'
              '<a class="title" href="/r/test/comments/abc12/gone/">Gone</a><time>2 hours ago</time></div>')
    item = parse_item("reddit", old_ui, "https://old.reddit.com/r/test/", "subreddit", CAPTURED)
    assert (item["key"], item["author"], item["published_at"]) == ("reddit:t3_abc12", "r/test", 1_699_999_000_000)
    assert item["url"] == "https://www.reddit.com/r/test/comments/abc12/gone/"


def test_non_english_relative_dates_in_reddit_and_x():
    unit = ('<div data-testid="search-post-unit"><a data-testid="post-title-text" href="/r/merval/comments/zz9/x/">Hola</a>'
            '<a href="/r/merval/">r/merval</a><time>hace 4 días</time></div>')
    item = parse_item("reddit", unit, None, "search", CAPTURED)
    assert (item["key"], item["published_at"]) == ("reddit:t3_zz9", CAPTURED - 4 * DAY)
    tweet = ('<article data-testid="tweet"><div data-testid="User-Name"><a href="/someone">Some One</a></div>'
             '<a href="/someone/status/123"><time>2h</time></a><div data-testid="tweetText" lang="de">Hallo</div></article>')
    item = parse_item("x", tweet, "https://x.com/home", "timeline", CAPTURED)
    assert (item["key"], item["published_at"], item["language"], item["author"]) == ("x:123", CAPTURED - 2 * HOUR, "de", "@someone")


def test_promoted_tweet_is_found_by_its_text_label():
    tweet = ('<article data-testid="tweet"><div data-testid="User-Name"><a href="/brand">Brand</a></div>'
             '<div data-testid="tweetText">Buy our thing</div><a href="/brand/status/999/analytics">x</a>'
             '<div><span>Ad</span></div></article>')
    item = parse_item("x", tweet, "https://x.com/home", "timeline", CAPTURED)
    assert (item["sponsored"], item["key"]) == (True, "x:999")
    organic = tweet.replace("<span>Ad</span>", "<span>Adam</span>")
    assert parse_item("x", organic, "https://x.com/home", "timeline", CAPTURED)["sponsored"] is False


def test_hostile_content_comes_out_inert():
    html = ('<tr class="athing" id="42"><td class="title"><span class="titleline">'
            '<a href="javascript:alert(document.cookie)">Click <script>alert(1)</script>me'
            '<img src=x onerror="alert(2)"></a></span></td></tr>'
            '<tr><td class="subtext"><span class="score">1 point</span> by <a class="hnuser" href="user?id=evil">evil</a>'
            '<style>body{display:none}</style></td></tr>')
    item = parse_item("hackernews", html, "https://news.ycombinator.com/", "front", CAPTURED)
    assert (item["key"], item["title"], item["url"]) == ("hackernews:42", "Click me", None)
    assert item["parse_status"] == "partial" and item["parse_error"] == "missing url"
    assert (item["author"], item["score"]) == ("evil", 1)


def test_one_megabyte_of_text_is_capped():
    html = f'<article><h2><a href="/a">{"A" * 1_000_000}</a></h2><p>{"b " * 500_000}</p></article>'
    item = parse_item("news", html, "https://news.example.org/", "front", CAPTURED)
    assert item["parse_status"] == "parsed"
    assert len(item["title"]) == 500 and len(item["text"]) <= 5000
    assert item["url"] == "https://news.example.org/a"


@pytest.mark.parametrize("platform", ["youtube", "reddit", "x", "hackernews", "googlenews", "news"])
@pytest.mark.parametrize("html, reason", [
    ("", "empty item HTML"),
    ("   \n ", "empty item HTML"),
    ("just some words, no markup", "no element in item HTML"),
    ("\x00\x01\x02<<<>>>\ufffd", "no element in item HTML"),
    ("<div><span>", None),
    ("<!-- only a comment -->", "no element in item HTML"),
])
def test_garbage_fails_cleanly(platform, html, reason):
    item = parse_item(platform, html, "https://example.com/", "front", CAPTURED)
    assert item["parse_status"] == "failed"
    assert item["parse_error"] == (reason or "no item identity (key) found")
    assert item["platform"] == platform


def test_truncated_real_markup_is_partial_not_an_exception():
    truncated = YT_VIDEO[: YT_VIDEO.index("<a id=\"video-title\"")]  # cut before the title
    item = parse_item("youtube", truncated, None, "search", CAPTURED)
    assert (item["parse_status"], item["key"]) == ("partial", "youtube:abcdefghijk")
    assert item["parse_error"] == "missing title"
    assert parse_item("youtube", YT_VIDEO[:40], None, "search", CAPTURED)["parse_status"] == "failed"


def test_wrong_inputs_never_raise():
    assert parse_item("myspace", YT_VIDEO)["parse_error"] == "unknown platform: 'myspace'"
    assert parse_item(["youtube"], YT_VIDEO)["parse_error"] == "unknown platform: ['youtube']"  # type: ignore[arg-type]
    odd_time = parse_item("youtube", YT_VIDEO, 42, "search", "yesterday")  # type: ignore[arg-type]
    assert (odd_time["parse_status"], odd_time["published_at"]) == ("parsed", None)
    assert parse_item("youtube", None)["parse_error"] == "empty item HTML"  # type: ignore[arg-type]
    assert parse_item("youtube", b"<a>")["parse_error"] == "empty item HTML"  # type: ignore[arg-type]
    assert parse_page("", "https://www.youtube.com/") == []
    assert parse_page("<html></html>", "https://news.ycombinator.com/item?id=1") == []
    assert parse_page(None, "https://www.youtube.com/") == []  # type: ignore[arg-type]


def test_pathologically_deep_markup_does_not_escape_as_an_exception():
    deep = "<div>" * 20_000 + '<a href="/r/x/comments/abc/t/">t</a>' + "</div>" * 20_000
    item = parse_item("reddit", f'<div data-testid="search-post-unit">{deep}</div>', None, "search", CAPTURED)
    assert (item["parse_status"], item["key"], item["title"]) == ("parsed", "reddit:t3_abc", "t")


SHORTS_LOCKUP = """
<ytd-rich-item-renderer class="style-scope ytd-rich-shelf-renderer" is-slim-media="">
 <div id="content"><ytm-shorts-lockup-view-model-v2><ytm-shorts-lockup-view-model class="shortsLockupViewModelHost">
  <a href="/shorts/AbCdEfGhIj0" class="shortsLockupViewModelHostEndpoint reel-item-endpoint">
   <img class="ytCoreImageHost" src="https://i.ytimg.com/vi/AbCdEfGhIj0/oardefault.jpg"></a>
  <div class="shortsLockupViewModelHostOutsideMetadata">
   <h3 class="shortsLockupViewModelHostMetadataTitle"><a href="/shorts/AbCdEfGhIj0"><span>Cat learns to open doors</span></a></h3>
   <div class="shortsLockupViewModelHostOutsideMetadataSubhead"><span>2.3M views</span></div>
  </div>
 </ytm-shorts-lockup-view-model></ytm-shorts-lockup-view-model-v2></div>
</ytd-rich-item-renderer>
"""


def test_new_shorts_lockup():
    item = parse_item("youtube", SHORTS_LOCKUP, "https://www.youtube.com/", "home", CAPTURED)
    assert (item["key"], item["kind"], item["url"]) == (
        "youtube:AbCdEfGhIj0", "short", "https://www.youtube.com/shorts/AbCdEfGhIj0")
    assert (item["title"], item["views"], item["author"], item["parse_status"]) == (
        "Cat learns to open doors", 2_300_000, None, "parsed")


REDDIT_FEED_WITH_AD = """
<shreddit-feed>
 <article><shreddit-post id="t3_1ks0001" post-title="Organic post" author="alice" subreddit-prefixed-name="r/test"
   permalink="/r/test/comments/1ks0001/organic_post/" score="12" comment-count="3"
   created-timestamp="2025-05-20T10:00:00.000000+0000"></shreddit-post></article>
 <shreddit-ad-post id="t3_1abc2de" post-title="Build faster with Acme Cloud" author="AcmeCloud"
   permalink="/user/AcmeCloud/comments/1abc2de/build_faster_with_acme_cloud/" score="0" comment-count="0">
   <a slot="full-post-link" href="/user/AcmeCloud/comments/1abc2de/build_faster_with_acme_cloud/"></a>
   <span>Promoted</span></shreddit-ad-post>
</shreddit-feed>
"""


def test_new_reddit_promoted_post():
    items = parse_page(REDDIT_FEED_WITH_AD, "https://www.reddit.com/r/test/", CAPTURED)
    assert [(i["rank"], i["key"], i["sponsored"]) for i in items] == [
        (1, "reddit:t3_1ks0001", False), (2, "reddit:t3_1abc2de", True)]
    ad = items[1]
    assert (ad["title"], ad["author"], ad["kind"], ad["parse_status"]) == (
        "Build faster with Acme Cloud", "u/AcmeCloud", "post", "parsed")
    assert ad["url"] == "https://www.reddit.com/user/AcmeCloud/comments/1abc2de/build_faster_with_acme_cloud/"
    assert items[0]["published_at"] == 1_747_735_200_000  # 2025-05-20T10:00:00Z


def test_shorts_player_reel_takes_its_id_from_the_page_url():
    reel = ('<ytd-reel-video-renderer is-active><yt-shorts-video-title-view-model><h2><span>Ocean waves at night</span>'
            '</h2></yt-shorts-video-title-view-model><a href="/@seaside">@seaside</a></ytd-reel-video-renderer>')
    item = parse_item("youtube", reel, "https://www.youtube.com/shorts/XHPVxR6OFFA", "shorts", CAPTURED)
    assert (item["key"], item["kind"], item["url"]) == (
        "youtube:XHPVxR6OFFA", "short", "https://www.youtube.com/shorts/XHPVxR6OFFA")
    assert (item["author"], item["author_url"]) == ("@seaside", "https://www.youtube.com/@seaside")
    assert (item["title"], item["parse_status"]) == ("Ocean waves at night", "parsed")
    assert parse_item("youtube", reel, "https://www.youtube.com/", "home", CAPTURED)["parse_status"] == "failed"
