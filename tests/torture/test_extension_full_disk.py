"""The extension keeps its queue while the server answers 507 (disk full) and delivers every
event exactly once when space is back: real Chromium, the real extension, a real full disk."""

from __future__ import annotations

import re

import pytest
import requests

from browser.extension_harness import EXTENSION_DIR, Database, ExtensionBrowser, Web, feed_page
from playwright import sync_api as playwright_sync
from support.batches import story_batch
from support.chromium import CHROMIUM_ARGS, chromium_path, shared_playwright
from support.processes import start_patiently
from support.server_process import ServerProcess
from support.small_fs import MB, fill_up, small_filesystem

pytestmark = pytest.mark.browser

FEED_URL = "https://news.ycombinator.com/"


@pytest.fixture
def extension(tmp_path):
    web = Web()
    with shared_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path(), headless=True,
            args=[f"--disable-extensions-except={EXTENSION_DIR}", f"--load-extension={EXTENSION_DIR}", *CHROMIUM_ARGS],
            viewport={"width": 1280, "height": 800})
        context.route(re.compile(r"^https?://(?!(?:127\.0\.0\.1|localhost)[:/])"), web.handle)
        try:
            yield ExtensionBrowser(context, web)
        finally:
            context.close()


def test_extension_keeps_its_queue_through_a_full_disk(tmp_path, extension):
    with small_filesystem(tmp_path / "data", 16 * MB) as filesystem:
        server = ServerProcess(filesystem.path)
        server.log_path = tmp_path / "server.log"
        start_patiently(server)
        try:
            extension.pair(server)
            fill_up(filesystem.path)
            probes = set()  # fill what room SQLite's WAL still had, until the server says "full"
            while (response := requests.post(f"{server.url}/api/v1/events", json={"events": (batch := story_batch(len(probes)))},
                                             headers=server.auth_headers(), timeout=60)).status_code == 200:
                probes |= {e["id"] for e in batch if e["type"] == "impression"}
            assert response.status_code == 507

            page = extension.open(FEED_URL, feed_page([f"Story {n}" for n in range(1, 6)], row_px=100))
            page.wait_for_timeout(4000)
            assert extension.queue_stats()["length"] >= 6  # 5 impressions and the session, at least
            delivery = extension.delivery()
            assert delivery["status"] == "server-busy" and "full" in delivery["error"], delivery

            (filesystem.path / "filler").unlink()
            extension.wait_until_queue_empty(timeout=60)
            db = Database(server.db_path, sleep=extension.sleep)
            ranks = [row["rank"] for row in db.rows("SELECT id, rank FROM impressions") if row["id"] not in probes]
            assert sorted(ranks) == [1, 2, 3, 4, 5]
            assert extension.delivery()["duplicatesTotal"] == 0
            assert extension.queue_stats()["dropped"] == 0
        finally:
            server.stop()
