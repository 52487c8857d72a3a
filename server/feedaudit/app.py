"""The Flask application factory."""

from __future__ import annotations

import gc

from flask import Flask

from . import security, storage
from .config import db_path, load_or_create_token, resolve_data_dir
from .errors import register_error_handlers
from .ingest import MAX_BATCH_BYTES
from .routes import api, audit, explorer, exports, manage_pages, pages, report_pages, understanding
from .routes.common import close_db


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Config keys: DATA_DIR, PORT (for the Host check), ALLOWED_HOSTS,
    EXTENSION_ORIGINS (pin exact extension origins), TOKEN (else read/created in DATA_DIR)."""
    app = Flask(__name__)
    app.config.from_mapping(
        DATA_DIR=None,
        PORT=None,
        ALLOWED_HOSTS=None,
        EXTENSION_ORIGINS=None,
        MAX_CONTENT_LENGTH=MAX_BATCH_BYTES,
    )
    if test_config:
        app.config.update(test_config)
    data_dir = resolve_data_dir(app.config["DATA_DIR"])
    app.config["DATA_DIR"] = str(data_dir)
    app.config["DATABASE"] = str(db_path(data_dir))
    if not app.config.get("TOKEN"):
        app.config["TOKEN"] = load_or_create_token(data_dir)
    storage.connect(app.config["DATABASE"]).close()  # create or migrate before the first request

    security.install(app)
    register_error_handlers(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(understanding.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(report_pages.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(explorer.bp)
    app.register_blueprint(manage_pages.bp)
    app.teardown_appcontext(close_db)
    # Everything built so far (modules, numpy, Flask) lives as long as the process: keep it out of the cyclic
    # collector, whose full passes over it cost ~35 ms and landed inside random requests (p95 spikes).
    gc.freeze()
    return app
