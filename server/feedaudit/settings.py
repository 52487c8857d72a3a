"""Person-editable settings, stored as JSON values in the ``settings`` table."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from .storage import write_transaction


class SettingError(ValueError):
    pass


@dataclass(frozen=True)
class Setting:
    default: object
    check: Callable[[object], str | None]
    help: str


def _optional_days(value):
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return None
    return "must be a whole number of days >= 1, or null to keep forever"


def _optional_model(value):
    if value is None or (isinstance(value, str) and value.strip()):
        return None
    return "must be a sentence-transformers model name or local path, or null for the bundled all-MiniLM-L6-v2"


SETTINGS: dict[str, Setting] = {
    "embedding_model": Setting(
        None, _optional_model,
        "Sentence-transformers model (name already in the local cache, or a local path); null: the bundled all-MiniLM-L6-v2.",
    ),
    "html_retention_days": Setting(
        None, _optional_days,
        "Keep the raw HTML of captured items this many days (null: forever). Parsed fields are always kept.",
    ),
}


def get(db: sqlite_utils.Database, key: str):
    if key not in SETTINGS:
        raise SettingError(f"unknown setting {key!r}; known: {sorted(SETTINGS)}")
    row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else SETTINGS[key].default


def all_settings(db: sqlite_utils.Database) -> dict:
    return {key: get(db, key) for key in SETTINGS}


def put(db: sqlite_utils.Database, key: str, value) -> None:
    """Validate and store one setting; raises SettingError naming the problem."""
    if key not in SETTINGS:
        raise SettingError(f"unknown setting {key!r}; known: {sorted(SETTINGS)}")
    problem = SETTINGS[key].check(value)
    if problem:
        raise SettingError(f"setting {key!r} {problem}")
    with write_transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   (key, json.dumps(value)))
