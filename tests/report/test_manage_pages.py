"""Feed explorer, intentions and settings in real Chromium against the simulated database."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from report.conftest import api_get

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def open_explorer(page, server, query: str = "") -> None:
    page.goto(f"{server.url}/explorer{query}")
    expect(page.locator("#explorer-status")).to_contain_text("match")


def test_explorer_lists_what_the_api_lists(demo_server, report_page):
    open_explorer(report_page, demo_server)
    expected = api_get(demo_server, "/api/v1/explorer/items")
    status = report_page.locator("#explorer-status").inner_text()
    assert f"{expected['total']:,} items match; showing 1–25" in status
    titles = report_page.locator("article.item h2").all_inner_texts()
    assert titles == [item["title"] for item in expected["items"]]
    first = report_page.locator("article.item").first
    assert f"{expected['items'][0]['impressions']}×" in first.locator(".item-figures").inner_text()
    first.get_by_role("button", name="Similar items").click()
    report_page.wait_for_selector("article.item .similar li")
    screenshot(report_page, "explorer")
    report_page.get_by_role("button", name="Older →").click()
    expect(report_page.locator("#explorer-status")).to_contain_text("showing 26–50")
    report_page.problems.assert_none()


def test_explorer_filters_from_the_form(demo_server, report_page):
    open_explorer(report_page, demo_server)
    report_page.get_by_label("Clickbait").select_option("high")
    report_page.get_by_label("Platform").select_option("reddit")
    report_page.get_by_role("button", name="Search").click()
    expected = api_get(demo_server, "/api/v1/explorer/items", clickbait="high", platform="reddit")
    expect(report_page.locator("#explorer-status")).to_contain_text(f"{expected['total']} items match")
    assert "clickbait=high" in report_page.url and "platform=reddit" in report_page.url
    report_page.problems.assert_none()


def test_rating_and_correcting_from_the_explorer_change_the_api(fresh_demo_server, report_page):
    server = fresh_demo_server
    item = api_get(server, "/api/v1/explorer/items", rated="unrated", per_page=1)["items"][0]
    new_category = next(c for c in api_get(server, "/api/v1/categories")["categories"] if c["name"] != item["category"])
    open_explorer(report_page, server, "?rated=unrated")
    card = report_page.locator("article.item").first
    assert card.locator("h2").inner_text() == item["title"]
    card.get_by_role("button", name="Regretted").click()
    card.get_by_text("Rated regretted.").wait_for()
    ratings = api_get(server, "/api/v1/ratings")["ratings"]
    assert [(r["item_key"], r["rating"]) for r in ratings if r["item_key"] == item["key"]] == [(item["key"], "regretted")]
    assert card.get_by_role("button", name="Regretted").get_attribute("aria-pressed") == "true"
    card.get_by_label("Category").select_option(str(new_category["id"]))
    card.get_by_role("button", name="Correct category").click()
    card.get_by_text("Category corrected to").wait_for()
    after = api_get(server, "/api/v1/explorer/items", q=item["title"])["items"]
    mine = next(i for i in after if i["key"] == item["key"])
    assert (mine["category"], mine["category_corrected"]) == (new_category["name"], True)
    card.get_by_role("button", name="Clear rating").click()
    card.get_by_text("Rating cleared.").wait_for()
    assert item["key"] not in {r["item_key"] for r in api_get(server, "/api/v1/ratings")["ratings"]}
    report_page.problems.assert_none()


def test_intentions_page_shows_the_gap_and_saves_an_intention(fresh_demo_server, report_page):
    server = fresh_demo_server
    report_page.goto(server.url + "/intentions")
    figures = api_get(server, "/api/v1/intention-gap")
    report_page.get_by_text(f"Calibration gap (KL divergence): {figures['calibration_kl']:.3f}").wait_for()
    metrics = api_get(server, "/api/v1/metrics", **{"from": figures["from_ms"], "to": figures["to_ms"]})
    assert f"{metrics['preferences']['calibration_kl']:.3f}" in report_page.locator("#calibration").inner_text()
    screenshot(report_page, "intentions")
    music = next(row for row in figures["rows"] if row["category"] == "Music")
    report_page.get_by_label("Intention for Music").select_option("at_most")
    report_page.get_by_label("Share for Music, in percent").fill("5")
    report_page.locator("#gap-rows tr", has_text="Music").get_by_role("button", name="Save").click()
    report_page.get_by_text("Saved your intention for Music.").wait_for()
    stored = {i["category"]: i for i in api_get(server, "/api/v1/intentions")["intentions"]}
    assert (stored["Music"]["kind"], stored["Music"]["value"]) == ("at_most", 0.05)
    intended = next(r for r in api_get(server, "/api/v1/intention-gap")["rows"] if r["category"] == "Music")["intended"]
    row = report_page.locator("#gap-rows tr", has_text="Music")
    assert f"shown {music['exposed'] * 100:.1f}%" in row.inner_text()
    assert f"intended {intended * 100:.1f}%" in row.inner_text()
    report_page.problems.assert_none()


def test_settings_page_loads_with_parser_health(demo_server, report_page):
    report_page.goto(demo_server.url + "/settings")
    parsers = api_get(demo_server, "/api/v1/status")["parsers"]
    for platform, counts in parsers.items():
        row = report_page.locator("table.parsers tr", has=report_page.locator(f"th:text-is('{platform}')"))
        assert row.locator("td").first.inner_text() == str(counts["parsed"])
    report_page.get_by_role("button", name="Reveal token").click()
    expect(report_page.locator("#pairing-token")).to_have_text(demo_server.token)
    report_page.get_by_role("button", name="Hide token").click()
    screenshot(report_page, "settings")
    report_page.problems.assert_none()


def test_taxonomy_platforms_and_retention_edited_from_the_page(fresh_demo_server, report_page):
    server = fresh_demo_server
    report_page.goto(server.url + "/settings")
    gaming = next(c for c in api_get(server, "/api/v1/categories")["categories"] if c["name"] == "Gaming")
    report_page.get_by_label("Name of topic Gaming").fill("Video games")
    report_page.get_by_label("Description of Gaming").fill("video games, consoles, esports and game reviews")
    report_page.locator(f"tr[data-category-id='{gaming['id']}']").get_by_role("button", name="Save").click()
    report_page.get_by_text('Saved "Video games".').wait_for()
    report_page.get_by_label("Name", exact=True).fill("Gardening")
    report_page.get_by_label("Description", exact=True).fill("gardens, plants, vegetables, flowers and lawn care")
    report_page.get_by_role("button", name="Add topic").click()
    report_page.get_by_text('Added "Gardening".').wait_for()
    cats = {c["name"]: c for c in api_get(server, "/api/v1/categories")["categories"]}
    assert cats["Video games"]["description"] == "video games, consoles, esports and game reviews"
    assert cats["Video games"]["id"] == gaming["id"] and "Gaming" not in cats and "Gardening" in cats
    report_page.locator(f"tr[data-category-id='{cats['Gardening']['id']}']").get_by_role("button", name="Remove").click()
    report_page.get_by_text('Removed "Gardening"').wait_for()
    assert "Gardening" not in {c["name"] for c in api_get(server, "/api/v1/categories")["categories"]}

    report_page.get_by_label("Reddit", exact=True).uncheck()
    report_page.get_by_role("button", name="Save platforms").click()
    report_page.get_by_text("Saved. Not recording: reddit.").wait_for()
    report_page.get_by_label("Keep raw HTML forever").uncheck()
    report_page.get_by_label("Otherwise keep it this many days").fill("30")
    report_page.get_by_role("button", name="Save retention").click()
    report_page.get_by_text("Saved. Raw HTML older than 30 days").wait_for()
    stored = api_get(server, "/api/v1/settings")["settings"]
    assert (stored["disabled_platforms"], stored["html_retention_days"]) == (["reddit"], 30)
    report_page.problems.assert_none()


def dry_run(server, day: str) -> dict:
    response = requests.post(server.url + "/api/v1/deletions", json={"from": day, "to": day, "dry_run": True},
                             headers=server.auth_headers(), timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["counts"]


def test_deleting_a_day_from_settings_removes_exactly_that_day(fresh_demo_server, report_page):
    server = fresh_demo_server
    day, next_day = "2026-01-07", "2026-01-08"
    to_go, neighbour = dry_run(server, day), dry_run(server, next_day)
    before = api_get(server, "/api/v1/status")["totals"]
    assert to_go["impressions"] > 0 and neighbour["impressions"] > 0
    report_page.goto(server.url + "/settings")
    report_page.get_by_label("From (first day)").fill(day)
    report_page.get_by_label("To (last day, included)").fill(day)
    report_page.get_by_role("button", name="Count what will go").click()
    confirm = report_page.locator("#delete-confirm")
    confirm.wait_for()
    assert f"{to_go['impressions']:,} items shown (impressions)" in confirm.inner_text()
    screenshot(report_page, "settings-delete-confirmation")
    report_page.get_by_role("button", name="Delete for good").click()
    report_page.get_by_text(f"Deleted {to_go['impressions']:,} impressions").wait_for()
    after = api_get(server, "/api/v1/status")["totals"]
    assert after["impressions"] == before["impressions"] - to_go["impressions"]
    assert after["items"] == before["items"] - to_go["items"]
    assert dry_run(server, day)["impressions"] == 0
    # The next day loses nothing it recorded (its count of items that would go may shrink: shared items are gone).
    kept = ("impressions", "dwell", "clicks", "views", "sessions")
    assert {k: dry_run(server, next_day)[k] for k in kept} == {k: neighbour[k] for k in kept}
    assert api_get(server, "/api/v1/explorer/items", **{"from": day, "to": day})["total"] == 0
    report_page.problems.assert_none()
