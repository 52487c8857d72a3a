"""The editable taxonomy, item corrections, and categorizing stored items (no Flask here).

Every item is categorized under a *signature*: a hash of the taxonomy (names
and descriptions), the corrections, the embedding model and the scoring
version. Any edit changes the signature, so the background job re-categorizes
everything in bulk without bookkeeping; nothing is ever categorized against a
stale taxonomy. Scores come from category descriptions and example titles, the
item's context (title keywords, its source's name; see
:mod:`feedaudit.understanding.category_hints`) plus a correction layer
learned from the person's corrected items (see
:mod:`feedaudit.understanding.categories`); a corrected item keeps its
corrected category.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import sqlite_utils

from .enrichment import PARSED, embedding_text, ensure_vectors, stored_vectors
from .storage import write_transaction
from .understanding import categories as zero_shot
from .understanding import category_hints
from .understanding.embedder import Embedder

MAX_NAME = 60
MAX_DESCRIPTION = 500
# Part of the signature: bump when scoring changes so stored items are re-categorized once.
SCORING_VERSION = "3: descriptions + example titles, title keywords and source context, + corrections"
# Learned prototypes of recent signatures: refitting the corrections for every chunk would waste time.
_PROTOTYPE_CACHE: dict[str, zero_shot.Prototypes] = {}
_PROTOTYPE_CACHE_SIZE = 4


class CategoryError(ValueError):
    """A taxonomy edit or correction that cannot be applied; the message says why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def list_categories(db: sqlite_utils.Database) -> list[dict]:
    """The taxonomy in order, with items per category (counted by triggers, migration v8) and corrections."""
    return list(db.query(
        "SELECT c.id, c.name, c.description, c.position,"
        " coalesce((SELECT n.count FROM rollup_category_counts n WHERE n.category_id = c.id), 0) AS items,"
        " (SELECT count(*) FROM category_corrections k WHERE k.category_id = c.id) AS corrections"
        " FROM categories c ORDER BY c.position, c.id"
    ))


def _clean(name, description) -> tuple[str | None, str | None]:
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            raise CategoryError(f"name must be a non-empty string of at most {MAX_NAME} characters")
        if name.strip().lower() == "other":
            raise CategoryError("'Other' is reserved for items that fit no category")
        name = name.strip()
    if description is not None:
        if not isinstance(description, str) or not description.strip() or len(description) > MAX_DESCRIPTION:
            raise CategoryError(f"description must be a non-empty string of at most {MAX_DESCRIPTION} characters")
        description = description.strip()
    return name, description


def _name_taken(db, name: str, except_id: int | None = None) -> bool:
    row = db.execute("SELECT id FROM categories WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
    return row is not None and row[0] != except_id


def create_category(db: sqlite_utils.Database, name, description) -> dict:
    name, description = _clean(name, description)
    if name is None or description is None:
        raise CategoryError("a category needs a name and a description")
    with write_transaction(db):
        if _name_taken(db, name):
            raise CategoryError(f"a category named {name!r} already exists", 409)
        position = db.execute("SELECT coalesce(max(position), -1) + 1 FROM categories").fetchone()[0]
        cursor = db.execute("INSERT INTO categories (name, description, position) VALUES (?, ?, ?)", (name, description, position))
    return get_category(db, cursor.lastrowid)


def get_category(db: sqlite_utils.Database, category_id: int) -> dict:
    rows = [c for c in list_categories(db) if c["id"] == category_id]
    if not rows:
        raise CategoryError(f"no category with id {category_id}", 404)
    return rows[0]


def update_category(db: sqlite_utils.Database, category_id: int, name=None, description=None) -> dict:
    name, description = _clean(name, description)
    get_category(db, category_id)
    with write_transaction(db):
        if name is not None:
            if _name_taken(db, name, except_id=category_id):
                raise CategoryError(f"a category named {name!r} already exists", 409)
            db.execute("UPDATE categories SET name = ? WHERE id = ?", (name, category_id))
        if description is not None:
            db.execute("UPDATE categories SET description = ? WHERE id = ?", (description, category_id))
    return get_category(db, category_id)


def delete_category(db: sqlite_utils.Database, category_id: int) -> None:
    """Remove a category; its items are re-categorized among the rest (corrections to it are dropped)."""
    get_category(db, category_id)
    with write_transaction(db):
        db.execute("DELETE FROM categories WHERE id = ?", (category_id,))
        db.execute("UPDATE items SET category_id = NULL, category_source = NULL WHERE category_id = ?", (category_id,))
        db.execute("UPDATE items SET category2_id = NULL WHERE category2_id = ?", (category_id,))


def correct_item(db: sqlite_utils.Database, item_key: str, category_id: int | None) -> dict:
    """Record the person's category for an item (None removes the correction)."""
    if db.execute("SELECT 1 FROM items WHERE key = ?", (item_key,)).fetchone() is None:
        raise CategoryError(f"no item with key {item_key!r}", 404)
    with write_transaction(db):
        if category_id is None:
            db.execute("DELETE FROM category_corrections WHERE item_key = ?", (item_key,))
        else:
            if db.execute("SELECT 1 FROM categories WHERE id = ?", (category_id,)).fetchone() is None:
                raise CategoryError(f"no category with id {category_id}", 404)
            db.execute(
                "INSERT INTO category_corrections (item_key, category_id, ts) VALUES (?, ?, ?)"
                " ON CONFLICT (item_key) DO UPDATE SET category_id = excluded.category_id, ts = excluded.ts",
                (item_key, category_id, int(time.time() * 1000)),
            )
            db.execute("UPDATE items SET category_id = ?, category_source = 'corrected' WHERE key = ?", (category_id, item_key))
    return {"key": item_key, "category_id": category_id}


def current_signature(db: sqlite_utils.Database, model_id: str) -> str:
    digest = hashlib.sha1(model_id.encode())
    digest.update(SCORING_VERSION.encode())
    digest.update(category_hints.hints_digest().encode())
    for row in db.execute("SELECT id, name, description FROM categories ORDER BY id"):
        digest.update(repr(row).encode())
    for row in db.execute("SELECT item_key, category_id FROM category_corrections ORDER BY item_key"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _prototypes(db: sqlite_utils.Database, embedder: Embedder, cats: list[dict]) -> zero_shot.Prototypes:
    taxonomy = [(c["name"], c["description"]) for c in cats]
    index_of = {c["id"]: i for i, c in enumerate(cats)}
    corrected = [(index_of[c], h, embedding_text(title, text) or "", category_hints.item_source(platform, author, url))
                 for c, h, title, text, platform, author, url in db.execute(
        "SELECT k.category_id, i.text_hash, i.title, i.text, i.platform, i.author, i.url FROM category_corrections k"
        " JOIN items i ON i.key = k.item_key"
        " WHERE i.text_hash IS NOT NULL AND i.embedding_model = ? ORDER BY k.item_key", (embedder.model_id,)
    ) if c in index_of]
    key = hashlib.sha1(repr((embedder.model_id, SCORING_VERSION, category_hints.hints_digest(),
                             taxonomy, corrected)).encode()).hexdigest()
    if key not in _PROTOTYPE_CACHE:
        _PROTOTYPE_CACHE[key] = _fit_prototypes(db, embedder, taxonomy, corrected)
        while len(_PROTOTYPE_CACHE) > _PROTOTYPE_CACHE_SIZE:
            _PROTOTYPE_CACHE.pop(next(iter(_PROTOTYPE_CACHE)))
    return _PROTOTYPE_CACHE[key]


def _fit_prototypes(db, embedder: Embedder, taxonomy: list[tuple[str, str]],
                    corrected: list[tuple[int, str, str, str]]) -> zero_shot.Prototypes:
    description_vectors = zero_shot.description_vectors(taxonomy, lambda texts: ensure_vectors(db, embedder, texts)[1])
    vectors = stored_vectors(db, sorted({h for _, h, _, _ in corrected}), embedder.model_id)
    examples = [(label, vectors[h], title, source) for label, h, title, source in corrected if h in vectors]
    if not examples:
        return zero_shot.build_prototypes(description_vectors)
    context = _context(db, embedder, [name for name, _ in taxonomy], description_vectors,
                       [title for _, _, title, _ in examples], [source for _, _, _, source in examples])
    return zero_shot.build_prototypes(description_vectors, np.stack([v for _, v, _, _ in examples]),
                                      [label for label, _, _, _ in examples], example_context=context)


def _context(db, embedder: Embedder, names: list[str], centroids: np.ndarray,
             titles: list[str], sources: list[str]) -> np.ndarray:
    """Context scores of items; each distinct source name is embedded once and stored like any text."""
    distinct = sorted({source for source in sources if source})
    source_vectors = None
    if distinct:
        _, matrix = ensure_vectors(db, embedder, distinct)
        row_of = {source: row for row, source in enumerate(distinct)}
        source_vectors = np.stack([matrix[row_of[s]] if s else np.zeros(matrix.shape[1], np.float32) for s in sources])
    return category_hints.context_scores(names, centroids, titles, sources, source_vectors)


def categorize_pending(db: sqlite_utils.Database, embedder: Embedder, limit: int = 5000) -> int:
    """Categorize up to ``limit`` embedded items not yet categorized under the current signature."""
    signature = current_signature(db, embedder.model_id)
    rows = db.execute(
        f"SELECT i.key, i.text_hash, k.category_id, i.title, i.text, i.platform, i.author, i.url"
        f" FROM items i LEFT JOIN category_corrections k ON k.item_key = i.key"
        f" WHERE i.parse_status IN {PARSED} AND i.embedding_model = ? AND i.categorized_signature IS NOT ? LIMIT ?",
        (embedder.model_id, signature, limit),
    ).fetchall()
    if not rows:
        return 0
    cats = list_categories(db)
    updates = []
    with_vectors = [r for r in rows if r[1] is not None]
    if cats and with_vectors:
        prototypes = _prototypes(db, embedder, cats)
        vectors = stored_vectors(db, sorted({r[1] for r in with_vectors}), embedder.model_id)
        matrix = np.stack([vectors[r[1]] for r in with_vectors])
        context = _context(db, embedder, [c["name"] for c in cats], prototypes.centroids,
                           [embedding_text(r[3], r[4]) or "" for r in with_vectors],
                           [category_hints.item_source(r[5], r[6], r[7]) for r in with_vectors])
        best, second, margin, similarity = zero_shot.assign(matrix, prototypes, context=context)
        for (key, _, corrected, *_), b, s, m, sim in zip(with_vectors, best, second, margin, similarity):
            category = corrected if corrected is not None else (cats[b]["id"] if b >= 0 else None)
            updates.append((category, cats[s]["id"] if s >= 0 else None, float(m), float(sim),
                            "corrected" if corrected is not None else "auto", signature, key))
    for key, text_hash, corrected, *_ in rows:
        if text_hash is None or not cats:
            updates.append((corrected, None, None, None, "corrected" if corrected is not None else "auto", signature, key))
    with write_transaction(db):
        db.conn.executemany(
            "UPDATE items SET category_id = ?, category2_id = ?, category_margin = ?, category_similarity = ?,"
            " category_source = ?, categorized_signature = ? WHERE key = ?",
            updates,
        )
    return len(rows)
