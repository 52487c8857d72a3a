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


def _optional_timezone(value):
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return "must be an IANA time zone name such as 'Europe/Berlin', or null for this computer's"
    return None


def _boolean(value):
    return None if isinstance(value, bool) else "must be true or false"


def _platform_list(value):
    from .ingest import name_slug

    if not isinstance(value, list) or any(name_slug(p) for p in value) or len(set(value)) != len(value):
        return "must be a list of distinct platform names such as [\"reddit\", \"x\"]"
    return None


def _export_schedule(value):
    from .exporting import parse_schedule

    try:
        parse_schedule(value)
    except ValueError as exc:
        return str(exc)
    return None


def _export_formats(value):
    if not isinstance(value, list) or not value or any(f not in ("html", "md", "json") for f in value) \
            or len(set(value)) != len(value):
        return "must be a non-empty list of distinct formats from [\"html\", \"md\", \"json\"]"
    return None


SETTINGS: dict[str, Setting] = {
    "timezone": Setting(None, _optional_timezone,
                        "Time zone of days and weeks in the report (null: this computer's)."),
    "demo_data": Setting(False, _boolean, "True when the database holds simulated demo data (shown in every view)."),
    "embedding_model": Setting(
        None, _optional_model,
        "Sentence-transformers model (name already in the local cache, or a local path); null: the bundled all-MiniLM-L6-v2.",
    ),
    "html_retention_days": Setting(
        None, _optional_days,
        "Keep the raw HTML of captured items this many days (null: forever). Parsed fields are always kept.",
    ),
    "disabled_platforms": Setting(
        [], _platform_list, "Platforms switched off: ingest stores nothing from them (e.g. [\"x\"]).",
    ),
    "weekly_export": Setting(True, _boolean, "Write last week's summary into the exports folder every week (true/false)."),
    "export_schedule": Setting("Mon 08:00", _export_schedule,
                               "When the weekly summary is written, as 'Day HH:MM' in the report's time zone (applies at the next start)."),
    "export_formats": Setting(["html", "md", "json"], _export_formats,
                              "Formats of the scheduled weekly summary: any of [\"html\", \"md\", \"json\"]."),
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
    put_many(db, {key: value})


def put_many(db: sqlite_utils.Database, changes: dict) -> None:
    """Validate every change first, then store them all; raises SettingError naming the first problem."""
    for key, value in changes.items():
        if key not in SETTINGS:
            raise SettingError(f"unknown setting {key!r}; known: {sorted(SETTINGS)}")
        problem = SETTINGS[key].check(value)
        if problem:
            raise SettingError(f"setting {key!r} {problem}")
    with write_transaction(db):
        db.conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(key, json.dumps(value)) for key, value in changes.items()],
        )


def timezone(db: sqlite_utils.Database) -> str:
    """The configured IANA time zone, else this computer's, else UTC."""
    return get(db, "timezone") or system_timezone()


def system_timezone() -> str:
    import os
    from pathlib import Path
    from zoneinfo import ZoneInfo

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).split("zoneinfo/", 1)[-1])
    timezone_file = Path("/etc/timezone")
    if timezone_file.exists():
        candidates.append(timezone_file.read_text().strip())
    for name in candidates:
        try:
            if name:
                ZoneInfo(name)
                return name
        except (ValueError, KeyError, OSError):
            continue
    return "UTC"
