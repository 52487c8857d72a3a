"""Definition 13: amplification against a chronological baseline."""

import pytest

from feedaudit.analytics import amplification, feed_ordering, make_impressions, platform_amplification


def test_amplification_by_hand():
    # Ranked A ¾, B ¼;  chronological A ¼, B ½, C ¼ → A 3, B ½, C 0.
    assert amplification(["A", "A", "A", "B"], ["A", "B", "B", "C"]) == pytest.approx(
        {"A": 3.0, "B": 0.5, "C": 0.0}
    )
    # D never appears chronologically: no baseline, None.  A: ½ / 1.
    assert amplification(["A", "D"], ["A"]) == {"A": 0.5, "D": None}
    assert amplification([], ["A"]) == {}
    assert amplification(["A"], []) == {}


def test_feed_ordering_of_known_pages():
    assert feed_ordering("hackernews", "front") == "ranked"
    assert feed_ordering("hackernews", "new") == "chronological"
    assert feed_ordering("reddit", "home", "https://www.reddit.com/new/") == "chronological"
    assert feed_ordering("reddit", "home", "https://www.reddit.com/") == "ranked"
    assert feed_ordering("reddit", "subreddit", "https://old.reddit.com/r/python/hot/") == "ranked"
    assert feed_ordering("x", "timeline", "https://x.com/home") is None
    assert feed_ordering("youtube", "home") is None


def test_platform_amplification_pairs_surfaces():
    rows = make_impressions(
        range(8),
        platform=["hackernews"] * 6 + ["reddit"] * 2,
        surface=["front", "front", "new", "new", "new", "new", "home", "home"],
        category=["A", "A", "A", "B", "B", "B", "A", "B"],
    )
    urls = [""] * 6 + ["https://www.reddit.com/", "https://www.reddit.com/new/"]
    # HN: front A 1; new A ¼, B ¾ → A 4, B 0.  Reddit: ranked A 1; new B 1 → A None, B 0.
    found = platform_amplification(rows, urls)
    assert found == {"hackernews": {"A": 4.0, "B": 0.0}, "reddit": {"A": None, "B": 0.0}}
    assert platform_amplification(rows) == {"hackernews": {"A": 4.0, "B": 0.0}}
    assert platform_amplification(make_impressions()) == {}
