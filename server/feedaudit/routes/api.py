"""The JSON API under /api/v1 (the extension, the report and scripts use it)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import __version__, ingest, queries
from ..errors import ApiError
from .common import get_db, int_param, time_param

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
    return jsonify({"ok": True, "accepted": result.accepted, "stored": result.stored, "duplicates": result.duplicates})


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
