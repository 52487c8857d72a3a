"""Debian's Chromium for every browser test, with the flags this closed network needs."""

from __future__ import annotations

import contextlib
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


# Playwright's sync API allows one running instance per thread: every fixture shares this one.
_playwright = None


@contextlib.contextmanager
def shared_playwright():
    """The test session's Playwright, started on first use and stopped at the end of the session
    (``stop_playwright``, from the root conftest); a fixture may hold it while others use it too."""
    global _playwright
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
    yield _playwright


def stop_playwright() -> None:
    global _playwright
    if _playwright is not None:
        _playwright.stop()
        _playwright = None
