"""Token, Host header, Origin/CORS and headers, through the Flask test client."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from feedaudit.app import create_app
from support import events as ev

BATCH = lambda: json.dumps({"events": [ev.impression()]})  # noqa: E731


def test_token_file_is_private_and_stable(app):
    path = Path(app.config["DATA_DIR"]) / "token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(app.config["TOKEN"]) >= 40
    again = create_app({"DATA_DIR": app.config["DATA_DIR"]})
    assert again.config["TOKEN"] == app.config["TOKEN"]


@pytest.mark.parametrize("path", ["/api/v1/status", "/api/v1/items"])
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic abc", "Bearer "])
def test_reads_need_the_token(client, path, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["ok"] is False


def test_writes_need_the_token(app, client):
    response = client.post("/api/v1/events", data=BATCH(), headers={"Content-Type": "application/json", "Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert "wrong token" in response.get_json()["error"]


def test_health_needs_no_token_and_reveals_nothing(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert set(response.get_json()) == {"ok", "name", "version"}


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/status", "/api/v1/events", "/"])
def test_foreign_host_header_is_refused(client, auth, path):
    response = client.get(path, headers={**auth, "Host": "evil.example:7733"})
    assert response.status_code == 403
    assert "is not this Feed Audit server" in response.get_json()["error"]


def test_host_port_must_match_when_configured(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "PORT": 7733})
    client = app.test_client()
    assert client.get("/api/v1/health", headers={"Host": "127.0.0.1:7733"}).status_code == 200
    assert client.get("/api/v1/health", headers={"Host": "localhost:7733"}).status_code == 200
    assert client.get("/api/v1/health", headers={"Host": "[::1]:7733"}).status_code == 200
    assert client.get("/api/v1/health", headers={"Host": "127.0.0.1:8080"}).status_code == 403
    assert client.get("/api/v1/health", headers={"Host": "127.0.0.1.evil.example:7733"}).status_code == 403


def test_foreign_origin_gets_no_cors_and_cannot_write(app, client, auth):
    response = client.post("/api/v1/events", data=BATCH(),
                           headers={**auth, "Content-Type": "application/json", "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    read = client.get("/api/v1/status", headers={**auth, "Origin": "https://evil.example"})
    assert read.status_code == 403 and "Access-Control-Allow-Origin" not in read.headers
    preflight = client.options("/api/v1/events", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize("origin", ["chrome-extension://abcdefghijklmnopabcdefghijklmnop", "moz-extension://0b1c6f0e-4f7a-4a43-9d43-5d3bba7c1c11"])
def test_extension_origin_gets_cors(client, auth, origin):
    preflight = client.options("/api/v1/events", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    response = client.post("/api/v1/events", data=BATCH(), headers={**auth, "Content-Type": "application/json", "Origin": origin})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Origin"] != "*"


def test_pinned_extension_origins(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "EXTENSION_ORIGINS": ["chrome-extension://mine"]})
    client = app.test_client()
    assert client.get("/api/v1/health", headers={"Origin": "chrome-extension://mine"}).status_code == 200
    assert client.get("/api/v1/health", headers={"Origin": "chrome-extension://other"}).status_code == 403


def test_security_headers_on_every_response(client):
    for path in ("/", "/api/v1/health", "/api/v1/nowhere"):
        response = client.get(path)
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_route_and_method_are_json_errors(client, auth):
    assert client.get("/api/v1/nowhere", headers=auth).get_json() == {"ok": False, "error": "no such endpoint", "status": 404}
    response = client.delete("/api/v1/health", headers={"Content-Type": "application/json"})
    assert response.status_code == 405 and response.get_json()["status"] == 405
