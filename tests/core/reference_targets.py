"""A deliberately simple reference for targets as day allocations and the pace of a span
(SPEC §4), written from the definition alone to hold bot.core.targets to it.

Everything here loops day by day and recomputes everything it needs: no caching, no
shortcuts, and no import of the engine (targets, pace, decomposition, standings). It only
uses the calendar's work week and holidays and Period.containing for period boundaries.
Slow on purpose; the property tests keep their spans short enough for that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from bot.core.calendars import WorkCalendar
from bot.core.periods import Period, PeriodKind

TOTAL_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)


def days_from(first: date, last: date) -> list[date]:
    """Every day from first to last, both included (none when last < first)."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


# --- the calendar --------------------------------------------------------------------------


def is_working_day(day: date, calendar: WorkCalendar) -> bool:
    """A team working day: a work-week day that is not a holiday."""
    return day.weekday() in calendar.workweek and not calendar.is_holiday(day)


def working_days_in(first: date, last: date, calendar: WorkCalendar) -> int:
    return sum(1 for d in days_from(first, last) if is_working_day(d, calendar))


def is_time_off(day: date, time_off: Iterable[tuple[date, date]]) -> bool:
    return any(first <= day <= last for first, last in time_off)


# --- goals ---------------------------------------------------------------------------------


def version_on(versions: Sequence[Any], day: date) -> Any | None:
    """The version in force on `day`: start <= day <= end (an end of None is open)."""
    found = [v for v in versions if v.start <= day and (v.end is None or day <= v.end)]
    if len(found) > 1:
        raise ValueError(f"versions overlap on {day}: {found!r}")
    return found[0] if found else None


def periods_apart(kind: PeriodKind, first: Period, later: Period) -> int:
    """How many periods of `kind` `later` comes after `first` (0 for the same one, negative
    before it). Both are periods of `kind` with the same fiscal start, so they are whole
    numbers of days, weeks or months apart."""
    if kind is PeriodKind.DAY:
        return (later.start - first.start).days
    if kind is PeriodKind.WEEK:
        days = (later.start - first.start).days
        assert days % 7 == 0
        return days // 7
    months = months_between(first.start, later.start)
    size = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    assert months % size == 0
    return months // size


def period_target(version: Any, day: date, fiscal_year_start_month: int) -> Fraction:
    """T: the target of the version's period containing `day` (a ramp's step there)."""
    base = Fraction(version.target or 0)
    if version.kind != "ramp":
        return base
    kind = PeriodKind(version.period_kind)
    first = Period.containing(kind, version.start, fiscal_year_start_month)
    current = Period.containing(kind, day, fiscal_year_start_month)
    index = periods_apart(kind, first, current)
    if index < 0:
        return base  # before the ramp's first period: the first step
    value = base + version.ramp_step * index
    if version.ramp_step > 0:
        return min(value, Fraction(version.ramp_last))
    return max(value, Fraction(version.ramp_last))


def weighted_part_kind(kind: PeriodKind, count: int) -> PeriodKind:
    if kind is PeriodKind.YEAR and count == 4:
        return PeriodKind.QUARTER
    if kind is PeriodKind.YEAR and count == 12:
        return PeriodKind.MONTH
    if kind is PeriodKind.QUARTER and count == 3:
        return PeriodKind.MONTH
    raise ValueError(f"{count} weights do not fit a {kind} goal")


def months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def day_allocation(
    versions: Sequence[Any],
    day: date,
    calendar: WorkCalendar,
    *,
    time_off: Iterable[tuple[date, date]] = (),
    start_date: date | None = None,
    fiscal_year_start_month: int = 1,
) -> Fraction:
    """What `day` carries of the goal, exactly."""
    version = version_on(versions, day)
    if version is None:
        return Fraction(0)
    if not is_working_day(day, calendar):
        return Fraction(0)
    if start_date is not None and day < start_date:
        return Fraction(0)
    if is_time_off(day, time_off):
        return Fraction(0)

    kind = PeriodKind(version.period_kind)
    target = period_target(version, day, fiscal_year_start_month)
    if kind is PeriodKind.DAY:
        return target
    if kind is PeriodKind.WEEK:
        return target / len(calendar.workweek)

    period = Period.containing(kind, day, fiscal_year_start_month)
    if not version.weights:
        return target / working_days_in(period.start, period.end, calendar)

    weights = [Fraction(w) for w in version.weights]
    part_kind = weighted_part_kind(kind, len(weights))
    offset = months_between(period.start, day)
    index = offset // 3 if part_kind is PeriodKind.QUARTER else offset
    part = Period.containing(part_kind, day, fiscal_year_start_month)
    assert period.start <= part.start and part.end <= period.end
    part_target = target * weights[index] / sum(weights)
    return part_target / working_days_in(part.start, part.end, calendar)


def day_allocations(
    versions: Sequence[Any],
    start: date,
    end: date,
    calendar: WorkCalendar,
    *,
    time_off: Iterable[tuple[date, date]] = (),
    start_date: date | None = None,
    fiscal_year_start_month: int = 1,
) -> dict[date, Fraction]:
    """Every day from start to end (inclusive) → its exact allocation."""
    time_off = tuple(time_off)
    return {
        d: day_allocation(
            versions,
            d,
            calendar,
            time_off=time_off,
            start_date=start_date,
            fiscal_year_start_month=fiscal_year_start_month,
        )
        for d in days_from(start, end)
    }


# --- pace ----------------------------------------------------------------------------------

PACE_FIELDS = (
    "target",
    "prorated_target",
    "actual",
    "expected",
    "expected_pct",
    "status",
    "pct",
    "needed_per_day",
    "forecast",
    "normal_days",
    "available_days",
    "completed_days",
    "remaining_days",
)


def reference_pace(
    allocations: Mapping[date, Fraction],
    actual: int,
    today: date,
    *,
    ahead_pct: int = 110,
    on_pace_pct: int = 90,
    behind_pct: int = 75,
    calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    """The pace of a span from its day allocations, as a dict of Pace's fields (status as
    its plain text, "on pace" etc.). normal_days needs the team's calendar; without one it
    is left out."""
    exact_target = sum(allocations.values(), Fraction(0))
    exact_expected = sum((a for d, a in allocations.items() if d < today), Fraction(0))
    target = round_half_up(exact_target)
    expected = round_half_up(exact_expected)

    carrying = [d for d, a in allocations.items() if a > 0]
    completed = [d for d in carrying if d < today]
    remaining = [d for d in carrying if d >= today]

    if actual >= target:
        status = "hit"
    elif expected == 0:
        status = "not started" if actual == 0 else "ahead"
    else:
        ratio = Fraction(actual, expected)
        if ratio >= Fraction(ahead_pct, 100):
            status = "ahead"
        elif ratio >= Fraction(on_pace_pct, 100):
            status = "on pace"
        elif ratio >= Fraction(behind_pct, 100):
            status = "behind"
        else:
            status = "at risk"

    if actual >= target:
        needed = 0
    elif remaining:
        needed = math.ceil(Fraction(target - actual, len(remaining)))
    else:
        needed = target - actual

    result: dict[str, Any] = {
        "target": target,
        "prorated_target": target,
        "actual": actual,
        "expected": expected,
        "expected_pct": min(100, expected * 100 // target) if target else 0,
        "status": status,
        "pct": actual * 100 // target if target else 100,
        "needed_per_day": needed,
        "forecast": round_half_up(actual * exact_target / exact_expected)
        if exact_expected > 0
        else actual,
        "available_days": len(carrying),
        "completed_days": len(completed),
        "remaining_days": len(remaining),
    }
    if calendar is not None:
        result["normal_days"] = sum(1 for d in allocations if is_working_day(d, calendar))
    return result
