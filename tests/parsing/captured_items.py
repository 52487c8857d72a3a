"""Feed items of the real saved pages as the extension captures them (shared by the
parse benchmark and the output-digest test).

``captured_html`` mirrors the extension's ``extension/background/sanitize.js``: the item's
outerHTML without scripts, styles, SVG paths, inline handlers and base64 data, capped at
32,000 bytes; Hacker News items carry their subtext row.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from feedaudit import sites
from support.fixture_pages import PAGE_URLS, PAGES_DIR

MAX_HTML_BYTES = 32_000
REMOVED = "script, style, noscript, template, iframe, link, svg path, svg use, svg g, svg defs"
_BASE64 = re.compile(r"data:[^,;]*;base64", re.I)


def captured_html(element, definition) -> str:
    """The item as the extension sends it (sanitize.js, mirrored)."""
    copy = BeautifulSoup(str(element), "lxml")
    for node in copy.select(REMOVED):
        node.decompose()
    for node in copy.find_all(True):
        for name in [a for a, v in node.attrs.items() if a.startswith("on") or _BASE64.search(str(v))]:
            del node[name]
    html = str(copy.body.contents[0]) if copy.body and copy.body.contents else ""
    sibling = sites.next_sibling_context(element, definition)
    if sibling is not None:
        html += str(sibling)
    encoded = html.encode("utf-8")
    if len(encoded) > MAX_HTML_BYTES:
        cut = encoded[:MAX_HTML_BYTES].decode("utf-8", "ignore")
        html = cut[: cut.rfind(">") + 1] or cut
    return html


def fixture_items() -> list[tuple[str, str, str, str, str]]:
    """(page, platform, captured HTML, page URL, surface) for every feed item of every saved page."""
    items = []
    for relative, url in PAGE_URLS.items():
        definition = sites.definition_for_url(url)
        surface = sites.surface_for_url(definition, url)
        soup = BeautifulSoup((PAGES_DIR / relative).read_text("utf-8"), "lxml")
        for element in sites.select_items(soup, surface):
            items.append((relative, definition.id, captured_html(element, definition), url, surface.name))
    return items
