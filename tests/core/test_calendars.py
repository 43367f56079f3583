from datetime import date

import pytest

from bot.core import calendars
from bot.core.calendars import (
    WorkCalendar,
    available_days,
    check_country,
    format_workweek,
    normal_days,
    parse_workweek,
)
from bot.core.errors import UserError
from bot.core.periods import Period

THANKSGIVING_WEEK = Period.containing("week", date(2026, 11, 26))  # Mon 23 – Sun 29 Nov
US = WorkCalendar(country="US")
PLAIN = WorkCalendar()


def d(day, month=11, year=2026):
    return date(year, month, day)


# --- work weeks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("Mon-Fri", (0, 1, 2, 3, 4)),
        ("monday - friday", (0, 1, 2, 3, 4)),
        ("mon to fri", (0, 1, 2, 3, 4)),
        ("mon–fri", (0, 1, 2, 3, 4)),
        ("sun-thu", (0, 1, 2, 3, 6)),
        ("sat-mon", (0, 5, 6)),
        ("mon,wed,fri", (0, 2, 4)),
        ("mon, wed, fri", (0, 2, 4)),
        ("mon-thu, sat", (0, 1, 2, 3, 5)),
        ("tues thurs", (1, 3)),
        ("sat-sat", (5,)),
        ("fri,mon,mon", (0, 4)),
    ],
)
def test_parse_workweek(text, days):
    assert parse_workweek(text) == days


@pytest.mark.parametrize("text", ["funday", "mon-", "-fri", "mon-tue-wed", "mon,xyz"])
def test_parse_workweek_rejects(text):
    with pytest.raises(UserError) as err:
        parse_workweek(text)
    assert "is not a day or range of days" in err.value.message
    assert err.value.example == "/team set east workweek mon-fri"


def test_parse_workweek_empty():
    with pytest.raises(UserError) as err:
        parse_workweek("  ")
    assert err.value.message == "Give the days your team works."


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((0, 1, 2, 3, 4), "Mon–Fri"),
        ((6, 0, 1, 2, 3), "Sun–Thu"),
        ((0, 2, 4), "Mon, Wed, Fri"),
        ((5, 6), "Sat, Sun"),
        (range(7), "Mon–Sun"),
        ((0, 1, 2, 3, 5), "Mon, Tue, Wed, Thu, Sat"),
    ],
)
def test_format_workweek(days, text):
    assert format_workweek(days) == text


def test_calendar_normalises_workweek_and_country():
    assert WorkCalendar(workweek=(4, 0, 0, 2), country="us") == WorkCalendar((0, 2, 4), "US")
    with pytest.raises(ValueError):
        WorkCalendar(workweek=(7,))
    with pytest.raises(ValueError):
        WorkCalendar(workweek=())


# --- holidays -------------------------------------------------------------------------


def test_us_holidays_include_thanksgiving_and_observed_days():
    assert US.is_holiday(d(26))
    assert not US.is_workday(d(26))
    assert US.is_workday(d(27))
    assert not US.is_workday(d(28))  # a Saturday
    holidays_2026 = US.holidays_in(2026)
    assert d(26) in holidays_2026
    assert date(2026, 7, 3) in holidays_2026  # Independence Day observed on the Friday
    assert len(holidays_2026) == 12


def test_country_holidays_are_loaded_once_per_year():
    calendars._country_holidays.cache_clear()
    US.is_holiday(d(26))
    US.is_holiday(d(27))
    WorkCalendar(country="US").is_holiday(date(2026, 1, 1))
    info = calendars._country_holidays.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    US.is_holiday(date(2027, 1, 1))
    assert calendars._country_holidays.cache_info().misses == 2


def test_subdivision_holidays():
    nsw = WorkCalendar(country="AU", subdivision="NSW")
    assert nsw.is_holiday(date(2026, 10, 5))  # Labour Day in NSW
    assert not WorkCalendar(country="AU", subdivision="VIC").is_holiday(date(2026, 10, 5))


def test_extra_holidays():
    cal = WorkCalendar(extra_holidays=frozenset({d(24)}))
    assert cal.is_holiday(d(24))
    assert cal.holidays_in(2026) == frozenset({d(24)})
    assert cal.holidays_in(2027) == frozenset()
    assert [x.day for x in normal_days(THANKSGIVING_WEEK, cal)] == [23, 25, 26, 27]


def test_check_country():
    assert check_country(" us ") == "US"
    assert check_country("AU", "NSW") == "AU"
    with pytest.raises(UserError) as err:
        check_country("XX")
    assert err.value.message == 'Unknown holiday country "XX": use a two-letter country code.'
    with pytest.raises(UserError) as err:
        check_country("AU", "ZZZ")
    assert "Subdivisions: ACT, NSW" in err.value.message


# --- normal and available days --------------------------------------------------------


def test_normal_days_holiday_inside_week():
    assert [x.day for x in normal_days(THANKSGIVING_WEEK, US)] == [23, 24, 25, 27]
    assert [x.day for x in normal_days(THANKSGIVING_WEEK, PLAIN)] == [23, 24, 25, 26, 27]


def test_normal_days_other_work_weeks():
    sun_thu = WorkCalendar(workweek=parse_workweek("sun-thu"))
    assert [x.day for x in normal_days(THANKSGIVING_WEEK, sun_thu)] == [23, 24, 25, 26, 29]
    assert normal_days(Period.containing("day", d(28)), PLAIN) == []


def test_normal_days_year_end_and_leap_month():
    year_end = Period.containing("week", date(2026, 12, 31))  # 28 Dec – 3 Jan
    assert normal_days(year_end, US) == [
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
    ]
    feb_2028 = Period.containing("month", date(2028, 2, 29))
    assert len(normal_days(feb_2028, PLAIN)) == 21
    assert len(normal_days(feb_2028, US)) == 20  # Washington's Birthday, 21 Feb
    assert normal_days(feb_2028, US)[-1] == date(2028, 2, 29)


def test_quarter_starting_mid_week():
    q4 = Period.containing("quarter", date(2026, 11, 1))
    assert q4.start == date(2026, 10, 1)
    assert q4.start.weekday() == 3  # Thursday
    assert len(normal_days(q4, PLAIN)) == 66
    assert len(normal_days(q4, US)) == 62  # Columbus, Veterans, Thanksgiving, Christmas


def test_available_days_minus_time_off():
    off = [(d(24), d(25))]
    assert [x.day for x in available_days(THANKSGIVING_WEEK, US, off)] == [23, 27]


def test_available_days_time_off_covering_whole_period():
    assert available_days(THANKSGIVING_WEEK, US, [(d(20), d(30))]) == []


def test_available_days_several_and_inverted_ranges():
    off = [(d(23), d(23)), (d(27), d(27)), (d(25), d(24))]  # the last covers nothing
    assert [x.day for x in available_days(THANKSGIVING_WEEK, PLAIN, off)] == [24, 25, 26]


def test_available_days_from_start_date():
    assert [x.day for x in available_days(THANKSGIVING_WEEK, US, start_date=d(25))] == [25, 27]
    # Starting on the last day of the period, a Sunday: no working day left.
    assert available_days(THANKSGIVING_WEEK, US, start_date=d(29)) == []
    # Starting before the period changes nothing.
    assert len(available_days(THANKSGIVING_WEEK, US, start_date=date(2020, 1, 1))) == 4
    # Starting after it leaves nothing.
    assert available_days(THANKSGIVING_WEEK, US, start_date=d(30)) == []
