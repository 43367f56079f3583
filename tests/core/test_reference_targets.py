"""Hand-computed examples for the reference in reference_targets.py (SPEC §4): the reference
must be right on its own before it can hold the engine to anything. These never touch
bot.core.targets, so they run whatever state the engine is in."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from bot.core.calendars import WorkCalendar
from bot.core.periods import Period, PeriodKind
from tests.core.reference_targets import (
    day_allocations,
    days_from,
    periods_apart,
    reference_pace,
    round_half_up,
    working_days_in,
)

PLAIN = WorkCalendar()
US = WorkCalendar(country="US")
SUN_THU = WorkCalendar(workweek=(6, 0, 1, 2, 3))


@dataclass(frozen=True)
class Version:
    """The fields of bot.core.standings.GoalSpec the definition reads. Not GoalSpec itself,
    so these tests run whatever state the engine (which standings imports) is in."""

    kind: str
    period_kind: PeriodKind
    target: int | None
    start: date
    end: date | None = None
    weights: tuple[Decimal, ...] | None = None
    ramp_last: int | None = None
    ramp_step: int | None = None


def goal(target, kind="week", start=date(2026, 1, 1), end=None, goal_kind="individual", **kw):
    return Version(goal_kind, PeriodKind(kind), target, start, end, **kw)


def total(versions, first, last, calendar=US, **kw):
    return sum(day_allocations(versions, first, last, calendar, **kw).values(), Fraction(0))


def period(kind, day, fiscal_year_start_month=1):
    return Period.containing(kind, day, fiscal_year_start_month)


def clipped_parts(kind, first, last):
    """(start, end) of each period of `kind` overlapping first..last, clipped to it."""
    parts = []
    day = first
    while day <= last:
        p = period(kind, day)
        parts.append((max(p.start, first), min(p.end, last)))
        day = p.end + timedelta(days=1)
    return parts


# --- the calendar the examples rely on -------------------------------------------------------


def test_us_november_and_december_2026_working_days():
    # November loses Veterans Day and Thanksgiving, December Christmas.
    assert working_days_in(date(2026, 11, 1), date(2026, 11, 30), US) == 19
    assert working_days_in(date(2026, 12, 1), date(2026, 12, 31), US) == 22
    assert working_days_in(date(2026, 1, 1), date(2026, 11, 1), US) == 209
    assert working_days_in(date(2026, 1, 1), date(2026, 12, 31), US) == 250


# --- week goals are rates --------------------------------------------------------------------


def test_sixty_a_week_is_48_in_thanksgiving_week():
    days = day_allocations([goal(60)], date(2026, 11, 23), date(2026, 11, 29), US)
    assert list(days.values()) == [12, 12, 12, 0, 12, 0, 0]  # Thu 26 is Thanksgiving
    assert sum(days.values()) == 48


def test_sixty_a_week_is_36_with_a_holiday_and_a_day_off():
    off = [(date(2026, 11, 27), date(2026, 11, 27))]
    assert total([goal(60)], date(2026, 11, 23), date(2026, 11, 29), time_off=off) == 36
    # A day off on the holiday itself takes nothing more away.
    off = [(date(2026, 11, 26), date(2026, 11, 26))]
    assert total([goal(60)], date(2026, 11, 23), date(2026, 11, 29), time_off=off) == 48


def test_week_rate_follows_the_work_week_size():
    # Sun–Thu: 5 work-week days, so each carries 12; Fri and Sat carry nothing.
    days = day_allocations([goal(60)], date(2026, 11, 16), date(2026, 11, 22), SUN_THU)
    assert list(days.values()) == [12, 12, 12, 12, 0, 0, 12]
    four_days = WorkCalendar(workweek=(0, 1, 2, 3))
    assert total([goal(60)], date(2026, 11, 16), date(2026, 11, 22), four_days) == 60
    # A week cut by the span gets only its days: Wed..Fri is 3/5 of the week.
    assert total([goal(60)], date(2026, 11, 18), date(2026, 11, 20), PLAIN) == 36


def test_nothing_before_the_start_date_the_goal_start_or_after_its_end():
    first, last = date(2026, 11, 16), date(2026, 11, 22)
    assert total([goal(60)], first, last, PLAIN, start_date=date(2026, 11, 19)) == 24
    assert total([goal(60, start=date(2026, 11, 18))], first, last, PLAIN) == 36
    assert total([goal(60, end=date(2026, 11, 17))], first, last, PLAIN) == 24
    assert total([goal(60, start=date(2027, 1, 1))], first, last, PLAIN) == 0


def test_time_off_ranges_are_inclusive_and_a_reversed_range_covers_nothing():
    first, last = date(2026, 11, 16), date(2026, 11, 22)
    off = [(date(2026, 11, 17), date(2026, 11, 18))]
    assert total([goal(60)], first, last, PLAIN, time_off=off) == 36
    reversed_range = [(date(2026, 11, 18), date(2026, 11, 17))]
    assert total([goal(60)], first, last, PLAIN, time_off=reversed_range) == 60


def test_day_goal_carries_its_target_on_each_working_day():
    days = day_allocations([goal(7, "day")], date(2026, 11, 23), date(2026, 11, 29), US)
    assert list(days.values()) == [7, 7, 7, 0, 7, 0, 0]


# --- month, quarter and year goals are totals ------------------------------------------------


def test_monthly_goal_in_a_week_spanning_two_months():
    # Mon 30 Nov is 1 of November's 19 working days; Tue 1 – Fri 4 Dec are 4 of December's 22.
    week = total([goal(2100, "month")], date(2026, 11, 30), date(2026, 12, 6))
    assert week == Fraction(2100, 19) + Fraction(2100 * 4, 22)
    assert round_half_up(week) == 492


def test_a_month_carries_exactly_its_target_and_time_off_takes_a_share_away():
    assert total([goal(2100, "month")], date(2026, 11, 1), date(2026, 11, 30)) == 2100
    off = [(date(2026, 11, 2), date(2026, 11, 6))]  # 5 of the 19 working days
    assert total(
        [goal(2100, "month")], date(2026, 11, 1), date(2026, 11, 30), time_off=off
    ) == Fraction(2100 * 14, 19)


def test_weighted_year_expected_by_november_is_far_below_the_unweighted_share():
    versions = [goal(1_200_000, "year", weights=tuple(Decimal(w) for w in (10, 10, 10, 70)))]
    days = day_allocations(versions, date(2026, 1, 1), date(2026, 12, 31), US)
    assert sum(days.values()) == 1_200_000
    expected = sum((a for d, a in days.items() if d < date(2026, 11, 2)), Fraction(0))
    # Q1–Q3 have 120k each; Q4's 840k is spread over its 62 working days, 21 of them in October.
    assert expected == 360_000 + Fraction(840_000 * 21, 62)
    assert expected < Fraction(1_200_000 * 209, 250) * Fraction(7, 10)
    pace = reference_pace(days, 644_516, date(2026, 11, 2))
    assert pace["expected"] == 644_516
    assert pace["status"] == "on pace"  # exactly level with the weighted expectation


def test_year_with_month_weights_and_quarter_with_month_weights():
    months = tuple(Decimal(1) for _ in range(11)) + (Decimal(13),)
    days = day_allocations(
        [goal(2400, "year", weights=months)], date(2026, 1, 1), date(2026, 12, 31), PLAIN
    )
    assert sum(a for d, a in days.items() if d.month == 12) == 1300
    assert sum(a for d, a in days.items() if d.month == 1) == 100
    quarter = goal(600, "quarter", weights=(Decimal("1"), Decimal("1.5"), Decimal("2.5")))
    days = day_allocations([quarter], date(2026, 10, 1), date(2026, 12, 31), PLAIN)
    assert [sum(a for d, a in days.items() if d.month == m) for m in (10, 11, 12)] == [
        120,
        180,
        300,
    ]


def test_fiscal_quarters_start_at_the_fiscal_month():
    # Fiscal year from February: the quarter containing 15 Jan 2027 is Nov 2026 – Jan 2027.
    q = goal(630, "quarter", start=date(2026, 2, 1))
    days = day_allocations(
        [q], date(2026, 11, 1), date(2027, 1, 31), PLAIN, fiscal_year_start_month=2
    )
    assert sum(days.values()) == 630
    assert days[date(2027, 1, 15)] == Fraction(
        630, working_days_in(date(2026, 11, 1), date(2027, 1, 31), PLAIN)
    )
    # With January years the same day belongs to Jan–Mar 2027.
    days = day_allocations([q], date(2027, 1, 15), date(2027, 1, 15), PLAIN)
    assert days[date(2027, 1, 15)] == Fraction(
        630, working_days_in(date(2027, 1, 1), date(2027, 3, 31), PLAIN)
    )


def test_fiscal_year_weights_follow_fiscal_quarters():
    weights = tuple(Decimal(w) for w in (1, 1, 1, 1))
    y = goal(400, "year", start=date(2025, 1, 1), weights=weights)
    days = day_allocations(
        [y], date(2026, 4, 1), date(2027, 3, 31), PLAIN, fiscal_year_start_month=4
    )
    for first in (date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1), date(2027, 1, 1)):
        q = period("quarter", first, 4)
        assert sum(a for d, a in days.items() if d in q) == 100


# --- versions --------------------------------------------------------------------------------


def test_sixty_changed_to_eighty_from_mid_november():
    versions = [
        goal(60, start=date(2026, 1, 1), end=date(2026, 11, 15)),
        goal(80, start=date(2026, 11, 16)),
    ]
    november = total(versions, date(2026, 11, 1), date(2026, 11, 30))
    # Weeks of 2, 9 (Veterans Day), 16, 23 (Thanksgiving) and 30 November (Monday only).
    assert november == 60 + 48 + 80 + 64 + 16
    weeks = [
        total(versions, a, b)
        for a, b in clipped_parts("week", date(2026, 11, 1), date(2026, 11, 30))
    ]
    assert weeks == [0, 60, 48, 80, 64, 16]  # Sun 1 Nov is a week of its own in November
    assert sum(weeks) == november


def test_a_change_mid_week_gives_each_day_its_own_version():
    versions = [
        goal(60, start=date(2026, 1, 1), end=date(2026, 11, 17)),
        goal(80, start=date(2026, 11, 18)),
    ]
    days = day_allocations(versions, date(2026, 11, 16), date(2026, 11, 22), PLAIN)
    assert list(days.values()) == [12, 12, 16, 16, 16, 0, 0]


def test_versions_of_different_kinds():
    versions = [
        goal(60, start=date(2026, 1, 1), end=date(2026, 11, 30)),
        goal(2200, "month", start=date(2026, 12, 1)),
    ]
    assert total(versions, date(2026, 11, 30), date(2026, 12, 6)) == 12 + 400


# --- ramps -----------------------------------------------------------------------------------


def ramp(first, last, step, kind="week", start=date(2026, 11, 2), **kw):
    return goal(first, kind, start=start, goal_kind="ramp", ramp_last=last, ramp_step=step, **kw)


def test_ramp_weeks_and_the_month_that_is_their_sum():
    versions = [ramp(50, 100, 10)]
    weeks = clipped_parts("week", date(2026, 11, 1), date(2026, 12, 31))
    by_week = [total(versions, a, b) for a, b in weeks]
    # 50, 60 (less Veterans Day), 70, 80 (less Thanksgiving), 90 across Nov/Dec, then 100
    # for good (less Christmas in the week of 21 Dec; Mon 28 – Thu 31 Dec closes the span).
    assert by_week[:6] == [0, 50, 48, 70, 64, 90]
    assert by_week[6:] == [100, 100, 80, 80]
    november = total(versions, date(2026, 11, 1), date(2026, 11, 30))
    assert november == 50 + 48 + 70 + 64 + 18
    assert november == sum(total(versions, a, b) for a, b in weeks if b <= date(2026, 11, 30)) + 18


def test_ramp_starting_mid_week_counts_that_week_as_its_first():
    versions = [ramp(50, 100, 10, start=date(2026, 11, 4))]
    days = day_allocations(versions, date(2026, 11, 2), date(2026, 11, 15), PLAIN)
    assert list(days.values()) == [0, 0, 10, 10, 10, 0, 0] + [12] * 5 + [0, 0]


def test_descending_ramp_and_monthly_ramp():
    versions = [ramp(100, 70, -20, start=date(2026, 11, 2))]
    weeks = [
        total(versions, a, b, PLAIN)
        for a, b in clipped_parts("week", date(2026, 11, 2), date(2026, 11, 29))
    ]
    assert weeks == [100, 80, 70, 70]
    monthly = [ramp(1000, 3000, 1000, "month", start=date(2026, 10, 15))]
    months = [
        total(monthly, a, b)
        for a, b in clipped_parts("month", date(2026, 10, 1), date(2027, 1, 31))
    ]
    # October carries its first step only from the 15th: 13 of its 22 US working days.
    october = working_days_in(date(2026, 10, 15), date(2026, 10, 31), US)
    assert months == [Fraction(1000 * october, 21), 2000, 3000, 3000]


def test_periods_apart():
    first = period("week", date(2026, 11, 4))
    assert periods_apart(PeriodKind.WEEK, first, period("week", date(2026, 11, 2))) == 0
    assert periods_apart(PeriodKind.WEEK, first, period("week", date(2026, 12, 1))) == 4
    assert periods_apart(PeriodKind.WEEK, first, period("week", date(2026, 10, 31))) == -1
    q = period("quarter", date(2026, 2, 1), 2)
    assert periods_apart(PeriodKind.QUARTER, q, period("quarter", date(2027, 2, 1), 2)) == 4


# --- pace of a span --------------------------------------------------------------------------


def week_pace(actual, today, calendar=PLAIN, versions=None, **kw):
    versions = versions or [goal(60)]
    days = day_allocations(versions, date(2026, 11, 16), date(2026, 11, 22), calendar, **kw)
    return reference_pace(days, actual, today, calendar=calendar)


def test_mid_week_pace_in_full():
    assert week_pace(24, date(2026, 11, 18)) == {
        "target": 60,
        "prorated_target": 60,
        "actual": 24,
        "expected": 24,
        "expected_pct": 40,
        "status": "on pace",
        "pct": 40,
        "needed_per_day": 12,
        "forecast": 60,
        "normal_days": 5,
        "available_days": 5,
        "completed_days": 2,
        "remaining_days": 3,
    }


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (60, "hit"),
        (27, "ahead"),
        (26, "on pace"),
        (22, "on pace"),
        (21, "behind"),
        (18, "behind"),
        (17, "at risk"),
    ],
)
def test_status_thresholds(actual, status):
    assert week_pace(actual, date(2026, 11, 18))["status"] == status


def test_custom_thresholds():
    days = day_allocations([goal(60)], date(2026, 11, 16), date(2026, 11, 22), PLAIN)
    pace = reference_pace(
        days, 24, date(2026, 11, 18), ahead_pct=100, on_pace_pct=80, behind_pct=50
    )
    assert pace["status"] == "ahead"


def test_not_started_and_ahead_before_anything_is_expected():
    assert week_pace(0, date(2026, 11, 16))["status"] == "not started"
    assert week_pace(5, date(2026, 11, 16))["status"] == "ahead"
    assert week_pace(0, date(2026, 11, 16))["forecast"] == 0
    assert week_pace(5, date(2026, 11, 16))["forecast"] == 5


def test_status_compares_with_the_rounded_expected():
    # 52/week over 5 days: 10.4 expected after Monday, shown as 10. 11 is 110% of 10 (ahead),
    # though only 105.8% of 10.4.
    pace = week_pace(11, date(2026, 11, 17), versions=[goal(52)])
    assert pace["expected"] == 10
    assert pace["status"] == "ahead"
    # Forecast still uses the exact figures: 11 × 52 / 10.4 = 55.
    assert pace["forecast"] == 55


def test_thanksgiving_week_pace_with_a_day_off():
    off = [(date(2026, 11, 23), date(2026, 11, 23))]
    days = day_allocations([goal(60)], date(2026, 11, 23), date(2026, 11, 29), US, time_off=off)
    pace = reference_pace(days, 10, date(2026, 11, 25), calendar=US)
    assert pace["target"] == 36
    assert pace["expected"] == 12  # only Tuesday is completed and carries anything
    assert (pace["normal_days"], pace["available_days"]) == (4, 3)
    assert (pace["completed_days"], pace["remaining_days"]) == (1, 2)
    assert pace["needed_per_day"] == 13  # ceil(26 / 2): Wed and Fri
    assert pace["status"] == "behind"  # 10 / 12 = 83%
    assert pace["forecast"] == 30
    assert pace["pct"] == 27
    assert pace["expected_pct"] == 33


def test_after_the_span_the_whole_gap_is_needed():
    pace = week_pace(55, date(2026, 11, 23))
    assert pace["remaining_days"] == 0
    assert pace["needed_per_day"] == 5
    assert pace["expected"] == 60
    assert pace["expected_pct"] == 100
    assert pace["status"] == "on pace"  # 91.7%


def test_nothing_owed_is_hit_at_100_pct():
    pace = week_pace(0, date(2026, 11, 18), time_off=[(date(2026, 11, 1), date(2026, 11, 30))])
    assert pace["target"] == 0
    assert pace["status"] == "hit"
    assert (pace["pct"], pace["expected_pct"], pace["available_days"]) == (100, 0, 0)


def test_round_half_up_and_days_from():
    assert [round_half_up(Fraction(n, 2)) for n in (1, 3, 5)] == [1, 2, 3]
    assert days_from(date(2026, 1, 2), date(2026, 1, 1)) == []
    assert len(days_from(date(2026, 1, 1), date(2026, 12, 31))) == 365
