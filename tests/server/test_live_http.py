"""The same contract over real HTTP against a ``feedaudit serve`` subprocess (waitress)."""

from __future__ import annotations

import json
import socket

import requests
import sqlite_utils

from support import events as ev


def test_health_answers_quickly(live_server):
    response = requests.get(f"{live_server.url}/api/v1/health", timeout=5)
    assert response.json()["ok"] is True


def test_batch_stored_once_over_http(live_server):
    imp = ev.impression(url="https://example.com/http")
    batch = json.dumps({"events": [imp, ev.dwell(imp["id"], 700)]})
    first = requests.post(f"{live_server.url}/api/v1/events", data=batch, headers=live_server.auth_headers(), timeout=5)
    second = requests.post(f"{live_server.url}/api/v1/events", data=batch, headers=live_server.auth_headers(), timeout=5)
    assert first.json() == {"ok": True, "accepted": 2, "stored": 2, "duplicates": 0}
    assert second.json() == {"ok": True, "accepted": 2, "stored": 0, "duplicates": 2}
    db = sqlite_utils.Database(live_server.db_path)
    assert db.execute("SELECT count(*) FROM impressions").fetchone()[0] == 1
    status = requests.get(f"{live_server.url}/api/v1/status", headers=live_server.auth_headers(), timeout=5).json()
    assert status["totals"]["impressions"] == 1 and status["last_event_ts"] == ev.BASE_TS + 1000


def test_wrong_token_over_http(live_server):
    response = requests.get(f"{live_server.url}/api/v1/status", headers={"Authorization": "Bearer x"}, timeout=5)
    assert response.status_code == 401 and response.json()["status"] == 401


def test_dns_rebinding_host_refused_over_http(live_server):
    response = requests.get(f"{live_server.url}/api/v1/health", headers={"Host": f"evil.example:{live_server.port}"}, timeout=5)
    assert response.status_code == 403


def test_evil_origin_gets_no_cors_over_http(live_server):
    response = requests.options(f"{live_server.url}/api/v1/events",
                                headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in response.headers
    simple = requests.post(f"{live_server.url}/api/v1/events", data='{"events": []}',
                           headers={"Origin": "https://evil.example", "Content-Type": "text/plain"}, timeout=5)
    assert simple.status_code == 403


def test_oversized_body_is_413_over_http(live_server):
    body = json.dumps({"events": [ev.impression(html="y" * (33 * 1024 * 1024))]})
    response = requests.post(f"{live_server.url}/api/v1/events", data=body, headers=live_server.auth_headers(), timeout=30)
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_server_binds_loopback_only(live_server):
    with socket.socket() as sock:
        sock.settimeout(1)
        # the port is not reachable through a non-loopback interface address
        addresses = {ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1", "127.0.1.1"}
        for address in addresses:
            assert sock.connect_ex((address, live_server.port)) != 0
