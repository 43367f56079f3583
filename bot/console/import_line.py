"""`import crm|activity FILE …`: the same code as `paceline import`, into this console's
database, matching people against this console's stand-in Slack."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.app import Paceline, slack_client
from bot.console import console_lines
from bot.console.directory import TEAM_ID, ConsoleUser, Directory
from bot.console.printer import Printer, first_line
from bot.core.errors import UserError
from bot.core.team_grammar import parse_time_zone


def run_import_line(
    rest: str,
    app: Callable[[], Paceline],
    out: Printer,
    directory: Directory,
    cwd: Path,
    tz: str,
) -> None:
    """Import what `rest` names into `app()`'s database (asked for once the line reads
    well); paths from `cwd`, new teams in `tz` (this console's zone unless --tz).
    People the files name who are no user here yet are added to the stand-in Slack first
    (real name from the file), so the import links them as it would in a real workspace."""
    from bot.importer import cli as import_cli

    try:
        line = console_lines.parse_import(rest, cwd)
        # New teams default to this console's zone, as its people have it (the CLI: UTC).
        tz = parse_time_zone(line.tz, "--tz America/New_York") if line.tz else tz
    except console_lines.UsageError as error:
        out.lines([error.message, console_lines.IMPORT_USAGE])
        return
    except UserError as error:
        out.lines([error.text, console_lines.IMPORT_USAGE])
        return
    paceline = app()
    added = _add_people_named_in(line, directory)
    options = import_cli.ImportOptions(TEAM_ID, line.dry_run, False, None, tz)
    client = slack_client(paceline.settings)
    quiet = io.StringIO()  # no progress bar: the console prints the report
    try:
        if line.kind == "crm":
            report = import_cli.import_crm(
                paceline.db, client, line.path, line.teams, options, paceline.clock, quiet
            )
        else:
            report = import_cli.import_activity(
                paceline.db, client, line.path, options, paceline.clock, quiet
            )
    except UserError as error:
        directory.forget(added)
        out.say(error.text)
        return
    except SQLAlchemyError as error:
        directory.forget(added)
        out.say(f"The database failed during the import: {first_line(error)}")
        return
    if report.rejected:
        directory.forget(added)  # the file was refused: the console's Slack stays as it was
    elif added:
        example = added[0].name
        out.say(
            f"Added {len(added)} {'people' if len(added) != 1 else 'person'} named in the files to this "
            f"console's Slack (real name from the file, handle like @{example}) so the import links them; "
            f"act as one with as @{example}."
        )
    out.lines(report.text().splitlines())


def _add_people_named_in(line: console_lines.ImportLine, directory: Directory) -> list[ConsoleUser]:
    """A stand-in Slack user for every person the files name who has none here yet."""
    added: list[ConsoleUser] = []
    seen: set[str] = set()
    for written in console_lines.names_in(line):
        if written in seen:
            continue
        seen.add(written)
        wanted = console_lines.person_to_add(written)
        if wanted is None:
            continue
        user = directory.add_person(*wanted)
        if user is not None:
            added.append(user)
    return added
