"""Clickbait score in [0, 1] with a short, human-readable reason.

The model is a logistic regression over three blocks of features of a headline:
its sentence embedding, a few named "explainable" flags (listicle, forward
reference, second person, ...) and hashed word/character n-grams. Weights are
trained by ``server/scripts/train_clickbait.py`` on the training split of the
Chakraborty et al. (ASONAM 2016) dataset and committed as a small ``.npz`` file
(no pickle). The reason names the flags that pushed the score up the most, or
the strongest bait-like phrase when no named flag fired.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction.text import HashingVectorizer

FEATURE_SCHEME = "clickbait-features-v1"
DEFAULT_WEIGHTS_PATH = Path(__file__).resolve().parents[1] / "data" / "clickbait_model.npz"
HASHED_FEATURES = 2**17
BAIT_THRESHOLD = 0.5
MAX_REASONS = 2
MIN_PHRASE_WEIGHT = 0.5
# Single words too common to be a meaningful reason on their own.
_FUNCTION_WORDS = frozenset(
    "a an the is are was were be been am of to in on at by for from with as and or but "
    "he she it they his her its their him them i me my each other not isn't".split()
)

_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred"
)
_SUPERLATIVE_WORDS = (
    "best|worst|most|least|greatest|biggest|smallest|funniest|cutest|weirdest|craziest|"
    "strangest|scariest|hottest|coolest|sweetest|saddest|happiest|dumbest|smartest|"
    "tastiest|easiest|hardest|ultimate|ever"
)
_HYPERBOLE_WORDS = (
    r"amazing|incredible|unbelievable|shocking|stunning|insane|epic|adorable|"
    r"hilarious|heartbreaking|heartwarming|mind[- ]?blowing|jaw[- ]?dropping|"
    r"genius|perfect(?:ly)?|literally|totally|absolutely|omg|wtf|lol|"
    r"(?:can't|won't|cannot|will not) believe"
)


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern, re.IGNORECASE)
    return lambda title: compiled.search(title) is not None


def _has_shouted_word(title: str) -> bool:
    # A shouted word is an all-caps word that is not an acronym-length token.
    return any(len(word) >= 4 and word.isalpha() and word.isupper() for word in title.split())


# Ordered (name, detector) pairs; the names are the reasons shown to people.
EXPLAINABLE_FLAGS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("listicle", _matches(rf"^\s*(?:the\s+)?(?:\d+|{_NUMBER_WORDS})\b(?!\s*(?:%|percent|years?\s+(?:old|ago)))")),
    ("forward reference", _matches(
        r"\b(?:this|these|here's|here is|here are|what happens next|what happened next|"
        r"the reason why|you'll never guess|this is why|find out)\b"
    )),
    ("second person", _matches(r"\b(?:you|your|you're|you'll|you've|yours|yourself|u)\b")),
    ("superlative", _matches(rf"\b(?:{_SUPERLATIVE_WORDS})\b|\b\w{{3,}}iest\b")),
    ("hyperbole", _matches(rf"\b(?:{_HYPERBOLE_WORDS})\b")),
    ("quiz", _matches(r"\b(?:quiz|which .{1,60} are you|can you|how well do you|poll)\b")),
    ("question", _matches(r"\?\s*$|^\s*(?:what|who|why|how|which|would|do|does|did|are|is|can|should)\b")),
    ("exclamation", _matches(r"!")),
    ("all caps", _has_shouted_word),
)
FLAG_NAMES = tuple(name for name, _ in EXPLAINABLE_FLAGS)

_WORD = re.compile(r"[\w']+")


def explainable_flags(titles: Sequence[str]) -> np.ndarray:
    """(n, len(FLAG_NAMES)) float32 matrix of 0/1 flags."""
    return np.array(
        [[1.0 if detect(title) else 0.0 for _, detect in EXPLAINABLE_FLAGS] for title in titles],
        dtype=np.float32,
    ).reshape(len(titles), len(FLAG_NAMES))


def word_ngrams(title: str) -> list[str]:
    """Lower-cased word unigrams and bigrams, with sentence boundary markers."""
    words = ["<s>"] + _WORD.findall(title.lower()) + ["</s>"]
    unigrams = [f"w:{word}" for word in words[1:-1]]
    bigrams = [f"w:{left} {right}" for left, right in zip(words, words[1:])]
    return unigrams + bigrams


def char_ngrams(title: str) -> list[str]:
    """Case-sensitive character 2- to 5-grams of the padded title (casing is a strong signal)."""
    padded = f" {' '.join(title.split())} "
    return [f"c:{padded[start:start + size]}" for size in range(2, 6) for start in range(len(padded) - size + 1)]


def ngram_features(title: str) -> list[str]:
    return word_ngrams(title) + char_ngrams(title)


def _hasher(n_features: int) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer=ngram_features, n_features=n_features, alternate_sign=False, norm="l2", dtype=np.float32
    )


def ngram_indices(features: Sequence[str], n_features: int) -> np.ndarray:
    """Column of each n-gram feature string in the hashed block."""
    one_each = HashingVectorizer(analyzer=lambda features: features, n_features=n_features, alternate_sign=False)
    return one_each.transform([[feature] for feature in features]).indices


def feature_matrix(titles: Sequence[str], embeddings: np.ndarray, n_features: int = HASHED_FEATURES) -> sparse.csr_matrix:
    """[embedding | explainable flags | hashed n-grams] for each title, as a sparse matrix."""
    dense = np.hstack([np.asarray(embeddings, dtype=np.float32), explainable_flags(titles)])
    hashed = _hasher(n_features).transform(list(titles))
    return sparse.hstack([sparse.csr_matrix(dense), hashed], format="csr", dtype=np.float32)


@dataclass(frozen=True)
class ClickbaitModel:
    embedding_weights: np.ndarray
    flag_weights: np.ndarray
    hashed_weights: np.ndarray
    bias: float
    model_id: str

    @property
    def n_features(self) -> int:
        return int(self.hashed_weights.shape[0])

    def coefficients(self) -> np.ndarray:
        return np.concatenate([self.embedding_weights, self.flag_weights, self.hashed_weights]).astype(np.float32)

    def save(self, path: Path, metadata: str = "") -> None:
        np.savez_compressed(
            path,
            feature_scheme=np.array(FEATURE_SCHEME),
            flag_names=np.array(FLAG_NAMES),
            embedding_weights=self.embedding_weights.astype(np.float32),
            flag_weights=self.flag_weights.astype(np.float32),
            hashed_weights=self.hashed_weights.astype(np.float16),
            bias=np.array(self.bias, dtype=np.float64),
            model_id=np.array(self.model_id),
            metadata=np.array(metadata),
        )

    @classmethod
    def load(cls, path: Path = DEFAULT_WEIGHTS_PATH) -> "ClickbaitModel":
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["feature_scheme"]) != FEATURE_SCHEME or tuple(stored["flag_names"]) != FLAG_NAMES:
                raise ValueError(f"{path} was trained with other features; retrain with train_clickbait.py")
            return cls(
                embedding_weights=stored["embedding_weights"].astype(np.float32),
                flag_weights=stored["flag_weights"].astype(np.float32),
                hashed_weights=stored["hashed_weights"].astype(np.float32),
                bias=float(stored["bias"]),
                model_id=str(stored["model_id"]),
            )

    def probabilities(self, titles: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        logits = feature_matrix(titles, embeddings, self.n_features) @ self.coefficients() + self.bias
        return expit(logits)

    def reason(self, title: str, probability: float) -> str:
        """Strongest explainable flag(s) behind a bait-like score, else the strongest phrase."""
        if probability < BAIT_THRESHOLD:
            return ""
        contributions = explainable_flags([title])[0] * self.flag_weights
        ranked = [index for index in np.argsort(-contributions, kind="stable") if contributions[index] > 0]
        if ranked:
            return ", ".join(FLAG_NAMES[index] for index in ranked[:MAX_REASONS])
        return self._strongest_phrase(title)

    def _strongest_phrase(self, title: str) -> str:
        phrases = [phrase for phrase in word_ngrams(title) if phrase[2:] not in _FUNCTION_WORDS]
        if phrases:
            weights = self.hashed_weights[ngram_indices(phrases, self.n_features)]
            best = int(np.argmax(weights))
            if weights[best] >= MIN_PHRASE_WEIGHT:
                words = phrases[best][2:].replace("<s>", "").replace("</s>", "").strip()
                return f'wording "{words}"'
        # The evidence is spread over casing, characters and the embedding.
        return "bait-like style"

    def score(self, titles: Sequence[str], embeddings: np.ndarray) -> list[tuple[float, str]]:
        titles = _validated_titles(titles, embeddings, self.embedding_weights.shape[0])
        if not titles:
            return []
        probabilities = self.probabilities(titles, embeddings)
        return [(float(p), self.reason(title, float(p))) for title, p in zip(titles, probabilities)]


def _validated_titles(titles: Sequence[str], embeddings: np.ndarray, dimension: int) -> list[str]:
    if isinstance(titles, str):
        raise ValueError("score expects a sequence of titles, not a single string")
    titles = list(titles)
    if any(not isinstance(title, str) for title in titles):
        raise ValueError("score expects every title to be a string")
    shape = np.shape(embeddings)
    if len(shape) != 2 or shape[0] != len(titles) or (titles and shape[1] != dimension):
        raise ValueError(f"embeddings must have shape ({len(titles)}, {dimension}), got {shape}")
    return titles


_default_model: ClickbaitModel | None = None
_default_lock = threading.Lock()


def default_model() -> ClickbaitModel:
    """The committed model, loaded once."""
    global _default_model
    if _default_model is None:
        with _default_lock:
            if _default_model is None:
                _default_model = ClickbaitModel.load(DEFAULT_WEIGHTS_PATH)
    return _default_model


def score(titles: Sequence[str], embeddings: np.ndarray) -> list[tuple[float, str]]:
    """(clickbait probability, reason) per title; embeddings come from the bundled MiniLM."""
    return default_model().score(titles, embeddings)
