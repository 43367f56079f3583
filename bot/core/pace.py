"""Pace: how far along a person should be on a goal, and what it takes to hit it.

One definition (SPEC §4), used by every surface. All arithmetic is exact (Fraction);
results are whole units (counts, or cents for money) rounded as documented per field.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.core.calendars import DateRange, WorkCalendar, available_days, normal_days
from bot.core.errors import UserError
from bot.core.periods import Period


class PaceStatus(StrEnum):
    HIT = "hit"
    AHEAD = "ahead"
    ON_PACE = "on pace"
    BEHIND = "behind"
    AT_RISK = "at risk"
    NOT_STARTED = "not started"


@dataclass(frozen=True)
class PaceThresholds:
    """A team's status thresholds, in percent of the expected amount: at least
    `ahead_pct` is ahead, at least `on_pace_pct` on pace, at least `behind_pct` behind,
    anything less at risk."""

    ahead_pct: int = 110
    on_pace_pct: int = 90
    behind_pct: int = 75

    def __post_init__(self) -> None:
        if not 0 < self.behind_pct < self.on_pace_pct < self.ahead_pct <= 1000:
            raise UserError(
                "Pace thresholds must go down from ahead to on pace to behind, all above 0% "
                f"(got ahead {self.ahead_pct}%, on pace {self.on_pace_pct}%, "
                f"behind {self.behind_pct}%).",
                "/team set east thresholds 110,90,75",
            )


DEFAULT_THRESHOLDS = PaceThresholds()


@dataclass(frozen=True)
class Pace:
    """A person's pace on one goal in one period.

    target           the goal's amount for the whole period, as set
    prorated_target  target × available / normal working days, rounded half up; this is
                     what `actual` is measured against everywhere below
    actual           amount logged so far in the period
    expected         prorated_target × completed / available days, rounded half up
                     (status uses the exact value)
    expected_pct     expected as a percent of prorated_target, rounded down (0..100)
    status           see PaceStatus and pace_status()
    pct              actual as a percent of prorated_target, rounded down, so 100 means
                     hit; 100 when nothing is owed (prorated_target 0)
    needed_per_day   whole units a day, over the remaining available days, to hit
    forecast         run rate: actual / completed × available days, rounded half up;
                     just `actual` before any available day has been completed
    normal_days      the team's working days in the period
    available_days   the person's working days in the period
    completed_days   available days that have ended in the team's time zone
    remaining_days   available days from today on (today included)
    """

    target: int
    prorated_target: int
    actual: int
    expected: int
    expected_pct: int
    status: PaceStatus
    pct: int
    needed_per_day: int
    forecast: int
    normal_days: int
    available_days: int
    completed_days: int
    remaining_days: int

    @property
    def to_go(self) -> int:
        """What is still missing to hit the (prorated) target."""
        return max(0, self.prorated_target - self.actual)

    @property
    def gap_to_expected(self) -> int:
        """How far behind the expected amount the person is (0 when level or ahead)."""
        return max(0, self.expected - self.actual)

    @property
    def nothing_to_do(self) -> bool:
        """True when the person has no available day in the period (all time off, not
        started yet, or a period the team does not work): status is HIT only because
        nothing is owed, so celebrations and nudges should skip them."""
        return self.available_days == 0


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """The date it is in `tz` at the instant `now`: days before it have ended there."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


def prorated_target(target: int, available: int, normal: int) -> int:
    """target × available / normal working days, rounded half up. A period with no
    normal working days owes nothing (there is no day to do it on)."""
    if normal <= 0 or available <= 0:
        return 0
    return _round_half_up(Fraction(target * available, normal))


def expected(target: int, completed: int, available: int) -> Fraction:
    """Where the person should be after `completed` of `available` days: exact."""
    if available <= 0:
        return Fraction(0)
    return Fraction(target * completed, available)


def pace_status(
    actual: int,
    target: int,
    expected_amount: Fraction,
    thresholds: PaceThresholds = DEFAULT_THRESHOLDS,
) -> PaceStatus:
    """Hit once actual ≥ target (before anything else, so a zero target is hit);
    not started while nothing is expected yet; else actual / expected against the
    thresholds."""
    if actual >= target:
        return PaceStatus.HIT
    if expected_amount <= 0:
        return PaceStatus.NOT_STARTED
    # actual / expected ≥ pct / 100, without dividing.
    if actual * 100 >= thresholds.ahead_pct * expected_amount:
        return PaceStatus.AHEAD
    if actual * 100 >= thresholds.on_pace_pct * expected_amount:
        return PaceStatus.ON_PACE
    if actual * 100 >= thresholds.behind_pct * expected_amount:
        return PaceStatus.BEHIND
    return PaceStatus.AT_RISK


def needed_per_day(target: int, actual: int, remaining: int) -> int:
    """ceil((target − actual) / remaining days, today included); 0 once hit; the whole
    gap when no day remains (it is still owed, and saying 0 would read as done)."""
    gap = target - actual
    if gap <= 0:
        return 0
    if remaining <= 0:
        return gap
    return -(-gap // remaining)


def forecast(actual: int, completed: int, available: int) -> int:
    """Run rate: actual / completed × available days, rounded half up. With no completed
    day there is no rate yet, so the forecast is what is already logged."""
    if completed <= 0:
        return actual
    return _round_half_up(Fraction(actual * available, completed))


def pace_from_days(
    *,
    target: int,
    actual: int,
    available: Sequence[date],
    normal_count: int,
    today: date,
    thresholds: PaceThresholds = DEFAULT_THRESHOLDS,
) -> Pace:
    """Pace from a person's available days (see calendars.available_days, sorted) and
    the count of the team's normal working days in the period. Completed days are the
    available days strictly before `today` (the local date in the team's time zone).

    The same figures as prorated_target(), expected(), pace_status() and forecast(), in
    integer arithmetic: a team report computes this for every person and goal, and
    Fractions made up most of its time."""
    if target < 0:
        raise ValueError(f"target must be ≥ 0, not {target}")
    days = len(available)
    owed = _owed(target, days, normal_count)
    completed = bisect_left(available, today)
    remaining = days - completed
    # exact expected = owed × completed / days; compared without dividing.
    expected_numerator = owed * completed
    return Pace(
        target=target,
        prorated_target=owed,
        actual=actual,
        expected=(2 * expected_numerator + days) // (2 * days) if days else 0,
        expected_pct=completed * 100 // days if owed else 0,
        status=_status(actual, owed, expected_numerator, days, thresholds),
        pct=actual * 100 // owed if owed else 100,
        needed_per_day=needed_per_day(owed, actual, remaining),
        forecast=(2 * actual * days + completed) // (2 * completed) if completed > 0 else actual,
        normal_days=normal_count,
        available_days=days,
        completed_days=completed,
        remaining_days=remaining,
    )


def _owed(target: int, days: int, normal_count: int) -> int:
    """prorated_target() in integers: target × days ÷ normal days, rounded half up."""
    return (2 * target * days + normal_count) // (2 * normal_count) if normal_count > 0 and days > 0 else 0


def status_once_over(
    *, target: int, actual: int, available_count: int, normal_count: int, thresholds: PaceThresholds = DEFAULT_THRESHOLDS
) -> PaceStatus:
    """pace_from_days(...).status once the period is over (every available day completed),
    from the counts of days alone: a streak asks this of up to eight past weeks of every
    goal behind, and building each whole Pace made up most of the lagging alert's time."""
    owed = _owed(target, available_count, normal_count)
    return _status(actual, owed, owed * available_count, available_count, thresholds)


def _status(actual: int, owed: int, expected_numerator: int, days: int, thresholds: PaceThresholds) -> PaceStatus:
    """pace_status() with expected = expected_numerator / days, multiplied out."""
    if actual >= owed:
        return PaceStatus.HIT
    if expected_numerator <= 0 or days <= 0:
        return PaceStatus.NOT_STARTED
    scaled = actual * 100 * days
    if scaled >= thresholds.ahead_pct * expected_numerator:
        return PaceStatus.AHEAD
    if scaled >= thresholds.on_pace_pct * expected_numerator:
        return PaceStatus.ON_PACE
    if scaled >= thresholds.behind_pct * expected_numerator:
        return PaceStatus.BEHIND
    return PaceStatus.AT_RISK


def compute_pace(
    *,
    target: int,
    actual: int,
    period: Period,
    calendar: WorkCalendar,
    today: date | None = None,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    time_off: Iterable[DateRange] = (),
    start_date: date | None = None,
    thresholds: PaceThresholds = DEFAULT_THRESHOLDS,
) -> Pace:
    """The pace of one person on one goal in one period.

    Give either `today` (the local date in the team's time zone) or `now` (an aware
    instant) with the team's `tz`. `time_off` holds the person's inclusive date ranges;
    `start_date` is when they joined (or when the goal took effect, whichever is later)."""
    if today is None:
        if now is None or tz is None:
            raise ValueError("give today, or now with tz")
        today = local_today(now, tz)
    elif now is not None:
        raise ValueError("give today or now, not both")
    return pace_from_days(
        target=target,
        actual=actual,
        available=available_days(period, calendar, time_off, start_date),
        normal_count=len(normal_days(period, calendar)),
        today=today,
        thresholds=thresholds,
    )


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))
