"""Targets as day allocations (docs/pace.md): every version of a goal spreads its target over
days, and the target of any span is the sum of its days. The one implementation of that
rule; pace (bot/core/pace.py) turns a span's sums into the figures every surface shows.

- Week and day goals are rates: each working day carries target ÷ work-week days (a day
  goal: its target), so a holiday takes its day's share away.
- Month, quarter and year goals are totals: the period's target (after weights) is spread
  over that period's working days, so a holiday moves its share to the other days.
- A day carries nothing outside the team's working days, before the person's start, in
  their time off, or where no version of the goal is in force.

Sums are exact (Fraction). A span is cut into runs of days that share one rate, and each
run is counted with a bisect over the calendar's working days, so a team's year view costs
a few dozen operations per person, not one per day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.core.calendars import WorkCalendar
from bot.core.periods import Period, PeriodKind
from bot.core.ramps import periods_between, ramp_target

if TYPE_CHECKING:
    from bot.core.pace import Pace, PaceThresholds

DateRange = tuple[date, date]
_TOTALS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
_WEIGHT_PARTS: dict[tuple[PeriodKind, int], PeriodKind] = {
    (PeriodKind.YEAR, 4): PeriodKind.QUARTER,
    (PeriodKind.YEAR, 12): PeriodKind.MONTH,
    (PeriodKind.QUARTER, 3): PeriodKind.MONTH,
}


@dataclass(frozen=True)
class VersionShape:
    """What a version's allocation depends on: not its owner or id, so every rep with the
    same goal shares one cached computation."""

    period_kind: PeriodKind
    target: int
    start: date
    end: date | None
    weights: tuple | None = None
    ramp_last: int | None = None
    ramp_step: int | None = None

    @staticmethod
    def of(version: object) -> VersionShape:
        """From a GoalSpec (or anything with its fields)."""
        if isinstance(version, VersionShape):
            return version
        ramp = getattr(version, "kind", None) == "ramp"
        return VersionShape(
            PeriodKind(version.period_kind),  # type: ignore[attr-defined]
            int(version.target or 0),  # type: ignore[attr-defined]
            version.start,  # type: ignore[attr-defined]
            version.end,  # type: ignore[attr-defined]
            tuple(version.weights) if version.weights else None,  # type: ignore[attr-defined]
            version.ramp_last if ramp else None,  # type: ignore[attr-defined]
            version.ramp_step if ramp else None,  # type: ignore[attr-defined]
        )

    def target_in(self, period: Period) -> int:
        """The version's target for one period of its kind: a ramp's step for it (the first
        step before the ramp begins), else the target."""
        if self.ramp_last is None or not self.ramp_step:
            return self.target
        first = Period.containing(self.period_kind, self.start, period.fiscal_year_start_month)
        index = max(0, periods_between(first, period))
        return ramp_target(self.target, self.ramp_last, self.ramp_step, index)


@dataclass(frozen=True)
class SpanSums:
    """What pace needs of one goal in one span for one person (or team): exact target and
    expected, and the days that carry a target."""

    target: Fraction
    expected: Fraction
    carrying_days: int
    completed_days: int
    normal_days: int

    @property
    def remaining_days(self) -> int:
        return self.carrying_days - self.completed_days


# --- the calendar's working days, counted fast -------------------------------------------------


@lru_cache(maxsize=512)
def _year_workdays(calendar: WorkCalendar, year: int) -> tuple[date, ...]:
    day, last, found = date(year, 1, 1), date(year, 12, 31), []
    while day <= last:
        if calendar.is_workday(day):
            found.append(day)
        day += timedelta(days=1)
    return tuple(found)


def count_workdays(calendar: WorkCalendar, first: date, last: date) -> int:
    """The team's working days (work week minus holidays) in [first, last]."""
    if last < first:
        return 0
    total = 0
    for year in range(first.year, last.year + 1):
        days = _year_workdays(calendar, year)
        total += bisect_right(days, last) - bisect_left(days, first)
    return total


# --- one version's amount over a run of days ----------------------------------------------------


def _parts(period: Period, weights: tuple | None) -> list[tuple[Period, Fraction]]:
    """A total goal's period cut into its weighted parts, each with its share of the target."""
    if not weights:
        return [(period, Fraction(1))]
    kind = _WEIGHT_PARTS.get((period.kind, len(weights)))
    if kind is None:
        return [(period, Fraction(1))]
    total = sum(Fraction(w) for w in weights)
    parts, part = [], Period.containing(kind, period.start, period.fiscal_year_start_month)
    for weight in weights:
        parts.append((part, Fraction(weight) / total))
        part = part.next()
    return parts


def _periods(kind: PeriodKind, first: date, last: date, fiscal: int) -> Iterable[Period]:
    period = Period.containing(kind, first, fiscal)
    while period.start <= last:
        yield period
        period = period.next()


@lru_cache(maxsize=65536)
def _amount(
    shape: VersionShape, first: date, last: date, calendar: WorkCalendar, fiscal: int
) -> tuple[Fraction, int]:
    """(exact amount, days carrying it) of `shape` over [first, last], which must lie
    within the version's own dates."""
    if last < first:
        return Fraction(0), 0
    kind = shape.period_kind
    ramped = shape.ramp_last is not None and bool(shape.ramp_step)
    if not ramped:
        if not shape.target:
            return Fraction(0), 0
        # The same for every target: one computation serves every rep with this shape.
        unit, days = _unit_amount(kind, shape.weights, first, last, calendar, fiscal)
        return unit * shape.target, days
    # A ramp: each of its periods at that period's step.
    amount, carrying = Fraction(0), 0
    for period in _periods(kind, first, last, fiscal):
        target = shape.target_in(period)
        if target:
            unit, days = _unit_amount(
                kind,
                shape.weights,
                max(first, period.start),
                min(last, period.end),
                calendar,
                fiscal,
            )
            amount += unit * target
            carrying += days
    return amount, carrying


@lru_cache(maxsize=65536)
def _unit_amount(
    kind: PeriodKind,
    weights: tuple | None,
    first: date,
    last: date,
    calendar: WorkCalendar,
    fiscal: int,
) -> tuple[Fraction, int]:
    """(amount, days) of a goal of 1 per `kind` over [first, last]."""
    if kind not in _TOTALS:
        days = count_workdays(calendar, first, last)
        rate = Fraction(1, len(calendar.workweek)) if kind is PeriodKind.WEEK else Fraction(1)
        return rate * days, days
    amount, carrying = Fraction(0), 0
    for period in _periods(kind, first, last, fiscal):
        low, high = max(first, period.start), min(last, period.end)
        for part, share in _parts(period, weights):
            inside = count_workdays(calendar, max(low, part.start), min(high, part.end))
            if inside:
                amount += share * Fraction(inside, count_workdays(calendar, part.start, part.end))
                carrying += inside
    return amount, carrying


# --- a goal (its versions) for one person in one span -----------------------------------------------


def _in_force(
    versions: Sequence[object], first: date, last: date
) -> list[tuple[VersionShape, date, date]]:
    """Each version's own days within [first, last]: where two overlap (they should not),
    the later start wins from its start on."""
    shapes = sorted((VersionShape.of(v) for v in versions), key=lambda s: s.start)
    runs = []
    for index, shape in enumerate(shapes):
        low = max(first, shape.start)
        high = min(last, shape.end or date.max)
        if index + 1 < len(shapes):
            high = min(high, shapes[index + 1].start - timedelta(days=1))
        if low <= high:
            runs.append((shape, low, high))
    return runs


def _minus(runs: list[tuple[date, date]], holes: Iterable[DateRange]) -> list[tuple[date, date]]:
    for hole_first, hole_last in holes:
        if hole_last < hole_first:
            continue
        cut = []
        for first, last in runs:
            if hole_last < first or hole_first > last:
                cut.append((first, last))
                continue
            if first < hole_first:
                cut.append((first, hole_first - timedelta(days=1)))
            if hole_last < last:
                cut.append((hole_last + timedelta(days=1), last))
        runs = cut
    return runs


def span_sums(
    versions: Sequence[object],
    start: date,
    end: date,
    calendar: WorkCalendar,
    today: date,
    *,
    time_off: Iterable[DateRange] = (),
    start_date: date | None = None,
    fiscal_year_start_month: int = 1,
) -> SpanSums:
    """The sums pace needs for a goal (all its versions) over [start, end] for one person
    (`time_off`, `start_date`) or a team (neither). Completed days are those before `today`."""
    return _span_sums(
        tuple(VersionShape.of(v) for v in versions),
        start,
        end,
        calendar,
        today,
        tuple(sorted(time_off)),
        start_date,
        fiscal_year_start_month,
    )


@lru_cache(maxsize=16384)
def _span_sums(
    shapes: tuple[VersionShape, ...],
    start: date,
    end: date,
    calendar: WorkCalendar,
    today: date,
    time_off: tuple[DateRange, ...],
    start_date: date | None,
    fiscal: int,
) -> SpanSums:
    target, expected, carrying, completed = Fraction(0), Fraction(0), 0, 0
    first = max(start, start_date) if start_date else start
    yesterday = today - timedelta(days=1)
    for shape, low, high in _in_force(shapes, first, end):
        for run_first, run_last in _minus([(low, high)], time_off):
            amount, days = _amount(shape, run_first, run_last, calendar, fiscal)
            target += amount
            carrying += days
            if run_first <= yesterday:
                done, done_days = _amount(
                    shape, run_first, min(run_last, yesterday), calendar, fiscal
                )
                expected += done
                completed += done_days
    return SpanSums(target, expected, carrying, completed, count_workdays(calendar, start, end))


def day_allocations(
    versions: Sequence[object],
    start: date,
    end: date,
    calendar: WorkCalendar,
    *,
    time_off: Iterable[DateRange] = (),
    start_date: date | None = None,
    fiscal_year_start_month: int = 1,
) -> dict[date, Fraction]:
    """Every day of [start, end] with its exact allocation (0 for a day carrying nothing):
    the definition spelled out day by day, for tests and for anyone who wants to see it."""
    found: dict[date, Fraction] = {}
    day = start
    off = tuple(time_off)
    while day <= end:
        sums = span_sums(
            versions,
            day,
            day,
            calendar,
            day,
            time_off=off,
            start_date=start_date,
            fiscal_year_start_month=fiscal_year_start_month,
        )
        found[day] = sums.target
        day += timedelta(days=1)
    return found


def pace_of_allocations(
    allocations: Mapping[date, Fraction],
    actual: int,
    today: date,
    thresholds: PaceThresholds | None = None,
    calendar: WorkCalendar | None = None,
) -> Pace:
    """Pace from explicit day allocations (the same rules as span_sums + pace_of_sums).
    `normal_days` counts the team's working days of the allocations' days when `calendar`
    is given, else the days that carry a target."""
    from bot.core.pace import DEFAULT_THRESHOLDS, pace_of_sums

    carrying = [d for d, a in allocations.items() if a > 0]
    sums = SpanSums(
        target=sum(allocations.values(), Fraction(0)),
        expected=sum((a for d, a in allocations.items() if d < today), Fraction(0)),
        carrying_days=len(carrying),
        completed_days=sum(1 for d in carrying if d < today),
        normal_days=sum(1 for d in allocations if calendar.is_workday(d))
        if calendar
        else len(carrying),
    )
    return pace_of_sums(sums, actual, thresholds or DEFAULT_THRESHOLDS)
