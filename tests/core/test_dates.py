from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import (
    check_log_day,
    format_day,
    parse_day,
    parse_day_range,
    parse_iso_date,
    weekday_index,
)
from bot.core.errors import UserError

FRI = date(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("today", FRI),
        ("TODAY", FRI),
        ("yesterday", date(2026, 11, 19)),
        ("tomorrow", date(2026, 11, 21)),
        ("fri", FRI),  # today included
        ("Friday", FRI),
        ("thu", date(2026, 11, 19)),
        ("thurs", date(2026, 11, 19)),
        ("mon", date(2026, 11, 16)),
        ("monday", date(2026, 11, 16)),
        ("tues", date(2026, 11, 17)),
        ("sat", date(2026, 11, 14)),
        ("sun", date(2026, 11, 15)),
        ("2026-11-20", FRI),
        ("2026-2-3", date(2026, 2, 3)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_day_words(token, expected):
    assert parse_day(token, FRI) == expected


@pytest.mark.parametrize("token", ["calls", "12", "1,200", "week", "", "@maria", "2026", "$4"])
def test_not_date_words(token):
    assert parse_day(token, FRI) is None


def test_month_and_year_ends():
    new_years_day = date(2027, 1, 1)  # a Friday
    assert parse_day("yesterday", new_years_day) == date(2026, 12, 31)
    sunday = date(2028, 1, 2)
    assert parse_day("mon", sunday) == date(2027, 12, 27)
    assert parse_day("sun", sunday) == sunday
    assert parse_day("yesterday", date(2024, 3, 1)) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("2026-02-30", '"2026-02-30" is not a real date — February 2026 has 28 days.'),
        ("2026-13-01", '"2026-13-01" is not a real date — months run 01 to 12.'),
        ("2026-00-10", "months run 01 to 12"),
        ("2026-04-31", "April 2026 has 30 days"),
        ("2025-02-29", "February 2025 has 28 days"),
        ("0000-01-01", "the year is out of range"),
        ("11/20", '"11/20" is not a date I can read — write dates as YYYY-MM-DD.'),
        ("11/20/2026", "write dates as YYYY-MM-DD"),
        ("20.11.2026", "write dates as YYYY-MM-DD"),
        ("20-11-2026", "write dates as YYYY-MM-DD"),
        ("2026-11", "write dates as YYYY-MM-DD"),
        ("2026-011-001", "write dates as YYYY-MM-DD"),
    ],
)
def test_impossible_or_unreadable_dates(token, fragment):
    with pytest.raises(UserError) as caught:
        parse_day(token, FRI)
    assert fragment in caught.value.text
    assert "Example: `/log calls 12 2026-11-19`" in caught.value.text


def test_iso_date_without_relative_words():
    assert parse_iso_date("2026-11-02", "/team start @bo 2026-11-02") == date(2026, 11, 2)
    assert parse_iso_date("today", "x") is None


def test_weekday_index():
    assert weekday_index("MON") == 0
    assert weekday_index("sunday") == 6
    assert weekday_index("funday") is None


def test_check_log_day_accepts_today_and_the_window():
    check_log_day(FRI, FRI, may_backdate=False)
    check_log_day(FRI - timedelta(days=31), FRI, may_backdate=False)


def test_check_log_day_refuses_the_future():
    with pytest.raises(UserError) as caught:
        check_log_day(date(2026, 11, 21), FRI, may_backdate=True)
    assert caught.value.message == "Sat 21 Nov is in the future — log for today or an earlier day."
    assert caught.value.example == "/log calls 12 yesterday"


def test_check_log_day_refuses_past_the_window_for_reps_only():
    old = FRI - timedelta(days=32)
    with pytest.raises(UserError) as caught:
        check_log_day(old, FRI, may_backdate=False)
    assert caught.value.message == (
        "Mon 19 Oct is 32 days ago — you can log up to 31 days back; "
        "a manager can backdate it for you."
    )
    check_log_day(old, FRI, may_backdate=True)
    check_log_day(date(2020, 1, 1), FRI, may_backdate=True)


def test_check_log_day_custom_window():
    with pytest.raises(UserError, match="up to 7 days back"):
        check_log_day(FRI - timedelta(days=8), FRI, may_backdate=False, window_days=7)


def test_day_ranges():
    assert parse_day_range("2026-12-24..2026-12-31", FRI) == (
        date(2026, 12, 24),
        date(2026, 12, 31),
    )
    assert parse_day_range("2026-12-24", FRI) == (date(2026, 12, 24), date(2026, 12, 24))
    assert parse_day_range("today..2026-11-27", FRI) == (FRI, date(2026, 11, 27))
    assert parse_day_range("2026-01-01..2026-12-31", FRI) == (date(2026, 1, 1), date(2026, 12, 31))
    # 366 days is allowed (a leap year).
    assert parse_day_range("2028-01-01..2028-12-31", FRI) == (date(2028, 1, 1), date(2028, 12, 31))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-12-31..2026-12-24", "The range ends (Thu 24 Dec) before it starts (Thu 31 Dec)."),
        ("2026-01-01..2027-01-02", "The range is 367 days — at most 366 at a time."),
        ("2026-12-24..", "is not a day or a range of days"),
        ("..2026-12-24", "is not a day or a range of days"),
        ("xmas", '"xmas" is not a day or a range of days'),
        ("2026-12-24..2026-12-32", "December 2026 has 31 days"),
        ("2026-12-24..2026-12-31..2027-01-01", "is not a day or a range of days"),
    ],
)
def test_bad_ranges(text, fragment):
    with pytest.raises(UserError) as caught:
        parse_day_range(text, FRI)
    assert fragment in caught.value.text
    assert "Example: `/log off 2026-11-20..2026-11-24`" in caught.value.text


def test_format_day():
    assert format_day(FRI) == "Fri 20 Nov"
    assert format_day(date(2026, 3, 6)) == "Fri 6 Mar"
    assert format_day(FRI, FRI) == "Fri 20 Nov"
    assert format_day(date(2025, 12, 31), date(2026, 1, 2)) == "Wed 31 Dec 2025"


TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(st.text(max_size=30), TODAYS)
def test_any_text_is_a_day_none_or_a_user_error_with_an_example(token, today):
    try:
        result = parse_day(token, today)
    except UserError as error:
        assert error.text.strip()
        assert "Example: `" in error.text
    else:
        assert result is None or isinstance(result, date)


@given(st.from_regex(r"[0-9]{1,4}[-/.][0-9]{1,3}([-/.][0-9]{1,4})?", fullmatch=True), TODAYS)
def test_date_shaped_text_is_a_day_none_or_a_user_error(token, today):
    try:
        parse_day(token, today)
    except UserError as error:
        assert "Example: `" in error.text


@given(st.dates(min_value=date(1, 1, 1)), TODAYS)
def test_iso_round_trip(day, today):
    assert parse_day(day.isoformat(), today) == day


@given(TODAYS, st.integers(min_value=0, max_value=6))
def test_weekday_is_the_most_recent_such_day(today, weekday):
    word = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][weekday]
    day = parse_day(word, today)
    assert day.weekday() == weekday
    assert 0 <= (today - day).days <= 6


@given(TODAYS, st.integers(min_value=0, max_value=365), st.integers(min_value=-400, max_value=400))
def test_range_round_trip(today, length, offset):
    start = today + timedelta(days=offset)
    end = start + timedelta(days=length)
    assert parse_day_range(f"{start.isoformat()}..{end.isoformat()}", today) == (start, end)
