"""Scriptable pairing through options.html?server=&token=, and what the options page
and popup say when it does not work."""

from __future__ import annotations

import pytest

from extension_harness import feed_page

pytestmark = pytest.mark.browser


def open_options(browser, query: str):
    page = browser.extension_page(f"options.html?{query}")
    status = page.locator("#connection-status:not([data-state='checking'])")
    status.wait_for(timeout=10000)
    return page, status.get_attribute("data-state"), status.text_content()


def test_query_pairing_stores_server_and_token_and_reports_connected(browser, server):
    page, state, _ = open_options(browser, f"server={server.url}&token={server.token}")
    assert state == "connected"
    settings = browser.storage_get("settings")
    assert (settings["serverUrl"], settings["token"]) == (server.url, server.token)
    assert page.input_value("#server") == server.url


def test_wrong_token_is_reported(browser, server):
    _, state, text = open_options(browser, f"server={server.url}&token=not-the-token")
    assert state == "wrong-token"
    assert "refused this token" in text


def test_server_down_is_reported(browser, server):
    server.stop()
    _, state, text = open_options(browser, f"server={server.url}&token=abc")
    assert state == "server-down"
    assert "feedaudit serve" in text


def test_only_local_servers_are_accepted(browser):
    _, state, text = open_options(browser, "server=https://collector.example.com&token=abc")
    assert state == "invalid"
    assert "must run on this computer" in text
    assert browser.storage_get("settings") is None  # nothing was stored


def test_popup_shows_connection_and_counts(paired, db):
    page = paired.open("https://news.ycombinator.com/", feed_page(["Story 1", "Story 2"]))
    db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 2)
    page.close()  # leaving sends the last dwell and session updates
    paired.sleep(1.0)
    paired.wait_until_queue_empty()
    popup = paired.extension_page("popup.html")
    popup.locator("#connection[data-state='connected']").wait_for(timeout=10000)
    assert popup.text_content("#today").startswith("2 impressions, 0 clicks")
    assert popup.text_content("#queued") == "0"
    assert popup.text_content("#dropped") == "0"
