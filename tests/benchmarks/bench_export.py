"""Exporting one week's summary as HTML from a year of heavy use (issue 8: under 3 s).

Run: .venv/bin/python tests/benchmarks/bench_export.py [--runs 5] [--build-budget S]
The database is bench_metrics.rolled_up_database(): yeardb's 1,000,000 impressions
with their daily rollups built (as the server's background job keeps them); the
figures say how many of the two weeks' days came from rollups.
Each run does what `feedaudit export --week 2026-W20 --format html` does: the
weekly summary (this week, the week before, top and regretted items, sentences),
rendering and writing the file. Baseline, in the same run: audit.summary alone
(the two weeks' metrics the summary is built on), so the ratio is the export's
own cost on top of the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_metrics import percentiles, rolled_up_database, time_runs  # noqa: E402
from results import emit  # noqa: E402
from yeardb import CACHE, GENERATOR_VERSION, TIMEZONE  # noqa: E402

from feedaudit import audit, exporting, rollups, storage, weekly  # noqa: E402

TARGET_MS = 3000
WEEK = "2026-W20"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build-budget", type=float, default=None,
                        help="Seconds to spend building missing rollups first (default: until done).")
    parser.add_argument("--no-build", action="store_true",
                        help="Use the cached rollups as they are (another run may be building them).")
    args = parser.parse_args()
    if args.no_build:
        path, build = CACHE / f"year-v{GENERATOR_VERSION}-rollups-v{rollups.ROLLUP_VERSION}" / "feedaudit.db", {}
    else:
        path, build = rolled_up_database(args.build_budget)
    db = storage.connect(path)
    out = Path(tempfile.mkdtemp(prefix="feedaudit-bench-export-"))
    sizes = {}

    def export():
        summary = weekly.weekly_summary(db, WEEK, TIMEZONE)
        [written] = exporting.export_week(db, WEEK, ["html"], TIMEZONE, out, summary)
        sizes["html"] = written.stat().st_size
        sizes["impressions"] = summary["metrics"]["totals"]["impressions"]
        sizes["from"] = {week: figures.get("computed_from") for week, figures in
                         ((summary["week"], summary["metrics"]), (summary["previous_week"], summary["previous"]))}
        return summary

    summary = export()
    render = time_runs(lambda: exporting.render_html(summary), args.runs)
    samples = time_runs(export, args.runs)
    baseline = time_runs(lambda: audit.summary(db, WEEK, TIMEZONE), args.runs)
    p50, p95 = percentiles(samples)
    base50, _ = percentiles(baseline)
    print(f"database: {path} (rollups pending: {build.get('pending')} days); week {WEEK} ({TIMEZONE}): "
          f"{sizes['impressions']:,} impressions; computed from {sizes['from']}")
    print(f"HTML export p50 {p50:.0f} ms, p95 {p95:.0f} ms ({sizes['html'] / 1024:.0f} KiB); "
          f"render alone p50 {percentiles(render)[0]:.1f} ms")
    print(f"audit.summary alone p50 {base50:.0f} ms: ratio {p50 / base50:.2f}")
    met = p95 < TARGET_MS
    print(f"target p95 < {TARGET_MS} ms: {'met' if met else 'NOT MET'}")
    emit(f"weekly HTML export p95 ({WEEK}, year database)", p95, "ms", base50, f"< {TARGET_MS} ms", met)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
