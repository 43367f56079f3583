"""The console loop: act as a person, type slash commands, see what the app sends to Slack.

Only the transport differs from production. Each command is the form body Slack would POST,
signed with a per-run secret and handed to the real Bolt app, which verifies the signature
as it would in production. The app's Web API calls go over HTTP to a loopback stand-in for
Slack, whose `on_call` hook prints what the app posted.

This module reads the lines and says who is acting; the rest is one module a job:
directory.py (the people and channels of the console's Slack), transport.py (signed
requests to the app), slash_commands.py, forms.py (modals), slack_screen.py (what the app
sent), buttons.py (`click`), home.py (`home`), and the console's own lines jobs_line.py,
import_line.py and clock_line.py.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.app import Paceline, build
from bot.clock import Clock, SettableClock
from bot.config import ConfigError, Settings, load_settings, redact_url
from bot.console import clicks
from bot.console.buttons import Buttons
from bot.console.clock_line import run_clock_line
from bot.console.demo import seed_demo
from bot.console.directory import TEAM_ID, ConsoleUser, Directory, valid_zone
from bot.console.forms import Forms
from bot.console.home import HomeTab
from bot.console.import_line import run_import_line
from bot.console.jobs_line import run_jobs_line
from bot.console.printer import Printer, first_line
from bot.console.slack_screen import SlackScreen
from bot.console.slash_commands import SlashCommands
from bot.console.transport import Transport
from bot.services import roster
from bot.standin.slack_api import StandInSlack

__all__ = [
    "DEMO_DATABASE_URL",
    "TEAM_ID",
    "Console",
    "ConsoleUser",
    "Printer",
    "console_database",
    "console_timezone",
    "run_console",
]

log = logging.getLogger(__name__)

BOT_NAME = "paceline"
INTRO = 'Paceline local console — type "as @maria" to act as someone, then /log calls 12. Type help for more.'
HINT = 'Type "as @maria" to act as someone, then /log calls 12. Type help for more.'
_HANDLE = re.compile(r"[\w.\-]{1,80}")
# `paceline console --demo` (and `make console`): a database of its own, so the demo team
# never lands in the one `paceline run` serves Slack from.
DEMO_DATABASE_URL = "sqlite:///paceline-console.db"


class Console:
    """One console run: who is typing, and the parts that act on what they type."""

    def __init__(
        self, standin: StandInSlack, printer: Printer, tz: str, cwd: Path | None = None
    ) -> None:
        self.standin = standin
        self.out = printer
        self.tz = tz
        self.cwd = cwd or Path.cwd()  # where `import` paths start from
        self.me: ConsoleUser | None = None
        self.directory = Directory(standin, tz)
        self.transport = Transport(standin, printer)
        board = clicks.ClickBoard()  # what `click` can press
        self.forms = Forms(standin, printer, self.directory, self.transport)
        self.screen = SlackScreen(standin, printer, self.directory, self.forms, board)
        self.buttons = Buttons(standin, printer, self.directory, self.transport, self.screen)
        self.home = HomeTab(standin, printer, self.transport, board)
        self.slash = SlashCommands(standin, printer, self.directory, self.transport, self.screen)
        standin.on_call = self.screen.on_call
        standin.set_handler("views.open", self.forms.answer_views_open)
        standin.set_handler("views.push", self.forms.answer_views_push)
        # The stand-in's own answers, kept for on_call: a click must carry the ts (or view
        # id) Slack gave the message.
        for method in ("chat.postMessage", "chat.postEphemeral", "views.publish"):
            standin.set_handler(method, self.screen.keep_answer)
        self.directory.register(
            ConsoleUser(standin.bot_user_id, BOT_NAME, None, False, is_bot=True)
        )

    # ------------------------------------------------------------------ set-up

    @property
    def signing_secret(self) -> str:
        return self.transport.signing_secret

    def attach(self, paceline: Paceline) -> None:
        self.transport.attach(paceline)

    def load_directory(self) -> None:
        """Tell the stand-in about everyone the database knows from earlier runs or the demo."""
        self.directory.load(self.transport.app().db)

    def channel_id(self, name: str) -> str:
        """The id `#name` has in this console (made up, stable across runs)."""
        return self.directory.channel_id(name)

    # ------------------------------------------------------------------ input

    def prompt(self) -> str:
        return f"{self.me.name}> " if self.me else "console> "

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the console should end."""
        text = line.strip()
        if not text:
            return True
        word, _, rest = text.partition(" ")
        word, rest = word.lower(), rest.strip()
        if word in ("quit", "exit"):
            return False
        if word in ("help", "?"):
            self.out.lines(self._help())
        elif word == "as":
            self._act_as(rest)
        elif word == "whoami":
            self._whoami()
        elif word == "submit":
            self.forms.submit(rest, self.me)
        elif word == "cancel":
            self.forms.cancel(self.me)
        elif word == "jobs":
            run_jobs_line(rest, self.transport.app(), self.out)
        elif word == "home":
            self.home.open(rest, self.me)
        elif word == "click":
            self.buttons.click(rest, self.me)
        elif word == "import":
            run_import_line(rest, self.transport.app, self.out, self.directory, self.cwd, self.tz)
        elif word == "clock":
            run_clock_line(rest, self.transport.app().clock, self.out, self.tz)
        elif word.startswith("/"):
            self.slash.run(word, rest, self.me)
        else:
            self.out.say(
                f'"{word}" is not a console command. Type a slash command like /log calls 12, or help.'
            )
            return True
        self._live_wins()
        return True

    def _live_wins(self) -> None:
        """No scheduler runs here: after each line the live-wins worker looks once (its
        batching time is 0 in the console) and what it queued is delivered, so a win shows
        right after the /log that made it, or once `clock` moves into working hours."""
        paceline = self.transport.attached
        if paceline is None or paceline.scheduler.celebrations is None:
            return
        service = paceline.scheduler
        assert service.celebrations is not None
        result = service.celebrations.tick()
        if (result.posted or result.edited) and service.sender is not None:
            service.sender.deliver_due()  # type: ignore[attr-defined]

    def _act_as(self, rest: str) -> None:
        name = rest.split()[0].lstrip("@") if rest else ""
        if not _HANDLE.fullmatch(name):
            self.out.say("Say who you are acting as: as @maria")
            return
        user = self.directory.by_name(name)
        if user is not None and user.is_bot:
            self.out.say(f"@{user.name} is a bot; act as a person, e.g. as @maria")
            return
        is_new = user is None
        user = user or self.directory.create_user(name, may_be_admin=True)
        if self.forms.close_all():
            self.out.say("(The open form was closed: forms belong to the person who opened them.)")
        self.me = user
        role = ", ".join(self._roles(user))
        extra = " — new here" if is_new else ""
        self.out.say(f"You are @{user.name} now ({role}, time zone {user.tz or 'UTC'}){extra}.")

    def _whoami(self) -> None:
        if self.me is None:
            self.out.say("Nobody yet. Type as @maria to act as someone.")
            return
        role = " · ".join(self._roles(self.me))
        self.out.say(
            f"You are @{self.me.name} ({self.me.user_id}) · {role} · time zone {self.me.tz or 'UTC'}"
        )

    def _roles(self, user: ConsoleUser) -> list[str]:
        """What `user` is here: Slack admin, Paceline admin (PACELINE_ADMINS), manager of
        which teams, member of which; plain "member" (of the workspace) when none."""
        roles = ["Slack admin"] if user.is_admin else []
        paceline = self.transport.attached
        if paceline is None:  # not attached to an app: no database to ask
            return roles or ["member"]
        if user.user_id in paceline.settings.admins:
            roles.append("admin (PACELINE_ADMINS)")
        try:
            roles += self._teams_of(paceline, user.user_id)
        except SQLAlchemyError:
            log.warning("could not read the teams of %s", user.user_id, exc_info=True)
        return roles or ["member"]

    @staticmethod
    def _teams_of(paceline: Paceline, user_id: str) -> list[str]:
        """ "manager of east, west", "member of north": the teams `user_id` leads or is in."""
        managed, joined = roster.team_roles(paceline.db, TEAM_ID, user_id)
        return [
            f"{label} {', '.join(names)}"
            for label, names in (("manager of", managed), ("member of", joined))
            if names
        ]

    def _help(self) -> list[str]:
        lines = [
            "Console:",
            "  as @maria          act as maria (new people are created; the first one is a Slack admin)",
            "  whoami             who you are acting as",
            "  /log calls 12      any slash command, typed as in Slack; @name and #channel work",
            "  submit calls=12    fill in and submit the open form (cancel closes it)",
            "  jobs list          every team's scheduled posts: next runs, deliveries, failures",
            "  jobs run weekly-digest [--team east] [--at 2026-11-20T16:00-05:00]",
            "                     post a job now (nudge, lagging-alert, weekly-digest, log-reminder)",
            "  home               your App Home tab, as Slack shows it when you open it",
            "  home quarter       pick the tab's period: week, month, quarter or year",
            "  click              the buttons of the last message (or Home tab) you can see, numbered",
            "  click 2, click Approve",
            "                     press one, as Slack sends the click (a label's start is enough);",
            "                     buttons only: selects and overflow menus can't be clicked here",
            "  import crm FILE [--teams FILE] [--tz ZONE] [--dry-run]",
            "  import activity FILE [--dry-run]",
            "                     history from CSV, as `paceline import` (paths from this folder); people",
            "                     named in the files become users here, e.g. as @darcel.schlecht",
            "  clock 2017-12-29T17:00",
            "                     set the app's time (a date alone: noon; no zone: this console's); it",
            "                     stands still there. clock alone shows it, clock now: real time again",
            "  help, quit         this help; leave (Ctrl-D works too)",
            "What the app sends to Slack shows as [#channel], [DM to @name] or [form].",
            "Slash commands:",
        ]
        width = max((len(c) for c in self.slash.known), default=0)
        for name, command in self.slash.known.items():
            usage = f" — {command['usage_hint']}" if command.get("usage_hint") else ""
            lines.append(f"  {name.ljust(width)}  {command.get('description', '')}{usage}")
        return lines


def run_console(
    settings: Settings,
    demo: bool = False,
    announce: bool = True,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    clock: Clock | None = None,
    database_note: str | None = None,
) -> int:
    """Run the local console until quit or end of input; the exit code. `database_note`
    follows the database line (console_database says why that database)."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    _tolerate_unencodable(stdout)
    out = Printer(stdout)
    out.say(INTRO if announce else HINT, indent=0)
    note = f" ({database_note})" if database_note else ""
    out.say(f"Database: {redact_url(settings.database_url)}{note}", indent=0)
    tz = console_timezone()
    # The app's clock: real time (or the caller's clock) until the `clock` command sets it.
    app_clock = SettableClock(clock)
    with _quiet_libraries(), StandInSlack(team_id=TEAM_ID, team_name="Paceline console") as standin:
        console = Console(standin, out, tz)
        console_settings = replace(
            settings,
            bot_token="xoxb-console",
            signing_secret=console.signing_secret,
            slack_api_url=standin.api_url,
            app_token=None,
            # The console is one stand-in workspace with one token, never OAuth installs.
            client_id=None,
            client_secret=None,
            # A win shows right after the line that made it (docs/celebrations.md).
            celebration_batch_seconds=0,
        )
        try:
            paceline = build(console_settings, clock=app_clock, source="console")
        except SQLAlchemyError as error:
            out.say(f"Could not open the database: {first_line(error)}", indent=0)
            return 1
        try:
            console.attach(paceline)
            if demo:
                summary = seed_demo(paceline.db, paceline.clock, TEAM_ID, standin=standin, tz=tz)
                out.say(summary.line(), indent=0)
            console.load_directory()
            _read_loop(console, stdin, out)
        finally:
            paceline.db.dispose()
    return 0


def console_database(run_url: str, demo: bool, flag: str | None = None) -> tuple[str, str | None]:
    """The database a console started from the command line uses, and a note for its
    start-up line: `--database-url` when given; with `--demo` its own SQLite file
    (DEMO_DATABASE_URL, not DATABASE_URL: the demo team must never land in the database
    `paceline run` serves Slack from); else DATABASE_URL, as `paceline run`. Raises
    ConfigError for a malformed flag."""
    if flag is not None:
        try:
            return load_settings({"DATABASE_URL": flag}, dotenv_path=None).database_url, None
        except ConfigError as error:
            problem = str(error).split(f"{error.variable} ", 1)[-1]
            raise ConfigError("--database-url", problem) from None
    if demo:
        return DEMO_DATABASE_URL, (
            f"the demo's own; paceline run uses {redact_url(run_url)}; --database-url URL picks another"
        )
    return run_url, None


def console_timezone(environ: Mapping[str, str] | None = None, etc: Path = Path("/etc")) -> str:
    """This machine's IANA zone: $TZ, /etc/timezone or the /etc/localtime link; else UTC."""
    env = os.environ if environ is None else environ
    candidates: list[str] = []
    if env.get("TZ", "").strip():
        candidates.append(_zone_key(env["TZ"].strip().lstrip(":")))
    with suppress(OSError, IndexError, UnicodeDecodeError):
        candidates.append((etc / "timezone").read_text(encoding="utf-8").split()[0])
    with suppress(OSError):
        candidates.append(_zone_key(os.readlink(etc / "localtime")))
    return next((c for c in candidates if valid_zone(c)), "UTC")


def _read_loop(console: Console, stdin: TextIO, out: Printer) -> None:
    interactive = _is_tty(stdin)
    while True:
        prompt = console.prompt()
        if interactive:
            out.prompt(prompt)
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            out.say("", indent=0)
            return
        if not line:
            if interactive:
                out.say("", indent=0)
            return
        line = line.rstrip("\r\n")
        if not interactive and line.strip():
            # Piped input is not shown by the terminal: echo it so transcripts read well.
            out.say(prompt + line.strip(), indent=0)
        try:
            if not console.handle(line):
                return
        except KeyboardInterrupt:
            out.say("(interrupted)")
        except Exception as error:  # one odd line (or reply) must not end the session
            log.exception("the console failed on %r", line)
            out.say(f"The console failed on that line: {error}")


@contextmanager
def _quiet_libraries() -> Iterator[None]:
    # The console's output is the user interface: library chatter (Bolt's "unhandled
    # request" advice for unknown commands, migration notices) would drown it.
    wanted = {
        "slack_bolt": logging.ERROR,
        "slack_sdk": logging.WARNING,
        "alembic": logging.WARNING,
        "scheduler": logging.WARNING,
        "apscheduler": logging.WARNING,
        "matplotlib": logging.WARNING,  # "generated new fontManager" on a first chart
    }
    saved = {}
    for name, level in wanted.items():
        logger = logging.getLogger(name)
        saved[name] = logger.level
        if logger.getEffectiveLevel() < level:
            logger.setLevel(level)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _tolerate_unencodable(stream: TextIO) -> None:
    # Replies contain "—", "≥" and "·"; a legacy-encoded terminal should get "?" rather than
    # a crash.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with suppress(ValueError, OSError):
            reconfigure(errors="replace")


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _zone_key(value: str) -> str:
    # "/usr/share/zoneinfo/Europe/Berlin" (a path) → "Europe/Berlin" (a key).
    marker = "zoneinfo/"
    return value.rsplit(marker, 1)[1] if marker in value else value
