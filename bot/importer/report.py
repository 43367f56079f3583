"""What an import did, in numbers and line numbers, and how the report reads.

Memory stays flat whatever the file's size: each reason keeps a count and only its first
few line numbers, and only the first few errors are kept word for word.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

SHOWN_LINES = 10
SHOWN_ERRORS = 20
SHOWN_NAMES = 12
SHOWN_CREATED = 20  # names a --dry-run lists of the teams and people it would create


@dataclass
class Lines:
    """How many rows had one outcome, and the first few of them (line numbers, with a
    detail such as "= line 3")."""

    count: int = 0
    first: list[str] = field(default_factory=list)

    def add(self, line: int, detail: str = "") -> None:
        self.count += 1
        if len(self.first) < SHOWN_LINES:
            self.first.append(f"{line}{f' ({detail})' if detail else ''}")

    def text(self) -> str:
        more = self.count - len(self.first)
        shown = ", ".join(self.first)
        return f"line{'s' if self.count > 1 else ''} {shown}" + (
            f" and {more:,} more" if more else ""
        )


@dataclass
class ImportReport:
    """Filled in by the two passes; `text()` is what `paceline import` prints."""

    what: str  # "CRM pipeline", "activity"
    file_name: str
    workspace: str = ""
    encoding: str = ""
    dry_run: bool = False
    rows_read: int = 0
    rows_imported: int = 0
    entries: Counter[str] = field(default_factory=Counter)
    revenue_cents: int = 0
    already_imported: Lines = field(default_factory=Lines)
    skipped: dict[str, Lines] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    problem: str | None = None  # the whole file was refused, or the import stopped
    loading: bool = False  # pass 2 began: a problem now means it stopped part way
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # --dry-run of a clean file: what the import would create. None: not worked out (no
    # --teams file for teams; a refused file).
    would_create_teams: list[str] | None = None  # "dustin (in central)"
    would_create_people: list[str] | None = None  # unlinked people: no Slack user matches

    @property
    def rejected(self) -> bool:
        return self.problem is not None or self.error_count > 0

    def error(self, line: int, message: str, file: str | None = None) -> None:
        """A row that is wrong (line 0: a problem of no single line)."""
        self.error_count += 1
        if len(self.errors) < SHOWN_ERRORS:
            where = " ".join(part for part in (file, f"line {line}" if line else "") if part)
            self.errors.append(f"{where}: {message}" if where else message)

    def skip(self, reason: str, line: int, detail: str = "") -> None:
        self.skipped.setdefault(reason, Lines()).add(line, detail)

    @property
    def skipped_count(self) -> int:
        return sum(lines.count for lines in self.skipped.values())

    def text(self) -> str:
        head = f"{self.what} {self.file_name}" + (f" ({self.encoding})" if self.encoding else "")
        where = f" into workspace {self.workspace}" if self.workspace else ""
        if self.problem is not None and not self.loading:
            return f"Nothing imported from {head}: {self.problem}"
        if self.error_count:
            lines = [
                f"Nothing imported from {head}: {self.error_count:,} row{'s' if self.error_count != 1 else ''} "
                f"of {self.rows_read:,} {'have' if self.error_count != 1 else 'has'} errors. "
                "Fix them and run the import again; no row was stored."
            ]
            lines += [f"  {e}" for e in self.errors]
            if self.error_count > len(self.errors):
                lines.append(f"  … and {self.error_count - len(self.errors):,} more")
            return "\n".join(lines)
        if self.dry_run:
            lines = [
                f"Checked {head}: {self.rows_read:,} rows, no errors. Nothing was stored (--dry-run)."
            ]
            lines += (
                self._skip_lines() + self._would_create_lines() + [f"  {n}" for n in self.notes]
            )
            return "\n".join(lines)
        lines = [f"Imported {head}{where} in {self.seconds:.1f} s:"]
        lines.append(
            f"  {self.rows_read:,} rows read · {self.rows_imported:,} imported · "
            f"{self.already_imported.count:,} already imported before · {self.skipped_count:,} skipped"
        )
        if self.entries:
            parts = [f"{n:,} {metric}" for metric, n in self.entries.items()]
            if self.revenue_cents:
                parts[list(self.entries).index("revenue")] += f" (${self.revenue_cents / 100:,.2f})"
            lines.append("  Entries added: " + " · ".join(parts))
            if self.already_imported.count:
                lines.append(
                    f"  Already imported (left as they are): {self.already_imported.text()}"
                )
        elif self.already_imported.count:
            lines.append(
                f"  Nothing new: all {self.already_imported.count:,} rows with entries were imported before. "
                "Nothing was changed."
            )
        elif self.rows_read:
            lines.append("  Nothing to import: no row has entries. Nothing was changed.")
        lines += self._skip_lines()
        lines += [f"  {n}" for n in self.notes]
        if self.problem is not None:
            lines.append(f"  STOPPED: {self.problem}")
        return "\n".join(lines)

    def _would_create_lines(self) -> list[str]:
        lines = []
        if self.would_create_teams is not None:
            teams = self.would_create_teams
            lines.append(
                f"  Would create {len(teams)} team{'s' if len(teams) != 1 else ''}: {names_text(teams, SHOWN_CREATED)}."
                if teams
                else "  Would create no team: every team of the team list is there already."
            )
        if self.would_create_people is not None:
            people = self.would_create_people
            lines.append(
                f"  Would create {len(people)} unlinked {'people' if len(people) != 1 else 'person'} "
                f"(no Slack user matches them; link each later with /team link): {names_text(people, SHOWN_CREATED)}."
                if people
                else "  Would create no unlinked people: everyone is a Slack user or was imported before."
            )
        return lines

    def _skip_lines(self) -> list[str]:
        if not self.skipped:
            return []
        lines = ["  Skipped:"]
        for reason, found in sorted(self.skipped.items(), key=lambda item: -item[1].count):
            lines.append(f"    {found.count:,} {reason}: {found.text()}")
        return lines


def names_text(names: list[str], limit: int = SHOWN_NAMES) -> str:
    """`a, b, c and 4 more`: a list of people or teams that stays one readable line."""
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return shown + (f" … and {more:,} more" if more > 0 else "")
