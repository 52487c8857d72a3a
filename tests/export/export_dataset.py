"""A small hand-built dataset over three UTC days, posted through the real ingest API.

Day 1 (2026-01-05), day 2 (2026-01-06), day 3 (2026-01-07):
- item A (Hacker News) is shown on days 1 and 2 and clicked both times;
- items B (day 1), C (day 2), E (day 3) on Hacker News, D (day 2) on Reddit;
- a dwell on day 2 whose impression never arrived; views and sessions on each day.
Tests count by hand what deleting day 2 must remove.
"""

from __future__ import annotations

import datetime as dt
import uuid

from support import events as ev

DAY_MS = 86_400_000
DAY1 = int(dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc).timestamp() * 1000)
DAY2, DAY3, DAY4 = DAY1 + DAY_MS, DAY1 + 2 * DAY_MS, DAY1 + 3 * DAY_MS
HOUR = 3_600_000

URL = {name: f"https://example.com/{name.lower()}" for name in "ABCDE"}
TITLE = {"A": "Alpha story", "B": "Bravo story", "C": "Charlie secret-title-3141", "D": "Delta thread", "E": "Echo story"}
KEY = {name: f"{'reddit' if name == 'D' else 'hackernews'}:{URL[name]}" for name in "ABCDE"}


SESSION = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, name)) for name in ("s1", "s2", "s3", "s4")}


def _impression(name, ts, rank, session_id):
    platform = "reddit" if name == "D" else "hackernews"
    page = "https://www.reddit.com/" if platform == "reddit" else "https://news.ycombinator.com/"
    return ev.impression(rank=rank, ts=ts, platform=platform, url=URL[name], title=TITLE[name], session_id=SESSION[session_id],
                         page_url=page)


def build_events() -> tuple[list[dict], dict[str, str]]:
    """The events and the impression ids by label (a1, b1, a2, c2, d2, e3)."""
    shown = {
        "a1": _impression("A", DAY1 + 10 * HOUR, 1, "s1"), "b1": _impression("B", DAY1 + 10 * HOUR, 2, "s1"),
        "a2": _impression("A", DAY2 + 10 * HOUR, 1, "s2"), "c2": _impression("C", DAY2 + 10 * HOUR, 2, "s2"),
        "d2": _impression("D", DAY2 + 11 * HOUR, 1, "s3"), "e3": _impression("E", DAY3 + 10 * HOUR, 1, "s4"),
    }
    ids = {label: event["id"] for label, event in shown.items()}
    dwell = {"a1": 3000, "b1": 1000, "a2": 2000, "c2": 500, "d2": 4000, "e3": 700}
    events = list(shown.values())
    events += [ev.dwell(ids[label], ms, ts=shown[label]["ts"] + 5000) for label, ms in dwell.items()]
    events.append(ev.dwell(str(uuid.uuid4()), 900, ts=DAY2 + 12 * HOUR))  # its impression never arrives
    events += [ev.click(ids["a1"], ts=DAY1 + 10 * HOUR + 6000, href=URL["A"]),
               ev.click(ids["a2"], ts=DAY2 + 10 * HOUR + 6000, href=URL["A"])]
    events += [ev.view(str(uuid.uuid4()), 30_000, impression_id=ids["a1"], ts=DAY1 + 10 * HOUR + 9000, url=URL["A"]),
               ev.view(str(uuid.uuid4()), 20_000, impression_id=ids["c2"], ts=DAY2 + 10 * HOUR + 9000, url=URL["C"]),
               ev.view(str(uuid.uuid4()), 10_000, ts=DAY2 + 13 * HOUR, url="https://example.com/elsewhere")]
    for session_id, start, platform in (("s1", DAY1, "hackernews"), ("s2", DAY2, "hackernews"),
                                        ("s3", DAY2, "reddit"), ("s4", DAY3, "hackernews")):
        events.append(ev.session(SESSION[session_id], 60_000, start_ts=start + 10 * HOUR, end_ts=start + 11 * HOUR,
                                 ts=start + 11 * HOUR, platform=platform))
    return events, ids


def post_dataset(client, auth) -> dict[str, str]:
    """Ingest the dataset through POST /api/v1/events; return the impression ids by label."""
    events, ids = build_events()
    response = client.post("/api/v1/events", json={"events": events}, headers=auth)
    assert response.status_code == 200, response.get_json()
    return ids
