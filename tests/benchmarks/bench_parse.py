"""Parse throughput: ``parse_item`` items/s over every feed item of the real fixture pages.

Run on demand (not collected by pytest): ``python tests/benchmarks/bench_parse.py``.
Single core. Items are captured the way the extension captures them
(``tests/parsing/captured_items.py``: outerHTML without scripts, styles, SVG paths, inline
handlers and base64 data, capped at 32,000 bytes; Hacker News items carry their subtext row).

The baseline, in the same run, is bare ``BeautifulSoup(html, "lxml")`` over the same items:
the tree alone as bs4 builds it, with no extraction. It does not depend on this project's
code, so its figure on a quiet machine scales a busy run's figures honestly (value / baseline
x quiet baseline). Also shown: ``parse_item`` with its tree built by bs4's own builder
(``fast=False``; identical output) and the tree alone both ways. Target: >= 1,000 items/s of
CPU time (one RESULT line, ``tests/benchmarks/results.py``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedaudit.parsing import build_tree, parse_item  # noqa: E402
from parsing import captured_items  # noqa: E402
from results import emit  # noqa: E402
from support.fixture_pages import PAGES_DIR  # noqa: E402

CAPTURED_MS = 1_770_000_000_000
REPEATS = 3


def fixture_items() -> list[tuple[str, str, str, str]]:
    """(platform, captured HTML, page URL, surface) of every feed item of the saved pages."""
    return [(platform, html, url, surface) for _, platform, html, url, surface in captured_items.fixture_items()]


def best_rates(work, count: int) -> tuple[float, float]:
    """Items per wall-clock second and per CPU second of this process, fastest of REPEATS runs.

    CPU time is what the work costs on one core; wall time also counts the time other
    processes on a busy machine took the core away.
    """
    best_wall = best_cpu = float("inf")
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return count / best_wall, count / best_cpu


def main() -> int:
    if not PAGES_DIR.is_dir():
        print(f"skipped: {PAGES_DIR} is absent")
        return 0
    items = fixture_items()
    sizes = sorted(len(html) for _, html, _, _ in items)
    print(f"{len(items)} fixture items, median {sizes[len(sizes) // 2]} chars, max {sizes[-1]} chars")

    def build_trees(fast=True):
        for platform, html, _, _ in items:
            build_tree(html, platform, fast)

    def build_default_trees():
        for _, html, _, _ in items:
            BeautifulSoup(html, "lxml")

    def parse_all(fast=True):
        for platform, html, url, surface in items:
            parse_item(platform, html, url, surface, CAPTURED_MS, fast=fast)

    statuses = {}
    for platform, html, url, surface in items:
        status = parse_item(platform, html, url, surface, CAPTURED_MS)["parse_status"]
        statuses[status] = statuses.get(status, 0) + 1
    rows = [
        ("reference: BeautifulSoup(html, lxml)", build_default_trees),
        ("tree only, bs4's builder (fast=False)", lambda: build_trees(False)),
        ("tree only, fast builder", build_trees),
        ("baseline: parse_item, fast=False", lambda: parse_all(False)),
        ("parse_item (fast tree + extraction)", parse_all),
    ]
    rates = {name: best_rates(work, len(items)) for name, work in rows}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"parse statuses: {statuses}; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'':42s}{'wall items/s':>14s}{'CPU items/s':>14s}")
    for name, (wall, cpu) in rates.items():
        print(f"{name:42s}{wall:14,.0f}{cpu:14,.0f}")
    (base_wall, base_cpu), (slow_wall, slow_cpu) = rates[rows[0][0]], rates[rows[3][0]]
    parse_wall, parse_cpu = rates[rows[4][0]]
    print(f"ratio parse_item / baseline (bare BeautifulSoup): {parse_wall / base_wall:.2f}x wall, "
          f"{parse_cpu / base_cpu:.2f}x CPU; / fast=False: {parse_cpu / slow_cpu:.2f}x CPU")
    print(f"target >= 1,000 items/s: {'met' if parse_wall >= 1000 else 'NOT met'} (wall), "
          f"{'met' if parse_cpu >= 1000 else 'NOT met'} (CPU)")
    emit("parse_item throughput (CPU), baseline bare BeautifulSoup(html, lxml)", round(parse_cpu), "items/s",
         baseline=round(base_cpu), target="≥ 1,000 items/s", met=parse_cpu >= 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
