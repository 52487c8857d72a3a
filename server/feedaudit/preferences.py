"""What the person says they want: intentions per category and item ratings (no Flask here)."""

from __future__ import annotations

import time

import sqlite_utils

from .storage import write_transaction

INTENTION_KINDS = {
    "at_most": "at most this share",
    "at_least": "at least this share",
    "exactly": "this share",
    "more": "more than now",
    "less": "less than now",
}
RATINGS = {"valued": 1, "regretted": -1}
MAX_NOTE = 2000


class PreferenceError(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _now_ms() -> int:
    return int(time.time() * 1000)


def list_intentions(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query(
        "SELECT n.category_id, c.name AS category, n.kind, n.value, n.ts FROM intentions n"
        " JOIN categories c ON c.id = n.category_id ORDER BY c.position"
    ))


def set_intention(db: sqlite_utils.Database, category_id, kind, value=None) -> dict:
    """State a wish for a category: at_most/at_least/exactly a share in [0, 1], or more/less."""
    if not isinstance(category_id, int) or isinstance(category_id, bool):
        raise PreferenceError("'category_id' must be an integer")
    if not isinstance(kind, str) or kind not in INTENTION_KINDS:
        raise PreferenceError(f"'kind' must be one of {sorted(INTENTION_KINDS)}")
    if kind in ("more", "less"):
        value = None
    elif not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise PreferenceError(f"'value' must be a share between 0 and 1 for kind {kind!r}")
    with write_transaction(db):
        if db.execute("SELECT 1 FROM categories WHERE id = ?", (category_id,)).fetchone() is None:
            raise PreferenceError(f"no category with id {category_id}", 404)
        db.execute(
            "INSERT INTO intentions (category_id, kind, value, ts) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (category_id) DO UPDATE SET kind = excluded.kind, value = excluded.value, ts = excluded.ts",
            (category_id, kind, None if value is None else float(value), _now_ms()),
        )
    return next(i for i in list_intentions(db) if i["category_id"] == category_id)


def clear_intention(db: sqlite_utils.Database, category_id: int) -> bool:
    with write_transaction(db):
        return db.execute("DELETE FROM intentions WHERE category_id = ?", (category_id,)).rowcount > 0


def rate_item(db: sqlite_utils.Database, item_key, rating, note=None) -> dict:
    """Rate an item 'valued' or 'regretted' (None removes the rating), with an optional note."""
    if not isinstance(item_key, str) or not item_key:
        raise PreferenceError("'item_key' must be the item's key (a string)")
    if rating is not None and rating not in RATINGS:
        raise PreferenceError(f"'rating' must be one of {sorted(RATINGS)} or null")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise PreferenceError(f"'note' must be a string of at most {MAX_NOTE} characters")
    with write_transaction(db):
        if db.execute("SELECT 1 FROM items WHERE key = ?", (item_key,)).fetchone() is None:
            raise PreferenceError(f"no item with key {item_key!r}", 404)
        if rating is None:
            db.execute("DELETE FROM ratings WHERE item_key = ?", (item_key,))
        else:
            db.execute(
                "INSERT INTO ratings (item_key, rating, note, ts) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (item_key) DO UPDATE SET rating = excluded.rating, note = excluded.note, ts = excluded.ts",
                (item_key, RATINGS[rating], note, _now_ms()),
            )
    return {"item_key": item_key, "rating": rating, "note": note if rating else None}


def list_ratings(db: sqlite_utils.Database) -> list[dict]:
    rows = list(db.query(
        "SELECT r.item_key, r.rating, r.note, r.ts, i.title, i.platform FROM ratings r"
        " LEFT JOIN items i ON i.key = r.item_key ORDER BY r.ts DESC"
    ))
    names = {v: k for k, v in RATINGS.items()}
    for row in rows:
        row["rating"] = names[row["rating"]]
    return rows
