"""Every parser gives exactly the output it gave before the parse-speed work (issue 4), on
every item of every saved page, and leaving pruned markup out of the tree changes nothing.

``parse_digests.json`` holds, per saved page, a digest of each item's normalized fields: once
for the items as the extension captures them (``parse_item``) and once for the whole page
(``parse_page``). It was written by the parsers as they were before the speed work, so any
change in any field of any item fails here, naming the page and the item. After an intended
parser change, rewrite it with ``.venv/bin/python tests/parsing/test_parse_digest.py --write``
and review the diff of the test assertions in ``test_pages.py`` that explain the change.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from feedaudit import parsing
from feedaudit.parsing import parse_item, parse_page

DIGESTS = Path(__file__).with_name("parse_digests.json")
CAPTURED = 1_770_000_000_000


def item_digest(item: dict) -> str:
    """First 16 hex digits of the SHA-256 of the item's fields as sorted JSON."""
    return hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def page_outputs(items, read_page) -> dict[str, dict[str, list[dict]]]:
    """Per page: the parsed captured items and the parsed whole page."""
    from support.fixture_pages import PAGE_URLS

    outputs = {relative: {"items": [], "page": parse_page(read_page(relative), url, CAPTURED)}
               for relative, url in PAGE_URLS.items()}
    for relative, platform, html, url, surface in items:
        outputs[relative]["items"].append(parse_item(platform, html, url, surface, CAPTURED))
    return outputs


def digests_of(outputs) -> dict[str, dict[str, list[str]]]:
    return {page: {kind: [item_digest(item) for item in parsed] for kind, parsed in kinds.items()}
            for page, kinds in outputs.items()}


@pytest.fixture(scope="module")
def captured(pages_dir):
    from parsing.captured_items import fixture_items

    return fixture_items()


def test_every_item_of_every_saved_page_parses_exactly_as_before(captured, read_page):
    expected = json.loads(DIGESTS.read_text("utf-8"))
    outputs = page_outputs(captured, read_page)
    assert sorted(outputs) == sorted(expected)
    for page, kinds in digests_of(outputs).items():
        for kind, digests in kinds.items():
            assert len(digests) == len(expected[page][kind]), (page, kind)
            for index, (digest, before) in enumerate(zip(digests, expected[page][kind])):
                assert digest == before, f"{page} {kind}[{index}] changed: {outputs[page][kind][index]}"


def test_pruned_trees_parse_the_same(captured, read_page, monkeypatch):
    """The tags ``PRUNED_TAGS`` leaves out are read by nothing: the unpruned tree gives the same items."""
    assert parsing.PRUNED_TAGS, "nothing is pruned: this test would compare a tree with itself"
    pruned = page_outputs(captured, read_page)
    monkeypatch.setattr(parsing, "_SKIPPED_TAGS", {})
    assert page_outputs(captured, read_page) == pruned


def test_pruning_leaves_the_elements_out_of_the_tree():
    html = ("<ytd-rich-item-renderer><a id='thumbnail' href='/watch?v=abcdefghijk'>"
            "<yt-icon><span><svg><title>icon</title></svg></span></yt-icon>t</a><dom-repeat></dom-repeat>"
            "<yt-interaction><div class='fill'></div></yt-interaction></ytd-rich-item-renderer>")
    youtube = parsing.build_tree(html, "youtube")
    assert [tag.name for tag in youtube.body.find_all(True)] == ["ytd-rich-item-renderer", "a"]
    assert youtube.a.contents == ["t"]
    other = parsing.build_tree(html, "news")
    assert len(other.body.find_all(True)) == 9


def main() -> int:
    """``--write``: record the current parsers' digests (only after an intended parser change)."""
    if sys.argv[1:] != ["--write"]:
        print(__doc__)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from parsing.captured_items import fixture_items
    from support.fixture_pages import PAGES_DIR

    outputs = page_outputs(fixture_items(), lambda relative: (PAGES_DIR / relative).read_text("utf-8"))
    DIGESTS.write_text(json.dumps(digests_of(outputs), indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {DIGESTS}: {sum(len(k['items']) for k in outputs.values())} items, "
          f"{sum(len(k['page']) for k in outputs.values())} page items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
