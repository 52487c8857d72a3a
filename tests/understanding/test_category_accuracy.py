"""Top-1 accuracy of the categorizer on hand-labelled titles of the real saved feed pages.

``category_labels.csv`` holds only (page, item key, category); each category was chosen
by hand from the title and its page context (subreddit, channel, site) before any model
ran on it. ``category_label_languages.csv`` marks, by hand, the titles not in English
(es, fr, ml; unlisted rows are English). The titles are read from
``../shared/fixtures/pages/`` at test time. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from feedaudit.parsing import parse_page
from feedaudit.understanding import categories as C
from feedaudit.understanding import category_hints as H
from support.fixture_pages import PAGE_URLS, PAGES_DIR

LABELS_CSV = Path(__file__).with_name("category_labels.csv")
LANGUAGES_CSV = Path(__file__).with_name("category_label_languages.csv")
NAMES = [name for name, _ in C.DEFAULT_TAXONOMY]
# Issue 5's target. Not reached: with example titles, title keywords and the source's name
# (category_hints) the bundled English MiniLM scores 0.749 (179/239; development half 0.752,
# check half 0.745), 0.818 on its 187 English titles and 0.500 on its 52 Spanish, French and
# Malayalam ones. Descriptions alone scored 0.661.
ZERO_SHOT_TARGET = 0.80
# Guards the measured 0.749 against regressions while the target stays open.
ZERO_SHOT_FLOOR = 0.74
# Learning curve: corrections per category, and how many random splits are averaged.
CURVE_CORRECTIONS = (0, 1, 3, 5, 10)
CURVE_SPLITS = 20
# Measured on the 20 splits below (see the printed curve): over 0.750 zero-shot, +0.006 with 1,
# +0.016 with 3, +0.018 with 5 and +0.027 with 10 corrections per category. One correction per
# category is within noise of zero-shot, hence the step tolerance; the asserted gains leave room for noise.
STEP_TOLERANCE = 0.005
FIVE_CORRECTIONS_GAIN = 0.01
TEN_CORRECTIONS_GAIN = 0.025
# Splits (of 20) on which 10 corrections per category must beat zero-shot.
TEN_CORRECTIONS_WINNING_SPLITS = 15
MIN_LABELLED_ROWS = 150
CORRECTIONS_PER_CATEGORY = 5
# A category needs this many labelled items to give 5 corrections and keep some to evaluate.
MIN_ITEMS_FOR_CORRECTIONS = 7


class Labelled(NamedTuple):
    page: str
    key: str
    category: str
    title: str
    language: str = "en"
    source: str = ""


def half_of(page: str, key: str) -> int:
    """The fixed half (0: development, 1: check) of a labelled item: the parity of sha1(page + key)'s first byte.

    Weights and hints were chosen looking at half 0 only; half 1 shows how far that carries.
    """
    return hashlib.sha1((page + key).encode()).digest()[0] % 2


def read_labels(path: Path = LABELS_CSV) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_languages(path: Path = LANGUAGES_CSV) -> dict[tuple[str, str], str]:
    """(page, key) -> language of every title not in English."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {(row["page"], row["key"]): row["language"] for row in csv.DictReader(handle)}


def predicted_names(best: np.ndarray) -> list[str]:
    return [C.OTHER if index == C.OTHER_INDEX else NAMES[index] for index in best]


def accuracy(truth: list[str], predicted: list[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted)) / len(truth)


def confusion_rows(truth: list[str], predicted: list[str]) -> list[tuple[str, int, int, str | None, int]]:
    """Per true category, most frequent first: (category, count, correct, commonest wrong prediction, its count)."""
    rows = []
    for category, count in Counter(truth).most_common():
        wrong = Counter(p for t, p in zip(truth, predicted) if t == category and p != category)
        top_wrong, top_wrong_count = wrong.most_common(1)[0] if wrong else (None, 0)
        correct = sum(t == p == category for t, p in zip(truth, predicted))
        rows.append((category, count, correct, top_wrong, top_wrong_count))
    return rows


def correction_indices(items: list[Labelled]) -> list[int]:
    """The first 5 items by key of every category with at least 7 labelled items (never "Other")."""
    by_category: dict[str, list[int]] = {}
    for index in sorted(range(len(items)), key=lambda i: (items[i].key, items[i].page)):
        by_category.setdefault(items[index].category, []).append(index)
    return sorted(index for category, indices in by_category.items()
                  if category != C.OTHER and len(indices) >= MIN_ITEMS_FOR_CORRECTIONS
                  for index in indices[:CORRECTIONS_PER_CATEGORY])


def learning_curve_split(categories: list[str], seed: int, counts=CURVE_CORRECTIONS) -> tuple[dict[int, list[int]], list[int]]:
    """One random split: ({corrections per category: indices corrected}, held-out indices).

    With ``numpy.random.default_rng(seed)``, for each category but "Other" in name order,
    its indices (file order) are permuted; the first half (rounded down) is the pool the
    person corrects from, the rest is held out. k corrections take the first min(k, pool)
    of each pool, so every k is scored on the same held-out items. "Other" is always held out.
    """
    rng = np.random.default_rng(seed)
    corrected = {k: [] for k in counts}
    held_out = [i for i, category in enumerate(categories) if category == C.OTHER]
    for category in sorted(set(categories) - {C.OTHER}):
        indices = [int(i) for i in rng.permutation([i for i, c in enumerate(categories) if c == category])]
        pool = indices[:len(indices) // 2]
        held_out += indices[len(indices) // 2:]
        for k in counts:
            corrected[k] += pool[:k]
    return {k: sorted(v) for k, v in corrected.items()}, sorted(held_out)


def print_confusion(heading: str, truth: list[str], predicted: list[str]) -> None:
    print(f"\n{heading}: top-1 accuracy {accuracy(truth, predicted):.3f} "
          f"({sum(t == p for t, p in zip(truth, predicted))}/{len(truth)})")
    print(f"  {'true category':24} {'count':>5} {'correct':>7}  most common wrong prediction")
    for category, count, correct, top_wrong, top_wrong_count in confusion_rows(truth, predicted):
        wrong = f"{top_wrong} ({top_wrong_count})" if top_wrong else "-"
        print(f"  {category:24} {count:5d} {correct:7d}  {wrong}")


@pytest.fixture(scope="module")
def page_items() -> dict[tuple[str, str], dict]:
    """(page, key) -> parsed item for every item of every labelled page."""
    if not PAGES_DIR.is_dir():
        pytest.skip(f"saved pages absent: {PAGES_DIR.resolve()} (../shared not available)")
    items = {}
    for page in sorted({row["page"] for row in read_labels()}):
        html = (PAGES_DIR / page).read_text(encoding="utf-8")
        for item in parse_page(html, PAGE_URLS[page]):
            items[(page, item["key"])] = item
    return items


@pytest.fixture(scope="module")
def page_titles(page_items) -> dict[tuple[str, str], str | None]:
    return {place: item["title"] for place, item in page_items.items()}


@pytest.fixture(scope="module")
def labelled(page_items) -> list[Labelled]:
    languages = read_languages()
    rows = []
    for row in read_labels():
        item = page_items.get((row["page"], row["key"]))
        if item and item["title"]:
            rows.append(Labelled(row["page"], row["key"], row["category"], item["title"],
                                 languages.get((row["page"], row["key"]), "en"),
                                 H.item_source(item["platform"], item["author"], item["url"])))
    return rows


@pytest.fixture(scope="module")
def title_vectors(embedder, labelled) -> np.ndarray:
    return embedder.encode([item.title for item in labelled])


@pytest.fixture(scope="module")
def descriptions(embedder) -> np.ndarray:
    return C.description_vectors(C.DEFAULT_TAXONOMY, embedder.encode)


def context_scores(embedder, descriptions, items: list[Labelled]) -> np.ndarray:
    """The items' context scores as the categorizer computes them (title keywords, source name)."""
    sources = [item.source for item in items]
    return H.context_scores(NAMES, descriptions, [item.title for item in items], sources,
                            embedder.encode([source or "-" for source in sources]))


@pytest.fixture(scope="module")
def context(embedder, descriptions, labelled) -> np.ndarray:
    return context_scores(embedder, descriptions, labelled)


def test_label_file_has_enough_distinct_rows_with_known_pages_and_categories():
    rows = read_labels()
    assert len(rows) >= MIN_LABELLED_ROWS
    assert list(rows[0]) == ["page", "key", "category"]
    assert len({(row["page"], row["key"]) for row in rows}) == len(rows)
    assert {row["page"] for row in rows} <= set(PAGE_URLS)
    assert {row["category"] for row in rows} <= set(NAMES) | {C.OTHER}


def test_every_labelled_key_exists_on_its_page_with_a_title(page_titles, labelled):
    missing = [(row["page"], row["key"]) for row in read_labels() if (row["page"], row["key"]) not in page_titles]
    assert missing == []
    assert len(labelled) == len(read_labels())


def test_confusion_rows_count_correct_and_commonest_mistake():
    truth = ["Music", "Music", "Music", "Sports", "Music"]
    predicted = ["Music", "Film & TV", "Film & TV", "Sports", "Gaming"]
    assert confusion_rows(truth, predicted) == [("Music", 4, 1, "Film & TV", 2), ("Sports", 1, 1, None, 0)]
    assert accuracy(truth, predicted) == 0.4


def test_corrections_are_the_first_five_keys_of_categories_with_seven_items():
    items = [Labelled("p", f"k{n}", "Music", "t") for n in (9, 1, 8, 2, 7, 3, 6)]
    items += [Labelled("p", f"s{n}", "Sports", "t") for n in range(6)]
    items += [Labelled("p", f"o{n}", C.OTHER, "t") for n in range(7)]
    # Music keys sorted: k1 k2 k3 k6 k7 | k8 k9 -> indices 1, 3, 5, 6, 4; Sports and Other give none.
    assert correction_indices(items) == [1, 3, 4, 5, 6]


def test_learning_curve_split_is_documented_and_holds_out_the_same_items_for_every_k():
    categories = ["Music"] * 5 + ["Sports"] * 2 + [C.OTHER] + ["Gaming"]
    corrected, held_out = learning_curve_split(categories, seed=3, counts=(0, 1, 5))
    music = [int(i) for i in np.random.default_rng(3).permutation([0, 1, 2, 3, 4])]
    assert corrected[0] == [] and len(corrected[1]) == 2 and len(corrected[5]) == 3
    assert set(music[:2]) <= set(corrected[5]) and set(music[2:]) <= set(held_out)
    assert {7, 8} <= set(held_out)  # "Other" and a category with one item: never corrected
    assert sorted(corrected[5] + held_out) == list(range(9))


def test_language_file_marks_only_labelled_rows_with_known_languages():
    labels = {(row["page"], row["key"]) for row in read_labels()}
    languages = read_languages()
    assert set(languages) <= labels and set(languages.values()) == {"es", "fr", "ml"}


@pytest.fixture(scope="module")
def zero_shot_scores(title_vectors, descriptions, context) -> np.ndarray:
    return C.category_scores(title_vectors, C.build_prototypes(descriptions), context)


@pytest.fixture(scope="module")
def zero_shot_accuracy(labelled, title_vectors, descriptions, context, zero_shot_scores) -> float:
    truth = [item.category for item in labelled]
    predicted = predicted_names(C.assign(title_vectors, C.build_prototypes(descriptions), context=context).best)
    top_two = np.argsort(-zero_shot_scores, axis=1)[:, :2]
    in_top_two = sum(t in (NAMES[a], NAMES[b]) for t, (a, b) in zip(truth, top_two))
    print_confusion(f"Zero-shot, {len(truth)} hand-labelled real titles", truth, predicted)
    print(f"  top-2 accuracy {in_top_two / len(truth):.3f} ({in_top_two}/{len(truth)})")
    for half in (0, 1):
        hits = [t == p for item, t, p in zip(labelled, truth, predicted) if half_of(item.page, item.key) == half]
        print(f"  half {half} ({'development' if half == 0 else 'check'}): {np.mean(hits):.3f} ({sum(hits)}/{len(hits)})")
    return accuracy(truth, predicted)


def test_each_idea_adds_accuracy(embedder, labelled, title_vectors, descriptions, context):
    """Ablation, printed: descriptions only; + example titles; + title keywords; + source (words and embedding)."""
    truth = [item.category for item in labelled]
    plain = C.build_prototypes(C.description_vectors(C.DEFAULT_TAXONOMY, embedder.encode, with_examples=False))
    full = C.build_prototypes(descriptions)
    keywords = H.TITLE_KEYWORD_BONUS * H.keyword_matrix(NAMES, [item.title for item in labelled])
    steps = [("descriptions only (before)", plain, None), ("+ example titles", full, None),
             ("+ title keywords", full, keywords), ("+ source name (all context)", full, context)]
    print("\nZero-shot top-1 accuracy, idea by idea:")
    scores = []
    for label, prototypes, extra in steps:
        scores.append(accuracy(truth, predicted_names(C.assign(title_vectors, prototypes, context=extra).best)))
        print(f"  {label:30} {scores[-1]:.3f}")
    assert scores[-1] > scores[0] + 0.05


def test_zero_shot_accuracy_stays_above_the_measured_floor(zero_shot_accuracy):
    assert zero_shot_accuracy >= ZERO_SHOT_FLOOR


@pytest.mark.xfail(strict=True, reason="measured 0.749 < 0.80 (English titles 0.818, others 0.500); see ZERO_SHOT_TARGET")
def test_zero_shot_top1_accuracy_reaches_the_target(zero_shot_accuracy):
    assert zero_shot_accuracy >= ZERO_SHOT_TARGET


def test_english_titles_are_categorized_better_than_the_others(labelled, title_vectors, descriptions, context):
    """The English-only model explains much of the gap: it does far worse on es/fr/ml titles."""
    predicted = predicted_names(C.assign(title_vectors, C.build_prototypes(descriptions), context=context).best)
    by_language: dict[str, list[bool]] = {}
    for item, guess in zip(labelled, predicted):
        by_language.setdefault(item.language, []).append(item.category == guess)
    print("\nZero-shot top-1 accuracy by title language:")
    for language, hits in sorted(by_language.items()):
        print(f"  {language}: {np.mean(hits):.3f} ({sum(hits)}/{len(hits)})")
    others = [hit for language, hits in by_language.items() if language != "en" for hit in hits]
    print(f"  not English: {np.mean(others):.3f} ({sum(others)}/{len(others)})")
    assert np.mean(by_language["en"]) >= np.mean(others) + 0.15


def held_out_accuracy(labelled, title_vectors, descriptions, context, corrected, held_out) -> float:
    prototypes = C.build_prototypes(descriptions, title_vectors[corrected],
                                    [NAMES.index(labelled[i].category) for i in corrected],
                                    example_context=context[corrected])
    predicted = predicted_names(C.assign(title_vectors[held_out], prototypes, context=context[held_out]).best)
    return accuracy([labelled[i].category for i in held_out], predicted)


@pytest.fixture(scope="module")
def learning_curve(labelled, title_vectors, descriptions, context) -> dict[int, list[float]]:
    """Held-out accuracy per number of corrections per category, over the splits of seeds 0..19."""
    categories = [item.category for item in labelled]
    curve = {k: [] for k in CURVE_CORRECTIONS}
    for seed in range(CURVE_SPLITS):
        corrected, held_out = learning_curve_split(categories, seed)
        for k in CURVE_CORRECTIONS:
            curve[k].append(held_out_accuracy(labelled, title_vectors, descriptions, context, corrected[k], held_out))
    print(f"\nHeld-out accuracy over {CURVE_SPLITS} random splits (mean ± sd, gain over zero-shot, worst split's gain):")
    for k, scores in curve.items():
        gains = np.subtract(scores, curve[0])
        print(f"  {k:2d} corrections per category: {np.mean(scores):.3f} ± {np.std(scores):.3f}"
              f"  gain {np.mean(gains):+.3f}  worst {np.min(gains):+.3f}")
    return curve


def test_more_corrections_raise_mean_held_out_accuracy(learning_curve):
    means = [np.mean(learning_curve[k]) for k in CURVE_CORRECTIONS]
    assert all(later >= earlier - STEP_TOLERANCE for earlier, later in zip(means, means[1:]))
    assert means[1:] == sorted(means[1:]) and means[-1] > means[0]
    assert np.mean(learning_curve[5]) >= np.mean(learning_curve[0]) + FIVE_CORRECTIONS_GAIN
    assert np.mean(learning_curve[10]) >= np.mean(learning_curve[0]) + TEN_CORRECTIONS_GAIN


def test_ten_corrections_per_category_help_on_most_splits(learning_curve):
    wins = int(np.sum(np.subtract(learning_curve[10], learning_curve[0]) > 0))
    print(f"\n10 corrections per category beat zero-shot on {wins}/{CURVE_SPLITS} splits")
    assert wins >= TEN_CORRECTIONS_WINNING_SPLITS


@pytest.mark.xfail(strict=True, reason="on this one split 5 corrections per category give 0.735 against the stronger "
                   "zero-shot's 0.746 (2 of 189 items); the 20-split mean gain (+0.018) is asserted above")
def test_five_corrections_per_category_raise_accuracy_on_the_other_items(labelled, title_vectors, descriptions,
                                                                         context):
    """The issue's check on one deterministic split: the first 5 keys of every category with 7+ items."""
    corrections = correction_indices(labelled)
    held_out = [index for index in range(len(labelled)) if index not in set(corrections)]
    truth = [labelled[index].category for index in held_out]
    zero_shot = predicted_names(C.assign(title_vectors[held_out], C.build_prototypes(descriptions),
                                         context=context[held_out]).best)
    prototypes = C.build_prototypes(descriptions, title_vectors[corrections],
                                    [NAMES.index(labelled[index].category) for index in corrections],
                                    example_context=context[corrections])
    with_corrections = predicted_names(C.assign(title_vectors[held_out], prototypes, context=context[held_out]).best)
    corrected_categories = sorted({labelled[index].category for index in corrections})
    print(f"\n{len(corrections)} corrections ({CORRECTIONS_PER_CATEGORY} each in {corrected_categories})")
    print_confusion(f"Zero-shot on the {len(held_out)} items not used as corrections", truth, zero_shot)
    print_confusion("With the corrections, same items", truth, with_corrections)
    assert accuracy(truth, with_corrections) > accuracy(truth, zero_shot)
