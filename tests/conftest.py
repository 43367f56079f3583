"""Shared fixtures: the app started as in production (waitress + Bolt over HTTP), a stand-in
Slack Web API on loopback, and a database per backend. Every e2e test runs on SQLite and on
PostgreSQL; each test gets a workspace of its own, so tests never see each other's data."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.app import Paceline, build
from bot.clock import FixedClock
from bot.config import Settings
from bot.render.block_limits import MESSAGE_TEXT_MAX, REPLY_TEXT, check_message, check_view
from bot.server import HttpServer, wsgi_app
from storage.db import Database
from storage.models import AuditEvent, Entry, Team, TimeOff, Workspace
from tests.support.signed_requests import HttpResponse, SignedSlackClient
from tests.support.slack_api import RecordedCall, StandInSlack
from tests.support.waiting import final_reply, settled  # tests import these from here too

SIGNING_SECRET = "5e6f1a2b3c4d5e6f7a8b9c0d1e2f3a4b"
ENV_ADMIN = "UENVADMIN1"
# Friday 20 November 2026, 10:00 in New York: mid-morning on the last workday of a week.
DEFAULT_NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _postgres_admin_url() -> str | None:
    return os.environ.get("PACELINE_TEST_POSTGRES_URL") or None


def _unavailable(reason: str) -> None:
    # In CI a missing PostgreSQL is a failure, never a quiet skip.
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def fresh_database(backend: str, sqlite_dir: Path, prefix: str = "paceline_test") -> Iterator[str]:
    """The URL of an empty database of its own: a SQLite file in `sqlite_dir`, or a
    PostgreSQL database created on the server PACELINE_TEST_POSTGRES_URL names and dropped
    afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{sqlite_dir}/paceline.db"
        return
    admin_url = _postgres_admin_url()
    if admin_url is None:
        _unavailable("PACELINE_TEST_POSTGRES_URL is not set")
    url = sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        _unavailable(f"PostgreSQL is unreachable at {url.render_as_string()}: {error.orig}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("sqlite")) as url:
        yield url


@pytest.fixture(scope="module")
def db(database_url: str) -> Iterator[Database]:
    """The session's database, migrated, for tests of storage and the sender without the app."""
    database = Database(database_url)
    database.upgrade()
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def slack() -> Iterator[StandInSlack]:
    with StandInSlack() as standin:
        yield standin


@dataclass
class RunningApp:
    paceline: Paceline
    server: HttpServer
    clock: FixedClock

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def running_app(database_url: str, slack: StandInSlack) -> Iterator[RunningApp]:
    settings = Settings(
        bot_token="xoxb-test-token",
        signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=database_url,
        admins=frozenset({ENV_ADMIN}),
    )
    clock = FixedClock(DEFAULT_NOW)
    paceline = build(settings, clock=clock)
    server = HttpServer(
        wsgi_app(paceline.bolt, paceline.db), host="127.0.0.1", port=0, threads=4
    ).start()
    try:
        yield RunningApp(paceline, server, clock)
    finally:
        server.stop()
        paceline.db.dispose()


def answer_text(response: HttpResponse) -> str:
    # Bolt answers a text-only ack as text/plain and one with blocks as JSON.
    if "json" in response.headers.get("content-type", response.headers.get("Content-Type", "")):
        return response.json().get("text", "")
    return response.text


def told_through(slack: StandInSlack, response_url: str) -> list[str]:
    key = response_url.rsplit("/", 1)[-1]
    return [c.params.get("text", "") for c in slack.calls_to("response_url") if c.key == key]


@dataclass
class SlackWorkspace:
    """One Slack workspace talking to the running app, as its people would."""

    team_id: str
    app: RunningApp
    slack: StandInSlack
    client: SignedSlackClient
    names: dict[str, str] = field(default_factory=dict)

    def user(
        self, name: str, *, admin: bool = False, tz: str | None = "America/New_York", **kw: object
    ) -> str:
        user_id = "U" + uuid.uuid4().hex[:10].upper()
        self.slack.add_user(user_id, name, tz=tz, is_admin=admin, team_id=self.team_id, **kw)
        self.names[user_id] = name
        return user_id

    def command(self, command: str, user_id: str, text: str = "", **kw: object) -> HttpResponse:
        return self.client.command(
            command, text, user_id=user_id, user_name=self.names.get(user_id, "someone"), **kw
        )

    def reply(self, command: str, user_id: str, text: str = "") -> str:
        """The answer to a command — or, when the answer says the outcome follows ("⏳ Adding
        25 people…", see bot/services/later.py), that outcome, from the response URL."""
        told = len(self.told())
        response = self.command(command, user_id, text)
        assert response.status == 200, response.text
        return final_reply(self.slack, self.client.response_url, answer_text(response), told)

    def told(self) -> list[str]:
        """What the app said through this workspace's response URL, oldest first."""
        return told_through(self.slack, self.client.response_url)

    def log(self, user_id: str, text: str = "") -> str:
        return self.reply("/log", user_id, text)

    def team(self, user_id: str, text: str = "") -> str:
        return self.reply("/team", user_id, text)

    # What the database holds for this workspace only.
    def _workspace_id(self, session) -> int | None:  # type: ignore[no-untyped-def]
        return session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == self.team_id)
        )

    def rows(self, model: type) -> list:
        with self.app.paceline.db.read() as session:
            workspace_id = self._workspace_id(session)
            if workspace_id is None:
                return []
            return list(
                session.scalars(
                    sa.select(model).where(model.workspace_id == workspace_id).order_by(model.id)
                )
            )

    def entries(self, live_only: bool = True) -> list[Entry]:
        rows = self.rows(Entry)
        return [e for e in rows if e.deleted_at is None] if live_only else rows

    def snapshot(self) -> tuple[int, int, int, int]:
        """Row counts that any rejected command must leave unchanged."""
        return (
            len(self.entries(live_only=False)),
            len(self.rows(AuditEvent)),
            len(self.rows(Team)),
            len(self.rows(TimeOff)),
        )


@contextmanager
def new_workspace(running_app: RunningApp, slack: StandInSlack) -> Iterator[SlackWorkspace]:
    """A Slack workspace of its own on the running app, with the clock at DEFAULT_NOW (a
    property test makes one per example, where a function-scoped fixture cannot)."""
    running_app.clock.set(DEFAULT_NOW)
    team_id = "T" + uuid.uuid4().hex[:10].upper()
    client = SignedSlackClient(
        running_app.url,
        SIGNING_SECRET,
        team_id=team_id,
        response_url=slack.response_url(),
        on_response=settled(running_app.paceline),
    )
    try:
        yield SlackWorkspace(team_id, running_app, slack, client)
    finally:
        client.close()


@pytest.fixture
def workspace(running_app: RunningApp, slack: StandInSlack) -> Iterator[SlackWorkspace]:
    with new_workspace(running_app, slack) as found:
        yield found


# --- every payload the app sends stays within Slack's limits -------------------------------------

MESSAGE_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.scheduleMessage",
        "response_url",
    }
)
VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})
UNCHECKED = "slack_payloads_unchecked"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{UNCHECKED}: the test sends Slack payloads that break its limits on purpose (tests of the stand-in)",
    )


def call_problems(call: RecordedCall) -> list[str]:
    """What breaks Slack's limits in one Web API call or response_url post the app made."""
    if call.method in MESSAGE_METHODS:
        return check_message(call.params)
    if call.method in VIEW_METHODS:
        view = call.params.get("view")
        return (
            check_view(view)
            if isinstance(view, dict)
            else [f"view is {type(view).__name__}, not an object"]
        )
    if call.method == "files.completeUploadExternal":
        comment = call.params.get("initial_comment") or ""
        return (
            [f"initial_comment of {len(comment):,} characters, more than {REPLY_TEXT:,}"]
            if len(comment) > REPLY_TEXT
            else []
        )
    return []


def answer_problems(content_type: str, response: HttpResponse) -> list[str]:
    """What breaks Slack's limits in the app's answer to a signed request: a slash command's
    reply (text/plain or a JSON message), a view submission's `response_action`."""
    if response.status != 200 or not response.body:
        return []
    if "json" not in response.headers.get("content-type", ""):
        # A text-only ack is the message itself; Slack refuses a response over 40,000 characters.
        text = response.text
        limit = (
            REPLY_TEXT
            if content_type.startswith("application/x-www-form-urlencoded")
            else MESSAGE_TEXT_MAX
        )
        return (
            [f"answer of {len(text):,} characters, more than {limit:,}"]
            if len(text) > limit
            else []
        )
    try:
        data = response.json()
    except ValueError:
        return ["an answer declared JSON that does not parse"]
    if not isinstance(data, dict) or "challenge" in data:
        return []
    action = data.get("response_action")
    if action in ("update", "push"):
        return check_view(data.get("view") or {})
    if action == "errors":
        errors = data.get("errors")
        ok = (
            isinstance(errors, dict)
            and errors
            and all(isinstance(v, str) and v for v in errors.values())
        )
        return (
            []
            if ok
            else [f"response_action errors is not a map of block ids to messages: {errors!r}"]
        )
    if action is not None:
        return [] if action == "clear" else [f"unknown response_action {action!r}"]
    return check_message(data)


@pytest.fixture(autouse=True)
def slack_payloads_within_limits(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test: every chat.postMessage, chat.postEphemeral, chat.update, views.*
    payload and response_url post any stand-in recorded, and every answer the app gave a
    signed request (a command's reply, a modal's response_action), is checked with
    slack_sdk's models and Slack's documented limits (bot/render/block_limits.py: 50 blocks a
    message, 100 a view, 3,000 characters a section, 10 fields, 150 a header, 4,000 a
    message's text). A regression in any message the suite makes fails the test, naming the
    payload. Tests of the stand-in itself opt out with @pytest.mark.slack_payloads_unchecked."""
    found: list[tuple[str, object, list[str]]] = []
    lock = threading.Lock()

    def on_call(call: RecordedCall) -> None:
        problems = call_problems(call)
        if problems:
            with lock:
                found.append((f"{call.method} ({call.path})", call.params, problems))

    def on_answer(body: bytes, content_type: str, response: HttpResponse) -> None:
        problems = answer_problems(content_type, response)
        if problems:
            with lock:
                found.append((f"the answer to {body[:200]!r}", response.text, problems))

    StandInSlack.watchers.append(on_call)
    SignedSlackClient.watchers.append(on_answer)
    try:
        yield
    finally:
        StandInSlack.watchers.remove(on_call)
        SignedSlackClient.watchers.remove(on_answer)
    if found and request.node.get_closest_marker(UNCHECKED) is None:
        reports = []
        for where, payload, problems in found[:5]:
            shown = (
                payload
                if isinstance(payload, str)
                else json.dumps(payload, ensure_ascii=False, default=str)
            )
            reports.append(f"{where}:\n  " + "\n  ".join(problems) + f"\n  payload: {shown[:3000]}")
        more = f"\n(and {len(found) - 5} more)" if len(found) > 5 else ""
        pytest.fail(
            "Slack would refuse or cut what the app sent:\n" + "\n".join(reports) + more,
            pytrace=False,
        )
