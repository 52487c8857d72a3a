"""Understanding parsed items: embeddings, clickbait scores, categories (no Flask here).

Stages, each run by the background job on a bounded chunk and by
``feedaudit process`` over everything pending:

1. ``embed_pending``: items whose text has no vector under the configured
   model get one. The text embedded is the title, or the body (tweets) where
   there is no title. Vectors are stored once per (content hash, model), so an
   item seen again, or two items with the same text, cost nothing; changing
   the model re-embeds instead of mixing vector spaces.
2. ``score_clickbait_pending``: titles get a clickbait score and reason. The
   committed model was trained on all-MiniLM-L6-v2 vectors, so it always uses
   the bundled model's vectors (shared with stage 1 under the default model).
3. ``categorize_pending``: see :mod:`feedaudit.categorizing`.

Model inference runs outside write transactions; each chunk's writes take
one short transaction.
"""

from __future__ import annotations

import numpy as np
import sqlite_utils

from .storage import write_transaction
from .understanding.embedder import BUNDLED_MODEL_ID, Embedder, content_hash, pack_vector, unpack_vector

CHUNK = 512
BODY_CHARS = 500
PARSED = "('parsed', 'partial')"


def embedding_text(title: str | None, text: str | None) -> str | None:
    """What an item is embedded as: its title, else the start of its body, else nothing."""
    if title and title.strip():
        return title.strip()
    if text and text.strip():
        return text.strip()[:BODY_CHARS]
    return None


def stored_vectors(db: sqlite_utils.Database, hashes: list[str], model_id: str) -> dict[str, np.ndarray]:
    """The stored float32 vectors of ``hashes`` under ``model_id`` (hashes without one are left out)."""
    found_hashes: list[str] = []
    blobs: list[bytes] = []
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for text_hash, blob in db.execute(
            f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})", [model_id, *chunk]
        ):
            found_hashes.append(text_hash)
            blobs.append(blob)
    if blobs and len({len(blob) for blob in blobs}) == 1:
        # One decode for all rows (per-row decoding cost ~70 µs, most of a week's map).
        matrix = unpack_vector(b"".join(blobs)).reshape(len(blobs), -1)
        return dict(zip(found_hashes, matrix))
    return {text_hash: unpack_vector(blob) for text_hash, blob in zip(found_hashes, blobs)}


def stored_hashes(db: sqlite_utils.Database, hashes: list[str], model_id: str) -> set[str]:
    """Which of ``hashes`` already have a vector under ``model_id`` (without reading the vectors)."""
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(h for (h,) in db.execute(
            f"SELECT text_hash FROM embeddings WHERE model = ? AND text_hash IN ({marks})", [model_id, *chunk]))
    return found


def ensure_vectors(db: sqlite_utils.Database, embedder: Embedder, texts: list[str],
                   with_matrix: bool = True) -> tuple[list[str], np.ndarray | None]:
    """(hashes, matrix) for texts: stored vectors are reused, the missing distinct texts are encoded and stored.

    ``with_matrix=False`` only makes sure the vectors exist (no matrix is read or returned).
    """
    hashes = [content_hash(t) for t in texts]
    if with_matrix:
        vectors = stored_vectors(db, sorted(set(hashes)), embedder.model_id)
    else:
        vectors = dict.fromkeys(stored_hashes(db, sorted(set(hashes)), embedder.model_id))
    missing = {h: t for h, t in zip(hashes, texts) if h not in vectors}
    if missing:
        encoded = embedder.encode(list(missing.values()))
        with write_transaction(db):
            db.conn.executemany(
                "INSERT OR IGNORE INTO embeddings (text_hash, model, vector) VALUES (?, ?, ?)",
                [(h, embedder.model_id, pack_vector(v)) for h, v in zip(missing, encoded)],
            )
        # Read back through the same float16 round trip so every consumer sees identical values.
        vectors.update({h: unpack_vector(pack_vector(v)) for h, v in zip(missing, encoded)})
    if not with_matrix:
        return hashes, None
    matrix = np.stack([vectors[h] for h in hashes]) if hashes else np.zeros((0, 0), dtype=np.float32)
    return hashes, matrix


def embed_pending(db: sqlite_utils.Database, embedder: Embedder, limit: int = CHUNK) -> int:
    """Embed up to ``limit`` parsed items not yet embedded with ``embedder``'s model; return how many."""
    rows = db.execute(
        f"SELECT key, title, text FROM items WHERE parse_status IN {PARSED}"
        " AND embedding_model IS NOT ? LIMIT ?",
        (embedder.model_id, limit),
    ).fetchall()
    if not rows:
        return 0
    with_text = [(key, embedding_text(title, text)) for key, title, text in rows]
    keyed = [(key, t) for key, t in with_text if t is not None]
    hashes, _ = ensure_vectors(db, embedder, [t for _, t in keyed], with_matrix=False) if keyed else ([], None)
    hash_of = dict(zip([k for k, _ in keyed], hashes))
    with write_transaction(db):
        db.conn.executemany(
            "UPDATE items SET text_hash = ?, embedding_model = ? WHERE key = ?",
            [(hash_of.get(key), embedder.model_id, key) for key, _ in with_text],
        )
    return len(rows)


def score_clickbait_pending(db: sqlite_utils.Database, embedder: Embedder, limit: int = CHUNK) -> int:
    """Score up to ``limit`` titled items that have no clickbait score yet; return how many."""
    rows = db.execute(
        f"SELECT key, title FROM items WHERE parse_status IN {PARSED} AND clickbait IS NULL"
        " AND title IS NOT NULL AND trim(title) != '' LIMIT ?",
        (limit,),
    ).fetchall()
    if not rows:
        return 0
    from .understanding import clickbait  # scikit-learn is slow to import: only when there is work

    titles = [title.strip() for _, title in rows]
    bundled = embedder if embedder.model_id == BUNDLED_MODEL_ID else bundled_embedder()
    _, matrix = ensure_vectors(db, bundled, titles)
    scores = clickbait.score(titles, matrix)
    with write_transaction(db):
        db.conn.executemany(
            "UPDATE items SET clickbait = ?, clickbait_reason = ? WHERE key = ?",
            [(round(float(s), 4), reason, key) for (key, _), (s, reason) in zip(rows, scores)],
        )
    return len(rows)


_bundled: Embedder | None = None


def bundled_embedder() -> Embedder:
    global _bundled
    if _bundled is None:
        _bundled = Embedder(None)
    return _bundled


STAGES = ("embed", "clickbait", "categorize")


def run_stages_once(db: sqlite_utils.Database, embedder: Embedder, limit: int = CHUNK) -> int:
    """One chunk of each stage; returns the number of items touched (0: nothing pending)."""
    from .categorizing import categorize_pending

    return (embed_pending(db, embedder, limit) + score_clickbait_pending(db, embedder, limit)
            + categorize_pending(db, embedder, limit))


def configured_model_id(db: sqlite_utils.Database) -> str:
    from . import settings

    return Embedder(settings.get(db, "embedding_model")).model_id


def pending_counts(db: sqlite_utils.Database, model_id: str) -> dict[str, int]:
    """How many items each stage still has to do under the model ``model_id``."""
    from .categorizing import current_signature

    count = lambda sql, params=(): db.execute(sql, params).fetchone()[0]  # noqa: E731
    return {
        "embed": count(_not_equal_count("embedding_model"), {"value": model_id}),
        "clickbait": count(f"SELECT count(*) FROM items WHERE parse_status IN {PARSED} AND clickbait IS NULL"
                           " AND title IS NOT NULL AND trim(title) != ''"),
        "categorize": count(_not_equal_count("categorized_signature"), {"value": current_signature(db, model_id)}),
    }


def _not_equal_count(column: str) -> str:
    """Count parsed items whose ``column`` IS NOT :value as three index range scans (NULL, below, above):
    the cost is the number pending, not the number of items (partial indexes of migration v5)."""
    parts = [f"(SELECT count(*) FROM items WHERE parse_status IN {PARSED} AND {column} {test})"
             for test in ("IS NULL", "< :value", "> :value")]
    return "SELECT " + " + ".join(parts)
