"""`jobs list` and `jobs run JOB [--team NAME] [--at ISO]`: the same code as `paceline
jobs`, delivering to this console's Slack."""

from __future__ import annotations

import io

from bot.app import Paceline
from bot.console.printer import Printer
from bot.core.errors import UserError

USAGE = "Usage: jobs list, or jobs run weekly-digest [--team east] [--at 2026-11-20T16:00-05:00]"


def run_jobs_line(rest: str, paceline: Paceline, out: Printer) -> None:
    from scheduler import jobs_cli

    words = rest.split()
    service = paceline.scheduler
    buffer = io.StringIO()
    try:
        if words[:1] == ["list"] and len(words) == 1:
            jobs_cli.list_jobs(service, buffer)
        elif words[:1] == ["run"] and len(words) >= 2:
            options = dict(zip(words[2::2], words[3::2], strict=False))
            if len(words[2:]) % 2 or set(options) - {"--team", "--at"}:
                out.say(USAGE)
                return
            run = jobs_cli.run_jobs(
                service,
                words[1],
                team_name=options.get("--team"),
                at_text=options.get("--at"),
                workspace=None,
            )
            jobs_cli.print_run(run, buffer)
        else:
            out.say(USAGE)
            return
    except UserError as error:
        out.say(error.text)
        return
    out.lines(buffer.getvalue().rstrip("\n").splitlines())
