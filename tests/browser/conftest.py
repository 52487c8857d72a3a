"""Browser fixtures: real Chromium (new headless mode, which runs extensions) with the
unpacked extension, paired with a real ``feedaudit serve`` (the ``live_server`` fixture)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from extension_harness import (
    CHROMIUM_ARGS, EXTENSION_DIR, Database, ExtensionBrowser, Web, chromium_path, playwright_sync,
)
from support.chromium import shared_playwright
from support.server_process import ServerProcess

# Raw capture tables emptied between tests (the server keeps running: starting one costs seconds).
EVENT_TABLES = ("impressions", "impression_html", "items", "dwell", "clicks", "sessions", "views")


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("browser-server")).start()
    yield server
    server.stop()


@pytest.fixture
def server(shared_server):
    """A real ``feedaudit serve`` (shared by the browser tests), running and with no events stored."""
    if shared_server.process is None or shared_server.process.poll() is not None:
        shared_server.start()  # a previous test stopped it
    connection = sqlite3.connect(shared_server.db_path, timeout=30)
    try:
        with connection:
            for table in EVENT_TABLES:
                connection.execute(f"DELETE FROM {table}")
    finally:
        connection.close()
    return shared_server


@pytest.fixture
def web() -> Web:
    return Web()


@pytest.fixture
def browser(tmp_path, web):
    """Chromium (new headless mode, which runs extensions) with the unpacked extension."""
    executable = chromium_path()
    with shared_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=executable,
            headless=True,
            args=[f"--disable-extensions-except={EXTENSION_DIR}", f"--load-extension={EXTENSION_DIR}", *CHROMIUM_ARGS],
            viewport={"width": 1280, "height": 800},
        )
        # Only web pages go through Python: extension files and the local server never wait on it.
        context.route(re.compile(r"^https?://(?!(?:127\.0\.0\.1|localhost)[:/])"), web.handle)
        harness = ExtensionBrowser(context, web)
        try:
            yield harness
        finally:
            errors = list(harness.worker_errors)
            context.close()
        assert errors == [], f"the service worker logged errors: {errors}"


@pytest.fixture
def paired(browser, server):
    """The extension paired with a real ``feedaudit serve`` and short delivery timings."""
    browser.pair(server)
    return browser


@pytest.fixture
def db(server, browser) -> Database:
    return Database(server.db_path, sleep=browser.sleep)
