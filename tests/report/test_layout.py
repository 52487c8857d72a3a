"""The shared layout in real Chromium: navigation, offline chart JS, the page token."""

import pytest

pytestmark = pytest.mark.browser


def test_overview_loads_offline_without_errors(demo_server, report_page):
    report_page.goto(demo_server.url + "/")
    assert report_page.locator("nav a[aria-current=page]").inner_text() == "Overview"
    assert report_page.locator(".simulated").is_visible()
    report_page.problems.assert_none()


def test_page_token_lets_page_scripts_call_the_api(demo_server, report_page):
    report_page.goto(demo_server.url + "/")
    status = report_page.evaluate(
        """async () => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch('/api/v1/status', {headers: {'X-CSRF-Token': token}});
            return [response.status, (await response.json()).ok];
        }""")
    assert status == [200, True]
