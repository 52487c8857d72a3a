"""Readable differences between two JSON values, for assertions that name what differs."""

from __future__ import annotations

import math


def differences(a, b, path: str = "", rel_tol: float = 0.0) -> list[str]:
    """Paths where ``a`` and ``b`` differ; numbers within ``rel_tol`` (relative) count as equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in
                (differences(a[k], b[k], f"{path}/{k}", rel_tol) if k in a and k in b else [f"{path}/{k} missing"])]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for n, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{n}]", rel_tol)]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    if numbers and math.isclose(a, b, rel_tol=rel_tol, abs_tol=rel_tol * 1e-3):
        return []
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
