"""The report's figure pages: overview, topics, sources, the game, map.

Every page takes the period as ``?week=YYYY-Www`` or ``?from=YYYY-MM-DD&to=YYYY-MM-DD``
(default: this ISO week in the configured time zone) and renders figures that
:mod:`feedaudit.report` computed; a bad parameter gets a 400 page saying what to send.
"""

from __future__ import annotations

import functools
import re

from flask import Blueprint, request

from .. import queries, report, rollups, settings
from .common import get_db
from .pages import PLOTLY_DIR
from .pages import render_page as render_layout

bp = Blueprint("report_pages", __name__)

# Plotly's bundle injects the CSS of its (unused) map library as an inline <style>, which the CSP
# refuses, unless an element with that id exists already; the pages put inert placeholders there.
PLOTLY_STYLE_ID = re.compile(r'if\(!document\.getElementById\("([0-9a-f]{32,64})"\)\)\{var \w+=document\.createElement\("style"\)')


@functools.cache
def plotly_style_placeholders() -> tuple[str, ...]:
    return tuple(PLOTLY_STYLE_ID.findall((PLOTLY_DIR / "plotly.min.js").read_text(encoding="utf-8")))


def render_page(template: str, **context):
    return render_layout(template, plotly_style_ids=plotly_style_placeholders(), **context)


def _page(template: str, build, week_only: bool = False, empty_template: str | None = None):
    """Render a figure page for the requested period; 400 page on a bad period; ``empty_template`` when nothing
    has been recorded at all."""
    db = get_db()
    tz = settings.timezone(db)
    try:
        period = report.resolve_period(request.args, tz, report.today_in(tz))
        if week_only and not period.week:
            raise report.ReportError("the overview shows one ISO week: use ?week=2026-W03")
    except report.ReportError as exc:
        return render_page("report/bad_period.html", message=str(exc), path=request.path), 400
    status = report.data_status(db, period)
    if empty_template and not status["any_data"]:
        return render_page(empty_template, status=queries.status(db))
    with rollups.reused_reads(db):  # a page reads the same week's rollups from several figures
        page = build(db, period) if status["has_data"] else None
    return render_page(template, period=period.describe(), data=status, page=page, path=request.path)


@bp.get("/favicon.ico")
def favicon():
    """No icon: an empty answer, so browsers do not log a failed request on every page."""
    return "", 204


@bp.get("/")
def overview():
    """This week: time in feeds, exposure and attention, diversity, drift, sponsored, clickbait, the finding."""
    return _page("overview.html", report.overview, week_only=True, empty_template="report/empty.html")


@bp.get("/topics")
def topics():
    return _page("topics.html", report.topics)


@bp.get("/sources")
def sources():
    return _page("sources.html", report.sources)


@bp.get("/game")
def game():
    return _page("game.html", report.game)


@bp.get("/map")
def item_map():
    return _page("map.html", report.item_map)
