"""A hostile page at https://evil.example, in real Chromium, attacks the local server.

It tries every way a web page has to read or write another origin: fetch with
and without credentials, an opaque ``no-cors`` fetch, a ``text/plain`` "simple"
POST of a valid batch, a preflighted POST guessing the CSRF header, a form
POST into a frame, ``<img>``/``<script>``/``<iframe>`` loads and a WebSocket. The
server is real (127.0.0.1 is reached for real); Chromium's own private-network
blocking is off, so the server's guards are what is tested. Afterwards nothing
is stored, the page obtained no response body, and every request that reached
the server was refused, except plain GETs of pages that the browser
keeps from the page (CORP same-origin, X-Frame-Options DENY).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import requests

from support.batches import story_batch

pytestmark = pytest.mark.browser

EVIL = "https://evil.example/"

ATTACKS_JS = r"""
async (base) => {
  const results = {};
  const attempt = async (name, fn) => {
    try { results[name] = await fn(); } catch (error) { results[name] = "blocked: " + error.name; }
  };
  const read = async (response) => "read: " + response.type + " " + response.status + " " + await response.text();
  const batch = JSON.stringify(%BATCH%);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const errors = [];
  window.addEventListener("error", (event) => errors.push(String(event.message)));

  for (const path of ["/", "/api/v1/status", "/api/v1/items", "/api/v1/pairing", "/api/v1/settings", "/api/v1/health"]) {
    await attempt("fetch " + path, async () => read(await fetch(base + path)));
    await attempt("fetch with credentials " + path, async () => read(await fetch(base + path, {credentials: "include"})));
    await attempt("no-cors fetch " + path, async () => {
      const response = await fetch(base + path, {mode: "no-cors", credentials: "include"});
      const body = await response.text();
      return body ? "read: " + body : "opaque " + response.type;
    });
  }
  await attempt("simple text/plain POST", async () => {
    const response = await fetch(base + "/api/v1/events", {method: "POST", mode: "no-cors", body: batch,
                                                           headers: {"Content-Type": "text/plain"}});
    const body = await response.text();
    return body ? "read: " + body : "opaque " + response.type;
  });
  await attempt("preflighted JSON POST with a guessed CSRF header", async () => read(await fetch(
    base + "/api/v1/events",
    {method: "POST", body: batch, headers: {"Content-Type": "application/json", "X-CSRF-Token": "guess"}})));
  await attempt("preflighted settings PATCH", async () => read(await fetch(
    base + "/api/v1/settings", {method: "PATCH", body: "{}", headers: {"Content-Type": "application/json"}})));

  // A form POST (text/plain so the body reads as JSON) into a frame, which the page then tries to read.
  await attempt("form POST", async () => {
    const frame = document.createElement("iframe");
    frame.name = "sink";
    document.body.append(frame);
    const form = document.createElement("form");
    form.method = "POST"; form.enctype = "text/plain"; form.target = "sink"; form.action = base + "/api/v1/events";
    const input = document.createElement("input");
    input.name = batch.slice(0, -1) + ', "pad": "'; input.value = '"}';
    form.append(input); document.body.append(form);
    const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, {once: true}));
    form.submit();
    await Promise.race([loaded, sleep(3000)]);
    try { return "read: " + frame.contentDocument.body.innerText; } catch (error) { return "blocked: " + error.name; }
  });
  await attempt("report page in a frame", async () => {
    const frame = document.createElement("iframe");
    const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, {once: true}));
    frame.src = base + "/"; document.body.append(frame);
    await Promise.race([loaded, sleep(3000)]);
    const doc = frame.contentDocument;
    return doc ? "read: " + doc.documentElement.outerHTML : "blocked: no contentDocument";
  });
  for (const path of ["/api/v1/status", "/api/v1/items", "/"]) {
    await attempt("img " + path, () => new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve("read: image " + img.naturalWidth + "x" + img.naturalHeight);
      img.onerror = () => resolve("blocked: img error");
      img.src = base + path;
    }));
    await attempt("script " + path, () => new Promise((resolve) => {
      const script = document.createElement("script");
      script.onload = () => resolve("loaded (nothing readable)");
      script.onerror = () => resolve("blocked: script error");
      script.src = base + path; document.head.append(script);
    }));
  }
  await attempt("WebSocket", () => new Promise((resolve) => {
    const socket = new WebSocket(base.replace("http", "ws") + "/api/v1/events");
    socket.onopen = () => { socket.send(batch); resolve("read: socket opened"); };
    socket.onmessage = (event) => resolve("read: " + event.data);
    socket.onerror = () => resolve("blocked: socket error");
    setTimeout(() => resolve("blocked: socket timeout"), 5000);
  }));
  results["window errors"] = errors.join(" | ");
  return results;
}
"""


def test_hostile_page_can_neither_read_nor_write_the_local_server(private_server, web_browser):
    context, web = web_browser
    bearer, page_token = private_server.token, private_server.page_token()
    before = private_server.row_counts()
    web.pages[EVIL] = "<!doctype html><html><head><title>evil</title></head><body><p>Totally normal page</p></body></html>"
    sent = []  # every request the browser sent to the server, with the headers it really sent
    context.on("request", lambda request: sent.append(request) if request.url.startswith(private_server.url) else None)

    page = context.new_page()
    page.goto(EVIL)
    attack = ATTACKS_JS.replace("%BATCH%", json.dumps({"events": story_batch(99)}))
    results = page.evaluate(attack, private_server.url)
    after_attack = private_server.row_counts()
    replayed = [replay(request) for request in sent]  # while the page is open: its requests' headers live with it
    page.close()

    readable = {name: outcome for name, outcome in results.items() if outcome.startswith("read:")}
    assert readable == {}, f"the hostile page read responses: {readable}"
    everything_seen = json.dumps(results)
    for secret in (bearer, page_token, "Show HN: tool number"):
        assert secret not in everything_seen
    assert after_attack == before, "the hostile page changed the database"
    # The server itself refuses what the browser sent, not only the browser's same-origin policy
    # (Chromium does not report answers it blocked, so each request is replayed with its exact
    # headers). Only plain GETs of pages and health may be answered (img/script/frame loads carry no Origin):
    # the browser keeps those from the page (CORP same-origin) and from frames (X-Frame-Options DENY).
    assert {method for method, _, _, _ in replayed} >= {"GET", "POST", "PATCH"}, replayed
    for method, path, status, headers in replayed:
        if status in (401, 403):
            continue
        public = not path.startswith("/api/") or path == "/api/v1/health"  # pages, and liveness (no private data)
        assert method == "GET" and public, f"the server answered {method} {path} with {status}"
        assert headers.get("Cross-Origin-Resource-Policy") == "same-origin" and headers.get("X-Frame-Options") == "DENY"
    assert private_server.row_counts() == before, "a replayed request changed the database"


HOP_BY_HOP = {"connection", "content-length", "host", "accept-encoding"}


def replay(request) -> tuple[str, str, int, dict]:
    """Send a request the browser made once more, with the very headers the browser sent."""
    headers = {name: value for name, value in request.all_headers().items()
               if name.lower() not in HOP_BY_HOP and not name.startswith(":")}
    response = requests.request(request.method, request.url, headers=headers, data=request.post_data_buffer,
                                timeout=30, allow_redirects=False)
    return request.method, urlsplit(request.url).path, response.status_code, response.headers


def test_websocket_handshake_from_a_foreign_origin_is_refused(private_server):
    """Chromium hides a failed WebSocket handshake's answer from the page and from Playwright: ask directly."""
    response = requests.get(f"{private_server.url}/api/v1/events", timeout=30, headers={
        "Origin": "https://evil.example", "Connection": "Upgrade", "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert response.status_code == 403
    assert response.json()["error"] == "requests from origin 'https://evil.example' are not allowed"
