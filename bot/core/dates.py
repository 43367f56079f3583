"""Days in commands: `today`, `yesterday`, weekday names, ISO dates, and time-off ranges.

All dates are the person's own local dates; `today` is passed in, never read from a clock.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from bot.core.errors import UserError
from bot.core.mentions import shorten

LOG_WINDOW_DAYS = 31
MAX_RANGE_DAYS = 366
# Words that begin a two-word day (`on monday`, `last friday`); grammars join the pair.
DAY_PHRASE_STARTS = ("on", "last")

WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
# English names spelled out: calendar.day_name follows the server's locale.
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAY_WORDS: dict[str, int] = {}
for _index, _name in enumerate(_WEEKDAY_NAMES):
    _WEEKDAY_WORDS[_name] = _index
    _WEEKDAY_WORDS[_name[:3]] = _index
# Common short forms people type besides the three-letter ones.
_WEEKDAY_WORDS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

# Month and day may be written without a leading zero (2026-2-3 is unambiguous).
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
# Shapes that are clearly meant as dates but are not ISO (11/20, 20.11.2026, 20-11-2026):
# refused with a hint, because reading them would mean guessing between US and EU order.
_OTHER_DATE_SHAPES = (
    re.compile(r"[0-9]{1,4}/[0-9]{1,2}(?:/[0-9]{1,4})?"),
    re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}"),
    re.compile(r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{2,4}"),
    re.compile(r"[0-9]{4}-[0-9]+-[0-9]+"),
    re.compile(r"[0-9]{4}-[0-9]{1,2}"),
)


def weekday_index(word: str) -> int | None:
    """Monday=0 … Sunday=6 for `mon`/`monday` (any case, a few short forms); else None."""
    return _WEEKDAY_WORDS.get(word.strip().lower())


def parse_iso_date(token: str, example: str) -> date | None:
    """A `YYYY-MM-DD` date; None when the token is not date-shaped at all.

    Raises UserError for a date-shaped token that is no real day (`2026-02-30`) or that is
    not in ISO order (`11/20/2026`).
    """
    text = token.strip()
    shown = shorten(text)
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        if not year >= 1:
            raise UserError(f'"{shown}" is not a real date — the year is out of range.', example)
        if not 1 <= month <= 12:
            raise UserError(f'"{shown}" is not a real date — months run 01 to 12.', example)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            name = _MONTH_NAMES[month - 1]
            raise UserError(
                f'"{shown}" is not a real date — {name} {year} has {last} days.', example
            )
        return date(year, month, day)
    if any(shape.fullmatch(text) for shape in _OTHER_DATE_SHAPES):
        raise UserError(f'"{shown}" is not a date I can read — write dates as YYYY-MM-DD.', example)
    return None


def parse_day(token: str, today: date, example: str | None = None) -> date | None:
    """The day a word names, or None if it is not a date word at all.

    `today`, `yesterday`, `tomorrow` (so that it can be refused as the future, not as an
    unknown metric), weekday names (the most recent such day, today included), YYYY-MM-DD,
    and the two-word forms a grammar joins into one token: `on <day>` and `last <weekday>`.
    """
    example = example or f"/log calls 12 {(today - timedelta(days=1)).isoformat()}"
    word = token.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    if word == "tomorrow":
        return today + timedelta(days=1)
    weekday = weekday_index(word)
    if weekday is not None:
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    lead, _, rest = word.partition(" ")
    if lead == "on" and rest:
        # `on monday` is what people say for `monday`; any day word may follow.
        return parse_day(rest, today, example)
    if lead == "last" and (weekday := weekday_index(rest)) is not None:
        return last_weekday(weekday, today)
    return parse_iso_date(word, example)


def last_weekday(weekday: int, today: date) -> date:
    """`last friday`: the most recent such day strictly before today — yesterday's Friday
    on a Saturday, a week ago on a Friday (where plain `friday` is today)."""
    return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def check_log_day(
    day: date, today: date, may_backdate: bool, window_days: int = LOG_WINDOW_DAYS
) -> None:
    """Refuse future days, and for reps days more than `window_days` back."""
    if day > today:
        raise UserError(
            f"{format_day(day, today)} is in the future — log for today or an earlier day.",
            "/log calls 12 yesterday",
        )
    age = (today - day).days
    if not may_backdate and age > window_days:
        raise UserError(
            f"{format_day(day, today)} is {age} days ago — you can log up to {window_days} "
            "days back; a manager can backdate it for you.",
            "/log calls 12 yesterday",
        )


def parse_day_range(text: str, today: date) -> tuple[date, date]:
    """`2026-12-24..2026-12-31` (or one day) as (start, end), end ≥ start, ≤ 366 days."""
    example = f"/log off {today.isoformat()}..{(today + timedelta(days=4)).isoformat()}"
    raw = text.strip()
    shown = shorten(raw)
    first, separator, second = raw.partition("..")
    start = parse_day(first, today, example) if first else None
    end = parse_day(second, today, example) if separator else start
    if start is None or end is None:
        raise UserError(
            f'"{shown}" is not a day or a range of days — write START..END as YYYY-MM-DD.',
            example,
        )
    if end < start:
        raise UserError(
            f"The range ends ({format_day(end, today)}) before it starts "
            f"({format_day(start, today)}).",
            example,
        )
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise UserError(
            f"The range is {length} days — at most {MAX_RANGE_DAYS} at a time.", example
        )
    return start, end


def format_day(day: date, reference: date | None = None) -> str:
    """`Fri 20 Nov`; with the year when it differs from the reference day's year.

    Fixed English names rather than strftime, which follows the server's locale.
    """
    text = f"{WEEKDAY_ABBREVIATIONS[day.weekday()]} {day.day} {MONTH_ABBREVIATIONS[day.month - 1]}"
    if reference is not None and reference.year != day.year:
        text += f" {day.year}"
    return text
