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
    """A range's impressions in seen order (time, rank, id), the embeddings their
    ``item_index`` points into, the sessions that started in it, and per impression
    its page URL, item key and category code (category id; 0 Other; −1 not yet categorized)."""

    impressions: an.Impressions
    embeddings: np.ndarray
    sessions: an.Sessions
    page_urls: np.ndarray
    item_keys: np.ndarray
    category_codes: np.ndarray


WINDOW_SQL = """
    SELECT i.ts, i.platform, i.surface, coalesce(i.session_id, ''), i.rank, i.page_url, it.key, it.text_hash,
           CASE WHEN c.name IS NOT NULL THEN c.name
                WHEN it.category_source IS NOT NULL THEN 'Other' ELSE '' END,
           it.author, it.url, coalesce(d.visible_ms, 0),
           EXISTS (SELECT 1 FROM clicks k WHERE k.impression_id = i.id),
           coalesce(it.sponsored, i.sponsored_hint, 0),
           it.clickbait,
           (SELECT max(v.active_ms) FROM views v WHERE v.impression_id = i.id),
           CASE WHEN c.name IS NOT NULL THEN c.id WHEN it.category_source IS NOT NULL THEN 0 ELSE -1 END
    FROM impressions i
    JOIN items it ON it.key = i.item_key
    LEFT JOIN categories c ON c.id = it.category_id
    LEFT JOIN dwell d ON d.impression_id = i.id
    WHERE i.ts >= ? AND i.ts < ? {platform_filter}
    ORDER BY i.ts, i.rank, i.id
"""


def load_window(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None) -> Window:
    """Every impression shown in [from_ms, to_ms) (optionally one platform), with embeddings and sessions."""
    params: list = [from_ms, to_ms]
    platform_filter = ""
    if platform:
        platform_filter, params = "AND i.platform = ?", [*params, platform]
    rows = db.execute(WINDOW_SQL.format(platform_filter=platform_filter), params).fetchall()
    columns = list(zip(*rows)) if rows else [[] for _ in range(17)]
    (ts, platforms, surfaces, session_ids, ranks, page_urls, keys, hashes, categories, authors, urls, dwell,
     clicked, sponsored, clickbait, consumed, category_codes) = columns
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
                  np.array(page_urls, dtype=object), np.array(keys, dtype=object),
                  np.array(category_codes, dtype=np.int64))


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


@dataclasses.dataclass(frozen=True)
class RatingsContext:
    """Everything the person rated (all ratings, whatever the report's range):
    each rated item's rating, the unit vectors and ratings of the rated items that
    have an embedding, and the value model fitted on them. ``signature`` changes
    whenever a rating, a rated item's embedding or the model does."""

    signature: str
    ratings: dict
    rated_vectors: np.ndarray
    rated_labels: np.ndarray
    model: object

    def flags(self, item_keys, item_index, embeddings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per impression: regretted-like, has a usable embedding, predicted regretted.

        Regretted-like: the item is rated regretted, or it is unrated and its most
        similar rated item (cosine ≥ 0.8) is rated regretted. Predicted regretted:
        the value model gives P(regretted) ≥ 0.5 (never when the model is not fitted).
        """
        index = np.asarray(item_index, dtype=np.int64)
        valid = (index >= 0) & (index < len(embeddings))
        rows = an.preferences.unit_rows(embeddings) if len(embeddings) else np.zeros((0, 0), np.float32)
        near = an.preferences.regret_like_vectors(rows, self.rated_vectors, self.rated_labels)
        near_per_impression = valid & near[np.where(valid, index, 0)] if near.size else np.zeros(index.size, bool)
        own = np.array([self.ratings.get(key, 0) for key in item_keys], dtype=np.int64)
        regret = np.where(own != 0, own == an.preferences.REGRETTED, near_per_impression)
        predicted = np.zeros(index.size, dtype=bool)
        if self.model.status == "ok" and valid.any():
            probability = self.model.regret_probability(rows)
            predicted[valid] = probability[index[valid]] >= 0.5
        return regret.astype(bool), valid, predicted


_contexts: dict[str, RatingsContext] = {}


def ratings_context(db: sqlite_utils.Database) -> RatingsContext:
    """The RatingsContext of the stored ratings (fitted once per signature and process)."""
    import hashlib

    model_id = configured_model_id(db)
    rows = db.execute("SELECT r.item_key, r.rating, i.text_hash FROM ratings r LEFT JOIN items i ON i.key = r.item_key"
                      " ORDER BY r.item_key").fetchall()
    signature = hashlib.sha1(repr((model_id, rows)).encode()).hexdigest()
    if signature not in _contexts:
        vectors = stored_vectors(db, sorted({h for _, _, h in rows if h}), model_id)
        embedded = [(vectors[h], rating) for _, rating, h in rows if h in vectors]
        matrix = an.preferences.unit_rows(np.stack([v for v, _ in embedded])) if embedded else np.zeros((0, 384), np.float32)
        labels = np.array([rating for _, rating in embedded], dtype=np.int64)
        _contexts.clear()  # one person, one current set of ratings
        _contexts[signature] = RatingsContext(signature, {key: rating for key, rating, _ in rows}, matrix, labels,
                                              an.fit_value_model(matrix, labels))
    return _contexts[signature]


def rated_in_range(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None) -> list[tuple]:
    """(item key, rating, dwell ms in the range) of each rated item shown in the range, by key."""
    # CROSS JOIN keeps ratings (hundreds of rows) the outer loop; otherwise SQLite may walk the range's impressions.
    sql = ("SELECT r.item_key, r.rating, coalesce(sum(d.visible_ms), 0) FROM ratings r"
           " CROSS JOIN impressions i ON i.item_key = r.item_key LEFT JOIN dwell d ON d.impression_id = i.id"
           " WHERE i.ts >= ? AND i.ts < ? {} GROUP BY r.item_key ORDER BY r.item_key")
    params = [from_ms, to_ms] + ([platform] if platform else [])
    return db.execute(sql.format("AND i.platform = ?" if platform else ""), params).fetchall()


def preference_sums(context: RatingsContext, item_keys, item_index, dwell_ms, embeddings) -> dict[str, float]:
    """Sums over some impressions that add across days: dwell, regret_dwell (dwell on
    regretted-like items), valid (impressions with an embedding), valid_dwell,
    predicted and predicted_dwell (impressions the value model predicts regretted)."""
    regret, valid, predicted = context.flags(item_keys, item_index, embeddings)
    dwell = np.asarray(dwell_ms, dtype=np.float64)
    return {"dwell": float(dwell.sum()), "regret_dwell": float(dwell[regret].sum()), "valid": int(valid.sum()),
            "valid_dwell": float(dwell[valid].sum()), "predicted": int(predicted.sum()),
            "predicted_dwell": float(dwell[predicted].sum())}


def preferences_figures(db, exposure: dict[str, float], context: RatingsContext, rated: list[tuple],
                        sums: dict[str, float]) -> dict:
    """The stated-versus-revealed figures (definitions 11 and 12) from the range's
    exposure shares, the ratings context, the rated items shown (:func:`rated_in_range`)
    and the range's :func:`preference_sums`."""
    intentions = {name: (kind, value) for name, kind, value in db.execute(
        "SELECT c.name, n.kind, n.value FROM intentions n JOIN categories c ON c.id = n.category_id")}
    intended = an.preferences.intended_shares(intentions, exposure) if intentions else {}
    model = context.model
    if model.status != "ok" or not sums["valid"]:
        predicted = an.preferences.PredictedRegret(None, None)
    else:
        attention = sums["predicted_dwell"] / sums["valid_dwell"] if sums["valid_dwell"] > 0 else None
        predicted = an.preferences.PredictedRegret(sums["predicted"] / sums["valid"], attention)
    return {
        "intentions": {name: {"kind": kind, "value": value} for name, (kind, value) in intentions.items()},
        "intended_shares": intended,
        "calibration_kl": an.calibration_kl(intended, exposure) if intended else None,
        "rated_items": len(rated),
        "regret_like_dwell_share": sums["regret_dwell"] / sums["dwell"] if sums["dwell"] > 0 else None,
        "rating_dwell_correlation": an.rating_dwell_correlation([r for _, r, _ in rated], [float(d) for _, _, d in rated]),
        "value_model": model,
        "predicted_regret": predicted,
    }


def _preferences(db, window: Window, exposure: dict[str, float], from_ms: int, to_ms: int, platform) -> dict:
    imp = window.impressions
    context = ratings_context(db)
    sums = preference_sums(context, window.item_keys, imp.item_index, imp.dwell_ms, window.embeddings)
    return preferences_figures(db, exposure, context, rated_in_range(db, from_ms, to_ms, platform), sums)


def metrics(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None, tz: str = "UTC",
            feedback: bool = True) -> dict:
    """Every audit figure for [from_ms, to_ms), JSON-ready, from the daily rollups
    (see :mod:`feedaudit.rollups`): the same values as :func:`reference_metrics`.
    ``feedback=False`` may leave the feedback loop out (None) when a caller does not show it."""
    from . import rollups

    return rollups.metrics(db, from_ms, to_ms, platform, tz, feedback)


def reference_metrics(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None,
                      tz: str = "UTC") -> dict:
    """Every audit figure for [from_ms, to_ms), computed from the raw rows with the
    reference functions of :mod:`feedaudit.analytics` (slow over long ranges; the
    definition the rollups must match). See :mod:`feedaudit.analytics` for each figure."""
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
        "new_source_share": an.weekly_new_source_share(imp.ts_ms, imp.source, tz,
                                                       sources_before(db, from_ms, platform)),
        "intra_list_diversity": {"mean": an.intra_list_diversity(imp, emb).mean},
        "narrowness": {"value": an.narrowness(imp.item_index, imp.dwell_ms, emb),
                       "weekly": an.weekly_narrowness(imp, emb, tz)},
        "drift": an.drift(imp, emb, tz),
        "novelty": _novelty_with_history(db, from_ms, to_ms, platform),
        "sponsored_share": an.sponsored_share(imp),
        "clickbait": an.clickbait_exposure(imp),
        "rank_placement": _named_keys(an.rank_placement(imp)),
        "feedback_loop": an.feedback_loop(imp),
        "amplification": {p: _named_keys(v) for p, v in an.platform_amplification(imp, window.page_urls).items()},
        "sessions": an.session_stats(window.sessions, imp, tz),
        "bait_clicks": an.bait_clicks(imp),
        "preferences": _preferences(db, window, exposure, from_ms, to_ms, platform),
    }
    return jsonable(result)


def sources_before(db: sqlite_utils.Database, before_ms: int, platform: str | None = None) -> set[str]:
    """Every source with an impression before ``before_ms`` (a pass over that history)."""
    sql = ("SELECT it.platform, it.author, it.url FROM impressions i JOIN items it ON it.key = i.item_key"
           " WHERE i.ts < ?" + (" AND i.platform = ?" if platform else "") + " GROUP BY it.key")
    rows = db.execute(sql, [before_ms] + ([platform] if platform else [])).fetchall()
    return {source_of(p, a, u) for p, a, u in rows}


def _novelty_with_history(db, from_ms: int, to_ms: int, platform: str | None):
    """Novelty of the range's impressions against the 30 days before each (history may precede the range)."""
    history = load_window(db, from_ms - an.novelty.NOVELTY_WINDOW_DAYS * an.timebins.MS_PER_DAY, to_ms, platform)
    return an.novelty_repetition(history.impressions, history.embeddings, since_ms=from_ms)


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


def summary(db: sqlite_utils.Database, week: str, tz: str, platform: str | None = None,
            previous_feedback: bool = True) -> dict:
    """One ISO week's metrics, the previous week's, and the change between them
    (``previous_feedback=False``: the previous week's feedback loop may be left out, for pages that show none)."""
    year, number = parse_week(week)
    current = metrics(db, *week_bounds(year, number, tz), platform=platform, tz=tz)
    prev_year, prev_number = previous_week(year, number)
    previous = metrics(db, *week_bounds(prev_year, prev_number, tz), platform=platform, tz=tz,
                       feedback=previous_feedback)
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
