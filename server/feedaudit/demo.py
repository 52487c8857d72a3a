"""Fill a data dir with a simulated person's feeds, through the real ingest API.

The simulator (``feedaudit.simulator``) plays a known recommender against a
simulated person; its events go through the same HTTP layer, validation and
storage as the extension's, then through parsing, embedding, clickbait scoring
and categorization. The database is marked ``demo_data`` so every view says
the data are simulated.
"""

from __future__ import annotations

import dataclasses

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from . import categorizing, enrichment, preferences, processing, settings, storage
from .config import db_path
from .simulator import SimulationConfig, simulate
from .understanding.embedder import Embedder

BATCH = 1000


class DemoError(RuntimeError):
    pass


def fill(data_dir: Path, config: SimulationConfig, embedder: Embedder | None = None,
         progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Simulate, ingest, process; return counts. ``progress(stage, done, total)`` reports as it goes."""
    from .app import create_app

    report = progress or (lambda stage, done, total: None)
    app = create_app({"DATA_DIR": str(data_dir)})
    db = storage.connect(db_path(Path(app.config["DATA_DIR"])))
    try:
        real = db.execute("SELECT count(*) FROM impressions").fetchone()[0]
        if real and not settings.get(db, "demo_data"):
            raise DemoError(f"{data_dir} already holds real browsing data; simulate into another --data-dir")
        settings.put(db, "demo_data", True)
        result = simulate(config)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {app.config['TOKEN']}"}
        events = result.events
        for start in range(0, len(events), BATCH):
            response = client.post("/api/v1/events", json={"events": events[start:start + BATCH]}, headers=headers)
            if response.status_code != 200:
                raise DemoError(f"the ingest API refused simulated events: {response.get_json()}")
            report("ingest", min(start + BATCH, len(events)), len(events))
        _process(db, embedder or Embedder(settings.get(db, "embedding_model")), report)
        _state_preferences(db, result.truth)
        return {"events": len(events), "impressions": db.execute("SELECT count(*) FROM impressions").fetchone()[0],
                "items": db.execute("SELECT count(*) FROM items").fetchone()[0]}
    finally:
        db.close()


def _process(db, embedder: Embedder, report) -> None:
    total, done = processing.pending_count(db), 0
    while (n := processing.parse_pending(db)) > 0:
        done += n
        report("parse", done, total)
    stages = [("embed", enrichment.embed_pending), ("clickbait", enrichment.score_clickbait_pending),
              ("categorize", categorizing.categorize_pending)]
    for stage, function in stages:
        total, done = enrichment.pending_counts(db, embedder.model_id)[stage], 0
        while (n := function(db, embedder)) > 0:
            done += n
            report(stage, done, total)


def _state_preferences(db, truth) -> None:
    """The simulated person's ratings and intentions, as the person would enter them."""
    key_of = dict(db.execute("SELECT id, item_key FROM impressions").fetchall())
    for rating in truth.ratings:
        key = key_of.get(rating["impression_id"])
        if key:
            preferences.rate_item(db, key, "valued" if rating["rating"] > 0 else "regretted")
    ids = {c["name"]: c["id"] for c in categorizing.list_categories(db)}
    for name, (kind, value) in truth.intentions.items():
        if name in ids:
            preferences.set_intention(db, ids[name], kind, value)


def local_today(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date()


def ending_today(config: SimulationConfig, tz: str, today: dt.date | None = None) -> SimulationConfig:
    """The same simulation moved so that its last day is ``today`` (it starts at local midnight in ``tz``).

    ``feedaudit demo`` uses it so a newcomer's "this week" is populated; tests keep the fixed start.
    """
    first_day = (today or local_today(tz)) - dt.timedelta(days=max(config.days, 1) - 1)
    start = dt.datetime.combine(first_day, dt.time(), ZoneInfo(tz))
    return dataclasses.replace(config, start_ms=int(start.timestamp() * 1000))


def demo_state(db, tz: str, today: dt.date | None = None) -> str:
    """"empty", "stale" (simulated, but nothing in the current ISO week) or "current"."""
    today = today or local_today(tz)
    latest = db.execute("SELECT max(ts) FROM impressions").fetchone()[0]
    if latest is None:
        return "empty"
    monday = today - dt.timedelta(days=today.weekday())
    this_week = int(dt.datetime.combine(monday, dt.time(), ZoneInfo(tz)).timestamp() * 1000)
    return "stale" if latest < this_week and settings.get(db, "demo_data") else "current"


def discard(data_dir: Path) -> None:
    """Delete a demo data dir's database so it can be simulated afresh; refuses real data."""
    path = db_path(Path(data_dir))
    db = storage.connect(path)
    try:
        if not settings.get(db, "demo_data"):
            raise DemoError(f"{data_dir} is not a demo data dir; it was left alone")
    finally:
        db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
