"""Whole real pages through ``parse_page``: item counts read off the markup by hand,
invariants on every item, and exact values for a sample of items per page.

Capture times are the pages' documented save times (PROVENANCE.md); relative dates
("20 hours ago") are counted back from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from feedaudit import sites
from feedaudit.parsing import parse_item, parse_page

HOUR, DAY, YEAR = 3_600_000, 86_400_000, 365 * 86_400_000


@dataclass(frozen=True)
class Page:
    file: str
    url: str
    captured_ms: int
    count: int                 # feed items, counted by reading the markup
    sponsored_ranks: tuple     # ranks of the ads / promoted items
    authorless_kinds: tuple = ()  # kinds that show no author on this page


PAGES = {
    # 1 display ad + 47 grid videos + a 12-item movie shelf; a hidden watch page also sits in the DOM.
    "yt_home": Page("youtube/trex_home_a09ba9af32_2022-03-24_en-US.html", "https://www.youtube.com/",
                    1_648_132_320_000, 60, (1,)),
    # Labelled "search" upstream, but the visible page is the home grid (ytd-search and the
    # channel page holding the reel shelf are both hidden): 8 + Shorts shelf of 8 + 12.
    "yt_home_shorts": Page("youtube/trex_search_0f73cadacd_2022-09-23_en-US.html", "https://www.youtube.com/",
                           1_663_943_880_000, 28, (), ("short",)),
    # Sidebar: 17 ytd-compact-video-renderer + 3 ytd-compact-radio-renderer (mixes).
    "yt_watch": Page("youtube/trex_watch_05b5d4a6e2_2022-03-24_en-US.html",
                     "https://www.youtube.com/watch?v=PGXcFGlofbQ", 1_648_136_820_000, 20, ()),
    # 5 ad slots (2 inside ytd-search-pyv-renderer), 13 ytd-video-renderer, 11 playlist lockups.
    "yt_search": Page("youtube/x10tube_search_javascript-tutorial_2026-01.html",
                      "https://www.youtube.com/results?search_query=javascript+tutorial",
                      1_769_558_400_000, 29, (1, 4, 7, 16, 22)),
    "old_reddit": Page("reddit/old-reddit_r-Python_2024-10-18.html", "https://old.reddit.com/r/Python/",
                       1_729_279_020_000, 30, (4, 16, 28)),
    "shreddit": Page("reddit/shreddit_r-cybersecurity_2025-05-22.html", "https://www.reddit.com/r/cybersecurity/",
                     1_747_958_400_000, 3, ()),
    "shreddit_search": Page("reddit/shreddit_search_GGAL_2025-07.html",
                            "https://www.reddit.com/search/?q=%24GGAL&sort=new", 1_753_056_000_000, 55, ()),
    "x_okx": Page("x/xingest_profile_okx_2026-01-20.html", "https://x.com/okx", 1_768_890_000_000, 6, ()),
    "x_nikita": Page("x/xingest_profile_nikitabier_2026-01-20.html", "https://x.com/nikitabier",
                     1_768_890_000_000, 9, ()),
    "hn_front": Page("hackernews/oscanweb_hn-front_2026-04-26.html", "https://news.ycombinator.com/",
                     1_777_195_800_000, 30, (), ("job",)),
    "gnews_home": Page("news/google-news_home_en-IN_2025-02-02.html",
                       "https://news.google.com/home?hl=en-IN&gl=IN&ceid=IN:en", 1_738_520_280_000, 10, ()),
    "gnews_search": Page("news/google-news_search_NVDA_2025-05-21.html",
                         "https://news.google.com/search?q=NVDA&hl=en-US&gl=US&ceid=US%3Aen",
                         1_747_792_500_000, 100, ()),
}


@pytest.fixture(scope="module")
def parsed(read_page):
    cache = {}

    def parse(name: str) -> list[dict]:
        if name not in cache:
            page = PAGES[name]
            cache[name] = parse_page(read_page(page.file), page.url, page.captured_ms)
        return cache[name]
    return parse


def by_rank(items: list[dict], rank: int) -> dict:
    return items[rank - 1]


# ------------------------------------------------------------------ every page

@pytest.mark.parametrize("name", PAGES)
def test_finds_exactly_the_feed_items(parsed, name):
    items = parsed(name)
    assert len(items) == PAGES[name].count
    assert [i["rank"] for i in items] == list(range(1, len(items) + 1))


@pytest.mark.parametrize("name", PAGES)
def test_sponsored_is_set_exactly_on_the_ads(parsed, name):
    items = parsed(name)
    assert tuple(i["rank"] for i in items if i["sponsored"]) == PAGES[name].sponsored_ranks


@pytest.mark.parametrize("name", PAGES)
def test_every_item_parses_with_title_url_and_unique_key(parsed, name):
    items = parsed(name)
    assert {i["parse_status"] for i in items} == {"parsed"}
    for item in items:
        assert item["title"], item
        if not item["sponsored"]:
            assert item["url"].startswith(("https://", "http://")), item
    keys = [i["key"] for i in items]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("name", PAGES)
def test_author_is_present_wherever_the_page_shows_one(parsed, name):
    for item in parsed(name):
        if item["kind"] in PAGES[name].authorless_kinds:
            assert item["author"] is None, item
        else:
            assert item["author"], item


@pytest.mark.parametrize("name", PAGES)
def test_parse_item_on_captured_html_matches_the_in_page_parse(read_page, parsed, name):
    """The extension sends each item's outerHTML (plus HN's subtext row): same result."""
    page = PAGES[name]
    definition = sites.definition_for_url(page.url)
    surface = sites.surface_for_url(definition, page.url)
    soup = BeautifulSoup(read_page(page.file), "lxml")
    for element, expected in zip(sites.select_items(soup, surface), parsed(name), strict=True):
        sibling = sites.next_sibling_context(element, definition)
        html = str(element) + (str(sibling) if sibling is not None else "")
        item = parse_item(definition.id, html, page.url, surface.name, page.captured_ms)
        assert item == {k: v for k, v in expected.items() if k not in ("rank", "surface")}


# ------------------------------------------------------------------ samples, YouTube

def test_youtube_home_samples(parsed):
    items = parsed("yt_home")
    assert all(i["surface"] == "home" for i in items)
    ad = by_rank(items, 1)
    assert (ad["kind"], ad["title"], ad["author"], ad["text"]) == (
        "ad", "Feines Essen, ganz ohne Stress", "HelloFresh™",
        "Nur die frischesten Zutaten von lokalen Lieferanten kommen in Deine Box. Code: HELLOCH140")
    # The display ad's click URL names the landing page in ``adurl``; its own tracking is kept.
    assert ad["url"] == "https://www.hellofresh.ch/pages/cook-this-big-idea?c=HELLOCH140&dis=communication_fourteen"
    video = by_rank(items, 2)
    assert video["key"] == "youtube:TnKZvVdg4Lk"
    assert video["url"] == "https://www.youtube.com/watch?v=TnKZvVdg4Lk"
    assert video["title"] == "SILVERTON SIEGE Trailer (2022) Arnold Vosloo, Action Movie"
    assert (video["author"], video["author_url"]) == ("Movie Coverage", "https://www.youtube.com/c/MovieCoverage")
    assert (video["views"], video["duration_s"], video["kind"]) == (4500, 143, "video")  # "4.5K views", "2:23"
    assert video["published_at"] == 1_648_132_320_000 - 3 * HOUR  # "3 hours ago"
    mix = by_rank(items, 48)
    assert (mix["key"], mix["url"]) == ("youtube:list:RD0WudGPRnEZw",
                                        "https://www.youtube.com/playlist?list=RD0WudGPRnEZw")
    live = by_rank(items, 59)
    assert (live["key"], live["kind"], live["author"]) == ("youtube:SyloDF8NF0U", "live", "Key & Peele")


def test_youtube_shorts_shelf_samples(parsed):
    items = parsed("yt_home_shorts")
    assert [i["kind"] for i in items].count("short") == 8
    short = by_rank(items, 9)
    assert short["key"] == "youtube:XHPVxR6OFFA"
    assert short["url"] == "https://www.youtube.com/shorts/XHPVxR6OFFA"
    assert short["title"] == "Shake that Rear Camera iPhone !!!!"
    assert short["views"] == 1_000_000  # "1M views"


def test_youtube_watch_next_samples(parsed):
    items = parsed("yt_watch")
    first = by_rank(items, 1)
    assert (first["key"], first["title"], first["author"]) == (
        "youtube:SGi5gKY7by4", "Disco Diamonds - Turn The Beat Around", "The DJJade")
    assert (first["views"], first["duration_s"]) == (179, 326)  # "179 views", "5:26"
    assert first["published_at"] == 1_648_136_820_000 - 20 * HOUR  # "20 hours ago"
    assert [i["key"] for i in items if i["key"].startswith("youtube:list:")] == [
        "youtube:list:RDGMEMYH9CUrFO7CfLJpaD7UR85w", "youtube:list:RDMM", "youtube:list:RDPGXcFGlofbQ"]


def test_youtube_search_samples(parsed):
    items = parsed("yt_search")
    video_ad = by_rank(items, 1)
    assert (video_ad["key"], video_ad["kind"], video_ad["author"]) == ("youtube:ad:YfecrCH6xwk", "ad", "Tradeando")
    assert video_ad["url"] == "https://www.youtube.com/watch?v=YfecrCH6xwk"
    video = by_rank(items, 2)
    assert video["key"] == "youtube:W6NZfCO5SIk"
    assert video["url"] == "https://www.youtube.com/watch?v=W6NZfCO5SIk"  # the "pp" tracking param is gone
    assert video["title"] == "JavaScript Course for Beginners – Your First Step to Web Development"
    assert (video["author"], video["author_url"]) == ("Programming with Mosh",
                                                      "https://www.youtube.com/@programmingwithmosh")
    assert (video["views"], video["duration_s"]) == (14_000_000, 2897)  # "14m views", "48:17"
    assert video["published_at"] == 1_769_558_400_000 - 7 * YEAR  # "7 years ago"
    text_ad = by_rank(items, 4)
    assert (text_ad["title"], text_ad["author"], text_ad["url"]) == (
        "MIT Artificial Intelligence course", "MIT Sloan + MIT CSAIL", None)
    playlist = by_rank(items, 5)
    assert (playlist["key"], playlist["title"], playlist["author"]) == (
        "youtube:list:PLlasXeu85E9cQ32gLCvAvr9vNaUccPVNP", "Namaste 🙏 JavaScript", "Akshay Saini")


def test_youtube_new_lockup_fragments(read_page):
    normal = parse_item("youtube", read_page("youtube/vulpelo_fragment_video_element_NORMAL-1.html"),
                        "https://www.youtube.com/", "home", 1_757_289_600_000)
    assert (normal["key"], normal["kind"], normal["title"]) == (
        "youtube:EKPdg-aZ468", "video", "Rosyjscy oszuści zhakowali mój Steam")
    assert (normal["author"], normal["views"], normal["duration_s"]) == ("PC Security Channel", 8000, 82)
    assert normal["published_at"] == 1_757_289_600_000 - 17 * HOUR  # Polish "17 godzin temu"
    live = parse_item("youtube", read_page("youtube/vulpelo_fragment_video_element_LIVE-3.html"),
                      "https://www.youtube.com/", "home", 1_776_729_600_000)
    assert (live["key"], live["kind"], live["author"], live["parse_status"]) == (
        "youtube:kPyrIZX95f8", "live", "MrKirlen", "parsed")
    assert live["title"] == "Od 0 na nowym Polskim serwerze - The Enclave!"
    assert live["author_url"] == "https://www.youtube.com/@MrKirlen"


# ------------------------------------------------------------------ samples, Reddit

def test_old_reddit_samples(parsed):
    items = parsed("old_reddit")
    post = by_rank(items, 3)
    assert post["key"] == "reddit:t3_1g6m2mb"
    assert post["title"] == "I built an open-source AI-driven Code Review app for GitHub repos"
    assert post["url"] == "https://www.reddit.com/r/Python/comments/1g6m2mb/i_built_an_opensource_aidriven_code_review_app/"
    assert (post["author"], post["author_url"]) == ("r/Python · u/shootingstar00",
                                                    "https://www.reddit.com/user/shootingstar00/")
    assert (post["score"], post["comments"], post["published_at"]) == (11, 8, 1_729_268_281_000)
    promoted = by_rank(items, 4)
    assert (promoted["key"], promoted["author"], promoted["sponsored"]) == (
        "reddit:t3_179gq0a", "u/RedditforBusiness", True)
    assert promoted["url"] == ("https://www.reddit.com/user/RedditforBusiness/comments/179gq0a/"
                               "my_boss_wanted_me_to_make_an_infographic_howd_i_do/")


def test_shreddit_samples(parsed):
    post = by_rank(parsed("shreddit"), 1)
    assert post["key"] == "reddit:t3_1ksrnlg"
    assert post["title"] == "Major data leak exposed 184M Facebook, Snapchat, Roblox logins and passwords"
    assert post["url"] == "https://www.reddit.com/r/cybersecurity/comments/1ksrnlg/major_data_leak_exposed_184m_facebook_snapchat/"
    assert post["author"] == "r/cybersecurity · u/adriano26"
    assert (post["score"], post["comments"], post["published_at"]) == (570, 34, 1_747_922_941_234)


def test_shreddit_search_samples(parsed):
    unit = by_rank(parsed("shreddit_search"), 2)
    assert unit["key"] == "reddit:t3_1m1d59r"
    assert unit["title"] == "Buy Signal Grupo Financiero Galicia - 16 Jul 2025 @ 09:49 -> USD46.82"
    assert unit["url"] == "https://www.reddit.com/r/getagraph/comments/1m1d59r/buy_signal_grupo_financiero_galicia_16_jul_2025/"
    assert (unit["author"], unit["author_url"]) == ("r/getagraph", "https://www.reddit.com/r/getagraph/")
    assert (unit["score"], unit["comments"]) == (1, 0)  # "1 voto", "0 comentarios"
    assert unit["published_at"] == 1_752_673_924_273  # ts="2025-07-16T13:52:04.273000+0000"


# ------------------------------------------------------------------ samples, X

def test_x_samples(parsed):
    tweet = by_rank(parsed("x_okx"), 2)
    assert tweet["key"] == "x:2013469559152431502"
    assert tweet["url"] == "https://x.com/okx/status/2013469559152431502"
    assert tweet["text"] == tweet["title"] == "Holding the New Money App with my 💎🙌"
    assert (tweet["author"], tweet["author_url"], tweet["language"]) == ("@okx", "https://x.com/okx", "en")
    assert (tweet["comments"], tweet["likes"], tweet["views"]) == (57, 70, 8796)
    assert tweet["published_at"] == 1_768_883_526_000  # 2026-01-20T04:32:06.000Z
    assert tweet["thumbnail_url"] == "https://pbs.twimg.com/media/G_FH4JsXIAAThQY?format=jpg&name=small"
    quoting = by_rank(parsed("x_nikita"), 5)  # quotes another tweet: the key is its own id
    assert (quoting["key"], quoting["author"]) == ("x:1895677779469037970", "@nikitabier")


# ------------------------------------------------------------------ samples, Hacker News

def test_hacker_news_samples(parsed):
    items = parsed("hn_front")
    story = by_rank(items, 1)
    assert (story["key"], story["kind"]) == ("hackernews:47907879", "story")
    assert story["title"] == "The West Forgot How to Make Things. Now It's Forgetting How to Code"
    assert story["url"] == "https://techtrenches.dev/p/the-west-forgot-how-to-make-things"
    assert (story["author"], story["author_url"]) == ("milkglass", "https://news.ycombinator.com/user?id=milkglass")
    assert (story["score"], story["comments"], story["published_at"]) == (284, 145, 1_777_184_682_000)
    job = by_rank(items, 11)
    assert (job["key"], job["kind"], job["score"], job["author"], job["sponsored"]) == (
        "hackernews:47908047", "job", None, None, False)
    assert job["title"] == "Terra API (YC W21) Hiring: Applied AI Strategist(Health Intelligence)"
    assert [i["kind"] for i in items].count("job") == 1


# ------------------------------------------------------------------ samples, Google News

def test_google_news_samples(parsed):
    card = by_rank(parsed("gnews_home"), 2)
    url = "https://www.cricbuzz.com/cricket-news/133308/stats-record-breaking-abhishek-lights-up-wankhede"
    assert (card["key"], card["url"]) == (f"news:{url}", url)
    assert card["title"] == "Stats: Record-breaking Abhishek lights up Wankhede"
    assert (card["author"], card["author_url"]) == ("Cricbuzz", "https://www.cricbuzz.com/")
    assert card["published_at"] == 1_738_511_270_000  # 2025-02-02T15:47:50Z
    result = by_rank(parsed("gnews_search"), 2)
    assert result["url"] == "https://www.bloomberg.com/news/articles/2025-01-28/why-deepseek-tanked-the-stock-market-nvda"
    assert (result["title"], result["author"]) == ("The AI Model That Tanked the Stock Market", "Bloomberg.com")
    assert result["thumbnail_url"].startswith("https://news.google.com/api/attachments/")


NEWS_FRONT = """
<html lang="en"><body>
<article class="story"><h2><a href="/world/2025/05/21/talks-resume?utm_source=home">Talks resume in Geneva</a></h2>
  <p>Negotiators met again on Wednesday.</p><span class="byline"><a href="/people/ana-ruiz">Ana Ruiz</a></span>
  <time datetime="2025-05-21T08:00:00Z">3 hours ago</time><img src="/img/geneva.jpg"></article>
<article class="story sponsored"><a href="https://brand.example/offer"><h3>Save 20% on everything</h3></a></article>
<article class="story"><h3><a href="https://other.example/science/comet">A comet returns</a></h3><time>2 days ago</time></article>
<div class="rail"><article><h4>Most read</h4><p>No link: kept, but it cannot be identified.</p></article></div>
</body></html>
"""


def test_generic_news_definition_reads_headline_links_in_article_blocks():
    items = parse_page(NEWS_FRONT, "https://news.example.org/", 1_747_821_600_000)  # 2025-05-21T10:00Z
    assert [i["title"] for i in items] == ["Talks resume in Geneva", "Save 20% on everything", "A comet returns",
                                           "Most read"]
    assert {(i["platform"], i["surface"], i["kind"]) for i in items} == {("news", "front", "article")}
    first, ad, third, linkless = items
    assert (linkless["key"], linkless["parse_status"]) == (None, "failed")
    assert (first["key"], first["url"]) == ("news:https://news.example.org/world/2025/05/21/talks-resume",
                                            "https://news.example.org/world/2025/05/21/talks-resume")
    assert (first["author"], first["author_url"]) == ("Ana Ruiz", "https://news.example.org/people/ana-ruiz")
    assert (first["text"], first["published_at"]) == ("Negotiators met again on Wednesday.", 1_747_814_400_000)
    assert first["thumbnail_url"] == "https://news.example.org/img/geneva.jpg"
    assert [i["sponsored"] for i in items] == [False, True, False, False]
    assert (ad["url"], ad["author"]) == ("https://brand.example/offer", "news.example.org")
    assert third["published_at"] == 1_747_821_600_000 - 2 * DAY


@pytest.mark.parametrize("url, is_front", [
    ("https://news.example.org/", True),
    ("https://news.example.org/?edition=uk", True),
    ("https://news.example.org/world/", True),
    ("https://news.example.org/world/2025/05/21/talks-resume", False),
    ("https://news.example.org/a-very-long-single-segment-article-slug-2025", False),
])
def test_generic_news_front_pages_are_feeds_and_article_pages_are_not(url, is_front):
    items = parse_page(NEWS_FRONT, url, 1_747_821_600_000)
    assert len(items) == (4 if is_front else 0)
