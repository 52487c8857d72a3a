"""DNS rebinding is refused on every route, and the pairing token stays secret.

A rebinding page reaches 127.0.0.1 under its own hostname, so its requests
carry ``Host: evil.example:<port>``: every route in the url_map (API, pages,
static files) must refuse them, whatever the credentials. The token file is
created 0600, never printed to the server log (even when requests fail or
carry it in odd places) and never sent in a page or API answer other than the
pairing flow's ``/api/v1/pairing``.
"""

from __future__ import annotations

import stat

import pytest
import requests

from feedaudit.app import create_app
from support.processes import start_patiently
from support.routes import all_routes, app_routes
from support.server_process import ServerProcess

ROUTES = all_routes()
PORT = 7733
FOREIGN_HOSTS = [f"evil.example:{PORT}", "evil.example", f"127.0.0.1.evil.example:{PORT}",
                 f"localhost.evil.example:{PORT}", f"127.0.0.1:{PORT + 1}"]
PAIRING_PATHS = {"/api/v1/pairing"}


@pytest.fixture(scope="module")
def pinned_app(tmp_path_factory):
    return create_app({"DATA_DIR": str(tmp_path_factory.mktemp("rebinding")), "TESTING": True, "PORT": PORT})


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_foreign_host_is_refused_on_every_route(pinned_app, route):
    client = pinned_app.test_client()
    credentials = {"Authorization": f"Bearer {pinned_app.config['TOKEN']}", "Content-Type": "application/json"}
    for host in FOREIGN_HOSTS:
        for method in (route.method, "OPTIONS"):
            response = client.open(route.example_path(), method=method, data=b"{}" if method != "GET" else None,
                                   headers={**credentials, "Host": host, "Origin": f"http://{host}"})
            assert response.status_code == 403, (host, method, response.get_data(as_text=True)[:300])
            assert response.get_json()["error"].startswith(f"Host '{host}' is not this Feed Audit server")
            assert "Access-Control-Allow-Origin" not in response.headers


@pytest.fixture(scope="module")
def exercised_server(tmp_path_factory):
    """A real server that served every GET route and a range of refused requests, then stopped."""
    server = start_patiently(ServerProcess(tmp_path_factory.mktemp("token-data")))
    token = server.token
    good = server.auth_headers()
    answers = {}
    try:
        with requests.Session() as session:
            for route in app_routes(create_app({"DATA_DIR": str(server.data_dir), "TESTING": True})):
                if route.method == "GET":
                    path = route.example_path()
                    answers[path] = session.get(server.url + path, headers=good, timeout=60)
                    rebinding = session.get(server.url + path, headers={**good, "Host": f"evil.example:{server.port}"}, timeout=60)
                    assert rebinding.status_code == 403, (path, rebinding.text[:300])
            # Failures of every kind, some carrying the token where it does not belong.
            refused = [
                session.get(f"{server.url}/api/v1/status", headers={"Authorization": f"Bearer {token}x"}),
                session.get(f"{server.url}/api/v1/status", headers={"Authorization": token}),
                session.get(f"{server.url}/api/v1/items?token={token}&limit=0", headers=good),
                session.post(f"{server.url}/api/v1/events", data=f'{{"events": [{{"id": "{token}"}}]}}', headers=good),
                session.post(f"{server.url}/api/v1/events", data=token, headers={**good, "Content-Type": "text/plain"}),
                session.get(f"{server.url}/{token}", headers=good),
                session.delete(f"{server.url}/api/v1/health", headers=good),
                session.get(f"{server.url}/api/v1/status", headers={**good, "Origin": f"https://{token}.example"}),
            ]
            assert all(400 <= r.status_code < 500 for r in refused), [(r.status_code, r.text[:200]) for r in refused]
    finally:
        server.stop()
    return server, token, answers


def test_token_file_is_private(exercised_server):
    server, token, _ = exercised_server
    token_file = server.data_dir / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == token and len(token) >= 40


def test_token_is_never_in_the_server_log(exercised_server):
    server, token, _ = exercised_server
    log = server.log_path.read_text(errors="replace")
    assert "is running: report at" in log  # the log really is this server's
    assert token not in log


def test_token_is_sent_only_by_the_pairing_flow(exercised_server):
    _, token, answers = exercised_server
    assert any(not path.startswith("/api/") for path in answers), "no page was fetched"
    leaking = sorted(path for path, response in answers.items()
                     if path not in PAIRING_PATHS and token.encode() in response.content)
    assert leaking == []
    for path in PAIRING_PATHS & answers.keys():
        assert answers[path].json()["token"] == token
