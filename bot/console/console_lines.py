"""The console's own `import` and `clock` lines, read into plain values. Pure but for reading
the files' names of people; the session (session.py) acts on them."""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.importer import activity, crm
from bot.importer.csv_reading import FileProblem, read_rows, sniff
from bot.importer.matching import display_of

IMPORT_USAGE = (
    "Usage: import crm FILE [--teams FILE] [--tz ZONE] [--dry-run], or import activity FILE [--dry-run]. "
    "Example: import crm samples/crm/sales_pipeline.csv --teams samples/crm/sales_teams.csv "
    "(the repository's sample, from its folder)"
)
CLOCK_USAGE = (
    "Usage: clock 2017-12-29T17:00 (this console's zone unless the time says one), clock 2017-12-29 "
    "(noon that day), clock now (real time again), clock alone shows the app's time."
)
# Slack user ids (U0123ABCD): an activity row naming one must match a real member, as in Slack.
_SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class UsageError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ImportLine:
    kind: str  # "crm" or "activity"
    path: Path
    teams: Path | None = None
    tz: str | None = None
    dry_run: bool = False


def parse_import(rest: str, cwd: Path) -> ImportLine:
    """`crm FILE [--teams FILE] [--tz ZONE] [--dry-run]` or `activity FILE [--dry-run]`; paths
    relative to `cwd`. Raises UsageError (its message says what is wrong; add the usage)."""
    try:
        words = shlex.split(rest)
    except ValueError as error:
        raise UsageError(f"Could not read that line ({error}).") from None
    if not words or words[0].lower() not in ("crm", "activity"):
        raise UsageError("Say what to import: crm or activity.")
    kind = words[0].lower()
    flags = (
        {"--dry-run": False, "--teams": True, "--tz": True}
        if kind == "crm"
        else {"--dry-run": False}
    )
    files: list[str] = []
    options: dict[str, str] = {}
    dry_run = False
    rest_words = iter(words[1:])
    for word in rest_words:
        if word.startswith("--"):
            if word not in flags:
                raise UsageError(f"import {kind} has no option {word}.")
            if not flags[word]:
                dry_run = True
                continue
            value = next(rest_words, None)
            if value is None or value.startswith("--"):
                raise UsageError(f"{word} needs a value.")
            if word in options:
                raise UsageError(f"{word} is given twice.")
            options[word] = value
        else:
            files.append(word)
    if len(files) != 1:
        raise UsageError(
            "Name one file to import." if not files else f"One file at a time: {' '.join(files)}."
        )
    path = _existing(files[0], cwd)
    teams = _existing(options["--teams"], cwd) if "--teams" in options else None
    return ImportLine(kind, path, teams, options.get("--tz"), dry_run)


def _existing(text: str, cwd: Path) -> Path:
    path = Path(text).expanduser()
    path = path if path.is_absolute() else cwd / path
    if not path.is_file():
        raise UsageError(f"There is no file {text} (paths are relative to {cwd}).")
    return path


def names_in(line: ImportLine) -> Iterator[str]:
    """The people the files name, as written, in file order (repeats included): CRM agents,
    and the team list's agents and managers; an activity file's `user` column. Stops quietly
    at a problem: the import itself reports it."""
    sources: list[tuple[Path, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = []
    if line.kind == "crm":
        if line.teams is not None:
            sources.append(
                (line.teams, crm.TEAMS_REQUIRED, crm.TEAMS_OPTIONAL, ("manager", "sales_agent"))
            )
        sources.append((line.path, crm.PIPELINE_REQUIRED, crm.PIPELINE_OPTIONAL, ("sales_agent",)))
    else:
        sources.append((line.path, activity.REQUIRED, activity.OPTIONAL, ("user",)))
    for path, required, optional, columns in sources:
        try:
            shape = sniff(path, required, optional, None)
            indexes = [i for i in (shape.index(c) for c in columns) if i is not None]
            for _, cells in read_rows(shape):
                for i in indexes:
                    if i < len(cells) and cells[i].strip():
                        yield cells[i].strip()
        except FileProblem:
            return


def person_to_add(written: str) -> tuple[str, str | None] | None:
    """For a name in a file, the handle to give a stand-in user and their real name (None:
    the handle is all there is, for `@handle`); None when the form must match an existing
    member instead (a Slack id, an email), as it must in Slack."""
    text = written.strip()
    if _SLACK_ID.fullmatch(text) and any(ch.isdigit() for ch in text):
        return None
    if _EMAIL.fullmatch(text):
        return None
    if text.startswith("@"):
        handle = handle_of(text[1:])
        return (handle, None) if handle else None
    return handle_of(text) or "person", display_of(text)


def handle_of(name: str) -> str:
    """`Darcel Schlecht` → `darcel.schlecht`: lower-case ASCII, words joined by dots."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    words = [re.sub(r"[^a-z0-9_\-]+", "", word) for word in re.split(r"[\s.]+", folded)]
    return ".".join(w for w in words if w)[:60]


def parse_clock(text: str, tz: str) -> datetime:
    """`2017-12-29T17:00` (without a zone: `tz`'s), `2017-12-29T17:00-05:00`, or a date alone
    (12:00 that day in `tz`). Raises UsageError."""
    value = text.strip()
    local = ZoneInfo(tz)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        if len(value) >= 8:  # not a bare year or week
            return datetime.combine(day, time(12, 0), local)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"`clock {value[:40]}` is not an ISO date or date-time.") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=local)
