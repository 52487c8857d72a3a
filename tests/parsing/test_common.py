"""The shared helpers, on hand-computed values."""

from __future__ import annotations

import pytest

from feedaudit.parsing.common import (
    canonical_url, clean_text, finalize, empty_item, parse_count, parse_duration, parse_epoch,
    parse_iso_datetime, parse_relative_date, relative_seconds,
)

CAPTURED = 1_700_000_000_000  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize("text, expected", [
    ("1.2M views", 1_200_000),
    ("14m views", 14_000_000),
    ("3,4 k", 3_400),
    ("12K", 12_000),
    ("1,234", 1_234),
    ("1.234.567 Aufrufe", 1_234_567),
    ("1 234 vues", 1_234),
    ("2,5 mil visualizaciones", 2_500),
    ("1,2 M de visualizaciones", 1_200_000),
    ("8\u00a0tys. wyświetleń", 8_000),
    ("284 points", 284),
    ("No views", 0),
    ("5 12 comments", 5),
    ("views", None),
    ("", None),
    (None, None),
])
def test_parse_count(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("12:34", 754),
    ("1:02:03", 3723),
    ("0:07", 7),
    ("48:17 48:17", 2897),
    ("LIVE", None),
    ("12:3", None),
    (None, None),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text, seconds", [
    ("3 days ago", 3 * 86400),
    ("Streamed 2 weeks ago", 14 * 86400),
    ("an hour ago", 3600),
    ("1 month ago", 30 * 86400),
    ("7 years ago", 7 * 365 * 86400),
    ("hace 2 días", 2 * 86400),
    ("hace 1 año", 365 * 86400),
    ("vor 3 Tagen", 3 * 86400),
    ("il y a 5 minutes", 300),
    ("há 1 mês", 30 * 86400),
    ("3 giorni fa", 3 * 86400),
    ("17 godzin temu", 17 * 3600),
    ("2h", 7200),
    ("5m", 300),
    ("4mo", 120 * 86400),
    ("yesterday", 86400),
    ("Watch now on TV", None),
    ("Jan 28", None),
])
def test_relative_seconds(text, seconds):
    assert relative_seconds(text) == seconds


def test_relative_date_counts_back_from_the_capture_time():
    assert parse_relative_date("hace 2 días", CAPTURED) == 1_699_827_200_000
    assert parse_relative_date("3 hours ago", CAPTURED) == 1_699_989_200_000
    assert parse_relative_date("3 hours ago", None) is None


def test_absolute_dates():
    assert parse_iso_datetime("2025-05-22T14:09:01.234000+0000") == 1_747_922_941_234
    assert parse_iso_datetime("2026-01-20T04:32:06.000Z") == 1_768_883_526_000
    assert parse_iso_datetime("2024-10-18T16:18:01") == 1_729_268_281_000  # naive = UTC
    assert parse_iso_datetime("not a date") is None
    assert parse_epoch("1777184682") == 1_777_184_682_000
    assert parse_epoch("1729268281000") == 1_729_268_281_000
    assert parse_epoch("x") is None


@pytest.mark.parametrize("href, base, expected", [
    ("https://www.youtube.com/watch?v=abc&pp=ygUT&si=x1#t=3", None, "https://www.youtube.com/watch?v=abc"),
    ("/r/Python/?utm_source=share&utm_medium=web&sort=new", "https://www.reddit.com/", "https://www.reddit.com/r/Python/?sort=new"),
    ("HTTPS://Example.COM:443/a?ref=x&ref_src=twsrc&q=1&feature=share", None, "https://example.com/a?q=1"),
    ("item?id=47907879", "https://news.ycombinator.com/", "https://news.ycombinator.com/item?id=47907879"),
    ("http://example.com:8080", None, "http://example.com:8080/"),
    ("javascript:alert(1)", "https://example.com/", None),
    ("  jav\tascript:alert(1)", "https://example.com/", None),
    ("data:text/html,<b>x</b>", None, None),
    ("mailto:a@b.c", None, None),
    ("", None, None),
    (None, None, None),
])
def test_canonical_url(href, base, expected):
    assert canonical_url(href, base) == expected


def test_canonical_url_keep_params_restricts_the_query():
    assert canonical_url("https://www.youtube.com/watch?v=abc&list=PL1&index=2", keep_params=("v",)) == \
        "https://www.youtube.com/watch?v=abc"


def test_clean_text_collapses_and_caps():
    assert clean_text("  a\n\t b\u200b c  ") == "a b c"
    assert clean_text("x" * 50, limit=10) == "x" * 10
    assert clean_text("   ") is None


def test_finalize_statuses():
    item = empty_item("hackernews")
    assert finalize(dict(item))["parse_status"] == "failed"
    partial = dict(item, key="hackernews:1", url="https://a.example/")
    assert (finalize(partial)["parse_status"], partial["parse_error"]) == ("partial", "missing title")
    parsed = dict(item, key="hackernews:1", url="https://a.example/", title="T")
    assert (finalize(parsed)["parse_status"], parsed["parse_error"]) == ("parsed", None)
    ad = dict(item, key="youtube:ad:1", kind="ad", title="Buy")
    assert finalize(ad)["parse_status"] == "parsed"
