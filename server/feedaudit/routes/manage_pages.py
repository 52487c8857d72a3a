"""The pages where the person acts on their data: feed explorer, intentions, settings.

Each page renders what the server knows at once (as page data) and its ES
module (static/js/) calls /api/v1 with the page's CSRF token for changes.
"""

from __future__ import annotations

from flask import Blueprint

from .. import categorizing, explorer, intention_gap, queries, settings, sites
from .common import get_db
from .explorer import days_param
from .pages import render_page

bp = Blueprint("manage_pages", __name__)


def _category_choices(db) -> list[dict]:
    return [{"id": c["id"], "name": c["name"]} for c in categorizing.list_categories(db)]


@bp.get("/explorer")
def explorer_page():
    db = get_db()
    data = {"categories": _category_choices(db), "platforms": explorer.platforms(db), "tz": settings.timezone(db),
            "page_size": explorer.PAGE_SIZE}
    return render_page("explorer.html", data=data)


@bp.get("/intentions")
def intentions_page():
    db = get_db()
    figures = intention_gap.gaps(db, days_param(), settings.timezone(db))
    return render_page("intentions.html", figures=figures, periods=intention_gap.PERIOD_DAYS)


def known_platforms(db) -> list[dict]:
    """Every platform the extension knows or the database holds, with its display name."""
    names: dict[str, str] = {}
    for definition in sites.definitions():
        names.setdefault(definition.id, definition.name)
    for platform in explorer.platforms(db):
        names.setdefault(platform, platform)
    return [{"id": key, "name": name} for key, name in sorted(names.items(), key=lambda kv: kv[1].lower())]


@bp.get("/settings")
def settings_page():
    db = get_db()
    status = queries.status(db)
    data = {
        "categories": categorizing.list_categories(db),
        "settings": settings.all_settings(db),
        "platforms": known_platforms(db),
        "parsers": status["parsers"],
        "understanding": status["understanding"],
        "tz": settings.timezone(db),
    }
    return render_page("settings.html", data=data, status=status)
