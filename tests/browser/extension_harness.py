"""Harness for the extension tests: real Chromium, pages served at their real hostnames.

Every request from the browser is answered by ``context.route``: registered pages are
fulfilled from memory, requests to the local Feed Audit server go through, and
everything else is aborted, so nothing reaches the network.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from playwright import sync_api as playwright_sync

from support.chromium import CHROMIUM_ARGS, chromium_path  # noqa: F401  (re-exported for the tests)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXTENSION_DIR = REPO_ROOT / "extension"
SHARED_PAGES = REPO_ROOT.parent / "shared" / "fixtures" / "pages"
# Short delivery timings for tests, set through storage like any user setting (same code paths).
FAST_SETTINGS = {"sendDelayMs": 200, "flushIntervalMs": 300, "retryBaseMs": 300, "retryMaxMs": 1000, "dwellFlushMs": 500}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SCRIPT_TAG = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def shared_page(relative: str) -> str:
    path = SHARED_PAGES / relative
    if not SHARED_PAGES.is_dir():
        pytest.skip(f"{SHARED_PAGES} is absent: the saved real pages are needed for this test")
    return path.read_text(encoding="utf-8", errors="replace")


def without_scripts(html: str) -> str:
    """Saved pages are served without their scripts: their assets are unreachable anyway."""
    return SCRIPT_TAG.sub("", html)


class Web:
    """The fake internet: exact URLs (fragment ignored) -> HTML."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        self.aborted: list[str] = []

    def add(self, url: str, html: str) -> str:
        self.pages[url.split("#")[0]] = html
        return url

    def handle(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        elif url.split("#")[0] in self.pages:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.pages[url.split("#")[0]])
        else:
            self.aborted.append(url)
            route.abort()


class ExtensionBrowser:
    """A persistent Chromium context with the extension loaded, plus helpers."""

    def __init__(self, context, web: Web):
        self.context = context
        self.web = web
        self.worker_errors: list[str] = []
        context.on("console", self._on_console)
        worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker", timeout=15000)
        self.extension_id = urlsplit(worker.url).hostname

    def _on_console(self, message):
        worker = getattr(message, "worker", None)
        if worker is not None and message.type == "error":
            self.worker_errors.append(message.text)

    def sleep(self, seconds: float) -> None:
        """Wait while still answering routed requests (time.sleep would stall every page load)."""
        self.context.pages[0].wait_for_timeout(seconds * 1000)

    def url(self, path: str) -> str:
        return f"chrome-extension://{self.extension_id}/{path}"

    def extension_page(self, path: str = "popup.html"):
        page = self.context.new_page()
        page.goto(self.url(path))
        return page

    def storage_set(self, values: dict) -> None:
        page = self.extension_page("popup.html")
        page.evaluate("(values) => chrome.storage.local.set(values)", values)
        page.close()

    def storage_get(self, key: str):
        page = self.extension_page("popup.html")
        value = page.evaluate("(key) => chrome.storage.local.get(key).then((items) => items[key])", key)
        page.close()
        return value

    def settings(self, **changes) -> dict:
        """Merge changes into the stored settings (as the options page does)."""
        page = self.extension_page("popup.html")
        merged = page.evaluate(
            """async (changes) => {
                const current = (await chrome.storage.local.get('settings')).settings ?? {};
                const next = {...current, ...changes};
                await chrome.storage.local.set({settings: next});
                return next;
            }""",
            changes,
        )
        page.close()
        return merged

    def pair(self, server, fast: bool = True) -> None:
        """Scripted pairing through the options page query, as automation would do it."""
        page = self.context.new_page()
        page.goto(self.url(f"options.html?server={server.url}&token={server.token}"))
        status = page.locator("#connection-status[data-state='connected']")
        status.wait_for(timeout=10000)
        page.close()
        if fast:
            self.settings(**FAST_SETTINGS)

    def queue_stats(self) -> dict:
        page = self.extension_page("popup.html")
        stats = page.evaluate("chrome.runtime.sendMessage({kind: 'status'})")
        page.close()
        return stats["queue"]

    def delivery(self) -> dict:
        return self.storage_get("delivery") or {}

    def wait_until_queue_empty(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue_stats()["length"] == 0:
                return
            self.sleep(0.3)
        raise AssertionError(f"queue still holds events: {self.queue_stats()}, delivery {self.delivery()}")

    def stop_service_worker(self, timeout: float = 10.0) -> None:
        """Stop the extension's service worker as Chrome does when it idles (it restarts on the next event).

        A worker stopped while it works (retrying uploads to a server that is down) may start again at once
        under the same target, so its absence cannot be polled for: the old worker's global scope is marked,
        and the stop is proven when no running worker carries the mark.
        """
        marker = "globalThis.__feedauditStopMark"
        workers = [w for w in self.context.service_workers if self.extension_id in w.url]
        assert workers, "the service worker is not running"
        for worker in workers:
            worker.evaluate(f"{marker} = true")
        session = self.context.browser.new_browser_cdp_session()
        try:
            for target in session.send("Target.getTargets")["targetInfos"]:
                if target["type"] == "service_worker" and self.extension_id in target["url"]:
                    session.send("Target.closeTarget", {"targetId": target["targetId"]})
        finally:
            session.detach()
        deadline = time.monotonic() + timeout
        while any(self._carries(worker, marker) for worker in self.context.service_workers
                  if self.extension_id in worker.url):
            assert time.monotonic() < deadline, "the service worker did not stop"
            self.sleep(0.1)

    @staticmethod
    def _carries(worker, marker: str) -> bool:
        try:
            return bool(worker.evaluate(f"{marker} === true"))
        except Exception:  # the worker is gone: its execution context no longer answers
            return False

    def open(self, url: str, html: str | None = None, width: int = 1280, height: int = 800):
        if html is not None:
            self.web.add(url, html)
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        return page


class Database:
    """Read-only look at what the server stored."""

    def __init__(self, path: Path, sleep=time.sleep):
        self.path = path
        self.sleep = sleep

    def rows(self, sql: str, params=()) -> list[dict]:
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute(sql, params)]
        finally:
            connection.close()

    def impressions(self) -> list[dict]:
        return self.rows(
            "SELECT i.*, h.html FROM impressions i LEFT JOIN impression_html h ON h.impression_id = i.id ORDER BY i.rank"
        )

    def count(self, table: str) -> int:
        return self.rows(f"SELECT count(*) AS n FROM {table}")[0]["n"]

    def wait_for(self, sql: str, predicate, timeout: float = 15.0, params=()):
        """Poll until predicate(rows) is true; return the rows (fail with the last rows seen)."""
        deadline = time.monotonic() + timeout
        rows = []
        while time.monotonic() < deadline:
            try:
                rows = self.rows(sql, params)
            except sqlite3.OperationalError:
                rows = []
            if predicate(rows):
                return rows
            self.sleep(0.2)
        raise AssertionError(f"timed out waiting for {sql!r}; last rows: {rows[:5]} ({len(rows)} rows)")


def feed_page(titles: list[str], row_px: int = 100, top_spacer_px: int = 0, id_base: int = 1000) -> str:
    """A Hacker-News-shaped feed (the hackernews definition applies) with controlled geometry.

    Item i links to https://news.ycombinator.com/item?id=<id_base + i>.
    """
    return (
        "<!doctype html><html><head><title>Feed</title><style>"
        f"body {{ margin: 0; }} tr.athing td {{ height: {row_px}px; }} #spacer {{ height: {top_spacer_px}px; }}"
        "</style></head><body><div id='spacer'></div><table id='feed'>"
        + "".join(feed_rows(titles, id_base))
        + "</table></body></html>"
    )


def feed_rows(titles: list[str], id_base: int = 1000, first: int = 1) -> list[str]:
    rows = []
    for offset, title in enumerate(titles):
        item_id = id_base + first + offset
        rows.append(
            f'<tr class="athing submission" id="{item_id}"><td class="title"><span class="titleline">'
            f'<a href="https://news.ycombinator.com/item?id={item_id}">{title}</a></span></td></tr>'
            f'<tr><td class="subtext">{item_id} points</td></tr>'
        )
    return rows


def item_page(title: str) -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1><p>Comments.</p></body></html>"


class ContentScriptWorld:
    """Emulates tab visibility for the extension's content script.

    Headless Chromium reports every tab as visible, so the test overrides
    document.visibilityState inside the content script's isolated world (found through
    the DevTools protocol) and fires the real visibilitychange event.
    """

    def __init__(self, context, page, extension_id: str):
        self.session = context.new_cdp_session(page)
        self.contexts: list[dict] = []
        self.session.on("Runtime.executionContextCreated", lambda event: self.contexts.append(event["context"]))
        self.session.send("Runtime.enable")
        self.origin = f"chrome-extension://{extension_id}"

    def context_id(self) -> int:
        for context in reversed(self.contexts):
            if context.get("origin") == self.origin:
                return context["id"]
        raise AssertionError(f"no content-script world among {self.contexts}")

    def evaluate(self, expression: str):
        result = self.session.send("Runtime.evaluate", {"expression": expression, "contextId": self.context_id(), "returnByValue": True})
        if "exceptionDetails" in result:
            raise AssertionError(result["exceptionDetails"])
        return result["result"].get("value")

    def set_hidden(self, hidden: bool) -> None:
        state = "hidden" if hidden else "visible"
        self.evaluate(
            f"Object.defineProperty(document, 'visibilityState', {{configurable: true, get: () => '{state}'}});"
            "document.dispatchEvent(new Event('visibilitychange')); document.visibilityState"
        )
