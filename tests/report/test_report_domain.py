"""The report's domain module (feedaudit.report) on hand-computed examples, over a real SQLite file
filled through the real ingest API; and the figure pages' routes (errors, empty state, CSP)."""

from __future__ import annotations

import datetime as dt

import pytest

from feedaudit import audit, demo, report, rollups, settings, storage
from feedaudit.simulator import SimulationConfig
from support import events as ev

MONDAY_W03 = 1_768_176_000_000  # 2026-01-12 00:00 UTC
DAY = 86_400_000
HOUR = 3_600_000


# ---------------------------------------------------------------- formatting
@pytest.mark.parametrize("function, value, expected", [
    (report.format_count, 3533, "3,533"),
    (report.format_count, None, "–"),
    (report.format_share, 0.0359, "3.6%"),
    (report.format_share, 1.0, "100.0%"),
    (report.format_points, 0.0023, "+0.2 pp"),
    (report.format_points, -0.01, "\u22121.0 pp"),
    (report.format_points, -0.0004, "0.0 pp"),
    (report.format_number, 14.955, "15.0"),
    (report.format_duration, 45_400, "45 s"),
    (report.format_duration, 12 * 60_000, "12 min"),
    (report.format_duration, 7_680_000, "2 h 08 min"),
    (report.format_duration_change, 293_861, "+5 min"),
    (report.format_duration_change, -120_000, "\u22122 min"),
    (report.format_duration_change, 0, "0 s"),
    (report.format_ratio, 1.1439, "1.14×"),
])
def test_formats(function, value, expected):
    assert function(value) == expected


def test_format_change_rounds_before_choosing_the_sign():
    assert report.format_change(87) == "+87"
    assert report.format_change(-0.257, 1) == "\u22120.3"
    assert report.format_change(-0.02, 1) == "0.0"
    assert report.format_change(None) == "–"


def test_plot_text_escapes_what_plotly_would_render_as_html():
    assert report.plot_text('<img src=x onerror=alert(1)>') == "&lt;img src=x onerror=alert(1)&gt;"
    assert report.plot_text('a "b" & \'c\'') == "a &quot;b&quot; &amp; &#x27;c&#x27;"


def test_hover_text_escapes_captured_strings_and_keeps_only_its_own_line_breaks():
    text = report.hover_text("<b>Win</b>", report.point_label("Science", "r/<script>"), 90_000, 3)
    assert text == "&lt;b&gt;Win&lt;/b&gt;<br>Science · r/&lt;script&gt;<br>2 min in view, shown 3×"


def test_marker_area_grows_with_dwell():
    sizes = report.marker_sizes(__import__("numpy").array([0.0, 2500.0, 10_000.0]))
    assert sizes.tolist() == [5.0, 5.0 + 19.0 * 0.5, 24.0]


def test_intention_text():
    assert report.intention_text({"kind": "at_most", "value": 0.1}) == "at most 10%"
    assert report.intention_text({"kind": "more", "value": None}) == "more"
    assert report.intention_text(None) == ""


def test_effective_topics_is_exp_of_the_entropy():
    # Shares ½, ¼, ¼: H = 1.5 ln 2, so exp(H) = 2^1.5.
    assert report.effective_topics({"a": 2, "b": 1, "c": 1}) == pytest.approx(2 ** 1.5)
    assert report.effective_topics({}) is None


# ---------------------------------------------------------------- periods
def test_week_period_bounds_and_neighbours():
    period = report.week_period("2026-W03", "UTC")
    assert (period.from_ms, period.to_ms) == (MONDAY_W03, MONDAY_W03 + 7 * DAY)
    assert period.title() == "Week 3 of 2026" and period.dates() == "12 Jan – 18 Jan 2026"
    assert period.shifted(-1).week == "2026-W02" and period.shifted(1).query() == "week=2026-W04"


def test_week_period_in_a_time_zone_starts_at_local_midnight():
    period = report.week_period("2026-W03", "America/New_York")
    assert period.from_ms == MONDAY_W03 + 5 * HOUR  # EST is UTC−5 in January


def test_resolve_period_from_range_and_default():
    period = report.resolve_period({"from": "2025-12-29", "to": "2026-01-04"}, "UTC", dt.date(2026, 3, 1))
    assert period.week == "2026-W01" and period.days == 7
    span = report.resolve_period({"from": "2026-01-05", "to": "2026-01-18"}, "UTC", dt.date(2026, 3, 1))
    assert span.week is None and span.title() == "5 Jan – 18 Jan 2026"
    assert span.shifted(-1).query() == "from=2025-12-22&to=2026-01-04"
    assert report.resolve_period({}, "UTC", dt.date(2026, 1, 14)).week == "2026-W03"


@pytest.mark.parametrize("args, message", [
    ({"week": "2026-W99"}, "2026 has no ISO week 99"),
    ({"week": "last"}, "week must look like 2026-W48, not 'last'"),
    ({"from": "2026-01-05", "to": "soon"}, "'to' must be a date like 2026-01-05, not 'soon'"),
    ({"from": "2026-01-10", "to": "2026-01-05"}, "'to' must be the same day as 'from' or later"),
    ({"from": "2020-01-01", "to": "2026-01-05"}, "a period can span at most 731 days; pick a shorter one"),
])
def test_resolve_period_names_the_problem(args, message):
    with pytest.raises(report.ReportError) as error:
        report.resolve_period(args, "UTC", dt.date(2026, 1, 14))
    assert str(error.value) == message


# ---------------------------------------------------------------- findings
def _estimate(events, mean=None, low=None, high=None):
    return {"events": events, "mean": mean, "ci_low": low, "ci_high": high,
            "status": "ok" if mean is not None else "not enough data"}


def test_finding_names_the_largest_clear_lift():
    loop = {"window": 50, "lifts": {
        "youtube": {"Science": _estimate(42, 0.123, 0.081, 0.16), "Music": _estimate(30, 0.02, -0.01, 0.05)},
        "reddit": {"Gaming": _estimate(3)}}}
    assert report.feedback_finding(loop) == (
        "On YouTube, after you engaged with Science, the next 50 items held +12.3 pp more Science than the 50 "
        "before (95% interval +8.1 pp to +16.0 pp, 42 engagements).")


def test_finding_says_when_there_is_not_enough_data():
    loop = {"window": 50, "lifts": {"reddit": {"Gaming": _estimate(3), "Music": _estimate(1)},
                                    "x": {"News & Politics": _estimate(2)}}}
    assert report.feedback_finding(loop) == (
        "Not enough data yet to see how your feeds respond to what you engage with: the most evidence is "
        "3 engagements with Gaming on Reddit, and a lift needs 20.")
    assert report.feedback_finding({"lifts": {}}) == \
        "Not enough data yet to see how your feeds respond to what you engage with."


def test_finding_does_not_claim_a_loop_when_the_interval_includes_zero():
    loop = {"window": 50, "lifts": {"x": {"Sports": _estimate(25, 0.01, -0.02, 0.04)}}}
    assert report.feedback_finding(loop).startswith("No clear feedback loop yet: the largest measured change, "
                                                    "Sports on X, is +1.0 pp (95% interval −2.0 pp")


# ---------------------------------------------------------------- figures over a real database
@pytest.fixture
def small_db(app, client, auth):
    """Four impressions in 2026-W03 and one in W02, with dwell, sessions and two categorized items:

    W03 Monday:  HN  alpha.example/1 (Science, 2 s), alpha.example/2 (Science, 4 s)
    W03 Tuesday: HN  beta.example/3 (not categorized, 0 s); Reddit item (Technology, 1 s)
    W02 Friday:  HN  beta.example/9 (not categorized)
    Sessions: HN 60 s and Reddit 30 s in W03.
    """
    monday, tuesday, last_friday = MONDAY_W03 + 10 * HOUR, MONDAY_W03 + DAY + 10 * HOUR, MONDAY_W03 - 3 * DAY
    hn, rd, old = ev.new_id(), ev.new_id(), ev.new_id()
    shown = [
        ev.impression(1, monday, url="https://alpha.example/1", title="Alpha one", session_id=hn),
        ev.impression(2, monday, url="https://alpha.example/2", title="Alpha two", session_id=hn),
        ev.impression(3, tuesday, url="https://beta.example/3", title="Beta three", session_id=hn),
        ev.impression(1, tuesday, platform="reddit", surface="home", url="https://www.reddit.com/r/x/comments/abc/t/",
                      title="Reddit four", session_id=rd, page_url="https://www.reddit.com/"),
        ev.impression(1, last_friday, url="https://beta.example/9", title="Beta old", session_id=old),
    ]
    batch = [*shown, ev.dwell(shown[0]["id"], 2000, monday + 5000), ev.dwell(shown[1]["id"], 4000, monday + 5000),
             ev.dwell(shown[3]["id"], 1000, tuesday + 5000),
             ev.session(hn, 60_000, start_ts=monday, end_ts=monday + 90_000, ts=monday + 90_000),
             ev.session(rd, 30_000, start_ts=tuesday, end_ts=tuesday + 60_000, ts=tuesday + 60_000, platform="reddit")]
    response = client.post("/api/v1/events", json={"events": batch}, headers=auth)
    assert response.status_code == 200, response.get_json()
    db = storage.connect(app.config["DATABASE"])
    ids = dict(db.execute("SELECT name, id FROM categories").fetchall())
    keys = dict(db.execute("SELECT title, key FROM items").fetchall())
    for title, category in (("Alpha one", "Science"), ("Alpha two", "Science"), ("Reddit four", "Technology")):
        db.execute("UPDATE items SET category_id = ?, category_source = 'test' WHERE key = ?", (ids[category], keys[title]))
    db.conn.commit()
    yield db
    db.close()


def test_category_counts_and_effective_topics(small_db):
    counts = report.category_counts(small_db, MONDAY_W03, MONDAY_W03 + 7 * DAY)
    assert counts == {"Science": 2, "Uncategorized": 1, "Technology": 1}
    assert report.effective_topics(counts) == pytest.approx(2 ** 1.5)


def test_per_platform_time_in_feeds_and_items(small_db):
    assert report.per_platform(small_db, MONDAY_W03, MONDAY_W03 + 7 * DAY) == {
        "hackernews": {"impressions": 3, "dwell_ms": 6000, "feed_ms": 60_000, "sessions": 1},
        "reddit": {"impressions": 1, "dwell_ms": 1000, "feed_ms": 30_000, "sessions": 1},
    }


def test_daily_category_shares_per_local_day(small_db):
    area = report.daily_category_shares(small_db, report.week_period("2026-W03", "UTC"), keep=2)
    assert area["days"][:2] == ["2026-01-12", "2026-01-13"] and len(area["days"]) == 7
    by_name = {series["name"]: series["values"][:3] for series in area["series"]}
    assert by_name == {"Science": [1.0, 0.0, None], "Technology": [0.0, 0.5, None],
                       "1 more categories": [0.0, 0.5, None]}


@pytest.fixture(params=["raw rows", "rollups"])
def either_path(request, small_db):
    """small_db read from its raw rows (no rollups yet), or after the rollup job has run."""
    if request.param == "rollups":
        rollups.refresh(small_db)
    period = report.week_period("2026-W03", settings.timezone(small_db))  # the zone the rollups are built in
    served = rollups.range_parts(small_db, period.from_ms, period.to_ms, period.tz) is not None
    assert served == (request.param == "rollups")
    return small_db


def test_sources_new_sources_and_change(either_path):
    page = report.sources(either_path, report.week_period("2026-W03", settings.timezone(either_path)))
    figures = {f["key"]: f["value"] for f in page["figures"]}
    # alpha.example (2 items) is new; beta.example was seen in W02; the Reddit item's author is unknown.
    assert figures["new_source_share"] == "50.0%"
    assert [row["name"] for row in page["new_rows"]] == ["alpha.example"]
    rows = {row["name"]: row for row in page["rows"]}
    assert rows["alpha.example"]["share"] == "50.0%" and rows["alpha.example"]["change"] == "+50.0 pp"
    assert rows["beta.example"]["previous"] == "100.0%" and rows["beta.example"]["change"] == "\u221275.0 pp"


def test_game_placements_by_hand_on_either_path(either_path):
    small_db = either_path
    period = report.week_period("2026-W03", settings.timezone(small_db))
    found = report.placements(small_db, period)
    # HN shows ranks 1, 2, 3 (all in the top 3): two Science items and one not categorized; Reddit one rank-1 item.
    assert found == {"hackernews": report.Placement({"Science": (2, 2), "Uncategorized": (1, 1)}, 0, 0),
                     "reddit": report.Placement({"Technology": (1, 1)}, 0, 0)}
    raw = audit.load_window(small_db, period.from_ms, period.to_ms).impressions
    assert found == {p: report.placement_of_impressions(raw.subset(raw.platform == p)) for p in ("hackernews", "reddit")}


def test_data_status_points_to_the_latest_week(small_db):
    status = report.data_status(small_db, report.week_period("2026-W10", "UTC"))
    assert status == {"has_data": False, "any_data": True, "impressions": 0,
                      "latest_week": "2026-W03", "latest_query": "week=2026-W03"}


def test_category_styles_use_the_palette_then_shapes_and_grey_for_other(small_db):
    styles = report.category_styles(small_db)
    names = [row[0] for row in small_db.execute("SELECT name FROM categories ORDER BY position, id")]
    assert styles[names[0]] == {"color": "#0072B2", "symbol": "circle", "pattern": ""}
    assert styles[names[7]] == {"color": "#0072B2", "symbol": "square", "pattern": "/"}
    assert styles["Other"]["color"] == styles["Uncategorized"]["color"] == report.NEUTRAL


# ---------------------------------------------------------------- the demo ends today
def test_demo_simulation_ends_today_in_the_time_zone():
    config = demo.ending_today(SimulationConfig(days=14), "Europe/Berlin", dt.date(2026, 3, 10))
    # 14 days ending 10 March start on 25 February, local midnight in Berlin (UTC+1).
    assert config.start_ms == int(dt.datetime(2026, 2, 24, 23, tzinfo=dt.timezone.utc).timestamp() * 1000)
    assert config.days == 14 and SimulationConfig().start_ms == 1_767_571_200_000


def test_demo_state(small_db):
    assert demo.demo_state(small_db, "UTC", dt.date(2026, 1, 14)) == "current"
    assert demo.demo_state(small_db, "UTC", dt.date(2026, 2, 14)) == "current"  # real data are never stale
    small_db.execute("INSERT INTO settings (key, value) VALUES ('demo_data', 'true')")
    small_db.conn.commit()
    assert demo.demo_state(small_db, "UTC", dt.date(2026, 2, 14)) == "stale"


# ---------------------------------------------------------------- routes
def test_bad_period_is_a_400_page_naming_the_problem(client):
    response = client.get("/topics?week=2026-W99")
    assert response.status_code == 400
    assert "2026 has no ISO week 99" in response.get_data(as_text=True)
    assert client.get("/?from=2026-01-05&to=2026-01-18").status_code == 400  # the overview is one week


def test_empty_state_explains_how_to_start(client):
    text = client.get("/").get_data(as_text=True)
    assert "Load the extension" in text and "feedaudit token" in text and "feedaudit demo" in text
    assert "Nothing has been recorded yet" in client.get("/map").get_data(as_text=True)


def test_figure_pages_keep_a_strict_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert client.get("/favicon.ico").status_code == 204


# ---------------------------------------------------------------- the game and the map
def test_placement_and_sponsored_placement_on_one_platform():
    from feedaudit import analytics as an

    shown = an.make_impressions([1, 2, 3, 4], rank=[1, 2, 5, 8], category=["A", "B", "A", "A"],
                                sponsored=[True, False, False, False])
    placement = report.placement_of_impressions(shown)
    assert placement == report.Placement({"A": (3, 1), "B": (1, 1)}, sponsored=1, sponsored_top=1)
    rows = {row["category"]: row for row in report.placement_rows(placement)}
    # Top 3 holds ranks 1 and 2: A has ½ of it against ¾ overall, B ½ against ¼.
    assert rows["B"] == {"category": "B", "top_share": 0.5, "share": 0.25, "top_count": 1, "ratio": 2.0}
    assert rows["A"]["ratio"] == pytest.approx(2 / 3) and [r["category"] for r in report.placement_rows(placement)] == ["B", "A"]
    assert {c: r for c, r in an.rank_placement(shown).items()} == {c: rows[c]["ratio"] for c in "AB"}
    assert report.sponsored_placement(placement) == {"share": "25.0%", "top_share": "50.0%", "ratio": "2.00×", "count": 1}


def test_responsiveness_words():
    assert report.responsiveness_words(_estimate(4)) == (
        "Not enough data", "4 engagements in categories with enough evidence; each category needs 20.")
    assert report.responsiveness_words(_estimate(31, 0.05, 0.02, 0.081)) == (
        "+5.0 pp", "95% interval +2.0 pp to +8.1 pp, 31 engagements.")


def test_map_counts_items_it_cannot_place_yet(small_db):
    page = report.item_map(small_db, report.week_period("2026-W03", "UTC"))
    figures = {f["key"]: f["value"] for f in page["figures"]}
    assert figures == {"items": "4", "plotted": "0", "not_embedded": "4", "explained": "0%"}
    assert page["chart"]["traces"] == []
