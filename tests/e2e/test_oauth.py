"""Multi-workspace installs, end to end: workspaces install Paceline through /slack/install
and /slack/oauth_redirect against the stand-in Slack's oauth.v2.access, then use it side by
side. Every Web API call for a workspace carries its own token, and nothing of one is seen
by the other. Uninstalling stops a workspace; reinstalling brings it back. Bad callbacks
install nothing. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import html
import http.client
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa

from bot.app import Paceline, build
from bot.clock import FixedClock
from bot.config import Settings
from bot.oauth import NOT_INSTALLED, bot_scopes
from bot.server import HttpServer, wsgi_app
from scheduler.sender import Sender
from scheduler.service import planned_jobs
from storage import installations
from storage.models import Entry, Outbox, Person, Team, Workspace
from tests.conftest import (
    DEFAULT_NOW,
    SIGNING_SECRET,
    answer_text,
    final_reply,
    settled,
    told_through,
)
from tests.support.signed_requests import HttpResponse, SignedSlackClient
from tests.support.slack_api import RecordedCall, StandInSlack

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
STATE_COOKIE = "slack-app-oauth-state"
# Friday 20 November 2026, 16:05 in New York: the weekly digest (Fri 16:00) is due, and the
# week's nudge and lagging alert are still worth catching up.
FRIDAY_AFTER_DIGEST = datetime(2026, 11, 20, 21, 5, tzinfo=UTC)


# ---------------------------------------------------------------------- the installer's browser


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """An installer's browser: GET requests that keep the cookies the app sets."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def get(self, url: str) -> Page:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        headers = (
            {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            if self.cookies
            else {}
        )
        try:
            conn.request(
                "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
            )
            response = conn.getresponse()
            body = response.read().decode("utf-8", errors="replace")
            raw = response.getheaders()
        finally:
            conn.close()
        for name, value in raw:
            if name.lower() == "set-cookie":
                key, _, rest = value.split(";", 1)[0].partition("=")
                if rest == "deleted":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = rest
        return Page(response.status, {k.lower(): v for k, v in raw}, body)

    def start_install(self, app_url: str) -> dict[str, list[str]]:
        """Open /slack/install and read the "Add to Slack" link: its query (state, scopes…)."""
        page = self.get(app_url + "/slack/install")
        assert page.status == 200, page.text
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
        assert link is not None, page.text
        return parse_qs(urlsplit(html.unescape(link.group(1))).query, keep_blank_values=True)

    def redirect(self, app_url: str, **query: str) -> Page:
        """What Slack does after the installer approves: back to the app's redirect URL."""
        return self.get(app_url + "/slack/oauth_redirect?" + urlencode(query))


# ---------------------------------------------------------------------- the app in OAuth mode


@dataclass
class OAuthApp:
    paceline: Paceline
    server: HttpServer
    clock: FixedClock
    slack: StandInSlack

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.paceline.db


def _settings(database_url: str, slack: StandInSlack) -> Settings:
    return Settings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=database_url,
    )


@pytest.fixture(scope="module")
def oauth_slack() -> Iterator[StandInSlack]:
    with StandInSlack() as standin:
        standin.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
        yield standin


@pytest.fixture(scope="module")
def oauth_app(database_url: str, oauth_slack: StandInSlack) -> Iterator[OAuthApp]:
    clock = FixedClock(DEFAULT_NOW)
    paceline = build(_settings(database_url, oauth_slack), clock=clock)
    server = HttpServer(
        wsgi_app(paceline.bolt, paceline.db), host="127.0.0.1", port=0, threads=4
    ).start()
    try:
        yield OAuthApp(paceline, server, clock, oauth_slack)
    finally:
        server.stop()
        paceline.db.dispose()


@pytest.fixture
def app(oauth_app: OAuthApp) -> Iterator[OAuthApp]:
    oauth_app.clock.set(DEFAULT_NOW)
    changed: list[int] = []
    oauth_app.paceline.services.schedule_changed = lambda: changed.append(1)
    oauth_app.schedule_changes = changed  # type: ignore[attr-defined]
    yield oauth_app
    oauth_app.paceline.services.schedule_changed = lambda: None


# ---------------------------------------------------------------------- an installed workspace


@dataclass
class Installed:
    """A workspace that installed Paceline, and its people talking to the app."""

    app: OAuthApp
    team_id: str
    token: str
    client: SignedSlackClient
    names: dict[str, str] = field(default_factory=dict)

    def user(self, name: str, *, admin: bool = False) -> str:
        user_id = "U" + uuid.uuid4().hex[:10].upper()
        self.app.slack.add_user(
            user_id, name, tz="America/New_York", is_admin=admin, team_id=self.team_id
        )
        self.names[user_id] = name
        return user_id

    def mention(self, user_id: str) -> str:
        return f"<@{user_id}|{self.names[user_id]}>"

    def command(self, command: str, user_id: str, text: str = "") -> HttpResponse:
        return self.client.command(
            command, text, user_id=user_id, user_name=self.names.get(user_id, "someone")
        )

    def reply(self, command: str, user_id: str, text: str = "") -> str:
        """The answer, or the outcome that follows it (see tests/conftest.final_reply)."""
        told = len(told_through(self.app.slack, self.client.response_url))
        response = self.command(command, user_id, text)
        assert response.status == 200, response.text
        return final_reply(self.app.slack, self.client.response_url, answer_text(response), told)

    @property
    def workspace_id(self) -> int:
        with self.app.db.read() as session:
            found = session.scalar(
                sa.select(Workspace.id).where(Workspace.slack_team_id == self.team_id)
            )
        assert found is not None
        return found

    def workspace(self) -> Workspace:
        with self.app.db.read() as session:
            return session.scalars(
                sa.select(Workspace).where(Workspace.slack_team_id == self.team_id)
            ).one()

    def rows(self, model: type) -> list:
        with self.app.db.read() as session:
            return list(
                session.scalars(sa.select(model).where(model.workspace_id == self.workspace_id))
            )


def _team_id() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


def install(
    app: OAuthApp,
    team_id: str | None = None,
    *,
    finish_on: OAuthApp | None = None,
    enterprise_id: str | None = None,
) -> Installed:
    """The full flow: an admin opens /slack/install, approves in Slack, and Slack sends the
    browser back to the redirect URL with the state and a code (on `finish_on`, another
    instance, when given)."""
    team_id = team_id or _team_id()
    code = "code-" + uuid.uuid4().hex
    token = app.slack.add_install(
        code, team_id, f"Workspace {team_id}", enterprise_id=enterprise_id
    )
    browser = Browser()
    query = browser.start_install(app.url)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == bot_scopes()
    assert query["state"][0] == browser.cookies[STATE_COOKIE]
    done = browser.redirect((finish_on or app).url, code=code, state=query["state"][0])
    assert done.status == 200, done.text
    assert "Thank you!" in done.text
    client = SignedSlackClient(
        app.url,
        SIGNING_SECRET,
        team_id=team_id,
        enterprise_id=enterprise_id,
        response_url=app.slack.response_url(),
        on_response=settled(app.paceline),
    )
    return Installed(app, team_id, token, client)


def api_calls_since(slack: StandInSlack, mark: int) -> list[RecordedCall]:
    return [c for c in slack.calls[mark:] if c.path.startswith("/api/")]


def bot_of(app: OAuthApp, team_id: str):  # type: ignore[no-untyped-def]
    return app.paceline.bolt.installation_store.find_bot(enterprise_id=None, team_id=team_id)


# ---------------------------------------------------------------------- installs and isolation


def test_two_workspaces_install_and_each_request_uses_its_own_token(app: OAuthApp) -> None:
    a, b = install(app), install(app)
    assert a.token != b.token
    assert bot_of(app, a.team_id).bot_token == a.token
    assert bot_of(app, b.team_id).bot_token == b.token
    assert a.workspace().active and a.workspace().name == f"Workspace {a.team_id}"
    assert len(app.schedule_changes) == 2  # type: ignore[attr-defined]

    # The same names in both workspaces: plain @maria must resolve within the caller's own.
    admin_a, maria_a = a.user("ada", admin=True), a.user("maria")
    admin_b, maria_b = b.user("ada", admin=True), b.user("maria")
    mark = len(app.slack.calls)
    assert "Logged 12 calls" in a.reply("/log", maria_a, "calls 12")
    assert "Logged 5 calls" in b.reply("/log", maria_b, "calls 5")
    assert "Logged 3 calls" in a.reply("/log", admin_a, "@maria calls 3")
    assert "Created team *east*" in a.reply("/team", admin_a, "create east")
    assert "Created team *east*" in b.reply("/team", admin_b, "create east")

    calls = api_calls_since(app.slack, mark)
    assert calls and all(c.token in (a.token, b.token) for c in calls)
    for call in calls:
        if call.method == "users.info":
            owner = a if call.params["user"] in a.names else b
            assert call.token == owner.token, call.params
    assert {c.token for c in calls if c.method == "auth.test"} == {a.token, b.token}

    assert sorted(e.quantity for e in a.rows(Entry)) == [3, 12]
    assert [e.quantity for e in b.rows(Entry)] == [5]
    assert {p.slack_user_id for p in a.rows(Person)} == {admin_a, maria_a}
    assert {p.slack_user_id for p in b.rows(Person)} == {admin_b, maria_b}
    assert "15 calls" in a.reply("/progress", maria_a)
    assert "5 calls" in b.reply("/progress", maria_b)


def _team_with_goals(ws: Installed, channel: str, rep_names: tuple[str, ...]) -> dict[str, str]:
    ws.app.slack.add_channel(channel, f"sales-{channel.lower()}")
    admin, manager = ws.user(f"admin-{rep_names[0]}", admin=True), ws.user(f"boss-{rep_names[0]}")
    reps = {name: ws.user(name) for name in rep_names}
    # Created the Monday before, so this week's runs are the team's to catch up (none are
    # from before a team existed).
    now = ws.app.clock.now()
    ws.app.clock.set(now - timedelta(days=now.weekday()))
    ws.reply(
        "/team",
        admin,
        f"create east <#{channel}|sales> manager {ws.mention(manager)} tz America/New_York",
    )
    ws.app.clock.set(now)
    ws.reply("/team", admin, "add east " + " ".join(ws.mention(u) for u in reps.values()))
    for n, user_id in enumerate(reps.values()):
        assert "60" in ws.reply("/goal", manager, f"set {ws.mention(user_id)} calls 60/week")
        ws.reply("/log", user_id, f"calls {10 + n}")
    return {"admin": admin, "manager": manager, **reps}


def test_scheduled_jobs_post_with_each_workspaces_own_token(app: OAuthApp) -> None:
    a, b = install(app), install(app)
    people_a = _team_with_goals(a, "C" + a.team_id[1:], ("anouk", "bertil"))
    people_b = _team_with_goals(b, "C" + b.team_id[1:], ("cosima", "dariusz"))
    owner_of = {
        **{u: a for u in people_a.values()},
        **{u: b for u in people_b.values()},
        "C" + a.team_id[1:]: a,
        "C" + b.team_id[1:]: b,
    }
    app.clock.set(FRIDAY_AFTER_DIGEST)
    ids = [a.workspace_id, b.workspace_id]
    assert {p.workspace_id for p in planned_jobs(app.db) if p.workspace_id in ids} == set(ids)

    ran = app.paceline.scheduler.runner.sweep(FRIDAY_AFTER_DIGEST, workspace_ids=ids)
    assert {(r.workspace_id, r.job) for r in ran} >= {
        (w, j) for w in ids for j in ("nudge", "weekly-digest")
    }
    mark = len(app.slack.calls)
    sender = Sender(
        app.db,
        app.paceline.client_for,
        app.clock,
        owner="oauth-test",
        sleep=lambda _s: None,
        workspace_ids=ids,
    )
    stats = sender.deliver_due()
    assert (
        stats.sent >= 8 and stats.parked == stats.failed == 0
    )  # 4 nudges, 2 alerts, 2 digests (+ charts)

    calls = api_calls_since(app.slack, mark)
    posts = [c for c in calls if c.method == "chat.postMessage"]
    assert {c.params["channel"] for c in posts} >= {"C" + a.team_id[1:], "C" + b.team_id[1:]}
    for call in calls:
        target = (
            call.params.get("channel") or call.params.get("channel_id") or call.params.get("users")
        )
        if target:
            owner = owner_of[target if target[0] != "D" else target[1:]]
            assert call.token == owner.token, (call.method, target)
        else:
            assert call.token in (a.token, b.token), call.method
    # No message of one workspace names a person of the other.
    for call in posts:
        text = str(call.params.get("text")) + str(call.params.get("blocks"))
        theirs = ("cosima", "dariusz") if call.token == a.token else ("anouk", "bertil")
        assert not any(name in text for name in theirs), text
    assert all(r.status == "sent" for r in a.rows(Outbox) + b.rows(Outbox))


def test_exports_reach_only_their_own_workspace(app: OAuthApp) -> None:
    a, b = install(app), install(app)
    people_a = _team_with_goals(a, "C" + a.team_id[1:], ("erin", "finn"))
    _team_with_goals(b, "C" + b.team_id[1:], ("gus", "hana"))
    mark = len(app.slack.calls)
    assert a.reply("/progress", people_a["manager"], "export week").startswith(
        "Preparing your export"
    )
    [done] = app.slack.wait_for(
        "files.completeUploadExternal", timeout=10, where=lambda c: c.token == a.token
    )
    assert done.params["channel_id"] == "D" + people_a["manager"]
    calls = api_calls_since(app.slack, mark)
    assert calls and all(c.token == a.token for c in calls)
    [upload] = [c for c in app.slack.calls[mark:] if c.method == "files.upload_url"]
    rows = list(csv.DictReader(io.StringIO(upload.body.decode("utf-8").lstrip("\ufeff"))))
    assert {r["Person"] for r in rows} == {"erin", "finn"}


# ---------------------------------------------------------------------- uninstalling


def _pending_digest(ws: Installed, reps: tuple[str, ...]) -> None:
    """A team with goals and this week's posts waiting in the outbox."""
    _team_with_goals(ws, "C" + ws.team_id[1:], reps)
    ran = ws.app.paceline.scheduler.runner.sweep(
        FRIDAY_AFTER_DIGEST, workspace_ids=[ws.workspace_id]
    )
    assert ran and all(r.status == "pending" for r in ws.rows(Outbox))


def test_uninstall_stops_the_workspace_and_a_reinstall_brings_it_back(app: OAuthApp) -> None:
    ws, other = install(app), install(app)
    _pending_digest(ws, ("ivy", "jon"))
    rep = next(u for u, n in ws.names.items() if n == "ivy")
    entries_before = len(ws.rows(Entry))
    app.schedule_changes.clear()  # type: ignore[attr-defined]

    assert ws.client.event({"type": "app_uninstalled"}).status == 200
    app.slack.revoke(ws.team_id)  # Slack revokes the token on its side too

    assert ws.workspace().active is False
    assert bot_of(app, ws.team_id) is None
    with app.db.read() as session:
        left = session.scalar(
            sa.select(sa.func.count())
            .select_from(installations.installations_table)
            .where(installations.installations_table.c.team_id == ws.team_id)
        )
    assert left == 0
    parked = ws.rows(Outbox)
    assert parked and all(r.status == "parked" and "uninstalled" in (r.error or "") for r in parked)
    assert ws.workspace_id not in {p.workspace_id for p in planned_jobs(app.db)}
    assert app.schedule_changes == [1]  # type: ignore[attr-defined]
    assert app.paceline.client_for(ws.workspace_id).token is None
    assert bot_of(app, other.team_id).bot_token == other.token  # the other one is untouched
    assert other.workspace().active is True

    # A command or an event from the uninstalled workspace: no data, no Web API call.
    mark = len(app.slack.calls)
    response = ws.command("/log", rep, "calls 5")
    assert response.status == 200
    assert ws.client.event({"type": "app_home_opened", "user": rep, "tab": "home"}).status == 200
    assert (
        ws.client.event({"type": "app_home_opened", "user": "UNEWCOMER1", "tab": "home"}).status
        == 200
    )
    assert api_calls_since(app.slack, mark) == []
    [told] = [c for c in app.slack.calls[mark:] if c.method == "response_url"]
    assert told.params["text"] == NOT_INSTALLED
    assert len(ws.rows(Entry)) == entries_before
    assert "UNEWCOMER1" not in {p.slack_user_id for p in ws.rows(Person)}
    # The scheduler's sweep skips it (inactive), and the sender has nothing of it to send.
    assert (
        app.paceline.scheduler.runner.sweep(
            FRIDAY_AFTER_DIGEST + timedelta(days=7), workspace_ids=[ws.workspace_id]
        )
        == []
    )

    reinstalled = install(app, ws.team_id)
    assert reinstalled.token != ws.token
    assert ws.workspace().active is True
    assert app.schedule_changes == [1, 1]  # type: ignore[attr-defined]
    assert ws.workspace_id in {p.workspace_id for p in planned_jobs(app.db)}
    mark = len(app.slack.calls)
    reinstalled.names.update(ws.names)
    assert "Logged 5 calls" in reinstalled.reply("/log", rep, "calls 5")
    assert {c.token for c in api_calls_since(app.slack, mark)} <= {reinstalled.token}
    assert len(ws.rows(Entry)) == entries_before + 1  # the data stayed through the uninstall
    assert app.paceline.client_for(ws.workspace_id).token == reinstalled.token


def test_a_revoked_bot_token_is_an_uninstall_and_user_tokens_alone_are_not(app: OAuthApp) -> None:
    ws = install(app)
    _pending_digest(ws, ("kai", "lea"))
    user_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U_INSTALLER"], "bot": []}}
    assert ws.client.event(user_only).status == 200
    assert ws.workspace().active is True
    assert bot_of(app, ws.team_id).bot_token == ws.token

    bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UB" + ws.team_id[-8:]]}}
    assert ws.client.event(bot).status == 200
    assert ws.workspace().active is False
    assert bot_of(app, ws.team_id) is None
    assert all(r.status == "parked" for r in ws.rows(Outbox))
    # Slack sends events again when an answer was slow: the second one changes nothing.
    assert (
        ws.client.event({"type": "app_uninstalled"}, headers={"X-Slack-Retry-Num": "1"}).status
        == 200
    )
    assert ws.workspace().active is False


def test_a_workspace_of_an_enterprise_grid_is_served_under_its_enterprise(app: OAuthApp) -> None:
    ws = install(app, enterprise_id="E" + uuid.uuid4().hex[:8].upper())
    assert ws.workspace().enterprise_id == ws.client.enterprise_id
    maria = ws.user("maria")
    mark = len(app.slack.calls)
    assert "Logged 2 calls" in ws.reply("/log", maria, "calls 2")
    assert {c.token for c in api_calls_since(app.slack, mark)} == {ws.token}
    assert app.paceline.client_for(ws.workspace_id).token == ws.token
    assert ws.client.event({"type": "app_uninstalled"}).status == 200
    assert app.paceline.client_for(ws.workspace_id).token is None
    assert ws.workspace().active is False


def test_an_install_that_starts_on_one_instance_finishes_on_another(
    app: OAuthApp, database_url: str
) -> None:
    """Several instances share one database: states and installations live there."""
    second = build(_settings(database_url, app.slack), clock=app.clock, migrate=False)
    server = HttpServer(
        wsgi_app(second.bolt, second.db), host="127.0.0.1", port=0, threads=2
    ).start()
    try:
        other = OAuthApp(second, server, app.clock, app.slack)
        ws = install(app, finish_on=other)
        maria = ws.user("maria")
        on_second = SignedSlackClient(
            other.url, SIGNING_SECRET, team_id=ws.team_id, response_url=app.slack.response_url()
        )
        try:
            reply = on_second.command("/log", "calls 4", user_id=maria, user_name="maria").text
        finally:
            on_second.close()
        assert "Logged 4 calls" in reply
        assert second.client_for(ws.workspace_id).token == ws.token
    finally:
        server.stop()
        second.db.dispose()


# ---------------------------------------------------------------------- bad callbacks


def _nothing_installed(app: OAuthApp, team_id: str) -> None:
    assert bot_of(app, team_id) is None
    with app.db.read() as session:
        assert (
            session.scalar(sa.select(Workspace.id).where(Workspace.slack_team_id == team_id))
            is None
        )


def _scripted(app: OAuthApp) -> tuple[str, str]:
    team_id, code = _team_id(), "code-" + uuid.uuid4().hex
    app.slack.add_install(code, team_id)
    return team_id, code


def test_a_state_that_is_not_this_browsers_is_refused(app: OAuthApp) -> None:
    team_id, code = _scripted(app)
    browser = Browser()
    browser.start_install(app.url)
    mark = len(app.slack.calls)
    page = browser.redirect(app.url, code=code, state=str(uuid.uuid4()))
    assert page.status == 400
    assert app.slack.calls[mark:] == []
    _nothing_installed(app, team_id)


def test_a_state_the_app_never_issued_is_refused(app: OAuthApp) -> None:
    team_id, code = _scripted(app)
    forged = str(uuid.uuid4())
    browser = Browser()
    browser.cookies[STATE_COOKIE] = forged  # matches the query: only the store can tell
    mark = len(app.slack.calls)
    assert browser.redirect(app.url, code=code, state=forged).status == 401
    assert app.slack.calls[mark:] == []
    _nothing_installed(app, team_id)


def test_an_expired_state_is_refused(app: OAuthApp) -> None:
    team_id, code = _scripted(app)
    browser = Browser()
    state = browser.start_install(app.url)["state"][0]
    table = installations.oauth_states_table
    with app.db.write() as session:
        session.execute(
            table.update().where(table.c.state == state).values(expire_at=datetime(2000, 1, 1))
        )
    assert browser.redirect(app.url, code=code, state=state).status == 401
    _nothing_installed(app, team_id)


def test_a_reused_state_is_refused(app: OAuthApp) -> None:
    team_id, code = _scripted(app)
    browser = Browser()
    state = browser.start_install(app.url)["state"][0]
    cookie = browser.cookies[STATE_COOKIE]
    assert browser.redirect(app.url, code=code, state=state).status == 200
    assert bot_of(app, team_id) is not None
    # The same callback again (a replayed URL, a back button): the state is spent.
    browser.cookies[STATE_COOKIE] = cookie
    mark = len(app.slack.calls)
    assert browser.redirect(app.url, code=code, state=state).status == 401
    assert app.slack.calls[mark:] == []


def test_a_callback_without_a_code_is_refused(app: OAuthApp) -> None:
    team_id, _code = _scripted(app)
    browser = Browser()
    state = browser.start_install(app.url)["state"][0]
    mark = len(app.slack.calls)
    assert browser.redirect(app.url, state=state).status == 401
    assert app.slack.calls[mark:] == []
    _nothing_installed(app, team_id)


def test_an_installer_who_cancels_in_slack_installs_nothing(app: OAuthApp) -> None:
    browser = Browser()
    state = browser.start_install(app.url)["state"][0]
    mark = len(app.slack.calls)
    page = browser.redirect(app.url, error="access_denied", state=state)
    assert page.status == 200 and "Oops" in page.text
    assert app.slack.calls[mark:] == []


@pytest.mark.parametrize("error", ["invalid_code", "code_already_used", "bad_client_secret"])
def test_oauth_v2_access_refusing_installs_nothing(app: OAuthApp, error: str) -> None:
    team_id, code = _scripted(app)
    browser = Browser()
    state = browser.start_install(app.url)["state"][0]
    app.slack.fail_next("oauth.v2.access", error=error)
    mark = len(app.slack.calls)
    assert browser.redirect(app.url, code=code, state=state).status == 401
    assert [c.method for c in api_calls_since(app.slack, mark)] == ["oauth.v2.access"]
    _nothing_installed(app, team_id)


def test_a_code_slack_never_issued_installs_nothing(app: OAuthApp) -> None:
    browser = Browser()
    state = browser.start_install(app.url)["state"][0]
    mark = len(app.slack.calls)
    assert browser.redirect(app.url, code="not-a-code", state=state).status == 401
    [call] = api_calls_since(app.slack, mark)
    assert call.method == "oauth.v2.access"
    assert call.headers["authorization"].startswith("Basic ")  # the app's own credentials


def test_a_workspace_that_never_installed_gets_nothing(app: OAuthApp) -> None:
    stranger = _team_id()
    client = SignedSlackClient(
        app.url,
        SIGNING_SECRET,
        team_id=stranger,
        response_url=app.slack.response_url(),
        on_response=settled(app.paceline),
    )
    try:
        app.slack.add_user("USTRANGER1", "sam", team_id=stranger)
        mark = len(app.slack.calls)
        assert (
            client.command("/log", "calls 3", user_id="USTRANGER1", user_name="sam").status == 200
        )
        assert (
            client.event({"type": "app_home_opened", "user": "USTRANGER1", "tab": "home"}).status
            == 200
        )
        assert api_calls_since(app.slack, mark) == []
    finally:
        client.close()
    _nothing_installed(app, stranger)


def test_teams_are_scoped_to_their_workspace_in_the_database(app: OAuthApp) -> None:
    a, b = install(app), install(app)
    admin_a, admin_b = a.user("ada", admin=True), b.user("ada", admin=True)
    a.reply("/team", admin_a, "create west")
    assert 'Unknown team "west"' in b.reply("/team", admin_b, "show west")
    assert [t.name for t in a.rows(Team)] == ["west"]
    assert b.rows(Team) == []


# ---------------------------------------------------------------------- App Home, CLI export, import


def test_app_home_is_published_with_each_workspaces_token_and_data(app: OAuthApp) -> None:
    a, b = install(app), install(app)
    people_a = _team_with_goals(a, "C" + a.team_id[1:], ("marisol", "bodhi"))
    people_b = _team_with_goals(b, "C" + b.team_id[1:], ("quentin", "rosalind"))
    mark = len(app.slack.calls)
    for ws, user_id in ((a, people_a["manager"]), (b, people_b["manager"])):
        event = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id,
            "tab": "home",
            "event_ts": "1.0",
        }
        assert ws.client.event(event).status == 200
    published = [c for c in app.slack.calls[mark:] if c.method == "views.publish"]
    assert {c.params["user_id"] for c in published} == {people_a["manager"], people_b["manager"]}
    for call in published:
        mine, theirs = (
            (a, ("quentin", "rosalind"))
            if call.params["user_id"] == people_a["manager"]
            else (b, ("marisol", "bodhi"))
        )
        assert call.token == mine.token
        assert not any(name in str(call.params["view"]) for name in theirs)
    assert all(c.token in (a.token, b.token) for c in api_calls_since(app.slack, mark))


def test_the_export_command_line_reads_one_workspace(app: OAuthApp) -> None:
    from bot.export import build_export

    a, b = install(app), install(app)
    _team_with_goals(a, "C" + a.team_id[1:], ("saoirse", "tadhg"))
    _team_with_goals(b, "C" + b.team_id[1:], ("ulrike", "volker"))
    export = build_export(app.db, app.clock, period="week", team=None, workspace=a.team_id)
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8").lstrip("\ufeff"))))
    assert {r["Person"] for r in rows} == {"saoirse", "tadhg"}


def test_an_import_uses_its_workspaces_token_and_lands_only_there(app: OAuthApp, tmp_path) -> None:
    from bot.app import workspace_client
    from bot.importer.cli import ImportOptions, import_activity

    a, b = install(app), install(app)
    maria_a, maria_b = a.user("maria"), b.user("maria")  # the same name in both
    b.reply("/log", maria_b, "calls 1")
    settings = app.paceline.settings
    assert workspace_client(settings, app.db, "TNEVERINSTALLED") is None
    client = workspace_client(settings, app.db, a.team_id)
    assert client is not None and client.token == a.token
    path = tmp_path / "activity.csv"
    path.write_text("user,metric,date,amount\nmaria,calls,2026-11-19,7\n", encoding="utf-8")
    mark = len(app.slack.calls)
    report = import_activity(
        app.db, client, path, ImportOptions(workspace=a.team_id), app.clock, io.StringIO()
    )
    assert not report.rejected and report.problem is None, report
    assert {c.token for c in api_calls_since(app.slack, mark)} == {a.token}
    assert [(e.quantity, e.person_id) for e in a.rows(Entry)] == [
        (7, next(p.id for p in a.rows(Person) if p.slack_user_id == maria_a))
    ]
    assert [e.quantity for e in b.rows(Entry)] == [1]
