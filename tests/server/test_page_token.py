"""Report pages call the API with their CSRF token instead of the bearer token."""

import re


def page_token(client):
    html = client.get("/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', html).group(1)


def test_page_token_from_a_served_page_reads_the_api(client):
    token = page_token(client)
    assert client.get("/api/v1/status").status_code == 401
    assert client.get("/api/v1/status", headers={"X-CSRF-Token": token}).status_code == 200


def test_wrong_page_token_is_refused(client):
    response = client.get("/api/v1/status", headers={"X-CSRF-Token": "0" * 64})
    assert response.status_code == 401
    assert response.get_json()["ok"] is False


def test_page_token_with_a_foreign_origin_is_refused(client):
    token = page_token(client)
    response = client.get("/api/v1/status", headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert response.status_code == 403


def test_plotly_is_served_locally(client):
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert b"plotly" in response.data[:2000].lower()
