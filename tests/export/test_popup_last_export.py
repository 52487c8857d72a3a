"""The extension popup says when the last weekly summary was written (GET /api/v1/status → last_export)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))  # the extension harness lives there

from browser.conftest import browser, web  # noqa: E402,F401 - fixtures: Chromium with the unpacked extension
from support.server_process import ServerProcess  # noqa: E402

pytestmark = pytest.mark.browser

WRITTEN_S = 1_768_222_800  # 2026-01-12 13:00 UTC


@pytest.fixture
def server(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    yield server
    server.stop()


def popup_line(browser) -> str:
    popup = browser.extension_page("popup.html")
    popup.locator("#connection[data-state='connected']").wait_for(timeout=10000)
    line = popup.locator("#last-export")
    line.locator("xpath=self::*[normalize-space(text()) != '–']").wait_for(timeout=10000)
    text = line.text_content()
    popup.close()
    return text


def test_the_popup_shows_the_newest_export(browser, server):
    browser.pair(server)
    assert popup_line(browser) == "none yet"
    exports = server.data_dir / "exports"
    exports.mkdir(exist_ok=True)
    for name, written in (("feedaudit-week-2026-W01.md", WRITTEN_S - 7 * 86_400), ("feedaudit-week-2026-W02.html", WRITTEN_S)):
        (exports / name).write_text("summary")
        os.utime(exports / name, (written, written))
    assert popup_line(browser).startswith("2026-W02 (html), written ")
