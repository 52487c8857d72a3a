"""The weekly summary: one ISO week of the audit, told to a person who does not open the report (no Flask).

:func:`weekly_summary` is :func:`feedaudit.audit.summary` (this week's metrics,
last week's, the change) plus:

- ``period``: the week's first and last local day and its bounds in ms;
- ``platforms``: per platform, this week and last: impressions, dwell and the
  category shares. *Exposure share* of a category = its impressions on that
  platform / the platform's impressions; *attention share* = its dwell / the
  platform's dwell (the same definitions as :mod:`feedaudit.analytics.shares`);
- ``top_items``: the week's items with the most dwell (ties: more impressions,
  then key), at most ``TOP_ITEMS``;
- ``regretted_items``: items rated "regretted" that were shown this week;
- ``platform``: the one platform summarized, or null for all;
- ``finding``: the biggest feedback-loop finding as one sentence, or null when
  no lift has enough events and a 95 % interval that excludes zero (the lift
  with the largest absolute mean among those); ``finding_detail``: its figures;
- ``sentences``: plain-language sentences filled from the figures above by
  fixed templates (the ``_*_sentence`` functions below); a sentence whose
  figures are missing is left out, never guessed.

Item URLs are kept only when they are http(s), so no consumer can turn a
captured ``javascript:`` URL into a link. The object is the JSON export and the
answer of ``GET /api/v1/summary``; its schema is ``docs/weekly-summary.schema.json``.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlite_utils

from . import audit, rollups

TOP_ITEMS = 10
PLATFORM_NAMES = {"youtube": "YouTube", "reddit": "Reddit", "x": "X", "hackernews": "Hacker News",
                  "googlenews": "Google News", "news": "news sites"}

CATEGORY_SQL = """CASE WHEN c.name IS NOT NULL THEN c.name
                       WHEN it.category_source IS NOT NULL THEN 'Other' ELSE 'Uncategorized' END"""

ITEMS_SQL = f"""
    WITH shown AS (
        SELECT i.item_key, count(*) AS impressions, coalesce(sum(d.visible_ms), 0) AS dwell_ms
        FROM impressions i LEFT JOIN dwell d ON d.impression_id = i.id
        WHERE i.ts >= ? AND i.ts < ? {{platform_filter}} {{shown_filter}}
        GROUP BY i.item_key
        ORDER BY dwell_ms DESC, impressions DESC, i.item_key
        {{limit}}
    )
    SELECT it.key, it.title, it.url, it.platform, it.author, {CATEGORY_SQL} AS category,
           s.dwell_ms, s.impressions {{extra_columns}}
    FROM shown s JOIN items it ON it.key = s.item_key
    LEFT JOIN categories c ON c.id = it.category_id
    {{join}}
    ORDER BY s.dwell_ms DESC, s.impressions DESC, it.key
"""

ITEM_ROWS_SQL = f"""
    SELECT it.key, it.title, it.url, it.platform, it.author, {CATEGORY_SQL} AS category
    FROM json_each(?) j CROSS JOIN items it ON it.key = j.value LEFT JOIN categories c ON c.id = it.category_id
"""

PLATFORM_MIX_SQL = f"""
    SELECT i.platform, {CATEGORY_SQL} AS category, count(*), coalesce(sum(d.visible_ms), 0)
    FROM impressions i JOIN items it ON it.key = i.item_key
    LEFT JOIN categories c ON c.id = it.category_id
    LEFT JOIN dwell d ON d.impression_id = i.id
    WHERE i.ts >= ? AND i.ts < ? {{platform_filter}}
    GROUP BY i.platform, category
"""


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None: only those may ever become links."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _filtered(sql: str, params: list, platform: str | None, **parts) -> tuple[str, list]:
    platform_filter = "AND i.platform = ?" if platform else ""
    return sql.format(platform_filter=platform_filter, **parts), [*params, *([platform] if platform else [])]


def _item_row(row: tuple, extra: tuple[str, ...] = ()) -> dict:
    key, title, url, platform, author, category, dwell_ms, impressions, *rest = row
    item = {"key": key, "title": title, "url": safe_url(url), "platform": platform,
            "source": audit.source_of(platform, author, url), "category": category,
            "dwell_ms": int(dwell_ms), "impressions": int(impressions)}
    item.update(zip(extra, rest))
    return item


def top_items(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None,
              count: int = TOP_ITEMS, tz: str | None = None) -> list[dict]:
    """The items with the most dwell in [from_ms, to_ms), with their impressions there (from the
    per-item rollups when they serve ``tz``, else from the raw rows: the same list either way)."""
    best = rollups.top_items(db, from_ms, to_ms, tz, platform, count) if tz else None
    if best is None:
        sql, params = _filtered(ITEMS_SQL, [from_ms, to_ms], platform, extra_columns="", join="", limit="LIMIT ?",
                                shown_filter="")
        return [_item_row(row) for row in db.execute(sql, [*params, count]).fetchall()]
    found = {row[0]: row for row in db.execute(ITEM_ROWS_SQL, [json.dumps([key for key, _, _ in best])])}
    return [_item_row((*found[key][:6], dwell, shown)) for key, shown, dwell in best]


def regretted_items(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None) -> list[dict]:
    """Items the person rated "regretted" that were shown in [from_ms, to_ms), most dwell first."""
    # Only the rated items' impressions are summed: ratings are few, a week's impressions many.
    sql, params = _filtered(ITEMS_SQL, [from_ms, to_ms], platform, extra_columns=", r.note",
                            join="JOIN ratings r ON r.item_key = it.key AND r.rating = -1", limit="",
                            shown_filter="AND i.item_key IN (SELECT item_key FROM ratings WHERE rating = -1)")
    return [_item_row(row, ("note",)) for row in db.execute(sql, params).fetchall()]


def _platform_category_rows(db, from_ms: int, to_ms: int, platform: str | None, tz: str | None) -> list[tuple]:
    """(platform, category, impressions, dwell ms) rows: from the daily rollups when they serve ``tz``."""
    parts = rollups.range_parts(db, from_ms, to_ms, tz, platform) if tz else None
    if parts is None:
        sql, params = _filtered(PLATFORM_MIX_SQL, [from_ms, to_ms], platform)
        return db.execute(sql, params).fetchall()
    return [(name, category or audit.UNCATEGORIZED, shown, int(round(dwell)))
            for (name, category), (shown, dwell) in rollups.platform_category_totals(db, parts).items() if shown]


def platform_mix(db: sqlite_utils.Database, from_ms: int, to_ms: int, platform: str | None = None,
                 tz: str | None = None) -> dict:
    """Per platform: impressions, dwell_ms, and exposure and attention share by category (see module docstring)."""
    mix: dict[str, dict] = {}
    for name, category, impressions, dwell_ms in _platform_category_rows(db, from_ms, to_ms, platform, tz):
        entry = mix.setdefault(name, {"impressions": 0, "dwell_ms": 0, "counts": {}, "dwell": {}})
        entry["impressions"] += impressions
        entry["dwell_ms"] += dwell_ms
        entry["counts"][category] = impressions
        entry["dwell"][category] = dwell_ms
    return {name: {
        "impressions": entry["impressions"],
        "dwell_ms": int(entry["dwell_ms"]),
        "exposure_share": {c: n / entry["impressions"] for c, n in sorted(entry["counts"].items())},
        "attention_share": ({c: d / entry["dwell_ms"] for c, d in sorted(entry["dwell"].items())}
                            if entry["dwell_ms"] else {}),
    } for name, entry in sorted(mix.items())}


def biggest_finding(feedback_loop: dict) -> dict | None:
    """The lift with the largest size among those with enough events and an interval excluding zero."""
    candidates = []
    for platform, per_category in feedback_loop.get("lifts", {}).items():
        for category, lift in per_category.items():
            if lift["status"] != "ok" or lift["ci_low"] is None:
                continue
            if lift["ci_low"] > 0 or lift["ci_high"] < 0:
                candidates.append({"platform": platform, "category": category, **lift})
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (abs(c["mean"]), c["events"], c["platform"], c["category"]))
    return {**best, "window": feedback_loop.get("window")}


def finding_sentence(lift: dict, window: int | None) -> str:
    direction = "more" if lift["mean"] > 0 else "less"
    return (f"On {platform_name(lift['platform'])}, after you engaged with {lift['category']}, the next {window} items "
            f"held {points(abs(lift['mean']))} {direction} {lift['category']} than the {window} before "
            f"(95% interval {points(lift['ci_low'], signed=True)} to {points(lift['ci_high'], signed=True)}, "
            f"{lift['events']} engagements).")


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def points(share: float, signed: bool = False) -> str:
    value = round(share * 100)
    text = f"{value:+d}" if signed and value else f"{value}"
    return f"{text} point{'s' if abs(value) != 1 else ''}"


def compared(now: float, before: float | None) -> str:
    """'up from 28%', 'down from 50%', 'as last week', or '' when last week had nothing to compare."""
    if before is None:
        return ""
    if percent(now) == percent(before):
        return ", as last week"
    return f", {'up' if now > before else 'down'} from {percent(before)}"


def duration(ms: float) -> str:
    """'1 h 33 min', '12 min', or '45 s' under a minute."""
    if ms < 59_500:
        return f"{round(ms / 1000)} s"
    minutes = round(ms / 60_000)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _volume_sentence(current: dict, previous: dict) -> str:
    totals, before = current["totals"], previous["totals"]
    text = f"Your feeds showed you {totals['impressions']:,} items this week"
    if before["impressions"]:
        change = totals["impressions"] - before["impressions"]
        text += f" ({abs(change):,} {'more' if change >= 0 else 'fewer'} than last week)"
    clicks = totals["clicks"]
    return text + (f"; they held your eyes for {duration(totals['dwell_ms'])} and you clicked "
                   f"{clicks} of them.")


def _platform_sentence(name: str, now: dict, before: dict | None) -> str | None:
    exposure = now["exposure_share"]
    if not exposure:
        return None
    category = max(exposure, key=lambda c: (exposure[c], c))
    previous_share = before["exposure_share"].get(category, 0.0) if before and before["impressions"] else None
    text = f"You saw {percent(exposure[category])} {category} on {platform_name(name)} this week" \
           f"{compared(exposure[category], previous_share)}"
    if now["attention_share"]:
        text += f"; you spent {percent(now['attention_share'].get(category, 0.0))} of your time there"
    return text + "."


def _mover_sentence(current: dict, previous: dict, change: dict) -> str | None:
    moves = change.get("exposure_share") or {}
    if not previous["totals"]["impressions"] or not moves:
        return None
    category = max(moves, key=lambda c: (abs(moves[c]), c))
    if percent(abs(moves[category])) == "0%":
        return None
    now = current["exposure_share"]["category"].get(category, 0.0)
    before = previous["exposure_share"]["category"].get(category, 0.0)
    return f"The biggest change across your feeds was {category}: {percent(now)} of what you were shown{compared(now, before)}."


def _capture_sentence(current: dict) -> str | None:
    exposure, attention = current["exposure_share"]["category"], current["attention_share"]["category"]
    if not attention:
        return None
    gaps = {c: attention.get(c, 0.0) - exposure.get(c, 0.0) for c in exposure}
    category = max(gaps, key=lambda c: (gaps[c], c))
    if percent(gaps[category]) == "0%":
        return None
    return (f"{category} held more of your attention than of your feed: {percent(attention.get(category, 0.0))} "
            f"of your time, {percent(exposure[category])} of the items.")


def _diversity_sentence(current: dict, previous: dict) -> str | None:
    effective = current["topic_diversity"]["effective_number"]
    if effective is None:
        return None
    text = f"Your feeds covered the variety of {effective:.1f} equally common topics"
    before = previous["topic_diversity"]["effective_number"] if previous["totals"]["impressions"] else None
    if before is not None:
        text += f" (last week {before:.1f})"
    return text + "."


def _sponsored_sentence(current: dict) -> str | None:
    sponsored, clickbait = current["sponsored_share"], current["clickbait"]["exposure_share"]
    parts = ([f"{percent(sponsored)} of the items were sponsored"] if sponsored is not None else []) + \
            ([f"{percent(clickbait)} looked like clickbait"] if clickbait is not None else [])
    return " and ".join(parts) + "." if parts else None


def _regret_sentence(regretted: list[dict], current: dict) -> str | None:
    if not regretted:
        return None
    dwell = sum(item["dwell_ms"] for item in regretted)
    total = current["totals"]["dwell_ms"]
    count = len(regretted)
    text = f"You had marked {count} item{'s' if count != 1 else ''} you saw this week as regretted"
    return text + (f"; they took {percent(dwell / total)} of your time." if total else ".")


def sentences(summary: dict) -> list[str]:
    """The plain-language sentences of a summary (see the module docstring)."""
    if not summary["has_data"]:
        period = summary["period"]
        return [f"No feed activity was recorded in {summary['week']} ({period['first_day']} to {period['last_day']}). "
                "If you browsed your feeds that week, check that the extension is installed and paired with this "
                "server (run 'feedaudit token')."]
    current, previous = summary["metrics"], summary["previous"]
    before_mix = summary["platforms_previous"]
    found = [_volume_sentence(current, previous)]
    ordered = sorted(summary["platforms"].items(), key=lambda kv: (-kv[1]["impressions"], kv[0]))
    found += [_platform_sentence(name, now, before_mix.get(name)) for name, now in ordered]
    found += [_mover_sentence(current, previous, summary["change"]), _capture_sentence(current),
              _diversity_sentence(current, previous), _sponsored_sentence(current),
              _regret_sentence(summary["regretted_items"], current)]
    return [sentence for sentence in found if sentence]


def period(week: str, tz: str) -> dict:
    year, number = audit.parse_week(week)
    from_ms, to_ms = audit.week_bounds(year, number, tz)
    monday = dt.date.fromisocalendar(year, number, 1)
    return {"first_day": monday.isoformat(), "last_day": (monday + dt.timedelta(days=6)).isoformat(),
            "from_ms": from_ms, "to_ms": to_ms}


def weekly_summary(db: sqlite_utils.Database, week: str, tz: str, platform: str | None = None,
                   previous_feedback: bool = True) -> dict:
    """The weekly summary of ISO week ``week`` (e.g. '2026-W48') in time zone ``tz``; AuditError on a bad week.
    ``previous_feedback`` as in :func:`audit.summary` (the API and the exports keep it)."""
    summary = audit.summary(db, week, tz, platform, previous_feedback)
    summary["period"] = period(summary["week"], tz)
    summary["platform"] = platform
    bounds = (summary["period"]["from_ms"], summary["period"]["to_ms"])
    previous_bounds = (summary["previous"]["range"]["from_ms"], summary["previous"]["range"]["to_ms"])
    summary["platforms"] = platform_mix(db, *bounds, platform, tz)
    summary["platforms_previous"] = platform_mix(db, *previous_bounds, platform, tz)
    summary["top_items"] = top_items(db, *bounds, platform, tz=tz)
    summary["regretted_items"] = regretted_items(db, *bounds, platform)
    found = biggest_finding(summary["metrics"]["feedback_loop"])
    summary["finding"] = finding_sentence(found, found["window"]) if found else None
    summary["finding_detail"] = found
    summary["sentences"] = sentences(summary)
    return summary


def last_complete_week(tz: str, now: dt.datetime | None = None) -> str:
    """The label of the last ISO week that has ended in time zone ``tz`` (``now`` defaults to the clock)."""
    from zoneinfo import ZoneInfo

    local_now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(ZoneInfo(tz))
    return audit.week_label(*audit.last_complete_week(local_now))
