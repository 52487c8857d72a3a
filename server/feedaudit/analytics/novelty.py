"""Novelty and repetition (definition 7 of issue 6): how new is each impression
compared with everything shown in the prior 30 days?

Exact and blocked: targets are processed 256 at a time against their window,
and history inside every target's window is compared once per distinct item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .impressions import Impressions
from .semantic import unit_rows_of
from .timebins import MS_PER_DAY

NOVELTY_WINDOW_DAYS = 30
REPETITION_SIMILARITY = 0.9
_NOVELTY_BLOCK = 256


@dataclass(frozen=True)
class NoveltyRepetition:
    """novelty: mean over impressions of 1 − (max cosine similarity to any
    impression in the prior window), 1.0 for an impression with nothing before it;
    repetition_share: share of impressions whose max similarity > threshold;
    impressions: how many embedded impressions were scored."""

    novelty: float | None
    repetition_share: float | None
    impressions: int


def novelty_repetition(
    impressions: Impressions,
    embeddings,
    window_days: int = NOVELTY_WINDOW_DAYS,
    threshold: float = REPETITION_SIMILARITY,
    since_ms: int | None = None,
) -> NoveltyRepetition:
    """Novelty and repetition against everything shown in the prior ``window_days``
    (strictly earlier timestamps, at most window_days × 24 h before).

    With ``since_ms`` only impressions at or after it are scored; earlier rows
    are history (pass the 30 days before a report's start so that its first
    days are judged against what was really shown before them).

    Cost grows with impressions × impressions-in-window; over long ranges store
    :func:`max_prior_similarity` per impression (e.g. daily) and aggregate the
    stored values with :func:`novelty_from_similarity`.
    """
    best = max_prior_similarity(impressions, embeddings, window_days, since_ms)
    embedded = (impressions.item_index >= 0) & (impressions.item_index < len(embeddings))
    if since_ms is not None:
        embedded &= impressions.ts_ms >= since_ms
    return novelty_from_similarity(best[embedded], threshold)


def novelty_from_similarity(best, threshold: float = REPETITION_SIMILARITY) -> NoveltyRepetition:
    """Aggregate per-impression max prior similarities (NaN = nothing before)."""
    best = np.asarray(best, dtype=np.float64)
    return novelty_of_sums(*novelty_sums(best, threshold))


def novelty_sums(best, threshold: float = REPETITION_SIMILARITY) -> tuple[int, float, int]:
    """(scored impressions, Σ novelty, repeated impressions) of max prior similarities:
    sums that add across days."""
    best = np.asarray(best, dtype=np.float64)
    novelty = np.where(np.isnan(best), 1.0, 1.0 - np.nan_to_num(best))
    repeated = np.nan_to_num(best, nan=-np.inf) > threshold
    return int(best.size), float(novelty.sum()), int(repeated.sum())


def novelty_of_sums(count: int, novelty_total: float, repeated: int) -> NoveltyRepetition:
    """NoveltyRepetition from :func:`novelty_sums` (added over any split)."""
    if count == 0:
        return NoveltyRepetition(novelty=None, repetition_share=None, impressions=0)
    return NoveltyRepetition(novelty_total / count, repeated / count, int(count))


def max_prior_similarity(
    impressions: Impressions, embeddings, window_days: int = NOVELTY_WINDOW_DAYS, since_ms: int | None = None
) -> np.ndarray:
    """Per row, in input order: the max cosine similarity to any embedded
    impression with ts in [t − window_days, t). NaN when there is none, when the
    row has no embedding, or when its ts is before ``since_ms`` (rows before
    ``since_ms`` still serve as history: pass 30 days before it to score a day).
    """
    best = np.full(len(impressions), np.nan)
    embedded = np.flatnonzero((impressions.item_index >= 0) & (impressions.item_index < len(embeddings)))
    order = embedded[np.argsort(impressions.ts_ms[embedded], kind="stable")]
    ts = impressions.ts_ms[order]
    # Each distinct item is scaled to unit length once; rows refer to it by position.
    distinct, positions = np.unique(impressions.item_index[order], return_inverse=True)
    unit = unit_rows_of(embeddings, distinct)
    first_target = 0 if since_ms is None else int(np.searchsorted(ts, since_ms, side="left"))
    window_ms = window_days * MS_PER_DAY
    for start in range(first_target, ts.size, _NOVELTY_BLOCK):
        stop = min(start + _NOVELTY_BLOCK, ts.size)
        block_best = _block_max_similarity(unit, positions, ts, start, stop, window_ms)
        best[order[start:stop]] = np.where(np.isfinite(block_best), block_best, np.nan)
    return best


def _block_max_similarity(unit, positions, ts, start, stop, window_ms) -> np.ndarray:
    """Max prior similarity of the time-sorted rows start…stop−1 (−inf when none).

    History rows with ts in [last target − window, first target) are in every
    target's window, so they are compared once per distinct item; only the
    rows at the two edges of the window need the per-pair time test.
    """
    first, last = ts[start], ts[stop - 1]
    lo = int(np.searchsorted(ts, first - window_ms, side="left"))
    hi = int(np.searchsorted(ts, last, side="left"))
    core_lo = max(lo, int(np.searchsorted(ts, last - window_ms, side="left")))
    core_hi = max(core_lo, int(np.searchsorted(ts, first, side="left")))
    targets = unit[positions[start:stop]]
    best = np.full(stop - start, -np.inf)
    if core_hi > core_lo:
        shared = np.unique(positions[core_lo:core_hi])
        best = (targets @ unit[shared].T).max(axis=1)
    for edge_lo, edge_hi in ((lo, min(core_lo, hi)), (max(core_hi, lo), hi)):
        if edge_hi > edge_lo:
            similarities = targets @ unit[positions[edge_lo:edge_hi]].T
            target_ts, prior_ts = ts[start:stop, None], ts[None, edge_lo:edge_hi]
            allowed = (prior_ts < target_ts) & (prior_ts >= target_ts - window_ms)
            best = np.maximum(best, np.where(allowed, similarities, -np.inf).max(axis=1))
    return best
