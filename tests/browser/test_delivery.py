"""Delivery without loss: events wait in storage while the server is down and arrive
exactly once when it is back; a service worker stopped mid-queue loses nothing; a full
queue drops its oldest events and counts them."""

from __future__ import annotations

import time

import pytest

from extension_harness import feed_page

pytestmark = pytest.mark.browser

FEED_URL = "https://news.ycombinator.com/"
FIVE_STORIES = feed_page([f"Story {n}" for n in range(1, 6)], row_px=100)


def assert_delivered_once(browser, db, ranks: list[int]):
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) >= len(ranks))
    browser.wait_until_queue_empty()
    assert sorted(r["rank"] for r in db.rows("SELECT rank FROM impressions")) == ranks
    delivery = browser.delivery()
    assert delivery["status"] == "ok"
    assert delivery["duplicatesTotal"] == 0  # the server saw no event twice
    assert browser.queue_stats()["dropped"] == 0
    assert len(rows) == len(ranks)


def test_server_down_then_up_every_event_arrives_once(paired, db, server):
    server.stop()
    page = paired.open(FEED_URL, FIVE_STORIES)
    page.wait_for_timeout(4000)  # impressions and dwell updates pile up; sends fail and back off
    queued = paired.queue_stats()["length"]
    assert queued >= 6  # 5 impressions + the session, at least
    assert paired.delivery()["status"] == "server-down"
    server.start()
    assert_delivered_once(paired, db, [1, 2, 3, 4, 5])
    assert db.count("dwell") == 5
    assert db.count("sessions") == 1


def test_service_worker_stopped_mid_queue_loses_nothing(paired, db, server):
    server.stop()
    page = paired.open(FEED_URL, FIVE_STORIES)
    page.wait_for_timeout(3000)
    assert paired.queue_stats()["length"] >= 6
    page.close()  # no more events: only what is stored can arrive
    paired.stop_service_worker()
    # Any event restarts the worker (here: the popup asking for status). The server is still
    # down, so nothing can have been delivered yet: the queue must have survived the death.
    assert paired.queue_stats()["length"] >= 6
    server.start()  # the restarted worker resumes the queue
    assert_delivered_once(paired, db, [1, 2, 3, 4, 5])


def test_full_queue_drops_the_oldest_and_counts_them(paired, db, server):
    server.stop()
    paired.settings(queueMaxEvents=3)
    page = paired.open(FEED_URL, FIVE_STORIES)
    page.wait_for_timeout(3000)
    page.close()
    stats = paired.queue_stats()
    assert stats["length"] == 3
    assert stats["dropped"] >= 4  # 5 impressions + session + dwell updates, only 3 kept
    server.start()
    paired.wait_until_queue_empty()
    assert db.count("impressions") + db.count("dwell") + db.count("sessions") <= 3


def test_worker_logs_a_failed_promise_but_not_chromes_rejections_of_a_stopping_worker(browser):
    """Chrome rejects a stopping worker's pending API calls with "No SW"; nothing is lost then, so the
    worker keeps quiet about it, while any other failed promise still shows in its console."""
    worker = next(w for w in browser.context.service_workers if browser.extension_id in w.url)
    worker.evaluate("Promise.reject(new Error('No SW')); Promise.reject(new Error('the queue broke')); 0")
    deadline = time.monotonic() + 10
    while not browser.worker_errors:
        assert time.monotonic() < deadline, "the worker logged nothing for a failed promise"
        browser.sleep(0.05)
    logged = [error.splitlines()[0] for error in browser.worker_errors]  # each error, without its stack
    browser.worker_errors.clear()  # the expected error, not a failure of the fixture's check
    # Both rejections are reported in one go, "No SW" first: had it been logged, it would be here.
    assert logged == ["Feed Audit: unhandled rejection Error: the queue broke"]
