"""The fast tree builder (lxml's tree walked into bs4 objects) changes nothing.

Every real saved page and every item in it must give the same BeautifulSoup tree, node
for node and attribute for attribute, as bs4's own lxml builder, and the same parser
output; documents where lxml's tree could differ must take bs4's own builder.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from bs4 import BeautifulSoup, Comment, NavigableString

from feedaudit import sites
from feedaudit.parsing import DROPPED_TAGS, parse_item, parse_page
from feedaudit.parsing.tree import _lean_tree, fast_tree, lean_path_matches_bs4, reference_tree, tree_signature

from support.fixture_pages import PAGE_URLS

CAPTURED = 1_770_000_000_000


@pytest.fixture(scope="module")
def pages(pages_dir):
    return {relative: (pages_dir / relative).read_text("utf-8") for relative in PAGE_URLS}


@pytest.fixture(scope="module")
def page_items(pages):
    """(platform, item HTML, page URL, surface) for every feed item of every page, as captured."""
    items = []
    for relative, url in PAGE_URLS.items():
        definition = sites.definition_for_url(url)
        surface = sites.surface_for_url(definition, url)
        soup = BeautifulSoup(pages[relative], "lxml")
        for element in sites.select_items(soup, surface):
            sibling = sites.next_sibling_context(element, definition)
            items.append((definition.id, str(element) + (str(sibling) if sibling else ""), url, surface.name))
    return items


def assert_same_tree(html: str, keep_comments_cases=(True, False)) -> None:
    for keep_comments in keep_comments_cases:
        fast = tree_signature(fast_tree(html, DROPPED_TAGS, keep_comments))
        assert fast == tree_signature(reference_tree(html, DROPPED_TAGS, keep_comments))


def test_the_installed_beautifulsoup_gets_the_fast_path():
    assert lean_path_matches_bs4()


def test_every_real_page_builds_the_same_tree(pages):
    fallbacks = [relative for relative, html in pages.items() if _lean_tree(html, frozenset(DROPPED_TAGS), False) is None]
    # <button disabled> (no value): lxml's tree reads it as disabled="disabled", bs4's builder as "".
    assert fallbacks == ["news/google-news_home_en-IN_2025-02-02.html"]
    for relative, html in pages.items():
        assert_same_tree(html, (relative.startswith("x/"),))  # comments are kept for X only (build_tree)


def test_every_captured_item_builds_the_same_tree(page_items):
    assert len(page_items) == 380
    for _, html, _, _ in page_items:
        assert _lean_tree(html, frozenset(DROPPED_TAGS), False) is not None
        assert_same_tree(html)


def test_parsed_output_is_identical_with_and_without_the_fast_path(pages, page_items):
    for relative, url in PAGE_URLS.items():
        assert parse_page(pages[relative], url, CAPTURED) == parse_page(pages[relative], url, CAPTURED, fast=False)
    for platform, html, url, surface in page_items:
        assert parse_item(platform, html, url, surface, CAPTURED) == parse_item(
            platform, html, url, surface, CAPTURED, fast=False)


# Where lxml's tree cannot tell what bs4's builder (lxml's SAX events) would build.
FALLBACK_DOCUMENTS = [
    "<p>x</p></html>x",                                   # content after </html>
    "<p>x</p></html>\n<!-- c -->\n",
    "<p>a</html>b</p>",
    "<form><input disabled><option selected>o</option></form>",  # boolean attributes without a value
    "<input checked='checked'>",
    "<div>" * 300 + "deep" + "</div>" * 300,              # beyond libxml2's tree depth
    "<div {x}y=1 a=2>braced attribute name</div>",          # bs4's builder reads {x}y as a namespaced y
]
FAST_DOCUMENTS = [
    "<p>x</p></html>\n",                                  # whitespace after </html> is emulated
    "<input disabled=''><p hidden>x</p>",
    "<p>a<!--c-->b<!----><!-- \n --></p>",
    "<pre> <b> </b>\n</pre><textarea>  </textarea><p> \n </p>",
    "<ruby>r<rt>t</rt><rp>(</rp></ruby><template>t</template>",
    "<meta charset='latin-1'><meta http-equiv='content-type' content='text/html; charset=latin-1'>",
    "<div>a<script>x<b>y</b></script>b<style>p{}</style>c<noscript>n</noscript></div>",
    "<table><tr><td>unclosed</table><p>é ü 😀 \u200b</p>",
    "<svg viewBox='0 0 1 1'><path d='M0'/></svg>text<math><mi>x</mi></math>",
    "<div>" * 200 + "deep" + "</div>" * 200,
    "<div data-json='{\"a\": {\"b\": 1}}' style='x{y}'>braces in values only</div>",
    "<p id='a'>x</p><p id='a'>repeated id</p>",
]


@pytest.mark.parametrize("html", FALLBACK_DOCUMENTS)
def test_documents_lxml_trees_misread_take_bs4s_builder(html):
    assert _lean_tree(html, frozenset(DROPPED_TAGS), True) is None
    assert_same_tree(html)


@pytest.mark.parametrize("html", FAST_DOCUMENTS)
def test_odd_but_readable_documents_take_the_fast_path_and_match(html):
    assert _lean_tree(html, frozenset(DROPPED_TAGS), True) is not None
    assert_same_tree(html)


@pytest.mark.parametrize("html", ["", "   ", "plain text", "<!-- only a comment -->", "<?php echo 1 ?>", "\x00<p>\x01</p>"])
def test_markup_without_elements_matches_too(html):
    assert_same_tree(html)


def test_comments_are_left_out_but_split_the_text_as_before():
    soup = fast_tree("<p>a<!--c-->b<script>s</script>c</p>", DROPPED_TAGS, keep_comments=False)
    assert [type(s) for s in soup.p.contents] == [NavigableString, NavigableString, NavigableString]
    assert soup.p.get_text("|") == "a|b|c"
    kept = fast_tree("<p>a<!--c-->b</p>", keep_comments=True)
    assert [(type(s), str(s)) for s in kept.p.contents] == [(NavigableString, "a"), (Comment, "c"), (NavigableString, "b")]


def test_threads_parse_with_their_own_lxml_parser(page_items):
    sequential = [parse_item(p, h, u, s, CAPTURED) for p, h, u, s in page_items]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda item: parse_item(*item, CAPTURED), page_items))
    assert threaded == sequential
