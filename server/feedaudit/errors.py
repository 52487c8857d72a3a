"""One JSON error shape for the whole API: ``{"ok": false, "error": ..., "status": ...}``."""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client can act on; ``details`` lists per-event/per-field problems."""

    def __init__(self, status: int, message: str, details: list[dict] | None = None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_response(status: int, message: str, details: list[dict] | None = None, headers=None):
    body = {"ok": False, "error": message, "status": status}
    if details is not None:
        body["errors"] = details
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _storage_error(exc: sqlite3.Error):
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return error_response(503, "the database is busy; retry in a moment", headers={"Retry-After": "1"})
    if "full" in text:
        return error_response(507, "the disk holding the Feed Audit data dir is full; free some space and retry")
    if "readonly" in text or "read-only" in text:
        return error_response(
            503, "the Feed Audit data dir is read-only; check its permissions and retry", headers={"Retry-After": "30"}
        )
    if "unable to open database file" in text:
        # The file or its directory lost its permissions, or the disk went read-only or away.
        return error_response(503, "the Feed Audit database cannot be opened; check that the data dir is readable "
                                   "and writable, then retry", headers={"Retry-After": "30"})
    if "disk i/o error" in text:
        # SQLite reports ENOSPC as an I/O error when it cannot even open the database
        # (its WAL or shared-memory file cannot be created): tell a full disk apart.
        if _data_dir_free_bytes() < NEARLY_FULL_BYTES:
            return error_response(507, "the disk holding the Feed Audit data dir is full; free some space and retry")
        log.exception("disk I/O error on %s %s", request.method, request.path)
        return error_response(503, "the database could not be read or written (disk I/O error); check the disk "
                                   "holding the Feed Audit data dir and retry", headers={"Retry-After": "30"})
    log.exception("storage error on %s %s", request.method, request.path)
    return error_response(500, "internal storage error; see the server log")


NEARLY_FULL_BYTES = 1024 * 1024  # less than this left, and SQLite cannot grow its WAL or shared-memory file


def _data_dir_free_bytes() -> int:
    try:
        return shutil.disk_usage(current_app.config["DATA_DIR"]).free
    except (OSError, KeyError, TypeError):
        return NEARLY_FULL_BYTES  # unknown: do not claim the disk is full


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        messages = {
            404: "no such endpoint",
            405: f"method {request.method} is not allowed here",
            413: "request body too large",
        }
        return error_response(exc.code or 500, messages.get(exc.code, exc.description or exc.name))

    @app.errorhandler(sqlite3.Error)
    def _sqlite_error(exc: sqlite3.Error):
        return _storage_error(exc)

    @app.errorhandler(OverflowError)
    def _overflow(exc: OverflowError):
        # A number from the request that SQLite cannot hold (e.g. /categories/99999999999999999999):
        # Flask's int converter accepts any length, so this reaches the database.
        return error_response(400, "a number in the request is out of range (at most 2^63 - 1)")

    @app.errorhandler(OSError)
    def _os_error(exc: OSError):
        if exc.errno == errno.ENOSPC:
            return error_response(507, "the disk holding the Feed Audit data dir is full; free some space and retry")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return error_response(503, "the Feed Audit data dir is not writable; check its permissions")
        log.exception("OS error on %s %s", request.method, request.path)
        return error_response(500, "internal error; see the server log")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal error; see the server log")
