"""The hand-written category hints and the context score built from them (no model needed)."""

import numpy as np
import pytest

from feedaudit.understanding import categories as C
from feedaudit.understanding import category_hints as H

NAMES = [name for name, _ in C.DEFAULT_TAXONOMY]


def test_every_default_category_has_examples_keywords_and_source_words():
    for name in NAMES:
        hints = H.hints_for(name)
        assert len(hints.examples) >= 12 and len(hints.keywords) >= 30 and len(hints.source_words) >= 10, name


def test_hints_belong_to_default_names_only_and_ignore_case():
    assert H.hints_for("music").examples == H.hints_for("Music").examples
    assert H.hints_for("Crafts") == H.CategoryHints((), (), ())


@pytest.mark.parametrize("platform,author,url,expected", [
    ("reddit", "r/Python · u/someone", "https://www.reddit.com/r/Python/comments/abc/title/", "Python"),
    ("reddit", "r/aww · u/someone", None, "aww"),
    ("reddit", "u/someone", "https://www.reddit.com/user/someone/", ""),
    ("hackernews", "pg", "https://www.scientificamerican.com/article/x/", "scientificamerican.com"),
    ("youtube", "  Bon Appétit ", "https://www.youtube.com/watch?v=x", "Bon Appétit"),
    ("x", "@nasa", "https://x.com/nasa/status/1", "nasa"),
    ("news", None, None, ""),
])
def test_item_source_is_the_name_that_says_most_about_the_topic(platform, author, url, expected):
    assert H.item_source(platform, author, url) == expected


@pytest.mark.parametrize("source,words,expected", [
    ("wallstreetbets", ["wall street"], True),        # long words also match run-together names
    ("TickerTalk", ["talk"], True),                    # camel case splits into words
    ("postgres_tips", ["post"], False),                # short words match whole words only
    ("The Washington Post", ["post"], True),
    ("Tech House Music Nation", ["music"], True),
    ("", ["music"], False),
])
def test_source_mentions(source, words, expected):
    assert H.source_mentions(source, words) is expected


def test_keyword_and_source_matrices_mark_whole_words():
    names = ["Music", "Pets & Animals", "Crafts"]
    titles = ["Daft Punk - Around the World (Official Music Video)", "My cat learns a trick", "Scattered thoughts"]
    np.testing.assert_array_equal(H.keyword_matrix(names, titles), [[1, 0, 0], [0, 1, 0], [0, 0, 0]])
    # "Beats" is a music source word; "Crafts" has no hints at all.
    np.testing.assert_array_equal(H.source_matrix(names, ["DogTrainingTips", "", "Crafty Beats"]),
                                  [[0, 1, 0], [0, 0, 0], [1, 0, 0]])


def test_context_score_adds_the_three_terms_with_their_weights():
    names = ["Music", "Pets & Animals"]
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    titles = ["New album out now", "Nothing to see"]
    sources = ["Puppy Central", ""]
    source_vectors = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)  # the second row has no source: ignored
    expected = [[0.10 + 0.20 * 0.6, 0.15 + 0.20 * 0.8], [0.0, 0.0]]
    np.testing.assert_allclose(H.context_scores(names, centroids, titles, sources, source_vectors), expected, atol=1e-6)
    with pytest.raises(ValueError):
        H.context_scores(names, centroids, titles, sources[:1], None)


def test_assign_adds_the_context_to_the_similarity():
    prototypes = C.build_prototypes([[1.0, 0.0], [0.0, 1.0]])
    item = [[0.8, 0.6]]
    assert C.assign(item, prototypes).best.tolist() == [0]
    best, _, margin, similarity = C.assign(item, prototypes, context=[[0.0, 0.25]])
    assert best.tolist() == [1]
    np.testing.assert_allclose([similarity[0], margin[0]], [0.85, 0.05], atol=1e-6)
    with pytest.raises(ValueError):
        C.assign(item, prototypes, context=[[0.0, 0.25, 0.0]])
