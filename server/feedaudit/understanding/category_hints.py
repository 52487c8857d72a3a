"""Hand-written hints for the default categories, and the item context they are matched against.

``data/category_prototypes.json`` holds, per default category name, typical titles
(``examples``, embedded into the category's prototype), words that mark the topic
in a title (``keywords``) and words that mark it in a source's name (``sources``:
channel, subreddit, outlet or linked site). All were written from general
knowledge of what feeds show, not from labelled items. A renamed or new category
has no hints and is scored from its name and description alone.

The *context score* of an item for category c, added to its title similarity:

    TITLE_KEYWORD_BONUS   * [a keyword of c occurs in the title]
  + SOURCE_KEYWORD_BONUS  * [a source word of c occurs in the source's name]
  + SOURCE_SIMILARITY_WEIGHT * cos(embedded source name, prototype of c)

The weights were chosen on one fixed half of the labelled evaluation set and
checked on the other (see ``tests/understanding/test_category_accuracy.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

import numpy as np

HINTS_PATH = Path(__file__).resolve().parents[1] / "data" / "category_prototypes.json"
TITLE_KEYWORD_BONUS = 0.10
SOURCE_KEYWORD_BONUS = 0.15
SOURCE_SIMILARITY_WEIGHT = 0.20
# Source words at least this long also match inside run-together names (r/wallstreetbets, PetCareTips).
MIN_SUBSTRING_WORD = 5


@dataclass(frozen=True)
class CategoryHints:
    examples: tuple[str, ...]
    keywords: tuple[str, ...]
    source_words: tuple[str, ...]


@lru_cache(maxsize=1)
def _raw_hints() -> tuple[str, dict]:
    text = HINTS_PATH.read_text(encoding="utf-8")
    return hashlib.sha1(text.encode()).hexdigest(), json.loads(text)["categories"]


def hints_digest() -> str:
    """Hash of the hints file: part of the categorizing signature, so editing it re-categorizes."""
    return _raw_hints()[0]


def _tokens(text: str) -> list[str]:
    """Words and single punctuation marks, case-folded: "C++ & S&P" -> c + + & s & p."""
    return re.findall(r"\w+|[^\w\s]", text.casefold())


@lru_cache(maxsize=64)
def hints_for(name: str) -> CategoryHints:
    """The hints of a default category by name (case-insensitive); empty for any other name."""
    entries = {key.casefold(): value for key, value in _raw_hints()[1].items()}
    entry = entries.get(name.strip().casefold(), {})
    return CategoryHints(tuple(entry.get("examples", ())), tuple(entry.get("keywords", ())),
                         tuple(word.casefold() for word in entry.get("sources", ())))


def item_source(platform: str | None, author: str | None, url: str | None) -> str:
    """The name that says most about an item's topic: the subreddit, the linked site (Hacker News),
    else the author (YouTube channel, news outlet, X handle); '' when unknown."""
    author = (author or "").strip()
    if platform == "reddit":
        found = re.search(r"/r/([^/?#]+)", url or "") or re.match(r"r/([^\s·/]+)", author)
        return found.group(1) if found else ""
    if platform == "hackernews":
        host = urlsplit(url or "").hostname or ""
        return host.removeprefix("www.")
    return author.lstrip("@")


def _normalized_source(source: str) -> str:
    # "TickerTalk" -> "ticker talk", "the_verge" -> "the verge": source words then match as words.
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", source)
    return re.sub(r"[_\-.]+", " ", spaced).casefold()


def source_mentions(source: str, words: Sequence[str]) -> bool:
    """Whether a source name contains one of the words (long words also inside run-together names)."""
    if not source or not words:
        return False
    spaced = _normalized_source(source)
    joined = spaced.replace(" ", "")
    for word in words:
        if len(word) >= MIN_SUBSTRING_WORD and word.replace(" ", "") in joined:
            return True
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", spaced):
            return True
    return False


@lru_cache(maxsize=16)
def _keyword_index(names: tuple[str, ...]) -> tuple[dict[tuple[str, ...], list[int]], int]:
    """(token sequence of a keyword -> categories it marks, longest keyword in tokens)."""
    index: dict[tuple[str, ...], list[int]] = {}
    for column, name in enumerate(names):
        for keyword in hints_for(name).keywords:
            owners = index.setdefault(tuple(_tokens(keyword)), [])
            if column not in owners:
                owners.append(column)
    return index, max((len(key) for key in index), default=0)


def keyword_matrix(names: Sequence[str], titles: Sequence[str]) -> np.ndarray:
    """(items, categories) 1.0 where a category's keyword occurs in the item's title as whole tokens.

    A dictionary lookup of the title's token n-grams: one regex per category was 50 µs a title.
    """
    index, longest = _keyword_index(tuple(names))
    matrix = np.zeros((len(titles), len(names)), dtype=np.float32)
    for row, title in enumerate(titles):
        tokens = _tokens(title or "")
        for start in range(len(tokens)):
            for length in range(1, min(longest, len(tokens) - start) + 1):
                for column in index.get(tuple(tokens[start:start + length]), ()):
                    matrix[row, column] = 1.0
    return matrix


@lru_cache(maxsize=4096)
def _source_row(names: tuple[str, ...], source: str) -> tuple[float, ...]:
    # Feeds repeat a few hundred sources over thousands of items: match each name once.
    return tuple(1.0 if source_mentions(source, hints_for(name).source_words) else 0.0 for name in names)


def source_matrix(names: Sequence[str], sources: Sequence[str]) -> np.ndarray:
    """(items, categories) 1.0 where a category's source word occurs in the item's source name."""
    names = tuple(names)
    matrix = np.zeros((len(sources), len(names)), dtype=np.float32)
    for row, source in enumerate(sources):
        if source:
            matrix[row] = _source_row(names, source)
    return matrix


def context_scores(names: Sequence[str], centroids: np.ndarray, titles: Sequence[str], sources: Sequence[str],
                   source_vectors: np.ndarray | None) -> np.ndarray:
    """(items, categories) context score (module docstring) of items with these titles and sources.

    ``source_vectors`` holds the embedded source names (unit rows; any row for an empty source is ignored).
    """
    if len(titles) != len(sources):
        raise ValueError(f"{len(titles)} titles but {len(sources)} sources")
    scores = TITLE_KEYWORD_BONUS * keyword_matrix(names, titles) + SOURCE_KEYWORD_BONUS * source_matrix(names, sources)
    if source_vectors is not None and len(sources):
        has_source = np.array([bool(source) for source in sources], dtype=np.float32)[:, None]
        scores += SOURCE_SIMILARITY_WEIGHT * has_source * (np.asarray(source_vectors, np.float32) @ centroids.T)
    return scores
