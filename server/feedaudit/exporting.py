"""Weekly summary files: HTML, Markdown and JSON renderings of one summary object (no Flask here).

Every number in the HTML and Markdown is formatted from the JSON object of
:func:`feedaudit.weekly.weekly_summary` by the same ``FIGURES`` table and
formatters, so the three files cannot disagree.

The HTML is self-contained and printable: its charts are inline SVG (no
JavaScript, no network), its CSS is inline. Every captured string is escaped
(Jinja autoescape, inside the SVG too); only http(s) URLs become links. In Markdown, captured text is backslash-escaped so it can never
become markup, links or raw HTML.

Files are written as ``feedaudit-week-<YYYY-Www>.<ext>`` into the exports
folder of the data dir, atomically (temporary file, then rename).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
import sqlite_utils

from . import audit, weekly

FORMATS = {"html": "html", "md": "md", "json": "json"}
EXPORTS_DIRNAME = "exports"
FILE_PATTERN = re.compile(r"^feedaudit-week-(\d{4}-W\d{2})\.(html|md|json)$")
MAX_LABEL_CHARS = 40

# (key, label, path in the metrics object, format): the headline figures of every rendering.
FIGURES = [
    ("impressions", "Items shown", ("totals", "impressions"), "count"),
    ("items", "Distinct items", ("totals", "items"), "count"),
    ("dwell_ms", "Time items were on screen", ("totals", "dwell_ms"), "minutes"),
    ("clicks", "Clicks", ("totals", "clicks"), "count"),
    ("effective_topics", "Effective number of topics", ("topic_diversity", "effective_number"), "number"),
    ("source_gini", "Source concentration (Gini)", ("source_concentration", "gini"), "number"),
    ("sponsored_share", "Sponsored share", ("sponsored_share",), "percent"),
    ("clickbait_share", "Clickbait share", ("clickbait", "exposure_share"), "percent"),
    ("narrowness", "Narrowness", ("narrowness", "value"), "number"),
]


class ExportError(ValueError):
    pass


def _pick(data, path):
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def format_value(value, kind: str) -> str:
    """A figure as text: counts with thousands separators, shares in % with one decimal, minutes, numbers."""
    if value is None:
        return "n/a"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "minutes":
        return f"{value / 60_000:.1f} min"
    return f"{value:.2f}"


def format_change(now, before, kind: str) -> str:
    if now is None or before is None:
        return "n/a"
    change = now - before
    if kind == "percent":
        return f"{change * 100:+.1f} pts"
    if kind == "count":
        return f"{int(change):+,}"
    if kind == "minutes":
        return f"{change / 60_000:+.1f} min"
    return f"{change:+.2f}"


def figure_rows(summary: dict) -> list[dict]:
    """The headline figures: this week, last week and the change, formatted."""
    rows = []
    for key, label, path, kind in FIGURES:
        now, before = _pick(summary["metrics"], path), _pick(summary["previous"], path)
        rows.append({"key": key, "label": label, "now": format_value(now, kind),
                     "before": format_value(before, kind), "change": format_change(now, before, kind)})
    return rows


def category_rows(summary: dict) -> list[dict]:
    """Per category (most shown first): exposure and attention share this week, exposure last week, change."""
    exposure = summary["metrics"]["exposure_share"]["category"]
    attention = summary["metrics"]["attention_share"]["category"]
    before = summary["previous"]["exposure_share"]["category"]
    names = sorted(set(exposure) | set(before), key=lambda c: (-exposure.get(c, 0.0), -before.get(c, 0.0), c))
    return [{"category": name,
             "exposure": format_value(exposure.get(name, 0.0), "percent"),
             "attention": format_value(attention.get(name, 0.0), "percent") if attention else "n/a",
             "before": format_value(before.get(name, 0.0), "percent") if before else "n/a",
             "change": format_change(exposure.get(name, 0.0), before.get(name, 0.0), "percent") if before else "n/a"}
            for name in names]


def item_rows(items: list[dict]) -> list[dict]:
    return [{**item, "platform_name": weekly.platform_name(item["platform"]),
             "dwell": f"{item['dwell_ms'] / 1000:.1f} s", "url": weekly.safe_url(item.get("url"))} for item in items]


def view_model(summary: dict) -> dict:
    """Everything a template needs, formatted from the summary object."""
    return {"summary": summary, "figures": figure_rows(summary), "categories": category_rows(summary),
            "top_items": item_rows(summary["top_items"]), "regretted_items": item_rows(summary["regretted_items"])}


# --- charts -------------------------------------------------------------------------------------
# Charts are plain SVG geometry computed here and drawn by the template (autoescaped like all text):
# a few rectangles render in milliseconds, need no JavaScript and print crisply.

CHART_WIDTH = 720
LABEL_WIDTH = 190
BAR_HEIGHT = 11
ROW_GAP = 8
TOP = 28
AXIS_HEIGHT = 26
SERIES_COLORS = ("#0072b2", "#e69f00", "#009e73")  # Okabe-Ito: distinct in colour-blind vision too


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARS else text[:MAX_LABEL_CHARS - 1] + "…"


def _axis_max(values: list[float]) -> float:
    """The axis end: the next multiple of 10 % above the largest share (at least 10 %)."""
    top = max(values, default=0.0)
    return max(0.1, min(1.0, (int(top * 10 - 1e-9) + 1) / 10))


def bar_chart(name: str, caption: str, labels: list[str], series: dict[str, list[float]]) -> dict | None:
    """Horizontal grouped bars of shares (0..1): the geometry of an SVG chart, or None without data."""
    if not labels or not series:
        return None
    plot_width = CHART_WIDTH - LABEL_WIDTH - 50
    axis_max = _axis_max([v for values in series.values() for v in values])
    row_height = BAR_HEIGHT * len(series) + ROW_GAP
    rows = []
    for n, label in enumerate(labels):
        top = TOP + n * row_height
        bars = [{"x": LABEL_WIDTH, "y": top + k * BAR_HEIGHT, "width": round(values[n] / axis_max * plot_width, 2),
                 "height": BAR_HEIGHT - 1, "color": SERIES_COLORS[k % 3], "value": format_value(values[n], "percent"),
                 "series": series_name}
                for k, (series_name, values) in enumerate(series.items())]
        rows.append({"label": _short(label), "title": label, "y": top + BAR_HEIGHT * len(series) / 2, "bars": bars})
    plot_bottom = TOP + len(labels) * row_height
    ticks = [{"x": round(LABEL_WIDTH + plot_width * t / 5, 2), "label": format_value(axis_max * t / 5, "percent")}
             for t in range(6)]
    legend = [{"x": LABEL_WIDTH + 160 * k, "color": SERIES_COLORS[k % 3], "label": _short(series_name)}
              for k, series_name in enumerate(series)]
    return {"name": name, "caption": caption, "width": CHART_WIDTH, "height": plot_bottom + AXIS_HEIGHT,
            "plot_left": LABEL_WIDTH, "plot_bottom": plot_bottom, "rows": rows, "ticks": ticks, "legend": legend}


def charts(summary: dict) -> list[dict]:
    """The summary's charts: shown vs attention by topic, and this week vs last week by topic."""
    exposure = summary["metrics"]["exposure_share"]["category"]
    attention = summary["metrics"]["attention_share"]["category"]
    before = summary["previous"]["exposure_share"]["category"]
    names = [row["category"] for row in category_rows(summary)]
    found = []
    if exposure:
        found.append(bar_chart("exposure-attention", "What your feeds showed you and what held your attention, by topic",
                               names, {"shown": [exposure.get(c, 0.0) for c in names],
                                       "attention (time on screen)": [attention.get(c, 0.0) for c in names]}))
        if before:
            found.append(bar_chart("week-over-week", f"Topics shown in {summary['week']} and in {summary['previous_week']}",
                                   names, {summary["week"]: [exposure.get(c, 0.0) for c in names],
                                           summary["previous_week"]: [before.get(c, 0.0) for c in names]}))
    return [chart for chart in found if chart]


# --- renderers ----------------------------------------------------------------------------------

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("feedaudit", "templates/export"),
    # Markdown is text: HTML autoescape must not touch it (md_text escapes captured text there).
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_json(summary: dict) -> str:
    return json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False) + "\n"


def render_html(summary: dict) -> str:
    return _environment.get_template("weekly.html").render(**view_model(summary), charts=charts(summary))


# What can start markup mid-line: emphasis, code, links, raw HTML and entities, table cells, strikethrough.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~]|&(?=#?\w+;))")
# Bidi embeddings, overrides and isolates: a plain-text viewer shows a table row as one line, where one
# of them (e.g. U+202E) would reorder the cells after it; they are dropped from captured text here.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def md_text(value) -> str:
    """Captured text made inert in Markdown: one line, bidi controls dropped, markup characters
    backslash-escaped, and '://' broken so no renderer auto-links it."""
    text = " ".join(BIDI_CONTROLS.sub("", str(value if value is not None else "")).split())
    return MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("://", "\\://")


def md_link(text, url: str | None) -> str:
    """A Markdown link only for http(s) URLs (percent-encoded so they cannot break out), else plain text."""
    safe = weekly.safe_url(url)
    if not safe:
        return md_text(text)
    encoded = quote(safe, safe=":/?#@!$&'*+,;=%~-._").replace("'", "%27")
    return f"[{md_text(text)}]({encoded})"


def render_markdown(summary: dict) -> str:
    template = _environment.get_template("weekly.md")
    return template.render(**view_model(summary), md=md_text, md_link=md_link)


RENDERERS = {"html": render_html, "md": render_markdown, "json": render_json}


def render(summary: dict, fmt: str) -> str:
    if fmt not in RENDERERS:
        raise ExportError(f"format must be one of {sorted(RENDERERS)}, not {fmt!r}")
    return RENDERERS[fmt](summary)


# --- files --------------------------------------------------------------------------------------

def exports_dir(data_dir: str | os.PathLike) -> Path:
    path = Path(data_dir) / EXPORTS_DIRNAME
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def file_name(week: str, fmt: str) -> str:
    return f"feedaudit-week-{week}.{FORMATS[fmt]}"


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half an export behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


LEFTOVER_AGE_S = 3600


def remove_leftovers(directory: Path, older_than_s: float = LEFTOVER_AGE_S) -> int:
    """Delete temporary files a killed export left in ``directory`` (older than an hour, so a write in
    progress elsewhere is never touched); the number removed."""
    removed = 0
    for leftover in Path(directory).glob(".partial-*"):
        try:
            if time.time() - leftover.stat().st_mtime > older_than_s:
                leftover.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def export_week(db: sqlite_utils.Database, week: str, formats: list[str], tz: str, directory: Path,
                summary: dict | None = None) -> list[Path]:
    """Write the week's summary in each format into ``directory``; the paths written."""
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise ExportError(f"format must be one of {sorted(RENDERERS)}, not {unknown[0]!r}")
    remove_leftovers(directory)
    summary = summary or weekly.weekly_summary(db, week, tz)
    written = []
    for fmt in formats:
        path = Path(directory) / file_name(summary["week"], fmt)
        write_atomically(path, render(summary, fmt))
        written.append(path)
    return written


def list_exports(directory: Path) -> list[dict]:
    """The export files in ``directory``, newest week first: name, week, format, bytes, written (ms)."""
    found = []
    for path in Path(directory).iterdir() if Path(directory).is_dir() else []:
        match = FILE_PATTERN.match(path.name)
        if match and path.is_file():
            stat = path.stat()
            found.append({"name": path.name, "week": match.group(1), "format": match.group(2),
                          "bytes": stat.st_size, "written_ms": int(stat.st_mtime * 1000)})
    return sorted(found, key=lambda e: (e["week"], e["format"]), reverse=True)


def safe_export_path(directory: Path, name: str) -> Path | None:
    """The export file called ``name`` if that is an export file name (no paths, no traversal) and exists."""
    if not FILE_PATTERN.match(name or ""):
        return None
    path = Path(directory) / name
    return path if path.is_file() else None


def validate_week(week: str) -> str:
    """The canonical label of ``week``; AuditError naming the problem."""
    return audit.week_label(*audit.parse_week(week))


# --- the weekly schedule ------------------------------------------------------------------------
# The cron job (jobs.py) runs at the scheduled time; at every server start the same function runs
# once more as the catch-up. Both write the export *due* at that moment: the week before the most
# recent scheduled time that has passed. "Missing" means that week is neither recorded as done in
# the state file nor has all its files, so a week is written at most once (a file the person
# deleted afterwards stays deleted). After a longer absence only the latest missed week is written;
# older weeks can be exported on demand (feedaudit export --week, or the Exports page).

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SCHEDULE_PATTERN = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):([0-5]\d)$")
STATE_FILENAME = "last-scheduled-run.json"


def parse_schedule(value) -> tuple[int, int, int]:
    """'Mon 08:00' → (weekday 0-6, hour, minute); ValueError naming the expected form."""
    match = SCHEDULE_PATTERN.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"must look like 'Mon 08:00' (a day of {', '.join(WEEKDAYS)} and a 24-hour time), not {value!r}")
    return WEEKDAYS.index(match.group(1)), int(match.group(2)), int(match.group(3))


def latest_slot(now: dt.datetime, schedule: str, tz: str) -> dt.datetime:
    """The most recent scheduled time at or before ``now`` (aware), in time zone ``tz``."""
    weekday, hour, minute = parse_schedule(schedule)
    local = now.astimezone(ZoneInfo(tz))
    day = local.date() - dt.timedelta(days=(local.weekday() - weekday) % 7)
    slot = dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(tz))
    return slot if slot <= local else slot - dt.timedelta(days=7)


def due_week(now: dt.datetime, schedule: str, tz: str) -> str:
    """The week whose export is due at ``now``: the last complete week at the latest scheduled time."""
    return audit.week_label(*audit.last_complete_week(latest_slot(now, schedule, tz)))


def read_state(directory: Path) -> dict:
    """What the last scheduled run did ({} before the first run, or if the state file is unreadable)."""
    try:
        return json.loads((Path(directory) / STATE_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def scheduled_export(db: sqlite_utils.Database, data_dir: str | os.PathLike, now: dt.datetime | None = None) -> dict:
    """Write the due week's summary unless it was done already; returns the run's record (also stored).

    The record: ``week``, ``status`` ("written", "already done", "no data", "off"), ``files`` written
    and ``ran_ms``. A week without any recorded impressions is not written (nothing to tell).
    """
    from . import settings

    now = now or dt.datetime.now(dt.timezone.utc)
    directory = exports_dir(data_dir)
    if not settings.get(db, "weekly_export"):
        return {"status": "off", "week": None, "files": [], "ran_ms": int(now.timestamp() * 1000)}
    tz = settings.timezone(db)
    week = due_week(now, settings.get(db, "export_schedule"), tz)
    formats = settings.get(db, "export_formats")
    state = read_state(directory)
    record = {"week": week, "files": [], "ran_ms": int(now.timestamp() * 1000)}
    if state.get("week") == week or all((directory / file_name(week, f)).exists() for f in formats):
        return {**record, "status": "already done"}
    summary = weekly.weekly_summary(db, week, tz)
    if summary["has_data"]:
        missing = [f for f in formats if not (directory / file_name(week, f)).exists()]
        record["files"] = [p.name for p in export_week(db, week, missing, tz, directory, summary)]
    record["status"] = "written" if summary["has_data"] else "no data"
    write_atomically(directory / STATE_FILENAME, json.dumps(record) + "\n")
    return record


def last_export(data_dir: str | os.PathLike) -> dict | None:
    """The newest export file (any week, scheduled or on demand): name, week, format, written_ms; or None."""
    directory = Path(data_dir) / EXPORTS_DIRNAME
    files = list_exports(directory)
    return max(files, key=lambda e: e["written_ms"]) if files else None
