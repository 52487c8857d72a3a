"""What the report's figure pages show, computed on the server (no Flask here).

Each page function (``overview``, ``topics``, ``sources``, ``game``, ``item_map``)
returns a plain dict: readable *figures* (already formatted, with units and
their change) for the template, and *chart* data for the page's small ES module
to draw with Plotly. The audit figures come from :func:`audit.metrics` and
:func:`audit.summary` (defined in :mod:`feedaudit.analytics`); what they lack
(time in feeds per platform, per-day category shares, new sources, the 2-D map)
is computed here with plain SQL over the same impressions.

Conventions
- A *period* is a run of whole local days in the configured time zone: an ISO
  week (``?week=2026-W03``) or ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both days
  included). Its previous period is the run of the same length just before.
- Categories are named as in :mod:`feedaudit.audit`: "Other" for items that fit
  no category, "Uncategorized" for items not categorized yet.
- Plotly renders HTML in labels and hover text, so every string in chart data
  is HTML-escaped here (:func:`plot_text`); the templates escape the rest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import json
import math
from collections.abc import Mapping
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np
import sqlite_utils

from . import analytics as an
from . import audit, rollups, settings, weekly
from .enrichment import configured_model_id, stored_vectors

PLATFORM_NAMES = {"youtube": "YouTube", "reddit": "Reddit", "x": "X", "hackernews": "Hacker News",
                  "news": "News sites", "googlenews": "Google News"}
#: Okabe & Ito's colour-blind-safe palette without its black (invisible in dark mode); grey is kept
#: for "Other", "Uncategorized" and lumped categories.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
#: With more categories than colours, the marker shape (map) or fill pattern (bars, areas) tells them apart.
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x"]
PATTERNS = ["", "/", ".", "x", "-"]
NEUTRAL = "#8c8c8c"
REST_GREY = "#c8c8cc"
TREND_WEEKS = 8
AREA_CATEGORIES = 8
TOP_LISTED = 5
SOURCES_LISTED = 20
MAP_MAX_POINTS = 3000
MAP_TITLE_CHARS = 140
MAX_PERIOD_DAYS = 731

CATEGORY_SQL = ("CASE WHEN c.name IS NOT NULL THEN c.name WHEN it.category_source IS NOT NULL THEN 'Other' "
                "ELSE '' END")
SHOWN_SQL = """FROM impressions i JOIN items it ON it.key = i.item_key
               LEFT JOIN categories c ON c.id = it.category_id
               LEFT JOIN dwell d ON d.impression_id = i.id
               WHERE i.ts >= ? AND i.ts < ?"""


class ReportError(ValueError):
    """A bad page parameter; the message says what to send instead."""


# ---------------------------------------------------------------- formatting
MINUS = "\u2212"


def _signed(text: str, value: float) -> str:
    return ("+" + text) if value > 0 else (MINUS + text.lstrip("-")) if value < 0 else text.lstrip("-")


def format_count(value) -> str:
    """3533 → "3,533"; None → "–"."""
    return "–" if value is None else f"{round(value):,}"


def format_share(value, digits: int = 1) -> str:
    """0.0359 → "3.6%"; None → "–"."""
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def format_points(delta, digits: int = 1) -> str:
    """A change of share in percentage points: 0.0023 → "+0.2 pp", −0.01 → "−1.0 pp"; None → "–"."""
    if delta is None:
        return "–"
    text = f"{abs(delta) * 100:.{digits}f}"
    return _signed(text, round(delta * 100, digits)) + " pp"


def format_number(value, digits: int = 1) -> str:
    """14.955 → "15.0"; None → "–"."""
    return "–" if value is None else f"{value:,.{digits}f}"


def format_change(delta, digits: int = 0) -> str:
    """A signed change: 87 → "+87", −0.257 (digits 1) → "−0.3", 0 → "0"; None → "–"."""
    if delta is None:
        return "–"
    return _signed(f"{abs(delta):,.{digits}f}", round(delta, digits))


def format_duration(ms) -> str:
    """Milliseconds as "2 h 05 min", "12 min", "45 s"; None → "–"."""
    if ms is None:
        return "–"
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(ms / 60_000)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def format_duration_change(delta_ms) -> str:
    """A signed duration: +293861 ms → "+5 min"; None → "–"."""
    if delta_ms is None:
        return "–"
    text = format_duration(abs(delta_ms))
    return text if text == "0 s" else _signed(text, delta_ms)


def format_ratio(value) -> str:
    """Attention capture or placement ratio: 1.1439 → "1.14×"; None → "–"."""
    return "–" if value is None else f"{value:.2f}×"


def plot_text(value) -> str:
    """A string made safe for Plotly, which renders HTML tags in labels and hover text."""
    return html.escape(str(value), quote=True)


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def direction(delta) -> str:
    """"up", "down" or "flat" (for the arrow beside a change)."""
    if delta is None or delta == 0:
        return "flat"
    return "up" if delta > 0 else "down"


# ---------------------------------------------------------------- periods
@dataclasses.dataclass(frozen=True)
class Period:
    """Whole local days ``first_day`` … ``last_day`` (both included) in time zone ``tz``."""

    first_day: dt.date
    last_day: dt.date
    tz: str

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def from_ms(self) -> int:
        return _midnight_ms(self.first_day, self.tz)

    @property
    def to_ms(self) -> int:
        return _midnight_ms(self.last_day + dt.timedelta(days=1), self.tz)

    @property
    def week(self) -> str | None:
        """The ISO week label when the period is exactly one ISO week."""
        year, number, weekday = self.first_day.isocalendar()
        return audit.week_label(year, number) if weekday == 1 and self.days == 7 else None

    def shifted(self, periods: int) -> "Period":
        step = dt.timedelta(days=self.days * periods)
        return Period(self.first_day + step, self.last_day + step, self.tz)

    def query(self) -> str:
        """The query string that selects this period."""
        if self.week:
            return urlencode({"week": self.week})
        return urlencode({"from": self.first_day.isoformat(), "to": self.last_day.isoformat()})

    def title(self) -> str:
        """"Week 3 of 2026" or "5 Jan – 18 Jan 2026"."""
        if self.week:
            year, number, _ = self.first_day.isocalendar()
            return f"Week {number} of {year}"
        return self.dates()

    def dates(self) -> str:
        """"12 Jan – 18 Jan 2026" (years shown where they differ)."""
        first = f"{self.first_day.day} {self.first_day:%b}"
        if self.first_day.year != self.last_day.year:
            first += f" {self.first_day.year}"
        return f"{first} – {self.last_day.day} {self.last_day:%b %Y}"

    def describe(self) -> dict:
        return {"title": self.title(), "dates": self.dates(), "tz": self.tz, "week": self.week,
                "from_day": self.first_day.isoformat(), "to_day": self.last_day.isoformat(),
                "query": self.query(), "from_ms": self.from_ms, "to_ms": self.to_ms,
                "previous": self.shifted(-1).query(), "next": self.shifted(1).query()}


def _midnight_ms(day: dt.date, tz: str) -> int:
    return int(dt.datetime.combine(day, dt.time(), ZoneInfo(tz)).timestamp() * 1000)


def week_period(week: str, tz: str) -> Period:
    """The Monday–Sunday period of an ISO week label; ReportError names a bad label."""
    try:
        year, number = audit.parse_week(week)
    except audit.AuditError as exc:
        raise ReportError(str(exc)) from None
    monday = dt.date.fromisocalendar(year, number, 1)
    return Period(monday, monday + dt.timedelta(days=6), tz)


def _day_param(args: Mapping, name: str) -> dt.date:
    raw = args.get(name) or ""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ReportError(f"'{name}' must be a date like 2026-01-05, not {raw!r}") from None


def resolve_period(args: Mapping, tz: str, today: dt.date) -> Period:
    """The period a page asked for: ``week``, or ``from`` and ``to`` (days included), else this ISO week."""
    if args.get("week"):
        return week_period(args["week"], tz)
    if args.get("from") or args.get("to"):
        first, last = _day_param(args, "from"), _day_param(args, "to")
        if last < first:
            raise ReportError("'to' must be the same day as 'from' or later")
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise ReportError(f"a period can span at most {MAX_PERIOD_DAYS} days; pick a shorter one")
        return Period(first, last, tz)
    return current_week(tz, today)


def current_week(tz: str, today: dt.date) -> Period:
    monday = today - dt.timedelta(days=today.weekday())
    return Period(monday, monday + dt.timedelta(days=6), tz)


def today_in(tz: str, now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(ZoneInfo(tz)).date()


def data_status(db: sqlite_utils.Database, period: Period) -> dict:
    """Whether the period has impressions, whether any exist, and the latest week that has some."""
    in_period = db.execute("SELECT count(*) FROM impressions WHERE ts >= ? AND ts < ?",
                           (period.from_ms, period.to_ms)).fetchone()[0]
    latest_ts = db.execute("SELECT max(ts) FROM impressions").fetchone()[0]
    latest = None
    if latest_ts is not None:
        day = dt.datetime.fromtimestamp(latest_ts / 1000, ZoneInfo(period.tz)).date()
        latest = current_week(period.tz, day)
    return {"has_data": in_period > 0, "any_data": latest_ts is not None, "impressions": in_period,
            "latest_week": latest.week if latest else None,
            "latest_query": latest.query() if latest else None}


# ---------------------------------------------------------------- shared SQL
def category_counts(db: sqlite_utils.Database, from_ms: int, to_ms: int) -> dict[str, int]:
    """Impressions per category name in [from_ms, to_ms) ("Uncategorized" for not yet categorized)."""
    parts = rollups.range_parts(db, from_ms, to_ms, settings.timezone(db))
    if parts is not None:
        return _counts_by_name(db, parts)
    rows = db.execute(f"SELECT {CATEGORY_SQL}, count(*) {SHOWN_SQL} GROUP BY 1", (from_ms, to_ms)).fetchall()
    return {(name or audit.UNCATEGORIZED): count for name, count in rows}


def _counts_by_name(db: sqlite_utils.Database, parts) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (_, name), (shown, _) in rollups.platform_category_totals(db, parts).items():
        counts[name or audit.UNCATEGORIZED] = counts.get(name or audit.UNCATEGORIZED, 0) + shown
    return {name: count for name, count in counts.items() if count}


def effective_topics(counts: Mapping[str, int]) -> float | None:
    """Effective number of topics exp(H), H the Shannon entropy of exposure shares; None without impressions."""
    return math.exp(an.shannon_entropy(counts.values())) if sum(counts.values()) else None


def per_platform(db: sqlite_utils.Database, from_ms: int, to_ms: int) -> dict[str, dict]:
    """Per platform: impressions and dwell ms shown in the range, and time in feeds.

    Time in feeds is the active time of the feed sessions that started in the
    range (the extension counts a session's time only while its tab is in use).
    """
    result: dict[str, dict] = {}
    parts = rollups.range_parts(db, from_ms, to_ms, settings.timezone(db))
    if parts is not None:
        shown_rows: dict[str, list] = {}
        for (platform, _), (count, dwell) in rollups.platform_category_totals(db, parts).items():
            totals = shown_rows.setdefault(platform, [0, 0.0])
            totals[0], totals[1] = totals[0] + count, totals[1] + dwell
        shown = [(platform, count, int(round(dwell))) for platform, (count, dwell) in shown_rows.items() if count]
    else:
        shown = db.execute(f"SELECT i.platform, count(*), sum(coalesce(d.visible_ms, 0)) {SHOWN_SQL} GROUP BY 1",
                           (from_ms, to_ms)).fetchall()
    for platform, count, dwell in shown:
        result[platform] = {"impressions": count, "dwell_ms": dwell, "feed_ms": 0, "sessions": 0}
    for platform, count, active in db.execute(
            "SELECT platform, count(*), sum(active_ms) FROM sessions WHERE start_ts >= ? AND start_ts < ? GROUP BY 1",
            (from_ms, to_ms)):
        entry = result.setdefault(platform, {"impressions": 0, "dwell_ms": 0})
        entry.update(feed_ms=active, sessions=count)
    return dict(sorted(result.items()))


def category_styles(db: sqlite_utils.Database) -> dict[str, dict]:
    """A fixed colour and shape per category (taxonomy order), the same on every page.

    Seven colour-blind-safe colours, then the same colours with another marker
    shape / fill pattern; "Other" and "Uncategorized" are neutral grey.
    """
    names = [row[0] for row in db.execute("SELECT name FROM categories ORDER BY position, id")]
    styles = {name: {"color": OKABE_ITO[n % len(OKABE_ITO)],
                     "symbol": SYMBOLS[(n // len(OKABE_ITO)) % len(SYMBOLS)],
                     "pattern": PATTERNS[(n // len(OKABE_ITO)) % len(PATTERNS)]} for n, name in enumerate(names)}
    styles["Other"] = {"color": NEUTRAL, "symbol": "circle-open", "pattern": "x"}
    styles[audit.UNCATEGORIZED] = {"color": NEUTRAL, "symbol": "x", "pattern": "."}
    return styles


def _style_of(styles: dict, name: str) -> dict:
    return styles.get(name) or {"color": NEUTRAL, "symbol": "circle", "pattern": ""}


def figure(key: str, label: str, value: str, change: str | None = None, delta=None, note: str = "") -> dict:
    """One headline figure as the templates show it (``data-figure=key``)."""
    return {"key": key, "label": label, "value": value, "change": change, "direction": direction(delta), "note": note}


# ---------------------------------------------------------------- overview
def weekly_summary(db: sqlite_utils.Database, week: str, tz: str) -> dict:
    """The week's summary with its sentences and finding (``weekly.weekly_summary``); the overview shows
    this week's feedback loop only, so last week's is left out."""
    return weekly.weekly_summary(db, week, tz, previous_feedback=False)


def _lift_points(estimate: dict) -> str:
    return f"{format_points(estimate['mean'])} (95% interval {format_points(estimate['ci_low'])} to " \
           f"{format_points(estimate['ci_high'])}, {estimate['events']} engagements)"


def feedback_finding(feedback_loop: dict) -> str:
    """The strongest feedback-loop finding in one plain sentence (or why there is none yet)."""
    window = feedback_loop.get("window", 50)
    measured = [(platform, category, est) for platform, lifts in feedback_loop.get("lifts", {}).items()
                for category, est in lifts.items() if est["status"] == "ok"]
    if not measured:
        return _not_enough_sentence(feedback_loop)
    platform, category, est = max(measured, key=lambda row: (abs(row[2]["mean"]), row[2]["events"]))
    where = platform_name(platform)
    if est["ci_low"] > 0:
        return (f"On {where}, after you engaged with {category}, the next {window} items held "
                f"{format_points(est['mean'])} more {category} than the {window} before "
                f"(95% interval {format_points(est['ci_low'])} to {format_points(est['ci_high'])}, "
                f"{est['events']} engagements).")
    if est["ci_high"] < 0:
        return (f"On {where}, after you engaged with {category}, the next {window} items held less {category} "
                f"than the {window} before: {_lift_points(est)}.")
    return (f"No clear feedback loop yet: the largest measured change, {category} on {where}, is "
            f"{_lift_points(est)}, and its interval includes zero.")


def _not_enough_sentence(feedback_loop: dict) -> str:
    counts = [(est["events"], platform, category) for platform, lifts in feedback_loop.get("lifts", {}).items()
              for category, est in lifts.items()]
    if not counts:
        return "Not enough data yet to see how your feeds respond to what you engage with."
    events, platform, category = max(counts)
    return (f"Not enough data yet to see how your feeds respond to what you engage with: the most evidence is "
            f"{events} engagement{'s' if events != 1 else ''} with {category} on {platform_name(platform)}, "
            f"and a lift needs {an.MIN_EVENTS}.")


def drift_weeks(db: sqlite_utils.Database, period: Period) -> tuple[float | None, float | None]:
    """Drift of this week from the week before, and of the week before from its own previous week.

    Cosine distance between successive weekly exposure centroids (analytics.drift); None without both weeks.
    """
    parts = rollups.range_parts(db, period.shifted(-2).from_ms, period.to_ms, period.tz)
    if parts is not None:
        successive = rollups.weekly_drift(parts)
    else:
        window = audit.load_window(db, period.shifted(-2).from_ms, period.to_ms)
        successive = an.drift(window.impressions, window.embeddings, period.tz).successive
    return successive.get(period.week), successive.get(period.shifted(-1).week)


def topic_trend(db: sqlite_utils.Database, period: Period, weeks: int = TREND_WEEKS) -> dict:
    """Effective number of topics of this week and the weeks before it (None for weeks without impressions)."""
    periods = [period.shifted(-back) for back in range(weeks - 1, -1, -1)]
    parts = rollups.range_parts(db, periods[0].from_ms, period.to_ms, period.tz)  # one read for all the weeks
    values = []
    for week in periods:
        if parts is None:
            counts = category_counts(db, week.from_ms, week.to_ms)
        else:
            first, last = rollups.day_of(week.from_ms, week.tz), rollups.day_of(week.to_ms - 1, week.tz)
            counts = _counts_by_name(db, [part for part in parts if first <= part.day <= last])
        values.append(effective_topics(counts))
    return {"weeks": [week.week or week.dates() for week in periods], "values": values}


def _top_categories(shares: dict, changes: dict, count: int = TOP_LISTED) -> list[dict]:
    ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[:count]
    return [{"name": name, "share": format_share(share), "change": format_points(changes.get(name)),
             "direction": direction(changes.get(name))} for name, share in ranked]


def _platform_rows(now: dict, before: dict) -> list[dict]:
    rows = []
    for platform in sorted(set(now) | set(before)):
        current, previous = now.get(platform, {}), before.get(platform, {})
        feed, feed_before = current.get("feed_ms", 0), previous.get("feed_ms", 0)
        shown, shown_before = current.get("impressions", 0), previous.get("impressions", 0)
        rows.append({"platform": platform, "name": platform_name(platform),
                     "feed_time": format_duration(feed), "feed_change": format_duration_change(feed - feed_before),
                     "impressions": format_count(shown), "impressions_change": format_change(shown - shown_before),
                     "dwell": format_duration(current.get("dwell_ms", 0))})
    return rows


def safe_url(url) -> str | None:
    """The URL when it is http(s), else None: only those may become links."""
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


def _listed_items(items) -> list[dict]:
    return [{**item, "url": safe_url(item.get("url")), "dwell_text": format_duration(item.get("dwell_ms", 0))}
            for item in items or []]


def _headline(now: dict, change: dict, feed: tuple[float, float], drift: tuple, taxonomy: int) -> list[dict]:
    """The overview's six headline figures, each with its change from last week."""
    moved = change["figures"]
    feed_delta = feed[0] - feed[1]
    drift_delta = None if None in drift else drift[0] - drift[1]
    return [
        figure("feed_time", "Time in feeds", format_duration(feed[0]), format_duration_change(feed_delta), feed_delta,
               "Active time on feed pages, summed over sessions."),
        figure("impressions", "Items shown", format_count(now["totals"]["impressions"]),
               format_change(moved["impressions"]), moved["impressions"], "At least half on screen for a second."),
        figure("effective_topics", "Effective number of topics", format_number(now["topic_diversity"]["effective_number"]),
               format_change(moved["effective_topics"], 1), moved["effective_topics"],
               f"exp(entropy) of the category shares; {taxonomy} categories possible."),
        figure("drift", "Drift from last week", format_number(drift[0], 3), format_change(drift_delta, 3), drift_delta,
               "Cosine distance between the weeks' average items: 0 is the same mix."),
        figure("sponsored_share", "Sponsored", format_share(now["sponsored_share"]),
               format_points(moved["sponsored_share"]), moved["sponsored_share"], "Share of items marked as ads or promoted."),
        figure("clickbait_share", "Clickbait", format_share(now["clickbait"]["exposure_share"]),
               format_points(moved["clickbait_share"]), moved["clickbait_share"],
               "Share of items whose title scores 0.5 or more."),
    ]


def overview(db: sqlite_utils.Database, period: Period) -> dict:
    """This week's figures with their change from last week; ``period`` must be an ISO week."""
    summary = weekly_summary(db, period.week, period.tz)
    now, change = summary["metrics"], summary["change"]
    platforms_now = per_platform(db, period.from_ms, period.to_ms)
    platforms_before = per_platform(db, period.shifted(-1).from_ms, period.shifted(-1).to_ms)
    feed = tuple(sum(p.get("feed_ms", 0) for p in platforms.values()) for platforms in (platforms_now, platforms_before))
    taxonomy = db.execute("SELECT count(*) FROM categories").fetchone()[0] + 1  # + Other
    return {
        "summary_week": summary["week"],
        "previous_week": summary["previous_week"],
        "versus": f"last week ({summary['previous_week']}, {period.shifted(-1).dates()})",
        "figures": _headline(now, change, feed, drift_weeks(db, period), taxonomy),
        "finding": summary.get("finding") or feedback_finding(now["feedback_loop"]),
        "sentences": summary.get("sentences") or [],
        "platforms": _platform_rows(platforms_now, platforms_before),
        "top_exposure": _top_categories(now["exposure_share"]["category"], change["exposure_share"]),
        "top_attention": _top_categories(now["attention_share"]["category"], change["attention_share"]),
        "top_items": _listed_items(summary.get("top_items")),
        "regretted_items": _listed_items(summary.get("regretted_items")),
        "chart": {"trend": topic_trend(db, period), "taxonomy_size": taxonomy},
    }


# ---------------------------------------------------------------- topics
def daily_category_shares(db: sqlite_utils.Database, period: Period, keep: int = AREA_CATEGORIES) -> dict:
    """Per local day, each category's share of that day's impressions (None on days without any).

    The ``keep`` categories with the most impressions in the period are kept;
    the rest are summed into one series named "N more categories".
    """
    days, per_day = [], []
    for offset in range(period.days):
        day = period.first_day + dt.timedelta(days=offset)
        one = Period(day, day, period.tz)
        days.append(day.isoformat())
        per_day.append(category_counts(db, one.from_ms, one.to_ms))
    totals: dict[str, int] = {}
    for counts in per_day:
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count
    ranked = sorted(totals, key=lambda name: (-totals[name], name))
    kept, rest = ranked[:keep], ranked[keep:]
    series = [{"name": name, "values": [_share_of(counts, [name]) for counts in per_day]} for name in kept]
    if rest:
        series.append({"name": f"{len(rest)} more categories", "values": [_share_of(counts, rest) for counts in per_day],
                       "rest": True})
    return {"days": days, "series": series}


def _share_of(counts: dict, names: list[str]) -> float | None:
    total = sum(counts.values())
    return sum(counts.get(name, 0) for name in names) / total if total else None


INTENTION_WORDS = {"at_most": "at most", "at_least": "at least", "exactly": "exactly", "more": "more", "less": "less"}


def intention_text(intention: dict | None) -> str:
    """{"kind": "at_most", "value": 0.1} → "at most 10%"; {"kind": "more"} → "more"; none → ""."""
    if not intention:
        return ""
    words = INTENTION_WORDS.get(intention["kind"], intention["kind"])
    value = intention.get("value")
    return f"{words} {format_share(value, 0)}" if value is not None and intention["kind"] not in ("more", "less") \
        else words


def _category_rows(metrics: dict) -> list[dict]:
    exposure, attention = metrics["exposure_share"]["category"], metrics["attention_share"]["category"]
    preferences = metrics["preferences"]
    intended = preferences.get("intended_shares") or {}
    names = sorted(set(exposure) | set(intended), key=lambda name: (-exposure.get(name, 0.0), name))
    rows = []
    for name in names:
        target = intended.get(name)
        gap = None if target is None else exposure.get(name, 0.0) - target
        rows.append({
            "name": name,
            "exposure": format_share(exposure.get(name, 0.0)),
            "attention": format_share(attention.get(name, 0.0)),
            "capture": format_ratio(metrics["attention_capture"].get(name)),
            "placement": format_ratio(metrics["rank_placement"].get(name)),
            "ctr": format_share(metrics["click_through_rate"]["category"].get(name)),
            "intention": intention_text(preferences["intentions"].get(name)),
            "intended": format_share(target) if target is not None else "",
            "gap": format_points(gap) if gap is not None else "",
        })
    return rows


def _capture_sentence(metrics: dict) -> str:
    exposure, attention = metrics["exposure_share"]["category"], metrics["attention_share"]["category"]
    captured = {name: ratio for name, ratio in metrics["attention_capture"].items() if ratio is not None}
    if not captured:
        return ""
    name = max(captured, key=lambda key: (captured[key], key))
    return (f"{name} holds your eyes longest: {format_share(attention.get(name))} of your attention from "
            f"{format_share(exposure.get(name))} of what you were shown ({format_ratio(captured[name])}).")


def topics(db: sqlite_utils.Database, period: Period) -> dict:
    """Exposure vs attention vs intention per category, daily shares, attention capture, rank placement."""
    metrics = audit.metrics(db, period.from_ms, period.to_ms, tz=period.tz)
    diversity = metrics["topic_diversity"]
    styles = category_styles(db)
    rows = _category_rows(metrics)
    names = [row["name"] for row in rows]
    exposure, attention = metrics["exposure_share"]["category"], metrics["attention_share"]["category"]
    intended = metrics["preferences"].get("intended_shares") or {}
    area = daily_category_shares(db, period)
    for series in area["series"]:
        style = {"color": REST_GREY, "pattern": ""} if series.get("rest") else _style_of(styles, series["name"])
        series.update(name=plot_text(series["name"]), color=style["color"], pattern=style["pattern"])
    return {
        "figures": [
            figure("effective_topics", "Effective number of topics", format_number(diversity["effective_number"]),
                   note="exp(entropy) of the category shares: how many equally common topics would be as varied."),
            figure("normalized_entropy", "Evenness", format_share(diversity["normalized"], 0),
                   note="Entropy divided by its maximum (every category equally common) = 100%."),
            figure("category_gini", "Gini over categories", format_number(diversity["gini"], 2),
                   note="0 = every category shown equally, near 1 = one category dominates."),
            figure("categories_seen", "Categories seen", format_count(diversity["categories_seen"])),
        ],
        "capture_sentence": _capture_sentence(metrics),
        "rows": rows,
        "has_intentions": bool(intended),
        "chart": {
            "categories": [plot_text(name) for name in names],
            "exposure": [exposure.get(name, 0.0) for name in names],
            "attention": [attention.get(name, 0.0) for name in names],
            "intended": [intended.get(name) for name in names] if intended else None,
            "capture": [metrics["attention_capture"].get(name) for name in names],
            "placement": [metrics["rank_placement"].get(name) for name in names],
            "area": area,
        },
    }


# ---------------------------------------------------------------- sources
def source_counts(db: sqlite_utils.Database, from_ms: int, to_ms: int) -> dict[str, dict]:
    """Impressions and dwell per source in [from_ms, to_ms), with the platforms it appeared on."""
    rolled_up = rollups.range_sources(db, from_ms, to_ms, settings.timezone(db))
    if rolled_up is not None:
        return rolled_up
    result: dict[str, dict] = {}
    for platform, author, url, count, dwell in db.execute(
            f"SELECT it.platform, it.author, it.url, count(*), sum(coalesce(d.visible_ms, 0)) {SHOWN_SQL} "
            "GROUP BY it.key", (from_ms, to_ms)):
        entry = result.setdefault(audit.source_of(platform, author, url),
                                  {"impressions": 0, "dwell_ms": 0, "platforms": set()})
        entry["impressions"] += count
        entry["dwell_ms"] += dwell
        entry["platforms"].add(platform)
    return result


def new_sources(db: sqlite_utils.Database, period: Period, shown: Mapping[str, dict]) -> set[str]:
    """The sources of ``shown`` never seen before the period began (over all stored history).
    An unknown source ("") is not a source one could have met before, so it never counts as new."""
    first_day = rollups.day_of(period.from_ms, period.tz)
    named = [name for name in shown if name]
    earlier = rollups.seen_before(db, named, first_day, period.tz)
    if earlier is not None:
        return {name for name in named if name not in earlier}
    first_seen = first_seen_by_source(db, period.to_ms)
    return {name for name in named if first_seen.get(name, period.from_ms) >= period.from_ms}


def first_seen_by_source(db: sqlite_utils.Database, before_ms: int) -> dict[str, int]:
    """When each source was first seen (its earliest item's first impression), over all history before ``before_ms``
    (a pass over every item: used only while the rollups of that history are being built)."""
    first: dict[str, int] = {}
    for platform, author, url, seen in db.execute(
            "SELECT platform, author, url, first_seen_ts FROM items WHERE first_seen_ts < ?", (before_ms,)):
        source = audit.source_of(platform, author, url)
        if source not in first or seen < first[source]:
            first[source] = seen
    return first


def source_label(source: str) -> str:
    return source or "(source unknown)"


def sources(db: sqlite_utils.Database, period: Period) -> dict:
    """Source concentration, the top sources with their change from the previous period, and new sources.

    A source is *new* when nothing from it was seen before the period began (over all stored history);
    the new-source share is the share of the period's items that came from new sources.
    """
    metrics = audit.metrics(db, period.from_ms, period.to_ms, tz=period.tz)
    concentration = metrics["source_concentration"]
    now = source_counts(db, period.from_ms, period.to_ms)
    before = source_counts(db, period.shifted(-1).from_ms, period.shifted(-1).to_ms)
    total, total_before = sum(e["impressions"] for e in now.values()), sum(e["impressions"] for e in before.values())
    dwell_total = sum(e["dwell_ms"] for e in now.values())
    fresh = new_sources(db, period, now)
    new = {name: entry for name, entry in now.items() if name in fresh}
    new_share = sum(e["impressions"] for e in new.values()) / total if total else None

    def share(entry, of):
        return entry["impressions"] / of if of else 0.0

    top = sorted(now, key=lambda name: (-now[name]["impressions"], name))[:SOURCES_LISTED]
    rows = []
    for name in top:
        current = share(now[name], total)
        previous = share(before[name], total_before) if name in before else 0.0
        delta = current - previous if total_before else None
        rows.append({"name": source_label(name), "platforms": ", ".join(platform_name(p) for p in sorted(now[name]["platforms"])),
                     "impressions": format_count(now[name]["impressions"]), "share": format_share(current),
                     "attention": format_share(now[name]["dwell_ms"] / dwell_total if dwell_total else None),
                     "previous": format_share(previous) if total_before else "–",
                     "change": format_points(delta), "direction": direction(delta), "new": name in new})
    new_rows = [{"name": source_label(name), "platforms": ", ".join(platform_name(p) for p in sorted(e["platforms"])),
                 "impressions": format_count(e["impressions"]), "share": format_share(share(e, total))}
                for name, e in sorted(new.items(), key=lambda kv: (-kv[1]["impressions"], kv[0]))[:SOURCES_LISTED]]
    return {
        "figures": [
            figure("distinct_sources", "Sources", format_count(concentration["distinct"]),
                   note="Channels, subreddits, accounts and sites that showed you something."),
            figure("source_gini", "Gini over sources", format_number(concentration["gini"], 2),
                   note="0 = every source shown equally often, near 1 = a few sources fill the feed."),
            figure("top5_share", "Top 5 sources", format_share(concentration["top5_share"]),
                   note="Share of all items that came from the five most frequent sources."),
            figure("new_source_share", "From new sources", format_share(new_share),
                   note="Share of items from sources never seen before this period."),
        ],
        "rows": rows,
        "new_rows": new_rows,
        "new_count": len(new),
        "has_previous": total_before > 0,
        "chart": {"sources": [plot_text(source_label(name)) for name in top],
                  "exposure": [share(now[name], total) for name in top],
                  "attention": [now[name]["dwell_ms"] / dwell_total if dwell_total else 0.0 for name in top]},
    }


# ---------------------------------------------------------------- the game
def lift_row(category: str, estimate: dict) -> dict:
    """One feedback-loop estimate in words: mean lift and interval in percentage points, or "not enough data"."""
    enough = estimate["status"] == "ok"
    return {"category": category, "events": estimate["events"], "enough": enough,
            "lift": format_points(estimate["mean"]) if enough else "not enough data",
            "interval": f"{format_points(estimate['ci_low'])} to {format_points(estimate['ci_high'])}" if enough else "–",
            "clear": enough and (estimate["ci_low"] > 0 or estimate["ci_high"] < 0)}


def responsiveness_words(estimate: dict | None) -> tuple[str, str]:
    """(value, explanation) of a platform's responsiveness: the mean lift in pp, or "Not enough data"."""
    if not estimate or estimate["status"] != "ok":
        events = estimate["events"] if estimate else 0
        return "Not enough data", (f"{events} engagement{'s' if events != 1 else ''} in categories with enough "
                                   f"evidence; each category needs {an.MIN_EVENTS}.")
    return format_points(estimate["mean"]), (f"95% interval {format_points(estimate['ci_low'])} to "
                                             f"{format_points(estimate['ci_high'])}, {estimate['events']} engagements.")


@dataclasses.dataclass
class Placement:
    """One platform's impressions in a period: per category name (shown, shown in the top
    ranks), and sponsored impressions overall and in the top ranks."""

    by_category: dict[str, tuple[int, int]]
    sponsored: int = 0
    sponsored_top: int = 0

    @property
    def shown(self) -> int:
        return sum(shown for shown, _ in self.by_category.values())

    @property
    def top(self) -> int:
        return sum(top for _, top in self.by_category.values())


def placement_of_impressions(impressions: an.Impressions, top: int = an.shares.TOP_PLACEMENT_RANKS) -> Placement:
    """The Placement of some impressions of one platform."""
    names = np.array([c or audit.UNCATEGORIZED for c in impressions.category], dtype=object)
    in_top = impressions.rank <= top
    return Placement({name: (int((names == name).sum()), int((in_top & (names == name)).sum()))
                      for name in sorted(set(names.tolist()))},
                     int(impressions.sponsored.sum()), int((impressions.sponsored & in_top).sum()))


SPONSORED_TOP_SQL = f"""SELECT i.platform, sum(coalesce(it.sponsored, i.sponsored_hint, 0))
    FROM impressions i JOIN items it ON it.key = i.item_key
    WHERE i.ts >= ? AND i.ts < ? AND i.rank <= {an.shares.TOP_PLACEMENT_RANKS} GROUP BY i.platform"""


def placements(db: sqlite_utils.Database, period: Period) -> dict[str, Placement]:
    """Per platform, the period's Placement: category counts from the daily rollups (the
    raw rows when they cannot serve), sponsored-in-top counts from the top-ranked rows."""
    parts = rollups.range_parts(db, period.from_ms, period.to_ms, period.tz)
    if parts is None:
        impressions = audit.load_window(db, period.from_ms, period.to_ms).impressions
        return {p: placement_of_impressions(impressions.subset(impressions.platform == p))
                for p in sorted(set(impressions.platform.tolist()))}
    found: dict[str, Placement] = {}
    for (platform, name), row in sorted(rollups.platform_category_sums(db, parts).items()):
        if row[0]:
            found.setdefault(platform, Placement({})).by_category[name or audit.UNCATEGORIZED] = (int(row[0]), int(row[3]))
    for part in parts:
        if part.platform in found:
            found[part.platform].sponsored += int(part.meta["sponsored"])
    for platform, count in db.execute(SPONSORED_TOP_SQL, (period.from_ms, period.to_ms)):
        if platform in found:
            found[platform].sponsored_top = int(count or 0)
    return found


def placement_rows(placement: Placement) -> list[dict]:
    """Per category of one platform: its share of the top positions, its overall share, and
    their ratio (the rank placement of :func:`analytics.rank_placement`)."""
    shown, top = placement.shown, placement.top
    rows = [{"category": name, "top_share": in_top / top if top else None, "share": count / shown,
             "top_count": in_top, "ratio": (in_top / top if top else 0.0) / (count / shown)}
            for name, (count, in_top) in sorted(placement.by_category.items())]
    return sorted(rows, key=lambda row: (-(row["ratio"] or 0.0), row["category"]))


def sponsored_placement(placement: Placement) -> dict:
    """Sponsored share of all items and of the top positions."""
    overall = placement.sponsored / placement.shown if placement.shown else None
    first = placement.sponsored_top / placement.top if placement.top else None
    return {"share": format_share(overall), "top_share": format_share(first),
            "ratio": format_ratio(first / overall) if overall and first is not None else "–",
            "count": placement.sponsored}


def _platform_game(platform: str, placement: Placement, feedback: dict) -> dict:
    lifts = feedback["lifts"].get(platform, {})
    rows = sorted((lift_row(c, est) for c, est in lifts.items()), key=lambda row: (-row["events"], row["category"]))
    placed = placement_rows(placement)
    return {
        "platform": platform, "name": platform_name(platform), "impressions": format_count(placement.shown),
        "responsiveness": responsiveness_words(feedback["responsiveness"].get(platform)),
        "responsive_ok": (feedback["responsiveness"].get(platform) or {}).get("status") == "ok",
        "lifts": rows, "measured": sum(row["enough"] for row in rows),
        "engagements": sum(row["events"] for row in rows),
        "first": [_placement_words(p) for p in placed[:3]],
        "last": [_placement_words(p) for p in reversed(placed[-3:])] if len(placed) > 3 else [],
        "sponsored": sponsored_placement(placement),
        "placements": placed,
    }


def _placement_words(row: dict) -> dict:
    return {"category": row["category"], "ratio": format_ratio(row["ratio"]),
            "top_share": format_share(row["top_share"]), "share": format_share(row["share"]),
            "top_count": row["top_count"]}


def game(db: sqlite_utils.Database, period: Period) -> dict:
    """Per platform: the feedback loop, responsiveness, what the feed puts first, sponsored placement."""
    metrics = audit.metrics(db, period.from_ms, period.to_ms, tz=period.tz)
    feedback = metrics["feedback_loop"]
    platforms = [_platform_game(p, placement, feedback) for p, placement in sorted(placements(db, period).items())]
    categories = sorted({row["category"] for p in platforms for row in p["placements"]})
    estimates = [(p["name"], row) for p in platforms for row in p["lifts"] if row["enough"]]
    raw = {(platform_name(p), c): est for p, lifts in feedback["lifts"].items() for c, est in lifts.items()}
    ratios = [[_ratio_of(rows, c) for c in categories] for rows in (p.pop("placements") for p in platforms)]
    return {
        "finding": feedback_finding(feedback),
        "window": feedback.get("window"),
        "min_events": an.MIN_EVENTS,
        "platforms": platforms,
        "amplification": {platform_name(p): values for p, values in metrics["amplification"].items()},
        "rank_band_ctr": {band: format_share(value, 2) for band, value in metrics["click_through_rate"]["rank_band"].items()},
        "chart": {
            "placement": {
                "platforms": [plot_text(p["name"]) for p in platforms],
                "categories": [plot_text(c) for c in categories],
                "ratios": ratios,
            },
            "lifts": {
                "labels": [plot_text(f"{name} · {row['category']}") for name, row in estimates],
                "mean": [raw[(name, row["category"])]["mean"] for name, row in estimates],
                "low": [raw[(name, row["category"])]["ci_low"] for name, row in estimates],
                "high": [raw[(name, row["category"])]["ci_high"] for name, row in estimates],
                "events": [row["events"] for _, row in estimates],
            },
        },
    }


def _ratio_of(rows: list[dict], category: str) -> float | None:
    return next((row["ratio"] for row in rows if row["category"] == category), None)


# ---------------------------------------------------------------- map
# Items first (one row per item shown, with whether its text has a vector), dwell later for the drawn sample
# only: joining items and dwell to every impression of a week took ~0.3 s on a heavy week.
MAP_ITEMS_SQL = f"""WITH shown AS (SELECT item_key, count(*) AS impressions FROM impressions
                                   WHERE ts >= ? AND ts < ? GROUP BY item_key)
    SELECT it.key, coalesce(it.title, it.text, ''), it.text_hash, {CATEGORY_SQL}, it.platform, it.author, it.url,
           s.impressions, it.text_hash IS NOT NULL AND it.embedding_model IS ?  -- its vector is stored
    FROM shown s JOIN items it ON it.key = s.item_key LEFT JOIN categories c ON c.id = it.category_id
    ORDER BY it.key"""
# The first seven of those columns for a list of item keys (the sample, from the per-item rollups).
MAP_ITEM_ROWS_SQL = f"""
    SELECT it.key, coalesce(it.title, it.text, ''), it.text_hash, {CATEGORY_SQL}, it.platform, it.author, it.url
    FROM json_each(?) j CROSS JOIN items it ON it.key = j.value LEFT JOIN categories c ON c.id = it.category_id
    ORDER BY it.key"""
MAP_DWELL_SQL = """SELECT i.item_key, sum(coalesce(d.visible_ms, 0)) FROM impressions i
    LEFT JOIN dwell d ON d.impression_id = i.id
    WHERE i.item_key IN ({marks}) AND i.ts >= ? AND i.ts < ? GROUP BY i.item_key"""


def dwell_of_items(db: sqlite_utils.Database, keys: list[str], from_ms: int, to_ms: int) -> dict[str, int]:
    """Dwell ms of each item over its impressions in [from_ms, to_ms)."""
    dwell: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        sql = MAP_DWELL_SQL.format(marks=",".join("?" * len(chunk)))
        dwell.update(db.execute(sql, [*chunk, from_ms, to_ms]).fetchall())
    return dwell


@functools.cache
def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries, found once (a scan of the process costs ~4 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def project_2d(vectors: np.ndarray) -> tuple[np.ndarray, float]:
    """PCA of unit-length embeddings to two axes; returns the points and the share of variance they explain."""
    from sklearn.decomposition import PCA

    if len(vectors) < 3:
        return np.zeros((len(vectors), 2)), 0.0
    rows = an.semantic.unit_rows(vectors)
    # One BLAS thread: a few thousand rows take ~0.2 s, while a thread pool on a busy machine took 10 s or more.
    with _blas_controller().limit(limits=1):
        pca = PCA(n_components=2, random_state=0).fit(rows)
        return pca.transform(rows), float(pca.explained_variance_ratio_.sum())


def marker_sizes(dwell_ms: np.ndarray, smallest: float = 5.0, largest: float = 24.0) -> np.ndarray:
    """Marker diameter in px: area grows with dwell (square root), from ``smallest`` to ``largest``."""
    top = float(dwell_ms.max()) if dwell_ms.size else 0.0
    if top <= 0:
        return np.full(dwell_ms.shape, smallest)
    return smallest + (largest - smallest) * np.sqrt(dwell_ms / top)


def point_label(category: str, source: str) -> str:
    """ "category · source" of a map point, escaped (Plotly renders HTML)."""
    return f"{plot_text(category)} · {plot_text(source_label(source))}"


def hover_text(title: str, escaped_label: str, dwell_ms: float, shown: int) -> str:
    """The hover label of one map point: its title (escaped here: Plotly renders HTML), the already
    escaped "category · source" label, its dwell and impressions."""
    title = title if len(title) <= MAP_TITLE_CHARS else title[:MAP_TITLE_CHARS - 1] + "…"
    return f"{plot_text(title or '(no title)')}<br>{escaped_label}<br>{format_duration(dwell_ms)} in view, shown {shown}×"


def item_map(db: sqlite_utils.Database, period: Period, max_points: int = MAP_MAX_POINTS) -> dict:
    """The period's items placed by embedding (PCA to 2-D), one trace per category, sized by dwell.

    Items without an embedding yet are counted, not drawn; above ``max_points`` a random sample is
    drawn: the items whose key hashes are smallest (``rollups.smallest_hashes``; the figures say so).
    """
    model = configured_model_id(db)
    sample = rollups.map_sample(db, period.from_ms, period.to_ms, period.tz, max_points)
    if sample is None:  # rollups not built for this time zone or model yet: every item's row, from raw rows
        rows = db.execute(MAP_ITEMS_SQL, (period.from_ms, period.to_ms, model)).fetchall()
        item_count = len(rows)
        embedded = [row for row in rows if row[8]]
        embedded_total = len(embedded)
        drawn = set(rollups.smallest_hashes([row[0] for row in embedded], max_points))
        embedded = [row for row in embedded if row[0] in drawn]
    else:  # the rollups count the items and pick the sample: only the sample's rows are read
        item_count, embedded_total = sample.items, sample.embedded
        embedded = [(*row, sample.sample[row[0]][0], True) for row in db.execute(
            MAP_ITEM_ROWS_SQL, (json.dumps(sorted(sample.sample)),))]
    vectors = stored_vectors(db, sorted({row[2] for row in embedded if row[2]}), model)  # only the points drawn
    embedded = [row for row in embedded if row[2] in vectors]
    dwell_by_key = ({row[0]: sample.sample[row[0]][1] for row in embedded} if sample is not None
                    else dwell_of_items(db, [row[0] for row in embedded], period.from_ms, period.to_ms))
    # (key, title, text hash, category, platform, author, url, dwell, impressions), as the drawing below reads them
    embedded = [(*row[:7], dwell_by_key.get(row[0], 0), row[7]) for row in embedded]
    points, explained = project_2d(np.stack([vectors[row[2]] for row in embedded])) if embedded \
        else (np.zeros((0, 2)), 0.0)
    dwell = np.array([row[7] for row in embedded], dtype=np.float64)
    sizes = marker_sizes(dwell)
    styles = category_styles(db)
    xs, ys, rounded_sizes = np.round(points[:, 0], 4).tolist(), np.round(points[:, 1], 4).tolist(), \
        np.round(sizes, 1).tolist()
    labels: dict[tuple, str] = {}  # "category · source", escaped once per pair
    traces: dict[str, dict] = {}
    for n, row in enumerate(embedded):
        category = row[3] or audit.UNCATEGORIZED
        style = _style_of(styles, category)
        trace = traces.setdefault(category, {"name": plot_text(category), "color": style["color"],
                                             "symbol": style["symbol"], "x": [], "y": [], "size": [], "text": []})
        trace["x"].append(xs[n])
        trace["y"].append(ys[n])
        trace["size"].append(rounded_sizes[n])
        source = audit.source_of(row[4], row[5], row[6])
        label = labels.get((category, source))
        if label is None:
            label = labels[category, source] = point_label(category, source)
        trace["text"].append(hover_text(row[1], label, row[7], row[8]))
    return {
        "figures": [
            figure("items", "Items in the period", format_count(item_count)),
            figure("plotted", "Items on the map", format_count(len(embedded)),
                   note=f"A random sample of {format_count(embedded_total)}." if embedded_total > len(embedded) else ""),
            figure("not_embedded", "Not embedded yet", format_count(item_count - embedded_total),
                   note="Items still waiting to be understood are left out."),
            figure("explained", "Variation the map shows", format_share(explained, 0),
                   note="How much of the differences between items the two axes capture (PCA)."),
        ],
        "chart": {"traces": [traces[name] for name in sorted(traces)]},
    }
