"""The two streaming passes every import makes over its file.

Pass 1 checks every row (parsing, people, duplicates) and stores nothing, so a file with
one bad row is refused whole. Pass 2 reads the file again and stores its entries in
batches, one transaction each: memory holds one batch, whatever the file's size, and the
app's own writes (a rep's /log) get their turn between batches. Should pass 2 stop half
way (a crash, a lost database), running the import again finishes it: every entry carries
an idempotency key, so what was stored is not stored twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bot.importer.csv_reading import CsvShape, FileProblem, read_rows
from bot.importer.matching import Match, PeopleIndex
from bot.importer.people import ImportPeople
from bot.importer.progress import ProgressBar
from bot.importer.report import ImportReport
from bot.importer.rows import PlannedRow, RowError
from bot.importer.seen import SeenRows
from storage import imports
from storage.db import Database

# Entries per transaction: big enough that a page of an index is written once for many rows,
# small enough that a batch stays a few MB and others' writes get their turn.
BATCH_ENTRIES = 25_000
ENTRY_SOURCE = "import"

Parse = Callable[[int, list[str]], PlannedRow]
Resolve = Callable[[PeopleIndex, str], Match]


@dataclass
class FileImport:
    """One file's import: how to read and parse its rows and whom they belong to."""

    shape: CsvShape
    parse: Parse
    resolve: Resolve
    people: ImportPeople
    report: ImportReport
    # The error for a row whose identity repeats an earlier row with other values.
    conflict: Callable[[int], str]


@dataclass(frozen=True)
class Target:
    """Where pass 2 writes."""

    db: Database
    workspace_id: int
    importer_id: int
    now: datetime
    # Entry.batch_id of every entry this import stores.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def check(job: FileImport, seen: SeenRows, bar: ProgressBar) -> None:
    """Pass 1: every row parsed and its person known; errors, duplicates and rows with
    nothing to import go into the report."""
    report = job.report
    pending: list[tuple[bytes, int, bytes, str | None]] = []

    def flush() -> None:
        repeated = set()
        for repeat in seen.add([(identity, line, digest) for identity, line, digest, _ in pending]):
            repeated.add(repeat.line)
            if repeat.same:
                report.skip(
                    "duplicate rows (the same as an earlier line)",
                    repeat.line,
                    f"= line {repeat.first_line}",
                )
            else:
                report.error(repeat.line, job.conflict(repeat.first_line))
        # A duplicate is reported as one, not also for what its first copy lacks.
        for _, line, _, skip in pending:
            if skip and line not in repeated:
                report.skip(skip, line)
        pending.clear()

    for line, cells in read_rows(job.shape, bar.update):
        report.rows_read += 1
        try:
            row = job.parse(line, cells)
            job.people.check(row.who, job.resolve)
        except RowError as error:
            report.error(line, error.message)
            continue
        pending.append((row.identity, line, row.digest, row.skip))
        if len(pending) >= BATCH_ENTRIES:
            flush()
    flush()
    bar.finish()


def load(job: FileImport, target: Target, seen: SeenRows, bar: ProgressBar) -> None:
    """Pass 2: store the entries, batch by batch. Call only after a clean check()."""
    job.report.loading = True
    repeats = _Repeats(seen.repeats())
    batch: list[PlannedRow] = []
    size = 0
    rows = 0
    for line, cells in read_rows(job.shape, bar.update):
        rows += 1
        if repeats.has(line):
            continue
        try:
            row = job.parse(line, cells)
        except RowError as error:
            raise FileProblem(
                f"{job.shape.path.name} changed while it was imported (line {line}: {error.message})"
            ) from None
        if not row.entries:
            continue
        batch.append(row)
        size += len(row.entries)
        if size >= BATCH_ENTRIES:
            _store(job, target, batch)
            batch, size = [], 0
    _store(job, target, batch)
    bar.finish()
    if rows != job.report.rows_read:
        raise FileProblem(
            f"{job.shape.path.name} changed while it was imported ({job.report.rows_read:,} rows when checked, "
            f"{rows:,} now). Run the import again: what was stored is not stored twice."
        )


def _store(job: FileImport, target: Target, batch: list[PlannedRow]) -> None:
    if not batch:
        return
    report = job.report
    with target.db.write() as session:
        imports.tune_for_bulk(session)
        values = []
        for row in batch:
            person_id = job.people.person_id(session, row.who, job.resolve)
            for entry in row.entries:
                # In imports.ENTRY_COLUMNS order.
                values.append((
                    target.workspace_id, person_id, entry.metric, entry.day, entry.quantity, entry.note, "log",
                    ENTRY_SOURCE, target.run_id, target.importer_id, target.now, entry.key,
                ))  # fmt: skip
        new = imports.insert_entries(session, values)
    for row in batch:
        added = [entry for entry in row.entries if entry.key in new]
        if not added:
            report.already_imported.add(row.line)
            continue
        report.rows_imported += 1
        for entry in added:
            report.entries[entry.metric] += 1
            if entry.metric == "revenue":
                report.revenue_cents += entry.quantity


class _Repeats:
    """Walks the duplicate lines in step with the file, so pass 2 needs no lookups."""

    def __init__(self, lines: Iterator[tuple[int, int]]) -> None:
        self._lines = lines
        self._next = next(self._lines, None)

    def has(self, line: int) -> bool:
        while self._next is not None and self._next[0] < line:
            self._next = next(self._lines, None)
        return self._next is not None and self._next[0] == line
