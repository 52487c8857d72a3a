"""The clickbait dataset of Chakraborty et al. (ASONAM 2016) and its fixed train/test split.

A headline is in the test split when the first byte of the sha256 of its
stripped UTF-8 text is below 52 (about 20%); everything else is training data.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

TEST_SPLIT_BYTE_LIMIT = 52
CLICKBAIT_FILE = "clickbait_data.gz"
NON_CLICKBAIT_FILE = "non_clickbait_data.gz"


@dataclass(frozen=True)
class LabelledHeadlines:
    headlines: list[str]
    labels: list[int]  # 1 = clickbait, 0 = not


def is_test_headline(headline: str) -> bool:
    return hashlib.sha256(headline.strip().encode("utf-8")).digest()[0] < TEST_SPLIT_BYTE_LIMIT


def read_headlines(path: Path) -> list[str]:
    """Non-blank, stripped headlines of one gzip file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [line.strip() for line in lines if line.strip()]


def load_split(data_dir: Path, split: str) -> LabelledHeadlines:
    """The "train" or "test" split of the dataset in data_dir."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    want_test = split == "test"
    headlines: list[str] = []
    labels: list[int] = []
    for filename, label in ((CLICKBAIT_FILE, 1), (NON_CLICKBAIT_FILE, 0)):
        for headline in read_headlines(Path(data_dir) / filename):
            if is_test_headline(headline) == want_test:
                headlines.append(headline)
                labels.append(label)
    return LabelledHeadlines(headlines, labels)
