"""Which days a team works: its work week and holidays, and a person's available days."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from bot.core.errors import UserError
from bot.core.periods import WEEKDAY_ABBR, Period

DAY_NAMES = WEEKDAY_ABBR
MON_FRI: tuple[int, ...] = (0, 1, 2, 3, 4)

_DAY_WORDS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("mon", "monday"),
        ("tue", "tues", "tuesday"),
        ("wed", "weds", "wednesday"),
        ("thu", "thur", "thurs", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    )
):
    for _name in _names:
        _DAY_WORDS[_name] = _index

WORKWEEK_EXAMPLE = "/team set east workweek mon-fri"

# A time-off range as people log it: both ends included (`/log off 2026-12-24..2026-12-31`).
DateRange = tuple[date, date]


@dataclass(frozen=True)
class WorkCalendar:
    """A team's working calendar.

    `workweek` holds the weekdays worked (Mon=0 … Sun=6). Holidays are the `holidays`
    package's public holidays for `country` (and `subdivision`, e.g. "NSW"), including the
    "observed" weekdays it lists, plus any `extra_holidays`. Country holidays are computed
    per year on first use and cached for the process, so a calendar is cheap to build.
    """

    workweek: tuple[int, ...] = MON_FRI
    country: str | None = None
    subdivision: str | None = None
    extra_holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.workweek or any(not 0 <= d <= 6 for d in self.workweek):
            raise ValueError(f"workweek must hold weekdays 0..6, got {self.workweek!r}")
        # Normalise so equal calendars compare and hash equal however they were typed.
        object.__setattr__(self, "workweek", tuple(sorted(set(self.workweek))))
        if self.country is not None:
            object.__setattr__(self, "country", self.country.upper())

    def holidays_in(self, year: int) -> frozenset[date]:
        extra = frozenset(d for d in self.extra_holidays if d.year == year)
        if self.country is None:
            return extra
        return _country_holidays(self.country, self.subdivision, year) | extra

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or (
            self.country is not None
            and day in _country_holidays(self.country, self.subdivision, day.year)
        )

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.workweek and not self.is_holiday(day)


@lru_cache(maxsize=1024)
def _country_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Imported here: the package is large and most code paths never need it.
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def check_country(country: str, subdivision: str | None = None) -> str:
    """The upper-cased country code if the `holidays` package knows it (and the
    subdivision), else a UserError. Use when a team sets its holiday calendar."""
    import holidays

    supported = holidays.list_supported_countries()
    code = country.strip().upper()
    if code not in supported:
        raise UserError(
            f'Unknown holiday country "{country.strip()[:40]}": use a two-letter country code.',
            "/team set east holidays US",
        )
    if subdivision is not None and subdivision not in supported[code]:
        listed = ", ".join(supported[code]) or "none"
        raise UserError(
            f'Unknown subdivision "{subdivision[:40]}" for {code}. Subdivisions: {listed}.',
            f"/team set east holidays {code}",
        )
    return code


def normal_days(period: Period, calendar: WorkCalendar) -> list[date]:
    """The team's working days in the period: work-week days minus holidays. Nobody's
    time off or start date counts here: this is the yardstick targets are prorated by."""
    return list(_normal_days(period.start, period.end, calendar))


def available_days(
    period: Period,
    calendar: WorkCalendar,
    time_off: Iterable[DateRange] = (),
    start_date: date | None = None,
) -> list[date]:
    """A person's working days in the period: the team's normal days, minus their time off
    (inclusive ranges; a range whose end is before its start covers nothing), from the
    later of the period's start and their start date."""
    ranges = tuple((start, end) for start, end in time_off)
    return list(_available_days(period.start, period.end, calendar, ranges, start_date))


# A team view computes the same days for each of its people (most have no time off):
# cached, a 200-person month view costs one calendar walk instead of four hundred.
@lru_cache(maxsize=4096)
def _normal_days(start: date, end: date, calendar: WorkCalendar) -> tuple[date, ...]:
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return tuple(d for d in days if calendar.is_workday(d))


@lru_cache(maxsize=16384)
def _available_days(
    start: date,
    end: date,
    calendar: WorkCalendar,
    ranges: tuple[DateRange, ...],
    start_date: date | None,
) -> tuple[date, ...]:
    def off(day: date) -> bool:
        return any(first <= day <= last for first, last in ranges)

    return tuple(
        d
        for d in _normal_days(start, end, calendar)
        if (start_date is None or d >= start_date) and not off(d)
    )


_RANGE_MARK = re.compile(r"\s*(?:-|–|—|\.\.)\s*|\s+to\s+")


def parse_workweek(text: str, example: str = WORKWEEK_EXAMPLE) -> tuple[int, ...]:
    """Weekdays (Mon=0 … Sun=6, ascending) from 'mon-fri', 'sun-thu', 'mon,wed,fri',
    'mon-thu, sat' or full names. Ranges wrap round the week end (sun-thu is Sun to Thu)."""
    # Ranges become "a-b" first, so commas and spaces alone separate the parts.
    normalised = _RANGE_MARK.sub("-", text.strip().lower())
    parts = [p for p in re.split(r"[,;\s]+", normalised) if p]
    days: set[int] = set()
    for part in parts:
        ends = part.split("-")
        if not 1 <= len(ends) <= 2 or any(e not in _DAY_WORDS for e in ends):
            shown = part if len(part) <= 40 else part[:40] + "…"
            raise UserError(
                f'"{shown}" is not a day or range of days. Days: mon, tue, wed, thu, fri, sat, sun.',
                example,
            )
        first, last = _DAY_WORDS[ends[0]], _DAY_WORDS[ends[-1]]
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    if not days:
        raise UserError("Give the days your team works.", example)
    return tuple(sorted(days))


def format_workweek(workweek: Iterable[int]) -> str:
    """'Mon–Fri', 'Sun–Thu' (a run, wrapping round the week end) or 'Mon, Wed, Fri'."""
    days = sorted(set(workweek))
    if len(days) == 7:
        return "Mon–Sun"
    if len(days) >= 3:
        # A single run has exactly one worked day whose predecessor is not worked.
        starts = [d for d in days if (d - 1) % 7 not in days]
        if len(starts) == 1:
            first = starts[0]
            last = (first + len(days) - 1) % 7
            return f"{DAY_NAMES[first]}–{DAY_NAMES[last]}"
    return ", ".join(DAY_NAMES[d] for d in days)
