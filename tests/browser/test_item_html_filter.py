"""The item HTML the extension sends (background/sanitize.js), run in real Chromium: exact
results on hand-made markup, and the same result as removing the nodes from a deep clone
(an independent DOM implementation) for every feed item of every saved real page."""

from __future__ import annotations

import pytest

from feedaudit import sites
from support.chromium import shared_playwright
from support.fixture_pages import PAGE_URLS

from extension_harness import CHROMIUM_ARGS, EXTENSION_DIR, chromium_path, playwright_sync, shared_page, without_scripts

pytestmark = pytest.mark.browser

TEST_ORIGIN = "https://filter.example"
LOAD_MODULE = f"""import {{ sanitizedHtml, capUtf8 }} from "{TEST_ORIGIN}/sanitize.js";
window.filter = {{ sanitizedHtml, capUtf8 }};"""
# The oracle: the node-removing definition of the item HTML, on a deep clone.
REFERENCE = """(element) => {
  const copy = element.cloneNode(true);
  const removed = 'script, style, noscript, template, iframe, link, svg path, svg use, svg g, svg defs';
  for (const node of copy.querySelectorAll(removed)) node.remove();
  const names = ['src', 'srcset', 'style', 'href', 'poster', 'data-src', 'data-thumb'];
  for (const node of [copy, ...copy.querySelectorAll('*')]) {
    for (const name of names) {
      const value = node.getAttribute(name);
      if (value && /data:[^,;]*;base64/i.test(value)) node.removeAttribute(name);
    }
  }
  return copy.outerHTML;
}"""
COMPARE_ITEMS = """([selector, reference]) => {
  const referenceHtml = eval(reference);
  const items = [...document.querySelectorAll(selector)].filter((e) => !e.parentElement.closest(selector));
  const different = items.filter((e) => {
    const expected = referenceHtml(e);
    return new TextEncoder().encode(expected).length <= 32000 && window.filter.sanitizedHtml(e) !== expected;
  });
  return [items.length, different.map((e) => e.outerHTML.slice(0, 200))];
}"""


@pytest.fixture(scope="module")
def filter_page():
    """A plain Chromium page with sanitize.js loaded as a module (no extension needed)."""
    files = {
        f"{TEST_ORIGIN}/": ("text/html", "<!doctype html><title>filter</title><body></body>"),
        f"{TEST_ORIGIN}/sanitize.js": ("text/javascript", (EXTENSION_DIR / "background" / "sanitize.js").read_text()),
    }

    def serve(route):
        if route.request.url not in files:
            return route.abort()  # images of the saved pages: nothing leaves the machine
        content_type, body = files[route.request.url]
        return route.fulfill(status=200, content_type=content_type, body=body)

    with shared_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = chromium.new_page()
        page.route("**/*", serve)
        page.goto(f"{TEST_ORIGIN}/")
        page.add_script_tag(type="module", content=LOAD_MODULE)
        page.wait_for_function("window.filter !== undefined")
        yield page
        chromium.close()


def filtered(page, inner_html: str) -> str:
    return page.evaluate(
        """(html) => { const holder = document.createElement('div');
                       holder.innerHTML = html;
                       return window.filter.sanitizedHtml(holder.firstElementChild); }""",
        inner_html,
    )


HAND_MADE = {
    "raw text and comments": (
        '<div id="a"><!-- <style> --><p>keep</p><script>var s = "<div>";</script><style>p{}</style>'
        '<noscript><img src="x"></noscript><iframe src="/f"></iframe><link rel="x" href="/l"></div>',
        '<div id="a"><!-- <style> --><p>keep</p></div>',
    ),
    "svg paths, uses, groups, defs": (
        '<a href="/v"><svg viewBox="0 0 1 1"><defs><path id="p" d="M0"></path></defs><g><g><use href="#p"></use></g>'
        '<text>x</text></g><path d="M1"></path><circle r="1"></circle></svg>t<path>not svg</path></a>',
        '<a href="/v"><svg viewBox="0 0 1 1"><circle r="1"></circle></svg>t<path>not svg</path></a>',
    ),
    "base64 attributes only": (
        '<div style="background:url(data:image/png;base64,AAAA)" data-x="base64 word">'
        '<img src="data:image/gif;base64,R0lG" alt="i"><img data-src="https://i.example/x.jpg" src="https://i.example/y.jpg">'
        '<p>src="data:image/png;base64,AA"</p></div>',
        '<div data-x="base64 word"><img alt="i"><img data-src="https://i.example/x.jpg" src="https://i.example/y.jpg">'
        '<p>src="data:image/png;base64,AA"</p></div>',
    ),
    "nested templates": (
        "<div><template><p>a</p><template><b>b</b></template></template><i>c</i></div>",
        "<div><i>c</i></div>",
    ),
}


@pytest.mark.parametrize("case", list(HAND_MADE))
def test_hand_made_markup_is_filtered_exactly(filter_page, case):
    markup, expected = HAND_MADE[case]
    assert filtered(filter_page, markup) == expected


def test_markup_inside_quoted_attributes_is_not_taken_for_tags(filter_page):
    markup = '<div title="a > b <path d=&quot;x&quot;> <script>"><svg><path d="M0"></path></svg><p>x &lt; y</p></div>'
    result = filtered(filter_page, markup)
    reference = filter_page.evaluate(
        f"(html) => {{ const h = document.createElement('div'); h.innerHTML = html; return ({REFERENCE})(h.firstElementChild); }}",
        markup,
    )
    assert result == reference
    assert "<svg></svg>" in result and "<p>x &lt; y</p>" in result and "script" in result  # the title's text stays


def test_long_data_attributes_go_first_when_over_the_cap(filter_page):
    pixels = "".join(f' data-pixel-{n}="https://ads.example/{"p" * 600}"' for n in range(60))  # ~37 KB
    markup = f'<div class="thing" data-id="t3_1"{pixels}><a class="title" href="/r/x">The title</a></div>'
    result = filtered(filter_page, markup)
    assert result == '<div class="thing" data-id="t3_1"><a class="title" href="/r/x">The title</a></div>'


def test_cap_never_splits_a_character_and_ends_at_a_tag(filter_page):
    cap = "(text) => window.filter.capUtf8(text, 32000)"
    assert filter_page.evaluate(cap, "é" * 20000) == "é" * 16000  # 2 bytes each
    assert filter_page.evaluate(cap, "a" + "é" * 20000) == "a" + "é" * 15999  # 31,999 bytes: one more would not fit
    assert filter_page.evaluate(cap, "<b>" + "é" * 20000 + "</b>") == "<b>"  # cut back to the end of a tag
    assert filter_page.evaluate(cap, "<b>short</b>") == "<b>short</b>"


@pytest.mark.parametrize("fixture", list(PAGE_URLS))
def test_every_item_of_the_saved_pages_matches_the_node_removing_definition(filter_page, fixture):
    url = PAGE_URLS[fixture]
    definition = sites.definition_for_url(url)
    selector = sites.surface_for_url(definition, url).item_selector.pattern
    html = without_scripts(shared_page(fixture))
    filter_page.evaluate("(html) => { document.body.innerHTML = html; }", html)
    count, different = filter_page.evaluate(COMPARE_ITEMS, [selector, REFERENCE])
    assert count > 0
    assert different == []


# The page serializes the item; the extension's service worker filters it before it is
# stored. Through the whole extension, the server receives exactly the filtered markup.
HN_URL = "https://news.ycombinator.com/"
BASE64_GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
CLUTTERED_HN_PAGE = (
    "<!doctype html><html><head><style>body { margin: 0; } tr.athing td { height: 100px; }</style></head><body>"
    "<table id='feed'><tr class='athing submission' id='4242'><td class='title'>"
    "<script>window.itemScriptRan = true;</script><style>.x { color: red; }</style>"
    "<svg viewBox='0 0 10 10'><path d='M0 10L5 0L10 10z'></path></svg>"
    f"<img src='{BASE64_GIF}' alt='dot'>"
    "<span class='titleline'><a href='https://example.com/a'>A &lt; B</a></span></td></tr>"
    "<tr><td class='subtext'><span class='score'>7 points</span></td></tr>"
    "</table></body></html>"
)


def test_the_worker_filters_what_the_page_serialized(paired, db):
    paired.open(HN_URL, CLUTTERED_HN_PAGE)
    rows = db.wait_for("SELECT rank FROM impressions", lambda rows: len(rows) == 1)
    assert [r["rank"] for r in rows] == [1]
    assert db.impressions()[0]["html"] == (
        '<tr class="athing submission" id="4242"><td class="title">'
        '<svg viewBox="0 0 10 10"></svg><img alt="dot">'
        '<span class="titleline"><a href="https://example.com/a">A &lt; B</a></span></td></tr>'
        '<tr><td class="subtext"><span class="score">7 points</span></td></tr>'
    )
