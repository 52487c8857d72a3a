"""The real saved pages in ../shared/fixtures/pages/ and the address each was saved from.

The address selects the site definition and the feed surface, so every suite
that reads these pages (parsers, categories, benchmarks) uses this one table.
"""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "pages"

PAGE_URLS = {
    "youtube/trex_home_a09ba9af32_2022-03-24_en-US.html": "https://www.youtube.com/",
    # Saved as a search page, but its search results are hidden: it renders the home grid.
    "youtube/trex_search_0f73cadacd_2022-09-23_en-US.html": "https://www.youtube.com/",
    "youtube/trex_watch_05b5d4a6e2_2022-03-24_en-US.html": "https://www.youtube.com/watch?v=PGXcFGlofbQ",
    "youtube/x10tube_search_javascript-tutorial_2026-01.html":
        "https://www.youtube.com/results?search_query=javascript+tutorial",
    "reddit/old-reddit_r-Python_2024-10-18.html": "https://old.reddit.com/r/Python/",
    "reddit/shreddit_r-cybersecurity_2025-05-22.html": "https://www.reddit.com/r/cybersecurity/",
    "reddit/shreddit_search_GGAL_2025-07.html": "https://www.reddit.com/search/?q=%24GGAL&sort=new",
    "x/xingest_profile_okx_2026-01-20.html": "https://x.com/okx",
    "x/xingest_profile_nikitabier_2026-01-20.html": "https://x.com/nikitabier",
    "hackernews/oscanweb_hn-front_2026-04-26.html": "https://news.ycombinator.com/",
    "news/google-news_home_en-IN_2025-02-02.html": "https://news.google.com/home?hl=en-IN&gl=IN&ceid=IN:en",
    "news/google-news_search_NVDA_2025-05-21.html": "https://news.google.com/search?q=NVDA&hl=en-US&gl=US",
}
