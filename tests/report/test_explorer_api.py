"""Explorer, intention-gap, settings and pairing APIs, and disabled platforms at ingest, on hand-built examples."""

from __future__ import annotations

import numpy as np
import pytest

from feedaudit import explorer, intention_gap, rollups, storage
from feedaudit.understanding.embedder import BUNDLED_MODEL_ID, pack_vector
from support import events as ev

HOUR = 3_600_000
DAY = 24 * HOUR
T = ev.BASE_TS  # 2026-11-18 12:06:40 in Europe/Berlin


def post(client, auth, events):
    return client.post("/api/v1/events", json={"events": events}, headers=auth)


@pytest.fixture
def db(app):
    database = storage.connect(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def three_items(client, auth, db):
    """A (hackernews, two sightings, dwell 3000 + 1000, one click), B (reddit, sponsored), C (hackernews, next day)."""
    a1 = ev.impression(rank=2, ts=T, url="https://a.example/1", title="Rust compiler internals")
    a2 = ev.impression(rank=4, ts=T + HOUR, url="https://a.example/1", title="Rust compiler internals")
    b = ev.impression(rank=1, ts=T + 2 * HOUR, platform="reddit", url="https://b.example/cat", title="Cute cat video",
                      page_url="https://www.reddit.com/")
    c = ev.impression(rank=7, ts=T + DAY, url="https://c.example/x", title="Ten tricks 100% guaranteed")
    events = [a1, a2, b, c, ev.dwell(a1["id"], 3000), ev.dwell(a2["id"], 1000), ev.dwell(b["id"], 500),
              ev.click(a1["id"])]
    assert post(client, auth, events).get_json()["stored"] == 8
    science, pets = (db.execute("SELECT id FROM categories WHERE name = ?", (n,)).fetchone()[0] for n in ("Science", "Pets & Animals"))
    db.execute("UPDATE items SET category_id = ?, category_source = 'auto', clickbait = 0.1, sponsored = 0,"
               " author = 'alice' WHERE key = 'hackernews:https://a.example/1'", (science,))
    db.execute("UPDATE items SET category_id = ?, category_source = 'auto', clickbait = 0.2, sponsored = 1"
               " WHERE key = 'reddit:https://b.example/cat'", (pets,))
    db.execute("UPDATE items SET category_id = NULL, category_source = 'auto', clickbait = 0.9"
               " WHERE key = 'hackernews:https://c.example/x'")
    client.patch("/api/v1/settings", json={"timezone": "Europe/Berlin"}, headers=auth)
    return {"science": science, "pets": pets}


def keys(answer):
    return [item["key"] for item in answer["items"]]


def test_listing_has_each_items_figures_in_the_persons_time_zone(client, auth, three_items):
    answer = client.get("/api/v1/explorer/items", headers=auth).get_json()
    assert answer["total"] == 3 and answer["pages"] == 1 and answer["tz"] == "Europe/Berlin"
    assert keys(answer) == ["hackernews:https://c.example/x", "reddit:https://b.example/cat", "hackernews:https://a.example/1"]
    a = answer["items"][2]
    assert {k: a[k] for k in ("impressions", "dwell_ms", "clicks", "best_rank", "mean_rank", "first_seen", "last_seen",
                              "category", "link", "rating")} == {
        "impressions": 2, "dwell_ms": 4000, "clicks": 1, "best_rank": 2, "mean_rank": 3.0,
        "first_seen": "2026-11-18 12:06", "last_seen": "2026-11-18 13:06", "category": "Science",
        "link": "https://a.example/1", "rating": None}
    assert answer["items"][0]["category"] == "Other"


@pytest.mark.parametrize("query, expected", [
    ({"q": "COMPILER"}, ["hackernews:https://a.example/1"]),
    ({"q": "alice"}, ["hackernews:https://a.example/1"]),
    ({"q": "100%"}, ["hackernews:https://c.example/x"]),
    ({"q": "_"}, []),
    ({"platform": "reddit"}, ["reddit:https://b.example/cat"]),
    ({"sponsored": "true"}, ["reddit:https://b.example/cat"]),
    ({"sponsored": "false"}, ["hackernews:https://c.example/x", "hackernews:https://a.example/1"]),
    ({"clickbait": "high"}, ["hackernews:https://c.example/x"]),
    ({"category": "other"}, ["hackernews:https://c.example/x"]),
    ({"from": "2026-11-19"}, ["hackernews:https://c.example/x"]),
    ({"to": "2026-11-18"}, ["reddit:https://b.example/cat", "hackernews:https://a.example/1"]),
])
def test_each_filter_selects_exactly_its_items(client, auth, three_items, query, expected):
    assert keys(client.get("/api/v1/explorer/items", query_string=query, headers=auth).get_json()) == expected


def test_category_rating_and_range_filters_and_figures_inside_the_range(client, auth, three_items):
    science = three_items["science"]
    assert keys(client.get(f"/api/v1/explorer/items?category={science}", headers=auth).get_json()) == ["hackernews:https://a.example/1"]
    client.post("/api/v1/ratings", json={"item_key": "reddit:https://b.example/cat", "rating": "regretted"}, headers=auth)
    assert keys(client.get("/api/v1/explorer/items?rated=regretted", headers=auth).get_json()) == ["reddit:https://b.example/cat"]
    assert len(keys(client.get("/api/v1/explorer/items?rated=unrated", headers=auth).get_json())) == 2
    # Only the first sighting of A lies before T + 30 min: the figures cover the range only.
    answer = client.get(f"/api/v1/explorer/items?from={T}&to={T + HOUR // 2}", headers=auth).get_json()
    assert [(i["key"], i["impressions"], i["dwell_ms"]) for i in answer["items"]] == [("hackernews:https://a.example/1", 1, 3000)]


def test_pages_split_the_listing(client, auth, three_items):
    first = client.get("/api/v1/explorer/items?per_page=2", headers=auth).get_json()
    second = client.get("/api/v1/explorer/items?per_page=2&page=2", headers=auth).get_json()
    assert (first["pages"], len(first["items"]), len(second["items"])) == (2, 2, 1)
    assert set(keys(first)) | set(keys(second)) == {"hackernews:https://a.example/1", "reddit:https://b.example/cat",
                                                    "hackernews:https://c.example/x"}


@pytest.mark.parametrize("query, message", [
    ("category=zz", "query parameter 'category' must be a category id"),
    ("from=2026-13-01", "query parameter 'from' is not a real date"),
    ("from=yesterday", "query parameter 'from' must be a date"),
    ("from=2026-11-20&to=2026-11-18", "'to' must not be before 'from'"),
    ("sponsored=maybe", "query parameter 'sponsored' must be true or false"),
    ("clickbait=0.5", "query parameter 'clickbait' must be one of high, low"),
    ("rated=liked", "query parameter 'rated' must be one of valued, regretted, unrated"),
    ("platform=a%20b", "query parameter 'platform' must be a short name"),
    ("page=0", "query parameter 'page' must be between 1 and"),
    ("per_page=1000", "query parameter 'per_page' must be between 1 and 100"),
    ("q=" + "x" * 201, "query parameter 'q' must be at most 200 characters"),
    ("colour=red", "unknown query parameter 'colour'"),
])
def test_bad_queries_get_a_400_naming_the_problem(client, auth, query, message):
    response = client.get(f"/api/v1/explorer/items?{query}", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(message) or message in response.get_json()["error"]


def test_non_web_urls_are_never_offered_as_links(client, auth, db):
    event = ev.impression(url="javascript:alert(1)", title="<img src=x onerror=alert(1)>")
    post(client, auth, [event])
    item = client.get("/api/v1/explorer/items", headers=auth).get_json()["items"][0]
    assert (item["title"], item["url"], item["link"]) == ("<img src=x onerror=alert(1)>", "javascript:alert(1)", None)


def store_vectors(db, vectors: dict[str, list[float]]):
    """Give items hand-made unit vectors under the bundled model (one text hash per item)."""
    for key, vector in vectors.items():
        unit = np.array(vector, dtype=np.float32) / np.linalg.norm(vector)
        db.execute("INSERT INTO embeddings (text_hash, model, vector) VALUES (?, ?, ?)", (f"h-{key}", BUNDLED_MODEL_ID, pack_vector(unit)))
        db.execute("UPDATE items SET text_hash = ?, embedding_model = ? WHERE key = ?", (f"h-{key}", BUNDLED_MODEL_ID, key))


def test_similar_items_are_the_nearest_by_cosine(client, auth, db, three_items):
    a, b, c = "hackernews:https://a.example/1", "reddit:https://b.example/cat", "hackernews:https://c.example/x"
    store_vectors(db, {a: [1, 0, 0], b: [0, 1, 0], c: [0.6, 0.8, 0]})
    answer = client.get("/api/v1/explorer/similar", query_string={"key": a}, headers=auth).get_json()
    # Vectors are stored as float16: similarities are exact to about 1e-3.
    assert [i["key"] for i in answer["items"]] == [c, b]
    assert [i["similarity"] for i in answer["items"]] == [pytest.approx(0.6, abs=1e-3), 0.0]
    assert answer["items"][0]["impressions"] == 1
    limited = client.get("/api/v1/explorer/similar", query_string={"key": b, "limit": 1}, headers=auth).get_json()
    assert [(i["key"], i["similarity"]) for i in limited["items"]] == [(c, pytest.approx(0.8, abs=1e-3))]
    # A new embedded item is picked up: the cached matrix is rebuilt when the count changes.
    post(client, auth, [ev.impression(url="https://d.example/", title="Another compiler")])
    store_vectors(db, {"hackernews:https://d.example/": [0.99, 0.1, 0]})
    again = client.get("/api/v1/explorer/similar", query_string={"key": a, "limit": 1}, headers=auth).get_json()
    assert [i["key"] for i in again["items"]] == ["hackernews:https://d.example/"]


def test_similar_answers_plainly_without_an_embedding_and_404s_an_unknown_key(client, auth, three_items):
    answer = client.get("/api/v1/explorer/similar", query_string={"key": "reddit:https://b.example/cat"}, headers=auth)
    assert answer.status_code == 200 and answer.get_json()["items"] == []
    assert "no embedding yet" in answer.get_json()["reason"]
    missing = client.get("/api/v1/explorer/similar", query_string={"key": "nope"}, headers=auth)
    assert (missing.status_code, missing.get_json()["error"]) == (404, "no item with key 'nope'")
    assert client.get("/api/v1/explorer/similar", headers=auth).status_code == 400
    assert client.get("/api/v1/explorer/similar?key=x&limit=51", headers=auth).status_code == 400


@pytest.fixture(params=["raw rows", "rollups"])
def gap_path(request, db, three_items):
    """The intention gap read from raw rows, or from the daily rollups once the job has run."""
    if request.param == "rollups":
        rollups.refresh(db)
    served = rollups.range_parts(db, *intention_gap.period(db, 7, "Europe/Berlin"), "Europe/Berlin") is not None
    assert served == (request.param == "rollups")
    return three_items


def test_intention_gap_period_is_whole_local_days(db, three_items):
    newest = db.execute("SELECT max(ts) FROM impressions").fetchone()[0]  # C, a day after T (Berlin: UTC+1)
    day = rollups.day_of(newest, "Europe/Berlin")
    assert intention_gap.period(db, 7, "Europe/Berlin") == (rollups.day_bounds(day - 6, "Europe/Berlin")[0],
                                                            rollups.day_bounds(day, "Europe/Berlin")[1])
    start, end = intention_gap.period(db, 7, "Europe/Berlin")
    assert (end - start) == 7 * DAY and start <= T and newest < end


def test_intention_gap_matches_the_hand_computed_shares_and_kl(client, auth, gap_path):
    three_items = gap_path
    # Exposure over the last 7 days of data: Science 2/4, Pets 1/4, Other 1/4.
    client.put(f"/api/v1/intentions/{three_items['science']}", json={"kind": "exactly", "value": 0.25}, headers=auth)
    answer = client.get("/api/v1/intention-gap?days=7", headers=auth).get_json()
    rows = {row["category"]: row for row in answer["rows"]}
    assert (rows["Science"]["exposed"], rows["Science"]["intended"], rows["Science"]["gap"]) == (0.5, 0.25, -0.25)
    # The rest (0.75) goes to Pets and Other in proportion to exposure: 0.375 each.
    assert rows["Pets & Animals"]["intended"] == pytest.approx(0.375) and rows["Other"]["intended"] == pytest.approx(0.375)
    assert rows["Other"]["category_id"] is None and rows["Music"]["exposed"] == 0.0
    # KL(p || q~) with q~ = 0.99 q + 0.01 p
    p, q = [0.25, 0.375, 0.375], [0.5, 0.25, 0.25]
    kl = sum(pi * np.log(pi / (0.99 * qi + 0.01 * pi)) for pi, qi in zip(p, q))
    assert answer["calibration_kl"] == pytest.approx(kl)
    metrics = client.get("/api/v1/metrics", query_string={"from": answer["from_ms"], "to": answer["to_ms"]},
                         headers=auth).get_json()
    assert metrics["preferences"]["calibration_kl"] == pytest.approx(answer["calibration_kl"])
    assert client.get("/api/v1/intention-gap?days=5", headers=auth).status_code == 400


def test_settings_api_validates_everything_before_storing_anything(client, auth):
    bad = client.patch("/api/v1/settings", json={"html_retention_days": 30, "disabled_platforms": "x"}, headers=auth)
    assert bad.status_code == 400 and "disabled_platforms" in bad.get_json()["error"]
    assert client.get("/api/v1/settings", headers=auth).get_json()["settings"]["html_retention_days"] is None
    assert client.patch("/api/v1/settings", json={"colour": 1}, headers=auth).status_code == 400
    assert client.patch("/api/v1/settings", json={}, headers=auth).status_code == 400
    good = client.patch("/api/v1/settings", json={"html_retention_days": 30, "disabled_platforms": ["x"]}, headers=auth)
    assert good.status_code == 200
    assert {k: good.get_json()["settings"][k] for k in ("html_retention_days", "disabled_platforms")} == {
        "html_retention_days": 30, "disabled_platforms": ["x"]}


def test_pairing_hands_out_the_token_only_to_the_paired(client, auth, app):
    assert client.get("/api/v1/pairing").status_code == 401
    answer = client.get("/api/v1/pairing", headers=auth).get_json()
    assert answer["token"] == app.config["TOKEN"] and answer["server"] == "http://localhost"


def test_a_disabled_platform_is_not_stored_and_the_answer_says_so(client, auth, db):
    client.patch("/api/v1/settings", json={"disabled_platforms": ["reddit"]}, headers=auth)
    hn = ev.impression(url="https://a.example/1")
    reddit = ev.impression(platform="reddit", url="https://b.example/2", page_url="https://www.reddit.com/")
    batch = [hn, reddit, ev.dwell(reddit["id"], 900), ev.click(reddit["id"]), ev.dwell(hn["id"], 100),
             ev.session("5c1d2a4e-5b6c-4d8e-9f00-112233445566", 1000, platform="reddit")]
    answer = post(client, auth, batch).get_json()
    assert (answer["accepted"], answer["stored"], answer["duplicates"], answer["skipped"]) == (6, 2, 0, 4)
    assert "switched off" in answer["message"]
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("impressions", "dwell", "clicks", "sessions", "items")]
    assert counts == [1, 1, 0, 0, 1]
    # A retry of the same batch double-counts nothing; validation still refuses a bad event of a disabled platform.
    assert post(client, auth, batch).get_json()["duplicates"] == 2
    bad = post(client, auth, [{**ev.impression(platform="reddit"), "rank": 0}])
    assert bad.status_code == 400 and "events[0].rank" in bad.get_json()["error"]


def test_parse_bound_reads_dates_in_the_given_time_zone():
    assert explorer.parse_bound("from", "2026-01-05", "Europe/Berlin") == 1_767_567_600_000  # 2026-01-04T23:00Z
    assert explorer.parse_bound("to", "2026-01-05", "Europe/Berlin", end=True) == 1_767_654_000_000
    assert explorer.parse_bound("to", "123", "UTC", end=True) == 123
