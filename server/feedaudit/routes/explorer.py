"""The manage pages' API: explorer item search and similar items, and the intention gap."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import explorer, ingest, intention_gap, settings
from ..errors import ApiError
from .common import get_db, int_param

bp = Blueprint("explorer", __name__, url_prefix="/api/v1")

KNOWN_PARAMS = {"q", "platform", "category", "from", "to", "sponsored", "clickbait", "rated", "page", "per_page"}


def _explorer_call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except explorer.ExplorerError as exc:
        raise ApiError(exc.status, str(exc)) from None


def _platform_param() -> str | None:
    platform = request.args.get("platform") or None
    if platform is not None and ingest.name_slug(platform):
        raise ApiError(400, f"query parameter 'platform' {ingest.name_slug(platform)}")
    return platform


def filters_from_request(tz: str) -> explorer.Filters:
    """Explorer filters from the query string; ApiError (400) names any bad parameter."""
    unknown = sorted(set(request.args) - KNOWN_PARAMS)
    if unknown:
        raise ApiError(400, f"unknown query parameter {unknown[0]!r}; known: {', '.join(sorted(KNOWN_PARAMS))}")
    args = request.args
    return _explorer_call(
        lambda: explorer.Filters(
            q=explorer.parse_query(args.get("q")),
            platform=_platform_param(),
            category=explorer.parse_category(args.get("category")),
            from_ms=explorer.parse_bound("from", args.get("from"), tz),
            to_ms=explorer.parse_bound("to", args.get("to"), tz, end=True),
            sponsored=explorer.parse_yes_no("sponsored", args.get("sponsored")),
            clickbait=explorer.parse_choice("clickbait", args.get("clickbait"), explorer.CLICKBAIT_FILTERS),
            rated=explorer.parse_choice("rated", args.get("rated"), explorer.RATED_FILTERS),
            page=int_param("page", 1, 1, 10**6),
            per_page=int_param("per_page", explorer.PAGE_SIZE, 1, explorer.MAX_PAGE_SIZE),
        )
    )


@bp.get("/explorer/items")
def items():
    """Items seen, filtered and paginated; ``to`` as a date includes that whole day (the person's time zone)."""
    db = get_db()
    tz = settings.timezone(db)
    result = _explorer_call(explorer.search, db, filters_from_request(tz), tz)
    return jsonify({"ok": True, **result})


@bp.get("/explorer/similar")
def similar():
    """The items nearest to ``key`` by embedding (cosine), nearest first."""
    key = request.args.get("key")
    if not key:
        raise ApiError(400, "query parameter 'key' is required: the item's key")
    limit = int_param("limit", 10, 1, explorer.MAX_SIMILAR)
    db = get_db()
    result = _explorer_call(explorer.similar, db, key, current_app.config["DATABASE"], settings.timezone(db), limit)
    return jsonify({"ok": True, **result})


def days_param() -> int:
    raw = request.args.get("days") or str(intention_gap.DEFAULT_PERIOD_DAYS)
    if not raw.isdecimal() or int(raw) not in intention_gap.PERIOD_DAYS:
        raise ApiError(400, f"query parameter 'days' must be one of {', '.join(map(str, intention_gap.PERIOD_DAYS))}")
    return int(raw)


@bp.get("/intention-gap")
def intention_gap_figures():
    """Per category: exposure share, intended share and the gap over the last ``days`` days of data; the KL."""
    db = get_db()
    return jsonify({"ok": True, **intention_gap.gaps(db, days_param(), settings.timezone(db))})
