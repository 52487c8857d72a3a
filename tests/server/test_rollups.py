"""Daily rollups give exactly the figures the raw rows give (feedaudit.rollups vs audit.reference_metrics).

A simulated person's feeds go through the real ingest API, parser, MiniLM
embedder and categorizer into a real SQLite file; the rollups are built by the
same function the background job runs. Every figure of every range — whole
days, ranges cutting days in half, one platform, days not rebuilt yet — must
equal the reference computed from raw rows. Float figures are compared at a
relative 1e-9 (sums added in another order), novelty at 1e-6 (its similarities
are float32 matrix products, whose last bits depend on how rows are blocked).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from feedaudit import audit, categorizing, demo, processing, rollups, settings, storage
from feedaudit.enrichment import configured_model_id
from feedaudit.ingest import ingest
from feedaudit.simulator import SimulationConfig
from support import events as ev

NEW_YORK = "America/New_York"
DAY = 86_400_000
START = 1_767_571_200_000  # 2026-01-05 00:00 UTC (19:00 the day before in New York)
SIM_DAYS = 8


def assert_same_figures(found, expected, path="metrics"):
    """Equal structure and values; floats to 1e-9 relative (novelty 1e-6)."""
    if isinstance(expected, dict):
        assert isinstance(found, dict) and set(found) == set(expected), (path, set(found) ^ set(expected))
        for key in expected:
            assert_same_figures(found[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), path
        for n, (a, b) in enumerate(zip(found, expected)):
            assert_same_figures(a, b, f"{path}[{n}]")
    elif isinstance(expected, float) and isinstance(found, float):
        tolerance = 1e-6 if path.startswith("metrics.novelty") else 1e-9
        assert math.isclose(found, expected, rel_tol=tolerance, abs_tol=1e-12), (path, found, expected)
    else:
        assert found == expected, (path, found, expected)


def from_rollups(db, from_ms, to_ms, platform=None, tz=NEW_YORK) -> tuple[dict, dict]:
    found = rollups.metrics(db, from_ms, to_ms, platform, tz)
    return found, found.pop("computed_from")


def check_equal(db, from_ms, to_ms, platform=None, tz=NEW_YORK) -> dict:
    found, computed = from_rollups(db, from_ms, to_ms, platform, tz)
    assert_same_figures(found, audit.reference_metrics(db, from_ms, to_ms, platform, tz))
    return computed


@pytest.fixture(scope="module")
def simulated_template(tmp_path_factory) -> Path:
    """A simulated person's 8 days (with ratings and intentions) in New York time, rollups built."""
    data_dir = tmp_path_factory.mktemp("simulated")
    demo.fill(data_dir, SimulationConfig(seed=5, days=SIM_DAYS, sessions_per_day=2, items_per_session=(20, 45)))
    db = storage.connect(data_dir / "feedaudit.db")
    settings.put(db, "timezone", NEW_YORK)
    assert rollups.refresh(db) == SIM_DAYS + 1  # 8 UTC days touch 9 New York days
    assert rollups.pending_days(db) == 0
    db.close()
    return data_dir / "feedaudit.db"


@pytest.fixture
def simulated(simulated_template, tmp_path):
    """A private copy of the simulated database."""
    path = tmp_path / "feedaudit.db"
    shutil.copy(simulated_template, path)
    db = storage.connect(path)
    yield db
    db.close()


@pytest.mark.parametrize("from_ms, to_ms, platform, rollup_days, raw_days", [
    # New York days of the whole simulation: the first and last are partial, 7 whole ones come from rollups.
    (START, START + SIM_DAYS * DAY, None, 7, 2),
    (START, START + SIM_DAYS * DAY, "youtube", 7, 2),
    # Aligned to New York midnights: only rollups.
    (START + 5 * 3_600_000, START + 5 * 3_600_000 + 3 * DAY, None, 3, 0),
    (START + 5 * 3_600_000, START + 5 * 3_600_000 + 3 * DAY, "hackernews", 3, 0),
    # Cutting days at arbitrary moments.
    (START + 31_234_567, START + 4 * DAY + 777_777, "reddit", 2, 2),
    # Wider than the data: empty days cost nothing and change nothing.
    (START - 3 * DAY, START + 12 * DAY, None, 14, 2),
])
def test_rollups_equal_the_raw_reference(simulated, from_ms, to_ms, platform, rollup_days, raw_days):
    computed = check_equal(simulated, from_ms, to_ms, platform)
    assert computed == {"rollup_days": rollup_days, "raw_days": raw_days}


def test_the_simulated_figures_are_not_trivial(simulated):
    found, _ = from_rollups(simulated, START, START + SIM_DAYS * DAY)
    assert found["totals"]["impressions"] > 1000 and len(found["totals"]["platforms"]) == 3
    assert found["intra_list_diversity"]["mean"] > 0 and found["narrowness"]["value"] > 0
    assert found["novelty"]["impressions"] > 1000 and found["novelty"]["repetition_share"] > 0
    assert found["preferences"]["rated_items"] > 0 and found["preferences"]["intended_shares"]
    assert len(found["drift"]["from_first"]) == 3 and found["sessions"]["sessions"] > 0


def test_a_summary_week_is_answered_from_rollups(simulated):
    week = audit.week_bounds(2026, 2, NEW_YORK)
    assert check_equal(simulated, *week) == {"rollup_days": 7, "raw_days": 0}


def test_recategorizing_an_item_is_seen_at_once_and_rolled_up_again(simulated):
    key, category = simulated.execute(
        "SELECT i.key, c.name FROM items i JOIN categories c ON c.id = i.category_id WHERE i.key IN"
        " (SELECT item_key FROM impressions WHERE ts BETWEEN ? AND ?) ORDER BY i.key LIMIT 1",
        (START + 2 * DAY, START + 5 * DAY)).fetchone()
    shown = simulated.execute("SELECT count(*) FROM impressions WHERE item_key = ?", (key,)).fetchone()[0]
    target_id, target = simulated.execute("SELECT id, name FROM categories WHERE name != ? ORDER BY id LIMIT 1",
                                          (category,)).fetchone()
    before, _ = from_rollups(simulated, START, START + SIM_DAYS * DAY)
    categorizing.correct_item(simulated, key, target_id)
    # Before the job runs, the changed days are computed from raw rows: never stale.
    after, computed = from_rollups(simulated, START, START + SIM_DAYS * DAY)
    assert computed["raw_days"] > 2
    assert_same_figures(after, audit.reference_metrics(simulated, START, START + SIM_DAYS * DAY, None, NEW_YORK))
    total = before["totals"]["impressions"]
    assert after["exposure_share"]["category"][target] == pytest.approx(
        before["exposure_share"]["category"].get(target, 0.0) + shown / total)
    rebuilt = rollups.refresh(simulated)
    assert 1 <= rebuilt < SIM_DAYS + 1  # only the days where the item was shown
    assert check_equal(simulated, START, START + SIM_DAYS * DAY)["raw_days"] == 2


def test_new_events_ratings_and_deletions_are_never_served_stale(simulated):
    day_start = rollups.day_bounds(rollups.day_of(START + 3 * DAY, NEW_YORK), NEW_YORK)[0]
    whole = (day_start - 2 * DAY, day_start + 3 * DAY)
    impression = simulated.execute("SELECT id, item_key FROM impressions WHERE ts >= ? ORDER BY ts LIMIT 1",
                                   (day_start,)).fetchone()
    ingest(simulated, {"events": [ev.dwell(impression[0], 600_000, ts=day_start + 1000),
                                  ev.click(impression[0], ts=day_start + 2000)]})
    assert check_equal(simulated, *whole) == {"rollup_days": 4, "raw_days": 1}
    from feedaudit import preferences

    preferences.rate_item(simulated, impression[1], "regretted")
    assert check_equal(simulated, *whole)["rollup_days"] == 0  # every day's preference sums changed
    with storage.write_transaction(simulated):
        simulated.execute("DELETE FROM impressions WHERE ts >= ? AND ts < ?", (day_start, day_start + DAY))
    check_equal(simulated, *whole)
    rollups.refresh(simulated)
    assert check_equal(simulated, *whole) == {"rollup_days": 5, "raw_days": 0}
    rollups.mark_dirty(simulated, day_start + DAY, day_start + DAY + 1)
    # The marked day, and the next one whose novelty looks back at it (the last day with data).
    assert check_equal(simulated, *whole) == {"rollup_days": 3, "raw_days": 2}


def test_a_job_killed_mid_rollup_resumes_to_the_same_rollups(simulated_template, tmp_path):
    killed, uninterrupted = tmp_path / "killed.db", tmp_path / "whole.db"
    for path in (killed, uninterrupted):
        shutil.copy(simulated_template, path)
        db = storage.connect(path)
        with storage.write_transaction(db):
            db.execute("DELETE FROM rollup_state")  # as after a time-zone change: rebuild everything
        db.close()
    script = ("import sys; from feedaudit import rollups, storage; db = storage.connect(sys.argv[1]);"
              " rollups.refresh(db, on_day=lambda day: print(day, flush=True))")
    worker = subprocess.Popen([sys.executable, "-c", script, str(killed)], stdout=subprocess.PIPE, text=True)
    first = worker.stdout.readline()
    worker.kill()  # somewhere in the next day's work or transaction
    worker.wait()
    assert first.strip(), "the job committed a day before it was killed"
    db = storage.connect(killed)
    left = rollups.pending_days(db)
    assert 0 < left < SIM_DAYS + 1
    assert rollups.refresh(db) == left
    whole = storage.connect(uninterrupted)
    rollups.refresh(whole)
    stored = "SELECT day, platform, aggregates, novelty_sums FROM rollup_parts ORDER BY day, platform"
    resumed, expected = db.execute(stored).fetchall(), whole.execute(stored).fetchall()
    assert [row[:3] for row in resumed] == [row[:3] for row in expected]  # identical bytes
    for (_, _, _, a), (_, _, _, b) in zip(resumed, expected):
        assert_same_figures(json.loads(a), json.loads(b), "metrics.novelty")
    assert_same_figures(from_rollups(db, START, START + SIM_DAYS * DAY)[0],
                        from_rollups(whole, START, START + SIM_DAYS * DAY)[0])


# --- a hand-computed example across a day boundary in Tokyo ------------------------------------------------

TOKYO = "Asia/Tokyo"
MIDNIGHT_TOKYO = int(dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.timezone.utc).timestamp() * 1000)  # 19 Nov 00:00 JST
SESSION = "3f1d2a4e-5b6c-4d8e-9f00-112233445566"
STORIES = [  # (hn id, title, domain, category, dwell ms, seconds from Tokyo midnight)
    (201, "A compiler in 500 lines", "a.example", "Technology", 1000, -120),
    (202, "Why databases are hard", "a.example", "Technology", 3000, -60),
    (203, "Telescope spots a new exoplanet", "b.example", "Science", 0, 60),
    (204, "Cup final goes to penalties", "c.example", "Sports", 4000, 120),
]


@pytest.fixture
def tokyo(app):
    db = storage.connect(app.config["DATABASE"])
    events, ids = [], []
    for rank, (story, title, domain, _, dwell_ms, offset_s) in enumerate(STORIES, start=1):
        html = (f'<tr class="athing submission" id="{story}"><td class="title"><span class="titleline">'
                f'<a href="https://{domain}/{story}">{title}</a></span></td></tr>')
        imp = ev.impression(rank=rank, ts=MIDNIGHT_TOKYO + offset_s * 1000, url=None, title=None, html=html,
                            session_id=SESSION)
        ids.append(imp["id"])
        events += [imp] + ([ev.dwell(imp["id"], dwell_ms, ts=MIDNIGHT_TOKYO + 200_000)] if dwell_ms else [])
    events.append(ev.click(ids[3], ts=MIDNIGHT_TOKYO + 300_000))
    events.append(ev.session(SESSION, 400_000, start_ts=MIDNIGHT_TOKYO - 180_000, end_ts=MIDNIGHT_TOKYO + 400_000,
                             ts=MIDNIGHT_TOKYO + 400_000))
    ingest(db, {"events": events})
    processing.parse_pending(db)
    for story, _, _, category, _, _ in STORIES:
        db.execute("UPDATE items SET category_id = (SELECT id FROM categories WHERE name = ?),"
                   " category_source = 'auto' WHERE key = ?", (category, f"hackernews:{story}"))
    settings.put(db, "timezone", TOKYO)
    rollups.refresh(db)
    yield db
    db.close()


def test_hand_computed_days_split_at_tokyo_midnight(tokyo):
    day = rollups.day_of(MIDNIGHT_TOKYO, TOKYO)
    parts = tokyo.execute("SELECT day, platform, impressions FROM rollup_parts ORDER BY day").fetchall()
    assert parts == [(day - 1, "hackernews", 2), (day, "hackernews", 2)]
    both = rollups.day_bounds(day - 1, TOKYO)[0], rollups.day_bounds(day, TOKYO)[1]
    found, computed = from_rollups(tokyo, *both, tz=TOKYO)
    assert computed == {"rollup_days": 2, "raw_days": 0}
    assert found["totals"] == {"impressions": 4, "dwell_ms": 8000.0, "clicks": 1, "items": 4, "platforms": ["hackernews"]}
    assert found["exposure_share"]["category"] == {"Technology": 0.5, "Science": 0.25, "Sports": 0.25}
    assert found["attention_capture"] == {"Technology": 1.0, "Science": 0.0, "Sports": 2.0}
    assert found["topic_diversity"]["entropy"] == pytest.approx(1.5 * math.log(2))
    assert found["source_concentration"]["distinct"] == 3
    assert found["rank_placement"] == pytest.approx({"Technology": 4 / 3, "Science": 4 / 3, "Sports": 0.0})
    assert found["click_through_rate"]["rank_band"] == {"1-3": 0.0, "4-10": 1.0}
    # The one session spans both days: its items are counted once, over both parts.
    assert found["sessions"]["max_items_per_session"] == 4
    # Both Tokyo days are in ISO week 2026-W47; every source was new that week.
    assert found["new_source_share"] == {"2026-W47": 1.0}
    # Only the second Tokyo day: Science and Sports, one of two clicked.
    second, computed = from_rollups(tokyo, *rollups.day_bounds(day, TOKYO), tz=TOKYO)
    assert computed == {"rollup_days": 1, "raw_days": 0}
    assert second["exposure_share"]["category"] == {"Science": 0.5, "Sports": 0.5}
    assert second["attention_share"]["category"] == {"Science": 0.0, "Sports": 1.0}
    assert second["totals"]["clicks"] == 1 and second["sponsored_share"] == 0.0
    assert_same_figures(found, audit.reference_metrics(tokyo, *both, None, TOKYO))


def test_rollups_of_another_time_zone_are_not_used(tokyo):
    found = rollups.metrics(tokyo, MIDNIGHT_TOKYO - DAY, MIDNIGHT_TOKYO + DAY, None, "UTC")
    assert "computed_from" not in found and found["totals"]["impressions"] == 4


def test_new_sources_look_at_the_history_before_the_range(app):
    """a.example shows up in W02 and again in W03; b.example first in W03. For W03 alone, only b.example's
    impression is from a new source: 1/2, from the rollups and from the raw rows alike."""
    db = storage.connect(app.config["DATABASE"])
    week_two, week_three = START + 12 * 3_600_000, START + 7 * DAY + 12 * 3_600_000  # Mondays, noon UTC
    shown = [(301, "a.example", week_two), (302, "a.example", week_three), (303, "b.example", week_three + 60_000)]
    events = []
    for rank, (story, domain, ts) in enumerate(shown, start=1):
        html = (f'<tr class="athing submission" id="{story}"><td class="title"><span class="titleline">'
                f'<a href="https://{domain}/{story}">Story {story}</a></span></td></tr>')
        events.append(ev.impression(rank=rank, ts=ts, url=None, title=None, html=html))
    ingest(db, {"events": events})
    processing.parse_pending(db)
    rollups.refresh(db)
    tz = settings.timezone(db)
    week = rollups.day_bounds(rollups.day_of(week_three, tz), tz)[0], rollups.day_bounds(rollups.day_of(week_three, tz) + 6, tz)[1]
    found, computed = from_rollups(db, *week, tz=tz)
    assert computed["raw_days"] == 0
    assert found["new_source_share"] == {"2026-W03": 0.5}
    assert audit.reference_metrics(db, *week, None, tz)["new_source_share"] == {"2026-W03": 0.5}
    assert from_rollups(db, *week, platform="hackernews", tz=tz)[0]["new_source_share"] == {"2026-W03": 0.5}
    both = week[0] - 7 * DAY, week[1]
    assert from_rollups(db, *both, tz=tz)[0]["new_source_share"] == {"2026-W02": 1.0, "2026-W03": 0.5}
    db.close()


def test_light_reads_serve_a_day_whose_novelty_alone_is_stale(tokyo):
    day = rollups.day_of(MIDNIGHT_TOKYO, TOKYO)
    both = rollups.day_bounds(day - 1, TOKYO)[0], rollups.day_bounds(day, TOKYO)[1]
    context = audit.ratings_context(tokyo)
    totals = rollups.platform_category_totals(tokyo, rollups.range_parts(tokyo, *both, TOKYO))
    with tokyo.conn:
        tokyo.execute("INSERT INTO rollup_stale (day, aggregates, novelty) VALUES (?, 0, 1)", (day,))
    assert rollups.plan_range(tokyo, *both, None, TOKYO, context, with_novelty=False).computed_days == 0
    assert rollups.plan_range(tokyo, *both, None, TOKYO, context).computed_days == 1  # metrics need its novelty
    assert rollups.platform_category_totals(tokyo, rollups.range_parts(tokyo, *both, TOKYO)) == totals
    assert totals == {("hackernews", "Technology"): (2, 4000.0), ("hackernews", "Science"): (1, 0.0),
                      ("hackernews", "Sports"): (1, 4000.0)}


# --- per-item totals (rollup_item_days): top items and the map ---------------------------------------------

RAW_ITEM_TOTALS = """SELECT i.item_key, count(*), coalesce(sum(d.visible_ms), 0) FROM impressions i
    JOIN items it ON it.key = i.item_key LEFT JOIN dwell d ON d.impression_id = i.id
    WHERE i.ts >= ? AND i.ts < ? AND (? IS NULL OR i.platform = ?) GROUP BY i.item_key"""


def raw_item_totals(db, from_ms, to_ms, platform=None) -> dict:
    """{key: (impressions, dwell ms, 1 if the item has a stored vector of the configured model)}."""
    with_vector = {hash_ for (hash_,) in db.execute("SELECT text_hash FROM embeddings WHERE model = ?",
                                                    (configured_model_id(db),))}
    texts = dict(db.execute("SELECT key, text_hash FROM items"))
    return {key: (shown, dwell, int(texts[key] in with_vector))
            for key, shown, dwell in db.execute(RAW_ITEM_TOTALS, (from_ms, to_ms, platform, platform))}


@pytest.mark.parametrize("from_ms, to_ms, platform", [
    (START, START + SIM_DAYS * DAY, None),
    (START + 5 * 3_600_000, START + 5 * 3_600_000 + 3 * DAY, "hackernews"),
    (START + 31_234_567, START + 4 * DAY + 777_777, "reddit"),
    (START - 3 * DAY, START + 12 * DAY, None),
])
def test_item_totals_equal_the_raw_rows(simulated, from_ms, to_ms, platform):
    found = rollups.item_totals(simulated, from_ms, to_ms, NEW_YORK, platform)
    assert found == raw_item_totals(simulated, from_ms, to_ms, platform)
    assert len(found) > 100 and 0 < sum(embedded for _, _, embedded in found.values()) <= len(found)


def test_item_totals_are_never_stale_and_top_items_equal_the_raw_list(simulated):
    from feedaudit import weekly

    week = audit.week_bounds(2026, 2, NEW_YORK)
    impression, key = simulated.execute("SELECT id, item_key FROM impressions WHERE ts >= ? ORDER BY ts LIMIT 1",
                                        (week[0] + 2 * DAY,)).fetchone()
    # A new dwell of 10 minutes makes this item the week's first, before the job rebuilds its day.
    ingest(simulated, {"events": [ev.dwell(impression, 600_000, ts=week[0] + 2 * DAY + 1000)]})
    assert rollups.item_totals(simulated, *week, NEW_YORK) == raw_item_totals(simulated, *week)
    top = weekly.top_items(simulated, *week, count=40, tz=NEW_YORK)
    assert top == weekly.top_items(simulated, *week, count=40)  # the raw query
    assert top[0]["key"] == key and top[0]["dwell_ms"] >= 600_000 and len(top) == 40
    rollups.refresh(simulated)
    assert rollups.item_totals(simulated, *week, NEW_YORK) == raw_item_totals(simulated, *week)
    assert weekly.top_items(simulated, *week, "youtube", 25, NEW_YORK) == weekly.top_items(simulated, *week, "youtube", 25)


def test_the_map_sample_is_the_same_from_stored_days_and_raw_rows(simulated):
    week = audit.week_bounds(2026, 2, NEW_YORK)
    served = rollups.map_sample(simulated, *week, NEW_YORK, count=120)
    totals = raw_item_totals(simulated, *week)
    with_vector = sorted(key for key, (_, _, embedded) in totals.items() if embedded)
    assert (served.items, served.embedded) == (len(totals), len(with_vector)) and 120 < len(with_vector) < len(totals) + 1
    hashes = dict(zip(with_vector, rollups.key_hash(with_vector).tolist()))
    assert sorted(served.sample) == sorted(sorted(with_vector, key=hashes.get)[:120])
    assert served.sample == {key: totals[key][:2] for key in served.sample}
    with storage.write_transaction(simulated):  # a day of the week to rebuild: the Python path over raw rows
        simulated.execute("INSERT INTO rollup_stale (day, aggregates, novelty) VALUES (?, 1, 0)",
                          (rollups.day_of(week[0], NEW_YORK) + 3,))
    assert rollups.map_sample(simulated, *week, NEW_YORK, count=120) == served


def test_the_map_reads_the_same_items_from_rollups_and_raw_rows(simulated):
    from feedaudit import report

    period = report.week_period("2026-W02", NEW_YORK)
    from_rollup_days = report.item_map(simulated, period, max_points=150)
    with storage.write_transaction(simulated):
        simulated.execute("DELETE FROM rollup_state")  # as after a model change: rollups cannot serve
    assert rollups.item_totals(simulated, period.from_ms, period.to_ms, NEW_YORK) is None
    assert report.item_map(simulated, period, max_points=150) == from_rollup_days


def test_hand_computed_item_days_in_tokyo(tokyo):
    from feedaudit import enrichment

    day = rollups.day_of(MIDNIGHT_TOKYO, TOKYO)
    pick = dict(zip((f"hackernews:{n}" for n in range(201, 205)),
                    rollups.key_hash([f"hackernews:{n}" for n in range(201, 205)]).tolist()))
    assert tokyo.execute("SELECT * FROM rollup_item_days ORDER BY day, item_key").fetchall() == [
        (day - 1, "hackernews", "hackernews:201", 1, 1000, 0, pick["hackernews:201"]),
        (day - 1, "hackernews", "hackernews:202", 1, 3000, 0, pick["hackernews:202"]),
        (day, "hackernews", "hackernews:203", 1, 0, 0, pick["hackernews:203"]),
        (day, "hackernews", "hackernews:204", 1, 4000, 0, pick["hackernews:204"])]
    # The first day whole, the second cut 90 s after midnight (so only story 203 of it, from raw rows).
    cut = rollups.day_bounds(day - 1, TOKYO)[0], MIDNIGHT_TOKYO + 90_000
    assert rollups.item_totals(tokyo, *cut, TOKYO) == {
        "hackernews:201": (1, 1000, 0), "hackernews:202": (1, 3000, 0), "hackernews:203": (1, 0, 0)}
    # The real embedder gives stories 201 and 204 their vectors: their days are read from raw rows at once…
    with storage.write_transaction(tokyo):
        tokyo.execute("UPDATE items SET parse_status = 'failed' WHERE key IN ('hackernews:202', 'hackernews:203')")
    assert enrichment.embed_pending(tokyo, enrichment.bundled_embedder()) == 2
    expected = {"hackernews:201": (1, 1000, 1), "hackernews:202": (1, 3000, 0), "hackernews:203": (1, 0, 0)}
    assert rollups.item_totals(tokyo, *cut, TOKYO) == expected
    both = rollups.day_bounds(day - 1, TOKYO)[0], rollups.day_bounds(day, TOKYO)[1]
    stale_sample = rollups.map_sample(tokyo, *both, TOKYO, count=1)
    rollups.refresh(tokyo)  # …and from the rebuilt rows after the job ran
    assert tokyo.execute("SELECT item_key, embedded FROM rollup_item_days ORDER BY item_key").fetchall() == [
        ("hackernews:201", 1), ("hackernews:202", 0), ("hackernews:203", 0), ("hackernews:204", 1)]
    assert rollups.item_totals(tokyo, *cut, TOKYO) == expected
    # The map: 4 items, 2 with a vector; a sample of one is the one of the two with the smaller key hash.
    first = min(("hackernews:201", "hackernews:204"), key=pick.get)
    sample = rollups.map_sample(tokyo, *both, TOKYO, count=1)
    assert sample == stale_sample == rollups.MapSample(4, 2, {first: (1, {"hackernews:201": 1000, "hackernews:204": 4000}[first])})
    assert rollups.top_items(tokyo, *both, TOKYO, count=3) == [
        ("hackernews:204", 1, 4000), ("hackernews:202", 1, 3000), ("hackernews:201", 1, 1000)]


def test_a_page_decodes_each_stored_part_once_and_shows_the_same_figures(simulated):
    from feedaudit import report

    period = report.week_period("2026-W02", NEW_YORK)
    plain = report.overview(simulated, period)
    with rollups.reused_reads(simulated):
        reused = report.overview(simulated, period)
        decoded = set(simulated._feedaudit_parts)
    assert reused == plain
    # The overview reads the 8 weeks of its trend, this week twice (metrics, platform mix) and the week
    # before twice: every stored part of those weeks is decoded exactly once (the dict holds one per part).
    first = rollups.day_of(period.shifted(-7).from_ms, NEW_YORK)
    stored = set(simulated.execute("SELECT day, platform FROM rollup_parts WHERE day BETWEEN ? AND ?",
                                   (first, rollups.day_of(period.to_ms - 1, NEW_YORK))).fetchall())
    assert decoded == stored and len(stored) >= 3 * 7
