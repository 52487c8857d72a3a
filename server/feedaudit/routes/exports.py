"""Data ownership over HTTP: deleting a range, weekly summary exports (list, write, download), the Exports page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, send_from_directory

from .. import audit, deletion, exporting, ingest, settings, weekly
from ..errors import ApiError
from .common import get_db, json_object
from .pages import render_page

MIMETYPES = {"html": "text/html", "md": "text/markdown", "json": "application/json"}

bp = Blueprint("exports", __name__)


def _optional_platform(payload: dict) -> str | None:
    platform = payload.get("platform") or None
    if platform is None:
        return None
    problem = ingest.name_slug(platform)
    if problem:
        raise ApiError(400, f"'platform' {problem}")
    return platform


@bp.post("/api/v1/deletions")
def delete_range():
    """Body: {"from": ms or ISO date, "to": ms or ISO date (a date includes that whole day),
    "platform": optional, "dry_run": true|false}. Answers the rows removed (or that would be) per table."""
    payload = json_object()
    dry_run = payload.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ApiError(400, "'dry_run' must be true or false")
    db = get_db()
    tz = settings.timezone(db)
    try:
        from_ms = deletion.parse_bound("from", payload.get("from"), tz)
        to_ms = deletion.parse_bound("to", payload.get("to"), tz, end=True)
        counts = deletion.delete_range(db, from_ms, to_ms, _optional_platform(payload), dry_run=dry_run)
    except deletion.DeletionError as exc:
        raise ApiError(400, str(exc)) from None
    return jsonify({
        "ok": True,
        "dry_run": dry_run,
        "from_ms": from_ms,
        "to_ms": to_ms,
        "counts": {key: counts[key] for key in deletion.COUNTED},
        "also": {key: counts[key] for key in ("html", "ratings", "corrections")},
    })


def _exports_dir() -> Path:
    return exporting.exports_dir(current_app.config["DATA_DIR"])


def _exports_state() -> dict:
    """What the Exports page and GET /api/v1/exports show."""
    db = get_db()
    tz = settings.timezone(db)
    directory = _exports_dir()
    return {
        "exports": exporting.list_exports(directory),
        "last_scheduled_run": exporting.read_state(directory) or None,
        "schedule": {"on": settings.get(db, "weekly_export"), "when": settings.get(db, "export_schedule"),
                     "formats": settings.get(db, "export_formats"), "tz": tz},
        "default_week": weekly.last_complete_week(tz),
        "formats": sorted(exporting.RENDERERS),
        "folder": str(directory),
    }


@bp.get("/api/v1/exports")
def list_exports():
    """The weekly summary files in the exports folder, the last scheduled run and the schedule."""
    return jsonify({"ok": True, **_exports_state()})


@bp.post("/api/v1/exports")
def write_export():
    """Body: {"week": "2026-W48" (default: the last complete week), "format": "html" | "md" | "json"}.
    Writes (or rewrites) that file now and answers its listing entry."""
    payload = json_object()
    fmt = payload.get("format")
    if fmt not in exporting.RENDERERS:
        raise ApiError(400, f"'format' must be one of {sorted(exporting.RENDERERS)}")
    db = get_db()
    tz = settings.timezone(db)
    week = payload.get("week") or weekly.last_complete_week(tz)
    if not isinstance(week, str):
        raise ApiError(400, "'week' must be an ISO week such as 2026-W48")
    try:
        week = exporting.validate_week(week)
    except audit.AuditError as exc:
        raise ApiError(400, str(exc)) from None
    [path] = exporting.export_week(db, week, [fmt], tz, _exports_dir())
    entry = next(e for e in exporting.list_exports(path.parent) if e["name"] == path.name)
    return jsonify({"ok": True, "export": entry, "download": f"/exports/{path.name}"})


@bp.get("/exports/<name>")
def download(name):
    """One export file, as a download. Only names the exporter writes are served: no paths, no traversal."""
    path = exporting.safe_export_path(_exports_dir(), name)
    if path is None:
        raise ApiError(404, f"no export called {name!r}; see the Exports page for the files there are")
    fmt = exporting.FILE_PATTERN.match(name).group(2)
    return send_from_directory(path.parent, path.name, as_attachment=True, mimetype=MIMETYPES[fmt], max_age=0)


@bp.get("/exports")
def exports_page():
    return render_page("exports.html", state=_exports_state())
