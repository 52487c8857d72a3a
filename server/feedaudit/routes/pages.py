"""What every report page shares: the layout's navigation, the page CSRF token, and vendored chart JS.

Page routes live in report_pages.py (figures), manage_pages.py (explorer,
intentions, settings) and exports.py. Pages render server-computed figures;
their small ES modules (static/js/) draw charts and call /api/v1 with the
page's CSRF token (see security.page_token).
"""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, render_template, send_from_directory

from .. import security, settings
from .common import get_db

bp = Blueprint("pages", __name__)

# (path, label): the navigation bar, in reading order.
NAV = [
    ("/", "Overview"),
    ("/topics", "Topics"),
    ("/sources", "Sources"),
    ("/game", "The game"),
    ("/explorer", "Feed explorer"),
    ("/intentions", "Intentions"),
    ("/map", "Map"),
    ("/exports", "Exports"),
    ("/settings", "Settings"),
]

PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"


def render_page(template: str, **context) -> str:
    """Render a report page with what the layout needs (nav, CSRF token, simulated-data banner)."""
    db = get_db()
    context.setdefault("simulated", bool(settings.get(db, "demo_data")))
    return render_template(template, nav=NAV, csrf_token=security.page_token(), **context)


@bp.get("/vendor/plotly.min.js")
def plotly_js():
    """Plotly's JS from the installed Python package: the pages never touch a CDN."""
    return send_from_directory(PLOTLY_DIR, "plotly.min.js", mimetype="text/javascript", max_age=86_400)
