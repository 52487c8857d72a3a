"""Run every benchmark in this folder, one after another, and print their figures.

Run: make bench   (or .venv/bin/python tests/benchmarks/run_all.py)
Each benchmark measures its own baseline in the same run and prints the ratio.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.stem}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parents[1])
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
