import numpy as np
import pytest

from feedaudit.understanding import categories as C

NAMES = [name for name, _ in C.DEFAULT_TAXONOMY]

# Unambiguous hand-written titles in the styles of the supported feeds.
OBVIOUS = [
    ("Protesters clash with police in the capital", "News & Politics"),
    ("EU leaders agree on new sanctions against Russia", "News & Politics"),
    ("Stocks slide as Fed signals more rate hikes", "Business & Finance"),
    ("Bitcoin price crashes below $30,000", "Business & Finance"),
    ("Ancient DNA reveals origins of early farmers", "Science"),
    ("Scientists discover water on Mars", "Science"),
    ("Building a mechanical keyboard from scratch", "Technology"),
    ("Full body workout you can do at home in 20 minutes", "Health & Fitness"),
    ("How sleep affects your mental health", "Health & Fitness"),
    ("Real Madrid beat Barcelona 3-1 in El Clasico", "Sports"),
    ("Super Bowl highlights: Chiefs vs 49ers", "Sports"),
    ("Top 10 PS5 games of the year", "Gaming"),
    ("Zelda: Tears of the Kingdom full walkthrough part 1", "Gaming"),
    ("Metallica live at Wembley full concert", "Music"),
    ("Taylor Swift - Anti-Hero (Official Music Video)", "Music"),
    ("Dune: Part Two official trailer", "Film & TV"),
    ("Stranger Things season 5 release date announced", "Film & TV"),
    ("Funniest pranks of the year compilation", "Comedy & Entertainment"),
    ("Try not to laugh challenge", "Comedy & Entertainment"),
    ("Learn Spanish in 30 days", "Education & How-to"),
    ("Easy homemade pizza dough recipe", "Food & Cooking"),
    ("Street food tour in Bangkok", "Food & Cooking"),
    ("48 hours in Tokyo: the ultimate travel guide", "Travel & Places"),
    ("Top 10 places to visit in Japan", "Travel & Places"),
    ("My morning skincare routine", "Lifestyle & Fashion"),
    ("Fall outfit ideas for 2024", "Lifestyle & Fashion"),
    ("Top 5 cheapest electric cars to buy", "Cars & Vehicles"),
    ("2024 Ford F-150 Raptor review", "Cars & Vehicles"),
    ("Golden retriever puppy meets a kitten for the first time", "Pets & Animals"),
    ("Funny cats compilation", "Pets & Animals"),
]


@pytest.fixture(scope="module")
def zero_shot(embedder):
    return C.build_prototypes(C.description_vectors(C.DEFAULT_TAXONOMY, embedder.encode))


def test_default_taxonomy_has_the_sixteen_categories_with_descriptions():
    assert NAMES == [
        "News & Politics", "Business & Finance", "Science", "Technology", "Health & Fitness", "Sports",
        "Gaming", "Music", "Film & TV", "Comedy & Entertainment", "Education & How-to", "Food & Cooking",
        "Travel & Places", "Lifestyle & Fashion", "Cars & Vehicles", "Pets & Animals",
    ]
    assert all(len(description.split(",")) >= 8 for _, description in C.DEFAULT_TAXONOMY)
    assert C.OTHER not in NAMES


def test_description_phrases_split_on_commas_and_semicolons():
    assert C.description_phrases("Pets", "dogs, cats; and birds\nfish, dogs, ") == ["Pets", "dogs", "cats", "birds", "fish"]


def test_description_vector_is_the_normalized_mean_of_phrase_vectors(embedder):
    [vector] = C.description_vectors([("Pets", "dogs, cats")], embedder.encode)
    phrases = embedder.encode(["Pets", "dogs", "cats"])
    expected = phrases.mean(axis=0) / np.linalg.norm(phrases.mean(axis=0))
    np.testing.assert_allclose(vector, expected, atol=1e-5)


@pytest.mark.parametrize("title,expected", OBVIOUS)
def test_obvious_titles_land_in_their_category(embedder, zero_shot, title, expected):
    best, _, margin, similarity = C.assign(embedder.encode([title]), zero_shot)
    assert NAMES[best[0]] == expected
    assert margin[0] > 0 and similarity[0] >= C.OTHER_THRESHOLD


def test_corrections_of_a_pattern_carry_over_to_similar_new_titles(embedder):
    # The zero-shot prior is strong on purpose (a few corrections must not move whole categories):
    # three "F1 is Sports" corrections suffice; for "Minecraft comedy is Comedy" three were not enough, five are.
    descriptions = C.description_vectors(C.DEFAULT_TAXONOMY, embedder.encode)
    corrections = [
        ("Hamilton wins the British Grand Prix", "Sports"),
        ("Leclerc takes pole position at Monza", "Sports"),
        ("F1 race highlights: Bahrain Grand Prix", "Sports"),
        ("Minecraft but every block is a joke", "Comedy & Entertainment"),
        ("Minecraft memes that will make you laugh", "Comedy & Entertainment"),
        ("Funniest Minecraft fails", "Comedy & Entertainment"),
        ("Minecraft comedy sketch: the villager's bad day", "Comedy & Entertainment"),
        ("Minecraft parody song that made everyone laugh", "Comedy & Entertainment"),
    ]
    new_titles = ["Verstappen wins the Monaco Grand Prix", "Minecraft but it's hilarious",
                  "Tesla Model 3 long-term review", "Top 10 PS5 games of the year"]
    items = embedder.encode(new_titles)
    before = C.assign(items, C.build_prototypes(descriptions)).best
    corrected = C.build_prototypes(descriptions, embedder.encode([t for t, _ in corrections]),
                                   [NAMES.index(category) for _, category in corrections])
    after = C.assign(items, corrected).best
    assert [NAMES[i] for i in before] == ["Cars & Vehicles", "Gaming", "Cars & Vehicles", "Gaming"]
    assert [NAMES[i] for i in after] == ["Sports", "Comedy & Entertainment", "Cars & Vehicles", "Gaming"]


def test_without_corrections_scores_are_the_zero_shot_similarities():
    prototypes = C.build_prototypes([[3.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(prototypes.centroids, [[1.0, 0.0], [0.0, 1.0]])
    assert not prototypes.weights.any()
    np.testing.assert_allclose(C.category_scores([[0.6, 0.8]], prototypes), [[0.6, 0.8]], atol=1e-6)


def test_correction_weights_satisfy_the_regularized_logistic_regression_optimum():
    # At the optimum the gradient vanishes: penalty * W = sum_i (onehot_i - softmax(T * prior_i + W x_i)) x_i.
    rng = np.random.default_rng(7)
    features = rng.normal(size=(6, 4))
    prior = rng.uniform(-0.2, 0.6, size=(6, 3))
    labels = np.array([0, 1, 2, 2, 1, 0])
    weights = C.fit_correction_weights(features, prior, labels, temperature=5.0, penalty=0.5).astype(np.float64)
    logits = 5.0 * prior + features @ weights.T
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(0.5 * weights, (np.eye(3)[labels] - probabilities).T @ features, atol=1e-3)


def test_a_correction_flips_its_own_item_and_leaves_unrelated_items_exactly_alone():
    # Zero-shot puts [0.6, 0.8, 0] in category 1; the person says 0. The weights lie in the span of
    # the corrected features, so an item orthogonal to them ([0, 0, 1]) keeps its zero-shot scores.
    descriptions = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    prototypes = C.build_prototypes(descriptions, [[0.6, 0.8, 0.0]], [0], penalty=0.01)
    assert C.assign([[0.6, 0.8, 0.0]], prototypes).best.tolist() == [0]
    np.testing.assert_allclose(C.category_scores([[0.0, 0.0, 1.0]], prototypes), [[0.0, 0.0]], atol=1e-6)


def test_a_near_duplicate_of_a_corrected_item_follows_it():
    # Similarity 0.96 to the example of category 0 (>= 0.85) beats category 1's 0.8 and the learned term.
    prototypes = C.build_prototypes([[1.0, 0.0], [0.0, 1.0]], [[0.6, 0.8]], [0], penalty=1e6)
    item = [[0.36, 0.933]]
    scores = C.category_scores(item, prototypes)
    np.testing.assert_allclose(scores[0, 0], 0.6 * 0.36 + 0.8 * 0.933, atol=1e-3)
    assert C.assign(item, prototypes).best.tolist() == [0]
    far = C.build_prototypes([[1.0, 0.0], [0.0, 1.0]], [[0.8, 0.6]], [0], penalty=1e6)
    assert C.assign([[0.0, 1.0]], far).best.tolist() == [1]  # similarity 0.6: no near duplicate


def test_assign_reports_best_second_margin_and_similarity():
    prototypes = C.build_prototypes([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    items = np.array([[0.8, 0.6], [0.0, 2.0]])
    best, second, margin, similarity = C.assign(items, prototypes)
    assert best.tolist() == [0, 1] and second.tolist() == [1, 0]
    np.testing.assert_allclose(similarity, [0.8, 1.0], atol=1e-6)
    np.testing.assert_allclose(margin, [0.2, 1.0], atol=1e-6)


def test_items_far_from_every_category_are_other():
    prototypes = C.build_prototypes([[1.0, 0.0], [0.0, 1.0]])
    best, second, margin, similarity = C.assign([[-0.6, -0.8]], prototypes, other_threshold=0.1)
    assert best.tolist() == [C.OTHER_INDEX] and second.tolist() == [0]
    np.testing.assert_allclose(similarity, [-0.6], atol=1e-6)
    np.testing.assert_allclose(margin, [0.7], atol=1e-6)  # 0.1 - (-0.6)


def test_no_categories_means_everything_is_other():
    empty = C.build_prototypes(np.zeros((0, 3)))
    assert C.assign(np.ones((2, 3)), empty).best.tolist() == [C.OTHER_INDEX, C.OTHER_INDEX]


@pytest.mark.parametrize(
    "call",
    [
        lambda: C.build_prototypes([[1.0, 0.0]], [[1.0, 0.0]], [1]),
        lambda: C.build_prototypes([[1.0, 0.0]], [[1.0, 0.0]], [0, 0]),
        lambda: C.build_prototypes([[1.0, 0.0]], [[1.0, 0.0, 0.0]], [0]),
        lambda: C.build_prototypes([1.0, 0.0]),
        lambda: C.assign([[1.0, 0.0, 0.0]], C.build_prototypes([[1.0, 0.0]])),
    ],
)
def test_inconsistent_shapes_and_labels_are_clear_errors(call):
    with pytest.raises(ValueError):
        call()
