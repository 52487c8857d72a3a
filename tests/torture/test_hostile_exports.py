"""Hostile captured content, through the real ingest API and parser, is inert in every export format.

Captured titles, authors, URLs, notes and a category name hold script tags,
event-handler attributes, ``javascript:`` and ``data:`` URLs, an RTL override,
newlines and table pipes, spreadsheet formulas, a 10 MB string and lone UTF-16
surrogates (the ingest stores those as U+FFFD; a body that is not UTF-8 is
refused). tests/export/test_hostile_strings.py covers markup in titles, notes and
category names rendered from a summary; this test adds the other attacks, the
parser path, the JSON export and export-all.

What "inert" means per format:
* HTML (weekly export): Jinja escapes; no element or attribute comes from the
  content, only http(s) URLs become links; every string shows as text, exactly.
* Markdown: captured text is one line with markup characters backslash-escaped,
  '://' broken, and bidi controls dropped (exporting.md_text), so rendered with
  raw HTML enabled it yields no element, link or table cell of the content's own.
* JSON and JSON Lines: the stored strings, exactly (10 MB included).
* CSV: the stored strings, except that text a spreadsheet would run as a formula
  gets a leading apostrophe (datatransfer.spreadsheet_text).
"""

from __future__ import annotations

import csv
import html
import json
import sys

import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from feedaudit import datatransfer, processing, storage
from support import events as ev

WEEK = "2026-W02"
BASE = 1_767_830_400_000  # 2026-01-08 00:00 UTC, in week 2026-W02
FEED = "https://news.ycombinator.com/"

SCRIPT = '<script>alert("s")</script>'
HANDLERS = "<img src=x onerror=alert(1)><svg onload=alert(2)><a href=javascript:alert(3)>a</a>"
RLO = "\u202e"
PARSED_TITLE = f"{SCRIPT}{HANDLERS} invoice{RLO}fdp.exe [x](javascript:alert(4)) | pipe"
AUTHOR = f'{RLO}"><script>alert(5)</script>'
DATA_URL = "data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg=="
SECOND_TITLE = '=HYPERLINK("https://evil.example/?leak","click") <iframe src="data:text/html,x"></iframe>'
HUGE = ("<b onclick=alert(7)>huge</b>" * 400_000)[: 10 * 1024 * 1024]  # 10 MB of markup as a title hint
NOTE = "</td><script>alert(8)</script>\n| forged | row |"
CATEGORY = f"<svg onload=alert(9)>[c](javascript:x){RLO}|"
SURROGATE_TITLE_JSON = r'"bad \ud800 utf \udcff end"'  # lone surrogates, as JSON escapes
# Each lone surrogate's three UTF-8 (surrogatepass) bytes decode to three U+FFFD (ingest.replace_lone_surrogates).
SURROGATE_STORED = "bad \ufffd\ufffd\ufffd utf \ufffd\ufffd\ufffd end"


def hn_row(story_id: int, href: str, title: str, author: str) -> str:
    """A Hacker News story row and its subtext row, as the extension captures them (text escaped as on the site)."""
    return (f'<tr class="athing submission" id="{story_id}"><td class="title"><span class="titleline">'
            f'<a href="{html.escape(href)}">{html.escape(title)}</a></span></td></tr>'
            f'<tr><td class="subtext"><span class="score">5 points</span> by '
            f'<a href="user?id=x" class="hnuser">{html.escape(author)}</a></td></tr>')


@pytest.fixture
def hostile(app, client, auth):
    """The stored database after the hostile captures, a rating note and a category name went through the API."""
    shown = [
        ev.impression(rank=1, ts=BASE + 1000, page_url=FEED, url="javascript:alert(10)", title=PARSED_TITLE,
                      html=hn_row(9001, "javascript:alert(10)", PARSED_TITLE, AUTHOR)),
        ev.impression(rank=2, ts=BASE + 2000, page_url=FEED, url=DATA_URL, title=SECOND_TITLE,
                      html=hn_row(9002, DATA_URL, SECOND_TITLE, "=cmd|' /C calc'!A0")),
        ev.impression(rank=3, ts=BASE + 3000, page_url=FEED, url=DATA_URL + "#huge", title=HUGE,
                      html=f"<div>{html.escape(HUGE[:1000])}</div>"),  # no parser understands it: hints stay
        ev.impression(rank=4, ts=BASE + 4000, page_url=FEED, url="https://example.com/fine?a=1&b=2", title="Fine story",
                      html=hn_row(9003, "https://example.com/fine?a=1&b=2", "Fine story", "alice")),
    ]
    dwell = [ev.dwell(event["id"], 5000 - 100 * n, ts=BASE + 9000) for n, event in enumerate(shown)]
    assert client.post("/api/v1/events", json={"events": shown + dwell}, headers=auth).status_code == 200

    # Lone surrogates arrive as JSON escapes (what a page's broken text becomes in JSON.stringify).
    surrogate = ev.impression(rank=5, ts=BASE + 5000, page_url=FEED, url=DATA_URL + "#s", title="placeholder",
                              html="<div>unparsable</div>")
    body = json.dumps({"events": [surrogate, ev.dwell(surrogate["id"], 4000, ts=BASE + 9000)]})
    body = body.replace('"placeholder"', SURROGATE_TITLE_JSON)
    response = client.post("/api/v1/events", data=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 200, response.get_json()
    # Bytes that are not UTF-8 are refused whole, with the JSON error shape.
    refused = client.post("/api/v1/events", data=body.encode().replace(b"bad", b"b\xff\xfed"),
                          headers={**auth, "Content-Type": "application/json"})
    assert refused.status_code == 400 and refused.get_json()["ok"] is False

    db = storage.connect(app.config["DATABASE"])
    while processing.parse_pending(db):  # what the background job does
        pass
    keys = {title: key for key, title in db.execute("SELECT key, title FROM items")}
    db.close()
    assert client.patch("/api/v1/settings", json={"timezone": "UTC"}, headers=auth).status_code == 200
    category = client.post("/api/v1/categories", json={"name": CATEGORY, "description": "Hostile name"}, headers=auth)
    assert category.status_code == 201, category.get_json()
    for key in keys.values():
        answer = client.post("/api/v1/corrections", json={"item_key": key, "category_id": category.get_json()["category"]["id"]},
                             headers=auth)
        assert answer.status_code == 200, answer.get_json()
    answer = client.post("/api/v1/ratings", json={"item_key": keys[PARSED_TITLE], "rating": "regretted", "note": NOTE},
                         headers=auth)
    assert answer.status_code == 200, answer.get_json()
    return app


def stored_items(app) -> dict[str, dict]:
    db = storage.connect(app.config["DATABASE"])
    try:
        return {row["key"]: row for row in db.query("SELECT key, title, url, author FROM items")}
    finally:
        db.close()


def weekly_file(client, auth, fmt: str) -> str:
    written = client.post("/api/v1/exports", json={"week": WEEK, "format": fmt}, headers=auth)
    assert written.status_code == 200, written.get_json()
    download = client.get(written.get_json()["download"])
    assert download.status_code == 200
    return download.get_data(as_text=True)


def assert_inert_markup(markup: str) -> BeautifulSoup:
    """No element or attribute of the content's own: no scripts, frames, images, handlers; links only http(s)."""
    soup = BeautifulSoup(markup, "lxml")
    assert soup.find_all(["script", "iframe", "img", "object", "embed", "b", "form"]) == []
    assert [svg for svg in soup.find_all("svg") if "chart" not in svg.get("class", [])] == []
    for tag in soup.find_all(True):
        assert not [name for name in tag.attrs if name.lower().startswith("on")], tag.name
        # Captured text may sit in an attribute's value (e.g. data-category), escaped; URLs only if http(s).
        for name in ("href", "src", "xlink:href", "action", "formaction"):
            assert tag.get(name) is None or tag[name].startswith(("http://", "https://", "#")), tag
    return soup


def test_weekly_html_export_shows_hostile_strings_as_text(hostile, client, auth):
    items = stored_items(hostile)
    parsed = items["hackernews:9001"]
    assert parsed["title"] == PARSED_TITLE and parsed["author"] == AUTHOR and parsed["url"] is None
    assert items["hackernews:9002"]["url"] is None  # the parser makes no link of a data: URL
    soup = assert_inert_markup(weekly_file(client, auth, "html"))
    text = soup.get_text()
    for string in (PARSED_TITLE, AUTHOR, SECOND_TITLE, HUGE, NOTE.split("\n")[0], CATEGORY, SURROGATE_STORED):
        assert string in text
    assert [a["href"] for a in soup.find_all("a")] == ["https://example.com/fine?a=1&b=2"]


def test_weekly_markdown_export_has_no_markup_of_the_content(hostile, client, auth):
    text = weekly_file(client, auth, "md")
    assert RLO not in text  # bidi controls dropped: one could reorder a plain-text table row
    # '://' in captured text is broken ('\://'), so no auto-linking renderer finds a URL in it.
    assert text.count("://") == 1 + text.count("\\://")  # + the one http(s) link
    huge_escaped = HUGE.replace("<", "\\<").replace(">", "\\>")  # by hand: its only markup characters
    assert text.count(huge_escaped) == 1
    # A Python Markdown renderer needs minutes for a 13 MB line: render the row with its first 1,000 characters.
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(
        text.replace(huge_escaped, huge_escaped[:1000]))
    soup = assert_inert_markup(rendered)
    assert [a["href"] for a in soup.find_all("a")] == ["https://example.com/fine?a=1&b=2"]
    for table in soup.find_all("table"):  # no pipe or newline of the content made a cell or row
        widths = {len(row.find_all(["td", "th"])) for row in table.find_all("tr")}
        assert len(widths) == 1, widths
    shown = soup.get_text()
    for string in (PARSED_TITLE, AUTHOR, SECOND_TITLE, CATEGORY):
        assert string.replace(RLO, "") in shown
    assert " ".join(NOTE.split()) in shown
    assert HUGE[:800] in shown


def test_weekly_json_export_round_trips_the_stored_strings(hostile, client, auth):
    summary = json.loads(weekly_file(client, auth, "json"))
    items = stored_items(hostile)
    listed = {item["key"]: item for item in summary["top_items"]}
    assert len(listed) == 5
    for key, item in listed.items():
        assert item["title"] == items[key]["title"]
    assert listed["hackernews:9001"]["source"] == AUTHOR
    huge = next(item for item in listed.values() if len(item["title"] or "") > 1000)
    assert huge["title"] == HUGE and huge["url"] is None  # the data: hint is never offered as a URL
    assert SURROGATE_STORED in [item["title"] for item in listed.values()]
    assert summary["regretted_items"][0]["note"] == NOTE
    assert CATEGORY in summary["metrics"]["exposure_share"]["category"]


def test_export_all_keeps_exact_strings_and_defuses_formulas(hostile, tmp_path):
    db = storage.connect(hostile.config["DATABASE"])
    try:
        datatransfer.export_all(db, tmp_path / "all")
        stored = {row["key"]: row for row in db.query("SELECT key, title, url, author FROM items")}
    finally:
        db.close()
    with open(tmp_path / "all" / "items.jsonl", encoding="utf-8") as lines:
        exported = {row["key"]: row for row in map(json.loads, lines)}
    assert {key: (row["title"], row["url"], row["author"]) for key, row in exported.items()} == \
        {key: (row["title"], row["url"], row["author"]) for key, row in stored.items()}
    assert any(row["title"] == HUGE and row["url"] == DATA_URL + "#huge" for row in exported.values())

    csv.field_size_limit(sys.maxsize)  # a 10 MB cell
    with open(tmp_path / "all" / "items.csv", newline="", encoding="utf-8") as handle:
        rows = {row["key"]: row for row in csv.DictReader(handle)}
    for key, row in stored.items():
        for column in ("title", "author"):
            value = row[column] or ""
            assert rows[key][column] == ("'" + value if value.startswith(("=", "+", "-", "@")) else value)
    assert rows["hackernews:9002"]["title"] == "'" + SECOND_TITLE
    assert rows["hackernews:9002"]["author"] == "'=cmd|' /C calc'!A0"
    assert rows["hackernews:9001"]["title"] == PARSED_TITLE
    with open(tmp_path / "all" / "ratings.jsonl", encoding="utf-8") as lines:
        assert [json.loads(line)["note"] for line in lines] == [NOTE]
