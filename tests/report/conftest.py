"""Report-page fixtures: a simulated database served by a real ``feedaudit serve``, and plain
Chromium (no extension) that records console errors and failed requests for every page."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
import requests

from playwright import sync_api as playwright_sync

from support.chromium import CHROMIUM_ARGS, chromium_path, shared_playwright
from support.server_process import ServerProcess

# 14 simulated days from the simulator's fixed start (2026-01-05, a Monday): ISO weeks 2026-W02 and W03.
DEMO_DAYS = 14
DEMO_WEEKS = ("2026-W02", "2026-W03")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """A ``feedaudit serve`` over 14 simulated days (seed 1), shared by the report tests. Treat it as read-only
    unless a test restores what it changes; tests that change data should use ``fresh_demo_server``."""
    data_dir = tmp_path_factory.mktemp("report-demo")
    subprocess.run([sys.executable, "-m", "feedaudit", "simulate", "--days", str(DEMO_DAYS), "--seed", "1",
                    "--data-dir", str(data_dir)], check=True, capture_output=True)
    server = ServerProcess(data_dir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, demo_server):
    """A copy of the simulated database, to start servers whose data a test may change."""
    import sqlite3

    template = tmp_path_factory.mktemp("report-template") / "feedaudit.db"
    source = sqlite3.connect(demo_server.db_path)
    target = sqlite3.connect(template)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return template


@pytest.fixture
def fresh_demo_server(tmp_path, demo_template):
    """A server of its own over a copy of the simulated database: change anything."""
    import shutil

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_template, data_dir / "feedaudit.db")
    server = ServerProcess(data_dir).start()
    yield server
    server.stop()


def api_get(server: ServerProcess, path: str, **params) -> dict:
    """GET an API path with the bearer token; the parsed body of a 200 answer."""
    response = requests.get(server.url + path, params=params, headers=server.auth_headers(), timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@dataclasses.dataclass
class PageProblems:
    console_errors: list = dataclasses.field(default_factory=list)
    failed_requests: list = dataclasses.field(default_factory=list)
    dialogs: list = dataclasses.field(default_factory=list)

    def assert_none(self):
        assert self.console_errors == [], self.console_errors
        assert self.failed_requests == [], self.failed_requests
        assert self.dialogs == [], self.dialogs


@pytest.fixture(scope="session")
def chromium():
    with shared_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def report_page(chromium):
    """A fresh page, plus the console errors, failed requests (network errors and 4xx/5xx answers) and
    dialogs it met. Any request that leaves 127.0.0.1 fails: the report must work offline."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:")
                  else route.abort())
    page = context.new_page()
    problems = PageProblems()
    page.on("console", lambda message: message.type == "error" and problems.console_errors.append(message.text))
    page.on("pageerror", lambda error: problems.console_errors.append(str(error)))
    page.on("requestfailed", lambda request: problems.failed_requests.append(f"{request.url} {request.failure}"))
    page.on("response", lambda response: response.status >= 400
            and problems.failed_requests.append(f"{response.url} {response.status}"))
    page.on("dialog", lambda dialog: (problems.dialogs.append(dialog.message), dialog.dismiss()))
    page.problems = problems
    yield page
    context.close()
