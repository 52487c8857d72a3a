"""The audit figures of a date range, from storage (no Flask here).

``load_window`` reads the stored impressions of a range into the columnar
inputs of :mod:`feedaudit.analytics`; ``metrics`` computes every figure of
issue 6 with those reference functions and returns plain JSON-ready data.
``summary`` is one ISO week with its change from the week before.

Conventions: a *source* is the channel (YouTube), subreddit (Reddit), account
(X), site (Hacker News: the story's domain) or publisher (news); items the
categorizer has not reached yet have category "" and count as "Uncategorized".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import sqlite_utils

from . import analytics as an
from .enrichment import configured_model_id, stored_vectors

UNCATEGORIZED = "Uncategorized"
TOP_SOURCES_LISTED = 20
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


class AuditError(ValueError):
    pass


def source_of(platform: str, author: str | None, url: str | None) -> str:
    """The feed source an item counts toward (see the module docstring)."""
    if platform == "hackernews":
        host = urlsplit(url or "").hostname or ""
        return host.removeprefix("www.") or (author or "")
    if platform == "reddit" and author:
        return author.split(" · ")[0]
    return author or ""


@dataclasses.dataclass
class Window:
    impressions: an.Impressions
    embeddings: np.ndarray
    sessions: an.Sessions
    page_urls: np.ndarray
    item_keys: np.ndarray


WINDOW_SQL = """
    SELECT i.ts, i.platform, i.surface, coalesce(i.session_id, ''), i.rank, i.page_url, it.key, it.text_hash,
           CASE WHEN c.name IS NOT NULL THEN c.name
                WHEN it.category_source IS NOT NULL THEN 'Other' ELSE '' END,
           it.author, it.url, coalesce(d.visible_ms, 0),
           EXISTS (SELECT 1 FROM clicks k WHERE k.impression_id = i.id),
           coalesce(it.sponsored, i.sponsored_hint, 0),
           it.clickbait,
           (SELECT max(v.active_ms) FROM views v WHERE v.impression_id = i.id)
    FROM impressions i
    JOIN items it ON it.key = i.item_key
    LEFT JOIN categories c ON c.id = it.category_id
    LEFT JOIN dwell d ON d.impression_id = i.id
    WHERE i.ts >= ? AND i.ts < ? {platform_filter}
    ORDER BY i.ts, i.rank
"""


def load_window(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None) -> Window:
    """Every impression shown in [from_ms, to_ms) (optionally one platform), with embeddings and sessions."""
    params: list = [from_ms, to_ms]
    platform_filter = ""
    if platform:
        platform_filter, params = "AND i.platform = ?", [*params, platform]
    rows = db.execute(WINDOW_SQL.format(platform_filter=platform_filter), params).fetchall()
    columns = list(zip(*rows)) if rows else [[] for _ in range(16)]
    (ts, platforms, surfaces, session_ids, ranks, page_urls, keys, hashes, categories, authors, urls, dwell,
     clicked, sponsored, clickbait, consumed) = columns
    distinct_hashes = sorted({h for h in hashes if h})
    vectors = stored_vectors(db, distinct_hashes, configured_model_id(db))
    order = {h: n for n, h in enumerate(h for h in distinct_hashes if h in vectors)}
    embeddings = (np.stack([vectors[h] for h in order]) if order else np.zeros((0, 384), dtype=np.float32))
    impressions = an.make_impressions(
        ts,
        platform=platforms,
        surface=surfaces,
        session_id=session_ids,
        rank=ranks,
        item_index=[order.get(h, an.NO_EMBEDDING) for h in hashes],
        category=categories,
        source=[source_of(p, a, u) for p, a, u in zip(platforms, authors, urls)],
        dwell_ms=dwell,
        clicked=[bool(c) for c in clicked],
        sponsored=[bool(s) for s in sponsored],
        clickbait=clickbait,
        consumed_ms=consumed,
    )
    return Window(impressions, embeddings, _load_sessions(db, from_ms, to_ms, platform),
                  np.array(page_urls, dtype=object), np.array(keys, dtype=object))


def _load_sessions(db, from_ms, to_ms, platform) -> an.Sessions:
    sql = "SELECT id, platform, start_ts, coalesce(end_ts, ts), active_ms FROM sessions WHERE start_ts >= ? AND start_ts < ?"
    params = [from_ms, to_ms]
    if platform:
        sql, params = sql + " AND platform = ?", [*params, platform]
    rows = db.execute(sql, params).fetchall()
    columns = list(zip(*rows)) if rows else [[] for _ in range(5)]
    return an.make_sessions(session_id=columns[0], platform=columns[1], start_ms=columns[2],
                            end_ms=columns[3], active_ms=columns[4])


def jsonable(value):
    """Dataclasses, numpy scalars and arrays to plain JSON; NaN and infinities to null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _named_categories(impressions: an.Impressions) -> np.ndarray:
    return np.array([c or UNCATEGORIZED for c in impressions.category], dtype=object)


def _named_keys(by_category: dict) -> dict:
    return {(key or UNCATEGORIZED): value for key, value in by_category.items()}


def _top(shares: dict[str, float], count: int) -> dict[str, float]:
    return dict(sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[:count])


def _preferences(db, window: Window, exposure: dict[str, float]) -> dict:
    imp = window.impressions
    intentions = {name: (kind, value) for name, kind, value in db.execute(
        "SELECT c.name, n.kind, n.value FROM intentions n JOIN categories c ON c.id = n.category_id")}
    intended = an.preferences.intended_shares(intentions, exposure) if intentions else {}
    ratings = dict(db.execute("SELECT item_key, rating FROM ratings").fetchall())
    first_row: dict[str, int] = {}
    for n, key in enumerate(window.item_keys):
        if key in ratings:
            first_row.setdefault(key, n)
    rated_keys = sorted(first_row)
    rated_index = np.array([imp.item_index[first_row[k]] for k in rated_keys], dtype=np.int64)
    rated_values = np.array([ratings[k] for k in rated_keys], dtype=np.int64)
    embedded = rated_index >= 0
    regret_like = an.regret_like_items(window.embeddings, rated_index[embedded], rated_values[embedded])
    # Rated regretted counts even without an embedding; otherwise the nearest-rated-neighbour rule decides.
    flags = np.array([ratings.get(key) == -1 or (i >= 0 and bool(regret_like[i]))
                      for key, i in zip(window.item_keys, imp.item_index)], dtype=bool)
    dwell_per_rated = [float(imp.dwell_ms[window.item_keys == k].sum()) for k in rated_keys]
    model = an.fit_value_model(window.embeddings[rated_index[embedded]], rated_values[embedded]) if embedded.any() else \
        an.fit_value_model(np.zeros((0, window.embeddings.shape[1] or 384)), np.zeros(0))
    return {
        "intentions": {name: {"kind": kind, "value": value} for name, (kind, value) in intentions.items()},
        "intended_shares": intended,
        "calibration_kl": an.calibration_kl(intended, exposure) if intended else None,
        "rated_items": len(rated_keys),
        "regret_like_dwell_share": an.dwell_share_on(flags, imp.dwell_ms),
        "rating_dwell_correlation": an.rating_dwell_correlation(rated_values, dwell_per_rated),
        "value_model": model,
        "predicted_regret": an.predicted_regret(model, imp.item_index, imp.dwell_ms, window.embeddings),
    }


def metrics(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None, tz: str = "UTC") -> dict:
    """Every audit figure for [from_ms, to_ms), JSON-ready. See :mod:`feedaudit.analytics` for definitions."""
    window = load_window(db, from_ms, to_ms, platform)
    imp, emb = window.impressions, window.embeddings
    categories = _named_categories(imp)
    exposure = an.exposure_share(categories)
    taxonomy_size = db.execute("SELECT count(*) FROM categories").fetchone()[0] + 1  # + Other
    source_shares = an.exposure_share(imp.source)
    result = {
        "range": {"from_ms": from_ms, "to_ms": to_ms, "platform": platform, "tz": tz},
        "simulated": is_simulated(db),
        "totals": {"impressions": len(imp), "dwell_ms": float(imp.dwell_ms.sum()), "clicks": int(imp.clicked.sum()),
                   "items": int(len(set(window.item_keys.tolist()))), "platforms": sorted(set(imp.platform.tolist()))},
        "exposure_share": {"category": exposure, "source": _top(source_shares, TOP_SOURCES_LISTED)},
        "attention_share": {"category": an.attention_share(categories, imp.dwell_ms),
                            "source": _top(an.attention_share(imp.source, imp.dwell_ms), TOP_SOURCES_LISTED)},
        "attention_capture": an.attention_capture(categories, imp.dwell_ms),
        "click_through_rate": {"category": an.click_through_rate(categories, imp.clicked),
                               "rank_band": an.ctr_by_rank_band(imp)},
        "topic_diversity": an.topic_diversity(categories, taxonomy_size),
        "source_concentration": an.source_concentration(imp.source),
        "new_source_share": an.weekly_new_source_share(imp.ts_ms, imp.source, tz),
        "intra_list_diversity": {"mean": an.intra_list_diversity(imp, emb).mean},
        "narrowness": {"value": an.narrowness(imp.item_index, imp.dwell_ms, emb),
                       "weekly": an.weekly_narrowness(imp, emb, tz)},
        "drift": an.drift(imp, emb, tz),
        "novelty": an.novelty_repetition(imp, emb),
        "sponsored_share": an.sponsored_share(imp),
        "clickbait": an.clickbait_exposure(imp),
        "rank_placement": _named_keys(an.rank_placement(imp)),
        "feedback_loop": an.feedback_loop(imp),
        "amplification": {p: _named_keys(v) for p, v in an.platform_amplification(imp, window.page_urls).items()},
        "sessions": an.session_stats(window.sessions, imp, tz),
        "bait_clicks": an.bait_clicks(imp),
        "preferences": _preferences(db, window, exposure),
    }
    return jsonable(result)


def is_simulated(db: sqlite_utils.Database) -> bool:
    from . import settings

    return bool(settings.get(db, "demo_data"))


def parse_week(week: str) -> tuple[int, int]:
    """'2026-W48' → (year, week); AuditError names the problem."""
    match = WEEK_PATTERN.match(week or "")
    if not match:
        raise AuditError(f"week must look like 2026-W48, not {week!r}")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise AuditError(f"{year} has no ISO week {number}") from None
    return year, number


def week_bounds(year: int, week: int, tz: str) -> tuple[int, int]:
    """[Monday 00:00, next Monday 00:00) of an ISO week in time zone ``tz``, as ms."""
    zone = ZoneInfo(tz)
    monday = dt.datetime.combine(dt.date.fromisocalendar(year, week, 1), dt.time(), zone)
    next_monday = dt.datetime.combine(dt.date.fromisocalendar(year, week, 1) + dt.timedelta(days=7), dt.time(), zone)
    return int(monday.timestamp() * 1000), int(next_monday.timestamp() * 1000)


def previous_week(year: int, week: int) -> tuple[int, int]:
    iso = (dt.date.fromisocalendar(year, week, 1) - dt.timedelta(days=7)).isocalendar()
    return iso.year, iso.week


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def last_complete_week(now: dt.datetime) -> tuple[int, int]:
    iso = (now.date() - dt.timedelta(days=7)).isocalendar()
    return iso.year, iso.week


HEADLINE_FIGURES = {
    "impressions": ("totals", "impressions"),
    "dwell_ms": ("totals", "dwell_ms"),
    "clicks": ("totals", "clicks"),
    "effective_topics": ("topic_diversity", "effective_number"),
    "sponsored_share": ("sponsored_share",),
    "clickbait_share": ("clickbait", "exposure_share"),
    "source_gini": ("source_concentration", "gini"),
    "narrowness": ("narrowness", "value"),
}


def _pick(data: dict, path: tuple[str, ...]):
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def changes(current: dict, previous: dict) -> dict:
    """Difference of the headline figures and of every category's exposure and attention share."""
    def delta(a, b):
        return None if a is None or b is None else a - b

    figures = {name: delta(_pick(current, path), _pick(previous, path)) for name, path in HEADLINE_FIGURES.items()}
    shares = {}
    for kind in ("exposure_share", "attention_share"):
        now, before = current[kind]["category"], previous[kind]["category"]
        shares[kind] = {c: now.get(c, 0.0) - before.get(c, 0.0) for c in sorted(set(now) | set(before))}
    return {"figures": figures, **shares}


def summary(db: sqlite_utils.Database, week: str, tz: str, platform: str | None = None) -> dict:
    """One ISO week's metrics, the previous week's, and the change between them."""
    year, number = parse_week(week)
    current = metrics(db, *week_bounds(year, number, tz), platform=platform, tz=tz)
    prev_year, prev_number = previous_week(year, number)
    previous = metrics(db, *week_bounds(prev_year, prev_number, tz), platform=platform, tz=tz)
    return {
        "schema_version": 1,
        "week": week_label(year, number),
        "previous_week": week_label(prev_year, prev_number),
        "tz": tz,
        "simulated": current["simulated"],
        "has_data": current["totals"]["impressions"] > 0,
        "metrics": current,
        "previous": previous,
        "change": changes(current, previous),
    }
