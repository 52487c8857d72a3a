"""What a platform parser knows besides the item's own markup."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseContext:
    page_url: str | None
    surface: str | None
    captured_at_ms: int | None
