"""Builders for ingest events in the extension's wire format."""

from __future__ import annotations

import uuid

BASE_TS = 1_795_000_000_000  # 2026-11-17T...Z, a fixed clock for exact assertions


def new_id() -> str:
    return str(uuid.uuid4())


def impression(rank=1, ts=BASE_TS, platform="hackernews", surface="front", url="https://example.com/a",
               title="A story", html=None, session_id="s1", event_id=None, page_url="https://news.ycombinator.com/"):
    return {
        "type": "impression", "id": event_id or new_id(), "ts": ts, "platform": platform, "surface": surface,
        "page_url": page_url, "session_id": session_id, "rank": rank,
        "item": {"html": html if html is not None else f'<tr class="athing"><td><a href="{url}">{title}</a></td></tr>',
                 "url": url, "title": title},
    }


def dwell(impression_id, visible_ms, ts=BASE_TS + 1000, event_id=None):
    return {"type": "dwell", "id": event_id or new_id(), "ts": ts, "impression_id": impression_id, "visible_ms": visible_ms}


def click(impression_id, ts=BASE_TS + 2000, href="https://example.com/a", button=0, event_id=None):
    return {"type": "click", "id": event_id or new_id(), "ts": ts, "impression_id": impression_id, "href": href, "button": button}


def view(view_id, active_ms, impression_id=None, ts=BASE_TS + 3000, platform="hackernews", url="https://example.com/a"):
    return {"type": "view", "id": view_id, "ts": ts, "platform": platform, "url": url, "impression_id": impression_id, "active_ms": active_ms}


def session(session_id, active_ms, start_ts=BASE_TS, end_ts=None, ts=BASE_TS, platform="hackernews"):
    return {"type": "session", "id": session_id, "ts": ts, "platform": platform, "start_ts": start_ts, "end_ts": end_ts, "active_ms": active_ms}
