"""The simulator's catalog and its events: the ingest contract, determinism, markup."""

import uuid
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from feedaudit.simulator import CATALOG, CATEGORIES, SimulationConfig, simulate
from feedaudit.simulator.catalog import _TITLES

ISSUE_5_CATEGORIES = (
    "News & Politics", "Business & Finance", "Science", "Technology", "Health & Fitness", "Sports",
    "Gaming", "Music", "Film & TV", "Comedy & Entertainment", "Education & How-to", "Food & Cooking",
    "Travel & Places", "Lifestyle & Fashion", "Cars & Vehicles", "Pets & Animals",
)
REQUIRED = {
    "impression": {"type", "id", "ts", "platform", "surface", "page_url", "session_id", "rank", "item", "sponsored"},
    "dwell": {"type", "id", "ts", "impression_id", "visible_ms"},
    "click": {"type", "id", "ts", "impression_id", "href", "button", "modifiers"},
    "session": {"type", "id", "ts", "platform", "start_ts", "end_ts", "active_ms"},
    "view": {"type", "id", "ts", "platform", "url", "impression_id", "active_ms"},
}
SMALL = SimulationConfig(seed=5, days=3)


@pytest.fixture(scope="module")
def small():
    return simulate(SMALL)


def test_catalog_covers_the_taxonomy_with_unique_titles():
    assert CATEGORIES == ISSUE_5_CATEGORIES
    assert all(len(_TITLES[category]) >= 15 for category in CATEGORIES)
    per_category = Counter(item.category for item in CATALOG)
    assert per_category == {category: 18 for category in CATEGORIES}  # 15 plain + 3 clickbait
    assert len({item.title for item in CATALOG}) == len(CATALOG)
    assert [item.index for item in CATALOG] == list(range(len(CATALOG)))


def test_same_seed_same_events_other_seed_other_events(small):
    assert simulate(SMALL).events == small.events
    assert simulate(SimulationConfig(seed=6, days=3)).events != small.events


def test_events_follow_the_ingest_contract(small):
    events = small.events
    assert [event["ts"] for event in events] == sorted(event["ts"] for event in events)
    impressions = {event["id"]: event for event in events if event["type"] == "impression"}
    for event in events:
        assert set(event) == REQUIRED[event["type"]], event
        assert isinstance(event["ts"], int)
        assert uuid.UUID(event["id"]).version == 4
        if event["type"] == "impression":
            assert event["rank"] >= 1 and isinstance(event["rank"], int)
            assert set(event["item"]) == {"html", "url", "title"}
            assert len(event["item"]["html"].encode()) <= 32 * 1024
            assert isinstance(event["sponsored"], bool)
        elif event["type"] in ("dwell", "click"):
            assert event["impression_id"] in impressions
        elif event["type"] == "view":
            assert impressions[event["impression_id"]]["platform"] == event["platform"]
    assert len(impressions) == len(small.truth.impression_item)


def test_sessions_open_then_close_and_contain_their_impressions(small):
    sessions = [event for event in small.events if event["type"] == "session"]
    by_id = {}
    for event in sessions:
        by_id.setdefault(event["id"], []).append(event)
    for opened, closed in by_id.values():
        assert (opened["end_ts"], opened["active_ms"]) == (None, 0)
        assert closed["start_ts"] == opened["start_ts"] and closed["end_ts"] >= closed["start_ts"]
        assert 0 < closed["active_ms"] <= closed["end_ts"] - closed["start_ts"]
    ranks = {}
    for event in small.events:
        if event["type"] == "impression":
            assert event["session_id"] in by_id
            ranks.setdefault(event["session_id"], []).append(event["rank"])
    assert all(found == list(range(1, len(found) + 1)) for found in ranks.values())


def test_item_markup_carries_the_truth(small):
    platforms = set()
    for event in small.events:
        if event["type"] != "impression":
            continue
        element = BeautifulSoup(event["item"]["html"], "html.parser").find(attrs={"data-feedaudit-sim": "1"})
        item = CATALOG[small.truth.impression_item[event["id"]]]
        assert element["data-category"] == item.category
        assert element["data-title"] == item.title == event["item"]["title"]
        assert element.select_one("a.sim-title")["href"] == event["item"]["url"]
        assert element["data-sponsored"] == str(int(event["sponsored"]))
        assert element["data-clickbait"] == str(int(item.clickbait))
        if event["platform"] == "hackernews":
            assert element.name == "tr" and "athing" in element["class"]
            assert element.select_one("span.titleline > a").get_text() == item.title
        platforms.add(event["platform"])
    assert platforms == {"youtube", "reddit", "hackernews"}


def test_engagement_produces_clicks_views_and_long_dwell(small):
    dwell = {event["impression_id"]: event["visible_ms"] for event in small.events if event["type"] == "dwell"}
    skim = SMALL.person.skim_dwell_ms
    engaged = small.truth.engaged
    assert engaged, "the person engaged at least once"
    assert all(dwell[impression] > skim for impression in engaged)
    assert all(value == skim for impression, value in dwell.items() if impression not in engaged)
    clicked = {event["impression_id"] for event in small.events if event["type"] == "click"}
    viewed = {event["impression_id"] for event in small.events if event["type"] == "view"}
    assert clicked == viewed and clicked <= engaged


def test_variants_give_many_distinct_items():
    from feedaudit.simulator import catalog_item, catalog_titles

    assert catalog_item(0) is CATALOG[0]
    variant = catalog_item(len(CATALOG) + 3)  # second variant of item 3
    assert (variant.category, variant.source, variant.clickbait) == (
        CATALOG[3].category, CATALOG[3].source, CATALOG[3].clickbait,
    )
    assert variant.title == CATALOG[3].title + " (part 2)"
    assert catalog_titles(2)[len(CATALOG) + 3] == variant.title and len(catalog_titles(2)) == 2 * len(CATALOG)
    result = simulate(SimulationConfig(seed=5, days=3, variants=50))
    indexes = set(result.truth.impression_item.values())
    assert len(indexes) > len(CATALOG) and max(indexes) < 50 * len(CATALOG)
    shown = [e for e in result.events if e["type"] == "impression"]
    # One URL per item on each platform: distinct items are distinct to a parser too.
    by_url = {(e["platform"], e["item"]["url"]) for e in shown}
    by_item = {(e["platform"], result.truth.impression_item[e["id"]]) for e in shown}
    assert len(by_url) == len(by_item)


def test_streaming_yields_the_same_events_session_by_session(small):
    from feedaudit.simulator import Simulation

    simulation = Simulation(SMALL)
    batches = list(simulation.session_batches())
    for batch in batches:
        assert [e["ts"] for e in batch] == sorted(e["ts"] for e in batch)
        assert len({e["session_id"] for e in batch if e["type"] == "impression"}) <= 1
    streamed = sorted((e for batch in batches for e in batch), key=lambda e: e["ts"])
    assert streamed == small.events
    assert simulation.truth().impression_item == small.truth.impression_item


def test_ratings_follow_the_person_model(small):
    clicked = {event["impression_id"] for event in small.events if event["type"] == "click"}
    for rating in small.truth.ratings:
        assert rating["impression_id"] in clicked
        assert small.truth.impression_item[rating["impression_id"]] == rating["item_index"]
        assert rating["rating"] == (-1 if CATALOG[rating["item_index"]].clickbait else 1)
    assert small.truth.intentions == SMALL.person.intentions


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="invalid simulation setting\\(s\\): lift, window"):
        SimulationConfig(lift=1.5, window=0)
    with pytest.raises(ValueError, match="items_per_session"):
        SimulationConfig(items_per_session=(10, 5))
    assert simulate(SimulationConfig(days=0)).events == []
