from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.allocation import (
    History,
    LeftOutBecause,
    MemberShare,
    SplitBasis,
    Suggestion,
    has_enough_days,
    largest_remainder,
    last_complete_periods,
    median,
    percentile,
    person_history,
    split_by_history,
    split_evenly,
    split_weight,
    suggest,
)
from bot.core.calendars import WorkCalendar
from bot.core.errors import UserError
from bot.core.periods import PeriodKind

# --- percentiles (numpy's default "linear" method) ----------------------------------------


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([10, 20, 30, 40, 50], 80, 42),
        ([50, 10, 40, 20, 30], 80, 42),  # order does not matter
        ([1, 2, 3, 4], 50, Fraction(5, 2)),
        ([1, 2, 3, 4], 80, Fraction(17, 5)),
        ([15, 20, 35, 40, 50], 40, 29),
        ([7], 80, 7),
        ([3, 9], 0, 3),
        ([3, 9], 100, 9),
    ],
)
def test_percentile_matches_numpy_linear(values, pct, expected):
    assert percentile(values, pct) == expected


def test_percentile_rejects_nonsense():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_median():
    assert median([5, 1, 3]) == 3
    assert median([1, 2, 3, 10]) == Fraction(5, 2)


# --- suggest --------------------------------------------------------------------------


def test_suggest_rounds_up_and_reports_periods():
    # Sorted 40, 48, 52, 55, 61: p80 at position 3.2 → 55 + 0.2 × 6 = 56.2 → 57.
    assert suggest([40, 55, 61, 48, 52]) == Suggestion(median=52, p80=57, periods=5)


def test_suggest_uses_the_last_12_periods_only():
    history = [1000, 1000] + list(range(10, 130, 10))  # 14 periods, oldest first
    result = suggest(history)
    assert result.periods == 12
    assert result.median == 65  # of 10..120
    assert result.p80 == 98  # position 8.8 → 90 + 0.8 × 10


def test_suggest_with_fewer_periods_and_zero_weeks():
    assert suggest([0, 30, 31]) == Suggestion(median=30, p80=31, periods=3)  # p80 = 30.6
    assert suggest([12]) == Suggestion(median=12, p80=12, periods=1)


def test_suggest_without_history():
    with pytest.raises(UserError) as err:
        suggest([])
    assert "no complete period of history" in err.value.message


def test_last_complete_periods():
    weeks = last_complete_periods("week", date(2026, 11, 25), count=3)
    assert [w.start for w in weeks] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    months = last_complete_periods(PeriodKind.MONTH, date(2027, 1, 15))
    assert len(months) == 12
    assert (months[0].label, months[-1].label) == ("Jan 2026", "Dec 2026")


# --- largest remainder ------------------------------------------------------------------


def test_largest_remainder_examples():
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(10, [1, 1, 1, 1]) == [3, 3, 2, 2]
    assert largest_remainder(10, [5, 3, 2]) == [5, 3, 2]
    assert largest_remainder(7, [Fraction(1, 3), Decimal("0.5"), 1]) == [1, 2, 4]
    # 7 × (1/3, 1/2, 1) / (11/6) = 1.27, 1.91, 3.82 → floors 1, 1, 3; two left over.
    assert largest_remainder(0, [1, 2]) == [0, 0]
    assert largest_remainder(5, [0, 0]) == [3, 2]
    assert largest_remainder(5, [0, 1]) == [0, 5]


def test_largest_remainder_rejects_nonsense():
    with pytest.raises(ValueError):
        largest_remainder(5, [])
    with pytest.raises(ValueError):
        largest_remainder(-1, [1])
    with pytest.raises(ValueError):
        largest_remainder(5, [1, -1])


@given(
    total=st.integers(0, 10**12),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=30),
)
def test_largest_remainder_adds_up_and_stays_within_one(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = (
            Fraction(total * weight, weight_sum) if weight_sum else Fraction(total, len(weights))
        )
        assert abs(part - exact) < 1
        assert part >= 0


@settings(deadline=None)  # fractions with large denominators are slow to sum
@given(
    total=st.integers(0, 10**6),
    weights=st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=12),
)
def test_largest_remainder_with_fractions(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    if sum(weights):
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / sum(weights)) < 1


# --- splits -----------------------------------------------------------------------------


def test_split_evenly():
    assert split_evenly(300_000_00, ["U1", "U2", "U3"]) == [
        MemberShare("U1", 100_000_00, SplitBasis.EVEN),
        MemberShare("U2", 100_000_00, SplitBasis.EVEN),
        MemberShare("U3", 100_000_00, SplitBasis.EVEN),
    ]
    assert [s.amount for s in split_evenly(100, ["a", "b", "c"])] == [34, 33, 33]


def test_split_by_history():
    shares = split_by_history(1000, [("maria", 500), ("bo", 300), ("li", 200)])
    assert [(s.member, s.amount, s.basis) for s in shares] == [
        ("maria", 500, SplitBasis.HISTORY),
        ("bo", 300, SplitBasis.HISTORY),
        ("li", 200, SplitBasis.HISTORY),
    ]


def test_new_rep_gets_team_median():
    shares = split_by_history(300_000_00, [("maria", 600), ("bo", 200), ("new", None), ("li", 400)])
    # The new rep counts as 400 (median of 600, 200, 400): weights 600, 200, 400, 400.
    assert [s.amount for s in shares] == [112_500_00, 37_500_00, 75_000_00, 75_000_00]
    assert [s.basis for s in shares] == [
        SplitBasis.HISTORY,
        SplitBasis.HISTORY,
        SplitBasis.TEAM_MEDIAN,
        SplitBasis.HISTORY,
    ]
    assert str(SplitBasis.TEAM_MEDIAN) == "team median"


def test_new_rep_median_of_an_even_count():
    shares = split_by_history(100, [("a", 10), ("b", 30), ("new", None)])
    # Median of 10 and 30 is 20: weights 10, 30, 20 → 16.67, 50, 33.33.
    assert [s.amount for s in shares] == [17, 50, 33]


def test_split_tie_break_by_member_order():
    assert [s.amount for s in split_by_history(10, [("a", 1), ("b", 1), ("c", 1)])] == [4, 3, 3]
    assert [s.amount for s in split_by_history(10, [("c", 1), ("a", 1), ("b", 1)])] == [4, 3, 3]


def test_split_without_any_history_is_even():
    shares = split_by_history(10, [("a", None), ("b", None), ("c", 0)])
    assert [(s.amount, s.basis) for s in shares] == [
        (4, SplitBasis.EVEN),
        (3, SplitBasis.EVEN),
        (3, SplitBasis.EVEN),
    ]


def test_split_of_an_empty_team():
    with pytest.raises(UserError) as err:
        split_evenly(100, [])
    assert err.value.message == (
        "This team has no members to split the target between; add members first."
    )
    with pytest.raises(UserError):
        split_by_history(100, [])


def test_split_rejects_negative_targets_and_duplicates():
    with pytest.raises(UserError):
        split_evenly(-1, ["a"])
    with pytest.raises(ValueError):
        split_evenly(10, ["a", "a"])


@given(
    target=st.integers(0, 10**10),
    history=st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=1, max_size=25),
)
def test_split_by_history_adds_up_exactly(target, history):
    members = [(f"U{i}", total) for i, total in enumerate(history)]
    shares = split_by_history(target, members)
    assert sum(s.amount for s in shares) == target
    assert [s.member for s in shares] == [m for m, _ in members]
    known = [t for t in history if t is not None]
    if any(known):
        stand_in = median(known)
        weights = [stand_in if t is None else t for t in history]
        for share, weight in zip(shares, weights, strict=True):
            assert abs(share.amount - Fraction(target) * weight / sum(weights)) < 1


# --- history: periods with under half the working days are left out ------------------------

# The 12 complete weeks before Fri 20 Nov 2026: Mon 24 Aug … Sun 15 Nov.
WEEKS = last_complete_periods("week", date(2026, 11, 20))
MON_FRI = WorkCalendar()


@pytest.mark.parametrize(
    ("available", "normal", "used"),
    [
        (5, 5, True),
        (3, 5, True),
        (2, 5, False),
        (0, 5, False),
        (2, 4, True),
        (1, 4, False),
        (0, 0, True),
    ],
)
def test_a_period_needs_at_least_half_the_normal_working_days(available, normal, used):
    assert has_enough_days(available, normal) is used


def test_a_vacation_week_is_left_out_not_counted_as_zero():
    totals = [60] * 12
    totals[5] = 0  # Mon 28 Sep – Fri 2 Oct off
    history = person_history(WEEKS, totals, MON_FRI, [(date(2026, 9, 28), date(2026, 10, 2))])
    assert len(history.periods) == 12
    assert history.totals == [60] * 11
    [left_out] = history.left_out
    assert (left_out.period.start, left_out.normal_days, left_out.available_days) == (
        date(2026, 9, 28),
        5,
        0,
    )
    assert left_out.because == {LeftOutBecause.TIME_OFF}
    assert history.left_out_note("week") == "1 left out: under half the working days, time off"
    assert suggest(history.totals) == Suggestion(median=60, p80=60, periods=11)


def test_three_days_off_leave_a_week_out_and_two_do_not():
    totals = [60] * 12
    three = person_history(WEEKS, totals, MON_FRI, [(date(2026, 9, 28), date(2026, 9, 30))])
    two = person_history(WEEKS, totals, MON_FRI, [(date(2026, 9, 28), date(2026, 9, 29))])
    assert (len(three.used), len(three.left_out)) == (11, 1)
    assert (len(two.used), len(two.left_out)) == (12, 0) and two.left_out_note("week") is None
    # Time off over a weekend takes no working day away.
    weekend = person_history(WEEKS, totals, MON_FRI, [(date(2026, 10, 3), date(2026, 10, 4))])
    assert weekend.periods[6].available_days == 5 and weekend.periods[6].because == frozenset()


def test_a_holiday_week_stays_in_and_exactly_half_its_days_is_enough():
    us = WorkCalendar(country="US")
    weeks = last_complete_periods("week", date(2026, 12, 4))  # the last one is Thanksgiving week
    assert weeks[-1].start == date(2026, 11, 23)
    totals = [60] * 11 + [48]
    history = person_history(weeks, totals, us)
    assert (history.periods[-1].normal_days, history.periods[-1].available_days) == (4, 4)
    assert len(history.used) == 12 and history.totals[-1] == 48
    # Two of its four working days off is exactly half: it stays in; three is under half.
    half = person_history(weeks, totals, us, [(date(2026, 11, 23), date(2026, 11, 24))])
    assert half.periods[-1].available_days == 2 and len(half.used) == 12
    under = person_history(weeks, totals, us, [(date(2026, 11, 23), date(2026, 11, 25))])
    assert len(under.used) == 11 and under.left_out[0].period.start == date(2026, 11, 23)


def test_periods_before_the_start_date_are_not_history_and_a_late_start_is_left_out():
    totals = [0] * 4 + [25] + [60] * 7
    # Started Thu 24 Sep: the weeks before are not history; that week had 2 of 5 days.
    history = person_history(WEEKS, totals, MON_FRI, start_date=date(2026, 9, 24))
    assert history.periods[0].period.start == date(2026, 9, 21)
    assert history.periods[0].because == {LeftOutBecause.STARTED} and not history.periods[0].used
    assert history.totals == [60] * 7
    assert (
        history.left_out_note("week") == "1 left out: under half the working days, started mid-week"
    )
    # Started Wed 23 Sep: 3 of 5 days, the week stays in.
    wednesday = person_history(WEEKS, totals, MON_FRI, start_date=date(2026, 9, 23))
    assert wednesday.totals == [25] + [60] * 7 and not wednesday.left_out


def test_leading_empty_periods_are_not_history_nor_left_out():
    totals = [0, 0, 0] + [50] * 9
    # Time off in the first, empty, weeks: they were never history, so nothing is left out.
    history = person_history(WEEKS, totals, MON_FRI, [(date(2026, 8, 24), date(2026, 9, 4))])
    assert len(history.periods) == 9 and not history.left_out
    assert person_history(WEEKS, [0] * 12, MON_FRI).periods == ()
    # A zero week at work after the first activity is real history and stays in.
    gap = person_history(WEEKS, [50, 0] + [50] * 10, MON_FRI)
    assert gap.totals == [50, 0] + [50] * 10


def test_the_note_names_every_reason_and_counts_every_period_left_out():
    totals = [40] * 12
    off = [(date(2026, 10, 5), date(2026, 10, 9)), (date(2026, 11, 9), date(2026, 11, 12))]
    history = person_history(WEEKS, totals, MON_FRI, off, start_date=date(2026, 8, 28))
    assert len(history.used) == 9
    assert history.left_out_note(PeriodKind.WEEK) == (
        "3 left out: under half the working days, time off and started mid-week"
    )
    months = last_complete_periods("month", date(2026, 11, 20))
    late = person_history(months, [0] * 10 + [30, 90], MON_FRI, start_date=date(2026, 10, 20))
    assert (
        late.left_out_note("month") == "1 left out: under half the working days, started mid-month"
    )


def test_person_history_needs_one_total_per_period():
    with pytest.raises(ValueError):
        person_history(WEEKS, [1, 2], MON_FRI)


def test_a_split_weighs_the_average_per_period_used():
    steady = person_history(WEEKS, [60] * 12, MON_FRI)
    away = [60] * 12
    away[3] = 0
    on_vacation = person_history(WEEKS, away, MON_FRI, [(date(2026, 9, 14), date(2026, 9, 18))])
    window_start = WEEKS[0].start
    assert (
        split_weight(steady, None, window_start)
        == split_weight(on_vacation, None, window_start)
        == 60
    )
    shares = split_by_history(
        100,
        [
            ("steady", split_weight(steady, None, window_start)),
            ("away", split_weight(on_vacation, None, window_start)),
        ],
    )
    assert [s.amount for s in shares] == [50, 50]
    # Uneven averages stay exact: 700/12 and 645/11.
    assert split_weight(
        person_history(WEEKS, [50] * 10 + [100, 100], MON_FRI), None, window_start
    ) == Fraction(700, 12)


def test_new_reps_have_no_split_weight():
    window_start = WEEKS[0].start
    history = person_history(WEEKS, [60] * 12, MON_FRI)
    # A start date after the window's first day makes a new rep, whatever they logged.
    assert split_weight(history, date(2026, 9, 1), window_start) is None
    assert split_weight(history, window_start, window_start) == 60
    # So does having no period used: all of them left out, or no history at all.
    away = person_history(
        WEEKS, [0] * 11 + [10], MON_FRI, [(date(2026, 11, 9), date(2026, 11, 13))]
    )
    assert away.periods and not away.used and split_weight(away, None, window_start) is None
    assert split_weight(History(()), None, window_start) is None
    shares = split_by_history(90, [("a", Fraction(100, 3)), ("b", None), ("c", Fraction(200, 3))])
    # The median of 100/3 and 200/3 is 50: weights 100/3, 50, 200/3 of 150.
    assert [(s.amount, s.basis) for s in shares] == [
        (20, SplitBasis.HISTORY),
        (30, SplitBasis.TEAM_MEDIAN),
        (40, SplitBasis.HISTORY),
    ]


@settings(max_examples=200, deadline=None)
@given(
    totals=st.lists(st.integers(0, 100), min_size=12, max_size=12),
    off=st.lists(st.tuples(st.integers(0, 90), st.integers(0, 9)), max_size=4),
    start=st.one_of(st.none(), st.integers(0, 90)),
)
def test_person_history_keeps_exactly_the_periods_with_half_their_days(totals, off, start):
    first = WEEKS[0].start
    ranges = [(first + timedelta(days=a), first + timedelta(days=a + n)) for a, n in off]
    start_date = None if start is None else first + timedelta(days=start)
    history = person_history(WEEKS, totals, MON_FRI, ranges, start_date)
    # The history is a tail of the window, starting with activity after the start date.
    shown = [(p.period, p.total) for p in history.periods]
    assert shown == list(zip(WEEKS, totals, strict=True))[len(WEEKS) - len(shown) :]
    if shown:
        assert shown[0][1] > 0 and (start_date is None or shown[0][0].end >= start_date)
    for p in history.periods:
        workdays = [d for d in p.period.days() if d.weekday() < 5]
        available = [
            d
            for d in workdays
            if (start_date is None or d >= start_date) and not any(a <= d <= b for a, b in ranges)
        ]
        assert (p.normal_days, p.available_days) == (len(workdays), len(available))
        assert p.used is (2 * len(available) >= len(workdays))
        assert bool(p.because) is (len(available) < len(workdays))
    assert len(history.used) + len(history.left_out) == len(history.periods)
