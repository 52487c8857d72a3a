"""Algorithmic amplification against a chronological baseline (definition 13,
after Milli et al. 2023): per category, its share in the ranked feed divided by
its share in the platform's chronological feed over the same period."""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np

from .impressions import Impressions
from .shares import exposure_share

RANKED, CHRONOLOGICAL = "ranked", "chronological"

# Surfaces (sites.json names) whose order is chronological or ranked, per platform.
_SURFACE_ORDERING = {
    "hackernews": {"front": RANKED, "best": RANKED, "new": CHRONOLOGICAL},
}
# Reddit's home and subreddit listings share a surface; the path's sort decides.
_REDDIT_PATH_ORDERING = {"new": CHRONOLOGICAL, "hot": RANKED, "best": RANKED, "": RANKED}


def feed_ordering(platform: str, surface: str, page_url: str = "") -> str | None:
    """"ranked", "chronological" or None (no chronological twin known) for a feed page.

    Hacker News front/best vs new; Reddit home or subreddit sorted hot/best (or
    unsorted) vs /new. X's For You and Following share a URL, so X is None.
    """
    if platform in _SURFACE_ORDERING:
        return _SURFACE_ORDERING[platform].get(surface)
    if platform == "reddit" and surface in ("home", "subreddit", "popular"):
        last_segment = urlsplit(page_url or "").path.rstrip("/").rsplit("/", 1)[-1]
        sort = last_segment if last_segment in _REDDIT_PATH_ORDERING else ""
        return _REDDIT_PATH_ORDERING[sort]
    return None


def amplification(ranked_categories, chronological_categories) -> dict[str, float | None]:
    """Amplification of each category: ranked share / chronological share.

    > 1 the ranking shows the category more than time order would, < 1 less.
    None for a category absent from the chronological feed (no baseline);
    ``{}`` when either feed is empty.
    """
    ranked = exposure_share(np.asarray(ranked_categories, dtype=object))
    baseline = exposure_share(np.asarray(chronological_categories, dtype=object))
    return amplification_of(ranked, baseline)


def amplification_of(ranked: dict[str, float], baseline: dict[str, float]) -> dict[str, float | None]:
    """Amplification from the category shares of the ranked and the chronological feed
    (categories with no impressions left out of both)."""
    if not ranked or not baseline:
        return {}
    return {
        category: (ranked.get(category, 0.0) / baseline[category]) if category in baseline else None
        for category in sorted(set(ranked) | set(baseline))
    }


def platform_amplification(impressions: Impressions, page_urls=None) -> dict[str, dict[str, float | None]]:
    """Amplification per platform that has both a ranked and a chronological feed.

    ``page_urls`` (one per impression, optional) lets Reddit's /new be told apart.
    """
    urls = np.asarray(page_urls if page_urls is not None else [""] * len(impressions), dtype=object)
    result = {}
    for platform in sorted(set(impressions.platform.tolist())):
        mask = impressions.platform == platform
        orderings = np.array(
            [feed_ordering(platform, s, u) for s, u in zip(impressions.surface[mask], urls[mask])],
            dtype=object,
        )
        categories = impressions.category[mask]
        figures = amplification(categories[orderings == RANKED], categories[orderings == CHRONOLOGICAL])
        if figures:
            result[platform] = figures
    return result
