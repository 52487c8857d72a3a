"""Topic diversity and source concentration (definitions 2 and 3 of issue 6)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .shares import exposure_share
from .timebins import iso_week_keys

#: Categories of the default taxonomy (issue 5); K of the normalized entropy.
DEFAULT_TAXONOMY_SIZE = 16
TOP_SOURCES = 5


def shannon_entropy(shares) -> float:
    """Shannon entropy in nats, H = −Σ p ln p over the positive shares.

    ``shares`` may be counts: they are normalized first. Empty or all-zero → 0.0.
    """
    values = np.asarray(list(shares), dtype=np.float64)
    values = values[values > 0]
    if values.size == 0:
        return 0.0
    probabilities = values / values.sum()
    return float(-(probabilities * np.log(probabilities)).sum())


def gini(values) -> float:
    """Gini coefficient, G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄).

    Computed on sorted values as Σᵢ (2i − n − 1) x₍ᵢ₎ / (n Σ x) with i = 1..n.
    0 = perfectly even, (n − 1)/n = all mass on one value. Empty or all-zero → 0.0.
    """
    ordered = np.sort(np.asarray(list(values), dtype=np.float64))
    count, total = ordered.size, ordered.sum()
    if count == 0 or total <= 0:
        return 0.0
    weights = 2 * np.arange(1, count + 1) - count - 1
    return float((weights * ordered).sum() / (count * total))


@dataclass(frozen=True)
class TopicDiversity:
    """Diversity of the categories shown.

    entropy           H of exposure shares, nats
    normalized        H / ln K, K = max(taxonomy size, categories seen); 0 when K ≤ 1
    effective_number  exp(H): how many equally shown topics give the same H
    gini              Gini over the K category shares (unseen categories count as 0)
    categories_seen   distinct categories among the impressions
    """

    entropy: float
    normalized: float
    effective_number: float
    gini: float
    categories_seen: int


def topic_diversity(categories, taxonomy_size: int = DEFAULT_TAXONOMY_SIZE) -> TopicDiversity:
    """Topic diversity of a category column. Empty input: H 0, exp(H) 1, Gini 0."""
    return diversity_of_shares(list(exposure_share(np.asarray(categories, dtype=object)).values()), taxonomy_size)


def diversity_of_shares(shares: list[float], taxonomy_size: int = DEFAULT_TAXONOMY_SIZE) -> TopicDiversity:
    """Topic diversity from the exposure shares of the categories seen."""
    size = max(taxonomy_size, len(shares))
    entropy = shannon_entropy(shares)
    padded = shares + [0.0] * (size - len(shares))
    return TopicDiversity(
        entropy=entropy,
        normalized=entropy / math.log(size) if size > 1 else 0.0,
        effective_number=math.exp(entropy),
        gini=gini(padded) if shares else 0.0,
        categories_seen=len(shares),
    )


@dataclass(frozen=True)
class SourceConcentration:
    """How concentrated the sources (channels, subreddits, accounts, sites) are.

    gini           Gini over the sources' impression counts (sources seen only)
    top5_share     impressions of the 5 most shown sources / all impressions
    distinct       number of distinct sources
    """

    gini: float
    top5_share: float | None
    distinct: int


def source_concentration(sources) -> SourceConcentration:
    """Source concentration of a source column; "" (unknown) counts as a source."""
    return concentration_of_shares(list(exposure_share(np.asarray(sources, dtype=object)).values()))


def concentration_of_shares(shares: list[float]) -> SourceConcentration:
    """Source concentration from the sources' exposure shares."""
    counts = np.sort(np.array(shares, dtype=np.float64))[::-1]
    return SourceConcentration(
        gini=gini(counts),
        top5_share=float(counts[:TOP_SOURCES].sum()) if counts.size else None,
        distinct=int(counts.size),
    )


def weekly_new_source_share(ts_ms, sources, tz: str = "UTC", seen_before=frozenset()) -> dict[str, float]:
    """Per ISO week: share of the week's impressions whose source was first seen that week.

    "First seen" looks at the input and ``seen_before``, the sources of any impression
    before the input's range (such a source is never new). Empty input → ``{}``.
    """
    ts = np.asarray(ts_ms, dtype=np.int64)
    if ts.size == 0:
        return {}
    weeks = iso_week_keys(ts, tz)
    names = np.asarray(sources, dtype=object).astype(str)
    order = np.argsort(ts, kind="stable")
    _, first_row, source_code = np.unique(names[order], return_index=True, return_inverse=True)
    first_week = weeks[order][first_row]  # week of each source's earliest impression
    is_new = np.empty(ts.size, dtype=bool)
    is_new[order] = first_week[source_code] == weeks[order]
    if seen_before:
        is_new &= ~np.isin(names, np.array(sorted(seen_before), dtype=object).astype(str))
    week_labels, week_code = np.unique(weeks.astype(str), return_inverse=True)
    new_counts = np.bincount(week_code, weights=is_new, minlength=week_labels.size)
    totals = np.bincount(week_code, minlength=week_labels.size)
    return {str(week): float(new / total) for week, new, total in zip(week_labels, new_counts, totals)}
