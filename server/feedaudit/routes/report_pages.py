"""The report's figure pages: overview, topics, sources, the game, map."""

from __future__ import annotations

from flask import Blueprint

from .. import queries
from .common import get_db
from .pages import render_page

bp = Blueprint("report_pages", __name__)


@bp.get("/")
def overview():
    return render_page("home.html", status=queries.status(get_db()))
