"""A full disk and a read-only data dir: clear 5xx answers, nothing acknowledged that was not
stored, nothing half-stored from a refused batch, and recovery without a restart.

The data dir is a real tiny filesystem (see ``support.small_fs``): the kernel
itself answers ENOSPC or EROFS, as a full laptop disk or a read-only mount would.
"""

from __future__ import annotations

import sqlite3

import requests

from support.batches import story_batch
from support.processes import start_patiently
from support.server_process import ServerProcess
from support.small_fs import MB, ReadOnlySwitch, fill_up, small_filesystem

def post(server: ServerProcess, batch: list[dict]) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/events", json={"events": batch}, headers=server.auth_headers(), timeout=60)


def stored_impression_ids(server: ServerProcess) -> set[str]:
    connection = sqlite3.connect(server.db_path, timeout=30)
    try:
        assert connection.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        return {row[0] for row in connection.execute("SELECT id FROM impressions")}
    finally:
        connection.close()


def impression_ids(batches: list[list[dict]]) -> set[str]:
    return {e["id"] for batch in batches for e in batch if e["type"] == "impression"}


def server_outside_the_data_dir(data_dir, log_dir) -> ServerProcess:
    server = ServerProcess(data_dir)
    server.log_path = log_dir / "server.log"  # the log must not be what fills the disk
    return server


def test_full_disk_is_a_507_and_only_stored_batches_are_acknowledged(tmp_path):
    # Larger than SQLite's WAL before its automatic checkpoint (1,000 pages, 4 MiB): a real disk is.
    with small_filesystem(tmp_path / "data", 16 * MB) as filesystem:
        server = start_patiently(server_outside_the_data_dir(filesystem.path, tmp_path))
        try:
            first = story_batch(0)
            assert post(server, first).status_code == 200
            acknowledged, refused = [first], []
            fill_up(filesystem.path)
            for serial in range(1, 60):
                batch = story_batch(serial)
                response = post(server, batch)
                if response.status_code == 200:
                    acknowledged.append(batch)  # the WAL had room left from earlier writes
                    continue
                assert response.status_code == 507, response.text
                assert response.json() == {"ok": False, "status": 507, "error":
                                           "the disk holding the Feed Audit data dir is full; free some space and retry"}
                refused.append(batch)
            assert len(refused) >= 40, "the disk never filled up"
            reads = [requests.get(f"{server.url}{path}", headers=server.auth_headers(), timeout=60)
                     for path in ("/api/v1/status", "/api/v1/items", "/")]
            # Reads work while SQLite's side files exist; when it must create them, a full disk is a 507 too.
            assert {r.status_code for r in reads} <= {200, 507}, [(r.status_code, r.text[:200]) for r in reads]
            (filesystem.path / "filler").unlink()  # space again (this test's own look needs some too)
            stored = stored_impression_ids(server)
            assert impression_ids(acknowledged) <= stored
            assert not impression_ids(refused) & stored, "a refused batch was partly stored"
            # The same server, no restart, takes the refused batches now.
            for batch in refused:
                response = post(server, batch)
                assert response.status_code == 200, response.text
                assert response.json()["duplicates"] == 0  # nothing of it had been kept
        finally:
            server.stop()
        assert stored_impression_ids(server) == impression_ids(acknowledged + refused)


def test_read_only_data_dir_is_a_503_and_recovers_without_restart(tmp_path):
    server = start_patiently(server_outside_the_data_dir(tmp_path / "data", tmp_path))
    switch = ReadOnlySwitch(server.data_dir)
    first, second = story_batch(0), story_batch(1)
    try:
        assert post(server, first).status_code == 200
        switch.set(read_only=True)
        try:
            response = post(server, second)
            reads = [requests.get(f"{server.url}{path}", headers=server.auth_headers(), timeout=60)
                     for path in ("/api/v1/status", "/api/v1/items", "/")]
        finally:
            switch.set(read_only=False)
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] and response.json()["ok"] is False
        assert "data dir" in response.json()["error"]  # says where to look
        assert all(r.status_code in (200, 503) for r in reads), [(r.status_code, r.text[:200]) for r in reads]
        assert impression_ids([second]).isdisjoint(stored_impression_ids(server))
        response = post(server, second)  # writable again: the same server takes it
        assert response.status_code == 200 and response.json()["duplicates"] == 0, response.text
    finally:
        server.stop()
    assert stored_impression_ids(server) == impression_ids([first, second])
