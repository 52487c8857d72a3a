"""Generated requests against every route in the url_map: never a 5xx, every 4xx in the JSON error
shape (report pages may instead explain a bad address on an HTML page).

Routes, their path converters, and the query/body names the blueprints read
are discovered from the app, so routes added later are fuzzed without editing
this file. Each (route, method) gets its share of at least 10,000 requests;
the app holds three small simulated days (parsed), so the analytics run on
real rows.
Hypothesis is derandomized: the same requests every run.
"""

from __future__ import annotations

import json
import math
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedaudit import ingest, processing, storage
from feedaudit.app import create_app
from feedaudit.security import page_token
from feedaudit.simulator import SimulationConfig, simulate
from support.routes import all_routes, names_read_by_routes

ROUTES = all_routes()
TOTAL_REQUESTS = 10_000
PER_ROUTE = math.ceil(TOTAL_REQUESTS / len(ROUTES))
FUZZ = settings(max_examples=PER_ROUTE, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Values that have broken servers before: unit mistakes, overflow, odd dates, markup, bidi overrides.
AWKWARD = ["", "0", "-1", "1e309", "NaN", "9" * 30, "2026-11-28", "2026-W02", "2026-W53", "0001-01-01", "9999-12-31",
           "2026-02-30", "youtube", "hackernews", "json", "csv", "html", "true", "null", "<script>alert(1)</script>",
           "javascript:alert(1)", "\u202eevil", "../../token", "%00", "\x00", "a" * 600]
NAMES = sorted(set(names_read_by_routes()) | {"events", "id", "format", "since", "until", "from", "to", "week"})

scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats()
           | st.text(max_size=30) | st.sampled_from(AWKWARD))
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), children, max_size=5),
                           max_leaves=8)
json_objects = st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), json_values, max_size=5)


def _dumps(value) -> bytes:
    return json.dumps(value).encode()  # NaN and Infinity pass through: Python's json reads them back


bodies = st.one_of(
    st.none(),
    st.binary(max_size=300),
    json_values.map(_dumps),
    json_objects.map(_dumps),
    json_objects.map(_dumps),
)
query_values = st.one_of(st.text(max_size=25), st.integers(min_value=-2**70, max_value=2**70).map(str),
                         st.sampled_from(AWKWARD))
queries = st.dictionaries(st.sampled_from(NAMES) | st.text(min_size=1, max_size=6), query_values, max_size=4)
path_values = {
    "int": st.integers(min_value=0, max_value=30) | st.integers(min_value=0, max_value=2**80),
    "string": (st.text(min_size=1, max_size=30) | st.sampled_from(AWKWARD[1:])).map(lambda s: quote(s, safe="")),
    "path": (st.text(min_size=1, max_size=30) | st.sampled_from(["report.css", "js/api.js", "../token", "..%2ftoken"]))
    .map(lambda s: quote(s, safe="/%")),
}
CONTENT_TYPES = ["application/json", "application/json", "application/json; charset=utf-8", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
CREDENTIALS = ["bearer", "bearer", "bearer", "page", "none", "wrong"]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """An app over three small simulated days (about 130 impressions), parsed."""
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("fuzz-data")), "TESTING": True})
    db = storage.connect(app.config["DATABASE"])
    events = simulate(SimulationConfig(days=3, seed=11, sessions_per_day=1, items_per_session=(10, 20))).events
    for start in range(0, len(events), ingest.MAX_BATCH_EVENTS):
        ingest.ingest(db, {"events": events[start:start + ingest.MAX_BATCH_EVENTS]})
    while processing.parse_pending(db):
        pass
    db.close()
    with app.test_request_context():
        app.config["FUZZ_PAGE_TOKEN"] = page_token()
    return app


def headers_for(app, credentials: str, content_type: str | None) -> dict:
    headers = {}
    if credentials == "bearer":
        headers["Authorization"] = f"Bearer {app.config['TOKEN']}"
    elif credentials == "page":
        headers["X-CSRF-Token"] = app.config["FUZZ_PAGE_TOKEN"]
    elif credentials == "wrong":
        headers["Authorization"] = "Bearer not-the-token"
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def assert_well_formed(response, path: str, request_description: str) -> None:
    status = response.status_code
    assert status < 500, f"{status} for {request_description}: {response.get_data(as_text=True)[:500]}"
    if status >= 400 and response.mimetype == "text/html" and not path.startswith("/api/"):
        # Report pages explain a bad address to a person, on an HTML page of their own.
        body = response.get_data(as_text=True)
        assert body.lstrip().lower().startswith("<!doctype html") and "Traceback" not in body, body[:300]
    elif status >= 400:
        payload = response.get_json(silent=True)
        assert isinstance(payload, dict), f"{status} without a JSON body for {request_description}"
        assert payload.get("ok") is False and payload.get("status") == status, payload
        assert isinstance(payload.get("error"), str) and payload["error"], payload


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_generated_requests_never_break_any_route(fuzz_app, route):
    client = fuzz_app.test_client()
    arguments = st.fixed_dictionaries({name: path_values[kind] for name, kind in route.converters})

    @FUZZ
    @given(arguments=arguments, query=queries, body=bodies, content_type=st.sampled_from(CONTENT_TYPES),
           credentials=st.sampled_from(CREDENTIALS))
    def check(arguments, query, body, content_type, credentials):
        path = route.path(arguments)
        response = client.open(path, method=route.method, query_string=query, data=body,
                               headers=headers_for(fuzz_app, credentials, content_type))
        assert_well_formed(response, path, f"{route.method} {path} ?{query} body={body[:200] if body else body!r}")

    check()


# --- POST /api/v1/events with realistic batches made hostile ---

HOSTILE_STRINGS = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "\u202e\u2066gnp.exe", "\ud800", "\x00\x01\x02",
    "<div>" * 3000 + "deep" + "</div>" * 3000, "x" * 300_000,
]


@st.composite
def hostile_batches(draw):
    """A slice of a simulated session with some fields replaced by hostile or arbitrary values."""
    events = [dict(e) for e in draw(st.sampled_from(SIMULATED_SLICES))]
    for event in events:
        for field in draw(st.lists(st.sampled_from(sorted(event)), max_size=2)):
            event[field] = draw(st.sampled_from(HOSTILE_STRINGS) | json_values)
        if event["type"] == "impression" and isinstance(event.get("item"), dict) and draw(st.booleans()):
            event["item"] = {**event["item"], draw(st.sampled_from(["html", "title", "url"])): draw(st.sampled_from(HOSTILE_STRINGS))}
    return json.dumps({"events": events}).encode()


_simulated = simulate(SimulationConfig(days=1, seed=12)).events
SIMULATED_SLICES = [_simulated[i:i + 6] for i in range(0, 600, 6)]
INVALID_UTF8 = [b'{"events": [{"type": "impression", "id": "\xff\xfe"}]}', b"\xc3\x28", b'{"events": "\xed\xa0\x80"}']


@settings(max_examples=700, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(body=hostile_batches() | st.sampled_from(INVALID_UTF8))
def test_hostile_batches_are_stored_or_refused_cleanly(fuzz_app, body):
    response = fuzz_app.test_client().post("/api/v1/events", data=body, headers=headers_for(fuzz_app, "bearer", "application/json"))
    assert_well_formed(response, "/api/v1/events", f"POST /api/v1/events {body[:200]!r}")
    assert response.status_code in (200, 400, 413)
    if response.status_code == 200:
        answer = response.get_json()
        assert answer["accepted"] == answer["stored"] + answer["duplicates"]
