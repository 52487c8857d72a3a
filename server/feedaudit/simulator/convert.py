"""Turn a simulation's events plus its ground truth into the analytics' inputs.

This mirrors what storage does for real data (join dwell, clicks and views onto
impressions) but takes category, source and clickbait from the ground truth
instead of the parser and classifier.
"""

from __future__ import annotations

from ..analytics import Impressions, Sessions, make_impressions, make_sessions
from .catalog import catalog_item
from .engine import SimulationResult
from .markup import source_label


def impressions_from_simulation(result: SimulationResult) -> Impressions:
    """One row per impression event; ``item_index`` is the item index, so an
    embeddings matrix of :func:`catalog_titles` (with the config's variants) lines up with it."""
    dwell: dict[str, int] = {}
    clicked: set[str] = set()
    consumed: dict[str, int] = {}
    impressions = []
    for event in result.events:
        kind = event["type"]
        if kind == "impression":
            impressions.append(event)
        elif kind == "dwell":
            dwell[event["impression_id"]] = max(dwell.get(event["impression_id"], 0), event["visible_ms"])
        elif kind == "click":
            clicked.add(event["impression_id"])
        elif kind == "view" and event["impression_id"]:
            consumed[event["impression_id"]] = max(consumed.get(event["impression_id"], 0), event["active_ms"])
    items = [catalog_item(result.truth.impression_item[event["id"]]) for event in impressions]
    return make_impressions(
        [event["ts"] for event in impressions],
        platform=[event["platform"] for event in impressions],
        surface=[event["surface"] for event in impressions],
        session_id=[event["session_id"] for event in impressions],
        rank=[event["rank"] for event in impressions],
        item_index=[item.index for item in items],
        category=[item.category for item in items],
        source=[source_label(event["platform"], item) for event, item in zip(impressions, items)],
        dwell_ms=[dwell.get(event["id"], 0) for event in impressions],
        clicked=[event["id"] in clicked for event in impressions],
        sponsored=[bool(event.get("sponsored")) for event in impressions],
        clickbait=[1.0 if item.clickbait else 0.0 for item in items],
        consumed_ms=[consumed.get(event["id"]) for event in impressions],
    )


def sessions_from_simulation(result: SimulationResult) -> Sessions:
    """One row per session id: its start, latest end and largest active ms."""
    latest: dict[str, dict] = {}
    for event in result.events:
        if event["type"] == "session":
            latest[event["id"]] = event  # events are in time order: the last one wins
    rows = list(latest.values())
    return make_sessions(
        session_id=[row["id"] for row in rows],
        platform=[row["platform"] for row in rows],
        start_ms=[row["start_ts"] for row in rows],
        end_ms=[row["end_ts"] for row in rows],
        active_ms=[row["active_ms"] for row in rows],
    )
