"""Top-1 accuracy of the categorizer on hand-labelled titles of the real saved feed pages.

``category_labels.csv`` holds only (page, item key, category); each category was chosen
by hand from the title and its page context (subreddit, channel, site) before any model
ran on it. The titles are read from ``../shared/fixtures/pages/`` at test time.
Run with ``-s`` to see the confusion summary.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from feedaudit.parsing import parse_page
from feedaudit.understanding import categories as C
from support.fixture_pages import PAGE_URLS, PAGES_DIR

LABELS_CSV = Path(__file__).with_name("category_labels.csv")
NAMES = [name for name, _ in C.DEFAULT_TAXONOMY]
# Issue 5's target. Not reached: the bundled English MiniLM scores 0.661 (158/239) on this
# partly French/Spanish/Malayalam set, and even a supervised leave-one-out centroid of the
# labelled titles themselves reaches only 0.657, so descriptions alone cannot close the gap.
ZERO_SHOT_TARGET = 0.80
# Guards the measured 0.661 against regressions while the target stays open.
ZERO_SHOT_FLOOR = 0.65
MIN_LABELLED_ROWS = 150
CORRECTIONS_PER_CATEGORY = 5
# A category needs this many labelled items to give 5 corrections and keep some to evaluate.
MIN_ITEMS_FOR_CORRECTIONS = 7


class Labelled(NamedTuple):
    page: str
    key: str
    category: str
    title: str


def read_labels(path: Path = LABELS_CSV) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


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


def print_confusion(heading: str, truth: list[str], predicted: list[str]) -> None:
    print(f"\n{heading}: top-1 accuracy {accuracy(truth, predicted):.3f} "
          f"({sum(t == p for t, p in zip(truth, predicted))}/{len(truth)})")
    print(f"  {'true category':24} {'count':>5} {'correct':>7}  most common wrong prediction")
    for category, count, correct, top_wrong, top_wrong_count in confusion_rows(truth, predicted):
        wrong = f"{top_wrong} ({top_wrong_count})" if top_wrong else "-"
        print(f"  {category:24} {count:5d} {correct:7d}  {wrong}")


@pytest.fixture(scope="module")
def page_titles() -> dict[tuple[str, str], str | None]:
    """(page, key) -> title for every item of every labelled page."""
    if not PAGES_DIR.is_dir():
        pytest.skip(f"saved pages absent: {PAGES_DIR.resolve()} (../shared not available)")
    titles = {}
    for page in sorted({row["page"] for row in read_labels()}):
        html = (PAGES_DIR / page).read_text(encoding="utf-8")
        for item in parse_page(html, PAGE_URLS[page]):
            titles[(page, item["key"])] = item["title"]
    return titles


@pytest.fixture(scope="module")
def labelled(page_titles) -> list[Labelled]:
    return [Labelled(row["page"], row["key"], row["category"], page_titles[(row["page"], row["key"])])
            for row in read_labels() if page_titles.get((row["page"], row["key"]))]


@pytest.fixture(scope="module")
def title_vectors(embedder, labelled) -> np.ndarray:
    return embedder.encode([item.title for item in labelled])


@pytest.fixture(scope="module")
def descriptions(embedder) -> np.ndarray:
    return C.description_vectors(C.DEFAULT_TAXONOMY, embedder.encode)


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


@pytest.fixture(scope="module")
def zero_shot_accuracy(labelled, title_vectors, descriptions) -> float:
    truth = [item.category for item in labelled]
    predicted = predicted_names(C.assign(title_vectors, C.build_prototypes(descriptions)).best)
    print_confusion(f"Zero-shot, {len(truth)} hand-labelled real titles", truth, predicted)
    return accuracy(truth, predicted)


def test_zero_shot_accuracy_stays_above_the_measured_floor(zero_shot_accuracy):
    assert zero_shot_accuracy >= ZERO_SHOT_FLOOR


@pytest.mark.xfail(strict=True, reason="measured 0.661 < 0.80 with all-MiniLM-L6-v2 (see ZERO_SHOT_TARGET)")
def test_zero_shot_top1_accuracy_reaches_the_target(zero_shot_accuracy):
    assert zero_shot_accuracy >= ZERO_SHOT_TARGET


# Blending 5 corrections into a centroid (description weight 4) pulls it towards the
# corrections' language and platform: the GGAL page's Spanish wedding-attire posts make
# "Lifestyle & Fashion" attract Spanish finance posts. Measured 0.646 -> 0.577.
@pytest.mark.xfail(strict=True, reason="corrections lower held-out accuracy 0.646 -> 0.577 (centroid blending)")
def test_five_corrections_per_category_raise_accuracy_on_the_other_items(labelled, title_vectors, descriptions):
    corrections = correction_indices(labelled)
    held_out = [index for index in range(len(labelled)) if index not in set(corrections)]
    corrected = C.build_prototypes(descriptions, title_vectors[corrections],
                                   [NAMES.index(labelled[index].category) for index in corrections])
    truth = [labelled[index].category for index in held_out]
    zero_shot = predicted_names(C.assign(title_vectors[held_out], C.build_prototypes(descriptions)).best)
    with_corrections = predicted_names(C.assign(title_vectors[held_out], corrected).best)
    corrected_categories = sorted({labelled[index].category for index in corrections})
    print(f"\n{len(corrections)} corrections ({CORRECTIONS_PER_CATEGORY} each in {corrected_categories})")
    print_confusion(f"Zero-shot on the {len(held_out)} items not used as corrections", truth, zero_shot)
    print_confusion("With the corrections, same items", truth, with_corrections)
    assert accuracy(truth, with_corrections) > accuracy(truth, zero_shot)
