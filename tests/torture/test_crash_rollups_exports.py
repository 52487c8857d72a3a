"""SIGKILL while the rollup job builds days and while the weekly export is written: on restart
each job resumes and ends exactly where an uninterrupted run ends.

The input is fifteen simulated days (about 6,000 impressions, ingested and processed
through the real pipeline) ending with the week whose summary is due now, so the
server's catch-up export at start really has a week to write.

* Rollups: a real ``feedaudit serve`` is killed while its worker builds days, then
  the very job the worker runs (``jobs.rollup_job``) is killed once more in a
  process of its own and then run to the end there (a server would wait
  ROLLUP_INTERVAL_S before its first run). The rollup tables must equal a fresh
  ``rollups.refresh`` of a copy: every part blob, source code, source day, item day and state row, with
  novelty's float32 similarities equal to 1e-5 (see ``assert_same_parts``).
* Export: the server is killed during the catch-up export (while the summary is
  computed, and the moment its first file appears); on restart the export is
  completed and every file is byte-identical to one written without interruption.
  A file under its final name is never partial (files are written to a temporary
  name and renamed).
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from feedaudit import exporting, jobs, rollups, storage
from support.processes import child_pids, start_patiently, wait_until_gone
from support.server_process import ServerProcess
from support.simulated_data import copy_database, fill_due_week

SEED = 11  # where in each job the kills land
FORMATS = ("html", "md", "json")
KILL_AFTER_HEALTH_S = 0.15  # a fresh server process needs longer than this for the week's summary
ROLLUP_TABLES = {
    # built_ts is when a part was written: the only column that may differ.
    "rollup_parts": "SELECT day, platform, impressions, aggregates, ratings_signature, novelty, novelty_sums"
                    " FROM rollup_parts ORDER BY day, platform",
    "rollup_sources": "SELECT code, name FROM rollup_sources ORDER BY code",
    "rollup_source_days": "SELECT code, platform, day FROM rollup_source_days ORDER BY code, day, platform",
    "rollup_item_days": "SELECT * FROM rollup_item_days ORDER BY day, platform, item_key",
    "rollup_state": "SELECT key, value FROM rollup_state ORDER BY key",
    "rollup_stale": "SELECT day, aggregates, novelty FROM rollup_stale ORDER BY day",
    "rollup_changes": "SELECT hour, first_ts, novelty FROM rollup_changes ORDER BY hour",
}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """(database path, due week): processed through the real pipeline, rollups not built yet."""
    data_dir = tmp_path_factory.mktemp("rollup-export-input")
    # Fifteen days, not eight: the job computes novelty for runs of up to NOVELTY_BATCH_DAYS (7) days and then
    # commits those days within milliseconds, so progress arrives in lumps of up to seven days. Both kills need
    # a later lump still to come (with eight days, a server killed after its first lump left one day, and the
    # job process finished it before it could be killed).
    week = fill_due_week(data_dir, days=15, items_per_session=(30, 60))
    return data_dir / "feedaudit.db", week


def query(db_path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def built_days(db_path) -> int:
    return query(db_path, "SELECT count(DISTINCT day) FROM rollup_parts")[0][0]


def rollup_tables(db_path) -> dict:
    return {table: query(db_path, sql) for table, sql in ROLLUP_TABLES.items()}


#: A random pause between seeing a day built and the kill: short, because a day of this data can build in ~0.1 s
#: on a quiet machine and the kill must land before the last one.
KILL_JITTER_S = 0.03


def wait_for_progress(db_path, after: int, total: int, alive, timeout: float = 60.0) -> int:
    """Wait until more than ``after`` (and fewer than ``total``) days are built; fail if the job ended first."""
    deadline = time.monotonic() + timeout
    while not after < (done := built_days(db_path)) < total:
        assert done < total, f"the job finished ({done}/{total} days) before it could be killed"
        assert alive(), "the job's process ended before it built anything"
        assert time.monotonic() < deadline, f"the rollup job never progressed past {done}/{total} days"
        time.sleep(0.02)
    return done


def kill_server_mid_rollup(server: ServerProcess, total: int, rng: random.Random) -> int:
    """Start the server, wait until its worker has built some days (its first run is ROLLUP_INTERVAL_S
    after start), SIGKILL the server and its worker; the days built."""
    start_patiently(server)
    wait_for_progress(server.db_path, 0, total, lambda: server.process.poll() is None)
    time.sleep(rng.uniform(0, KILL_JITTER_S))
    workers = child_pids(server.process.pid)
    server.kill()
    assert wait_until_gone(workers) == [], "the background worker outlived the killed server"
    return built_days(server.db_path)


def kill_job_process_mid_rollup(db_path, done: int, total: int, rng: random.Random) -> int:
    """Run the worker's rollup job in a process of its own and SIGKILL it mid-run; the days built."""
    job = subprocess.Popen([sys.executable, "-c", "import sys; from feedaudit import jobs; jobs.rollup_job(sys.argv[1])",
                            str(db_path)])
    try:
        wait_for_progress(db_path, done, total, lambda: job.poll() is None)
        time.sleep(rng.uniform(0, KILL_JITTER_S))
    finally:
        job.kill()
        job.wait()
    return built_days(db_path)


def run_job_process_to_the_end(db_path) -> None:
    """The worker's rollup job, uninterrupted, until no day waits (one run stops after ROLLUP_BUDGET_S)."""
    while query(db_path, "SELECT count(*) FROM rollup_stale")[0][0] or query(db_path, "SELECT count(*) FROM rollup_changes")[0][0]:
        subprocess.run([sys.executable, "-c", "import sys; from feedaudit import jobs; jobs.rollup_job(sys.argv[1])",
                        str(db_path)], check=True, timeout=120)


def assert_same_parts(got: list[tuple], expected: list[tuple]) -> None:
    """Parts equal byte for byte, except the float32 similarities of novelty (see below)."""
    assert [row[:5] for row in got] == [row[:5] for row in expected]  # day, platform, impressions, aggregates, ratings
    for (day, platform, *_, novelty, sums), (*_, want_novelty, want_sums) in zip(got, expected):
        # Novelty is computed for a run of up to 7 stale days at once, and a resumed job cuts those runs at
        # other days; float32 matrix products of other shapes round differently in the last bits, so the
        # max prior similarities may differ by ~1e-7 (an uninterrupted job cut by its time budget does the same).
        if novelty == want_novelty:
            assert sums == want_sums
            continue
        print(f"novelty of day {day} {platform} equal to 1e-5, not bit for bit")
        arrays, _ = rollups.unpack(novelty)
        wanted, _ = rollups.unpack(want_novelty)
        assert arrays.keys() == wanted.keys()
        for name in arrays:
            if arrays[name].dtype.kind == "f":
                np.testing.assert_allclose(arrays[name], wanted[name], rtol=0, atol=1e-5, err_msg=f"{day} {platform} {name}")
            else:
                np.testing.assert_array_equal(arrays[name], wanted[name], err_msg=f"{day} {platform} {name}")
        sums, want_sums = json.loads(sums), json.loads(want_sums)
        for key in ("count", "repeated_any", "repeated_same"):  # counts are exact
            assert sums[key] == want_sums[key], (day, platform, key)
        for key in ("total_any", "total_same"):
            assert sums[key] == pytest.approx(want_sums[key], abs=1e-5 * max(1, sums["count"]))


def test_rollup_job_killed_mid_build_resumes_to_a_fresh_refresh(tmp_path, simulated):
    input_db, _ = simulated
    reference = copy_database(input_db, tmp_path / "reference")
    db = storage.connect(reference)
    total = rollups.refresh(db)
    db.close()
    assert total >= 2 * rollups.NOVELTY_BATCH_DAYS + 1  # room for two kills, each after a lump of days

    server = ServerProcess(tmp_path / "crashed")
    copy_database(input_db, server.data_dir)
    rng = random.Random(SEED)
    try:
        done = kill_server_mid_rollup(server, total, rng)
        print(f"server killed with {done}/{total} days built")
        assert 0 < done < total
    finally:
        server.stop()
    done_before, done = done, kill_job_process_mid_rollup(server.db_path, done, total, rng)
    print(f"job process killed with {done}/{total} days built")
    assert done_before < done < total
    run_job_process_to_the_end(server.db_path)

    assert query(server.db_path, "PRAGMA integrity_check") == [("ok",)]
    expected, got = rollup_tables(reference), rollup_tables(server.db_path)
    assert len(expected["rollup_parts"]) >= 3 * total  # three platforms a day
    assert_same_parts(got.pop("rollup_parts"), expected.pop("rollup_parts"))
    for table in got:
        assert got[table] == expected[table], f"{table} differs from an uninterrupted refresh"


# --- the weekly export ---------------------------------------------------------------------------

def export_state(data_dir: Path) -> tuple[dict[str, bytes], dict | None, list[str]]:
    """(final-named export files and their bytes, the scheduled-run record or None, leftover temporary files)."""
    directory = data_dir / exporting.EXPORTS_DIRNAME
    files = {path.name: path.read_bytes() for path in sorted(directory.glob("feedaudit-week-*"))} \
        if directory.is_dir() else {}
    state_path = directory / exporting.STATE_FILENAME
    state = json.loads(state_path.read_text()) if state_path.exists() else None
    partial = sorted(path.name for path in directory.glob(".partial-*")) if directory.is_dir() else []
    return files, state, partial


def assert_only_complete_files(files: dict[str, bytes], expected: dict[str, bytes]) -> None:
    for name, content in files.items():
        assert name in expected, f"unexpected export file {name}"
        assert content == expected[name], f"{name} is not the complete export ({len(content)} of {len(expected[name])} bytes)"


def kill_when(server: ServerProcess, ready, timeout: float = 60.0) -> None:
    """Start the server and SIGKILL it as soon as ``ready()`` is true (polled without pause)."""
    start_patiently(server)
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "the export never started"
        time.sleep(0.001)
    workers = child_pids(server.process.pid)
    server.kill()
    assert wait_until_gone(workers) == []


def test_weekly_export_killed_mid_write_is_completed_byte_identical(tmp_path, simulated):
    input_db, week = simulated
    rolled_up = copy_database(input_db, tmp_path / "input")
    db = storage.connect(rolled_up)
    rollups.refresh(db)  # a running install keeps its rollups current: both runs read the same ones
    db.close()

    reference_dir = tmp_path / "reference"
    copy_database(rolled_up, reference_dir)
    started = time.monotonic()
    record = jobs.weekly_export_job(str(reference_dir / "feedaudit.db"))
    duration = time.monotonic() - started
    expected, expected_state, _ = export_state(reference_dir)
    assert record["week"] == week and record["status"] == "written"
    assert sorted(expected) == sorted(exporting.file_name(week, fmt) for fmt in FORMATS)
    print(f"uninterrupted export: {duration:.1f} s, {sum(map(len, expected.values())):,} bytes")

    server = ServerProcess(tmp_path / "crashed")
    copy_database(rolled_up, server.data_dir)
    rng = random.Random(SEED)
    leftovers = []
    try:
        for round_number in range(2):  # while the summary is being computed
            start_patiently(server)  # the catch-up export starts before the server answers (cli.serve)
            time.sleep(rng.uniform(0, KILL_AFTER_HEALTH_S))
            workers = child_pids(server.process.pid)
            server.kill()
            assert wait_until_gone(workers) == []
            files, state, partial = export_state(server.data_dir)
            if state is not None:
                # A fast machine finished the summary before the kill landed: every file complete. Clear the
                # folder so the next start exports again (the kill below always lands mid-write).
                assert files == expected and not partial, f"round {round_number}: a finished export differs"
                shutil.rmtree(server.data_dir / exporting.EXPORTS_DIRNAME)
                continue
            # Started before the health answer and not finished (the run record is written last): mid-job.
            assert_only_complete_files(files, expected)
            leftovers += partial
        # The moment its first file is in place: the other formats are due next.
        kill_when(server, lambda: export_state(server.data_dir)[0])
        files, state, partial = export_state(server.data_dir)
        assert_only_complete_files(files, expected)
        leftovers += partial
        print(f"killed with {sorted(files)} written, run record {'written' if state else 'not written'}")

        start_patiently(server)
        deadline = time.monotonic() + 60
        while export_state(server.data_dir)[1] is None:
            assert time.monotonic() < deadline, "the restarted server never completed the export"
            time.sleep(0.1)
    finally:
        server.stop()

    files, state, partial = export_state(server.data_dir)
    assert files == expected  # every format, byte for byte
    assert {key: value for key, value in state.items() if key not in ("ran_ms", "files")} == \
        {key: value for key, value in expected_state.items() if key not in ("ran_ms", "files")}
    print(f"temporary files left by kills: {leftovers + partial}")
    assert set(partial) <= set(leftovers)  # the finishing run left no temporary file of its own


def test_export_all_killed_mid_write_is_never_taken_for_a_complete_export(tmp_path, simulated):
    """``feedaudit export-all`` writes manifest.json last: a folder without it is refused by import,
    and a new run writes exactly what an uninterrupted one writes."""
    input_db, _ = simulated
    data_dir = tmp_path / "data"
    copy_database(input_db, data_dir)
    command = [sys.executable, "-m", "feedaudit", "export-all", "--data-dir", str(data_dir), "--out"]
    subprocess.run([*command, str(tmp_path / "uninterrupted")], check=True, capture_output=True, timeout=120)

    interrupted = tmp_path / "interrupted"
    job = subprocess.Popen([*command, str(interrupted)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(interrupted.glob("*.jsonl")):  # the first table is being written
            assert job.poll() is None and time.monotonic() < deadline, "export-all ended before it could be killed"
            time.sleep(0.001)
    finally:
        job.kill()
        job.wait()
    assert not (interrupted / "manifest.json").exists()
    refused = subprocess.run([sys.executable, "-m", "feedaudit", "import", str(interrupted), "--data-dir",
                              str(tmp_path / "new")], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "manifest.json is missing" in refused.stderr, refused.stderr
    assert query(tmp_path / "new" / "feedaudit.db", "SELECT count(*) FROM impressions") == [(0,)]

    subprocess.run([*command, str(tmp_path / "again")], check=True, capture_output=True, timeout=120)
    written = {path.name: path.read_bytes() for path in (tmp_path / "again").iterdir()}
    assert written == {path.name: path.read_bytes() for path in (tmp_path / "uninterrupted").iterdir()}
    assert "manifest.json" in written and "impressions.jsonl" in written
