"""Where Feed Audit keeps its files, and the per-install token.

The data dir holds the SQLite database, the token and (later) exports. It is the
user data dir of the platform unless ``--data-dir`` or ``FEEDAUDIT_DATA_DIR``
says otherwise.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import platformdirs

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7733
DB_FILENAME = "feedaudit.db"
TOKEN_FILENAME = "token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data dir: the explicit argument, else $FEEDAUDIT_DATA_DIR, else the user data dir."""
    chosen = explicit or os.environ.get("FEEDAUDIT_DATA_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir("feedaudit", appauthor=False))
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def db_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def load_or_create_token(data_dir: Path) -> str:
    """Return the install's token, creating it (mode 0600) on first use.

    O_EXCL makes two processes starting at once agree on a single token.
    """
    path = Path(data_dir) / TOKEN_FILENAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="ascii").strip()
        if token:
            return token
        # An empty file is a crash between create and write: start over.
        path.unlink()
        return load_or_create_token(data_dir)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return token


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")
