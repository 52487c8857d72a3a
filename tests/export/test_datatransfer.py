"""export-all then import into a fresh database gives identical metrics; the files are open formats."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from click.testing import CliRunner

from feedaudit import audit, settings, storage
from feedaudit.cli import main
from json_diff import differences

FIRST_DAY_MS = 1_767_571_200_000  # 2026-01-05 00:00 UTC, the simulator's start
DAYS_MS = 15 * 86_400_000


@pytest.fixture
def source_dir(tmp_path, demo_template):
    """A data dir holding a copy of the 14 simulated days."""
    data_dir = tmp_path / "source"
    data_dir.mkdir()
    shutil.copy(demo_template, data_dir / "feedaudit.db")
    return data_dir


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def all_metrics(data_dir) -> dict:
    db = storage.connect(data_dir / "feedaudit.db")
    try:
        tz = settings.timezone(db)
        return {"raw": audit.reference_metrics(db, FIRST_DAY_MS, FIRST_DAY_MS + DAYS_MS, tz=tz),
                "whole": audit.metrics(db, FIRST_DAY_MS, FIRST_DAY_MS + DAYS_MS, tz=tz),
                "reddit week": audit.metrics(db, *audit.week_bounds(2026, 3, tz), platform="reddit", tz=tz)}
    finally:
        db.close()


def test_export_all_then_import_gives_identical_metrics(tmp_path, source_dir):
    out = tmp_path / "export"
    result = invoke("export-all", "--out", out, "--data-dir", source_dir)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert not any(name.startswith("rollup_") for name in manifest["tables"])
    result = invoke("import", out, "--data-dir", tmp_path / "copy")
    assert result.exit_code == 0, result.output
    before, after = all_metrics(source_dir), all_metrics(tmp_path / "copy")
    assert before["whole"]["totals"]["impressions"] > 5000
    assert differences(after.pop("raw"), before.pop("raw")) == []  # from the rows themselves: identical
    # The source may hold rollups already (figures from them), the copy not yet (figures from the raw rows):
    # the two agree up to float rounding, and computed_from says which was used.
    for figures in (*before.values(), *after.values()):
        figures.pop("computed_from", None)
    assert differences(after, before, rel_tol=1e-6) == []


def test_every_table_is_written_as_csv_and_json_lines_with_a_readme(tmp_path, source_dir):
    out = tmp_path / "export"
    assert invoke("export-all", "--out", out, "--data-dir", source_dir).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    db = storage.connect(source_dir / "feedaudit.db")
    for table, info in manifest["tables"].items():
        stored = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        with open(out / f"{table}.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == [c["name"] for c in info["columns"]]
        assert len(rows) - 1 == stored == info["rows"]
        assert sum(1 for _ in open(out / f"{table}.jsonl", encoding="utf-8")) == stored
    db.close()
    assert {"impressions", "items", "dwell", "clicks", "sessions", "views", "embeddings", "categories"} <= set(manifest["tables"])
    readme = (out / "README.md").read_text()
    assert "## impressions" in readme and "| visible_ms | INTEGER | ms |" in readme and "datasette feedaudit.db" in readme
    vector = json.loads(open(out / "embeddings.jsonl").readline())["vector"]
    assert len(__import__("base64").b64decode(vector)) == 384 * 2  # float16 MiniLM vector


def test_import_refuses_a_database_with_data(tmp_path, source_dir):
    out = tmp_path / "export"
    assert invoke("export-all", "--out", out, "--data-dir", source_dir).exit_code == 0
    result = invoke("import", out, "--data-dir", source_dir)
    assert result.exit_code == 1
    assert "already holds data" in result.output


def test_export_all_refuses_a_folder_with_files(tmp_path, source_dir):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = invoke("export-all", "--out", out, "--data-dir", source_dir)
    assert result.exit_code == 1 and "not empty" in result.output
    assert (out / "keep.txt").read_text() == "mine"
