"""Simulated items are read by the real parsers and site definitions exactly like real ones."""

import hashlib
import re

import pytest
from bs4 import BeautifulSoup

from feedaudit.parsing import parse_item, parse_page
from feedaudit.simulator import CATALOG, SimulationConfig, catalog_item, simulate

# Many ads, so that every platform shows sponsored items too.
CONFIG = SimulationConfig(seed=11, days=3, sponsored_probability=0.2)
FEED_PAGES = {
    "youtube": ("https://www.youtube.com/", "<ytd-app><ytd-browse><div id='contents'>{}</div></ytd-browse></ytd-app>"),
    "reddit": ("https://www.reddit.com/", "<shreddit-feed>{}</shreddit-feed>"),
    "hackernews": ("https://news.ycombinator.com/", "<table id='hnmain'><tbody>{}</tbody></table>"),
}
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


@pytest.fixture(scope="module")
def simulation():
    return simulate(CONFIG)


def impressions(result):
    return [event for event in result.events if event["type"] == "impression"]


def parse_event(event, html=None):
    return parse_item(event["platform"], html or event["item"]["html"], event["page_url"], event["surface"], event["ts"])


# The simulator's truth, computed here from the documented id rules (not with its code).
def video_id(item):
    digest = hashlib.sha256(f"{item.index}:{item.title}".encode()).digest()
    return "".join(_ID_ALPHABET[byte % 64] for byte in digest[:11])


def base36(number):
    return "" if number == 0 else base36(number // 36) + "0123456789abcdefghijklmnopqrstuvwxyz"[number % 36]


def handle(item):
    return re.sub(r"[^A-Za-z0-9]+", "", item.source)


def expected(platform, item, sponsored):
    """(key, title, author) the parser must report for a catalog item."""
    account = handle(item).lower()[:15]
    if platform == "youtube":
        return (f"youtube:{'ad:' if sponsored else ''}{video_id(item)}", item.title, item.source)
    if platform == "reddit":
        post = base36(int("1h00000", 36) + item.index)
        return f"reddit:t3_{post}", item.title, f"r/{handle(item)} · u/{account}"
    return f"hackernews:{40_000_000 + item.index}", item.title, account


def test_every_impression_parses_to_its_items_truth(simulation):
    seen = set()
    for event in impressions(simulation):
        item = catalog_item(simulation.truth.impression_item[event["id"]])
        parsed = parse_event(event)
        assert parsed["parse_status"] == "parsed", (event["platform"], parsed["parse_error"])
        assert (parsed["key"], parsed["title"], parsed["author"]) == expected(event["platform"], item, event["sponsored"])
        assert parsed["url"] == event["item"]["url"]
        seen.add((event["platform"], event["sponsored"]))
    assert seen == {(platform, ad) for platform in FEED_PAGES for ad in (False, True)}


def test_hand_computed_examples():
    council, bank, mistakes = CATALOG[0], CATALOG[18], CATALOG[35]
    assert (council.source, bank.source, mistakes.title) == (
        "The Capitol Ledger", "Ledger & Line", "10 money mistakes you're making right now")
    from feedaudit.simulator.markup import item_html

    def parse(platform, item, sponsored=False):
        return parse_item(platform, item_html(platform, item, sponsored), None, None, 1_767_571_200_000)

    reddit = parse("reddit", council)
    assert (reddit["key"], reddit["author"], reddit["url"], reddit["kind"], reddit["sponsored"]) == (
        "reddit:t3_1h00000", "r/TheCapitolLedger · u/thecapitolledge",
        "https://www.reddit.com/r/TheCapitolLedger/comments/1h00000/"
        "city-council-approves-new-budget-after-late-night-session/", "post", False)
    assert parse("reddit", bank)["author"] == "r/LedgerLine · u/ledgerline"  # "1h00000" + 18 = "1h0000i"
    assert parse("reddit", bank)["key"] == "reddit:t3_1h0000i"
    assert parse("reddit", mistakes, sponsored=True)["sponsored"] is True
    story = parse("hackernews", council)
    assert (story["key"], story["author"], story["kind"], story["url"]) == (
        "hackernews:40000000", "thecapitolledge", "story",
        "https://the-capitol-ledger.example/city-council-approves-new-budget-after-late-night-session")
    video = parse("youtube", bank)
    assert (video["title"], video["author"], video["author_url"], video["kind"]) == (
        "Central bank holds interest rates steady for another quarter", "Ledger & Line",
        "https://www.youtube.com/@LedgerLine", "video")
    ad = parse("youtube", mistakes, sponsored=True)
    assert (ad["title"], ad["author"], ad["kind"], ad["sponsored"]) == (mistakes.title, "Founders Desk", "ad", True)
    assert ad["key"] == f"youtube:ad:{video_id(mistakes)}" and ad["url"] == f"https://www.youtube.com/watch?v={video_id(mistakes)}"


def test_one_key_per_item_and_platform_and_distinct_items_distinct_keys():
    result = simulate(SimulationConfig(seed=3, days=3, variants=40, sponsored_probability=0.2))
    keys_of_item, items_of_key = {}, {}
    for event in impressions(result):
        index, key = result.truth.impression_item[event["id"]], parse_event(event)["key"]
        # A YouTube ad is filed apart from the organic video (youtube:ad:<id>), by the parser's design.
        slot = (event["platform"], index, event["platform"] == "youtube" and event["sponsored"])
        keys_of_item.setdefault(slot, set()).add(key)
        items_of_key.setdefault(key, set()).add(index)
    assert all(len(keys) == 1 for keys in keys_of_item.values())
    assert all(len(indexes) == 1 for indexes in items_of_key.values())
    assert len({index for _, index, _ in keys_of_item}) > len(CATALOG)  # variants were shown


def test_parsers_do_not_need_the_simulation_attributes(simulation):
    for event in impressions(simulation)[:300]:
        plain = re.sub(r' data-[a-z-]+="[^"]*"| ?\bsim-title\b', "", event["item"]["html"])
        assert "feedaudit" not in plain and "sim-" not in plain
        assert parse_event(event, plain) == parse_event(event)


def test_simulation_attributes_sit_on_the_root_element(simulation):
    for event in impressions(simulation)[:300]:
        root = BeautifulSoup(event["item"]["html"], "html.parser").find(True)
        assert root["data-feedaudit-sim"] == "1" and root["data-platform"] == event["platform"]


def test_site_definitions_find_each_simulated_item_in_a_feed_page(simulation):
    """The surface's item selectors (sites.json) pick out exactly the simulated items, in order."""
    for platform, (page_url, page) in FEED_PAGES.items():
        shown = [event for event in impressions(simulation) if event["platform"] == platform][:60]
        html = "<html><body>" + page.format("".join(event["item"]["html"] for event in shown)) + "</body></html>"
        parsed = parse_page(html, page_url, captured_at_ms=shown[-1]["ts"])
        assert [item["key"] for item in parsed] == [parse_event(event)["key"] for event in shown]
        assert [item["surface"] for item in parsed] == [shown[0]["surface"]] * len(shown)
        assert all(item["parse_status"] == "parsed" for item in parsed)
