"""Torture-suite fixtures: a real server holding some private data, and plain Chromium
whose web pages (any host but 127.0.0.1) are served from memory by ``context.route``."""

from __future__ import annotations

import re
import sqlite3

import pytest
import requests

from playwright import sync_api as playwright_sync

from feedaudit.datatransfer import DERIVED_PREFIX
from support.batches import story_batch
from support.chromium import CHROMIUM_ARGS, chromium_path, shared_playwright
from support.processes import start_patiently
from support.server_process import ServerProcess

META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class PrivateServer(ServerProcess):
    """A server with a few stored events: what a hostile page would like to read or change."""

    def page_token(self) -> str:
        """The CSRF token this process embeds in its report pages."""
        html = requests.get(f"{self.url}/", timeout=30).text
        match = META_CSRF.search(html)
        assert match, "the report page carries no csrf-token meta tag"
        return match.group(1)

    def row_counts(self) -> dict[str, int]:
        """Rows per stored table; derived tables (rollup_*: rollups and counters the background jobs
        rebuild from the stored rows at any moment) are left out."""
        connection = sqlite3.connect(self.db_path, timeout=30)
        try:
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                      if not row[0].startswith(DERIVED_PREFIX)]
            return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        finally:
            connection.close()


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    server = start_patiently(PrivateServer(tmp_path_factory.mktemp("private-data")))
    for serial in range(3):
        response = requests.post(f"{server.url}/api/v1/events", json={"events": story_batch(serial)},
                                 headers=server.auth_headers(), timeout=30)
        assert response.status_code == 200, response.text
    yield server
    server.stop()


class FakeWeb:
    """Pages at their real addresses, from memory; anything unregistered is aborted."""

    def __init__(self):
        self.pages: dict[str, str] = {}

    def handle(self, route):
        html = self.pages.get(route.request.url)
        if html is None:
            route.abort()
        else:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)


@pytest.fixture
def web_browser():
    """(context, web): plain Chromium; requests to 127.0.0.1 go to the real server, the rest to ``web``.

    Chromium's own Private/Local Network Access blocking is switched off, so what
    stops a hostile page is the server's guards, not the browser's.
    """
    web = FakeWeb()
    with shared_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True,
            args=[*CHROMIUM_ARGS, "--disable-features=PrivateNetworkAccessSendPreflights,"
                  "PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests,LocalNetworkAccessChecks"],
        )
        context = browser.new_context()
        context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/])"), web.handle)
        try:
            yield context, web
        finally:
            context.close()
            browser.close()
