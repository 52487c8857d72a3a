"""Audit metrics over a year of heavy use: GET /api/v1/metrics for a week, a month and the year.

Run: .venv/bin/python tests/benchmarks/bench_metrics.py [--runs 7]
The database is yeardb.year_database() (1,000,000 impressions, 200,000 items
with embeddings; generated once and cached). Its rollups are built once by
rollups.refresh, the background job's function, into a cached copy; the build
time is measured then and printed on every run. Each figure is timed through
the Flask test client (the real route, JSON included) against a bare SQL
``COUNT(*) ... GROUP BY category`` over the same range in the same run.
Targets (issue 6): week ≤ 100 ms and year ≤ 1 s at the 95th percentile.
Also times GET /api/v1/status (issue 6 asks for it to be cheap at this size).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results import emit  # noqa: E402
from yeardb import CACHE, DAYS, GENERATOR_VERSION, START_MS, TIMEZONE, sync_indexes, year_database  # noqa: E402

from feedaudit import audit, enrichment, rollups, storage  # noqa: E402
from feedaudit.app import create_app  # noqa: E402

TARGETS_MS = {"week": 100, "year": 1000}
COUNT_BY_CATEGORY = ("SELECT it.category_id, count(*) FROM impressions i JOIN items it ON it.key = i.item_key"
                     " WHERE i.ts >= ? AND i.ts < ? GROUP BY it.category_id")


def rolled_up_database(budget_s: float | None) -> tuple[Path, dict]:
    """A copy of the year database with its rollups built (resumed from the cache, for at most
    ``budget_s`` seconds per run), and the build record: days built and seconds spent, summed over runs."""
    folder = CACHE / f"year-v{GENERATOR_VERSION}-rollups-v{rollups.ROLLUP_VERSION}"
    path, record = folder / "feedaudit.db", folder / "build.json"
    if not path.exists():
        source = year_database()
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copy(source, path)
    build = json.loads(record.read_text()) if record.exists() else {"days": 0, "seconds": 0.0}
    db = storage.connect(path)
    sync_indexes(db)
    if rollups.pending_days(db):
        started = time.monotonic()
        days = rollups.refresh(db, budget_s=budget_s,
                               on_day=lambda day: print(f"\r  rolled up day {day}", end="", flush=True))
        print()
        build = {"days": build["days"] + days, "seconds": round(build["seconds"] + time.monotonic() - started, 1)}
        record.write_text(json.dumps(build))
    build["pending"] = rollups.pending_days(db)
    db.close()
    return path, build


def built_through(db) -> int | None:
    """The last day of the unbroken run of rolled-up days from the first day (None if none)."""
    stale = db.execute("SELECT min(day) FROM rollup_stale").fetchone()[0]
    last = db.execute("SELECT max(day) FROM rollup_parts").fetchone()[0]
    return last if stale is None else stale - 1


def full_scan_pending_counts(db) -> list[int]:
    """The understanding queues counted as before migration v5 (reading every item), for comparison."""
    from feedaudit.categorizing import current_signature

    model, parsed = enrichment.configured_model_id(db), enrichment.PARSED
    return [db.execute(f"SELECT count(*) FROM items NOT INDEXED WHERE parse_status IN {parsed} AND {test}", params)
            .fetchone()[0] for test, params in (
                ("embedding_model IS NOT ?", (model,)),
                ("clickbait IS NULL AND title IS NOT NULL AND trim(title) != ''", ()),
                ("categorized_signature IS NOT ?", (current_signature(db, model),)))]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_runs(call, runs: int) -> list[float]:
    call()  # warm: page cache, imports, the ratings context
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def footprint(db) -> None:
    """Database bytes per impression, in total and per table (with its indexes), from SQLite's dbstat."""
    impressions = db.execute("SELECT count(*) FROM impressions").fetchone()[0]
    size = db.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").fetchone()[0]
    tables = {}
    for name, table, bytes_ in db.execute("SELECT s.name, coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s"
                                          " LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY s.name"):
        tables[table] = tables.get(table, 0) + bytes_
    largest = sorted(tables.items(), key=lambda kv: -kv[1])[:6]
    print(f"database: {size / impressions:,.0f} bytes per impression ({size / 1e6:,.0f} MB for {impressions:,}); "
          + ", ".join(f"{name} {bytes_ / impressions:,.0f}" for name, bytes_ in largest))
    emit("database bytes per impression (year, rollups and vectors included)", size / impressions, "bytes")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--build-budget", type=float, default=None,
                        help="seconds of rollup building in this run (the rest resumes next run)")
    args = parser.parse_args()
    path, build = rolled_up_database(args.build_budget)
    print(f"database: {path} ({path.stat().st_size / 1e9:.2f} GB)")
    print(f"rollup build: {build['days']} days in {build['seconds']:.0f} s = "
          f"{build['seconds'] / max(build['days'], 1):.2f} s per day of heavy use; {build['pending']} days pending")
    app = create_app({"DATA_DIR": str(path.parent)})
    client, headers = app.test_client(), {"Authorization": f"Bearer {app.config['TOKEN']}"}
    db = storage.connect(path)
    first_day = rollups.day_of(START_MS, TIMEZONE)
    last_built = built_through(db)
    week = audit.week_bounds(2026, 3, TIMEZONE)
    month_start = rollups.day_bounds(rollups.day_of(week[0], TIMEZONE), TIMEZONE)[0]
    ranges = {"week": week, "month": (month_start, rollups.day_bounds(rollups.day_of(month_start, TIMEZONE) + 30, TIMEZONE)[0]),
              "year": (START_MS - 86_400_000, START_MS + (DAYS + 1) * 86_400_000)}
    met = True
    print(f"{'range':6} {'impressions':>11} {'metrics p50':>12} {'p95':>8} {'COUNT p50':>10} {'ratio':>7}  from")
    for name, (low, high) in ranges.items():
        if build["pending"] and (last_built is None or rollups.day_of(high - 1, TIMEZONE) > last_built):
            print(f"{name:6} not measured: rollups built for {0 if last_built is None else last_built - first_day + 1}"
                  f" of {DAYS} days so far (run again to resume the build)")
            met = False
            continue

        def request():
            response = client.get("/api/v1/metrics", query_string={"from": low, "to": high}, headers=headers)
            assert response.status_code == 200, response.get_json()
            return response.get_json()

        body = request()
        samples = time_runs(request, args.runs)
        baseline = time_runs(lambda: db.execute(COUNT_BY_CATEGORY, (low, high)).fetchall(), args.runs)
        p50, p95 = percentiles(samples)
        base50, _ = percentiles(baseline)
        target = TARGETS_MS.get(name)
        ok = target is None or p95 <= target
        met &= ok
        print(f"{name:6} {body['totals']['impressions']:>11,} {p50:>10.0f}ms {p95:>6.0f}ms {base50:>8.0f}ms "
              f"{p50 / base50:>7.2f}  {body['computed_from']}" + ("" if ok else f"  (target {target} ms: NOT MET)"))
        emit(f"GET /api/v1/metrics p95, {name} ({body['totals']['impressions']:,} impressions)", p95, "ms", base50,
             f"≤ {target} ms" if target else "", ok if target else None)
    footprint(db)
    status = time_runs(lambda: client.get("/api/v1/status", headers=headers).get_json(), args.runs)
    queues = time_runs(lambda: enrichment.pending_counts(db, enrichment.configured_model_id(db)), args.runs)
    full_scans = time_runs(lambda: full_scan_pending_counts(db), args.runs)
    print(f"status p50 {percentiles(status)[0]:.0f} ms, p95 {percentiles(status)[1]:.0f} ms; its understanding queues "
          f"{percentiles(queues)[0]:.1f} ms vs {percentiles(full_scans)[0]:.0f} ms with the former full scans of items")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
