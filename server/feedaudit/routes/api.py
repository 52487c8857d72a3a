"""The JSON API under /api/v1 (the extension, the report and scripts use it)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import __version__, ingest, queries, settings
from ..errors import ApiError
from .common import get_db, int_param, json_object, time_param

bp = Blueprint("api", __name__, url_prefix="/api/v1")

@bp.get("/health")
def health():
    """Liveness only: no private data, no token needed."""
    return jsonify({"ok": True, "name": "feedaudit", "version": __version__})


@bp.post("/events")
def post_events():
    try:
        payload = ingest.parse_body(request.get_data(cache=False))
        result = ingest.ingest(get_db(), payload)
    except ingest.BatchTooLarge as exc:
        raise ApiError(413, str(exc)) from None
    except ingest.BatchInvalid as exc:
        raise ApiError(400, exc.message, exc.details) from None
    answer = {"ok": True, "accepted": result.accepted, "stored": result.stored, "duplicates": result.duplicates}
    if result.skipped:
        answer["skipped"] = result.skipped
        answer["message"] = "events from platforms switched off in Settings were not stored"
    return jsonify(answer)


@bp.get("/status")
def status():
    return jsonify(queries.status(get_db()))


@bp.get("/items")
def items():
    since, until = time_param("since"), time_param("until")
    if since is not None and until is not None and until <= since:
        raise ApiError(400, "query parameter 'until' must be after 'since'")
    platform = request.args.get("platform") or None
    if platform is not None and ingest.name_slug(platform):
        raise ApiError(400, f"query parameter 'platform' {ingest.name_slug(platform)}")
    limit = int_param("limit", 100, 1, queries.MAX_ITEMS_LIMIT)
    offset = int_param("offset", 0, 0, 10**9)
    rows = queries.list_items(get_db(), since=since, until=until, platform=platform, limit=limit, offset=offset)
    return jsonify({"ok": True, "items": rows, "count": len(rows), "limit": limit, "offset": offset})


@bp.get("/settings")
def get_settings():
    """Every setting with its value and what it means."""
    db = get_db()
    return jsonify({"ok": True, "settings": settings.all_settings(db),
                    "help": {key: setting.help for key, setting in settings.SETTINGS.items()}})


@bp.patch("/settings")
def patch_settings():
    """Body: {key: value, ...}; all are validated before any is stored."""
    payload = json_object()
    if not payload:
        raise ApiError(400, f"send at least one setting to change; known: {', '.join(sorted(settings.SETTINGS))}")
    db = get_db()
    try:
        settings.put_many(db, payload)
    except settings.SettingError as exc:
        raise ApiError(400, str(exc)) from None
    return jsonify({"ok": True, "settings": settings.all_settings(db)})


@bp.get("/pairing")
def pairing():
    """What the extension's options page needs: this server's address and the token."""
    return jsonify({"ok": True, "server": request.host_url.rstrip("/"), "token": current_app.config["TOKEN"]})
