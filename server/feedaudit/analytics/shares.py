"""Exposure, attention, click-through, sponsored/clickbait and rank placement.

Definitions 1, 8 and 9 of issue 6. Shares are plain dicts ``{key: share}``; an
empty input gives ``{}`` and a ratio without a denominator gives ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .impressions import Impressions

RANK_BANDS = ("1-3", "4-10", "11+")
CLICKBAIT_THRESHOLD = 0.5
TOP_PLACEMENT_RANKS = 3


def _totals_by_key(keys: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    if keys.size == 0:
        return {}
    labels, inverse = np.unique(keys.astype(str), return_inverse=True)
    sums = np.bincount(inverse, weights=weights.astype(np.float64), minlength=labels.size)
    return {str(label): float(total) for label, total in zip(labels, sums)}


def exposure_share(keys: np.ndarray) -> dict[str, float]:
    """Exposure share of each key: impressions with that key / all impressions.

    ``keys`` is a column such as ``Impressions.category`` or ``.source``.
    """
    return shares_of(_totals_by_key(np.asarray(keys), np.ones(len(keys))))


def shares_of(totals: dict[str, float]) -> dict[str, float]:
    """Each key's share of the total of ``totals`` (keys sorted); ``{}`` when the total is not positive."""
    total = sum(totals[key] for key in sorted(totals))
    if total <= 0:
        return {}
    return {key: totals[key] / total for key in sorted(totals)}


def attention_share(keys: np.ndarray, dwell_ms: np.ndarray) -> dict[str, float]:
    """Attention share of each key: dwell ms on that key / all dwell ms.

    ``{}`` when there is no dwell at all (attention is then undefined).
    """
    return shares_of(_totals_by_key(np.asarray(keys), np.asarray(dwell_ms, dtype=np.float64)))


def attention_capture(keys: np.ndarray, dwell_ms: np.ndarray) -> dict[str, float]:
    """Attention capture of each key: attention share / exposure share.

    1.0 means the key gets attention in proportion to its exposure; above 1 it
    holds the eye longer than its screen time suggests. ``{}`` without dwell.
    """
    return capture_of(exposure_share(keys), attention_share(keys, dwell_ms))


def capture_of(exposure: dict[str, float], attention: dict[str, float]) -> dict[str, float]:
    """Attention capture from the two share dicts (``{}`` without attention)."""
    if not attention:
        return {}
    return {key: attention.get(key, 0.0) / share for key, share in exposure.items()}


def click_through_rate(keys: np.ndarray, clicked: np.ndarray) -> dict[str, float]:
    """CTR of each key: clicked impressions with that key / impressions with that key."""
    keys = np.asarray(keys)
    impressions = _totals_by_key(keys, np.ones(keys.size))
    clicks = _totals_by_key(keys, np.asarray(clicked, dtype=np.float64))
    return {key: clicks[key] / count for key, count in impressions.items()}


def rank_band(rank: np.ndarray) -> np.ndarray:
    """Rank band label of each rank: "1-3", "4-10" or "11+"."""
    rank = np.asarray(rank, dtype=np.int64)
    return np.where(rank <= 3, RANK_BANDS[0], np.where(rank <= 10, RANK_BANDS[1], RANK_BANDS[2])).astype(object)


def ctr_by_rank_band(impressions: Impressions) -> dict[str, float]:
    """CTR per rank band (1–3, 4–10, 11+); bands without impressions are omitted."""
    return click_through_rate(rank_band(impressions.rank), impressions.clicked)


def sponsored_share(impressions: Impressions) -> float | None:
    """Sponsored share: sponsored impressions / all impressions (None when empty)."""
    if len(impressions) == 0:
        return None
    return float(np.mean(impressions.sponsored))


@dataclass(frozen=True)
class ClickbaitExposure:
    """Clickbait figures over impressions that have a score.

    exposure_share    impressions with score ≥ threshold / scored impressions
    bait_click_share  clicks on items with score ≥ threshold / clicks on scored items
    high_score_ctr    clicks / impressions among items with score ≥ threshold
    scored            number of scored impressions
    """

    exposure_share: float | None
    bait_click_share: float | None
    high_score_ctr: float | None
    scored: int


def clickbait_exposure(impressions: Impressions, threshold: float = CLICKBAIT_THRESHOLD) -> ClickbaitExposure:
    """Clickbait exposure (score ≥ 0.5) and the bait-click rate; unscored rows ignored."""
    scored = ~np.isnan(impressions.clickbait)
    high = impressions.clickbait[scored] >= threshold
    clicked = impressions.clicked[scored]
    return clickbait_of(int(high.size), int(high.sum()), int(clicked.sum()), int((high & clicked).sum()))


def clickbait_of(scored: int, high: int, scored_clicks: int, high_clicks: int) -> ClickbaitExposure:
    """ClickbaitExposure from counts: scored impressions, those ≥ threshold, and their clicks."""
    return ClickbaitExposure(
        exposure_share=_ratio(high, scored),
        bait_click_share=_ratio(high_clicks, scored_clicks),
        high_score_ctr=_ratio(high_clicks, high),
        scored=int(scored),
    )


def rank_placement(impressions: Impressions, top: int = TOP_PLACEMENT_RANKS) -> dict[str, float]:
    """Rank placement ratio per category: share among ranks ≤ top / overall share.

    Above 1: the feed puts the category in its top positions more than its
    overall exposure would; categories never shown are omitted.
    """
    return placement_of(exposure_share(impressions.category), exposure_share(impressions.category[impressions.rank <= top]))


def placement_of(overall: dict[str, float], top_share: dict[str, float]) -> dict[str, float]:
    """Rank placement from overall shares and shares among the top ranks."""
    return {category: top_share.get(category, 0.0) / share for category, share in overall.items()}


def _ratio(numerator, denominator) -> float | None:
    return float(numerator) / float(denominator) if denominator else None
