"""Captured strings that try to be markup or links stay inert text in HTML and Markdown exports."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from feedaudit import exporting, settings, storage, weekly
from support import events as ev

EVIL_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
EVIL_CATEGORY = "<svg onload=alert(2)>News & [x](javascript:alert(3))"
EVIL_NOTE = "</td><script>alert(4)</script> [click](javascript:alert(5)) <a href=javascript:alert(6)>a</a>"
BASE = 1_767_830_400_000  # 2026-01-08 00:00 UTC, in week 2026-W02


@pytest.fixture
def summary(app, client, auth):
    events = [
        ev.impression(ts=BASE + 1000, url="javascript:alert(7)", title=EVIL_TITLE, rank=1,
                      html=f"<div>{EVIL_TITLE}</div>"),
        ev.impression(ts=BASE + 2000, url="https://example.com/ok?a=1&b=<2>", title="[fine](javascript:alert(8)) *bold*",
                      rank=2),
    ]
    events += [ev.dwell(events[0]["id"], 5000, ts=BASE + 3000), ev.dwell(events[1]["id"], 4000, ts=BASE + 3000)]
    assert client.post("/api/v1/events", json={"events": events}, headers=auth).status_code == 200
    db = storage.connect(app.config["DATABASE"])
    settings.put(db, "timezone", "UTC")
    db.execute("UPDATE categories SET name = ? WHERE name = 'News & Politics'", (EVIL_CATEGORY,))
    db.execute("UPDATE items SET category_id = (SELECT id FROM categories WHERE name = ?), category_source = 'auto'",
               (EVIL_CATEGORY,))
    db.execute("INSERT INTO ratings (item_key, rating, note, ts) SELECT key, -1, ?, 1 FROM items", (EVIL_NOTE,))
    result = weekly.weekly_summary(db, "2026-W02", "UTC")
    db.close()
    return result


def assert_inert_html(html: str):
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all("script") == []
    assert soup.find_all("img") == []
    for tag in soup.find_all(True):
        assert not any(name.startswith("on") for name in tag.attrs), tag
        for attribute in ("href", "src", "xlink:href"):
            value = tag.get(attribute)
            assert value is None or value.startswith(("https://", "http://", "#")), tag
    return soup


def test_html_export_escapes_everything(summary):
    html = exporting.render_html(summary)
    soup = assert_inert_html(html)
    assert EVIL_TITLE in soup.get_text()  # shown as text, exactly
    assert EVIL_CATEGORY in soup.get_text()
    links = [a["href"] for a in soup.find_all("a")]
    assert links == ["https://example.com/ok?a=1&b=<2>", "https://example.com/ok?a=1&b=<2>"]  # top and regretted
    assert len(soup.select("svg.chart")) == 1  # one week of data: the shown-vs-attention chart only


def test_markdown_export_renders_to_inert_html(summary):
    text = exporting.render_markdown(summary)
    rendered = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").render(text)
    soup = assert_inert_html(rendered)
    assert [a["href"] for a in soup.find_all("a")] == ["https://example.com/ok?a=1&b=%3C2%3E"] * 2
    assert EVIL_TITLE in soup.get_text()
    assert EVIL_CATEGORY in soup.get_text()
    assert "[fine](javascript:alert(8)) *bold*" in soup.get_text()


@pytest.mark.browser
def test_the_html_export_runs_no_script_in_chromium(summary, report_page, tmp_path):
    page_file = tmp_path / "hostile.html"
    page_file.write_text(exporting.render_html(summary), encoding="utf-8")
    report_page.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                              else route.abort())
    report_page.goto(page_file.as_uri())
    report_page.locator("svg.chart").wait_for()
    assert report_page.evaluate("document.querySelectorAll('script').length") == 0
    report_page.problems.assert_none()  # no alert() dialog, no console error
