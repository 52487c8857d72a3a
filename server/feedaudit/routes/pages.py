"""HTML pages served at the root (the report grows here)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import queries, settings
from .common import get_db

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    db = get_db()
    return render_template("home.html", status=queries.status(db), simulated=settings.get(db, "demo_data"))
