"""Fixtures shared by every suite: the Flask app and client (flaskr style) and a real server process."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedaudit.app import create_app
from support.server_process import ServerProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture
def app(tmp_path):
    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(app):
    """Headers of a paired extension."""
    return {"Authorization": f"Bearer {app.config['TOKEN']}"}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def live_server(tmp_path):
    """A real ``feedaudit serve`` subprocess on a free port with its own data dir."""
    server = ServerProcess(tmp_path / "live-data").start()
    yield server
    server.stop()


@pytest.fixture
def shared_dir() -> Path:
    """../shared (real saved pages, data sets); tests that need it skip visibly without it."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: the shared fixtures are needed for this test")
    return SHARED_DIR


def pytest_sessionfinish(session, exitstatus):
    from support.chromium import stop_playwright

    stop_playwright()
