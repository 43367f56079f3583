"""Calendar periods (day, week, month, quarter, year) containing a given local date,
the words and labels people use for them, and the period part of goal rates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.core.errors import UserError


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


VALID_KINDS_TEXT = "day, week, month, quarter, year"

# Words people type for a period kind. Everything else is refused with the list above,
# so "fortnight" or "sprint" never silently becomes a different period.
_KIND_WORDS: dict[str, PeriodKind] = {
    "day": PeriodKind.DAY,
    "days": PeriodKind.DAY,
    "daily": PeriodKind.DAY,
    "d": PeriodKind.DAY,
    "week": PeriodKind.WEEK,
    "weeks": PeriodKind.WEEK,
    "weekly": PeriodKind.WEEK,
    "wk": PeriodKind.WEEK,
    "w": PeriodKind.WEEK,
    "month": PeriodKind.MONTH,
    "months": PeriodKind.MONTH,
    "monthly": PeriodKind.MONTH,
    "mo": PeriodKind.MONTH,
    "mth": PeriodKind.MONTH,
    "quarter": PeriodKind.QUARTER,
    "quarters": PeriodKind.QUARTER,
    "quarterly": PeriodKind.QUARTER,
    "qtr": PeriodKind.QUARTER,
    "q": PeriodKind.QUARTER,
    "year": PeriodKind.YEAR,
    "years": PeriodKind.YEAR,
    "yearly": PeriodKind.YEAR,
    "annual": PeriodKind.YEAR,
    "annually": PeriodKind.YEAR,
    "yr": PeriodKind.YEAR,
    "y": PeriodKind.YEAR,
}

_MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}

# Far enough either way for any sales history, near enough that fiscal arithmetic
# (which may reach into the previous calendar year) stays inside `date`'s range.
MIN_YEAR = 1900
MAX_YEAR = 9998


@dataclass(frozen=True, order=True)
class Period:
    """A closed range of local dates [start, end] of one kind.

    `fiscal_year_start_month` only matters for quarters and years: it names them
    (labels) and decides where next()/previous() land. It takes no part in equality,
    ordering or hashing: two periods with the same dates are the same period.
    """

    kind: PeriodKind
    start: date
    end: date
    fiscal_year_start_month: int = field(default=1, compare=False, repr=False)

    @staticmethod
    def containing(kind: PeriodKind | str, day: date, fiscal_year_start_month: int = 1) -> Period:
        kind = PeriodKind(kind)
        _check_fiscal_month(fiscal_year_start_month)
        if kind is PeriodKind.DAY:
            return Period(kind, day, day, fiscal_year_start_month)
        if kind is PeriodKind.WEEK:
            # Weeks run Monday to Sunday (ISO 8601), whatever the team's work week is.
            start = day - timedelta(days=day.weekday())
            return Period(kind, start, start + timedelta(days=6), fiscal_year_start_month)
        if kind is PeriodKind.MONTH:
            start = day.replace(day=1)
            return Period(
                kind, start, _add_months(start, 1) - timedelta(days=1), fiscal_year_start_month
            )
        months = _MONTHS_IN[kind]
        offset = (day.month - fiscal_year_start_month) % months
        start = _add_months(day.replace(day=1), -offset)
        return Period(
            kind, start, _add_months(start, months) - timedelta(days=1), fiscal_year_start_month
        )

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    # Periods of one kind tile the calendar, so the neighbours are simply the periods
    # containing the day after the end and the day before the start.
    def next(self) -> Period:
        return Period.containing(
            self.kind, self.end + timedelta(days=1), self.fiscal_year_start_month
        )

    def previous(self) -> Period:
        return Period.containing(
            self.kind, self.start - timedelta(days=1), self.fiscal_year_start_month
        )

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def fiscal_year(self) -> int:
        """The fiscal year this period's start falls in, named by the calendar year in
        which that fiscal year ends (Salesforce, Microsoft and the US government do this):
        with a February start, Feb 2026–Jan 2027 is fiscal 2027. With a January start the
        fiscal year is the calendar year."""
        fsm = self.fiscal_year_start_month
        if fsm == 1 or self.start.month < fsm:
            return self.start.year
        return self.start.year + 1

    @property
    def fiscal_quarter(self) -> int:
        """1..4: which quarter of its fiscal year this period's start falls in."""
        return (self.start.month - self.fiscal_year_start_month) % 12 // 3 + 1

    @property
    def label(self) -> str:
        """How people read the period. parse_period() reads month, quarter and year
        labels back; day and week labels carry no year, so they are for display only."""
        if self.kind is PeriodKind.DAY:
            return short_date(self.start)
        if self.kind is PeriodKind.WEEK:
            return f"week of {short_date(self.start)}"
        if self.kind is PeriodKind.MONTH:
            return f"{MONTH_ABBR[self.start.month - 1]} {self.start.year}"
        # A fiscal label says so, or "2026-Q1" would read as January–March.
        prefix = "" if self.fiscal_year_start_month == 1 else "FY"
        if self.kind is PeriodKind.QUARTER:
            return f"{prefix}{self.fiscal_year}-Q{self.fiscal_quarter}"
        return f"{prefix}{self.fiscal_year}"


# English names, not strftime: its %a and %b follow the process locale.
WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day: date) -> str:
    """'Mon 23 Nov': what the rest of the app shows for a day."""
    return f"{WEEKDAY_ABBR[day.weekday()]} {day.day} {MONTH_ABBR[day.month - 1]}"


def parse_period_kind(word: str, example: str = "/goal set @maria calls 60/week") -> PeriodKind:
    """The period kind a word names ('week', 'weekly', 'wk', …), else a UserError."""
    kind = _KIND_WORDS.get(word.strip().lower())
    if kind is None:
        shown = word.strip() if len(word.strip()) <= 40 else word.strip()[:40] + "…"
        raise UserError(f'Unknown period "{shown}". Periods: {VALID_KINDS_TEXT}.', example)
    return kind


_RATE = re.compile(
    r"^\s*(?P<amount>\S+?)\s*(?:/|\s+per\s+|\s+a\s+|\s+an\s+)\s*(?P<kind>\S+)\s*$", re.I
)


def split_rate(
    text: str, example: str = "/goal set @maria calls 60/week"
) -> tuple[str, PeriodKind]:
    """Split a goal rate such as '60/week', '1.2m/year' or '50 per week' into the amount
    text (parsed by the caller, because counts and money parse differently) and its
    period kind."""
    match = _RATE.match(text)
    if match is None:
        raise UserError(
            f'"{text.strip()}" is not a goal rate: give an amount and a period '
            f"({VALID_KINDS_TEXT}) like 60/week.",
            example,
        )
    return match["amount"], parse_period_kind(match["kind"], example)


_QUARTER = re.compile(r"^(?:fy)?(\d{4})[-\s]?q([1-4])$|^q([1-4])[-\s]?(?:fy)?(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_NAMED_MONTH = re.compile(r"^([a-z]{3,9})\.?\s+(\d{4})$")
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_YEAR = re.compile(r"^(?:fy)?(\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RELATIVE = re.compile(r"^(this|last|previous|prev|next)[-\s]+(\w+)$")

PERIOD_EXAMPLES = "today, week, month, quarter, year, last-week, 2026-Q4, 2026-11, 2026, 2026-11-20"


def parse_period(
    text: str,
    today: date,
    fiscal_year_start_month: int = 1,
    example: str = "/progress 2026-Q4",
) -> Period:
    """The period a person means: a kind word for the one containing `today`
    ('day', 'today', 'week', …), 'yesterday', a relative form ('last week', 'last-month',
    'this quarter', 'next week'), a quarter ('2026-Q4', 'Q4 2026', 'FY2027-Q1'), a month
    ('2026-11', 'Nov 2026'), a year ('2026', 'FY2027') or a date ('2026-11-20', a day).

    Quarters and years are fiscal when the workspace has a fiscal start month: '2027-Q1'
    with a February start is Feb–Apr 2026 (see Period.fiscal_year)."""
    _check_fiscal_month(fiscal_year_start_month)
    fsm = fiscal_year_start_month
    word = " ".join(text.strip().lower().split())

    if word in ("today", "day"):
        return Period.containing(PeriodKind.DAY, today, fsm)
    if word == "yesterday":
        return Period.containing(PeriodKind.DAY, today - timedelta(days=1), fsm)
    if word in _KIND_WORDS and len(word) > 1:
        return Period.containing(_KIND_WORDS[word], today, fsm)

    relative = _RELATIVE.match(word)
    if relative and relative[2] in _KIND_WORDS:
        current = Period.containing(_KIND_WORDS[relative[2]], today, fsm)
        if relative[1] == "this":
            return current
        return current.next() if relative[1] == "next" else current.previous()

    if quarter := _QUARTER.match(word):
        year = int(quarter[1] or quarter[4])
        number = int(quarter[2] or quarter[3])
        return fiscal_quarter(_check_year(year, text, example), number, fsm)
    if month := _MONTH.match(word):
        year, number = _check_year(int(month[1]), text, example), int(month[2])
        if not 1 <= number <= 12:
            raise UserError(
                f'"{text.strip()}" has no month {number}: months are 01 to 12.', example
            )
        return Period.containing(PeriodKind.MONTH, date(year, number, 1), fsm)
    named = _NAMED_MONTH.match(word)
    if named and named[1] in _MONTH_NAMES:
        year = _check_year(int(named[2]), text, example)
        return Period.containing(PeriodKind.MONTH, date(year, _MONTH_NAMES[named[1]], 1), fsm)
    if year_match := _YEAR.match(word):
        return fiscal_year(_check_year(int(year_match[1]), text, example), fsm)
    if day_match := _DAY.match(word):
        try:
            day = date(int(day_match[1]), int(day_match[2]), int(day_match[3]))
        except ValueError:
            raise UserError(f'"{text.strip()}" is not a real date.', example) from None
        return Period.containing(PeriodKind.DAY, day, fsm)

    shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
    raise UserError(f'Unknown period "{shown}". Periods: {PERIOD_EXAMPLES}.', example)


def fiscal_year(year: int, fiscal_year_start_month: int = 1) -> Period:
    """Fiscal year `year` (named by the calendar year it ends in)."""
    fsm = fiscal_year_start_month
    start = date(year if fsm == 1 else year - 1, fsm, 1)
    return Period.containing(PeriodKind.YEAR, start, fsm)


def fiscal_quarter(year: int, quarter: int, fiscal_year_start_month: int = 1) -> Period:
    """Quarter 1..4 of fiscal year `year`."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, not {quarter}")
    first = fiscal_year(year, fiscal_year_start_month).start
    return Period.containing(
        PeriodKind.QUARTER, _add_months(first, 3 * (quarter - 1)), fiscal_year_start_month
    )


def _check_year(year: int, text: str, example: str) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UserError(
            f'"{text.strip()}": the year must be between {MIN_YEAR} and {MAX_YEAR}.', example
        )
    return year


def _check_fiscal_month(month: int) -> None:
    # A programming or settings error, not something a person typed in a command.
    if not 1 <= month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1..12, not {month}")


def _add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later; only ever called with day 1."""
    index = day.year * 12 + (day.month - 1) + months
    return day.replace(year=index // 12, month=index % 12 + 1)
