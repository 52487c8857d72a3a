"""Real saved pages from ../shared/fixtures/pages (skipped visibly when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

PAGES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "pages"


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    if not PAGES_DIR.is_dir():
        pytest.skip(f"{PAGES_DIR} is absent: the real saved pages are needed for this test")
    return PAGES_DIR


@pytest.fixture(scope="session")
def read_page(pages_dir):
    def read(relative: str) -> str:
        return (pages_dir / relative).read_text(encoding="utf-8")
    return read
