"""Audit analytics: the figures of issue 6 as pure functions (no Flask, no SQLite).

Input shape
-----------
* :class:`Impressions` — columnar numpy bundle, one row per viewable impression:
  ``ts_ms, platform, surface, session_id, rank, item_index, category, source,
  dwell_ms, clicked, sponsored, clickbait, consumed_ms`` (see its docstring).
  Build it with :func:`make_impressions` (absent columns get defaults: dwell 0,
  not clicked, clickbait NaN = unscored, consumed_ms NaN = unknown,
  item_index −1 = no embedding). Filter by platform / date range / surface with
  ``impressions.subset(mask)`` before calling a metric: every metric works on
  whatever rows it is given.
* ``embeddings`` — float matrix (items × dims); ``item_index`` points into it.
* :class:`Sessions` — one row per feed session (id, platform, start, end, active ms).
* Ratings: parallel arrays of item rows and ±1 (valued / regretted);
  intentions: ``{category: (kind, value)}`` with kind exactly / at_most /
  at_least / more / less, turned into target shares by :func:`intended_shares`.

Conventions: shares are ``{key: float}`` dicts (``{}`` when empty); a ratio with
no denominator is ``None``; entropy/Gini of nothing are 0. Local days and ISO
weeks take an IANA ``tz`` name (default "UTC"). Results are frozen dataclasses
of plain floats/dicts: ``dataclasses.asdict`` makes them JSON-ready (except
``ValueModel.classifier``, the fitted sklearn model).

Sums that add across days: every figure also has a form computed from counts
and sums (``shares_of``, ``capture_of``, ``placement_of``, ``clickbait_of``,
``diversity_of_shares``, ``concentration_of_shares``, ``pairwise_distance_from_sums``,
``narrowness_from_sums``, ``drift_of_centroids``, ``novelty_sums`` /
``novelty_of_sums``, ``feedback_from_sequences``, ``session_stats_from_counts``,
``amplification_of``); the array forms call them, and :mod:`feedaudit.rollups`
feeds them daily sums, so both give the same values.

Definitions (numbering of issue 6) → functions
1 exposure_share, attention_share, attention_capture, click_through_rate, ctr_by_rank_band
2 topic_diversity (shannon_entropy, gini)          3 source_concentration, weekly_new_source_share
4 intra_list_diversity (exact, no sampling)       5 narrowness, weekly_narrowness
6 drift                                            7 novelty_repetition (max_prior_similarity,
                                                     novelty_from_similarity for rollups)
8 sponsored_share, clickbait_exposure              9 rank_placement
10 feedback_loop                                   11 intended_shares, calibration_kl, regret_like_items,
12 fit_value_model, predicted_regret                  dwell_share_on, rating_dwell_correlation
13 amplification, platform_amplification           14 session_stats, night_share, bait_clicks
"""

from .amplification import amplification, feed_ordering, platform_amplification
from .diversity import (
    gini,
    shannon_entropy,
    source_concentration,
    topic_diversity,
    weekly_new_source_share,
)
from .feedback import MIN_EVENTS, NOT_ENOUGH_DATA, feedback_loop
from .impressions import NO_EMBEDDING, Impressions, impressions_from_records, make_impressions
from .preferences import (
    calibration_kl,
    dwell_share_on,
    fit_value_model,
    intended_shares,
    predicted_regret,
    rating_dwell_correlation,
    regret_like_items,
    spearman,
)
from .novelty import max_prior_similarity, novelty_from_similarity, novelty_repetition
from .semantic import drift, intra_list_diversity, narrowness, weekly_narrowness
from .sessions import Sessions, bait_clicks, make_sessions, night_share, session_stats
from .shares import (
    attention_capture,
    attention_share,
    click_through_rate,
    clickbait_exposure,
    ctr_by_rank_band,
    exposure_share,
    rank_placement,
    sponsored_share,
)
