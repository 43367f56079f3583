"""The database goes away under the running app, and comes back (issue #11).

PostgreSQL is reached through a proxy that is switched into a black hole: connections stay
open (new ones are even accepted) but nothing answers — the case that hung every worker
thread for 130 s. SQLite is taken by another process's exclusive lock, so neither reads nor
writes get through. Either way every request answers inside Slack's 3 seconds with a plain
message, /healthz says 503, and service resumes by itself once the database is back."""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from bench.edge import BlackHoleProxy
from bot.app import DATABASE_DOWN, WRITE_IN_DOUBT, build
from bot.clock import FixedClock
from bot.config import Settings
from bot.server import HttpServer, wsgi_app
from tests.conftest import DEFAULT_NOW, SIGNING_SECRET, fresh_database
from tests.support.signed_requests import HttpResponse, SignedSlackClient

SLACK_WAITS_S = 3.0


@dataclass
class Outage:
    """The app on a database this test can take away (`down`) and give back (`up`)."""

    backend: str
    url: str
    server: HttpServer
    paceline: object
    proxy: BlackHoleProxy | None = None
    _locker: sqlite3.Connection | None = field(default=None, repr=False)

    def down(self) -> None:
        if self.proxy is not None:
            self.proxy.black_hole()
            return
        # The app's connections go (as after a restart); another process then holds the file
        # in exclusive mode: nothing else can read or write it.
        self.paceline.db.dispose()  # type: ignore[attr-defined]
        path = sa.engine.make_url(self.url).database
        self._locker = sqlite3.connect(path, isolation_level=None, timeout=5)
        self._locker.execute("PRAGMA locking_mode=EXCLUSIVE")
        self._locker.execute("BEGIN EXCLUSIVE")

    def up(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        elif self._locker is not None:
            self._locker.execute("ROLLBACK")
            self._locker.close()
            self._locker = None


@pytest.fixture(scope="module")
def outage(database_url: str, slack, tmp_path_factory) -> Iterator[Outage]:  # type: ignore[no-untyped-def]
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with fresh_database(backend, tmp_path_factory.mktemp("down"), prefix="paceline_down") as url:
        proxy = None
        app_url = url
        if backend == "postgresql":
            real = sa.engine.make_url(url)
            proxy = BlackHoleProxy((real.host or "127.0.0.1", real.port or 5432)).start()
            app_url = proxy.url_for(url)
        settings = Settings(
            bot_token="xoxb-test-token",
            signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
            database_url=app_url,
        )
        paceline = build(settings, clock=FixedClock(DEFAULT_NOW))
        server = HttpServer(
            wsgi_app(paceline.bolt, paceline.db), host="127.0.0.1", port=0, threads=4
        ).start()
        state = Outage(backend, url, server, paceline, proxy)
        try:
            yield state
        finally:
            state.up()
            server.stop()
            paceline.db.dispose()
            if proxy is not None:
                proxy.close()


@dataclass
class Team:
    client: SignedSlackClient
    team_id: str
    maria: str


@pytest.fixture
def team(outage: Outage, slack) -> Iterator[Team]:  # type: ignore[no-untyped-def]
    team_id = "T" + uuid.uuid4().hex[:10].upper()
    maria = "U" + uuid.uuid4().hex[:10].upper()
    slack.add_user(maria, "maria", tz="America/New_York", team_id=team_id)
    client = SignedSlackClient(
        outage.server.url,
        SIGNING_SECRET,
        team_id=team_id,
        response_url=slack.response_url(),
        timeout=10,
    )
    try:
        yield Team(client, team_id, maria)
    finally:
        outage.up()
        client.close()


def _timed(call) -> tuple[HttpResponse, float]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def _text(response: HttpResponse) -> str:
    if "json" in response.headers.get("content-type", ""):
        return response.json().get("text", "")
    return response.text


def _quantities(outage: Outage, team: Team) -> list[int]:
    engine = sa.create_engine(outage.url)
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    sa.text(
                        "SELECT e.quantity FROM entry e JOIN workspace w ON w.id = e.workspace_id "
                        "WHERE w.slack_team_id = :team ORDER BY e.id"
                    ),
                    {"team": team.team_id},
                )
            )
    finally:
        engine.dispose()


def _wait_healthy(client: SignedSlackClient, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if client.get("/healthz").status == 200:
            return
        time.sleep(0.2)  # the app retries the database on its own; poll until it has
    raise AssertionError(f"not healthy again within {within} s")


def test_a_database_that_stops_answering_gets_a_plain_message_in_time_and_service_resumes(
    outage, team, slack, caplog
):
    first = team.client.command("/log", "calls 3", user_id=team.maria)
    assert first.status == 200 and _text(first).startswith("Logged 3 calls")

    caplog.set_level(logging.INFO)
    outage.down()
    told_nothing_saved = []
    for quantity in (
        5,
        6,
        8,
    ):  # the first meets the hung connection; the others fail fast or time out
        reply, took = _timed(
            lambda q=quantity: team.client.command("/log", f"calls {q}", user_id=team.maria)
        )
        assert reply.status == 200, (quantity, reply.status, reply.text[:300])
        assert took < SLACK_WAITS_S, (quantity, took)
        # A connection lost while the INSERT was on its way may still have been applied by
        # the server (this proxy hands the buffered bytes on once restored): never "nothing
        # was saved" then.
        assert _text(reply) in (DATABASE_DOWN, WRITE_IN_DOUBT)
        if _text(reply) == DATABASE_DOWN:
            told_nothing_saved.append(quantity)
        health, took = _timed(lambda: team.client.get("/healthz"))
        assert (health.status, health.json()["database"]) == (503, "unreachable")
        assert took < SLACK_WAITS_S
    assert told_nothing_saved[-2:] == [6, 8]
    assert "Traceback" not in caplog.text
    told = [
        r for r in caplog.records if "could not be reached while handling /log" in r.getMessage()
    ]
    assert len(told) == 3 and all(r.exc_info is None for r in told)

    outage.up()
    _wait_healthy(team.client, within=10)
    again = team.client.command("/log", "calls 7", user_id=team.maria)
    assert again.status == 200 and _text(again).startswith("Logged 7 calls"), _text(again)
    saved = _quantities(outage, team)
    assert saved[0] == 3 and saved[-1] == 7
    assert not set(saved) & set(told_nothing_saved)


def test_forms_and_buttons_tell_the_person_while_the_database_is_away(outage, team, slack):
    assert team.client.command("/log", "calls 1", user_id=team.maria).status == 200
    outage.down()
    values = {
        "day": {"day": {"type": "datepicker", "selected_date": "2026-11-20"}},
        "metric:calls": {"amount": {"type": "plain_text_input", "value": "4"}},
    }
    blocks = [
        {
            "type": "input",
            "block_id": "metric:calls",
            "element": {"type": "plain_text_input", "action_id": "amount"},
        }
    ]
    submitted, took = _timed(
        lambda: team.client.view_submission(
            "log_modal", values, user_id=team.maria, view_id="VDOWN1", blocks=blocks
        )
    )
    assert submitted.status == 200 and took < SLACK_WAITS_S
    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"]["metric:calls"] in (DATABASE_DOWN, WRITE_IN_DOUBT)  # see the test above
    # A form without input blocks to hang the message on gets it in a modal pushed on top.
    pushed = team.client.view_submission(
        "log_modal", values, user_id=team.maria, view_id="VDOWN2"
    ).json()
    assert pushed["response_action"] == "push" and DATABASE_DOWN in str(pushed["view"]["blocks"])

    clicked, took = _timed(
        lambda: team.client.block_action("goal_request_approve", "1", user_id=team.maria)
    )
    assert clicked.status == 200 and took < SLACK_WAITS_S
    key = urlsplit(team.client.response_url).path.rsplit("/", 1)[-1]
    said = slack.wait_for(
        "response_url", where=lambda c: c.key == key and c.params.get("text") == DATABASE_DOWN
    )
    assert said[0].params.get("response_type") == "ephemeral"

    home_click, took = _timed(
        lambda: team.client.block_action(
            "home_undo_entry", "1", user_id=team.maria, view={"id": "VHOME1", "type": "home"}
        )
    )
    assert home_click.status == 200 and took < SLACK_WAITS_S
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == team.maria)
    assert dm[0].params.get("text") == DATABASE_DOWN
    outage.up()
    _wait_healthy(team.client, within=10)
    saved = _quantities(outage, team)
    assert (
        saved == [1]
        if answer["errors"]["metric:calls"] == DATABASE_DOWN
        else saved in ([1], [1, 4])
    )
