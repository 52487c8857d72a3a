"""One JSON error shape for the whole API: ``{"ok": false, "error": ..., "status": ...}``."""

from __future__ import annotations

import errno
import logging
import sqlite3

from flask import Flask, jsonify, request
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
    log.exception("storage error on %s %s", request.method, request.path)
    return error_response(500, "internal storage error; see the server log")


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
