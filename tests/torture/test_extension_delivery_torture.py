"""Delivery under stress, real Chromium and the real extension: a long session with the server
down, a service worker stopped again and again while it flushes, a browser restarted with a
full queue. Every event the extension recorded is stored exactly once.

"What the extension recorded" is read from its persistent queue (chrome.storage.local)
once browsing is over and the server is still down; the server must then store exactly
those events: every impression and click once, each dwell and session at its maximum.
tests/browser/test_delivery.py covers the same paths with five stories; here the
queue holds thousands of events, so the stops and the restart land mid-flush.
"""

from __future__ import annotations

import time

import pytest

from browser.extension_harness import Web
from support.extension_queue import (
    browse_long_feed, expected_rows, extension_browser, queued_events, stored_rows,
    terminate_service_worker,
)
from support.processes import start_patiently
from support.server_process import ServerProcess

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    server = start_patiently(ServerProcess(tmp_path / "data"))
    yield server
    server.stop()


def record_while_down(browser, server, items: int) -> list[dict]:
    """Pair, stop the server, browse ``items`` stories; the events then waiting in the queue."""
    browser.pair(server)
    server.stop()
    browse_long_feed(browser, items)
    recorded = queued_events(browser)
    stats = browser.queue_stats()
    assert stats["length"] == len(recorded) and stats["dropped"] == 0
    assert browser.delivery()["status"] == "server-down"
    # Every story was on screen long enough: one impression each, ranked in feed order.
    assert sorted(e["rank"] for e in recorded if e["type"] == "impression") == list(range(1, items + 1))
    return recorded


def stored_total(db_path) -> int:
    rows = stored_rows(db_path)
    return len(rows["impressions"]) + len(rows["dwell"]) + len(rows["sessions"])


def wait_until_stored(server, expected: dict, sleep, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while (stored := stored_rows(server.db_path)) != expected:
        assert time.monotonic() < deadline, (
            f"after {timeout}s: {[(t, len(stored[t]), len(expected[t])) for t in expected]} (stored, expected)")
        sleep(0.5)


def test_long_session_with_the_server_down_arrives_exactly_once(tmp_path, server):
    with extension_browser(tmp_path / "profile", Web()) as browser:
        started = time.monotonic()
        recorded = record_while_down(browser, server, items=800)
        print(f"{len(recorded)} events queued while the server was down, in {time.monotonic() - started:.1f} s")
        assert len(recorded) >= 2000
        start_patiently(server)
        started = time.monotonic()
        browser.wait_until_queue_empty(timeout=60)
        print(f"delivered in {time.monotonic() - started:.1f} s")
        assert stored_rows(server.db_path) == expected_rows(recorded)
        delivery = browser.delivery()
        assert delivery["status"] == "ok" and delivery["duplicatesTotal"] == 0
        assert browser.queue_stats() == {"length": 0, "bytes": 0, "dropped": 0, "rejected": 0}


def test_service_worker_stopped_repeatedly_while_flushing(tmp_path, server):
    with extension_browser(tmp_path / "profile", Web()) as browser:
        recorded = record_while_down(browser, server, items=600)
        expected = expected_rows(recorded)
        total = len(expected["impressions"]) + len(expected["dwell"]) + len(expected["sessions"])
        start_patiently(server)
        stops, seen = [], 0
        deadline = time.monotonic() + 60
        while len(stops) < 5:
            while (stored := stored_total(server.db_path)) == seen:  # a flush is under way
                assert time.monotonic() < deadline, f"delivery stalled at {stored}/{total} rows"
                browser.sleep(0.05)
            if stored == total:
                break
            terminate_service_worker(browser)  # and a new worker resumes the queue
            stops.append(stored)
            seen = stored_total(server.db_path)
        print(f"worker stopped at {stops} of {total} rows; {len(recorded)} events")
        assert len(stops) >= 3, "the flush ended before the worker could be stopped three times"
        wait_until_stored(server, expected, browser.sleep)
        browser.wait_until_queue_empty()
        # A batch the server stored just before the worker died is sent again: acknowledged, not stored twice.
        print(f"duplicates the server acknowledged: {browser.delivery()['duplicatesTotal']}")
        assert stored_rows(server.db_path) == expected


def test_browser_restarted_with_a_full_queue_delivers_it_once(tmp_path, server):
    web, profile = Web(), tmp_path / "profile"
    with extension_browser(profile, web) as browser:
        recorded = record_while_down(browser, server, items=300)
    # The browser is gone; the queue lives in its profile.
    start_patiently(server)
    with extension_browser(profile, web) as browser:
        # Nothing pokes the worker: its own start-up (browser launch) resumes the queue.
        wait_until_stored(server, expected_rows(recorded), browser.sleep)
        browser.wait_until_queue_empty()
        assert browser.delivery()["duplicatesTotal"] == 0
        assert browser.queue_stats()["dropped"] == 0
