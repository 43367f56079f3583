"""Pace: how far along a person should be on a goal, and what it takes to hit it.

One definition (docs/pace.md), used by every surface: bot/core/targets.py sums a span's day
allocations exactly, and pace_of_sums() turns those sums into whole units (counts, or cents
for money) rounded as documented per field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.errors import UserError

if TYPE_CHECKING:
    from bot.core.targets import SpanSums


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
    """A person's (or team's) pace on one goal in one span.

    target           the span's target: the sum of its days' allocations, rounded half up
    prorated_target  the same figure, under the name the renderers and the digest's chart read
    actual           amount logged so far in the span
    expected         the sum of the allocations of the span's completed days, rounded half up
    expected_pct     expected as a percent of target, rounded down (0..100)
    status           see PaceStatus and _status(): measured against the rounded figures
                     shown, so the words never contradict the numbers
    pct              actual as a percent of target, rounded down, so 100 means hit; 100 when
                     nothing is owed (target 0)
    needed_per_day   whole units a day, over the remaining days that carry a target, to hit
    forecast         actual ÷ expected × target (exact until rounded); `actual` while
                     nothing is expected yet
    normal_days      the team's working days in the span
    available_days   days of the span that carry a target for this person
    completed_days   of those, the days that have ended in the team's time zone
    remaining_days   of those, today and the days after it
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
        """What is still missing to hit the target."""
        return max(0, self.target - self.actual)

    @property
    def gap_to_expected(self) -> int:
        """How far behind the expected amount the person is (0 when level or ahead)."""
        return max(0, self.expected - self.actual)

    @property
    def nothing_to_do(self) -> bool:
        """True when no day of the span carries a target for them (time off throughout,
        not started, left, or a span the team does not work): they are excused, and
        celebrations, nudges and all-or-nothing counts skip them."""
        return self.available_days == 0

    @property
    def few_to_go(self) -> bool:
        """Less than one unit a day is still needed: "3 more to hit it" reads better than
        "1/day"."""
        return 0 < self.to_go <= self.remaining_days


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """The date it is in `tz` at the instant `now`: days before it have ended there."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


def round_half_up(value: Fraction) -> int:
    # In integers: a team report rounds a few figures for every person and goal.
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def needed_per_day(target: int, actual: int, remaining: int) -> int:
    """ceil((target − actual) / remaining days, today included); 0 once hit; the whole
    gap when no day remains (it is still owed, and saying 0 would read as done)."""
    gap = target - actual
    if gap <= 0:
        return 0
    if remaining <= 0:
        return gap
    return -(-gap // remaining)


def pace_of_sums(
    sums: SpanSums, actual: int, thresholds: PaceThresholds = DEFAULT_THRESHOLDS
) -> Pace:
    """Pace from a span's exact sums (bot.core.targets.span_sums)."""
    target = round_half_up(sums.target)
    expected = round_half_up(sums.expected)
    remaining = sums.carrying_days - sums.completed_days
    if sums.expected > 0:
        # actual × target ÷ expected, rounded half up, without building Fractions.
        top = actual * sums.target.numerator * sums.expected.denominator
        bottom = sums.target.denominator * sums.expected.numerator
        forecast = (2 * top + bottom) // (2 * bottom)
    else:
        forecast = actual
    return Pace(
        target=target,
        prorated_target=target,
        actual=actual,
        expected=expected,
        expected_pct=min(100, expected * 100 // target) if target else 0,
        status=_status(actual, target, expected, thresholds),
        pct=actual * 100 // target if target else 100,
        needed_per_day=needed_per_day(target, actual, remaining),
        forecast=forecast,
        normal_days=sums.normal_days,
        available_days=sums.carrying_days,
        completed_days=sums.completed_days,
        remaining_days=remaining,
    )


def status_once_over(
    target: Fraction, actual: int, thresholds: PaceThresholds = DEFAULT_THRESHOLDS
) -> PaceStatus:
    """The status of a span that has ended (every day completed, so expected = target)."""
    shown = round_half_up(target)
    return _status(actual, shown, shown, thresholds)


def status_of(
    actual: int, target: int, expected: int, thresholds: PaceThresholds = DEFAULT_THRESHOLDS
) -> PaceStatus:
    """The status of whole-unit figures as shown (a sum of several goals, for instance)."""
    return _status(actual, target, expected, thresholds)


def _status(actual: int, target: int, expected: int, thresholds: PaceThresholds) -> PaceStatus:
    """Hit once actual ≥ target; not started while expected and actual are both 0; ahead
    when something is done before anything is expected; else actual ÷ expected against the
    thresholds. All in the whole units shown."""
    if actual >= target:
        return PaceStatus.HIT
    if expected <= 0:
        return PaceStatus.NOT_STARTED if actual <= 0 else PaceStatus.AHEAD
    scaled = actual * 100
    if scaled >= thresholds.ahead_pct * expected:
        return PaceStatus.AHEAD
    if scaled >= thresholds.on_pace_pct * expected:
        return PaceStatus.ON_PACE
    if scaled >= thresholds.behind_pct * expected:
        return PaceStatus.BEHIND
    return PaceStatus.AT_RISK
