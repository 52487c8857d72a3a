"""feedaudit export and delete on the command line: exit codes, defaults, confirmation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from feedaudit import settings, storage
from feedaudit.cli import main
from export_dataset import post_dataset


@pytest.fixture
def data_dir(app, client, auth, tmp_path):
    post_dataset(client, auth)
    db = storage.connect(app.config["DATABASE"])
    settings.put(db, "timezone", "UTC")
    db.close()
    return app.config["DATA_DIR"]


def run(runner, *args, **kwargs):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)


@pytest.mark.parametrize("week, problem", [("2026-W3", "week must look like 2026-W48"), ("26-W03", "must look like"),
                                           ("2025-W53", "2025 has no ISO week 53"), ("2026-W00", "no ISO week 0")])
def test_an_invalid_week_is_a_usage_error(runner, data_dir, week, problem):
    result = run(runner, "export", "--week", week, "--data-dir", data_dir)
    assert result.exit_code == 2
    assert problem in result.output and "--week" in result.output


def test_export_writes_into_the_exports_folder_or_out(runner, data_dir, tmp_path):
    result = run(runner, "export", "--week", "2026-W02", "--format", "json", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    written = result.output.strip().splitlines()[-1]
    assert written.endswith("/exports/feedaudit-week-2026-W02.json")
    assert json.loads(open(written).read())["metrics"]["totals"]["impressions"] == 6
    target = tmp_path / "mine.md"
    result = run(runner, "export", "--week", "2026-W02", "--format", "md", "--out", target, "--data-dir", data_dir)
    assert result.exit_code == 0 and target.read_text().startswith("# Your feeds in week 2026-W02")


def test_export_defaults_to_the_last_complete_week(runner, data_dir):
    result = run(runner, "export", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    today = dt.datetime.now(dt.timezone.utc).date()
    expected = (today - dt.timedelta(days=7)).isocalendar()
    assert result.output.strip().endswith(f"feedaudit-week-{expected.year}-W{expected.week:02d}.html")


def test_delete_shows_counts_and_asks(runner, data_dir, app):
    result = run(runner, "delete", "--from", "2026-01-06", "--to", "2026-01-06", "--data-dir", data_dir, input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert '"impressions": 3' in result.output
    db = storage.connect(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM impressions").fetchone()[0] == 6
    db.close()
    result = run(runner, "delete", "--from", "2026-01-06", "--to", "2026-01-06", "--yes", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    assert 'Deleted: {"impressions": 3, "dwell": 4, "clicks": 1, "views": 2, "sessions": 2, "items": 2' in result.output


def test_delete_all_needs_confirmation_and_removes_summaries(runner, data_dir, app):
    assert run(runner, "export", "--week", "2026-W02", "--data-dir", data_dir).exit_code == 0
    assert run(runner, "delete", "--all", "--data-dir", data_dir, input="n\n").exit_code == 1
    result = run(runner, "delete", "--all", "--data-dir", data_dir, input="y\n")
    assert result.exit_code == 0, result.output
    db = storage.connect(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM impressions").fetchone()[0] == 0
    db.close()
    assert list((Path(app.config["DATA_DIR"]) / "exports").iterdir()) == []
