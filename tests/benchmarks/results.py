"""One line per benchmark figure, so ``run_all.py`` can print a single table.

A benchmark calls :func:`emit` for each headline figure; the line goes to
stdout with a ``RESULT`` prefix (JSON after it) and ``run_all.py`` collects them.
"""

from __future__ import annotations

import json

PREFIX = "RESULT "


def emit(figure: str, value: float, unit: str, baseline: float | None = None, target: str = "",
         met: bool | None = None) -> None:
    """Print one figure: its value, the baseline measured in the same run (ratio = value / baseline),
    the target as text ("≤ 100 ms") and whether it is met (None when the figure has no target)."""
    ratio = value / baseline if baseline else None
    print(PREFIX + json.dumps({"figure": figure, "value": value, "unit": unit, "baseline": baseline,
                               "ratio": ratio, "target": target, "met": met}), flush=True)


def parse(line: str) -> dict | None:
    """The figure of a RESULT line, or None for any other line."""
    return json.loads(line[len(PREFIX):]) if line.startswith(PREFIX) else None
