"""The console loop: act as a person, type slash commands, see what the app sends to Slack.

Only the transport differs from production. Each command is the form body Slack would POST,
signed with a per-run secret and handed to the real Bolt app, which verifies the signature
as it would in production. The app's Web API calls go over HTTP to a loopback stand-in for
Slack, whose `on_call` hook prints what the app posted.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import logging
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.app import Paceline, build, slack_client
from bot.clock import Clock, SettableClock
from bot.config import ConfigError, Settings, load_settings, redact_url
from bot.console import clicks, console_lines
from bot.console.demo import seed_demo
from bot.console.render import (
    Names,
    build_state,
    escape_command_text,
    parse_assignments,
    render_field_errors,
    render_message,
    render_modal,
    slack_escape,
    stable_id,
    with_state,
)
from bot.core.errors import UserError
from bot.core.team_grammar import parse_time_zone
from bot.importer.matching import name_key
from bot.manifest import manifest
from bot.standin.signed_requests import slack_signature
from bot.standin.slack_api import RecordedCall, StandInSlack
from storage.models import Person, Team, TeamManager, TeamMember, Workspace

__all__ = [
    "DEMO_DATABASE_URL",
    "Console",
    "ConsoleUser",
    "Printer",
    "console_database",
    "console_timezone",
    "run_console",
]

log = logging.getLogger(__name__)

TEAM_ID = "T_CONSOLE"
TEAM_DOMAIN = "paceline-console"
COMMAND_CHANNEL = "general"
BOT_NAME = "paceline"
INTRO = 'Paceline local console — type "as @maria" to act as someone, then /log calls 12. Type help for more.'
HINT = 'Type "as @maria" to act as someone, then /log calls 12. Type help for more.'
_HANDLE = re.compile(r"[\w.\-]{1,80}")
# How long the console waits for the Slack work the app does after an answer.
AFTER_ANSWER_SECONDS = 30.0
# `paceline console --demo` (and `make console`): a database of its own, so the demo team
# never lands in the one `paceline run` serves Slack from.
DEMO_DATABASE_URL = "sqlite:///paceline-console.db"


@dataclass(frozen=True)
class ConsoleUser:
    user_id: str
    name: str
    tz: str | None
    is_admin: bool
    is_bot: bool = False


class Printer:
    """Writes whole blocks of lines under a lock: the stand-in reports from its own threads."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.blocks = 0  # how many blocks were printed; tells whether a dispatch showed anything

    def lines(self, lines: list[str], indent: int = 2) -> None:
        pad = " " * indent
        with self._lock:
            for line in lines:
                self._stream.write(f"{pad}{line}\n" if line else "\n")
            self._stream.flush()
            self.blocks += 1

    def say(self, text: str, indent: int = 2) -> None:
        self.lines(text.split("\n"), indent)

    def prompt(self, text: str) -> None:
        with self._lock:
            self._stream.write(text)
            self._stream.flush()


class Console:
    """One console run: who is typing, the people and channels it made up, open forms."""

    def __init__(
        self, standin: StandInSlack, printer: Printer, tz: str, cwd: Path | None = None
    ) -> None:
        self.standin = standin
        self.out = printer
        self.tz = tz
        self.cwd = cwd or Path.cwd()  # where `import` paths start from
        self.me: ConsoleUser | None = None
        self._paceline: Paceline | None = None
        self._secret = secrets.token_hex(16)
        self._lock = threading.RLock()
        self._users: dict[str, ConsoleUser] = {}
        self._ids_by_name: dict[str, str] = {}
        self._ids_by_real_name: dict[str, str] = {}  # matching.name_key of the real name → id
        self._channels: dict[str, str] = {}
        self._response_channels: dict[str, str] = {}
        self._response_users: dict[str, str] = {}  # response URL key → who may see its messages
        self._board = clicks.ClickBoard()  # what `click` can press
        self._answers: dict[int, dict[str, Any]] = {}  # id(call) → the stand-in's answer
        self._views: list[dict[str, Any]] = []  # the modal stack, top last
        self._image_dir: Path | None = None
        self._triggers = itertools.count(1)
        self._commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
        standin.on_call = self.on_call
        standin.set_handler("views.open", self._answer_views_open)
        standin.set_handler("views.push", self._answer_views_push)
        # The stand-in's own answers, kept for on_call: a click must carry the ts (or view
        # id) Slack gave the message.
        for method in ("chat.postMessage", "chat.postEphemeral", "views.publish"):
            standin.set_handler(method, self._keep_answer)
        self._register(ConsoleUser(standin.bot_user_id, BOT_NAME, None, False, is_bot=True))

    # ------------------------------------------------------------------ set-up

    @property
    def signing_secret(self) -> str:
        return self._secret

    def attach(self, paceline: Paceline) -> None:
        self._paceline = paceline

    def load_directory(self) -> None:
        """Tell the stand-in about everyone the database knows from earlier runs or the demo."""
        paceline = self._app()
        with paceline.db.read() as session:
            ws = session.scalar(sa.select(Workspace.id).where(Workspace.slack_team_id == TEAM_ID))
            if ws is None:
                return
            known = list(
                session.scalars(
                    sa.select(Person)
                    .where(Person.workspace_id == ws, Person.slack_user_id.is_not(None))
                    .order_by(Person.id)
                )
            )
            channels = list(
                session.scalars(
                    sa.select(Team).where(Team.workspace_id == ws, Team.channel_id.is_not(None))
                )
            )
        for person in known:
            assert person.slack_user_id is not None
            self._register(
                ConsoleUser(
                    person.slack_user_id, person.name, person.tz, person.slack_admin, person.is_bot
                ),
                real_name=person.real_name,
                deleted=person.deactivated,
                email=person.email,
            )
        for team in channels:
            if team.channel_id and team.channel_name:
                self._register_channel(team.channel_id, team.channel_name)

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
            self._submit(rest)
        elif word == "cancel":
            self._cancel()
        elif word == "jobs":
            self._jobs(rest)
        elif word == "home":
            self._home(rest)
        elif word == "click":
            self._click(rest)
        elif word == "import":
            self._import(rest)
        elif word == "clock":
            self._clock(rest)
        elif word.startswith("/"):
            self._command(word, rest)
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
        if self._paceline is None or self._paceline.scheduler.celebrations is None:
            return
        service = self._paceline.scheduler
        assert service.celebrations is not None
        result = service.celebrations.tick()
        if (result.posted or result.edited) and service.sender is not None:
            service.sender.deliver_due()  # type: ignore[attr-defined]

    def _act_as(self, rest: str) -> None:
        name = rest.split()[0].lstrip("@") if rest else ""
        if not _HANDLE.fullmatch(name):
            self.out.say("Say who you are acting as: as @maria")
            return
        with self._lock:
            existing = self._ids_by_name.get(name.lower())
            user = self._users[existing] if existing else None
        if user is not None and user.is_bot:
            self.out.say(f"@{user.name} is a bot; act as a person, e.g. as @maria")
            return
        is_new = user is None
        user = user or self._create_user(name, may_be_admin=True)
        if self._views:
            self._views.clear()
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
        if self._paceline is None:  # not attached to an app: no database to ask
            return roles or ["member"]
        if user.user_id in self._paceline.settings.admins:
            roles.append("admin (PACELINE_ADMINS)")
        try:
            roles += self._teams_of(self._paceline, user.user_id)
        except SQLAlchemyError:
            log.warning("could not read the teams of %s", user.user_id, exc_info=True)
        return roles or ["member"]

    @staticmethod
    def _teams_of(paceline: Paceline, user_id: str) -> list[str]:
        roles: list[str] = []
        with paceline.db.read() as session:
            person = session.scalar(
                sa.select(Person.id)
                .join(Workspace, Workspace.id == Person.workspace_id)
                .where(Workspace.slack_team_id == TEAM_ID, Person.slack_user_id == user_id)
            )
            if person is not None:
                for link, label in ((TeamManager, "manager of"), (TeamMember, "member of")):
                    names = list(
                        session.scalars(
                            sa.select(Team.name)
                            .join(link, link.team_id == Team.id)
                            .where(link.person_id == person)
                            .order_by(Team.name)
                        )
                    )
                    if names:
                        roles.append(f"{label} {', '.join(names)}")
        return roles

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
        width = max((len(c) for c in self._commands), default=0)
        for name, command in self._commands.items():
            usage = f" — {command['usage_hint']}" if command.get("usage_hint") else ""
            lines.append(f"  {name.ljust(width)}  {command.get('description', '')}{usage}")
        return lines

    # ------------------------------------------------------------------ scheduled jobs

    def _jobs(self, rest: str) -> None:
        """`jobs list` and `jobs run JOB [--team NAME] [--at ISO]`: the same code as
        `paceline jobs`, delivering to this console's Slack."""
        from scheduler import jobs_cli

        words = rest.split()
        usage = "Usage: jobs list, or jobs run weekly-digest [--team east] [--at 2026-11-20T16:00-05:00]"
        service = self._app().scheduler
        buffer = io.StringIO()
        try:
            if words[:1] == ["list"] and len(words) == 1:
                jobs_cli.list_jobs(service, buffer)
            elif words[:1] == ["run"] and len(words) >= 2:
                options = dict(zip(words[2::2], words[3::2], strict=False))
                if len(words[2:]) % 2 or set(options) - {"--team", "--at"}:
                    self.out.say(usage)
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
                self.out.say(usage)
                return
        except UserError as error:
            self.out.say(error.text)
            return
        self.out.lines(buffer.getvalue().rstrip("\n").splitlines())

    # ------------------------------------------------------------------ import and clock

    def _import(self, rest: str) -> None:
        """`import crm|activity FILE …`: the same code as `paceline import`, into this
        console's database, matching people against this console's stand-in Slack. People
        the files name who are no user here yet are added to the stand-in Slack first (real
        name from the file), so the import links them as it would in a real workspace."""
        from bot.importer import cli as import_cli

        try:
            line = console_lines.parse_import(rest, self.cwd)
            # New teams default to this console's zone, as its people have it (the CLI: UTC).
            tz = parse_time_zone(line.tz, "--tz America/New_York") if line.tz else self.tz
        except console_lines.UsageError as error:
            self.out.lines([error.message, console_lines.IMPORT_USAGE])
            return
        except UserError as error:
            self.out.lines([error.text, console_lines.IMPORT_USAGE])
            return
        paceline = self._app()
        added = self._add_people_named_in(line)
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
            self._forget_users(added)
            self.out.say(error.text)
            return
        except SQLAlchemyError as error:
            self._forget_users(added)
            self.out.say(f"The database failed during the import: {_first_line(error)}")
            return
        if report.rejected:
            self._forget_users(added)  # the file was refused: the console's Slack stays as it was
        elif added:
            example = added[0].name
            self.out.say(
                f"Added {len(added)} {'people' if len(added) != 1 else 'person'} named in the files to this "
                f"console's Slack (real name from the file, handle like @{example}) so the import links them; "
                f"act as one with as @{example}."
            )
        self.out.lines(report.text().splitlines())

    def _add_people_named_in(self, line: console_lines.ImportLine) -> list[ConsoleUser]:
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
            handle, real_name = wanted
            with self._lock:
                if real_name is not None and (
                    name_key(real_name) in self._ids_by_real_name
                    or name_key(real_name) in self._ids_by_name
                ):
                    continue
                if real_name is None and handle in self._ids_by_name:
                    continue
                unique = handle
                suffix = itertools.count(2)
                while unique in self._ids_by_name:  # two people, one handle: maria.lopez2
                    unique = f"{handle}{next(suffix)}"
            user = self._create_user(unique, may_be_admin=False, real_name=real_name)
            added.append(user)
        return added

    def _forget_users(self, users: list[ConsoleUser]) -> None:
        """Undo _add_people_named_in: the stand-in keeps them as deactivated accounts (which
        matching leaves out) until someone acts as or mentions that name again."""
        with self._lock:
            for user in users:
                self._users.pop(user.user_id, None)
                for index in (self._ids_by_name, self._ids_by_real_name):
                    for key in [k for k, v in index.items() if v == user.user_id]:
                        del index[key]
        for user in users:
            self.standin.add_user(user.user_id, user.name, tz=None, deleted=True, team_id=TEAM_ID)

    def _clock(self, rest: str) -> None:
        """`clock` shows the app's time; `clock ISO` sets it (it then stands still); `clock
        now` returns to real time. Request signatures keep the wall clock (see _dispatch)."""
        clock = self._app().clock
        words = rest.split()
        if not isinstance(clock, SettableClock):
            self.out.say("This console's clock cannot be moved.")
            return
        if not words:
            state = "set with clock; it stands still" if clock.is_set else "real time"
            self.out.say(f"The app's time: {self._local(clock.now())} ({state}).")
            return
        if len(words) > 1:
            self.out.lines(["Give one date or date-time.", console_lines.CLOCK_USAGE])
            return
        if words[0].lower() == "now":
            clock.follow()
            self.out.say(f"The app's clock follows real time again: {self._local(clock.now())}.")
            return
        try:
            at = console_lines.parse_clock(words[0], self.tz)
        except console_lines.UsageError as error:
            self.out.lines([error.message, console_lines.CLOCK_USAGE])
            return
        clock.set(at)
        self.out.say(
            f"The app's time is now {self._local(at)}; it stands still there for commands, jobs, Home and "
            "imports until you set it again (clock now: real time)."
        )

    def _local(self, at: datetime) -> str:
        return at.astimezone(ZoneInfo(self.tz)).strftime("%a %d %b %Y %H:%M %Z")

    # ------------------------------------------------------------------ App Home

    def _home(self, rest: str = "") -> None:
        """Open the App Home tab: the app_home_opened event Slack sends, signed like every
        request; the app's views.publish is printed by on_call as [Home tab of @name].
        `home quarter` picks the period in the tab's select, as a click in Slack does."""
        if self.me is None:
            self.out.say("Choose who you are first: as @maria — then home")
            return
        if rest:
            self._home_period(rest)
            return
        envelope = {
            "token": "console-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": self.standin.app_id,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(6).upper()}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": self.me.user_id,
                "channel": "D" + self.me.user_id,
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": self.standin.bot_user_id, "is_bot": True}
            ],
        }
        body = json.dumps(envelope)
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": slack_signature(self._secret, timestamp, body.encode("utf-8")),
        }
        printed = self.out.blocks
        try:
            response = self._app().bolt.dispatch(BoltRequest(body=body, headers=headers))
        except Exception as error:  # a broken listener must not end the session
            log.exception("the app failed on the Home tab")
            self.out.say(f"The app failed: {error}")
            return
        finally:
            self._after_answer()  # the Home is published after the event's answer
        if response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{_short_body(response.body)}")
        elif self.out.blocks == printed:
            self.out.say("The app published no Home tab.")

    def _home_period(self, chosen: str) -> None:
        """The block_actions payload Slack sends when the person picks a period in the Home
        tab's select."""
        from bot.render.app_home import HOME_PERIOD_ACTION, HOME_PERIODS

        if chosen.lower() not in HOME_PERIODS:
            self.out.say(f"Choose a period for your Home tab: home {' | home '.join(HOME_PERIODS)} (e.g. home quarter)")
            return
        value = chosen.lower()
        assert self.me is not None
        payload = self._interaction("block_actions")
        # The Home tab the app last published for this person, as Slack sends it; a
        # minimal one when the console has not shown it yet.
        shown = self._board.home_of(self.me.user_id)
        view = (
            copy.deepcopy(shown.content)
            if shown is not None
            else {"id": "V_HOME", "type": "home", "callback_id": "paceline_home"}
        )
        view["state"] = {"values": {}}
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        payload["actions"] = [
            {
                "type": "static_select",
                "action_id": HOME_PERIOD_ACTION,
                "block_id": HOME_PERIOD_ACTION,
                "selected_option": {"text": {"type": "plain_text", "text": HOME_PERIODS[value]}, "value": value},
                "action_ts": f"{time.time():.6f}",
            }
        ]
        printed = self.out.blocks
        response = self._dispatch(urlencode({"payload": json.dumps(payload)}))
        if response is None:
            return
        if response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{_short_body(response.body)}")
        elif self.out.blocks == printed:
            self.out.say("The app published no Home tab.")

    # ------------------------------------------------------------------ slash commands

    def _command(self, command: str, text: str) -> None:
        if self.me is None:
            self.out.say(f"Choose who you are first: as @maria — then {command} {text}".rstrip())
            return
        spec = self._commands.get(command, {})
        if spec.get("should_escape", True):
            text = escape_command_text(text, self._mention_user_id, self._mention_channel_id)
        else:
            text = slack_escape(text)
        channel_id = self.channel_id(COMMAND_CHANNEL)
        response_url = self.standin.response_url()
        response_key = response_url.rsplit("/", 1)[-1]
        with self._lock:
            self._response_channels[response_key] = channel_id
            self._response_users[response_key] = self.me.user_id
        fields = {
            "token": "console-verification-token",
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": COMMAND_CHANNEL,
            "user_id": self.me.user_id,
            "user_name": self.me.name,
            "command": command,
            "text": text,
            "api_app_id": self.standin.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self._trigger_id(),
        }
        # The answer is printed first, then what the app sends after it (a "⏳ Adding 25
        # people…" answer's outcome): in that order Slack shows them.
        response = self._dispatch(urlencode(fields), wait=False)
        try:
            self._print_answer(command, response, response_key)
        finally:
            self._after_answer()

    def _print_answer(self, command: str, response: BoltResponse | None, response_key: str) -> None:
        if response is None:
            return
        if response.status == 404:
            known = ", ".join(self._commands)
            self.out.say(
                f"Unknown command {command}. Paceline answers {known}; type help for more."
            )
            return
        if response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{_short_body(response.body)}")
            return
        # Bolt answers a text-only ack as a plain-text body, which Slack shows as mrkdwn.
        reply = _json_body(response.body) or {"text": response.body or ""}
        lines = render_message(reply, self._names())
        if lines:
            in_channel = reply.get("response_type") == "in_channel"
            if in_channel:
                lines = [f"[#{COMMAND_CHANNEL}]", *("  " + line for line in lines)]
            self.out.lines(lines)
            # Slack shows the answer as a message (only to the person, unless in_channel);
            # its buttons can be clicked, and the command's response URL may replace it.
            self._show_reply(reply, response_key, in_channel=in_channel)

    # ------------------------------------------------------------------ modals

    def _submit(self, rest: str) -> None:
        with self._lock:
            view = copy.deepcopy(self._views[-1]) if self._views else None
        if view is None or self.me is None:
            self.out.say("No form is open. /log opens one.")
            return
        try:
            assignments = parse_assignments(rest)
        except ValueError as error:
            self.out.say(str(error))
            return
        values, problems = build_state(
            view, assignments, self._mention_user_id, self._mention_channel_id
        )
        if problems:
            self.out.lines([f"✗ {key}: {problem}" for key, problem in problems.items()])
            self.out.say("Nothing was sent. Fix it and submit again, or cancel.")
            return
        payload = self._interaction("view_submission")
        payload["view"] = with_state(view, values)
        payload["response_urls"] = []
        printed = self.out.blocks
        response = self._dispatch(urlencode({"payload": json.dumps(payload)}))
        if response is None:
            return
        if response.status != 200:
            self.out.say(
                f"The app answered HTTP {response.status}{_short_body(response.body)}; the form is still open."
            )
            return
        answer = _json_body(response.body) or {}
        action = answer.get("response_action")
        if action == "errors":
            self.out.lines(render_field_errors(view, answer.get("errors") or {}))
            self.out.say("The form is still open: fix it and submit again, or cancel.")
            return
        with self._lock:
            if action == "clear":
                self._views.clear()
            elif action in ("update", "push") and isinstance(answer.get("view"), dict):
                if action == "update":
                    self._views[-1] = self._view_object(answer["view"], view_id=view["id"])
                else:
                    self._views.append(self._view_object(answer["view"]))
            elif self._views:
                self._views.pop()
            top = copy.deepcopy(self._views[-1]) if self._views else None
        if top is not None:
            self.out.lines(render_modal(top, self._names()))
        elif self.out.blocks == printed:
            self.out.say("Submitted; the form closed.")

    def _cancel(self) -> None:
        with self._lock:
            view = self._views.pop() if self._views else None
            top = copy.deepcopy(self._views[-1]) if self._views else None
        if view is None:
            self.out.say("No form is open.")
            return
        if view.get("notify_on_close"):
            payload = self._interaction("view_closed")
            payload["view"] = view
            payload["is_cleared"] = False
            self._dispatch(urlencode({"payload": json.dumps(payload)}))
        self.out.say("Closed the form.")
        if top is not None:
            self.out.lines(render_modal(top, self._names()))

    def _answer_views_open(self, call: RecordedCall) -> dict[str, Any]:
        return self._open_view(call, push=False)

    def _answer_views_push(self, call: RecordedCall) -> dict[str, Any]:
        return self._open_view(call, push=True)

    def _open_view(self, call: RecordedCall, push: bool) -> dict[str, Any]:
        # Answered here rather than by the stand-in's default so the console holds the exact
        # view object (with its id) that a later view_submission must carry.
        view = call.params.get("view")
        if not isinstance(view, dict) or not call.params.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        opened = self._view_object(view)
        with self._lock:
            if not push:
                self._views.clear()
            self._views.append(opened)
        return {"ok": True, "view": copy.deepcopy(opened)}

    def _view_object(self, view: Mapping[str, Any], view_id: str | None = None) -> dict[str, Any]:
        # Random, not counted: the /log modal keys its idempotency on the view id, so an id
        # reused by a later console run on the same database would swallow that submission.
        view_id = view_id or "V" + secrets.token_hex(5).upper()
        result: dict[str, Any] = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.standin.app_id,
            "external_id": "",
            "app_installed_team_id": TEAM_ID,
            "bot_id": self.standin.bot_id,
        }
        result.update(copy.deepcopy(dict(view)))
        result["id"] = view_id
        return result

    # ------------------------------------------------------------------ what the app sent

    def on_call(self, call: RecordedCall) -> None:
        """Print what the app sent to Slack (runs on a stand-in thread)."""
        p = call.params
        names = self._names()
        with self._lock:
            answer = self._answers.pop(id(call), None)
        header: str | None = None
        if call.method == "chat.postMessage":
            header = f"[{self._place(str(p.get('channel') or ''))}]"
        elif call.method == "chat.postEphemeral":
            user = names.users.get(str(p.get("user")), str(p.get("user")))
            header = f"[only @{user} sees this, in {self._place(str(p.get('channel') or ''))}]"
        elif call.method == "chat.update":
            header = f"[message updated in {self._place(str(p.get('channel') or ''))}]"
        elif call.method == "views.publish":
            header = (
                f"[Home tab of @{names.users.get(str(p.get('user_id')), str(p.get('user_id')))}]"
            )
        if header is not None:
            message = p.get("view") if call.method == "views.publish" else p
            body = render_message(message if isinstance(message, Mapping) else {}, names)
            self.out.lines([header, *_indented(body)])
            if call.status == 200:
                self._show_on_board(call, answer or {})
        elif call.method == "chat.delete" and call.status == 200:
            self._board.delete(self._channel_of(str(p.get("channel") or "")), str(p.get("ts") or ""))
        elif call.method == "response_url":
            self._print_response_url(call, names)
        elif call.method in ("views.open", "views.push"):
            # Only a view the stand-in accepted (see _open_view) is the one on top now.
            if isinstance(p.get("view"), dict) and p.get("trigger_id"):
                with self._lock:
                    top = copy.deepcopy(self._views[-1]) if self._views else None
                if top is not None:
                    self.out.lines(render_modal(top, names))
        elif call.method == "views.update":
            self._print_view_update(p, names)
        elif call.method == "files.completeUploadExternal":
            files = p.get("files") if isinstance(p.get("files"), list) else []
            titles = ", ".join(
                str(f.get("title") or f.get("id")) for f in files if isinstance(f, dict)
            )
            place = self._place(str(p.get("channel_id") or p.get("channels") or ""))
            lines = [f"[file in {place}] {titles}"]
            for file in files:
                saved = self._save_image(file) if isinstance(file, dict) else None
                if saved is not None:
                    lines.append(f"  (image saved to {saved})")
            self.out.lines(lines)

    def _save_image(self, file: Mapping[str, Any]) -> Path | None:
        """Charts can't show in a terminal: keep each PNG in a temporary folder to open."""
        content = self.standin.file_content(str(file.get("id") or ""))
        if not content or not content.startswith(b"\x89PNG"):
            return None
        if self._image_dir is None:
            self._image_dir = Path(tempfile.mkdtemp(prefix="paceline-console-"))
        path = self._image_dir / f"{file.get('id')}.png"
        path.write_bytes(content)
        return path

    def _print_response_url(self, call: RecordedCall, names: Names) -> None:
        p = call.params
        if p.get("delete_original"):
            self.out.lines(["[the original message was deleted]"])
            original = self._board.by_response(call.key)
            if original is not None:
                self._board.remove(original)
            return
        with self._lock:
            channel_id = self._response_channels.get(call.key, "")
        if p.get("response_type") == "in_channel":
            header = f"[{self._place(channel_id) if channel_id else 'in the channel'}]"
        else:
            header = "[only you see this]"
        if p.get("replace_original"):
            header += " (replaces the message)"
        self.out.lines([header] + _indented(render_message(p, names)))
        self._show_reply(p, call.key, in_channel=p.get("response_type") == "in_channel")

    # ------------------------------------------------------------------ buttons: click

    def _keep_answer(self, call: RecordedCall) -> Any:
        """The stand-in's usual answer, kept for on_call (the ts of a post, the id of a
        Home view), which sees only what the app sent."""
        answer = self.standin.default_answer(call)
        if isinstance(answer, dict):
            with self._lock:
                self._answers[id(call)] = answer
        return answer

    def _show_on_board(self, call: RecordedCall, answer: Mapping[str, Any]) -> None:
        """Remember a message or Home tab the app sent, with its buttons, for `click`."""
        p = call.params
        if call.method == "views.publish":
            view = answer.get("view")
            user_id = str(p.get("user_id") or "")
            if isinstance(view, dict) and view.get("id") and user_id:
                place = f"Home tab of @{self._user_name(user_id)}"
                self._board.show(
                    clicks.Clickable("home", place, user_id, "", str(view["id"]), False, dict(view))
                )
            return
        channel_id = self._channel_of(str(answer.get("channel") or p.get("channel") or ""))
        place = self._place(channel_id)
        dm_of = channel_id[1:] if channel_id[:1] == "D" and channel_id[1:2] in ("U", "W") else None
        if call.method == "chat.postMessage":
            message = answer.get("message")
            content = dict(message) if isinstance(message, dict) else _message_of(p, str(answer.get("ts") or ""))
            ts = str(answer.get("ts") or content.get("ts") or _made_up_ts())
            content["ts"] = ts
            self._board.show(clicks.Clickable("message", place, dm_of, channel_id, ts, False, content))
        elif call.method == "chat.postEphemeral":
            user_id = str(p.get("user") or "")
            ts = str(answer.get("message_ts") or _made_up_ts())
            place = f"message only @{self._user_name(user_id)} sees, in {place}"
            self._board.show(
                clicks.Clickable("message", place, user_id, channel_id, ts, True, _message_of(p, ts))
            )
        elif call.method == "chat.update":
            self._board.edit(channel_id, str(p.get("ts") or ""), p, place, dm_of)

    def _show_reply(self, message: Mapping[str, Any], response_key: str, in_channel: bool) -> None:
        """A command's answer or a response URL message: a new message for the person who
        got it (everyone, in_channel), or the message it replaces."""
        if not clicks.has_buttons(message) and not message.get("replace_original"):
            return
        with self._lock:
            channel_id = self._response_channels.get(response_key, "")
            user_id = self._response_users.get(response_key)
        original = self._board.by_response(response_key) if message.get("replace_original") else None
        if original is not None:
            content = {**original.content, "text": message.get("text") or "", "blocks": message.get("blocks") or []}
            self._board.show(replace(original, content=content, response_keys=set(original.response_keys)))
            return
        if not clicks.has_buttons(message):
            return
        ts = _made_up_ts()
        if in_channel or user_id is None:
            place = self._place(channel_id) if channel_id else "channel"
            viewer = None
        else:
            place = f"message only @{self._user_name(user_id)} sees, in {self._place(channel_id)}"
            viewer = user_id
        item = clicks.Clickable(
            "message", place, viewer, channel_id, ts, not in_channel, _message_of(message, ts), {response_key}
        )
        self._board.show(item)

    def _click(self, rest: str) -> None:
        """`click` lists the buttons of the newest message (or Home tab) the person can see;
        `click 2` / `click Approve` presses one: the block_actions Slack would send."""
        if self.me is None:
            self.out.say(f"Choose who you are first: as @maria — then click {rest}".rstrip())
            return
        target, newer = self._board.last_for(self.me.user_id)
        names = self._names()
        others = None
        if newer is not None and newer.viewer is not None:
            who = self._user_name(newer.viewer)
            place = clicks.where(newer, self.me.user_id)
            others = f"(The newest message with buttons, in {place}, is @{who}'s: as @{who} to click it.)"
        if target is None:
            self.out.lines([clicks.NOTHING_TO_CLICK] + ([others] if others else []))
            return
        buttons = target.buttons
        if not rest:
            self.out.lines(clicks.button_lines(target, names, self.me.user_id) + ([others] if others else []))
            return
        chosen = clicks.pick(buttons, rest)
        if isinstance(chosen, str):
            self.out.lines([chosen, *clicks.button_lines(target, names, self.me.user_id)])
            return
        self._press(target, buttons[chosen], names)

    def _press(self, target: clicks.Clickable, button: clicks.Button, names: Names) -> None:
        assert self.me is not None
        lines = [f"You click [ {button.label} ] in {clicks.where(target, self.me.user_id)}."]
        confirm = clicks.confirm_line(button, names)
        if confirm:
            lines.append(confirm)
        if button.url:
            lines.append(f"(Slack opens {button.url} in the browser and tells the app.)")
        self.out.lines(lines)
        response_url = None
        channel_name = None
        if target.kind == "message":
            response_url = self.standin.response_url()
            key = response_url.rsplit("/", 1)[-1]
            with self._lock:
                self._response_channels[key] = target.channel_id
                self._response_users[key] = self.me.user_id
                channel_name = self._channels.get(target.channel_id)
            self._board.link_response(target, key)
        payload = clicks.block_actions(
            self._interaction("block_actions"),
            target,
            button,
            action_ts=f"{time.time():.6f}",
            channel_name=channel_name,
            response_url=response_url,
        )
        printed = self.out.blocks
        response = self._dispatch(urlencode({"payload": json.dumps(payload)}))
        if response is None:
            return
        if response.status == 404:
            self.out.say(f"The app does not answer that button (action_id {button.action_id}).")
        elif response.status != 200:
            self.out.say(f"The app answered HTTP {response.status}{_short_body(response.body)}")
        elif self.out.blocks == printed:
            self.out.say("The app showed nothing back.")

    def _channel_of(self, channel: str) -> str:
        """The conversation id Slack has for `channel`: a user id means their DM."""
        return "D" + channel if channel[:1] in ("U", "W") else channel

    def _print_view_update(self, p: Mapping[str, Any], names: Names) -> None:
        view = p.get("view")
        if not isinstance(view, dict):
            return
        with self._lock:
            for i, open_view in enumerate(self._views):
                if open_view["id"] == p.get("view_id") or (
                    p.get("external_id") and open_view.get("external_id") == p.get("external_id")
                ):
                    self._views[i] = self._view_object(view, view_id=open_view["id"])
                    updated = copy.deepcopy(self._views[i])
                    break
            else:
                return
        self.out.lines(render_modal(updated, names))

    def _place(self, channel: str) -> str:
        """`#sales-east` or `DM to @maria` for a channel id (a user id means their DM)."""
        if channel[:1] in ("U", "W"):
            return f"DM to @{self._user_name(channel)}"
        if channel[:1] == "D" and channel[1:2] in ("U", "W"):
            return f"DM to @{self._user_name(channel[1:])}"
        with self._lock:
            name = self._channels.get(channel)
        return f"#{name or channel}"

    # ------------------------------------------------------------------ people and channels

    def _mention_user_id(self, name: str) -> str | None:
        with self._lock:
            found = self._ids_by_name.get(name.lower())
        if found:
            return found
        return self._create_user(name, may_be_admin=False).user_id

    def _mention_channel_id(self, name: str) -> str | None:
        return self.channel_id(name)

    def _create_user(
        self, name: str, may_be_admin: bool, real_name: str | None = None
    ) -> ConsoleUser:
        handle = name.lower()
        with self._lock:
            user_id = stable_id("U", handle)
            suffix = itertools.count(2)
            while user_id in self._users:  # a renamed person kept the id this name hashes to
                user_id = stable_id("U", f"{handle}#{next(suffix)}")
            # The workspace always has an admin: the first person the console creates, or
            # the first one after a demo seeded only members.
            admin = may_be_admin and not any(
                u.is_admin for u in self._users.values() if not u.is_bot
            )
            user = ConsoleUser(user_id, handle, self.tz, admin)
            self._register(user, real_name=real_name)
        return user

    def _register(
        self,
        user: ConsoleUser,
        real_name: str | None = None,
        deleted: bool = False,
        email: str | None = None,
    ) -> None:
        self.standin.add_user(
            user.user_id,
            user.name,
            real_name=real_name,
            tz=user.tz if user.tz and _valid_zone(user.tz) else None,
            is_admin=user.is_admin,
            is_bot=user.is_bot,
            deleted=deleted,
            email=email,
            team_id=TEAM_ID,
        )
        with self._lock:
            self._users[user.user_id] = user
            self._ids_by_name.setdefault(user.name.lower(), user.user_id)
            if real_name:
                self._ids_by_real_name.setdefault(name_key(real_name), user.user_id)

    def channel_id(self, name: str) -> str:
        """The id `#name` has in this console (made up, stable across runs)."""
        key = name.lower()
        with self._lock:
            for channel_id, channel_name in self._channels.items():
                if channel_name == key:
                    return channel_id
        channel_id = stable_id("C", key)
        self._register_channel(channel_id, key)
        return channel_id

    def _register_channel(self, channel_id: str, name: str) -> None:
        self.standin.add_channel(channel_id, name)
        with self._lock:
            self._channels[channel_id] = name

    def _user_name(self, user_id: str) -> str:
        with self._lock:
            user = self._users.get(user_id)
        return user.name if user else user_id

    def _names(self) -> Names:
        with self._lock:
            return Names(
                users={uid: u.name for uid, u in self._users.items()},
                channels=dict(self._channels),
            )

    # ------------------------------------------------------------------ transport

    def _interaction(self, kind: str) -> dict[str, Any]:
        assert self.me is not None
        return {
            "type": kind,
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "user": {
                "id": self.me.user_id,
                "username": self.me.name,
                "name": self.me.name,
                "team_id": TEAM_ID,
            },
            "api_app_id": self.standin.app_id,
            "token": "console-verification-token",
            "trigger_id": self._trigger_id(),
            "is_enterprise_install": False,
        }

    def _trigger_id(self) -> str:
        return f"{next(self._triggers)}.{int(time.time())}.{secrets.token_hex(16)}"

    def _dispatch(self, body: str, *, wait: bool = True) -> BoltResponse | None:
        # Signed with the wall clock, not the app clock: Bolt checks the timestamp against
        # real time, exactly as for a request from Slack.
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": slack_signature(self._secret, timestamp, body.encode("utf-8")),
        }
        try:
            return self._app().bolt.dispatch(BoltRequest(body=body, headers=headers))
        except Exception as error:  # a broken listener must not end the session
            log.exception("the app failed on a console request")
            self.out.say(f"The app failed: {error}")
            return None
        finally:
            if wait:
                self._after_answer()

    def _after_answer(self) -> None:
        """Let the Slack work the app does after its answer (bot/services/later.py: a /team
        add's outcome, a Home publish, a DM) print before the console reads on, as Slack
        would have shown it by then."""
        if not self._app().background.idle(AFTER_ANSWER_SECONDS):
            self.out.say("(the app is still working; what it sends will show here when it does)")

    def _app(self) -> Paceline:
        if self._paceline is None:
            raise RuntimeError("the console is not attached to an app yet")
        return self._paceline


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
            out.say(f"Could not open the database: {_first_line(error)}", indent=0)
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
    return next((c for c in candidates if _valid_zone(c)), "UTC")


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


def _valid_zone(name: str) -> bool:
    if not name or name.startswith("/") or name == "localtime":
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _json_body(body: str) -> dict[str, Any] | None:
    if not body or body.lstrip()[:1] != "{":
        return None
    try:
        decoded = json.loads(body)
    except json.JSONDecodeError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _message_of(p: Mapping[str, Any], ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "message", "ts": ts, "text": p.get("text") or ""}
    for key in ("blocks", "attachments"):
        if p.get(key) is not None:
            message[key] = p[key]
    return message


def _made_up_ts() -> str:
    # A ts for a message Slack gives none back for (a command's answer, a response URL post).
    return f"{time.time():.6f}"


def _short_body(body: str) -> str:
    body = (body or "").strip()
    return f": {body[:200]}" if body else "."


def _indented(lines: list[str]) -> list[str]:
    return ["  " + line if line else line for line in lines]


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return text[0] if text else type(error).__name__
