"""The command line in OAuth mode (SLACK_CLIENT_ID/SECRET, installations in the database):
`paceline import` matches people with the chosen workspace's own installed token and
refuses to guess the workspace; `paceline jobs run` delivers with each workspace's own
token. Two workspaces installed against the stand-in Slack; SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot import oauth
from bot.clock import FixedClock
from bot.config import Settings
from bot.console.demo import seed_demo
from bot.console.render import stable_id
from storage.db import Database
from storage.models import Entry, Person, Workspace
from tests.conftest import SIGNING_SECRET, fresh_database
from tests.support.slack_api import StandInSlack

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
AT = "2026-11-20T16:00-05:00"  # Friday's digest time in New York


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this module's own: the CLI lists (and delivers for) every installed
    workspace, so the session's, holding the rest of the suite's workspaces and outbox rows,
    would make what these tests read depend on which tests ran before them."""
    with fresh_database(request.param, tmp_path_factory.mktemp("oauth_cli")) as url:
        yield url


@pytest.fixture(scope="module")
def oauth_slack() -> Iterator[StandInSlack]:
    with StandInSlack() as standin:
        standin.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
        yield standin


@dataclass
class Installed:
    team_id: str
    token: str
    ann: str  # the Slack user id of this workspace's "Ann Lee"


def _settings(database_url: str, slack: StandInSlack) -> Settings:
    return Settings(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url, database_url=database_url,
    )  # fmt: skip


def _install(database_url: str, slack: StandInSlack) -> Installed:
    """What /slack/oauth_redirect does (tests/e2e/test_oauth.py drives the pages): Slack
    issues the workspace's token for the code, the installation is stored, the workspace
    becomes active."""
    team_id = "T" + uuid.uuid4().hex[:10].upper()
    code = "code-" + uuid.uuid4().hex
    slack.add_install(code, team_id, f"Workspace {team_id}")
    answer = WebClient(base_url=slack.api_url).oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code
    )
    token = answer["access_token"]
    installation = Installation(
        app_id=answer.get("app_id"), enterprise_id=None, team_id=team_id, team_name=f"Workspace {team_id}",
        bot_token=token, bot_id=answer.get("bot_id") or f"B{team_id}", bot_user_id=answer["bot_user_id"],
        bot_scopes=answer["scope"], user_id="U_INSTALLER", installed_at=NOW.timestamp(),
    )  # fmt: skip
    db = Database(database_url)
    try:
        db.upgrade()
        installs = oauth.Installations(_settings(database_url, slack), db)
        installs.store.save(installation)
        installs.activate(installation, NOW)
    finally:
        db.dispose()
    # Each workspace has its own Ann Lee: a name must match within the chosen workspace only.
    ann = "U" + uuid.uuid4().hex[:10].upper()
    slack.add_user(ann, "ann", real_name="Ann Lee", team_id=team_id)
    return Installed(team_id, token, ann)


def _paceline(
    tmp_path: Path, database_url: str, slack: StandInSlack, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL"))
    }
    env.update(
        PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8", DATABASE_URL=database_url, SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.api_url,
    )  # fmt: skip
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _api_calls(slack: StandInSlack, mark: int, *methods: str) -> list:
    return [c for c in slack.calls[mark:] if c.method in methods]


def test_import_matches_people_with_the_chosen_workspaces_own_token(
    tmp_path, database_url, oauth_slack
):
    a, b = _install(database_url, oauth_slack), _install(database_url, oauth_slack)
    path = tmp_path / "activity.csv"
    path.write_text(
        "user,metric,date,amount\nAnn Lee,calls,2026-11-02,12\nBo Nobody,calls,2026-11-02,3\n"
    )

    for workspace, other in ((a, b), (b, a)):
        mark = len(oauth_slack.calls)
        done = _paceline(
            tmp_path,
            database_url,
            oauth_slack,
            "import",
            "activity",
            str(path),
            "--workspace",
            workspace.team_id,
        )
        assert done.returncode == 0, done.stderr
        assert f"into workspace {workspace.team_id}" in done.stdout
        assert "People matched to Slack users: 1 (1 by Slack real name)." in done.stdout
        assert "Bo Nobody" in done.stdout  # no Slack user of that name: unlinked
        listed = _api_calls(oauth_slack, mark, "users.list")
        assert listed and {c.token for c in listed} == {workspace.token}
        assert all(c.token != other.token for c in oauth_slack.calls[mark:])

    db = Database(database_url)
    try:
        with db.read() as session:
            for workspace, other in ((a, b), (b, a)):
                ws = session.scalar(
                    sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
                )
                people = session.scalars(
                    sa.select(Person).where(Person.workspace_id == ws, Person.is_bot.is_(False))
                )
                linked = {p.slack_user_id: p.real_name for p in people if p.slack_user_id}
                assert linked == {workspace.ann: "Ann Lee"}  # its own Ann, never the other's
                assert other.ann not in linked
                assert (
                    session.scalar(
                        sa.select(sa.func.count())
                        .select_from(Entry)
                        .where(Entry.workspace_id == ws)
                    )
                    == 2
                )
    finally:
        db.dispose()


def test_import_in_oauth_mode_asks_which_workspace_and_refuses_one_not_installed(
    tmp_path, database_url, oauth_slack
):
    a, b = _install(database_url, oauth_slack), _install(database_url, oauth_slack)
    path = tmp_path / "activity.csv"
    path.write_text("user,metric,date,amount\nAnn Lee,calls,2026-11-02,12\n")

    unnamed = _paceline(tmp_path, database_url, oauth_slack, "import", "activity", str(path))
    assert unnamed.returncode == 2, unnamed.stderr
    assert (
        "workspaces have installed Paceline" in unnamed.stderr
        and "say which with --workspace" in unnamed.stderr
    )
    assert a.team_id in unnamed.stderr and b.team_id in unnamed.stderr

    stranger = "T" + uuid.uuid4().hex[:10].upper()
    not_installed = _paceline(
        tmp_path,
        database_url,
        oauth_slack,
        "import",
        "activity",
        str(path),
        "--workspace",
        stranger,
    )
    assert not_installed.returncode == 2
    assert f"Workspace {stranger} has not installed Paceline" in not_installed.stderr
    assert "--no-slack" in not_installed.stderr

    # Uninstalled (the token is gone): the same refusal, never another workspace's token.
    db = Database(database_url)
    try:
        oauth.Installations(_settings(database_url, oauth_slack), db).forget(b.team_id, None)
    finally:
        db.dispose()
    gone = _paceline(
        tmp_path,
        database_url,
        oauth_slack,
        "import",
        "activity",
        str(path),
        "--workspace",
        b.team_id,
    )
    assert (
        gone.returncode == 2 and f"Workspace {b.team_id} has not installed Paceline" in gone.stderr
    )

    # --no-slack needs no token: everyone comes in unlinked.
    unlinked = _paceline(
        tmp_path,
        database_url,
        oauth_slack,
        "import",
        "activity",
        str(path),
        "--workspace",
        stranger,
        "--no-slack",
    )
    assert unlinked.returncode == 0, unlinked.stderr
    assert (
        "New people not in Slack yet (unlinked; their history counts): 1 — Ann Lee."
        in unlinked.stdout
    )
    nothing = _paceline(
        tmp_path, database_url, oauth_slack, "import", "activity", str(path), "--workspace", "acme"
    )
    assert nothing.returncode == 2 and '"acme" is not a Slack team id' in nothing.stderr


def test_jobs_run_delivers_with_each_workspaces_own_token(tmp_path, database_url, oauth_slack):
    a, b = _install(database_url, oauth_slack), _install(database_url, oauth_slack)
    db = Database(database_url)
    try:
        for workspace in (a, b):
            seed_demo(db, FixedClock(NOW), workspace.team_id, tz="America/New_York")
    finally:
        db.dispose()
    channel = stable_id("C", "sales-east")

    for workspace, other in ((a, b), (b, a)):
        mark = len(oauth_slack.calls)
        run = _paceline(tmp_path, database_url, oauth_slack, "jobs", "run", "weekly-digest", "--team", "east",
                        "--workspace", workspace.team_id, "--at", AT)  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "2 message(s), 2 new" in run.stdout
        assert "Delivered: 2 sent, 0 to retry, 0 parked, 0 failed." in run.stdout
        assert "wait in the outbox" not in run.stdout
        posts = [
            c
            for c in _api_calls(oauth_slack, mark, "chat.postMessage")
            if c.params.get("channel") == channel
        ]
        assert len(posts) == 1 and posts[0].token == workspace.token
        uploads = _api_calls(
            oauth_slack, mark, "files.getUploadURLExternal", "files.completeUploadExternal"
        )
        assert uploads and {c.token for c in uploads} == {workspace.token}
        api = [c for c in oauth_slack.calls[mark:] if c.path.startswith("/api/")]
        assert api and all(c.token == workspace.token for c in api), {
            c.method: c.token for c in api
        }
        assert all(c.token != other.token for c in api)

    # Uninstalled: its run is built but not sent with anyone's token (parked, not_authed).
    db = Database(database_url)
    try:
        oauth.Installations(_settings(database_url, oauth_slack), db).forget(a.team_id, None)
    finally:
        db.dispose()
    mark = len(oauth_slack.calls)
    again = _paceline(tmp_path, database_url, oauth_slack, "jobs", "run", "lagging-alert", "--team", "east",
                      "--workspace", a.team_id, "--at", AT)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "1 parked" in again.stdout, again.stdout
    api = [c for c in oauth_slack.calls[mark:] if c.path.startswith("/api/")]
    assert all(c.token is None for c in api), {c.method: c.token for c in api}
    assert all(c.token not in (a.token, b.token) for c in api)
