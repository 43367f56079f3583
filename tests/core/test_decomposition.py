from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.calendars import WorkCalendar
from bot.core.decomposition import (
    parse_weights,
    share_in,
    split_target,
    sub_periods,
    view_share,
    view_target,
    weights_kind,
)
from bot.core.errors import UserError
from bot.core.periods import Period, PeriodKind

PLAIN = WorkCalendar()
US = WorkCalendar(country="US")
YEAR_2026 = Period.containing("year", date(2026, 1, 1))
NOVEMBER = Period.containing("month", date(2026, 11, 1))
SPANNING_WEEK = Period.containing("week", date(2026, 11, 30))  # Mon 30 Nov – Sun 6 Dec


def amounts(parts):
    return [amount for _, amount in parts]


# --- weights ---------------------------------------------------------------------------


def test_yearly_goal_with_quarter_weights():
    parts = split_target(120_000_000, YEAR_2026, "quarter", US, weights=[20, 25, 25, 30])
    assert [p.label for p, _ in parts] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert amounts(parts) == [24_000_000, 30_000_000, 30_000_000, 36_000_000]


def test_weights_need_not_add_to_100():
    parts = split_target(1000, YEAR_2026, "quarter", PLAIN, weights=[1, 1, 1, 2])
    assert amounts(parts) == [200, 200, 200, 400]


def test_weights_spread_by_working_days_within_a_quarter():
    # Q1 gets 20% = 240; its months share that by working days (22, 20, 22 of 64).
    months = split_target(1200, YEAR_2026, "month", PLAIN, weights=[20, 25, 25, 30])
    q1 = amounts(months)[:3]
    assert q1 == [83, 75, 82]  # 82.5, 75, 82.5: the leftover unit goes to January
    assert sum(q1) == 240  # the quarter's own amount, not 239
    # Q2 300 over 22, 21, 22 days; Q3 300 over 23, 21, 22; Q4 360 over 22, 21, 23.
    assert amounts(months)[3:] == [102, 97, 101, 105, 95, 100, 120, 115, 125]
    assert sum(amounts(months)) == 1200


def test_twelve_weights_for_months():
    weights = [1] * 11 + [13]
    parts = split_target(2400, YEAR_2026, "month", PLAIN, weights=weights)
    assert amounts(parts) == [100] * 11 + [1300]


def test_quarterly_goal_with_month_weights():
    q4 = Period.containing("quarter", date(2026, 10, 1))
    assert amounts(split_target(900, q4, "month", US, weights=[Decimal("50"), 30, 20])) == [
        450,
        270,
        180,
    ]


@pytest.mark.parametrize(
    ("kind", "weights", "fragment"),
    [
        (
            "year",
            [20, 25, 25],
            "A yearly goal takes 4 (one per quarter) or 12 (one per month) weights, not 3.",
        ),
        ("quarter", [1, 2], "A quarterly goal takes 3 (one per month) weights, not 2."),
        ("year", [20, 25, 0, 30], "Every weight must be greater than 0."),
        ("year", [20, 25, -5, 30], "Every weight must be greater than 0."),
        ("month", [1, 2, 3, 4], "Weights are for yearly and quarterly goals, not monthly ones."),
        ("week", [1, 1, 1, 1, 1], "Weights are for yearly and quarterly goals, not weekly ones."),
    ],
)
def test_bad_weights(kind, weights, fragment):
    with pytest.raises(UserError) as err:
        weights_kind(kind, weights)
    assert err.value.message == fragment
    assert err.value.example == "/goal set team:east revenue 1.2m/year weights 20,25,25,30"


def test_weights_kind():
    assert weights_kind("year", [1, 2, 3, 4]) is PeriodKind.QUARTER
    assert weights_kind("year", [1] * 12) is PeriodKind.MONTH
    assert weights_kind("quarter", [1, 2, 3]) is PeriodKind.MONTH


def test_parse_weights():
    assert parse_weights("20,25,25,30") == (20, 25, 25, 30)
    assert parse_weights("20%, 25%, 25% 30%") == (20, 25, 25, 30)
    assert parse_weights("12.5,87.5") == (Decimal("12.5"), Decimal("87.5"))
    with pytest.raises(UserError) as err:
        parse_weights("20,abc")
    assert err.value.message == '"abc" is not a number.'
    with pytest.raises(UserError):
        parse_weights("20,inf")
    with pytest.raises(UserError):
        parse_weights(" , ")


# --- sub-periods ------------------------------------------------------------------------


def test_sub_periods():
    assert [p.label for p in sub_periods(YEAR_2026, "quarter")] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    weeks = sub_periods(NOVEMBER, "week")
    assert [w.start for w in weeks] == [
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
    ]
    fiscal = Period.containing("year", date(2026, 5, 1), 4)  # Apr 2026 – Mar 2027
    assert [q.start for q in sub_periods(fiscal, "quarter")] == [
        date(2026, 4, 1),
        date(2026, 7, 1),
        date(2026, 10, 1),
        date(2027, 1, 1),
    ]
    # A longer kind: the months a week touches.
    assert [m.label for m in sub_periods(SPANNING_WEEK, "month")] == ["Nov 2026", "Dec 2026"]


# --- views by working days ------------------------------------------------------------------


def test_monthly_goal_in_a_week_spanning_two_months():
    # Nov 2026 has 21 working days, Dec 2026 has 23. The week has 1 of November's
    # (Mon 30) and 4 of December's (Tue 1 – Fri 4): 210/21 × 1 + 210/23 × 4.
    assert view_share(210, "month", SPANNING_WEEK, PLAIN) == Fraction(10) + Fraction(840, 23)
    assert view_target(210, "month", SPANNING_WEEK, PLAIN) == 47  # 46.52


def test_monthly_goal_in_a_thanksgiving_week():
    # US Nov 2026: Veterans Day and Thanksgiving leave 19 working days; that week has 4.
    week = Period.containing("week", date(2026, 11, 26))
    assert view_share(190, "month", week, US) == 40
    assert share_in(190, NOVEMBER, week, US) == 40


def test_weekly_goal_viewed_in_a_month():
    # Four whole weeks, plus Mon 30 Nov (1/5 of its week); the week of 26 Oct has no
    # working day in November.
    assert view_share(50, "week", NOVEMBER, PLAIN) == 210
    assert view_target(50, "week", NOVEMBER, PLAIN) == 210


def test_daily_goal_viewed_in_a_week():
    week = Period.containing("week", date(2026, 11, 26))
    assert view_target(20, "day", week, PLAIN) == 100
    assert view_target(20, "day", week, US) == 80


def test_the_goals_own_period_gets_the_whole_target():
    assert view_share(777, "month", NOVEMBER, US) == 777
    assert view_share(1000, "year", YEAR_2026, PLAIN, weights=[1, 2, 3, 4]) == 1000


def test_yearly_goal_in_a_month_with_weights():
    october = Period.containing("month", date(2026, 10, 1))
    # Q4 gets 30% = 300 of 1000; October has 22 of Q4's 66 working days.
    assert view_share(1000, "year", october, PLAIN, weights=[20, 25, 25, 30]) == 100


def test_fiscal_year_goal_in_its_first_quarter():
    fiscal_q1 = Period.containing("quarter", date(2026, 4, 1), 4)
    assert view_share(1000, "year", fiscal_q1, PLAIN, weights=[40, 20, 20, 20]) == 400


def test_year_end_week_of_a_yearly_goal():
    # 28 Dec 2026 – 3 Jan 2027 touches two yearly goals.
    week = Period.containing("week", date(2027, 1, 1))
    share = view_share(2610, "year", week, PLAIN)
    # 4 of 2026's 261 working days, 1 of 2027's 261 (Fri 1 Jan).
    assert share == Fraction(2610 * 4, 261) + Fraction(2610 * 1, 261)
    assert share == 50


def test_leap_year_month_share():
    feb_2028 = Period.containing("month", date(2028, 2, 1))
    year_2028 = Period.containing("year", date(2028, 1, 1))
    # 2028 has 260 working days; February 21 of them.
    assert share_in(2600, year_2028, feb_2028, PLAIN) == 210


def test_period_with_no_working_day_owes_nothing():
    closed = Period.containing("week", date(2026, 12, 28))
    cal = WorkCalendar(extra_holidays=frozenset(closed.days()))
    assert amounts(split_target(70, closed, "day", cal)) == [0] * 7
    assert view_share(70, "week", closed, cal) == 0
    assert view_target(20, "day", Period.containing("day", date(2026, 11, 28)), PLAIN) == 0


def test_view_outside_the_goal_period_gets_nothing():
    assert share_in(70, NOVEMBER, Period.containing("week", date(2027, 1, 4)), PLAIN) == 0


def test_split_month_into_weeks_adds_up():
    weeks = split_target(100, NOVEMBER, "week", US)
    # Working days per week in November (US): 0, 5, 4, 5, 4, 1 of 19.
    # Exact: 0, 26.32, 21.05, 26.32, 21.05, 5.26 → one leftover unit, to the first .32.
    assert amounts(weeks) == [0, 27, 21, 26, 21, 5]
    assert sum(amounts(weeks)) == 100


def test_weighted_year_into_weeks_rounds_across_quarters():
    # Weeks straddle quarters, so the year is cut into weeks in one go.
    weeks = split_target(52_000, YEAR_2026, "week", PLAIN, weights=[25, 25, 25, 25])
    assert len(weeks) == 53
    assert sum(amounts(weeks)) == 52_000
    assert weeks[0][0].start == date(2025, 12, 29)
    assert weeks[0][1] == round(float(share_in(52_000, YEAR_2026, weeks[0][0], PLAIN, [1] * 4)))


weights_4 = st.lists(st.integers(1, 1000), min_size=4, max_size=4)


@given(target=st.integers(0, 10**9), weights=weights_4)
def test_split_into_quarters_adds_up_and_stays_within_one(target, weights):
    parts = split_target(target, YEAR_2026, "quarter", US, weights=weights)
    assert sum(amounts(parts)) == target
    for period, amount in parts:
        exact = share_in(target, YEAR_2026, period, US, weights)
        assert exact == Fraction(target * weights[period.fiscal_quarter - 1], sum(weights))
        assert abs(amount - exact) < 1


@given(target=st.integers(0, 10**9), weights=weights_4)
def test_split_into_months_keeps_quarter_totals(target, weights):
    quarters = dict(split_target(target, YEAR_2026, "quarter", US, weights=weights))
    months = split_target(target, YEAR_2026, "month", US, weights=weights)
    assert sum(amounts(months)) == target
    for quarter, quarter_amount in quarters.items():
        inside = [(m, a) for m, a in months if m.start in quarter]
        assert len(inside) == 3
        assert sum(a for _, a in inside) == quarter_amount
        for month, amount in inside:
            assert abs(amount - share_in(quarter_amount, quarter, month, US)) < 1


@settings(deadline=None, max_examples=40)  # a year cut into days: 365 shares per example
@given(
    target=st.integers(0, 10**7),
    year=st.integers(2000, 2100),
    kind=st.sampled_from(["month", "week", "day"]),
)
def test_split_by_working_days_adds_up_and_stays_within_one(target, year, kind):
    goal = Period.containing("year", date(year, 1, 1))
    parts = split_target(target, goal, kind, US)
    assert sum(amounts(parts)) == target
    for period, amount in parts:
        assert abs(amount - share_in(target, goal, period, US)) < 1
