"""Suggesting and splitting targets: bottom-up from a rep's history, top-down from a
team's target to its members."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Generic, TypeVar

from bot.core.calendars import DateRange, WorkCalendar, available_days, normal_days
from bot.core.errors import UserError
from bot.core.periods import Period, PeriodKind

HISTORY_PERIODS = 12

K = TypeVar("K", bound=Hashable)
Number = int | Fraction | Decimal


def largest_remainder(total: int, weights: Sequence[Number]) -> list[int]:
    """Whole parts of `total` in proportion to `weights` that add up to exactly `total`
    (Hamilton's method): every part starts at the floor of its exact share, and the units
    left over go one each to the largest fractional remainders; equal remainders go to
    the earlier position, so the result never depends on anything but the input order.
    Each part is the floor or the ceiling of its exact share. All-zero weights split
    evenly."""
    if not weights:
        raise ValueError("nothing to split between")
    if total < 0:
        raise ValueError(f"total must be ≥ 0, not {total}")
    exact_weights = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact_weights):
        raise ValueError("weights must be ≥ 0")
    weight_sum = sum(exact_weights)
    if weight_sum == 0:
        exact_weights = [Fraction(1)] * len(weights)
        weight_sum = Fraction(len(weights))
    shares = [total * w / weight_sum for w in exact_weights]
    parts = [math.floor(s) for s in shares]
    left = total - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def percentile(values: Sequence[Number], pct: Number) -> Fraction:
    """The pct-th percentile with linear interpolation between closest ranks, as numpy's
    default (method="linear", Hyndman & Fan type 7): sort, take position
    (n − 1) × pct / 100, and interpolate between the values either side of it."""
    if not values:
        raise ValueError("no values")
    if not 0 <= pct <= 100:
        raise ValueError(f"pct must be 0..100, not {pct}")
    ordered = sorted(Fraction(v) for v in values)
    position = (len(ordered) - 1) * Fraction(pct) / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def median(values: Sequence[Number]) -> Fraction:
    return percentile(values, 50)


@dataclass(frozen=True)
class Suggestion:
    """A bottom-up target suggestion from a rep's history: `median` and `p80` (the 80th
    percentile) of the last `periods` complete periods, each rounded up to whole units."""

    median: int
    p80: int
    periods: int


def suggest(history: Sequence[int], max_periods: int = HISTORY_PERIODS) -> Suggestion:
    """Median and 80th percentile (linear interpolation, see percentile()) of the last
    `max_periods` complete periods, rounded up to whole units. `history` holds one total
    per complete period, oldest first: pass `History.totals` (person_history()), which
    leaves out periods before the rep started and periods with under half their working
    days (a zero week while at work is real history and stays in)."""
    recent = list(history)[-max_periods:] if max_periods > 0 else []
    if not recent:
        raise UserError(
            "There is no complete period of history yet to suggest from; set a goal "
            "directly instead.",
            "/goal set @maria calls 60/week",
        )
    return Suggestion(
        median=math.ceil(median(recent)),
        p80=math.ceil(percentile(recent, 80)),
        periods=len(recent),
    )


class LeftOutBecause(StrEnum):
    """What took a left-out period's working days away (a period can have both)."""

    TIME_OFF = "time off"
    STARTED = "started mid-period"


@dataclass(frozen=True)
class HistoryPeriod:
    """One complete period of a person's history: their total, the team's normal working
    days in it (work-week days minus holidays), the person's available days (those minus
    their time off and the days before their start date), and what took days away."""

    period: Period
    total: int
    normal_days: int
    available_days: int
    because: frozenset[LeftOutBecause] = frozenset()

    @property
    def used(self) -> bool:
        return has_enough_days(self.available_days, self.normal_days)


def has_enough_days(available: int, normal: int) -> bool:
    """A period counts as history when the person had at least half the team's normal
    working days in it: exactly half stays in (2 of 4 in a holiday week), under half is
    left out (a vacation week). A period without normal working days (a weekend day)
    leaves nobody short and stays in."""
    return 2 * available >= normal


@dataclass(frozen=True)
class History:
    """A person's history over a window of complete periods, oldest first: the periods
    from the first one with activity on or after their start date (periods before the rep
    started, and leading periods with nothing logged, are not history at all). `used` are
    the periods suggestions and splits count; `left_out` had under half the working days."""

    periods: tuple[HistoryPeriod, ...]

    @property
    def used(self) -> tuple[HistoryPeriod, ...]:
        return tuple(p for p in self.periods if p.used)

    @property
    def left_out(self) -> tuple[HistoryPeriod, ...]:
        return tuple(p for p in self.periods if not p.used)

    @property
    def totals(self) -> list[int]:
        """The totals of the periods used, oldest first (for suggest())."""
        return [p.total for p in self.used]

    @property
    def average(self) -> Fraction | None:
        """The average total per period used (a split's weight), None without any."""
        used = self.used
        return Fraction(sum(p.total for p in used), len(used)) if used else None

    def left_out_note(self, unit: PeriodKind | str) -> str | None:
        """'1 left out: under half the working days, time off' (None when none was):
        how many periods were left out and why, `unit` naming the period kind."""
        left_out = self.left_out
        if not left_out:
            return None
        because = frozenset().union(*(p.because for p in left_out))
        words = [
            f"started mid-{PeriodKind(unit).value}"
            if reason is LeftOutBecause.STARTED
            else reason.value
            for reason in LeftOutBecause
            if reason in because
        ]
        why = " and ".join(words)
        return f"{len(left_out)} left out: under half the working days" + (
            f", {why}" if why else ""
        )


def person_history(
    periods: Sequence[Period],
    totals: Sequence[int],
    calendar: WorkCalendar,
    time_off: Iterable[DateRange] = (),
    start_date: date | None = None,
) -> History:
    """A person's History from one total per period (`periods` oldest first), their team's
    calendar (people without a team: Mon–Fri, no holidays), their time off (inclusive
    ranges) and start date. Periods that end before the start date, then leading periods
    with a total of 0, are not history; each remaining period is used when the person had
    at least half its normal working days (has_enough_days())."""
    if len(periods) != len(totals):
        raise ValueError("one total per period")
    ranges = tuple(time_off)
    pairs = [
        (period, total)
        for period, total in zip(periods, totals, strict=True)
        if start_date is None or period.end >= start_date
    ]
    while pairs and pairs[0][1] == 0:
        pairs.pop(0)
    found = []
    for period, total in pairs:
        normal = normal_days(period, calendar)
        at_work = [d for d in normal if start_date is None or d >= start_date]
        available = available_days(period, calendar, ranges, start_date)
        because = set()
        if len(at_work) < len(normal):
            because.add(LeftOutBecause.STARTED)
        if len(available) < len(at_work):
            because.add(LeftOutBecause.TIME_OFF)
        found.append(HistoryPeriod(period, total, len(normal), len(available), frozenset(because)))
    return History(tuple(found))


def split_weight(history: History, start_date: date | None, window_start: date) -> Fraction | None:
    """A member's weight in a split by history: their average per period used, so periods
    left out for time off neither count as zeros nor shrink the share. None — a new rep,
    for whom the team median stands in — when they started inside the window (after its
    first day) or have no period used."""
    if start_date is not None and start_date > window_start:
        return None
    return history.average


def last_complete_periods(
    kind: PeriodKind | str,
    today: date,
    count: int = HISTORY_PERIODS,
    fiscal_year_start_month: int = 1,
) -> list[Period]:
    """The `count` periods of `kind` before the one containing `today`, oldest first."""
    periods: list[Period] = []
    period = Period.containing(kind, today, fiscal_year_start_month)
    for _ in range(count):
        period = period.previous()
        periods.append(period)
    return periods[::-1]


class SplitBasis(StrEnum):
    """Why a member got their share (shown in the reply next to each amount)."""

    HISTORY = "history"
    TEAM_MEDIAN = "team median"
    EVEN = "even"


@dataclass(frozen=True)
class MemberShare(Generic[K]):
    member: K
    amount: int
    basis: SplitBasis


def split_evenly(target: int, members: Sequence[K]) -> list[MemberShare[K]]:
    """Equal parts adding up to `target`; the leftover units go to the first members,
    so pass members in a stable order (e.g. by user id)."""
    _check_split(target, members)
    parts = largest_remainder(target, [1] * len(members))
    return [MemberShare(m, p, SplitBasis.EVEN) for m, p in zip(members, parts, strict=True)]


def split_by_history(
    target: int, history: Sequence[tuple[K, Number | None]]
) -> list[MemberShare[K]]:
    """Parts of `target` in proportion to each member's history weight (their average per
    period used, split_weight(), or any total). A member with no history (None) counts as
    the median of the others' weights. When nobody has any history, or every total is 0, the split is even.
    Parts add up to exactly `target`; ties go to the earlier member."""
    members = [m for m, _ in history]
    _check_split(target, members)
    known = [total for _, total in history if total is not None]
    if not known or not any(known):
        return split_evenly(target, members)
    stand_in = median(known)
    weights = [stand_in if total is None else Fraction(total) for _, total in history]
    parts = largest_remainder(target, weights)
    return [
        MemberShare(m, p, SplitBasis.TEAM_MEDIAN if total is None else SplitBasis.HISTORY)
        for (m, total), p in zip(history, parts, strict=True)
    ]


def _check_split(target: int, members: Sequence[object]) -> None:
    if not members:
        raise UserError(
            "This team has no members to split the target between; add members first.",
            "/team add east @maria @bo",
        )
    if target < 0:
        raise UserError(
            "A target cannot be negative.", "/goal split team:east revenue 300k/quarter evenly"
        )
    if len(set(members)) != len(members):
        raise ValueError("members must be distinct")
