"""The OAuth stores on our database: a state is good once, tokens are found per workspace
and only while it is installed, and nothing ever falls back to another workspace's token.
On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Installation

from bot.app import sender_clients
from bot.config import Settings
from bot.oauth import Installations, OrgInstallNotSupported, StateStore, store_engine
from storage import installations
from storage.db import Database
from storage.models import Workspace

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _settings(database_url: str, **extra: object) -> Settings:
    return Settings(
        client_id="1234.5678",
        client_secret="0a1b2c3d4e5f",
        signing_secret="5e6f1a2b3c4d5e6f",
        database_url=database_url,
        slack_api_url="http://127.0.0.1:9/api/",
        **extra,  # type: ignore[arg-type]
    )


def _installation(team_id: str, token: str, enterprise_id: str | None = None) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise_id,
        team_id=team_id,
        team_name=f"Team {team_id}",
        bot_token=token,
        bot_id="B" + team_id,
        bot_user_id="UB" + team_id,
        bot_scopes="commands,chat:write",
        user_id="U_INSTALLER",
        installed_at=datetime.now(UTC).timestamp(),
    )


def _team() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


# ---------------------------------------------------------------------- OAuth states


def test_a_state_is_good_exactly_once(db: Database) -> None:
    store = StateStore(expiration_seconds=600, engine=store_engine(db))
    state = store.issue()
    assert store.consume(state) is True
    assert store.consume(state) is False
    assert store.consume(str(uuid.uuid4())) is False


def test_two_callbacks_racing_with_one_state_let_one_through(db: Database) -> None:
    store = StateStore(expiration_seconds=600, engine=store_engine(db))
    for _ in range(5):
        state = store.issue()
        start = threading.Barrier(4)

        def consume(_n: int, state: str = state, start: threading.Barrier = start) -> bool:
            start.wait()
            return store.consume(state)

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(consume, range(4)))
        assert results.count(True) == 1, results


def test_expired_states_are_refused_and_swept_on_the_next_issue(db: Database) -> None:
    store = StateStore(expiration_seconds=600, engine=store_engine(db))
    stale = store.issue()
    table = installations.oauth_states_table
    with db.write() as session:
        session.execute(
            table.update().where(table.c.state == stale).values(expire_at=datetime(2000, 1, 1))
        )
    assert store.consume(stale) is False
    store.issue()
    with db.read() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(table).where(table.c.state == stale)
            )
            == 0
        )


# ---------------------------------------------------------------------- installations and tokens


def test_each_workspace_gets_its_own_token_and_only_while_installed(
    db: Database, database_url: str
) -> None:
    installs = Installations(_settings(database_url), db)
    a, b = _team(), _team()
    installs.store.save(_installation(a, f"xoxb-{a}"))
    installs.store.save(_installation(b, f"xoxb-{b}"))
    ws_a = installs.activate(_installation(a, f"xoxb-{a}"), NOW)
    ws_b = installs.activate(_installation(b, f"xoxb-{b}"), NOW)
    assert (installs.bot_token(ws_a), installs.bot_token(ws_b)) == (f"xoxb-{a}", f"xoxb-{b}")
    assert installs.bot_token(10**9) is None  # no such workspace

    with db.write() as session:
        assert installations.deactivate(session, a, NOW) == ws_a
    assert installs.bot_token(ws_a) is None  # inactive: even a leftover token is not used
    assert installs.bot_token(ws_b) == f"xoxb-{b}"
    installs.forget(a, None)
    assert installs.store.find_bot(enterprise_id=None, team_id=a) is None


def test_tokens_are_looked_up_under_the_enterprise_they_were_installed_with(
    db: Database, database_url: str
) -> None:
    installs = Installations(_settings(database_url), db)
    team = _team()
    installs.store.save(_installation(team, "xoxb-grid", enterprise_id="E0GRID"))
    workspace_id = installs.activate(_installation(team, "xoxb-grid", enterprise_id="E0GRID"), NOW)
    with db.read() as session:
        assert session.get(Workspace, workspace_id).enterprise_id == "E0GRID"  # type: ignore[union-attr]
    assert installs.bot_token(workspace_id) == "xoxb-grid"


def test_a_reinstall_uses_the_newest_token(db: Database, database_url: str) -> None:
    installs = Installations(_settings(database_url), db)
    team = _team()
    first, second = _installation(team, "xoxb-old"), _installation(team, "xoxb-new")
    second.installed_at = first.installed_at + 60
    installs.store.save(first)
    workspace_id = installs.activate(first, NOW)
    installs.store.save(second)
    installs.activate(second, NOW)
    assert installs.bot_token(workspace_id) == "xoxb-new"


def test_the_sender_never_falls_back_to_slack_bot_token(db: Database, database_url: str) -> None:
    settings = _settings(database_url, bot_token="xoxb-single-workspace")
    team = _team()
    with db.write() as session:
        workspace_id = installations.activate(session, team, None, "never installed", NOW)
    client_for = sender_clients(settings, db)
    assert client_for(workspace_id).token is None
    assert client_for(workspace_id).retry_handlers == []  # the sender owns every retry


def test_an_org_wide_install_is_refused_and_removed(db: Database, database_url: str) -> None:
    installs = Installations(_settings(database_url), db)
    org = Installation(
        app_id="A1",
        enterprise_id="E0ORG" + uuid.uuid4().hex[:4],
        team_id=None,
        bot_token="xoxb-org",
        user_id="U1",
        is_enterprise_install=True,
    )
    installs.store.save(org)
    with pytest.raises(OrgInstallNotSupported):
        installs.activate(org, NOW)
    assert (
        installs.store.find_bot(
            enterprise_id=org.enterprise_id, team_id=None, is_enterprise_install=True
        )
        is None
    )
