"""The real extension in real Chromium, relaunchable on the same profile, and what its queue holds.

For the delivery torture tests: browse a long feed while the server is down, read
the events the extension recorded (its persistent queue in chrome.storage.local),
and compare them with what the server stored once it is back.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

from browser.extension_harness import EXTENSION_DIR, ExtensionBrowser, Web, feed_page
from support.chromium import CHROMIUM_ARGS, chromium_path, shared_playwright

FEED_URL = "https://news.ycombinator.com/"
ROW_PX = 10  # with its subtext row, one Hacker News item is about 30 px tall


@contextlib.contextmanager
def extension_browser(profile: Path, web: Web):
    """Chromium with the unpacked extension on ``profile`` (reuse the path to restart the browser)."""
    with shared_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=chromium_path(), headless=True,
            args=[f"--disable-extensions-except={EXTENSION_DIR}", f"--load-extension={EXTENSION_DIR}", *CHROMIUM_ARGS],
            viewport={"width": 1280, "height": 800})
        context.route(re.compile(r"^https?://(?!(?:127\.0\.0\.1|localhost)[:/])"), web.handle)
        harness = None
        try:
            harness = ExtensionBrowser(context, web)
            yield harness
        finally:
            context.close()
        assert harness.worker_errors == [], f"the service worker logged errors: {harness.worker_errors}"


def browse_long_feed(browser: ExtensionBrowser, items: int, screen_px: int = 8000, linger_ms: int = 1300,
                     id_base: int = 100_000) -> None:
    """Scroll a feed of ``items`` stories one tall screen at a time, each screen long enough on view
    for its items to count as impressions, then leave the page (its last events go to the worker)."""
    page = browser.open(FEED_URL, feed_page([f"Story {n}" for n in range(1, items + 1)], row_px=ROW_PX, id_base=id_base),
                        height=screen_px)
    page.bring_to_front()
    height = page.evaluate("document.documentElement.scrollHeight")
    for top in range(0, height, screen_px):
        page.evaluate("(top) => window.scrollTo(0, top)", top)
        page.mouse.move(10, 10 + top % 50)  # input: the person is present
        page.wait_for_timeout(linger_ms)
    page.close()
    browser.sleep(1.5)  # the page's last message (dwell, session time) reaches the worker


def queued_events(browser: ExtensionBrowser) -> list[dict]:
    """The events waiting in the extension's persistent queue, oldest first."""
    page = browser.extension_page("popup.html")
    try:
        return page.evaluate("""async () => {
            const all = await chrome.storage.local.get(null);
            const meta = all['queue:meta'];
            const events = [];
            for (let seq = meta.head; seq < meta.tail; seq += 1) events.push(all['q:' + seq].event);
            return events;
        }""")
    finally:
        page.close()


def expected_rows(events: list[dict]) -> dict:
    """What the server must store for these events, each exactly once (dwell and session: the maximum)."""
    dwell, sessions = defaultdict(int), defaultdict(int)
    for event in events:
        if event["type"] == "dwell":
            dwell[event["impression_id"]] = max(dwell[event["impression_id"]], event["visible_ms"])
        elif event["type"] == "session":
            sessions[event["id"]] = max(sessions[event["id"]], event["active_ms"])
    return {
        "impressions": sorted((e["id"], e["rank"]) for e in events if e["type"] == "impression"),
        "dwell": sorted(dwell.items()),
        "sessions": sorted(sessions.items()),
        "clicks": sorted(e["id"] for e in events if e["type"] == "click"),
        "views": sorted(e["id"] for e in events if e["type"] == "view"),
    }


def stored_rows(db_path: Path) -> dict:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        rows = lambda sql: connection.execute(sql).fetchall()  # noqa: E731
        return {
            "impressions": sorted(rows("SELECT id, rank FROM impressions")),
            "dwell": sorted(rows("SELECT impression_id, visible_ms FROM dwell")),
            "sessions": sorted(rows("SELECT id, active_ms FROM sessions")),
            "clicks": sorted(row[0] for row in rows("SELECT id FROM clicks")),
            "views": sorted(row[0] for row in rows("SELECT id FROM views")),
        }
    finally:
        connection.close()


def count_impressions(db_path: Path) -> int:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute("SELECT count(*) FROM impressions").fetchone()[0]
    finally:
        connection.close()


def terminate_service_worker(browser: ExtensionBrowser, timeout: float = 10.0) -> None:
    """Terminate the extension's service worker (``ExtensionBrowser.stop_service_worker``: CDP closes
    its target, as Chrome stops a worker, and the stop is proven by a mark on the old global scope)
    and wake a new one with a popup's status request, as any extension event would."""
    browser.stop_service_worker(timeout)
    deadline = time.monotonic() + timeout
    while True:
        browser.queue_stats()  # a message from an extension page: starts a stopped worker
        if any(browser.extension_id in w.url for w in browser.context.service_workers):
            return
        assert time.monotonic() < deadline, "no new service worker started"
        browser.sleep(0.1)
