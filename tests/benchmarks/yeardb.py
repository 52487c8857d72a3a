"""A year of heavy use in one database, for the benchmarks (metrics, report pages, export).

``year_database()`` returns the path of a ``feedaudit.db`` holding 365 days
from 2026-01-05 (a Monday): 1,000,000 impressions of 200,000 distinct items on
YouTube, Reddit and Hacker News (with their chronological feeds: Hacker News
/newest, Reddit /new), with dwell, clicks, views, sessions, categories, sources,
clickbait scores and 384-dimensional embeddings. It is generated with numpy and
written straight into storage (no API, no parsing, no model), then cached under
``~/.cache/feedaudit-bench/`` keyed by GENERATOR_VERSION: change anything here,
bump the version.

Shape of the data (so results carry to real feeds): every item belongs to one
platform, one category and one source (40 sources per category and platform);
items are published every day and shown during the three weeks after (so a
30-day window holds ~25k distinct items); an item's embedding is its
category's random unit centroid plus noise (cosine to the centroid ≈ 0.55),
normalized; sessions of 60–170 impressions, 8 per platform and day, 15 % of
them after midnight; dwell is log-normal (median 1.5 s), 3 % of impressions
are clicked, 4 % sponsored.

Run it alone to (re)build the cache: .venv/bin/python tests/benchmarks/yeardb.py
"""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

from feedaudit import categorizing, settings, storage  # noqa: E402
from feedaudit.enrichment import configured_model_id  # noqa: E402
from feedaudit.simulator.catalog import CATALOG, CATEGORIES  # noqa: E402
from feedaudit.understanding.embedder import pack_vector  # noqa: E402

GENERATOR_VERSION = 1
CACHE = Path.home() / ".cache" / "feedaudit-bench"
START_MS = 1_767_571_200_000  # 2026-01-05 00:00 UTC, a Monday
DAYS = 365
IMPRESSIONS = 1_000_000
ITEMS = 200_000
DIMS = 384
TIMEZONE = "Europe/Berlin"
LIFESPAN_DAYS = 21
SOURCES_PER_CATEGORY = 40
SESSIONS_PER_DAY = 8  # per platform
FEEDS = {  # platform: [(surface, page URL, share of sessions)]
    "youtube": [("home", "https://www.youtube.com/", 1.0)],
    "reddit": [("home", "https://www.reddit.com/", 0.8), ("home", "https://www.reddit.com/new/", 0.2)],
    "hackernews": [("front", "https://news.ycombinator.com/", 0.75), ("new", "https://news.ycombinator.com/newest", 0.25)],
}
PLATFORMS = list(FEEDS)
MS_PER_DAY, MS_PER_HOUR = 86_400_000, 3_600_000


def year_database(progress=print) -> Path:
    """The cached year database (generated on first use, ~1 GB, a few minutes)."""
    path = CACHE / f"year-v{GENERATOR_VERSION}" / "feedaudit.db"
    if path.exists():
        db = storage.connect(path)
        sync_indexes(db)
        db.close()
        return path
    partial = path.with_name("partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    started = time.monotonic()
    generate(partial / "feedaudit.db", progress)
    for leftover in partial.glob("feedaudit.db-*"):
        leftover.unlink()
    (partial / "feedaudit.db").rename(partial / "done.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    (partial / "done.db").rename(path)
    shutil.rmtree(partial, ignore_errors=True)
    progress(f"generated {path} in {time.monotonic() - started:.0f} s")
    return path


def sync_indexes(db) -> None:
    """Give a cached database the indexes a fresh one gets from the current migrations
    (so an index added while the cache exists is measured too)."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        fresh = storage.connect(Path(scratch) / "fresh.db")
        wanted = dict(fresh.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
        fresh.close()
    present = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
    for name, sql in present.items():
        if wanted.get(name) != sql:
            db.execute(f"DROP INDEX {name}")
    for name, sql in wanted.items():
        if present.get(name) != sql:
            db.execute(sql)


def generate(path: Path, progress=print, seed: int = 2026) -> None:
    rng = np.random.default_rng(seed)
    db = storage.connect(path)
    db.conn.execute("PRAGMA synchronous = OFF")  # a throwaway file: generation speed over durability
    settings.put(db, "timezone", TIMEZONE)
    items = _items(rng)
    progress(f"items: {ITEMS:,}")
    # Bulk load without the indexes and rollup triggers; both are recreated from the schema afterwards
    # (a sorted index build is much faster than a million incremental updates).
    schema = db.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
                        " AND sql IS NOT NULL").fetchall()
    for kind, name, _ in schema:
        db.execute(f"DROP {kind.upper()} {name}")
    _write_items(db, items, rng)
    progress("items and embeddings written")
    _write_feed(db, items, rng, progress)
    for _, _, sql in schema:
        db.execute(sql)
    # What migration v5 does for data stored before it: every hour needs rolling up once.
    db.execute("INSERT INTO rollup_changes (hour, first_ts, novelty) SELECT ts / 3600000, min(ts), 1 FROM impressions"
               " GROUP BY 1")
    progress("indexes built")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _items(rng) -> dict[str, np.ndarray]:
    category_weights = rng.gamma(2.0, 1.0, size=len(CATEGORIES))
    category = rng.choice(len(CATEGORIES), size=ITEMS, p=category_weights / category_weights.sum())
    platform = rng.integers(0, len(PLATFORMS), size=ITEMS)
    published = np.sort(rng.integers(-LIFESPAN_DAYS, DAYS, size=ITEMS))
    source = rng.integers(0, SOURCES_PER_CATEGORY, size=ITEMS)
    return {"category": category, "platform": platform, "published": published, "source": source,
            "clickbait": np.round(rng.beta(1.2, 4.0, size=ITEMS), 4), "other": rng.random(ITEMS) < 0.03}


def _write_items(db, items: dict, rng) -> None:
    model = configured_model_id(db)
    ids = dict(db.execute("SELECT name, id FROM categories").fetchall())
    category_ids = np.array([ids[name] for name in CATEGORIES])
    signature = categorizing.current_signature(db, model)
    titles = {c: [item.title for item in CATALOG if item.category == c] for c in CATEGORIES}
    centroids = rng.normal(size=(len(CATEGORIES), DIMS))
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    rows, vectors = [], []
    for start in range(0, ITEMS, 20_000):
        block = np.arange(start, min(start + 20_000, ITEMS))
        noise = rng.normal(size=(block.size, DIMS)) * (1.5 / np.sqrt(DIMS))
        unit = centroids[items["category"][block]] + noise
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        for n, vector in zip(block.tolist(), unit):
            category = CATEGORIES[items["category"][n]]
            platform = PLATFORMS[items["platform"][n]]
            source = f"{category.split(' ')[0]} {platform} source {items['source'][n]}"
            title = f"{titles[category][n % len(titles[category])]} (part {n})"
            text_hash = f"bench-{n:07d}"
            rows.append((f"{platform}:bench{n}", platform, f"https://{platform}.example/item/{n}", title,
                         START_MS + int(items["published"][n]) * MS_PER_DAY, "video", source,
                         int(rng.random() < 0.04), "parsed", text_hash, model, float(items["clickbait"][n]),
                         None if items["other"][n] else int(category_ids[items["category"][n]]), "auto", signature))
            vectors.append((text_hash, model, pack_vector(vector.astype(np.float32))))
    with storage.write_transaction(db):
        db.conn.executemany(
            "INSERT INTO items (key, platform, url, title, first_seen_ts, kind, author, sponsored, parse_status,"
            " text_hash, embedding_model, clickbait, category_id, category_source, categorized_signature)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.conn.executemany("INSERT INTO embeddings (text_hash, model, vector) VALUES (?, ?, ?)", vectors)


def _write_feed(db, items: dict, rng, progress) -> None:
    """Sessions day by day; each impression shows an item of its platform published in the last three weeks."""
    per_platform = {p: np.flatnonzero(items["platform"] == p) for p in range(len(PLATFORMS))}
    sessions_total = DAYS * SESSIONS_PER_DAY * len(PLATFORMS)
    mean_items = IMPRESSIONS / sessions_total
    written = 0
    for day in range(DAYS):
        rows = {"impressions": [], "dwell": [], "clicks": [], "views": [], "sessions": []}
        for p, platform in enumerate(PLATFORMS):
            pool = per_platform[p]
            low = np.searchsorted(items["published"][pool], day - LIFESPAN_DAYS)
            high = np.searchsorted(items["published"][pool], day, side="right")
            starts = np.sort(np.where(rng.random(SESSIONS_PER_DAY) < 0.15, rng.uniform(0, 4, SESSIONS_PER_DAY),
                                      rng.uniform(7, 23, SESSIONS_PER_DAY)))
            free_at = 0
            for start_hour in starts:
                count = int(rng.integers(int(mean_items * 0.55), int(mean_items * 1.45) + 1))
                start = max(START_MS + day * MS_PER_DAY + int(start_hour * MS_PER_HOUR), free_at)
                free_at = _session(rows, rng, platform, pool[rng.integers(low, high, size=count)], start)
        _insert_day(db, rows)
        written += len(rows["impressions"])
        if day % 30 == 29 or day == DAYS - 1:
            progress(f"day {day + 1}/{DAYS}: {written:,} impressions")


def _uuids(rng, count: int) -> list[str]:
    return [str(uuid.UUID(bytes=bytes(b), version=4)) for b in rng.integers(0, 256, size=(count, 16), dtype=np.uint8)]


def _session(rows, rng, platform: str, shown: np.ndarray, start: int) -> int:
    feeds = FEEDS[platform]
    surface, page_url, _ = feeds[rng.choice(len(feeds), p=[share for _, _, share in feeds])]
    count = shown.size
    dwell = np.round(rng.lognormal(np.log(1500), 0.6, size=count)).astype(np.int64)
    clicked = rng.random(count) < 0.03
    gaps = dwell + rng.integers(300, 900, size=count)
    consumed = np.where(rng.random(count) < 0.2, rng.integers(4_000, 29_000, size=count),
                        rng.integers(60_000, 600_000, size=count))
    ts = start + np.concatenate([[0], np.cumsum(gaps[:-1] + np.where(clicked[:-1], consumed[:-1], 0))])
    session_id, ids = _uuids(rng, 1)[0], _uuids(rng, count)
    end = int(ts[-1] + gaps[-1])
    rows["sessions"].append((session_id, platform, start, end, int(gaps.sum()), end))
    for n in range(count):
        rows["impressions"].append((ids[n], int(ts[n]), platform, surface, page_url, session_id, n + 1,
                                    f"{platform}:bench{int(shown[n])}", int(ts[n]) + 5_000, int(ts[n]) + 6_000, "parsed"))
        rows["dwell"].append((ids[n], int(dwell[n]), int(ts[n] + dwell[n])))
        if clicked[n]:
            click_ts = int(ts[n] + dwell[n])
            rows["clicks"].append((f"c-{ids[n]}", click_ts, ids[n], f"https://{platform}.example/item/{int(shown[n])}", 0))
            rows["views"].append((f"v-{ids[n]}", platform, f"https://{platform}.example/item/{int(shown[n])}", ids[n],
                                  int(consumed[n]), click_ts, click_ts + int(consumed[n])))
    return end + 60_000


def _insert_day(db, rows) -> None:
    with storage.write_transaction(db):
        db.conn.executemany(
            "INSERT INTO impressions (id, ts, platform, surface, page_url, session_id, rank, item_key, received_ts,"
            " parsed_ts, parse_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows["impressions"])
        db.conn.executemany("INSERT INTO dwell (impression_id, visible_ms, ts) VALUES (?, ?, ?)", rows["dwell"])
        db.conn.executemany("INSERT INTO clicks (id, ts, impression_id, href, button) VALUES (?, ?, ?, ?, ?)", rows["clicks"])
        db.conn.executemany("INSERT INTO views (id, platform, url, impression_id, active_ms, start_ts, ts)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows["views"])
        db.conn.executemany("INSERT INTO sessions (id, platform, start_ts, end_ts, active_ms, ts) VALUES (?, ?, ?, ?, ?, ?)",
                            rows["sessions"])


if __name__ == "__main__":
    print(year_database())
