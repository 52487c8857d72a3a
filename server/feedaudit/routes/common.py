"""Helpers shared by the blueprints: the per-request database and query-parameter parsing."""

from __future__ import annotations

import datetime as dt

import sqlite_utils
from flask import current_app, g, request

from .. import storage
from ..errors import ApiError


def get_db() -> sqlite_utils.Database:
    """The request's database connection, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = storage.connect(current_app.config["DATABASE"], migrate=False)
    return g.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def time_param(name: str) -> int | None:
    """A time query parameter as ms since the epoch: integer ms, an ISO date (local midnight) or datetime."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lstrip("-").isdecimal():
        value = int(raw)
        if abs(value) > 2**53:
            raise ApiError(400, f"query parameter '{name}' is out of range")
        return value
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"query parameter '{name}' must be ms since the epoch or an ISO date/datetime, not {raw!r}") from None
    try:
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()  # naive means the server's local time
        return int(parsed.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        raise ApiError(400, f"query parameter '{name}' is out of range") from None


def int_param(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter '{name}' must be an integer, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ApiError(400, f"query parameter '{name}' must be between {minimum} and {maximum}")
    return value


def json_object() -> dict:
    """The request body as a JSON object, or a 400 naming the problem."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ApiError(400, "body must be a JSON object")
    return payload
