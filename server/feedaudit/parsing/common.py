"""Helpers shared by the platform parsers: the item template, text, URLs, numbers, dates.

Everything here is pure and total: bad input gives None, never an exception.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import Tag

ITEM_FIELDS = (
    "platform", "key", "kind", "url", "title", "text", "author", "author_url", "sponsored",
    "published_at", "views", "score", "comments", "likes", "duration_s", "thumbnail_url",
    "language", "parse_status", "parse_error",
)
KINDS = ("video", "short", "live", "post", "tweet", "story", "job", "article", "ad")

# Caps keep a hostile or runaway item (1 MB of text) from bloating the database.
TITLE_MAX = 500
TEXT_MAX = 5000
NAME_MAX = 200
URL_MAX = 2048


def empty_item(platform: str) -> dict:
    item = dict.fromkeys(ITEM_FIELDS)
    item["platform"] = platform
    item["sponsored"] = False
    return item


def finalize(item: dict) -> dict:
    """Set ``parse_status``/``parse_error`` from what was found (see the package docstring)."""
    if not item.get("key"):
        item["parse_status"] = "failed"
        item["parse_error"] = item.get("parse_error") or "no item identity (key) found"
        return item
    missing = [f for f in ("title", "url") if not item.get(f)]
    if item.get("kind") == "ad" and "url" in missing:
        missing.remove("url")  # ad landing pages hide behind click-tracking redirects
    if missing:
        item["parse_status"] = "partial"
        item["parse_error"] = "missing " + ", ".join(missing)
    else:
        item["parse_status"] = "parsed"
        item["parse_error"] = None
    return item


# ---------------------------------------------------------------- text

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u2028\u2029\ufeff]")
_WHITESPACE = re.compile(r"\s+")


def clean_text(value: str | None, limit: int = TEXT_MAX) -> str | None:
    """Collapse whitespace, drop control characters, cap the length; empty becomes None."""
    if value is None:
        return None
    text = _WHITESPACE.sub(" ", _CONTROL_CHARS.sub("", str(value))).strip()
    if not text:
        return None
    return text[:limit].rstrip() if len(text) > limit else text


def text_of(element: Tag | None, limit: int = TEXT_MAX, separator: str = " ") -> str | None:
    """The visible text of an element (scripts were removed before parsing), cleaned."""
    if element is None:
        return None
    return clean_text(element.get_text(separator), limit)


def first_text(root: Tag, selectors: str | tuple[str, ...], limit: int = TITLE_MAX) -> str | None:
    """Text of the first match that has any; a tuple of selectors is tried in priority order."""
    for selector in (selectors,) if isinstance(selectors, str) else selectors:
        for element in root.select(selector):
            text = text_of(element, limit)
            if text:
                return text
    return None


def first_match(root: Tag, selectors: tuple[str, ...]) -> Tag | None:
    """The first element matching the highest-priority selector that matches at all."""
    for selector in selectors:
        element = root.select_one(selector)
        if element is not None:
            return element
    return None


def attr(element: Tag | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    if isinstance(value, list):
        value = " ".join(value)
    return clean_text(value, URL_MAX)


def class_string(element: Tag | None) -> str:
    """The class attribute as one string, whether the tree split it into a list or not."""
    raw = element.get("class") if element is not None else None
    return " ".join(raw) if isinstance(raw, list) else raw or ""


def with_class(elements: list[Tag], name: str, cls: str) -> list[Tag]:
    """The elements named ``name`` whose class list contains ``cls`` (CSS ``name.cls`` over a list
    of elements, such as ``all_tags(root)[1:]``: no selector engine per lookup)."""
    return [e for e in elements if e.name == name and cls in class_string(e).split()]


def find_with_class(root: Tag, name: str | None, cls: str) -> Tag | None:
    """First descendant (of tag ``name``, any if None) whose class list contains ``cls``."""
    for element in root.find_all(name or True):
        if cls in class_string(element).split():
            return element
    return None


def stable_hash(*parts: str | None) -> str:
    """A short, stable digest for items with no native id (ads)."""
    joined = "\x1f".join(p or "" for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- URLs

TRACKING_PARAMS = frozenset({
    "si", "feature", "pp", "ref_src", "ref_url", "ref", "fbclid", "gclid", "dclid", "gbraid",
    "wbraid", "igshid", "mc_cid", "mc_eid", "yclid", "msclkid", "_hsenc", "_hsmi", "mkt_tok",
    "spm", "ab_channel", "cmpid", "ocid", "share_id", "rdt",
})
_ALLOWED_SCHEMES = ("http", "https")


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith("utm_")


def canonical_url(href: str | None, base: str | None = None, keep_params: tuple[str, ...] | None = None) -> str | None:
    """Absolute http(s) URL without fragment and tracking parameters, or None.

    ``javascript:``, ``data:`` and other non-web schemes give None. ``keep_params``
    restricts the query to those names (e.g. ``("v",)`` for a YouTube watch URL).
    """
    if not href:
        return None
    cacheable = (isinstance(href, str) and len(href) <= _CACHED_URL_MAX and isinstance(base, (str, type(None)))
                 and isinstance(keep_params, (tuple, type(None))))
    return (_cached_canonical_url if cacheable else _canonical_url)(href, base, keep_params)


# Channel, subreddit, user and page URLs recur across items. Only short URLs are kept, so the
# cache stays a few MB whatever the input.
_CACHED_URL_MAX = 1024


def _canonical_url(href, base, keep_params) -> str | None:
    raw = _CONTROL_CHARS.sub("", str(href)).strip()
    if not raw or len(raw) > 8 * URL_MAX:
        return None
    try:
        absolute = urljoin(base, raw) if base else raw
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in _ALLOWED_SCHEMES or not parts.hostname:
            return None
        host = parts.hostname.lower()
        port = parts.port
    except ValueError:
        return None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k) and (keep_params is None or k in keep_params)
    ]
    url = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))
    return url if len(url) <= URL_MAX else None


_cached_canonical_url = lru_cache(maxsize=2048)(_canonical_url)


# ---------------------------------------------------------------- numbers

# Multiplier words in the languages the feeds are read in; matched case-insensitively
# except the single letters, where "M" (million) and "m" mean the same for counts.
_MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "mil": 1e3, "tsd": 1e3, "tausend": 1e3, "mille": 1e3, "tys": 1e3,
    "m": 1e6, "million": 1e6, "millions": 1e6, "mio": 1e6, "mn": 1e6, "mln": 1e6, "mill": 1e6,
    "millones": 1e6, "millón": 1e6, "mi": 1e6, "milhões": 1e6, "milhão": 1e6, "millionen": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "mrd": 1e9, "md": 1e9, "milliarden": 1e9, "mld": 1e9,
    "lakh": 1e5, "crore": 1e7,
}
_NUMBER = re.compile(
    # a space only groups digits when three follow ("1 234 vues"), so "5 12" stays 5
    r"(?P<num>\d+(?:(?:[.,']|[\u00a0\u202f ](?=\d{3}\b))\d+)*)\s*(?P<suffix>[^\W\d_]+\.?)?", re.UNICODE
)
_NONE_WORDS = re.compile(r"^\s*(?:no|sin|nenhum|keine?|aucun|nessun)\b", re.IGNORECASE)


def _to_float(digits: str, has_multiplier: bool) -> float | None:
    """Read ``1,234`` / ``1.234.567`` / ``3,4`` / ``1 234`` with locale-agnostic rules.

    Both separators present: the last one is the decimal mark. One kind present: it is
    grouping if it occurs more than once or is followed by exactly three digits without a
    multiplier word; otherwise it is the decimal mark ("3,4 k", "1.2M").
    """
    digits = re.sub(r"[\s\u00a0\u202f']", "", digits)
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        digits = digits.replace(grouping, "").replace(decimal, ".")
    else:
        sep = "," if "," in digits else "." if "." in digits else None
        if sep:
            groups = digits.split(sep)
            is_grouping = len(groups) > 2 or (len(groups[-1]) == 3 and not has_multiplier)
            digits = digits.replace(sep, "") if is_grouping else digits.replace(sep, ".")
    try:
        return float(digits)
    except ValueError:
        return None


def parse_count(text: str | None) -> int | None:
    """"1.2M views" -> 1200000, "3,4 k" -> 3400, "1,234" -> 1234, "No views" -> 0."""
    if not text:
        return None
    if _NONE_WORDS.match(text):
        return 0
    match = _NUMBER.search(text)
    if not match:
        return None
    suffix = (match.group("suffix") or "").rstrip(".").lower()
    multiplier = _MULTIPLIERS.get(suffix, 1.0)
    value = _to_float(match.group("num"), multiplier != 1.0)
    if value is None:
        return None
    return int(round(value * multiplier))


def parse_duration(text: str | None) -> int | None:
    """"12:34" -> 754 seconds, "1:02:03" -> 3723; anything else None."""
    if not text:
        return None
    match = re.search(r"(?<![\d:])(\d{1,3}(?::[0-5]\d){1,2})(?![\d:])", text)
    if not match:
        return None
    seconds = 0
    for part in match.group(1).split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


# ---------------------------------------------------------------- dates

SECOND, MINUTE, HOUR, DAY = 1, 60, 3600, 86400
# Months and years are calendar-free approximations: feeds only give "3 months ago".
_UNIT_SECONDS = {
    "second": SECOND, "minute": MINUTE, "hour": HOUR, "day": DAY,
    "week": 7 * DAY, "month": 30 * DAY, "year": 365 * DAY,
}
_UNIT_WORDS = {
    "second": r"seconds?|secs?|segundos?|secondes?|sekunden?|secondi|secondo|sekund[ęy]?",
    "minute": r"minutes?|mins?|minutos?|minuten?|minuti|minuto|minut[ęy]?",
    "hour": r"hours?|hrs?|horas?|heures?|stunden?|ore|ora|godzin[ęya]?",
    "day": r"days?|d[ií]as?|jours?|tag(?:en|e)?|giorni|giorno|dzień|dni",
    "week": r"weeks?|semanas?|semaines?|wochen?|settimane|settimana|tydzień|tygodni(?:e)?",
    "month": r"months?|mes(?:es)?|m[eê]s|mois|monat(?:en|e)?|mesi|mese|miesiąc(?:e|y)?|miesięcy",
    "year": r"years?|yrs?|años?|anos?|ans?|années?|jahr(?:en|e)?|anni|anno|rok|lata|lat",
}
_UNIT_ALTERNATION = "|".join(f"(?P<{unit}>{words})" for unit, words in _UNIT_WORDS.items())
_ONE_WORDS = r"an?|one|une?|una|uno|um|uma|einem|einer|einen|ein"
_AMOUNT = rf"(?P<n>\d+|{_ONE_WORDS})"
_RELATIVE_PATTERNS = [
    re.compile(rf"\b{_AMOUNT}\s+(?:{_UNIT_ALTERNATION})\s+ago\b", re.IGNORECASE),          # en
    re.compile(rf"\bhace\s+{_AMOUNT}\s+(?:{_UNIT_ALTERNATION})\b", re.IGNORECASE),         # es
    re.compile(rf"(?:^|\s)há\s+{_AMOUNT}\s+(?:{_UNIT_ALTERNATION})\b", re.IGNORECASE),     # pt
    re.compile(rf"\bil\s+y\s+a\s+{_AMOUNT}\s+(?:{_UNIT_ALTERNATION})\b", re.IGNORECASE),   # fr
    re.compile(rf"\bvor\s+{_AMOUNT}\s+(?:{_UNIT_ALTERNATION})\b", re.IGNORECASE),          # de
    re.compile(rf"\b{_AMOUNT}\s+(?:{_UNIT_ALTERNATION})\s+fa\b", re.IGNORECASE),           # it
    re.compile(rf"\b{_AMOUNT}\s+(?:{_UNIT_ALTERNATION})\s+temu\b", re.IGNORECASE),         # pl
]
# Compact forms used by X and Reddit: "5m", "2h", "3d", "1w", "4mo", "1y".
_COMPACT = re.compile(r"^\s*(\d+)\s*(s|m|min|h|hr|d|w|mo|y|yr)\s*$", re.IGNORECASE)
_COMPACT_UNITS = {"s": SECOND, "m": MINUTE, "min": MINUTE, "h": HOUR, "hr": HOUR, "d": DAY,
                  "w": 7 * DAY, "mo": 30 * DAY, "y": 365 * DAY, "yr": 365 * DAY}
# Whole-string only: "now" inside a title must not read as a date.
_YESTERDAY = re.compile(r"^\s*(?:yesterday|ayer|ontem|hier|gestern|ieri)\s*$", re.IGNORECASE)
_JUST_NOW = re.compile(r"^\s*(?:just now|now|ahora|agora|maintenant|jetzt|adesso)\s*$", re.IGNORECASE)


def relative_seconds(text: str | None) -> int | None:
    """Seconds before "now" described by "3 days ago" / "hace 2 días" / "2h", or None."""
    if not text:
        return None
    # Metadata lines repeat ("2 days ago", "1.2M views") and a miss tries seven patterns.
    short = isinstance(text, str) and len(text) <= 200
    return (_cached_relative_seconds if short else _relative_seconds)(text)


def _relative_seconds(text: str) -> int | None:
    for pattern in _RELATIVE_PATTERNS:
        match = pattern.search(text)
        if match:
            amount = match.group("n")
            count = int(amount) if amount.isdecimal() else 1
            unit = next(u for u in _UNIT_SECONDS if match.group(u))
            return count * _UNIT_SECONDS[unit]
    compact = _COMPACT.match(text)
    if compact:
        return int(compact.group(1)) * _COMPACT_UNITS[compact.group(2).lower()]
    if _YESTERDAY.search(text):
        return DAY
    if _JUST_NOW.search(text):
        return 0
    return None


_cached_relative_seconds = lru_cache(maxsize=4096)(_relative_seconds)


def parse_relative_date(text: str | None, captured_at_ms: int | None) -> int | None:
    """Absolute ms UTC for a relative date, counted back from the capture time."""
    if captured_at_ms is None:
        return None
    seconds = relative_seconds(text)
    return None if seconds is None else int(captured_at_ms) - seconds * 1000


def parse_iso_datetime(value: str | None) -> int | None:
    """ms UTC of an ISO-8601 timestamp ("2025-05-22T14:09:01.234+0000", "...Z"); naive = UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(round(moment.timestamp() * 1000))


def parse_epoch(value: str | int | float | None) -> int | None:
    """ms UTC from an epoch in seconds or milliseconds (values above 1e11 are ms)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if number <= 0:
        return None
    return int(number if number > 1e11 else number * 1000)
