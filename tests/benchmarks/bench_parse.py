"""Parse throughput: ``parse_item`` items/s over every feed item of the real fixture pages.

Run on demand (not collected by pytest): ``python tests/benchmarks/bench_parse.py``.
Single core. Items are captured the way the extension captures them (outerHTML without
scripts, styles, SVG paths, inline handlers and base64 data, capped at 32,000 bytes;
Hacker News items carry their subtext row). The baseline, in the same run, is the same
``parse_item`` with its tree built by bs4's own lxml builder (``fast=False``, the path
before the fast tree builder; identical output); for reference also the tree alone, both
ways, and bare ``BeautifulSoup(html, "lxml")``. Target: >= 1,000 items/s.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedaudit import sites  # noqa: E402
from feedaudit.parsing import build_tree, parse_item  # noqa: E402
from support.fixture_pages import PAGE_URLS, PAGES_DIR  # noqa: E402

CAPTURED_MS = 1_770_000_000_000
MAX_HTML_BYTES = 32_000
REMOVED = "script, style, noscript, template, iframe, link, svg path, svg use, svg g, svg defs"
_BASE64 = re.compile(r"data:[^,;]*;base64", re.I)
REPEATS = 3


def captured_html(element, definition) -> str:
    """The item as the extension sends it (content/sanitize.js, mirrored)."""
    copy = BeautifulSoup(str(element), "lxml")
    for node in copy.select(REMOVED):
        node.decompose()
    for node in copy.find_all(True):
        for name in [a for a, v in node.attrs.items() if a.startswith("on") or _BASE64.search(str(v))]:
            del node[name]
    html = str(copy.body.contents[0]) if copy.body and copy.body.contents else ""
    sibling = sites.next_sibling_context(element, definition)
    if sibling is not None:
        html += str(sibling)
    encoded = html.encode("utf-8")
    if len(encoded) > MAX_HTML_BYTES:
        cut = encoded[:MAX_HTML_BYTES].decode("utf-8", "ignore")
        html = cut[: cut.rfind(">") + 1] or cut
    return html


def fixture_items() -> list[tuple[str, str, str, str]]:
    items = []
    for relative, url in PAGE_URLS.items():
        definition = sites.definition_for_url(url)
        surface = sites.surface_for_url(definition, url)
        soup = BeautifulSoup((PAGES_DIR / relative).read_text("utf-8"), "lxml")
        for element in sites.select_items(soup, surface):
            items.append((definition.id, captured_html(element, definition), url, surface.name))
    return items


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
    (base_wall, base_cpu), (parse_wall, parse_cpu) = rates[rows[3][0]], rates[rows[4][0]]
    print(f"ratio parse_item / baseline: {parse_wall / base_wall:.2f}x wall, {parse_cpu / base_cpu:.2f}x CPU")
    print(f"target >= 1,000 items/s: {'met' if parse_wall >= 1000 else 'NOT met'} (wall), "
          f"{'met' if parse_cpu >= 1000 else 'NOT met'} (CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
