"""The Exports page in real Chromium: write a week now, download it, see it listed; bad weeks are explained."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_write_now_downloads_and_lists_the_file(fresh_demo_server, report_page):
    page = report_page
    page.goto(f"{fresh_demo_server.url}/exports")
    assert page.locator("#no-exports").is_visible()
    page.fill("#export-week", "2026-W03")
    page.select_option("#export-format", "md")
    with page.expect_download(timeout=120_000) as download:
        page.click("#write-export button")
    assert download.value.suggested_filename == "feedaudit-week-2026-W03.md"
    assert "# Your feeds in week 2026-W03" in open(download.value.path(), encoding="utf-8").read()
    page.locator("#export-status[data-kind='ok']").wait_for()
    assert "Written: feedaudit-week-2026-W03.md" in page.text_content("#export-status")
    rows = page.locator("#exports-table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("a").get_attribute("href") == "/exports/feedaudit-week-2026-W03.md"
    assert page.locator("#no-exports").is_hidden()
    page.problems.assert_none()
    page.reload()  # rendered by the server this time
    assert page.locator("#exports-table tbody tr td").first.text_content() == "2026-W03"


def test_a_week_that_does_not_exist_is_explained(fresh_demo_server, report_page):
    page = report_page
    page.goto(f"{fresh_demo_server.url}/exports")
    page.fill("#export-week", "2025-W53")
    page.click("#write-export button")
    page.locator("#export-status[data-kind='error']").wait_for()
    assert "2025 has no ISO week 53" in page.text_content("#export-status")
    # The refused POST is the only problem: Chromium logs its 400, nothing else failed or threw.
    assert [entry.split()[-1] for entry in page.problems.failed_requests] == ["400"]
    assert page.problems.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    assert page.problems.dialogs == []
