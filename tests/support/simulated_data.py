"""A fully processed simulated data dir that ends with the week whose weekly export is due now.

The scheduled export writes the week due at the moment the server runs (see
``exporting.due_week``), so crash tests of that job need data in the week before
"now": the simulation is placed there instead of at its fixed 2026-01-05 start.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from feedaudit import demo, exporting, settings, storage
from feedaudit.simulator import SimulationConfig

TZ = "UTC"
SCHEDULE = "Mon 08:00"  # the default export_schedule
LEAD_IN_DAYS = 3  # days of the week before the due week: a previous week to compare with


def due_week(now: dt.datetime | None = None) -> str:
    return exporting.due_week(now or dt.datetime.now(dt.timezone.utc), SCHEDULE, TZ)


def fill_due_week(data_dir: Path, days: int = 10, seed: int = 5, items_per_session=(40, 80)) -> str:
    """Simulate ``days`` days ending with the due week's Sunday (UTC), ingest and process them; the week."""
    week = due_week()
    year, number = (int(part) for part in week.split("-W"))
    sunday = dt.date.fromisocalendar(year, number, 7)
    first = dt.datetime.combine(sunday - dt.timedelta(days=days - 1), dt.time(), dt.timezone.utc)
    data_dir.mkdir(parents=True, exist_ok=True)
    db = storage.connect(data_dir / "feedaudit.db")
    settings.put(db, "timezone", TZ)
    db.close()
    config = SimulationConfig(days=days, seed=seed, start_ms=int(first.timestamp() * 1000),
                              items_per_session=items_per_session)
    demo.fill(data_dir, config)
    return week


def copy_database(source: Path, target_dir: Path) -> Path:
    """A consistent copy of a database (SQLite's backup API) into ``target_dir``/feedaudit.db."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / "feedaudit.db"
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with writer:
            reader.backup(writer)
    finally:
        reader.close()
        writer.close()
    return target
