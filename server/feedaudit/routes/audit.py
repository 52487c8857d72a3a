"""Audit figures and the person's stated preferences under /api/v1."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, request

from .. import audit, ingest, preferences, settings, weekly
from ..errors import ApiError
from .common import get_db, json_object, time_param

bp = Blueprint("audit", __name__, url_prefix="/api/v1")

DEFAULT_RANGE_DAYS = 7


def _platform_param() -> str | None:
    platform = request.args.get("platform") or None
    if platform is not None and ingest.name_slug(platform):
        raise ApiError(400, f"query parameter 'platform' {ingest.name_slug(platform)}")
    return platform


def _call(function, *args):
    try:
        return function(get_db(), *args)
    except (preferences.PreferenceError, audit.AuditError) as exc:
        raise ApiError(getattr(exc, "status", 400), str(exc)) from None


@bp.get("/metrics")
def metrics():
    """Every audit figure for [from, to) (default: the last 7 days), optionally one platform."""
    to_ms = time_param("to") or int(dt.datetime.now().timestamp() * 1000)
    from_ms = time_param("from")
    if from_ms is None:
        from_ms = to_ms - DEFAULT_RANGE_DAYS * 86_400_000
    if to_ms <= from_ms:
        raise ApiError(400, "query parameter 'to' must be after 'from'")
    db = get_db()
    return jsonify({"ok": True, **audit.metrics(db, from_ms, to_ms, _platform_param(), settings.timezone(db))})


@bp.get("/summary")
def summary():
    """The weekly summary (weekly.py) of one ISO week (default: the last complete week)."""
    db = get_db()
    tz = settings.timezone(db)
    week = request.args.get("week") or weekly.last_complete_week(tz)
    return jsonify({"ok": True, **_call(weekly.weekly_summary, week, tz, _platform_param())})


@bp.get("/intentions")
def list_intentions():
    return jsonify({"ok": True, "intentions": preferences.list_intentions(get_db()), "kinds": preferences.INTENTION_KINDS})


@bp.put("/intentions/<int:category_id>")
def set_intention(category_id):
    """Body: {"kind": "at_most" | "at_least" | "exactly" | "more" | "less", "value": share in [0, 1]}."""
    payload = json_object()
    return jsonify({"ok": True, "intention": _call(preferences.set_intention, category_id, payload.get("kind"), payload.get("value"))})


@bp.delete("/intentions/<int:category_id>")
def clear_intention(category_id):
    return jsonify({"ok": True, "cleared": _call(preferences.clear_intention, category_id)})


@bp.get("/ratings")
def list_ratings():
    return jsonify({"ok": True, "ratings": preferences.list_ratings(get_db())})


@bp.post("/ratings")
def rate_item():
    """Body: {"item_key": ..., "rating": "valued" | "regretted" | null, "note": optional text}."""
    payload = json_object()
    return jsonify({"ok": True, **_call(preferences.rate_item, payload.get("item_key"), payload.get("rating"), payload.get("note"))})
