"""Run every benchmark in this folder, one after another, and print one table of their figures.

Run: make bench   (or .venv/bin/python tests/benchmarks/run_all.py [names...])
Each benchmark measures its own baseline in the same run and prints the ratio;
the headline figures it emits (``results.emit``) are gathered into the table at the end.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results import parse  # noqa: E402


def run(script: Path) -> tuple[int, list[dict]]:
    """Run one benchmark, echoing its output; return its exit code and the figures it emitted."""
    figures = []
    process = subprocess.Popen([sys.executable, str(script)], cwd=HERE.parents[1], stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        figure = parse(line)
        if figure is None:
            print(line, end="", flush=True)
        else:
            figures.append({"benchmark": script.stem, **figure})
    return process.wait(), figures


def number(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def table(figures: list[dict]) -> str:
    header = ("benchmark", "figure", "value", "baseline", "ratio", "target", "met")
    rows = [(f["benchmark"], f["figure"], f"{number(f['value'])} {f['unit']}",
             number(f["baseline"]), number(f["ratio"]), f["target"] or "–",
             {True: "yes", False: "NO", None: "–"}[f["met"]]) for f in figures]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def main(names: list[str]) -> int:
    failures, figures = 0, []
    scripts = sorted(HERE.glob("bench_*.py"))
    for script in scripts:
        if names and script.stem not in names and script.stem.removeprefix("bench_") not in names:
            continue
        print(f"== {script.stem}", flush=True)
        code, found = run(script)
        failures += code != 0
        figures += found
    print("\n== all figures (ratio = value / baseline, both measured in the same run)")
    print(table(figures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
