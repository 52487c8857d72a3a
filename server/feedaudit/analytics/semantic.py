"""Metrics on item embeddings: intra-list diversity, narrowness and drift.

Definitions 4–6 of issue 6 (novelty, 7, is in :mod:`.novelty`). ``embeddings`` is a float matrix with one row per
item; an impression points at its row through ``item_index`` (−1 = none, such
impressions are left out). Rows are scaled to unit length first, so cosine
similarity is a dot product and centroids weigh every item alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .impressions import Impressions
from .timebins import iso_week_keys



def unit_rows(matrix) -> np.ndarray:
    """Rows scaled to unit L2 norm; all-zero rows stay zero."""
    array = np.asarray(matrix, dtype=np.float32)
    if array.ndim != 2:
        return np.zeros((0, 0), dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms > 0, norms, 1.0)


def _with_embedding(impressions: Impressions, embeddings) -> Impressions:
    valid = (impressions.item_index >= 0) & (impressions.item_index < len(embeddings))
    return impressions.subset(valid)


def unit_rows_of(embeddings, index: np.ndarray) -> np.ndarray:
    """Unit-scaled copies of the chosen rows only (never the whole matrix)."""
    return unit_rows(np.asarray(embeddings)[index])


def groups(labels) -> list[tuple[str, np.ndarray]]:
    """(label, row indices) for each distinct label, labels sorted, rows in input order."""
    labels = np.asarray(labels).astype(str)
    order = np.argsort(labels, kind="stable")
    distinct, starts = np.unique(labels[order], return_index=True)
    return list(zip(distinct.tolist(), np.split(order, starts[1:]))) if labels.size else []


def mean_pairwise_cosine_distance(vectors: np.ndarray) -> float | None:
    """Mean of 1 − cos(a, b) over the n(n−1)/2 unordered pairs of unit rows (None if n < 2)."""
    count = vectors.shape[0]
    if count < 2:
        return None
    similarities = vectors @ vectors.T
    upper = similarities[np.triu_indices(count, k=1)]
    return float(np.mean(1.0 - upper))


def pairwise_distance_from_sums(count: int, vector_sum: np.ndarray, squared_norms: float) -> float | None:
    """Mean pairwise cosine distance of ``count`` unit rows from their sum and Σ|v|².

    Σ_{i<j} vᵢ·vⱼ = (|Σv|² − Σ|vᵢ|²) / 2, so the mean over the n(n−1)/2 pairs is
    1 − (|Σv|² − Σ|vᵢ|²) / (n(n−1)): exact, O(n) instead of O(n²), and additive
    across any split of a session (sums add). None if n < 2.
    """
    if count < 2:
        return None
    total = np.asarray(vector_sum, dtype=np.float64)
    return float(1.0 - (float(total @ total) - squared_norms) / (count * (count - 1)))


@dataclass(frozen=True)
class IntraListDiversity:
    """mean: mean ILD over sessions with ≥ 2 embedded impressions (None if none);
    per_session: ILD of each such session."""

    mean: float | None
    per_session: dict[str, float]


def intra_list_diversity(impressions: Impressions, embeddings) -> IntraListDiversity:
    """Intra-list diversity: per feed session, the mean pairwise cosine distance
    1 − cos(a, b) over all pairs of impressions shown (the same item shown twice
    is a pair at distance 0: repetition is the opposite of diversity), computed
    exactly for any session size through :func:`pairwise_distance_from_sums`.
    Sessions with fewer than 2 embedded impressions are left out.
    """
    shown = _with_embedding(impressions, embeddings)
    per_session: dict[str, float] = {}
    for session, rows in groups(shown.session_id):
        vectors = unit_rows_of(embeddings, shown.item_index[rows]).astype(np.float64)
        value = pairwise_distance_from_sums(len(rows), vectors.sum(axis=0), float((vectors * vectors).sum()))
        if value is not None:
            per_session[session] = value
    mean = float(np.mean(list(per_session.values()))) if per_session else None
    return IntraListDiversity(mean=mean, per_session=per_session)


def narrowness(item_index, dwell_ms, embeddings) -> float | None:
    """Narrowness (generalist–specialist score, Anderson et al. 2020):
    Σ wᵢ cos(eᵢ, c) / Σ wᵢ with c = Σ wᵢ eᵢ / Σ wᵢ, wᵢ = dwell ms, eᵢ unit rows.

    1 = every attended item points the same way (a specialist); lower = a
    generalist. None when there is no dwell on an embedded item.
    """
    index = np.asarray(item_index, dtype=np.int64)
    weights = np.asarray(dwell_ms, dtype=np.float64)
    valid = (index >= 0) & (index < len(embeddings)) & (weights > 0)
    if not valid.any():
        return None
    chosen, weights = unit_rows_of(embeddings, index[valid]).astype(np.float64), weights[valid]
    centroid = (weights[:, None] * chosen).sum(axis=0) / weights.sum()
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return 0.0
    return float((weights * (chosen @ (centroid / norm))).sum() / weights.sum())


def narrowness_from_sums(weighted_sum: np.ndarray, total_weight: float) -> float | None:
    """Narrowness from S = Σ wᵢ eᵢ and W = Σ wᵢ: Σ wᵢ eᵢ·(S/|S|) / W = |S| / W,
    the same value as :func:`narrowness`, from sums that add across days."""
    if total_weight <= 0:
        return None
    return float(np.linalg.norm(np.asarray(weighted_sum, dtype=np.float64)) / total_weight)


@dataclass(frozen=True)
class WeeklyTrend:
    """values: figure per ISO week; slope: least-squares change per week over the
    weeks present in order (None with fewer than 2 weeks)."""

    values: dict[str, float]
    slope: float | None


def weekly_narrowness(impressions: Impressions, embeddings, tz: str = "UTC") -> WeeklyTrend:
    """Narrowness of each ISO week and its weekly trend (weeks without dwell omitted)."""
    values = {}
    for week, rows in groups(iso_week_keys(impressions.ts_ms, tz)):
        value = narrowness(impressions.item_index[rows], impressions.dwell_ms[rows], embeddings)
        if value is not None:
            values[week] = value
    return weekly_trend(values)


def weekly_trend(values: dict[str, float]) -> WeeklyTrend:
    """A WeeklyTrend of per-week values given in week order."""
    return WeeklyTrend(values=values, slope=_slope(list(values.values())))


def _slope(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    positions = np.arange(len(values), dtype=np.float64)
    return float(np.polyfit(positions, np.asarray(values), 1)[0])


@dataclass(frozen=True)
class Drift:
    """successive: cosine distance of each week's centroid to the previous week
    present; from_first: to the first week's centroid (the first week has 0.0)."""

    successive: dict[str, float]
    from_first: dict[str, float]


def weekly_centroids(impressions: Impressions, embeddings, tz: str = "UTC") -> dict[str, np.ndarray]:
    """Exposure centroid of each ISO week: mean of the unit rows of its impressions."""
    shown = _with_embedding(impressions, embeddings)
    return {
        week: unit_rows_of(embeddings, shown.item_index[rows]).mean(axis=0, dtype=np.float64)
        for week, rows in groups(iso_week_keys(shown.ts_ms, tz))
    }


def cosine_distance(first: np.ndarray, second: np.ndarray) -> float:
    """1 − cos(first, second); 1.0 when either vector is zero."""
    norms = np.linalg.norm(first) * np.linalg.norm(second)
    # Clipped at 0: rounding can make identical centroids come out at −2e−16.
    return max(0.0, float(1.0 - np.dot(first, second) / norms)) if norms > 0 else 1.0


def drift(impressions: Impressions, embeddings, tz: str = "UTC") -> Drift:
    """Drift: cosine distance between successive weekly exposure centroids, and
    between each week and the first week. Empty input → empty dicts."""
    return drift_of_centroids(weekly_centroids(impressions, embeddings, tz))


def drift_of_centroids(centroids: dict[str, np.ndarray]) -> Drift:
    """Drift from weekly centroids in week order (any positive scale of a centroid gives the same)."""
    weeks = list(centroids)
    successive = {
        later: cosine_distance(centroids[earlier], centroids[later])
        for earlier, later in zip(weeks, weeks[1:])
    }
    from_first = {week: cosine_distance(centroids[weeks[0]], centroids[week]) for week in weeks}
    return Drift(successive=successive, from_first=from_first)
