"""SIGKILL during parsing and during embedding/categorizing: every job resumes and ends where
an uninterrupted run ends.

The input is two simulated days (about 1,800 impressions of 1,500 items,
realistic YouTube / Reddit / Hacker News markup) stored through the real ingest
code. One copy is processed without interruption by the very job functions the
server's worker runs; another is served by a real ``feedaudit serve`` that is
killed once during parsing and once during understanding (each kill is checked
to have landed mid-phase) and restarted until it is done. Parsed items,
embeddings and categories must match.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time

import numpy as np
import pytest
import requests

from feedaudit import ingest, jobs, storage
from feedaudit.simulator import SimulationConfig, simulate
from feedaudit.understanding.embedder import unpack_vector
from support.processes import child_pids, start_patiently, wait_until_gone
from support.server_process import ServerProcess

SEED = 4  # where in each phase the kill lands
INPUT_SEED = 3  # about 1,800 impressions: several chunks of every stage
RECEIVED_TS = 1_767_600_000_000  # fixed: the parse queue is ordered by arrival
PARSED = "parse_status IN ('parsed', 'partial')"
# (phase, SQL counting the units of work done in it, SQL counting all its units)
PHASES = [
    ("parsing", "SELECT count(*) FROM impressions WHERE parsed_ts IS NOT NULL", "SELECT count(*) FROM impressions"),
    # Understanding: each item is embedded, then categorized (clickbait scoring sits between them).
    ("embedding and categorizing",
     f"SELECT (SELECT count(*) FROM items WHERE {PARSED} AND embedding_model IS NOT NULL)"
     f" + (SELECT count(*) FROM items WHERE {PARSED} AND categorized_signature IS NOT NULL)",
     f"SELECT 2 * count(*) FROM items WHERE {PARSED}"),
]
ITEM_RESULTS = ("key, platform, kind, url, title, text, author, sponsored, published_at, parse_status, parse_error,"
                " text_hash, embedding_model, clickbait, clickbait_reason, category_id, category2_id,"
                " category_source, categorized_signature")


@pytest.fixture(scope="module")
def input_db(tmp_path_factory):
    """Raw captures only, nothing processed yet."""
    path = tmp_path_factory.mktemp("background-input") / "feedaudit.db"
    events = simulate(SimulationConfig(days=2, variants=10, seed=INPUT_SEED)).events
    db = storage.connect(path)
    for start in range(0, len(events), ingest.MAX_BATCH_EVENTS):
        batch = ingest.validate_batch({"events": events[start:start + ingest.MAX_BATCH_EVENTS]})
        ingest.store_events(db, batch, received_ts=RECEIVED_TS + start)
    db.close()
    return path


def count(db_path, sql: str) -> int:
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def uninterrupted(db_path) -> None:
    """What the server's worker does, run to the end in this process without a crash."""
    import torch

    threads = torch.get_num_threads()
    try:
        jobs.parse_job(str(db_path))
        while jobs.understand_job(str(db_path)) > 0:
            pass
    finally:
        torch.set_num_threads(threads)


def kill_mid_phase(server: ServerProcess, done_sql: str, total: int, rng: random.Random, timeout=60.0) -> int:
    """Wait until this run has done some of the phase's ``total`` units but not all, SIGKILL the
    server and return how many units were done."""
    before = count(server.db_path, done_sql)
    deadline = time.monotonic() + timeout
    while not before < count(server.db_path, done_sql) < total:
        assert time.monotonic() < deadline, f"the phase never ran: {count(server.db_path, done_sql)}/{total}"
        time.sleep(0.05)
    time.sleep(rng.uniform(0, 0.3))
    workers = child_pids(server.process.pid)
    server.kill()
    assert wait_until_gone(workers) == [], "the background worker outlived the killed server"
    return count(server.db_path, done_sql)


def wait_until_processed(server: ServerProcess, timeout=90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = requests.get(f"{server.url}/api/v1/status", headers=server.auth_headers(), timeout=30).json()
        if status["queue"]["unparsed"] == 0 and not any(status["understanding"].values()):
            return
        assert time.monotonic() < deadline, f"processing did not finish: {status['queue']}, {status['understanding']}"
        time.sleep(0.3)


def results(db_path) -> dict:
    connection = sqlite3.connect(db_path)
    try:
        return {
            "items": connection.execute(f"SELECT {ITEM_RESULTS} FROM items ORDER BY key").fetchall(),
            "impressions": connection.execute("SELECT id, item_key, parse_status FROM impressions ORDER BY id").fetchall(),
            # The vectors of the items' current texts. A live server embeds while it still parses, so an item
            # re-parsed with a longer text (a later sighting) leaves its earlier text's vector cached as well;
            # the uninterrupted reference parses everything first. Cached extras change no figure.
            "embeddings": connection.execute(
                "SELECT text_hash, model, vector FROM embeddings WHERE (text_hash, model) IN"
                " (SELECT text_hash, embedding_model FROM items) ORDER BY 1, 2").fetchall(),
            "integrity": connection.execute("PRAGMA integrity_check").fetchall(),
        }
    finally:
        connection.close()


def test_jobs_killed_mid_phase_resume_to_the_uninterrupted_result(tmp_path, input_db):
    reference_db = tmp_path / "reference" / "feedaudit.db"
    reference_db.parent.mkdir()
    shutil.copy(input_db, reference_db)
    started = time.monotonic()
    uninterrupted(reference_db)
    print(f"uninterrupted run: {time.monotonic() - started:.1f} s")

    data_dir = tmp_path / "crashed"
    data_dir.mkdir()
    shutil.copy(input_db, data_dir / "feedaudit.db")
    server = ServerProcess(data_dir)
    rng = random.Random(SEED)
    try:
        for phase, done_sql, total_sql in PHASES:
            start_patiently(server)
            total = count(reference_db, total_sql)  # the phase's whole work, known from the reference run
            started = time.monotonic()
            done = kill_mid_phase(server, done_sql, total, rng)
            print(f"killed during {phase} at {done}/{total} after {time.monotonic() - started:.1f} s")
            assert 0 < done < total, f"the kill during {phase} came after the phase ended ({done}/{total})"
        start_patiently(server)
        started = time.monotonic()
        wait_until_processed(server)
        print(f"resumed to the end in {time.monotonic() - started:.1f} s")
    finally:
        server.stop()

    expected, crashed = results(reference_db), results(data_dir / "feedaudit.db")
    assert crashed["integrity"] == [("ok",)]
    assert len(expected["items"]) > 800 and len(expected["embeddings"]) > 800  # the input really needed work
    assert crashed["impressions"] == expected["impressions"]
    assert crashed["items"] == expected["items"]
    assert [row[:2] for row in crashed["embeddings"]] == [row[:2] for row in expected["embeddings"]]
    # A resumed job encodes the remaining texts in other batches; batch shape moves the last bit of a few
    # float16 components (seen: 1 of 384 by 7.6e-6). A wrong or missing vector differs by orders more.
    for (_, _, got), (_, _, want) in zip(crashed["embeddings"], expected["embeddings"]):
        np.testing.assert_allclose(unpack_vector(got), unpack_vector(want), rtol=0, atol=5e-5)
