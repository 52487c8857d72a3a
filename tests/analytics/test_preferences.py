"""Definitions 11 and 12: calibration, regret, rank correlation, the value model."""

import math

import numpy as np
import pytest

from feedaudit.analytics import (
    calibration_kl,
    dwell_share_on,
    fit_value_model,
    intended_shares,
    predicted_regret,
    rating_dwell_correlation,
    regret_like_items,
    spearman,
)


def test_calibration_kl_with_smoothing():
    # p = (½, ½), q = (1, 0); q̃ = 0.99·q + 0.01·p = (0.995, 0.005).
    # KL = ½ ln(0.5/0.995) + ½ ln(0.5/0.005) = ½(−0.688135) + ½(4.605170) = 1.958518.
    expected = 0.5 * math.log(0.5 / 0.995) + 0.5 * math.log(100)
    assert calibration_kl({"A": 0.5, "B": 0.5}, {"A": 1.0}) == pytest.approx(expected)
    assert expected == pytest.approx(1.958518, abs=1e-6)


def test_calibration_normalizes_and_handles_edges():
    assert calibration_kl({"A": 1, "B": 1}, {"A": 30, "B": 30}) == pytest.approx(0.0)
    # Nothing shown: q̃ = α·p, so KL = Σ p ln(1/α) = ln 100.
    assert calibration_kl({"A": 0.2, "B": 0.8}, {}) == pytest.approx(math.log(100))
    assert calibration_kl({}, {"A": 1.0}) is None
    assert calibration_kl({"A": 0.0}, {"A": 1.0}) is None


# Rows: 0 east, 1 north, 2 nearly east (cos 0.993884 to 0), 3 nearly north, 4 north-east (cos 0.707 to both).
EMBEDDINGS = np.array([[1, 0], [0, 1], [0.9, 0.1], [0.1, 0.9], [1, 1]], dtype=float)


def test_regret_like_items_follow_the_nearest_rating():
    found = regret_like_items(EMBEDDINGS, rated_items=[0, 1], ratings=[-1, 1])
    # 0 rated regretted; 1 valued; 2 nearest is 0 (0.994 ≥ 0.8); 3 nearest is valued 1;
    # 4 is 0.707 from both: below 0.8, so not regretted-like.
    assert found.tolist() == [True, False, True, False, False]
    assert regret_like_items(EMBEDDINGS, [], []).tolist() == [False] * 5


def test_dwell_share_on_flagged_impressions():
    assert dwell_share_on([True, False, True], [100, 300, 100]) == pytest.approx(0.4)  # 200/500
    assert dwell_share_on([True], [0]) is None
    assert dwell_share_on([], []) is None


def test_average_ranks_share_ties():
    from feedaudit.analytics.preferences import average_ranks

    # Sorted 5, 10, 20, 20 hold ranks 1, 2, 3, 4; the two 20s share (3 + 4)/2 = 3.5.
    assert average_ranks([20, 10, 20, 5]).tolist() == [3.5, 2.0, 3.5, 1.0]
    assert average_ranks([]).tolist() == []


def test_spearman_with_tied_ratings():
    # Ratings [1,−1,1,−1] → average ranks [3.5,1.5,3.5,1.5], centred [1,−1,1,−1].
    # Dwell [50,10,30,20] → ranks [4,1,3,2], centred [1.5,−1.5,0.5,−0.5].
    # Σ products = 4; Σ squares 4 and 5 → ρ = 4/√20 = 0.894427.
    assert rating_dwell_correlation([1, -1, 1, -1], [50, 10, 30, 20]) == pytest.approx(4 / math.sqrt(20))
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert spearman([1, 2], [1, 2]) is None
    assert spearman([], []) is None


def _separable_ratings():
    regretted = [[1.0, 0.01 * k] for k in range(12)]
    valued = [[0.01 * k, 1.0] for k in range(12)]
    return np.array(regretted + valued), np.array([-1] * 12 + [1] * 12)


def test_value_model_needs_twenty_ratings_of_both_kinds():
    vectors, labels = _separable_ratings()
    assert fit_value_model(vectors[:19], labels[:19]).status == "not enough data"
    one_kind = fit_value_model(vectors[:12].repeat(2, axis=0), labels[:12].repeat(2))
    assert (one_kind.status, one_kind.ratings, one_kind.cv_accuracy) == ("not enough data", 24, None)


def test_value_model_accuracy_and_predicted_regret_shares():
    vectors, labels = _separable_ratings()
    model = fit_value_model(vectors, labels)
    # The two groups lie either side of the diagonal: every fold classifies perfectly.
    assert (model.status, model.ratings, model.folds, model.cv_accuracy) == ("ok", 24, 5, 1.0)
    items = np.array([[1.0, 0.05], [0.05, 1.0]])  # regret-like, valued-like
    found = predicted_regret(model, item_index=[0, 0, 0, 1, -1], dwell_ms=[100, 100, 100, 700, 999], embeddings=items)
    # Embedded impressions: 3 of 4 on item 0 → 0.75;  dwell 300 of 1000 → 0.3 (row −1 skipped).
    assert found.exposure_share == pytest.approx(0.75)
    assert found.attention_share == pytest.approx(0.3)


def test_predicted_regret_without_a_model():
    vectors, labels = _separable_ratings()
    unfit = fit_value_model(vectors[:5], labels[:5])
    found = predicted_regret(unfit, [0], [10], np.array([[1.0, 0.0]]))
    assert (found.exposure_share, found.attention_share) == (None, None)


def test_intended_shares_from_intentions():
    exposed = {"News": 0.4, "Science": 0.1, "Music": 0.3, "Sports": 0.2}
    found = intended_shares({"News": ("at_most", 0.1), "Science": ("more", None)}, exposed)
    # News min(0.4, 0.1) = 0.1; Science 2 · 0.1 = 0.2; left 0.7 split 3:2 → Music 0.42, Sports 0.28.
    assert found == pytest.approx({"News": 0.1, "Science": 0.2, "Music": 0.42, "Sports": 0.28})
    # at_least below the current share keeps it; exactly sets it; less halves.
    assert intended_shares({"News": ("at_least", 0.3)}, exposed)["News"] == pytest.approx(0.4)
    assert intended_shares({"Music": ("exactly", 0.5), "Sports": ("less", None)}, {"Music": 0.5, "Sports": 0.5}) == (
        pytest.approx({"Music": 0.5 / 0.75, "Sports": 0.25 / 0.75})  # targets 0.5 + 0.25, normalized
    )
    assert intended_shares({}, {}) == {}
    # With a category never shown and "exactly": p keeps it, KL against the feed is finite.
    p = intended_shares({"Science": ("exactly", 0.5)}, {"News": 1.0})
    assert p == pytest.approx({"Science": 0.5, "News": 0.5})
    assert calibration_kl(p, {"News": 1.0}) == pytest.approx(0.5 * math.log(0.5 / 0.995) + 0.5 * math.log(100))


def test_intended_shares_rejects_unclear_intentions():
    with pytest.raises(ValueError, match="unknown intention kind 'lots'"):
        intended_shares({"News": ("lots", 0.2)}, {"News": 1.0})
    with pytest.raises(ValueError, match="between 0 and 1"):
        intended_shares({"News": ("at_most", 1.5)}, {"News": 1.0})
