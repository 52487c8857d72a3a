"""The gap between what the person intends to be shown and what the feeds showed (no Flask here).

For a period of recent data, per category:

- ``exposed``: exposure share, impressions of the category / all impressions
  (categories named as in :mod:`feedaudit.audit`: "Other" for items that fit
  none, "Uncategorized" for items not categorized yet);
- ``intended``: the intended share implied by the person's intentions
  (:func:`feedaudit.analytics.intended_shares`), None without any intention;
- ``gap``: intended − exposed (positive: the feeds show less than intended).

``calibration_kl`` is Steck's calibration KL(p_intended ‖ q_exposed) with
q smoothed by α = 0.01 (:func:`feedaudit.analytics.calibration_kl`), the same
figure as ``metrics["preferences"]["calibration_kl"]`` over the same range.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlite_utils

from . import analytics as an
from . import preferences, rollups
from .audit import UNCATEGORIZED

PERIOD_DAYS = (7, 28, 91)
DEFAULT_PERIOD_DAYS = 28
DAY_MS = 86_400_000

EXPOSURE_SQL = f"""
    SELECT CASE WHEN c.name IS NOT NULL THEN c.name
                WHEN it.category_source IS NOT NULL THEN 'Other' ELSE '{UNCATEGORIZED}' END AS category,
           count(*)
    FROM impressions i JOIN items it ON it.key = i.item_key LEFT JOIN categories c ON c.id = it.category_id
    WHERE i.ts >= ? AND i.ts < ?
    GROUP BY 1
"""


def period(db: sqlite_utils.Database, days: int, tz: str) -> tuple[int, int] | None:
    """[from_ms, to_ms): the last ``days`` local days of captured data, the newest impression's day
    included (whole days, so the daily rollups serve them)."""
    newest = db.execute("SELECT max(ts) FROM impressions").fetchone()[0]
    if newest is None:
        return None
    last_day = rollups.day_of(newest, tz)
    return rollups.day_bounds(last_day - days + 1, tz)[0], rollups.day_bounds(last_day, tz)[1]


def exposure_shares(db: sqlite_utils.Database, from_ms: int, to_ms: int, tz: str) -> dict[str, float]:
    """Exposure share per category name over [from_ms, to_ms), from the rollups when they serve ``tz``."""
    parts = rollups.range_parts(db, from_ms, to_ms, tz)
    if parts is not None:
        counts: dict[str, int] = {}
        for (_, name), (shown, _) in rollups.platform_category_totals(db, parts).items():
            counts[name or UNCATEGORIZED] = counts.get(name or UNCATEGORIZED, 0) + shown
        counts = {name: count for name, count in counts.items() if count}
    else:
        counts = dict(db.execute(EXPOSURE_SQL, (from_ms, to_ms)).fetchall())
    total = sum(counts.values())
    return {name: count / total for name, count in counts.items()} if total else {}


def gaps(db: sqlite_utils.Database, days: int, tz: str) -> dict:
    """Per category of the taxonomy (and any other category shown): exposed, intended, gap; plus the KL."""
    bounds = period(db, days, tz)
    intentions = {row["category"]: row for row in preferences.list_intentions(db)}
    exposed = exposure_shares(db, *bounds, tz) if bounds else {}
    intended = an.intended_shares({name: (row["kind"], row["value"]) for name, row in intentions.items()},
                                  exposed) if intentions and exposed else {}
    categories = list(db.query("SELECT id, name FROM categories ORDER BY position, id"))
    named = {c["name"] for c in categories}
    extra = [{"id": None, "name": name} for name in sorted(exposed) if name not in named]
    rows = []
    for category in categories + extra:
        name = category["name"]
        share = exposed.get(name, 0.0)
        target = intended.get(name) if intended else None
        intention = intentions.get(name)
        rows.append({
            "category_id": category["id"], "category": name, "exposed": share, "intended": target,
            "gap": None if target is None else target - share,
            "kind": intention["kind"] if intention else None, "value": intention["value"] if intention else None,
        })
    zone = ZoneInfo(tz)
    return {
        "days": days,
        "from_ms": bounds[0] if bounds else None,
        "to_ms": bounds[1] if bounds else None,
        "from": dt.datetime.fromtimestamp(bounds[0] / 1000, zone).strftime("%Y-%m-%d") if bounds else None,
        "to": dt.datetime.fromtimestamp((bounds[1] - 1) / 1000, zone).strftime("%Y-%m-%d") if bounds else None,
        "rows": rows,
        "calibration_kl": an.calibration_kl(intended, exposed) if intended else None,
        "kinds": preferences.INTENTION_KINDS,
    }
