"""A goal for one period seen in another: the share of a yearly goal in a quarter, of a
monthly goal in a week that spans two months, of a weekly goal in a month.

The share follows the team's normal working days (work week minus holidays), or explicit
weights per sub-period. A person's own time off is not applied here: pace prorates the
share by the person's available days, so applying it twice would count it twice.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from bot.core.allocation import largest_remainder
from bot.core.calendars import WorkCalendar, normal_days
from bot.core.errors import UserError
from bot.core.periods import Period, PeriodKind

Weight = int | Decimal | Fraction

# Which sub-periods a number of weights can mean, per goal kind. Weeks and days do not
# line up with months, so weights are for quarters and months only.
_WEIGHT_KINDS: dict[PeriodKind, dict[int, PeriodKind]] = {
    PeriodKind.YEAR: {4: PeriodKind.QUARTER, 12: PeriodKind.MONTH},
    PeriodKind.QUARTER: {3: PeriodKind.MONTH},
}

_ADJECTIVE = {
    PeriodKind.DAY: "daily",
    PeriodKind.WEEK: "weekly",
    PeriodKind.MONTH: "monthly",
    PeriodKind.QUARTER: "quarterly",
    PeriodKind.YEAR: "yearly",
}

WEIGHTS_EXAMPLE = "/goal set team:east revenue 1.2m/year weights 20,25,25,30"


def weights_kind(goal_kind: PeriodKind | str, weights: Sequence[Weight]) -> PeriodKind:
    """The sub-period kind a goal's weights are for (a yearly goal: 4 → quarters,
    12 → months; a quarterly goal: 3 → months), after checking every weight is > 0."""
    goal_kind = PeriodKind(goal_kind)
    options = _WEIGHT_KINDS.get(goal_kind)
    if options is None:
        raise UserError(
            f"Weights are for yearly and quarterly goals, not {_ADJECTIVE[goal_kind]} ones.",
            WEIGHTS_EXAMPLE,
        )
    if len(weights) not in options:
        wanted = " or ".join(f"{n} (one per {k})" for n, k in options.items())
        raise UserError(
            f"A {_ADJECTIVE[goal_kind]} goal takes {wanted} weights, not {len(weights)}.",
            WEIGHTS_EXAMPLE,
        )
    if any(Fraction(w) <= 0 for w in weights):
        raise UserError("Every weight must be greater than 0.", WEIGHTS_EXAMPLE)
    return options[len(weights)]


def parse_weights(text: str) -> tuple[Decimal, ...]:
    """'20,25,25,30' (or with spaces or '%' signs) as numbers; checks only the form, the
    count and sign are checked against the goal by weights_kind()."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    weights = []
    for part in parts:
        try:
            weight = Decimal(part.removesuffix("%"))
        except InvalidOperation:
            weight = None
        if weight is None or not weight.is_finite():
            raise UserError(f'"{part[:40]}" is not a number.', WEIGHTS_EXAMPLE)
        weights.append(weight)
    if not weights:
        raise UserError("Give one weight per sub-period.", WEIGHTS_EXAMPLE)
    return tuple(weights)


def sub_periods(period: Period, kind: PeriodKind | str) -> list[Period]:
    """The periods of `kind` that overlap `period`, in order. Weeks may reach outside it
    (a month starting on a Wednesday); quarters and months inherit its fiscal start."""
    found = [Period.containing(kind, period.start, period.fiscal_year_start_month)]
    while found[-1].end < period.end:
        found.append(found[-1].next())
    return found


def share_in(
    target: Weight,
    goal_period: Period,
    view: Period,
    calendar: WorkCalendar,
    weights: Sequence[Weight] | None = None,
) -> Fraction:
    """The exact part of `target` (the goal for `goal_period`) that falls in `view`:
    in proportion to normal working days, within each weighted sub-period when there are
    weights."""
    if weights:
        kind = weights_kind(goal_period.kind, weights)
        parts = sub_periods(goal_period, kind)
        total_weight = sum(Fraction(w) for w in weights)
        return sum(
            (
                Fraction(target) * Fraction(w) / total_weight * _day_fraction(part, view, calendar)
                for part, w in zip(parts, weights, strict=True)
            ),
            Fraction(0),
        )
    return Fraction(target) * _day_fraction(goal_period, view, calendar)


def view_share(
    target: Weight,
    goal_kind: PeriodKind | str,
    view: Period,
    calendar: WorkCalendar,
    weights: Sequence[Weight] | None = None,
) -> Fraction:
    """The exact amount a recurring goal (`target` per `goal_kind`) asks for in `view`:
    the sum of each overlapping goal period's share. A monthly goal in a week spanning
    two months gets that week's days of each month's goal; a daily goal in a week counts
    the working days only. Fiscal quarters and years follow
    `view.fiscal_year_start_month`."""
    return sum(
        (share_in(target, g, view, calendar, weights) for g in sub_periods(view, goal_kind)),
        Fraction(0),
    )


def view_target(
    target: int,
    goal_kind: PeriodKind | str,
    view: Period,
    calendar: WorkCalendar,
    weights: Sequence[Weight] | None = None,
) -> int:
    """view_share() in whole units, rounded half up: the target pace measures in `view`."""
    return _view_target(
        target,
        PeriodKind(goal_kind),
        view.kind,
        view.start,
        view.end,
        view.fiscal_year_start_month,
        calendar,
        tuple(weights) if weights else None,
    )


# Every rep of a team usually has the same goal shape: one computation serves them all.
# The fiscal start month is in the key because Period equality leaves it out.
@lru_cache(maxsize=4096)
def _view_target(
    target: int,
    goal_kind: PeriodKind,
    view_kind: PeriodKind,
    start: date,
    end: date,
    fiscal_year_start_month: int,
    calendar: WorkCalendar,
    weights: tuple[Weight, ...] | None,
) -> int:
    view = Period(view_kind, start, end, fiscal_year_start_month)
    share = view_share(target, goal_kind, view, calendar, weights)
    return math.floor(share + Fraction(1, 2))


def split_target(
    target: int,
    goal_period: Period,
    kind: PeriodKind | str,
    calendar: WorkCalendar,
    weights: Sequence[Weight] | None = None,
) -> list[tuple[Period, int]]:
    """The goal's target cut into the periods of `kind` that overlap `goal_period` (its
    quarters, months, weeks or days) in whole units that add up to exactly `target`,
    each within 1 of its exact share (largest remainder, see
    allocation.largest_remainder). Days nobody works owe nothing, so a period, or a
    weighted part, without a single working day gets 0 and the parts add up to less.

    With weights, the weighted parts are cut first, and when the periods of `kind` fit
    inside them (months in quarters, days in anything) each part's whole amount is cut
    next, so the months of a quarter set at 240 add up to 240 too (each month within 1
    of its share of that 240)."""
    kind = PeriodKind(kind)
    parts = sub_periods(goal_period, kind)
    if weights:
        groups = sub_periods(goal_period, weights_kind(goal_period.kind, weights))
        if all(any(_inside(p, g) for g in groups) for p in parts):
            result: list[tuple[Period, int]] = []
            for group, amount in zip(groups, largest_remainder(target, weights), strict=True):
                members = [p for p in parts if _inside(p, group)]
                shares = [amount * _day_fraction(group, p, calendar) for p in members]
                result.extend(zip(members, _apportion(shares), strict=True))
            return result
    shares = [share_in(target, goal_period, p, calendar, weights) for p in parts]
    return list(zip(parts, _apportion(shares), strict=True))


def _apportion(shares: list[Fraction]) -> list[int]:
    total = math.floor(sum(shares, Fraction(0)) + Fraction(1, 2))
    return largest_remainder(total, shares) if total else [0] * len(shares)


def _day_fraction(whole: Period, view: Period, calendar: WorkCalendar) -> Fraction:
    """The fraction of `whole`'s normal working days that fall in `view`. A period with
    no working day at all (a Saturday, a week the team is closed) owes nothing, as pace
    says, so it has no share to give."""
    if not whole.overlaps(view):
        return Fraction(0)
    worked = _worked_days(whole, calendar)
    if not worked:
        return Fraction(0)
    inside = bisect_right(worked, view.end) - bisect_left(worked, view.start)
    return Fraction(inside, len(worked))


# Splitting a year into days asks for the year's working days once per day: remember them.
@lru_cache(maxsize=256)
def _worked_days(period: Period, calendar: WorkCalendar) -> tuple[date, ...]:
    return tuple(normal_days(period, calendar))


def _inside(part: Period, whole: Period) -> bool:
    return whole.start <= part.start and part.end <= whole.end
