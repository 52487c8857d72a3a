"""Validate and store event batches from the extension (no Flask here).

A batch is all-or-nothing: every event is validated before anything is
written, and the whole batch is stored in one transaction. Storing is
idempotent, so the extension may resend a batch whose answer it never saw:

- impressions and clicks are keyed by their event id (a repeat is ignored);
- dwell is keyed by impression and keeps the maximum ``visible_ms``;
- sessions and views are keyed by their own id and keep the maximum
  ``active_ms`` (and the widest start/end), so cumulative updates may repeat or
  arrive out of order.

Dwell and clicks need no foreign key to their impression: they may arrive
first, and joins link them once the impression is stored.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from . import settings
from .storage import write_transaction

MAX_BATCH_EVENTS = 1000
MAX_BATCH_BYTES = 32 * 1024 * 1024
MAX_REPORTED_ERRORS = 100
EARLIEST_TS = 946_684_800_000  # 2000-01-01: anything earlier is a unit mistake (seconds, not ms)
LATEST_TS = 4_102_444_800_000  # 2100-01-01
CLICK_MODIFIERS = {"ctrl", "meta", "shift", "alt"}


class BatchInvalid(Exception):
    """The batch cannot be stored; ``details`` names each bad event and field."""

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class BatchTooLarge(Exception):
    pass


@dataclass
class IngestResult:
    accepted: int
    stored: int
    skipped: int = 0  # events from platforms the person switched off (setting disabled_platforms)

    @property
    def duplicates(self) -> int:
        return self.accepted - self.skipped - self.stored


# --- field checks: each returns an error message, or None when the value is fine ---

Check = Callable[[object], "str | None"]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def uuid_string(value):
    if not isinstance(value, str):
        return "must be a UUID string"
    try:
        uuid.UUID(value)
    except ValueError:
        return "must be a UUID string"
    return None


def timestamp(value):
    if not _is_int(value):
        return "must be an integer (milliseconds since the epoch, UTC)"
    if not EARLIEST_TS <= value <= LATEST_TS:
        return "must be milliseconds since the epoch between 2000 and 2100"
    return None


MAX_SAFE_INT = 2**53 - 1  # what JavaScript can count exactly; also fits SQLite's 64-bit integers


def non_negative_int(value):
    if not _is_int(value) or not 0 <= value <= MAX_SAFE_INT:
        return "must be an integer >= 0 (at most 2^53 - 1)"
    return None


def positive_int(value):
    if not _is_int(value) or not 1 <= value <= MAX_SAFE_INT:
        return "must be an integer >= 1 (at most 2^53 - 1)"
    return None


def name_slug(value):
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not all(c.isalnum() or c in "-_." for c in value):
        return "must be a short name (letters, digits, '-', '_', '.')"
    return None


def text(value):
    return None if isinstance(value, str) else "must be a string"


def web_url(value):
    if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")):
        return "must be an http(s) URL"
    return None


def optional(check: Check) -> Check:
    def optional_check(value):
        return None if value is None else check(value)

    return optional_check


def boolean(value):
    return None if isinstance(value, bool) else "must be true or false"


def mouse_button(value):
    return None if _is_int(value) and 0 <= value <= 4 else "must be an integer 0-4"


def modifiers(value):
    if not isinstance(value, list) or not all(isinstance(m, str) and m in CLICK_MODIFIERS for m in value):
        return f"must be a list of {sorted(CLICK_MODIFIERS)}"
    return None


def item_object(value):
    if not isinstance(value, dict):
        return 'must be an object {"html": ..., "url": ..., "title": ...}'
    if not isinstance(value.get("html"), str):
        return "item.html must be a string (the item's outerHTML)"
    for hint in ("url", "title"):
        if value.get(hint) is not None and not isinstance(value[hint], str):
            return f"item.{hint} must be a string or null"
    return None


REQUIRED, OPTIONAL = True, False
EVENT_FIELDS: dict[str, dict[str, tuple[Check, bool]]] = {
    "impression": {
        "platform": (name_slug, REQUIRED),
        "surface": (name_slug, REQUIRED),
        "page_url": (web_url, REQUIRED),
        "session_id": (optional(text), OPTIONAL),
        "rank": (positive_int, REQUIRED),
        "item": (item_object, REQUIRED),
        "sponsored": (optional(boolean), OPTIONAL),
    },
    "dwell": {
        "impression_id": (uuid_string, REQUIRED),
        "visible_ms": (non_negative_int, REQUIRED),
    },
    "click": {
        "impression_id": (uuid_string, REQUIRED),
        "href": (optional(text), OPTIONAL),
        "button": (optional(mouse_button), OPTIONAL),
        "modifiers": (optional(modifiers), OPTIONAL),
    },
    "session": {
        "platform": (name_slug, REQUIRED),
        "start_ts": (timestamp, REQUIRED),
        "end_ts": (optional(timestamp), OPTIONAL),
        "active_ms": (non_negative_int, REQUIRED),
    },
    "view": {
        "platform": (name_slug, REQUIRED),
        "url": (web_url, REQUIRED),
        "impression_id": (optional(uuid_string), OPTIONAL),
        "active_ms": (non_negative_int, REQUIRED),
    },
}
COMMON_FIELDS = {"id": (uuid_string, REQUIRED), "ts": (timestamp, REQUIRED)}


def event_problems(index: int, event) -> list[dict]:
    """Every problem with one event, each naming the field."""
    if not isinstance(event, dict):
        return [{"index": index, "field": None, "message": "event must be a JSON object"}]
    event_id = event.get("id") if isinstance(event.get("id"), str) else None
    kind = event.get("type")
    if not isinstance(kind, str) or kind not in EVENT_FIELDS:
        message = f"unknown event type {kind!r}; expected one of {sorted(EVENT_FIELDS)}"
        return [{"index": index, "id": event_id, "field": "type", "message": message}]
    problems = []
    for field, (check, required) in {**COMMON_FIELDS, **EVENT_FIELDS[kind]}.items():
        if field not in event:
            if required:
                problems.append({"index": index, "id": event_id, "field": field, "message": "is required"})
            continue
        message = check(event[field])
        if message:
            problems.append({"index": index, "id": event_id, "field": field, "message": message})
    if kind == "session" and not problems and event.get("end_ts") is not None and event["end_ts"] < event["start_ts"]:
        problems.append({"index": index, "id": event_id, "field": "end_ts", "message": "must not be before start_ts"})
    return problems


def validate_batch(payload) -> list[dict]:
    """Return the batch's events, or raise BatchInvalid / BatchTooLarge naming every problem."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BatchInvalid('body must be a JSON object {"events": [...]}', [{"field": "events", "message": "is required and must be a list"}])
    events = payload["events"]
    if len(events) > MAX_BATCH_EVENTS:
        raise BatchTooLarge(f"a batch holds at most {MAX_BATCH_EVENTS} events, this one {len(events)}; split it")
    problems = [p for index, event in enumerate(events) for p in event_problems(index, event)]
    if problems:
        first = problems[0]
        where = f"events[{first['index']}]" + (f".{first['field']}" if first.get("field") else "")
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise BatchInvalid(f"invalid batch: {where} {first['message']}{more}", problems[:MAX_REPORTED_ERRORS])
    return events


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def replace_lone_surrogates(value):
    """JSON may escape lone UTF-16 surrogates that SQLite cannot store: make them U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogate(value) else value
    if isinstance(value, list):
        return [replace_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): replace_lone_surrogates(v) for k, v in value.items()}
    return value


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def parse_body(raw: bytes):
    """Decode a request body as JSON; lone surrogates become U+FFFD. Raises BatchInvalid."""
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BatchInvalid(f"body is not valid JSON: {exc}") from None
    if _ESCAPED_SURROGATE.search(raw):
        payload = replace_lone_surrogates(payload)
    return payload


def item_key(platform: str, item: dict) -> str:
    """Provisional item identity until the parser refines it: the URL hint, else a hash of the HTML."""
    if item.get("url"):
        return f"{platform}:{item['url']}"
    return f"{platform}:html:{hashlib.sha256(item['html'].encode('utf-8')).hexdigest()[:32]}"


def _by_type(events: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {kind: [] for kind in EVENT_FIELDS}
    for event in events:
        grouped[event["type"]].append(event)
    return grouped


def _store_impressions(db, impressions: list[dict], received_ts: int) -> int:
    rows, html_rows, item_rows = [], [], []
    for e in impressions:
        item = e["item"]
        key = item_key(e["platform"], item)
        sponsored = e.get("sponsored")
        rows.append(
            (e["id"], e["ts"], e["platform"], e["surface"], e["page_url"], e.get("session_id"), e["rank"], key,
             item.get("url"), item.get("title"), None if sponsored is None else int(sponsored), received_ts)
        )
        html_rows.append((e["id"], item["html"]))
        item_rows.append((key, e["platform"], item.get("url"), item.get("title"), e["ts"]))
    cursor = db.conn.executemany(
        "INSERT OR IGNORE INTO impressions (id, ts, platform, surface, page_url, session_id, rank, item_key,"
        " url_hint, title_hint, sponsored_hint, received_ts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    stored = cursor.rowcount
    db.conn.executemany("INSERT OR IGNORE INTO impression_html (impression_id, html) VALUES (?, ?)", html_rows)
    db.conn.executemany(
        "INSERT INTO items (key, platform, url, title, first_seen_ts) VALUES (?,?,?,?,?)"
        " ON CONFLICT (key) DO UPDATE SET first_seen_ts = min(first_seen_ts, excluded.first_seen_ts)",
        item_rows,
    )
    return stored


def _store_dwell(db, dwells: list[dict]) -> int:
    cursor = db.conn.executemany(
        "INSERT INTO dwell (impression_id, visible_ms, ts) VALUES (?,?,?)"
        " ON CONFLICT (impression_id) DO UPDATE SET visible_ms = excluded.visible_ms, ts = excluded.ts"
        " WHERE excluded.visible_ms > dwell.visible_ms",
        [(e["impression_id"], e["visible_ms"], e["ts"]) for e in dwells],
    )
    return cursor.rowcount


def _store_clicks(db, clicks: list[dict]) -> int:
    cursor = db.conn.executemany(
        "INSERT OR IGNORE INTO clicks (id, ts, impression_id, href, button, modifiers) VALUES (?,?,?,?,?,?)",
        [
            (e["id"], e["ts"], e["impression_id"], e.get("href"), e.get("button"),
             json.dumps(e["modifiers"]) if e.get("modifiers") else None)
            for e in clicks
        ],
    )
    return cursor.rowcount


def _store_sessions(db, sessions: list[dict]) -> int:
    cursor = db.conn.executemany(
        "INSERT INTO sessions (id, platform, start_ts, end_ts, active_ms, ts) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT (id) DO UPDATE SET"
        "  start_ts = min(start_ts, excluded.start_ts),"
        "  end_ts = CASE WHEN coalesce(excluded.end_ts, 0) > coalesce(end_ts, 0) THEN excluded.end_ts ELSE end_ts END,"
        "  active_ms = max(active_ms, excluded.active_ms),"
        "  ts = max(ts, excluded.ts)"
        " WHERE excluded.active_ms > active_ms OR coalesce(excluded.end_ts, 0) > coalesce(end_ts, 0)"
        "  OR excluded.start_ts < start_ts",
        [(e["id"], e["platform"], e["start_ts"], e.get("end_ts"), e["active_ms"], e["ts"]) for e in sessions],
    )
    return cursor.rowcount


def _store_views(db, views: list[dict]) -> int:
    cursor = db.conn.executemany(
        "INSERT INTO views (id, platform, url, impression_id, active_ms, start_ts, ts) VALUES (?,?,?,?,?,?,?)"
        " ON CONFLICT (id) DO UPDATE SET"
        "  active_ms = max(active_ms, excluded.active_ms),"
        "  impression_id = coalesce(impression_id, excluded.impression_id),"
        "  start_ts = min(start_ts, excluded.start_ts),"
        "  ts = max(ts, excluded.ts)"
        " WHERE excluded.active_ms > active_ms OR excluded.start_ts < start_ts"
        "  OR (impression_id IS NULL AND excluded.impression_id IS NOT NULL)",
        [(e["id"], e["platform"], e["url"], e.get("impression_id"), e["active_ms"], e["ts"], e["ts"]) for e in views],
    )
    return cursor.rowcount


def store_events(db: sqlite_utils.Database, events: list[dict], received_ts: int | None = None) -> IngestResult:
    """Store validated events in one transaction; return how many changed anything."""
    received_ts = received_ts if received_ts is not None else int(time.time() * 1000)
    grouped = _by_type(events)
    with write_transaction(db):
        stored = (
            _store_impressions(db, grouped["impression"], received_ts)
            + _store_dwell(db, grouped["dwell"])
            + _store_clicks(db, grouped["click"])
            + _store_sessions(db, grouped["session"])
            + _store_views(db, grouped["view"])
        )
    return IngestResult(accepted=len(events), stored=stored)


def without_disabled_platforms(events: list[dict], disabled: list[str]) -> list[dict]:
    """The events to store: none from a disabled platform, nor dwell or clicks of a dropped impression."""
    if not disabled:
        return events
    off = set(disabled)
    dropped_impressions = {e["id"] for e in events if e["type"] == "impression" and e["platform"] in off}
    return [e for e in events
            if e.get("platform") not in off and e.get("impression_id") not in dropped_impressions]


def ingest(db: sqlite_utils.Database, payload) -> IngestResult:
    """Validate the whole batch, then store it, leaving out platforms the person switched off."""
    events = validate_batch(payload)
    kept = without_disabled_platforms(events, settings.get(db, "disabled_platforms"))
    result = store_events(db, kept)
    return IngestResult(accepted=len(events), stored=result.stored, skipped=len(events) - len(kept))
