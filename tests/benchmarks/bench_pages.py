"""Report pages over a year of heavy use: each page's HTML plus the data it loads (issue 7: < 300 ms p95).

Run: .venv/bin/python tests/benchmarks/bench_pages.py [--runs 7] [--no-build]
The database is bench_metrics.rolled_up_database() (yeardb's 1,000,000 impressions,
200,000 items, daily rollups built as the server's job keeps them). For one week
(2026-W20, rolled up) each page is requested through the Flask test client
together with the API calls its script makes on load, as the browser would.
Baseline, in the same run: a bare SQL ``COUNT(*) ... GROUP BY category`` over the week.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_metrics import COUNT_BY_CATEGORY, percentiles, rolled_up_database, time_runs  # noqa: E402
from results import emit  # noqa: E402
from yeardb import CACHE, GENERATOR_VERSION, TIMEZONE  # noqa: E402

from feedaudit import audit, rollups, storage  # noqa: E402
from feedaudit.app import create_app  # noqa: E402

TARGET_MS = 300
WEEK = "2026-W20"


def page_loads(week_from: str, week_to: str) -> dict[str, list[str]]:
    """Per page: the page URL, then the API calls its script makes when it opens."""
    return {
        "overview": [f"/?week={WEEK}"],
        "topics": [f"/topics?week={WEEK}"],
        "sources": [f"/sources?week={WEEK}"],
        "game": [f"/game?week={WEEK}"],
        "map": [f"/map?week={WEEK}"],
        "explorer": ["/explorer", f"/api/v1/explorer/items?from={week_from}&to={week_to}"],
        "explorer (all time)": ["/explorer", "/api/v1/explorer/items"],
        "intentions": ["/intentions", "/api/v1/intention-gap?days=7"],
        "exports": ["/exports", "/api/v1/exports"],
        "settings": ["/settings", "/api/v1/status"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-build", action="store_true", help="use the cached rollups as they are")
    args = parser.parse_args()
    if args.no_build:
        path = CACHE / f"year-v{GENERATOR_VERSION}-rollups-v{rollups.ROLLUP_VERSION}" / "feedaudit.db"
    else:
        path, _ = rolled_up_database(None)
    app = create_app({"DATA_DIR": str(path.parent)})
    client, headers = app.test_client(), {"Authorization": f"Bearer {app.config['TOKEN']}"}
    db = storage.connect(path)
    low, high = audit.week_bounds(*audit.parse_week(WEEK), TIMEZONE)
    base50, _ = percentiles(time_runs(lambda: db.execute(COUNT_BY_CATEGORY, (low, high)).fetchall(), args.runs))
    print(f"database: {path}; week {WEEK} ({TIMEZONE}); baseline COUNT(*) GROUP BY p50 {base50:.0f} ms")
    print(f"{'page':22} {'p50':>8} {'p95':>8} {'ratio':>7}")
    met = True
    for name, urls in page_loads(str(low), str(high)).items():
        def load():
            for url in urls:
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])

        p50, p95 = percentiles(time_runs(load, args.runs))
        ok = p95 <= TARGET_MS
        met &= ok
        print(f"{name:22} {p50:>6.0f}ms {p95:>6.0f}ms {p50 / base50:>7.1f}" + ("" if ok else "  NOT MET"))
        emit(f"page {name} p95 (week {WEEK})", p95, "ms", base50, f"< {TARGET_MS} ms", ok)
    print(f"target: every page p95 <= {TARGET_MS} ms: {'met' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
