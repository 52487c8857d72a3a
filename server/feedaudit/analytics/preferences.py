"""Stated versus revealed preferences (definitions 11 and 12 of issue 6).

Ratings are per item: +1 valued, −1 regretted. Intentions are a desired share
per category (the caller turns "at most 10 % News" / "more Science" into target
shares; here they are just numbers that get normalized).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .semantic import unit_rows

CALIBRATION_ALPHA = 0.01
REGRET_LIKE_SIMILARITY = 0.8
VALUED, REGRETTED = 1, -1
MIN_RATINGS_FOR_MODEL = 20
CV_FOLDS = 5


INTENTION_KINDS = ("exactly", "at_most", "at_least", "more", "less")
#: "more X" doubles X's current share; "less X" halves it.
MORE_FACTOR = 2.0


def intended_shares(intentions: dict[str, tuple[str, float | None]], exposed: dict[str, float]) -> dict[str, float]:
    """The intended distribution p implied by the person's intentions.

    ``intentions`` maps a category to (kind, value): "exactly"/"at_most"/
    "at_least" a share value, or "more"/"less" (value ignored). Each category
    with an intention gets a target from its exposed share q: exactly → value,
    at_most → min(q, value), at_least → max(q, value), more → 2q, less → q/2.
    The other categories share what is left (1 − Σ targets) in proportion to
    their exposure. If targets add up to more than 1, or nothing else was shown,
    the result is normalized to sum to 1. Unknown kinds raise ValueError.
    """
    targets = {}
    for category, (kind, value) in intentions.items():
        current = float(exposed.get(category, 0.0))
        targets[category] = _target_share(kind, value, current)
    others = {c: float(q) for c, q in exposed.items() if c not in targets and q > 0}
    room = max(0.0, 1.0 - sum(targets.values()))
    other_total = sum(others.values())
    shares = dict(targets)
    if other_total > 0:
        shares.update({c: room * q / other_total for c, q in others.items()})
    total = sum(shares.values())
    return {c: value / total for c, value in shares.items()} if total > 0 else {}


def _target_share(kind: str, value: float | None, current: float) -> float:
    if kind not in INTENTION_KINDS:
        raise ValueError(f"unknown intention kind {kind!r}; expected one of {', '.join(INTENTION_KINDS)}")
    if kind in ("more", "less"):
        return current * MORE_FACTOR if kind == "more" else current / MORE_FACTOR
    if value is None or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"intention {kind!r} needs a share between 0 and 1, got {value!r}")
    value = float(value)
    return {"exactly": value, "at_most": min(current, value), "at_least": max(current, value)}[kind]


def calibration_kl(intended: dict[str, float], exposed: dict[str, float], alpha: float = CALIBRATION_ALPHA) -> float | None:
    """Calibration (Steck 2018): KL(p ‖ q̃) = Σ_c p(c) ln(p(c) / q̃(c)), with
    p = intended shares (normalized), q = exposure shares (normalized) and
    q̃ = (1 − α) q + α p so that a category intended but never shown stays finite.

    0 = the feed matches the intentions. None when no intention is positive.
    """
    categories = sorted(set(intended) | set(exposed))
    p = np.array([max(float(intended.get(c, 0.0)), 0.0) for c in categories])
    q = np.array([max(float(exposed.get(c, 0.0)), 0.0) for c in categories])
    if p.sum() <= 0:
        return None
    p = p / p.sum()
    q = q / q.sum() if q.sum() > 0 else q
    smoothed = (1 - alpha) * q + alpha * p
    positive = p > 0
    return float((p[positive] * np.log(p[positive] / smoothed[positive])).sum())


def regret_like_items(embeddings, rated_items, ratings, similarity: float = REGRET_LIKE_SIMILARITY) -> np.ndarray:
    """Boolean per embeddings row: the item is regretted-like.

    An item is regretted-like when it was rated regretted, or it is unrated and
    its most similar rated item (cosine) was rated regretted with similarity ≥
    ``similarity``. Without ratings nothing is regretted-like.
    """
    vectors = unit_rows(embeddings)
    rated = np.asarray(rated_items, dtype=np.int64)
    labels = np.asarray(ratings, dtype=np.int64)
    result = np.zeros(vectors.shape[0], dtype=bool)
    if rated.size == 0 or vectors.shape[0] == 0:
        return result
    similarities = vectors @ vectors[rated].T
    nearest = similarities.argmax(axis=1)
    close = similarities[np.arange(vectors.shape[0]), nearest] >= similarity
    result[:] = close & (labels[nearest] == REGRETTED)
    result[rated] = labels == REGRETTED  # a person's own rating beats a neighbour's
    return result


def regret_like_vectors(unit_vectors, rated_unit_vectors, rated_labels,
                        similarity: float = REGRET_LIKE_SIMILARITY) -> np.ndarray:
    """Per row of ``unit_vectors``: its most similar rated vector (cosine) is rated
    regretted with similarity ≥ ``similarity``. No rated vectors → all False."""
    vectors = np.asarray(unit_vectors, dtype=np.float32)
    rated = np.asarray(rated_unit_vectors, dtype=np.float32)
    if rated.shape[0] == 0 or vectors.shape[0] == 0:
        return np.zeros(vectors.shape[0], dtype=bool)
    similarities = vectors @ rated.T
    nearest = similarities.argmax(axis=1)
    close = similarities[np.arange(vectors.shape[0]), nearest] >= similarity
    return close & (np.asarray(rated_labels)[nearest] == REGRETTED)


def dwell_share_on(flags_per_impression, dwell_ms) -> float | None:
    """Share of dwell on flagged impressions: Σ dwell[flag] / Σ dwell (None without dwell)."""
    dwell = np.asarray(dwell_ms, dtype=np.float64)
    total = dwell.sum()
    if total <= 0:
        return None
    return float(dwell[np.asarray(flags_per_impression, dtype=bool)].sum() / total)


def average_ranks(values) -> np.ndarray:
    """1-based ranks; tied values share the mean of the ranks they occupy."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    return ranks


def spearman(first, second) -> float | None:
    """Spearman rank correlation: Pearson correlation of average ranks (ties share
    the mean rank). None with fewer than 3 pairs or a constant side."""
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if a.size < 3 or a.size != b.size:
        return None
    ranks_a, ranks_b = average_ranks(a) - (a.size + 1) / 2, average_ranks(b) - (b.size + 1) / 2
    denominator = math.sqrt(float((ranks_a**2).sum() * (ranks_b**2).sum()))
    return float((ranks_a * ranks_b).sum() / denominator) if denominator > 0 else None


def rating_dwell_correlation(ratings, total_dwell_ms) -> float | None:
    """Rank correlation between the ratings of rated items (+1 / −1) and the total
    dwell each got: > 0 when the person dwells longer on what they value."""
    return spearman(ratings, total_dwell_ms)


@dataclass(frozen=True)
class ValueModel:
    """A logistic regression on embeddings that predicts P(regretted).

    status: "ok" or "not enough data" (fewer than 20 ratings, or fewer than 2 of a kind)
    cv_accuracy: mean accuracy over stratified folds (None when not fitted)
    """

    status: str
    ratings: int
    cv_accuracy: float | None
    folds: int
    classifier: object = field(default=None, repr=False)

    def regret_probability(self, vectors) -> np.ndarray:
        """P(regretted) of each row (unit-scaled first)."""
        rows = unit_rows(vectors)
        if self.classifier is None or rows.shape[0] == 0:
            return np.zeros(rows.shape[0])
        regretted_column = list(self.classifier.classes_).index(REGRETTED)
        return self.classifier.predict_proba(rows)[:, regretted_column]


def fit_value_model(vectors, ratings, min_ratings: int = MIN_RATINGS_FOR_MODEL, seed: int = 0) -> ValueModel:
    """Fit the personal value model on rated items' embeddings once there are
    ≥ ``min_ratings`` ratings, with stratified k-fold (k = min(5, rarer class count))
    cross-validated accuracy so the person can judge it.

    Logistic regression on unit-scaled embeddings with balanced class weights:
    people rate far more items valued than regretted, and an unweighted model
    then just predicts "valued" for everything.
    """
    labels = np.asarray(ratings, dtype=np.int64)
    rarer = min(np.count_nonzero(labels == VALUED), np.count_nonzero(labels == REGRETTED))
    if labels.size < min_ratings or rarer < 2:
        return ValueModel("not enough data", int(labels.size), None, 0)
    from sklearn.model_selection import StratifiedKFold, cross_val_score  # slow to import: only when fitting

    rows = unit_rows(vectors)
    folds = min(CV_FOLDS, rarer)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_score(_classifier(), rows, labels, cv=splitter)
    classifier = _classifier().fit(rows, labels)
    return ValueModel("ok", int(labels.size), float(scores.mean()), folds, classifier)


def _classifier():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000, class_weight="balanced")


@dataclass(frozen=True)
class PredictedRegret:
    """Share of exposure (impressions) and of attention (dwell) on items the value
    model predicts regretted (P ≥ 0.5); None when there is nothing to share."""

    exposure_share: float | None
    attention_share: float | None


def predicted_regret(model: ValueModel, item_index, dwell_ms, embeddings) -> PredictedRegret:
    """Predicted-regret shares over impressions (item_index rows of embeddings; −1 skipped)."""
    index = np.asarray(item_index, dtype=np.int64)
    rows = unit_rows(embeddings)
    valid = (index >= 0) & (index < rows.shape[0])
    if model.status != "ok" or not valid.any():
        return PredictedRegret(None, None)
    regretted = model.regret_probability(rows)[index[valid]] >= 0.5
    dwell = np.asarray(dwell_ms, dtype=np.float64)[valid]
    return PredictedRegret(float(regretted.mean()), dwell_share_on(regretted, dwell))
