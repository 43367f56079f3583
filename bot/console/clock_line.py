"""`clock`: show the app's time, set it (it then stands still) or let it follow real time
again. Request signatures keep the wall clock (see Transport.dispatch)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock, SettableClock
from bot.console import console_lines
from bot.console.printer import Printer


def run_clock_line(rest: str, clock: Clock, out: Printer, tz: str) -> None:
    """`clock` shows the app's time; `clock ISO` sets it (it then stands still); `clock
    now` returns to real time. `tz` is this console's zone."""
    words = rest.split()
    if not isinstance(clock, SettableClock):
        out.say("This console's clock cannot be moved.")
        return
    if not words:
        state = "set with clock; it stands still" if clock.is_set else "real time"
        out.say(f"The app's time: {_local(clock.now(), tz)} ({state}).")
        return
    if len(words) > 1:
        out.lines(["Give one date or date-time.", console_lines.CLOCK_USAGE])
        return
    if words[0].lower() == "now":
        clock.follow()
        out.say(f"The app's clock follows real time again: {_local(clock.now(), tz)}.")
        return
    try:
        at = console_lines.parse_clock(words[0], tz)
    except console_lines.UsageError as error:
        out.lines([error.message, console_lines.CLOCK_USAGE])
        return
    clock.set(at)
    out.say(
        f"The app's time is now {_local(at, tz)}; it stands still there for commands, jobs, Home and "
        "imports until you set it again (clock now: real time)."
    )


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%a %d %b %Y %H:%M %Z")
