"""The plain activity file: `user,metric,date,amount[,note]`, one amount of one metric for one
person-day per row. Pure: amounts and metrics are read exactly as `/log` reads them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from bot.core.amounts import parse_amount
from bot.core.dates import parse_iso_date
from bot.core.errors import UserError
from bot.core.metrics import Metric, MetricCatalog
from bot.importer.csv_reading import CsvShape
from bot.importer.rows import PlannedEntry, PlannedRow, RowError, entry_key, key_identity

REQUIRED = ("user", "metric", "date", "amount")
OPTIONAL = ("note",)
SOURCE = "activity"
MAX_NOTE = 500


@dataclass(frozen=True)
class ActivityColumns:
    user: int
    metric: int
    date: int
    amount: int
    note: int | None

    @classmethod
    def of(cls, shape: CsvShape) -> ActivityColumns:
        return cls(**{name: shape.index(name) for name in REQUIRED + OPTIONAL})  # type: ignore[arg-type]


class ActivityParser:
    """Parses rows of one file. Its caches (days, counts) make a million-row file cheap to
    read twice: such a file holds a few hundred distinct days and counts."""

    _MAX_CACHED = 20_000

    def __init__(
        self, cols: ActivityColumns, catalog: MetricCatalog, workspace: str, latest: date
    ) -> None:
        self._cols = cols
        self._catalog = catalog
        self._workspace = workspace
        self._latest = latest
        self._counts: dict[tuple[str, str], int] = {}

    def __call__(self, line: int, cells: list[str]) -> PlannedRow:
        """One row as the entry it adds. Raises RowError.

        Its identity is the row as written (the user as typed, case-insensitive; the metric;
        the day; the amount; the note), so the same row twice is a duplicate, and importing
        the file again after someone was linked still finds every row already there."""
        cols = self._cols
        user = cells[cols.user].strip()
        if not user:
            raise RowError("user is empty.")
        word = cells[cols.metric].strip()
        metric = self._catalog.lookup(word)
        if metric is None:
            try:
                self._catalog.resolve(word or "(empty)")
            except UserError as error:
                raise RowError(error.message) from None
        assert metric is not None
        day, day_text = _day(cells[cols.date].strip())
        if day > self._latest:
            raise RowError(f"date {day_text} is in the future.")
        quantity = self._amount(cells[cols.amount].strip(), metric)
        note = cells[cols.note].strip() if cols.note is not None else ""
        if len(note) > MAX_NOTE:
            raise RowError(f"note is {len(note):,} characters; at most {MAX_NOTE}.")
        key = entry_key(
            self._workspace,
            SOURCE,
            f"{user.casefold()}\x1f{metric.key}\x1f{day_text}\x1f{quantity}\x1f{note}",
        )
        # The key is a hash of the identity already: it serves as the identity too.
        identity = key_identity(key)
        if quantity == 0:
            return PlannedRow(
                line, identity, identity, user, (), skip="amount is 0: nothing to add"
            )
        return PlannedRow(
            line,
            identity,
            identity,
            user,
            (PlannedEntry(metric.key, day, quantity, note or None, key),),
        )

    def _amount(self, text: str, metric: Metric) -> int:
        # Counts repeat (there are at most `cap` of them); money rarely does, so it is parsed
        # every time rather than filling a cache with one-off values.
        found = None if metric.is_money else self._counts.get((text, metric.key))
        if found is not None:
            return found
        if not text:
            raise RowError(f"amount is empty (a number of {metric.key}).")
        try:
            value = parse_amount(text, metric, allow_zero=True)
        except UserError as error:
            raise RowError(f"amount: {error.message}") from None
        if not metric.is_money:
            if len(self._counts) >= self._MAX_CACHED:
                self._counts.clear()
            self._counts[(text, metric.key)] = value
        return value


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> tuple[date, str]:
    """The day and its ISO form (`2026-2-3` and `2026-02-03` are one day). Errors are
    raised, so never cached."""
    try:
        day = parse_iso_date(text, "") if text else None
    except UserError as error:
        raise RowError(f"date: {error.message}") from None
    if day is None:
        raise RowError(f'date "{text[:40]}" is not a date — write YYYY-MM-DD.')
    return day, day.isoformat()
