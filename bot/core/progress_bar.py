"""The one text progress bar every surface shows: `▓▓▓▓▓▓░░░░ 62%`, with a marker where
pace expects the person to be."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

FILLED = "▓"
EMPTY = "░"
MARKER = "┃"

Pct = int | Fraction | Decimal


def progress_bar(pct: Pct, expected_pct: Pct | None = None, width: int = 10) -> str:
    """`width` cells filled in proportion to `pct` (rounded down, so the bar is full only
    at 100%; anything above 100% shows a full bar), then the percentage itself, rounded
    down and not clamped ('130%').

    With `expected_pct` above 0, the cell holding the last unit pace expects (the
    ⌈expected × width / 100⌉-th, capped at the last cell) shows a marker instead: a bar
    that fills up to or past the marker is on pace."""
    if width < 1:
        raise ValueError(f"width must be ≥ 1, not {width}")
    exact = Fraction(pct)
    filled = min(width, max(0, math.floor(exact * width / 100)))
    cells = [FILLED] * filled + [EMPTY] * (width - filled)
    if expected_pct is not None and Fraction(expected_pct) > 0:
        marker_cell = min(width, math.ceil(Fraction(expected_pct) * width / 100)) - 1
        cells[marker_cell] = MARKER
    return f"{''.join(cells)} {math.floor(exact)}%"
