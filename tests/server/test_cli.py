"""The feedaudit command line, run as a real subprocess where it matters."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from feedaudit.cli import main


def test_token_is_created_once(tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["token", "--data-dir", str(tmp_path)])
    second = runner.invoke(main, ["token", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0 and first.output == second.output
    assert first.output.strip() == (tmp_path / "token").read_text().strip()


def test_data_dir_from_environment(tmp_path):
    result = CliRunner().invoke(main, ["status", "--json"], env={"FEEDAUDIT_DATA_DIR": str(tmp_path / "env")})
    assert result.exit_code == 0
    assert json.loads(result.output)["totals"]["impressions"] == 0
    assert (tmp_path / "env" / "feedaudit.db").exists()


def test_status_after_ingest(live_server):
    import requests

    from support import events as ev

    imp = ev.impression()
    requests.post(f"{live_server.url}/api/v1/events", json={"events": [imp, ev.click(imp["id"])]},
                  headers=live_server.auth_headers(), timeout=5)
    result = subprocess.run([sys.executable, "-m", "feedaudit", "status", "--data-dir", str(live_server.data_dir)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "In total: 1 impressions of 1 items, 1 clicks" in result.stdout


def test_serve_on_busy_port_explains(live_server):
    result = subprocess.run([sys.executable, "-m", "feedaudit", "serve", "--port", str(live_server.port),
                             "--data-dir", str(live_server.data_dir)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "is Feed Audit already running?" in result.stderr


def test_help_comes_from_docstrings():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "Run the local server" in result.output


def test_home_page_labels_simulated_data(app, client):
    from feedaudit import settings, storage

    assert "Simulated demo data" not in client.get("/").get_data(as_text=True)
    db = storage.connect(app.config["DATABASE"])
    settings.put(db, "demo_data", True)
    assert "Simulated demo data" in client.get("/").get_data(as_text=True)
