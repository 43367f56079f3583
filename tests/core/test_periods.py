from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import UserError
from bot.core.periods import (
    Period,
    PeriodKind,
    fiscal_quarter,
    fiscal_year,
    parse_period,
    parse_period_kind,
    short_date,
    split_rate,
)

TODAY = date(2026, 11, 25)  # a Wednesday


def p(kind, start, end, fsm=1):
    return Period(PeriodKind(kind), start, end, fsm)


# --- containing (existing behaviour kept) ---------------------------------------------


def test_containing_each_kind():
    assert Period.containing("day", TODAY) == p("day", TODAY, TODAY)
    assert Period.containing("week", TODAY) == p("week", date(2026, 11, 23), date(2026, 11, 29))
    assert Period.containing("month", TODAY) == p("month", date(2026, 11, 1), date(2026, 11, 30))
    assert Period.containing("quarter", TODAY) == p(
        "quarter", date(2026, 10, 1), date(2026, 12, 31)
    )
    assert Period.containing("year", TODAY) == p("year", date(2026, 1, 1), date(2026, 12, 31))


def test_positional_three_field_construction_still_works():
    period = Period(PeriodKind.WEEK, date(2026, 11, 23), date(2026, 11, 29))
    assert period.fiscal_year_start_month == 1
    assert date(2026, 11, 29) in period
    assert date(2026, 11, 30) not in period
    assert "2026-11-24" not in period
    assert len(period.days()) == 7


def test_fiscal_month_takes_no_part_in_equality_or_hash():
    a = Period.containing("month", TODAY, 1)
    b = Period.containing("month", TODAY, 4)
    assert a == b
    assert len({a, b}) == 1


def test_fiscal_quarter_and_year_start_at_fiscal_month():
    assert Period.containing("quarter", date(2026, 1, 15), 2) == p(
        "quarter", date(2025, 11, 1), date(2026, 1, 31)
    )
    assert Period.containing("year", date(2026, 1, 15), 2) == p(
        "year", date(2025, 2, 1), date(2026, 1, 31)
    )


def test_bad_fiscal_month_is_a_programming_error():
    with pytest.raises(ValueError):
        Period.containing("year", TODAY, 13)


# --- labels ---------------------------------------------------------------------------


def test_labels_calendar():
    assert Period.containing("day", TODAY).label == "Wed 25 Nov"
    assert Period.containing("week", TODAY).label == "week of Mon 23 Nov"
    assert Period.containing("month", TODAY).label == "Nov 2026"
    assert Period.containing("quarter", TODAY).label == "2026-Q4"
    assert Period.containing("year", TODAY).label == "2026"
    assert short_date(date(2028, 2, 29)) == "Tue 29 Feb"


def test_labels_fiscal_named_by_end_year():
    # February start: Feb 2026 – Jan 2027 is FY2027; Nov 2026 – Jan 2027 its Q4.
    assert Period.containing("quarter", TODAY, 2).label == "FY2027-Q4"
    assert Period.containing("year", TODAY, 2).label == "FY2027"
    assert Period.containing("quarter", date(2026, 2, 1), 2).label == "FY2027-Q1"
    assert Period.containing("quarter", date(2026, 1, 31), 2).label == "FY2026-Q4"
    # Months keep calendar names whatever the fiscal year.
    assert Period.containing("month", TODAY, 2).label == "Nov 2026"


def test_fiscal_year_and_quarter_constructors():
    assert fiscal_year(2027, 2) == p("year", date(2026, 2, 1), date(2027, 1, 31))
    assert fiscal_year(2026) == p("year", date(2026, 1, 1), date(2026, 12, 31))
    assert fiscal_quarter(2027, 1, 4) == p("quarter", date(2026, 4, 1), date(2026, 6, 30))
    assert fiscal_quarter(2026, 4) == p("quarter", date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(ValueError):
        fiscal_quarter(2026, 5)


# --- next / previous ------------------------------------------------------------------


def test_next_and_previous_across_year_end():
    week = Period.containing("week", date(2026, 12, 31))
    assert week == p("week", date(2026, 12, 28), date(2027, 1, 3))
    assert week.next() == p("week", date(2027, 1, 4), date(2027, 1, 10))
    assert week.previous() == p("week", date(2026, 12, 21), date(2026, 12, 27))
    dec = Period.containing("month", date(2026, 12, 5))
    assert dec.next() == p("month", date(2027, 1, 1), date(2027, 1, 31))
    q4 = Period.containing("quarter", date(2026, 12, 5))
    assert q4.next() == p("quarter", date(2027, 1, 1), date(2027, 3, 31))
    assert q4.next().label == "2027-Q1"
    assert Period.containing("year", TODAY).previous().label == "2025"
    assert Period.containing("day", date(2026, 12, 31)).next() == p(
        "day", date(2027, 1, 1), date(2027, 1, 1)
    )


def test_next_keeps_fiscal_start():
    q = Period.containing("quarter", date(2026, 12, 5), 2)  # Nov–Jan
    assert q.next() == p("quarter", date(2027, 2, 1), date(2027, 4, 30))
    assert q.next().label == "FY2028-Q1"
    assert q.previous().label == "FY2027-Q3"


def test_leap_day():
    feb = Period.containing("month", date(2028, 2, 29))
    assert feb.end == date(2028, 2, 29)
    assert len(feb.days()) == 29
    assert Period.containing("day", date(2028, 2, 28)).next().start == date(2028, 2, 29)
    assert Period.containing("day", date(2028, 2, 29)).next().start == date(2028, 3, 1)
    assert len(Period.containing("year", date(2028, 6, 1)).days()) == 366
    assert Period.containing("week", date(2028, 2, 29)).label == "week of Mon 28 Feb"


@given(
    day=st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31)),
    kind=st.sampled_from(list(PeriodKind)),
    fsm=st.integers(1, 12),
)
def test_periods_tile_the_calendar(day, kind, fsm):
    period = Period.containing(kind, day, fsm)
    assert day in period
    assert period.next().start == period.end + timedelta(days=1)
    assert period.previous().end == period.start - timedelta(days=1)
    assert period.next().previous() == period
    if kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
        assert parse_period(period.label, day, fsm) == period
    if kind is PeriodKind.MONTH:
        assert parse_period(period.start.strftime("%Y-%m"), day, fsm) == period
        assert parse_period(period.label, day, fsm) == period


# --- parse_period ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("today", TODAY, TODAY),
        ("day", TODAY, TODAY),
        ("yesterday", date(2026, 11, 24), date(2026, 11, 24)),
        ("week", date(2026, 11, 23), date(2026, 11, 29)),
        ("WEEK", date(2026, 11, 23), date(2026, 11, 29)),
        ("month", date(2026, 11, 1), date(2026, 11, 30)),
        ("quarter", date(2026, 10, 1), date(2026, 12, 31)),
        ("year", date(2026, 1, 1), date(2026, 12, 31)),
        ("last-week", date(2026, 11, 16), date(2026, 11, 22)),
        ("last week", date(2026, 11, 16), date(2026, 11, 22)),
        ("  Last   Week ", date(2026, 11, 16), date(2026, 11, 22)),
        ("this week", date(2026, 11, 23), date(2026, 11, 29)),
        ("next week", date(2026, 11, 30), date(2026, 12, 6)),
        ("last month", date(2026, 10, 1), date(2026, 10, 31)),
        ("last-quarter", date(2026, 7, 1), date(2026, 9, 30)),
        ("last year", date(2025, 1, 1), date(2025, 12, 31)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("Q2 2027", date(2027, 4, 1), date(2027, 6, 30)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("Nov 2026", date(2026, 11, 1), date(2026, 11, 30)),
        ("september 2027", date(2027, 9, 1), date(2027, 9, 30)),
        ("sept. 2027", date(2027, 9, 1), date(2027, 9, 30)),
        ("2028-2", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-11-20", date(2026, 11, 20), date(2026, 11, 20)),
    ],
)
def test_parse_period(text, start, end):
    period = parse_period(text, TODAY)
    assert (period.start, period.end) == (start, end)


def test_parse_period_kinds():
    assert parse_period("2026-Q4", TODAY).kind is PeriodKind.QUARTER
    assert parse_period("2026", TODAY).kind is PeriodKind.YEAR
    assert parse_period("2026-11", TODAY).kind is PeriodKind.MONTH
    assert parse_period("last week", TODAY).kind is PeriodKind.WEEK


def test_parse_period_fiscal():
    assert parse_period("FY2027-Q1", TODAY, 2) == p("quarter", date(2026, 2, 1), date(2026, 4, 30))
    assert parse_period("2027-Q1", TODAY, 2) == p("quarter", date(2026, 2, 1), date(2026, 4, 30))
    assert parse_period("FY2027", TODAY, 2) == p("year", date(2026, 2, 1), date(2027, 1, 31))
    assert parse_period("quarter", TODAY, 2) == p("quarter", date(2026, 11, 1), date(2027, 1, 31))
    assert parse_period("year", TODAY, 7) == p("year", date(2026, 7, 1), date(2027, 6, 30))
    assert parse_period("year", TODAY, 7).label == "FY2027"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("fortnight", 'Unknown period "fortnight"'),
        ("2026-13", "no month 13"),
        ("2026-00", "no month 0"),
        ("2026-02-30", "not a real date"),
        ("2026-Q5", 'Unknown period "2026-Q5"'),
        ("1899", "between 1900 and 9998"),
        ("", 'Unknown period ""'),
        ("last fortnight", 'Unknown period "last fortnight"'),
        ("Novem 2026", 'Unknown period "Novem 2026"'),
    ],
)
def test_parse_period_errors(text, fragment):
    with pytest.raises(UserError) as err:
        parse_period(text, TODAY)
    assert fragment in err.value.message
    assert err.value.example == "/progress 2026-Q4"


def test_parse_period_error_lists_forms_and_truncates():
    with pytest.raises(UserError) as err:
        parse_period("x" * 60, TODAY)
    assert "x" * 40 + "…" in err.value.message
    assert "2026-Q4, 2026-11, 2026" in err.value.message


# --- goal rates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("week", PeriodKind.WEEK),
        ("Weekly", PeriodKind.WEEK),
        ("wk", PeriodKind.WEEK),
        ("day", PeriodKind.DAY),
        ("daily", PeriodKind.DAY),
        ("mo", PeriodKind.MONTH),
        ("qtr", PeriodKind.QUARTER),
        ("q", PeriodKind.QUARTER),
        ("yr", PeriodKind.YEAR),
        ("annual", PeriodKind.YEAR),
    ],
)
def test_parse_period_kind(word, kind):
    assert parse_period_kind(word) is kind


@pytest.mark.parametrize(
    ("text", "amount", "kind"),
    [
        ("60/week", "60", PeriodKind.WEEK),
        ("1.2m/year", "1.2m", PeriodKind.YEAR),
        ("$4,500/month", "$4,500", PeriodKind.MONTH),
        ("300k/quarter", "300k", PeriodKind.QUARTER),
        ("5 / day", "5", PeriodKind.DAY),
        ("50 per week", "50", PeriodKind.WEEK),
        ("50 a week", "50", PeriodKind.WEEK),
    ],
)
def test_split_rate(text, amount, kind):
    assert split_rate(text) == (amount, kind)


def test_fortnight_rate_lists_valid_periods():
    with pytest.raises(UserError) as err:
        split_rate("60/fortnight")
    assert (
        err.value.message == 'Unknown period "fortnight". Periods: day, week, month, quarter, year.'
    )
    assert err.value.example == "/goal set @maria calls 60/week"


def test_rate_without_period():
    with pytest.raises(UserError) as err:
        split_rate("60")
    assert '"60" is not a goal rate' in err.value.message
