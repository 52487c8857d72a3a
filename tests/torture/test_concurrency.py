"""Eight clients posting, the report and API being read, and the background jobs working, all at
once for 45 s: no client ever sees "database is locked" (or any 503/5xx), and everything posted is
stored once.

The server starts over two simulated days nobody has processed yet, so parsing,
embedding and categorizing run the whole time; the weekly export catch-up runs
at start too.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter

import requests

from feedaudit import ingest, storage
from feedaudit.simulator import SimulationConfig, simulate
from support.batches import story_batch
from support.processes import start_patiently
from support.server_process import ServerProcess

DURATION_S = 45
POSTERS = 8
READ_PATHS = ["/api/v1/metrics", "/api/v1/status", "/api/v1/items", "/"]


class Traffic:
    """Every answer of every client: (status, what was asked, body if it was not a 200)."""

    def __init__(self, server: ServerProcess, stop_at: float):
        self.server, self.stop_at = server, stop_at
        self.answers: list[tuple[int, str, str]] = []
        self.posted: list[dict] = []
        self.lock = threading.Lock()

    def record(self, response: requests.Response | None, what: str) -> None:
        status = response.status_code if response is not None else 0
        body = "" if status == 200 else (response.text[:300] if response is not None else "no answer")
        with self.lock:
            self.answers.append((status, what, body))

    def post_forever(self, first_serial: int) -> None:
        session = requests.Session()
        for serial in range(first_serial, 10**9, POSTERS):
            if time.monotonic() > self.stop_at:
                return
            batch = story_batch(serial)
            try:
                response = session.post(f"{self.server.url}/api/v1/events", json={"events": batch},
                                        headers=self.server.auth_headers(), timeout=60)
            except requests.RequestException:
                response = None
            self.record(response, "POST /api/v1/events")
            if response is not None and response.status_code == 200:
                with self.lock:
                    self.posted += batch

    def read_forever(self, offset: int) -> None:
        session = requests.Session()
        for index in range(offset, 10**9):
            if time.monotonic() > self.stop_at:
                return
            path = READ_PATHS[index % len(READ_PATHS)]
            try:
                response = session.get(f"{self.server.url}{path}", headers=self.server.auth_headers(), timeout=60)
            except requests.RequestException:
                response = None
            self.record(response, f"GET {path}")


def unprocessed_backlog(db_path) -> int:
    events = simulate(SimulationConfig(days=2, seed=21)).events
    db = storage.connect(db_path)
    for start in range(0, len(events), ingest.MAX_BATCH_EVENTS):
        ingest.ingest(db, {"events": events[start:start + ingest.MAX_BATCH_EVENTS]})
    count = db.execute("SELECT count(*) FROM impressions").fetchone()[0]
    db.close()
    return count


def test_posting_reading_and_background_work_at_once(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    backlog = unprocessed_backlog(data_dir / "feedaudit.db")
    server = start_patiently(ServerProcess(data_dir))
    traffic = Traffic(server, time.monotonic() + DURATION_S)
    threads = [threading.Thread(target=traffic.post_forever, args=(n,)) for n in range(POSTERS)]
    threads += [threading.Thread(target=traffic.read_forever, args=(n,)) for n in range(len(READ_PATHS))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()

    counts = Counter((status, what) for status, what, _ in traffic.answers)
    print(sorted(counts.items()))
    failures = [(status, what, body) for status, what, body in traffic.answers if status != 200]
    assert failures == [], f"{len(failures)} failed requests, e.g. {failures[:5]}"
    assert all(counts[(200, f"GET {path}")] > 0 for path in READ_PATHS)
    assert counts[(200, "POST /api/v1/events")] >= POSTERS

    connection = sqlite3.connect(server.db_path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = connection.execute("SELECT count(*) FROM impressions").fetchone()[0]
        parsed = connection.execute("SELECT count(*) FROM impressions WHERE parsed_ts IS NOT NULL").fetchone()[0]
    finally:
        connection.close()
    posted_impressions = sum(1 for e in traffic.posted if e["type"] == "impression")
    assert stored == backlog + posted_impressions
    assert parsed > 0, "the background jobs did no work during the test"
