"""A simulated week in all three formats: HTML and Markdown show the JSON's numbers, the JSON is the API's
summary and its metrics are /api/v1/metrics; the HTML works offline in Chromium; downloads are safe."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
from bs4 import BeautifulSoup

from json_diff import differences
from report.conftest import DEMO_WEEKS, api_get

WEEK = DEMO_WEEKS[1]  # 2026-W03, with W02 before it


def post_export(server, week, fmt):
    response = requests.post(f"{server.url}/api/v1/exports", json={"week": week, "format": fmt},
                             headers=server.auth_headers(), timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def download(server, name) -> requests.Response:
    response = requests.get(f"{server.url}/exports/{name}", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    return response


def wait_for_rollups(server, timeout_s: float = 600):
    """Until the background job has rolled up the simulated days: before, figures come from the raw rows
    (equal up to the last float digits), so two requests could differ in those digits."""
    first, last = (api_get(server, "/api/v1/summary", week=week)["period"] for week in DEMO_WEEKS)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        computed = api_get(server, "/api/v1/metrics", **{"from": first["from_ms"], "to": last["to_ms"]}).get("computed_from")
        if computed and computed["raw_days"] == 0:
            return
        time.sleep(2)
    raise AssertionError("the rollups of the simulated days were not built in time")


@pytest.fixture(scope="module")
def exported(demo_server):
    """The week's summary from the API and the three downloaded files (removed afterwards: the server is shared)."""
    wait_for_rollups(demo_server)
    summary = api_get(demo_server, "/api/v1/summary", week=WEEK)
    names = {fmt: post_export(demo_server, WEEK, fmt)["export"]["name"] for fmt in ("html", "md", "json")}
    yield summary, {fmt: download(demo_server, name).text for fmt, name in names.items()}
    for name in names.values():
        (demo_server.data_dir / "exports" / name).unlink(missing_ok=True)


def number(text: str) -> float:
    """'3,533' → 3533; '12.3%' → 0.123; '92.6 min' → ms; '0.37' → 0.37."""
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    if text.endswith(" min"):
        return float(text[:-4]) * 60_000
    return float(text.replace(",", ""))


TOLERANCE = {"%": 0.0005, "min": 3000.0}


def assert_matches(shown: str, value):
    tolerance = TOLERANCE["%"] if shown.endswith("%") else TOLERANCE["min"] if shown.endswith("min") else 0.005
    assert abs(number(shown) - value) <= tolerance + 1e-12, (shown, value)


HEADLINE = {"impressions": ("totals", "impressions"), "items": ("totals", "items"), "dwell_ms": ("totals", "dwell_ms"),
            "clicks": ("totals", "clicks"), "effective_topics": ("topic_diversity", "effective_number"),
            "source_gini": ("source_concentration", "gini"), "sponsored_share": ("sponsored_share",),
            "clickbait_share": ("clickbait", "exposure_share"), "narrowness": ("narrowness", "value")}


def pick(data, path):
    for part in path:
        data = data[part]
    return data


def test_the_json_file_is_the_api_summary_and_its_metrics_the_metrics_api(demo_server, exported):
    summary, files = exported
    document = json.loads(files["json"])
    summary.pop("ok")
    assert differences(document, summary) == []
    assert document["schema_version"] == 1 and document["week"] == WEEK and document["has_data"] is True
    period = document["period"]
    metrics = api_get(demo_server, "/api/v1/metrics", **{"from": period["from_ms"], "to": period["to_ms"]})
    # computed_from says which days came from rollups, which were computed raw: provenance, not a figure.
    for figures in (metrics, document["metrics"]):
        figures.pop("ok", None)
        figures.pop("computed_from", None)
    assert differences(document["metrics"], metrics) == []


def test_html_shows_the_json_numbers(exported):
    summary, files = exported
    soup = BeautifulSoup(files["html"], "html.parser")
    for key, path in HEADLINE.items():
        cells = soup.select_one(f'tr[data-figure="{key}"]').find_all("td")
        assert_matches(cells[1].text, pick(summary["metrics"], path))
        assert_matches(cells[2].text, pick(summary["previous"], path))
    exposure = summary["metrics"]["exposure_share"]["category"]
    attention = summary["metrics"]["attention_share"]["category"]
    rows = soup.select("#categories tbody tr")
    assert len(rows) == len(set(exposure) | set(summary["previous"]["exposure_share"]["category"]))
    for row in rows:
        name, shown, held = (td.text for td in row.find_all("td")[:3])
        assert_matches(shown, exposure.get(name, 0.0))
        assert_matches(held, attention.get(name, 0.0))
    assert [li.text for li in soup.select("#sentences li")] == summary["sentences"]
    top = soup.select("#top-items tbody tr")
    assert [row["data-key"] for row in top] == [item["key"] for item in summary["top_items"]]


def markdown_table(text: str, heading: str) -> list[list[str]]:
    table = text.split(f"## {heading}\n", 1)[1].strip().split("\n\n", 1)[0]
    lines = table.splitlines()
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def test_markdown_shows_the_json_numbers(exported):
    summary, files = exported
    labels = {"Items shown": "impressions", "Distinct items": "items", "Time items were on screen": "dwell_ms",
              "Clicks": "clicks", "Effective number of topics": "effective_topics",
              "Source concentration (Gini)": "source_gini", "Sponsored share": "sponsored_share",
              "Clickbait share": "clickbait_share", "Narrowness": "narrowness"}
    figures = markdown_table(files["md"], "Figures")
    assert [row[0] for row in figures] == list(labels)
    for label, now, before, _ in figures:
        assert_matches(now, pick(summary["metrics"], HEADLINE[labels[label]]))
        assert_matches(before, pick(summary["previous"], HEADLINE[labels[label]]))
    exposure = summary["metrics"]["exposure_share"]["category"]
    for name, shown, *_ in markdown_table(files["md"], "Topics"):
        assert_matches(shown, exposure.get(name.replace("\\", ""), 0.0))
    sentences = re.findall(r"^- (.*)$", files["md"].split("## In short", 1)[1].split("##", 1)[0], re.M)
    assert [s.replace("\\", "") for s in sentences] == summary["sentences"]


@pytest.mark.browser
def test_the_html_opens_offline_in_chromium_with_its_charts(exported, report_page, tmp_path):
    summary, files = exported
    page_file = tmp_path / "summary.html"
    page_file.write_text(files["html"], encoding="utf-8")
    requested = []
    report_page.context.route("**/*", lambda route: (requested.append(route.request.url), route.abort())
                              if not route.request.url.startswith("file:") else route.continue_())
    report_page.goto(page_file.as_uri())
    categories = len(set(summary["metrics"]["exposure_share"]["category"])
                     | set(summary["previous"]["exposure_share"]["category"]))
    for chart in ("exposure-attention", "week-over-week"):
        svg = report_page.locator(f"#chart-{chart} svg")
        assert svg.is_visible()
        assert svg.bounding_box()["height"] > 200
        assert report_page.locator(f"#chart-{chart} rect.bar").count() == 2 * categories
    assert requested == []
    report_page.problems.assert_none()


def test_downloads_are_safe_file_names_only(demo_server, exported):
    for name in ("feedaudit.db", "..%2Ffeedaudit.db", "%2E%2E%2Ftoken", "feedaudit-week-2026-W03.html%00.txt",
                 "feedaudit-week-2026-W99.html"):
        response = requests.get(f"{demo_server.url}/exports/{name}", timeout=10)
        assert response.status_code == 404, name
        assert response.json()["ok"] is False


@pytest.mark.parametrize("body, message", [
    ({"week": "2026-W3", "format": "html"}, "week must look like 2026-W48"),
    ({"week": "2025-W53", "format": "html"}, "2025 has no ISO week 53"),
    ({"week": WEEK, "format": "pdf"}, "'format' must be one of"),
    ({"week": 202603, "format": "md"}, "'week' must be an ISO week"),
])
def test_bad_export_requests_are_400(demo_server, body, message):
    response = requests.post(f"{demo_server.url}/api/v1/exports", json=body, headers=demo_server.auth_headers(), timeout=30)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_listing_shows_the_written_files(demo_server, exported):
    listing = api_get(demo_server, "/api/v1/exports")
    names = {entry["name"] for entry in listing["exports"]}
    assert {f"feedaudit-week-{WEEK}.{ext}" for ext in ("html", "md", "json")} <= names
    status = api_get(demo_server, "/api/v1/status")
    assert status["last_export"]["week"] == WEEK


def test_an_export_removes_temporary_files_a_killed_export_left(tmp_path, app):
    import os
    import time

    from feedaudit import exporting, storage

    stale, fresh = tmp_path / ".partial-abc.html", tmp_path / ".partial-def.md"
    stale.write_text("half an export")
    fresh.write_text("being written right now")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(stale, (two_hours_ago, two_hours_ago))
    db = storage.connect(app.config["DATABASE"])
    written = exporting.export_week(db, "2026-W03", ["md"], "UTC", tmp_path)
    assert [p.name for p in written] == ["feedaudit-week-2026-W03.md"]
    assert not stale.exists() and fresh.exists()
    db.close()
