"""The same sites.json selectors in a real browser: Chromium's querySelectorAll with the
outermost-wins rule must find exactly the items BeautifulSoup/soupsieve finds."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from support.chromium import shared_playwright

from feedaudit import sites
from feedaudit.parsing import parse_page

from .test_pages import PAGES

pytestmark = pytest.mark.browser
SCRIPT_BLOCK = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

OUTERMOST_ITEMS_JS = """
([selectors, sponsored]) => {
  const matched = [...document.querySelectorAll(selectors.join(", "))];
  const set = new Set(matched);
  const items = matched.filter((el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (set.has(p)) return false;
    return true;
  });
  const isAd = (el) => sponsored.length > 0 &&
    (el.matches(sponsored.join(", ")) || el.querySelector(sponsored.join(", ")) !== null);
  return items.map((el, i) => isAd(el) ? i + 1 : 0);
}
"""


@pytest.fixture(scope="module")
def browser_page():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with shared_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(java_script_enabled=True)
        # Saved pages must not fetch anything: block every request.
        page.route("**/*", lambda route: route.abort())
        yield page
        browser.close()


@pytest.mark.parametrize("name", PAGES)
def test_chromium_finds_the_same_items(browser_page, read_page, name):
    page = PAGES[name]
    definition = sites.definition_for_url(page.url)
    surface = next(s for s in sites.load_raw()["platforms"]
                   if s["id"] == definition.id and tuple(s["matches"]) == definition.matches)
    raw_surface = next(s for s in surface["surfaces"] if s["name"] == sites.surface_for_url(definition, page.url).name)
    # Scripts stay inert: the saved page is loaded with its scripts stripped.
    html = read_page(page.file)
    browser_page.set_content(SCRIPT_BLOCK.sub("", html), wait_until="domcontentloaded")
    flags = browser_page.evaluate(OUTERMOST_ITEMS_JS, [raw_surface["items"], surface["sponsored"]])
    assert len(flags) == page.count
    # CSS alone cannot see X's text-only "Ad" label; everywhere else the sponsored rule is pure CSS.
    assert tuple(f for f in flags if f) == page.sponsored_ranks
    python_items = parse_page(html, page.url, page.captured_ms)
    assert len(python_items) == len(flags)


def test_every_selector_and_regex_is_accepted_by_chromium(browser_page):
    """querySelector throws on a selector the browser cannot parse; RegExp on a bad pattern."""
    browser_page.set_content("<html><body></body></html>")
    rejected = browser_page.evaluate("""(raw) => {
      const bad = [];
      const tryCss = (s) => { try { document.querySelector(s); } catch (e) { bad.push(s); } };
      for (const p of raw.platforms) {
        for (const s of p.surfaces) { s.items.forEach(tryCss); try { new RegExp(s.url); } catch (e) { bad.push(s.url); } }
        p.sponsored.forEach(tryCss);
        Object.values(p.hints).forEach(tryCss);
        for (const v of p.views) { if (v.media) tryCss(v.media); try { new RegExp(v.url); } catch (e) { bad.push(v.url); } }
        if (p.item_next_sibling) tryCss(p.item_next_sibling);
      }
      return bad;
    }""", json.loads(json.dumps(sites.load_raw())))
    assert rejected == []
