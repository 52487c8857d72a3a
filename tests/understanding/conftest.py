"""Shared fixtures: one real embedding model for the whole test session."""

from pathlib import Path

import pytest

from feedaudit.understanding.embedder import Embedder

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT / ".." / "shared"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = Embedder()
    model.load()
    return model


@pytest.fixture(scope="session")
def clickbait_data_dir() -> Path:
    folder = SHARED_DIR / "data" / "clickbait"
    if not (folder / "clickbait_data.gz").exists():
        pytest.skip(f"clickbait dataset absent: {folder.resolve()} (../shared not available)")
    return folder
