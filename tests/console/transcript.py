"""Running the console in-process on typed lines, as the console tests do."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.config import Settings
from bot.console.session import run_console

# Friday 20 November 2026, 10:00 in New York.
CLOCK_AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def console_transcript(database_url: str, lines: list[str], *, demo: bool = False) -> str:
    """What the console printed for `lines`, with its clock at CLOCK_AT."""
    out = io.StringIO()
    code = run_console(
        Settings(database_url=database_url),
        demo=demo,
        stdin=io.StringIO("\n".join(lines) + "\n"),
        stdout=out,
        clock=FixedClock(CLOCK_AT),
    )
    assert code == 0
    return out.getvalue()
