"""Ramps ("waterfall" goals) that raise a target step by step, and stretch targets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.errors import UserError
from bot.core.periods import Period, PeriodKind

RAMP_EXAMPLE = "/goal ramp @bo emails 50 to 100 step 10 per week"
STRETCH_EXAMPLE = "/goal set @maria calls 60/week stretch 125%"
DEFAULT_STRETCH_PCT = 125
MIN_STRETCH_PCT = 101
MAX_STRETCH_PCT = 300


def check_ramp(start: int, end: int, step: int) -> None:
    """A UserError unless `step` walks from `start` towards `end` (a descending ramp has a
    negative step); amounts are whole units ≥ 0."""
    if start < 0 or end < 0:
        raise UserError("Ramp amounts cannot be negative.", RAMP_EXAMPLE)
    if step == 0:
        raise UserError("A ramp's step cannot be 0.", RAMP_EXAMPLE)
    if (end > start and step < 0) or (end < start and step > 0):
        direction = "up" if end > start else "down"
        raise UserError(
            f"A ramp from {start} to {end} goes {direction}, so its step must be "
            f"{'positive' if end > start else 'negative'} (got {step}).",
            RAMP_EXAMPLE,
        )


def ramp_target(start: int, end: int, step: int, index: int) -> int:
    """The target `index` periods after the ramp began (0 is the first period): start,
    start + step, … never past `end`, then `end` for good."""
    check_ramp(start, end, step)
    if index < 0:
        raise ValueError(f"index must be ≥ 0, not {index}")
    value = start + step * index
    return min(value, end) if step > 0 else max(value, end)


def ramp_targets(start: int, end: int, step: int, periods: int | None = None) -> list[int]:
    """The ramp's targets period by period: 50, 60, … 100 for (50, 100, 10). With
    `periods`, exactly that many (holding at `end` once reached: 50 … 100, 100, …);
    without, up to and including the first period at `end`."""
    check_ramp(start, end, step)
    if periods is None:
        periods = ramp_length(start, end, step)
    return [ramp_target(start, end, step, i) for i in range(periods)]


def ramp_length(start: int, end: int, step: int) -> int:
    """How many periods the ramp takes to reach `end`, the first period at `end` included."""
    check_ramp(start, end, step)
    # ceil((end − start) / step) in integers; the quotient is ≥ 0 whichever way it goes.
    return -((start - end) // step) + 1


def periods_between(first: Period, current: Period) -> int:
    """How many periods of `first`'s kind `current` comes after `first` (0 for the same
    period, negative before it). Both must be of the same kind."""
    if first.kind is not current.kind:
        raise ValueError(f"cannot count {current.kind}s from a {first.kind}")
    if first.kind is PeriodKind.DAY:
        return (current.start - first.start).days
    if first.kind is PeriodKind.WEEK:
        return (current.start - first.start).days // 7
    months = (current.start.year - first.start.year) * 12 + current.start.month - first.start.month
    if first.kind is PeriodKind.MONTH:
        return months
    return months // (3 if first.kind is PeriodKind.QUARTER else 12)


@dataclass(frozen=True)
class Ramp:
    """A ramped goal: `start` in the period containing `from_date`, then `step` more each
    `kind` period until `end`."""

    start: int
    end: int
    step: int
    kind: PeriodKind
    from_date: date
    fiscal_year_start_month: int = 1

    def __post_init__(self) -> None:
        check_ramp(self.start, self.end, self.step)

    @property
    def first_period(self) -> Period:
        return Period.containing(self.kind, self.from_date, self.fiscal_year_start_month)

    def target_for(self, period: Period) -> int | None:
        """The target in `period` (of the ramp's kind), or None before the ramp begins."""
        index = periods_between(self.first_period, period)
        if index < 0:
            return None
        return ramp_target(self.start, self.end, self.step, index)


def stretch_target(target: int, pct: int = DEFAULT_STRETCH_PCT) -> int:
    """The stretch level of a target: ceil(target × pct / 100), pct 101..300."""
    check_stretch_pct(pct)
    return -(-target * pct // 100)


def check_stretch_pct(pct: int) -> int:
    if not MIN_STRETCH_PCT <= pct <= MAX_STRETCH_PCT:
        raise UserError(
            f"A stretch level must be {MIN_STRETCH_PCT}% to {MAX_STRETCH_PCT}% of the "
            f"target (got {pct}%).",
            STRETCH_EXAMPLE,
        )
    return pct


def parse_stretch_pct(text: str) -> int:
    """'125%' or '125' as a checked stretch percentage."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*%?\s*", text)
    if match is None:
        raise UserError(f'"{text.strip()[:40]}" is not a whole percentage.', STRETCH_EXAMPLE)
    return check_stretch_pct(int(match[1]))
