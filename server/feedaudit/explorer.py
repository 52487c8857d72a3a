"""The feed explorer: every item seen, searched and filtered, with its figures and similar items (no Flask here).

Figures per item (over its impressions in the date range, or all of them
without one):

- ``impressions``: how many times a feed showed it;
- ``dwell_ms``: total time it was at least half on screen, summed over those impressions;
- ``clicks``: clicks on those impressions;
- ``best_rank`` / ``mean_rank``: the smallest and the mean feed position (1 = top);
- ``first_seen_ts`` / ``last_seen_ts``: the first and the last of those impressions
  (``first_seen`` / ``last_seen``: the same in the person's time zone, "YYYY-MM-DD HH:MM").

Search is a case-insensitive substring match (SQLite LIKE) over title, text
and author. Items are listed newest sighting first. Without a date range
both scan the whole items table: on 200,000 items that is seconds, not
milliseconds (an index on the sort key and FTS5 need a schema migration).

Similar items are nearest neighbours by cosine similarity of the stored
(unit-length) embeddings. The vectors of every embedded item are held in one
float32 matrix per process, rebuilt when the model or the number of embedded
items changes, so a query costs one matrix-vector product.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import numpy as np
import sqlite_utils

from .enrichment import configured_model_id

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_QUERY = 200
MAX_SIMILAR = 50
TEXT_PREVIEW = 280
CLICKBAIT_HIGH = 0.5
RATED_FILTERS = ("valued", "regretted", "unrated")
CLICKBAIT_FILTERS = ("high", "low")
CATEGORY_OTHER = "other"
CATEGORY_UNCATEGORIZED = "uncategorized"
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RATING_NAMES = {1: "valued", -1: "regretted"}


class ExplorerError(ValueError):
    """A query the explorer cannot answer; the message names the parameter and what to send."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class Filters:
    """One explorer query. ``from_ms``/``to_ms`` bound the impressions counted: [from_ms, to_ms)."""

    q: str | None = None
    platform: str | None = None
    category: int | str | None = None  # a category id, "other" or "uncategorized"
    from_ms: int | None = None
    to_ms: int | None = None
    sponsored: bool | None = None
    clickbait: str | None = None  # "high" (score >= 0.5) or "low"
    rated: str | None = None  # "valued", "regretted" or "unrated"
    page: int = 1
    per_page: int = PAGE_SIZE


# --- parameter parsing (shared by the API and the page) ---

def parse_bound(name: str, raw: str | None, tz: str, *, end: bool = False) -> int | None:
    """A date bound as ms: integer ms, or an ISO date in ``tz`` (as ``to``, the whole day is included)."""
    if raw is None or raw == "":
        return None
    if raw.lstrip("-").isdecimal():
        value = int(raw)
        if not 0 <= value <= 2**53:
            raise ExplorerError(f"query parameter '{name}' is out of range")
        return value
    if not DATE_PATTERN.match(raw):
        raise ExplorerError(f"query parameter '{name}' must be a date such as 2026-01-05 or ms since the epoch, not {raw!r}")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ExplorerError(f"query parameter '{name}' is not a real date: {raw!r}") from None
    if end:
        day += dt.timedelta(days=1)
    return int(dt.datetime.combine(day, dt.time(), ZoneInfo(tz)).timestamp() * 1000)


def parse_choice(name: str, raw: str | None, choices: tuple[str, ...]) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise ExplorerError(f"query parameter '{name}' must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def parse_yes_no(name: str, raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    raise ExplorerError(f"query parameter '{name}' must be true or false, not {raw!r}")


def parse_category(raw: str | None) -> int | str | None:
    if raw is None or raw == "":
        return None
    if raw in (CATEGORY_OTHER, CATEGORY_UNCATEGORIZED):
        return raw
    if raw.isdecimal() and len(raw) < 10:
        return int(raw)
    raise ExplorerError(f"query parameter 'category' must be a category id, '{CATEGORY_OTHER}' or "
                        f"'{CATEGORY_UNCATEGORIZED}', not {raw!r}")


def parse_query(raw: str | None) -> str | None:
    text = " ".join((raw or "").split())
    if len(text) > MAX_QUERY:
        raise ExplorerError(f"query parameter 'q' must be at most {MAX_QUERY} characters")
    return text or None


# --- the listing ---

def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _item_conditions(filters: Filters) -> tuple[list[str], list]:
    """WHERE clauses on items ``it`` (and ratings ``r``) for everything but the date range."""
    where, params = [], []
    if filters.q:
        where.append("(it.title LIKE ? ESCAPE '\\' OR it.text LIKE ? ESCAPE '\\' OR it.author LIKE ? ESCAPE '\\')")
        params += [_like_pattern(filters.q)] * 3
    if filters.platform:
        where.append("it.platform = ?")
        params.append(filters.platform)
    if filters.category == CATEGORY_OTHER:
        where.append("it.category_id IS NULL AND it.category_source IS NOT NULL")
    elif filters.category == CATEGORY_UNCATEGORIZED:
        where.append("it.category_source IS NULL")
    elif filters.category is not None:
        where.append("it.category_id = ?")
        params.append(filters.category)
    if filters.sponsored is not None:
        where.append("coalesce(it.sponsored, 0) = ?")
        params.append(int(filters.sponsored))
    if filters.clickbait == "high":
        where.append(f"it.clickbait >= {CLICKBAIT_HIGH}")
    elif filters.clickbait == "low":
        where.append(f"it.clickbait < {CLICKBAIT_HIGH}")
    if filters.rated == "unrated":
        where.append("r.rating IS NULL")
    elif filters.rated is not None:
        where.append("r.rating = ?")
        params.append(1 if filters.rated == "valued" else -1)
    return where, params


def _range_condition(filters: Filters) -> tuple[str, list]:
    """Impressions ``i`` inside the date range."""
    where, params = [], []
    if filters.from_ms is not None:
        where.append("i.ts >= ?")
        params.append(filters.from_ms)
    if filters.to_ms is not None:
        where.append("i.ts < ?")
        params.append(filters.to_ms)
    return " AND ".join(where), params


ITEM_COLUMNS = (
    "it.key, it.platform, it.kind, it.url, it.title, it.text, it.author, it.sponsored, it.published_at,"
    " it.parse_status, it.category_id, it.category_source, it.category_margin, it.clickbait, it.clickbait_reason,"
    " c1.name AS category, c2.name AS second_category, r.rating, r.note"
)
ITEM_JOINS = (
    "FROM items it LEFT JOIN ratings r ON r.item_key = it.key"
    " LEFT JOIN categories c1 ON c1.id = it.category_id LEFT JOIN categories c2 ON c2.id = it.category2_id"
)


# Most recently seen first; the items_recency index (migration v6) serves it without a sort.
LISTING_ORDER = "ORDER BY coalesce(it.source_ts, it.first_seen_ts) DESC, it.key"


def _matching_items(filters: Filters) -> tuple[str, list]:
    """The WHERE clause of matching items: item filters, and at least one impression in the range."""
    where, params = _item_conditions(filters)
    in_range, range_params = _range_condition(filters)
    if in_range:
        where.append(f"it.key IN (SELECT i.item_key FROM impressions i WHERE {in_range})")
        params += range_params
    return " AND ".join(where) or "1 = 1", params


def search(db: sqlite_utils.Database, filters: Filters, tz: str) -> dict:
    """One page of matching items, most recently seen first, with their figures (see the module docstring)."""
    if filters.from_ms is not None and filters.to_ms is not None and filters.to_ms <= filters.from_ms:
        raise ExplorerError("query parameter 'to' must not be before 'from'")
    clause, params = _matching_items(filters)
    total = db.execute(
        f"SELECT count(*) FROM items it LEFT JOIN ratings r ON r.item_key = it.key WHERE {clause}", params
    ).fetchone()[0]
    offset = (filters.page - 1) * filters.per_page
    rows = list(db.query(
        f"SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE {clause} {LISTING_ORDER} LIMIT ? OFFSET ?",
        [*params, filters.per_page, offset],
    ))
    figures = item_figures(db, [row["key"] for row in rows], filters.from_ms, filters.to_ms)
    zone = ZoneInfo(tz)
    items = [_present(row, figures.get(row["key"]), zone) for row in rows]
    pages = max(1, -(-total // filters.per_page))
    return {"items": items, "total": total, "page": filters.page, "pages": pages, "per_page": filters.per_page,
            "tz": tz}


def item_figures(db: sqlite_utils.Database, keys: list[str], from_ms: int | None = None,
                 to_ms: int | None = None) -> dict[str, dict]:
    """Per item key: impressions, dwell_ms, clicks, best_rank, mean_rank, first/last_seen_ts in the range."""
    if not keys:
        return {}
    in_range, range_params = _range_condition(Filters(from_ms=from_ms, to_ms=to_ms))
    marks = ",".join("?" * len(keys))
    sql = (
        "SELECT i.item_key, count(*), coalesce(sum(d.visible_ms), 0),"
        " sum((SELECT count(*) FROM clicks k WHERE k.impression_id = i.id)),"
        " min(i.rank), avg(i.rank), min(i.ts), max(i.ts)"
        " FROM impressions i LEFT JOIN dwell d ON d.impression_id = i.id"
        f" WHERE i.item_key IN ({marks}){' AND ' + in_range if in_range else ''} GROUP BY i.item_key"
    )
    params = [*keys, *range_params]
    names = ("impressions", "dwell_ms", "clicks", "best_rank", "mean_rank", "first_seen_ts", "last_seen_ts")
    return {row[0]: dict(zip(names, row[1:])) for row in db.execute(sql, params)}


def local_time(ms: int | None, zone: ZoneInfo) -> str | None:
    if ms is None:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, zone).strftime("%Y-%m-%d %H:%M")


def web_link(url: str | None) -> str | None:
    """The URL if it is http(s) (safe to render as a link), else None."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _category_name(row: dict) -> str | None:
    if row["category"] is not None:
        return row["category"]
    return "Other" if row["category_source"] is not None else None


def _present(row: dict, figures: dict | None, zone: ZoneInfo) -> dict:
    figures = figures or {"impressions": 0, "dwell_ms": 0, "clicks": 0, "best_rank": None, "mean_rank": None,
                          "first_seen_ts": None, "last_seen_ts": None}
    text = row["text"] or ""
    return {
        "key": row["key"], "platform": row["platform"], "kind": row["kind"], "title": row["title"],
        "text": text[:TEXT_PREVIEW] + ("…" if len(text) > TEXT_PREVIEW else ""),
        "author": row["author"], "url": row["url"], "link": web_link(row["url"]),
        "sponsored": bool(row["sponsored"]), "parse_status": row["parse_status"],
        "category": _category_name(row), "category_id": row["category_id"],
        "category_corrected": row["category_source"] == "corrected",
        "second_category": row["second_category"], "category_margin": row["category_margin"],
        "clickbait": row["clickbait"], "clickbait_reason": row["clickbait_reason"],
        "rating": RATING_NAMES.get(row["rating"]), "note": row["note"],
        **figures,
        "mean_rank": None if figures["mean_rank"] is None else round(figures["mean_rank"], 2),
        "first_seen": local_time(figures["first_seen_ts"], zone),
        "last_seen": local_time(figures["last_seen_ts"], zone),
    }


def platforms(db: sqlite_utils.Database) -> list[str]:
    """Platforms with at least one item, for the filter."""
    # Items live as long as an impression shows them, so the trigger-kept impression counters name the same
    # platforms without reading every item.
    return [p for (p,) in db.execute("SELECT DISTINCT platform FROM rollup_status_counts WHERE count > 0 ORDER BY 1")]


# --- similar items ---

@dataclasses.dataclass
class VectorIndex:
    """Every embedded text of one model: its hashes and one float32 matrix of unit rows."""

    model: str
    count: int
    hashes: list[str]
    row_of: dict[str, int]
    matrix: np.ndarray


_index_lock = threading.Lock()
_indexes: dict[str, VectorIndex] = {}


def _embedded_count(db: sqlite_utils.Database, model: str) -> int:
    return db.execute("SELECT count(*) FROM items WHERE embedding_model = ? AND text_hash IS NOT NULL",
                      (model,)).fetchone()[0]


def _build_index(db: sqlite_utils.Database, model: str, count: int) -> VectorIndex:
    rows = db.execute(
        "SELECT e.text_hash, e.vector FROM embeddings e WHERE e.model = ? AND e.text_hash IN"
        " (SELECT text_hash FROM items WHERE embedding_model = ? AND text_hash IS NOT NULL)",
        (model, model),
    ).fetchall()
    hashes = [h for h, _ in rows]
    if rows:
        matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype="<f2").reshape(len(rows), -1).astype(np.float32)
    else:
        matrix = np.zeros((0, 0), dtype=np.float32)
    return VectorIndex(model, count, hashes, {h: n for n, h in enumerate(hashes)}, matrix)


def vector_index(db: sqlite_utils.Database, database_key: str) -> VectorIndex:
    """The cached index of this database, rebuilt when the model or the number of embedded items changed."""
    model = configured_model_id(db)
    count = _embedded_count(db, model)
    with _index_lock:
        index = _indexes.get(database_key)
        if index is None or index.model != model or index.count != count:
            index = _build_index(db, model, count)
            _indexes[database_key] = index
        return index


def similar(db: sqlite_utils.Database, key: str, database_key: str, tz: str, limit: int = 10) -> dict:
    """The ``limit`` items nearest to item ``key`` by cosine similarity of their embeddings, nearest first."""
    row = db.execute("SELECT text_hash, embedding_model FROM items WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise ExplorerError(f"no item with key {key!r}", 404)
    index = vector_index(db, database_key)
    text_hash, model = row
    if text_hash is None or model != index.model or text_hash not in index.row_of:
        return {"key": key, "items": [], "reason": "this item has no embedding yet (it is waiting to be processed)"}
    scores = index.matrix @ index.matrix[index.row_of[text_hash]]
    # A few extra candidates: the item's own text, and texts shared by several items, fill some places.
    wanted = min(len(scores), limit + 5)
    nearest = np.argpartition(-scores, wanted - 1)[:wanted]
    nearest = nearest[np.argsort(-scores[nearest], kind="stable")]
    similarity = {index.hashes[n]: float(scores[n]) for n in nearest}
    found = _items_with_hashes(db, list(similarity), index.model, exclude=key)
    found.sort(key=lambda item: (-similarity[item["text_hash"]], item["key"]))
    found = found[:limit]
    figures = item_figures(db, [item["key"] for item in found])
    zone = ZoneInfo(tz)
    items = [{**_present(item, figures.get(item["key"]), zone), "similarity": round(similarity[item["text_hash"]], 4)}
             for item in found]
    return {"key": key, "items": items, "reason": None}


def _items_with_hashes(db: sqlite_utils.Database, hashes: list[str], model: str, exclude: str) -> list[dict]:
    if not hashes:
        return []
    marks = ",".join("?" * len(hashes))
    return list(db.query(
        f"SELECT {ITEM_COLUMNS}, it.text_hash {ITEM_JOINS}"
        f" WHERE it.text_hash IN ({marks}) AND it.embedding_model = ? AND it.key != ?",
        [*hashes, model, exclude],
    ))
