"""Request guards: Host check, Origin/CORS policy, bearer token, security headers.

The server holds a person's private browsing, so a web page must not be able
to read or write it:
- DNS rebinding: a hostile page can make its own hostname resolve to
  127.0.0.1; its requests then carry ``Host: evil.example``, which we refuse.
- Cross-site requests: only extension origins get CORS; a foreign ``Origin``
  is refused outright, so even "simple" POSTs that skip the preflight fail.
- Other local programs: every API route but health needs the per-install token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import Flask, current_app, request

from .config import LOOPBACK_HOSTS
from .errors import ApiError

EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension)://[A-Za-z0-9._-]+$")

# Plotly (report charts) adds its CSS rules through the CSSOM to an *empty* <style> element it creates,
# and sets some empty style="" attributes; both directives allow only the empty string (its hash), no CSS.
EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"

CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src 'self'; style-src 'self'; style-src-elem 'self' {EMPTY_STYLE}; "
    f"style-src-attr 'unsafe-hashes' {EMPTY_STYLE}; "
    "img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def split_host(host_header: str) -> tuple[str, int | None]:
    """``'127.0.0.1:7733'`` → ``('127.0.0.1', 7733)``; ``'[::1]:80'`` → ``('::1', 80)``."""
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?|([^:\[\]]+)(?::(\d{1,5}))?", host_header)
    if not match:
        return "", None
    name = (match.group(1) or match.group(3) or "").lower()
    port = match.group(2) or match.group(4)
    return name, int(port) if port else None


def host_is_ours(host_header: str) -> bool:
    name, port = split_host(host_header)
    allowed = current_app.config.get("ALLOWED_HOSTS") or LOOPBACK_HOSTS
    if name not in allowed:
        return False
    expected_port = current_app.config.get("PORT")
    return expected_port is None or (port or 80) == expected_port


def is_extension_origin(origin: str) -> bool:
    pinned = current_app.config.get("EXTENSION_ORIGINS")
    if pinned:
        return origin in pinned
    return bool(EXTENSION_ORIGIN.match(origin))


def _origin_is_ours(origin: str) -> bool:
    match = re.fullmatch(r"https?://(.+)", origin)
    return bool(match) and host_is_ours(match.group(1))


def check_host_and_origin():
    """Refuse foreign Host headers and foreign Origins; answer extension preflights."""
    if not host_is_ours(request.host or ""):
        raise ApiError(
            403,
            f"Host '{request.host}' is not this Feed Audit server; open it at its loopback address "
            "(e.g. http://127.0.0.1:7733/)",
        )
    origin = request.headers.get("Origin")
    if origin is not None and not (is_extension_origin(origin) or _origin_is_ours(origin)):
        raise ApiError(403, f"requests from origin '{origin}' are not allowed")
    if request.method == "OPTIONS" and origin is not None:
        return current_app.response_class(status=204)
    return None


def require_token():
    """Bearer-token check for API routes (constant-time compare)."""
    header = request.headers.get("Authorization", "")
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        raise ApiError(401, "missing token: send 'Authorization: Bearer <token>' (run 'feedaudit token')")
    expected = current_app.config["TOKEN"]
    if not hmac.compare_digest(supplied.strip().encode(), expected.encode()):
        raise ApiError(401, "wrong token: pair the extension again with the token from 'feedaudit token'")


PAGE_TOKEN_HEADER = "X-CSRF-Token"


def page_token() -> str:
    """The CSRF token the report pages send as ``X-CSRF-Token`` instead of the bearer token.

    Derived from a secret made fresh at each start, so it is only ever known to
    pages this process served; a cross-site page cannot read it (no CORS) nor
    send the custom header (the preflight is refused).
    """
    secret = current_app.config.setdefault("PAGE_SECRET", secrets.token_hex(32))
    return hmac.new(secret.encode(), b"feedaudit-page", hashlib.sha256).hexdigest()


def has_page_token() -> bool:
    supplied = request.headers.get(PAGE_TOKEN_HEADER, "")
    return bool(supplied) and hmac.compare_digest(supplied.encode(), page_token().encode())


def require_json_body():
    """Writes must be JSON: browsers cannot send that cross-site without a preflight we refuse."""
    has_body = request.method in ("POST", "PUT", "PATCH") or (request.method == "DELETE" and request.content_length)
    if has_body and request.mimetype != "application/json":
        raise ApiError(415, f"Content-Type must be application/json, not '{request.mimetype or 'none'}'")


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    origin = request.headers.get("Origin")
    if origin and is_extension_origin(origin):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        headers["Access-Control-Max-Age"] = "600"
    headers.add("Vary", "Origin")
    return response


PUBLIC_API_PATHS = {"/api/v1/health"}


def guard_api():
    """Every /api route but health needs the token (or a report page's CSRF token); writes must be JSON."""
    if not request.path.startswith("/api/") or request.method == "OPTIONS":
        return
    if request.path not in PUBLIC_API_PATHS and not has_page_token():
        require_token()
    require_json_body()


def install(app: Flask) -> None:
    app.before_request(check_host_and_origin)
    app.before_request(guard_api)
    app.after_request(add_security_headers)
