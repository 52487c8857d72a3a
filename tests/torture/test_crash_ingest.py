"""SIGKILL during ingest, 20 times: nothing acknowledged is lost, nothing is stored twice.

A client posts realistic batches (unique event ids) without pause while the
real ``feedaudit serve`` is killed at seeded random moments and restarted. The
client keeps each batch until it sees a 200 and then sends it again, as the
extension does, so batches whose answer was lost to the crash are retried.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time
from collections import defaultdict

from support.batches import RetryingClient
from support.processes import child_pids, start_patiently, wait_until_gone
from support.server_process import ServerProcess

SEED = 9
KILLS = 20
KILL_DELAY_S = (0.02, 0.9)  # after the server answers its health check


def stored_ids(db_path, table: str) -> set[str]:
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        return {row[0] for row in connection.execute(f"SELECT id FROM {table}")}
    finally:
        connection.close()


def post_until_killed(client: RetryingClient, server: ServerProcess, delay: float) -> None:
    """Post batches back to back; SIGKILL the server (and only it) after ``delay`` seconds."""
    process = server.process
    killer = threading.Timer(delay, process.send_signal, args=[signal.SIGKILL])
    killer.start()
    while process.poll() is None:
        client.post_next()
    killer.join()
    process.wait()
    server.process = None


def test_sigkill_during_ingest_loses_nothing_and_stores_nothing_twice(tmp_path):
    rng = random.Random(SEED)
    server = start_patiently(ServerProcess(tmp_path / "data"))
    client = RetryingClient(server.url, server.token)
    orphans = []
    try:
        for _ in range(KILLS):
            workers = child_pids(server.process.pid)
            post_until_killed(client, server, rng.uniform(*KILL_DELAY_S))
            orphans += wait_until_gone(workers, timeout=5)
            # Durability: what was acknowledged before the crash is on disk after it.
            acknowledged = {e["id"] for e in client.acknowledged_events() if e["type"] == "impression"}
            assert acknowledged <= stored_ids(server.db_path, "impressions")
            start_patiently(server)
        while client.pending:  # the retries of batches whose answer the crash swallowed
            assert client.post_next() == 200
        assert client.post_next() == 200  # and a fresh batch after them
    finally:
        server.stop()

    assert orphans == [], "background workers outlived the killed server"
    retried = [sent for sent in client.sent if len(sent.answers) > 1]
    assert retried, "no kill interrupted a request: the test proved nothing"
    assert_stored_exactly_once(server.db_path, client.all_events())


def assert_stored_exactly_once(db_path, events: list[dict]) -> None:
    by_type = defaultdict(list)
    for event in events:
        by_type[event["type"]].append(event)
    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = lambda sql: connection.execute(sql).fetchall()  # noqa: E731
        impressions = by_type["impression"]
        assert sorted(rows("SELECT id, rank FROM impressions")) == sorted((e["id"], e["rank"]) for e in impressions)
        assert sorted(rows("SELECT impression_id FROM impression_html")) == sorted((e["id"],) for e in impressions)
        assert sorted(rows("SELECT impression_id, visible_ms FROM dwell")) == sorted(
            (e["impression_id"], e["visible_ms"]) for e in by_type["dwell"])
        assert sorted(rows("SELECT id FROM clicks")) == sorted((e["id"],) for e in by_type["click"])
        assert sorted(rows("SELECT id, active_ms FROM views")) == sorted((e["id"], e["active_ms"]) for e in by_type["view"])
        expected_sessions = defaultdict(int)
        for e in by_type["session"]:
            expected_sessions[e["id"]] = max(expected_sessions[e["id"]], e["active_ms"])
        assert dict(rows("SELECT id, active_ms FROM sessions")) == dict(expected_sessions)
        # Every story is its own item: one item row each, whether parsed (re-keyed) yet or not.
        assert rows("SELECT count(*) FROM items") == [(len(impressions),)]
    finally:
        connection.close()


def test_killed_server_takes_its_worker_with_it(tmp_path):
    """The pipeline worker process ends with the server, whichever signal ended it."""
    server = start_patiently(ServerProcess(tmp_path / "data"))
    try:
        deadline = time.monotonic() + 20
        while len(child_pids(server.process.pid)) < 2:  # the resource tracker and the pool worker
            assert time.monotonic() < deadline, "the background worker never started"
            time.sleep(0.1)
        children = child_pids(server.process.pid)
        server.kill()
        assert wait_until_gone(children, timeout=5) == []
        start_patiently(server)
        deadline = time.monotonic() + 20
        while len(child_pids(server.process.pid)) < 2:
            assert time.monotonic() < deadline, "the background worker never started"
            time.sleep(0.1)
        children = child_pids(server.process.pid)
        server.stop()  # SIGTERM: waitress does not catch it, so no cleanup runs either
        assert wait_until_gone(children, timeout=5) == []
    finally:
        server.stop()
