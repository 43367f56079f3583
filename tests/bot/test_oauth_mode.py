"""Which Slack mode `build()` wires: OAuth with SLACK_CLIENT_ID/SECRET (Bolt's install flow,
the manifest's scopes, uninstall listeners), single-workspace with SLACK_BOT_TOKEN exactly
as before (no install pages)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from slack_bolt.authorization.authorize import InstallationStoreAuthorize

from bot.app import Paceline, build
from bot.config import Settings
from bot.oauth import bot_scopes
from storage.models import Workspace
from tests.conftest import SIGNING_SECRET, RunningApp, SlackWorkspace
from tests.support.slack_api import StandInSlack


@pytest.fixture
def oauth_paceline(tmp_path, slack: StandInSlack) -> Iterator[Paceline]:
    settings = Settings(
        client_id="1234.5678",
        client_secret="0a1b2c3d4e5f",
        signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=f"sqlite:///{tmp_path}/o.db",
    )
    paceline = build(settings)
    try:
        yield paceline
    finally:
        paceline.db.dispose()


def test_oauth_mode_asks_for_the_manifests_scopes_and_no_user_scopes(
    oauth_paceline: Paceline,
) -> None:
    flow = oauth_paceline.bolt.oauth_flow
    assert flow is not None
    assert (flow.install_path, flow.redirect_uri_path) == (
        "/slack/install",
        "/slack/oauth_redirect",
    )
    assert flow.settings.scopes == bot_scopes()
    assert "commands" in bot_scopes()
    assert flow.settings.user_scopes == []
    assert flow.settings.installation_store_bot_only is True
    # Stores on our database: nothing written to files next to the process.
    assert type(flow.settings.installation_store).__name__ == "SQLAlchemyInstallationStore"
    assert type(flow.settings.state_store).__name__ == "StateStore"


def test_oauth_mode_authorizes_from_the_store_and_caches_auth_test(
    oauth_paceline: Paceline,
) -> None:
    authorize = oauth_paceline.bolt._authorize
    assert isinstance(authorize, InstallationStoreAuthorize)
    assert authorize.bot_only and authorize.cache_enabled


def test_single_workspace_mode_stops_a_workspace_that_uninstalls(workspace: SlackWorkspace) -> None:
    # With SLACK_BOT_TOKEN there is no installation to delete, but the workspace stops being
    # posted to (tests/e2e/test_manifest_events.py has the rest).
    admin = workspace.user("ada", admin=True)
    workspace.team(admin, "create north")
    assert workspace.client.event({"type": "app_uninstalled"}).status == 200
    with workspace.app.paceline.db.read() as session:
        active = session.scalar(
            sa.select(Workspace.active).where(Workspace.slack_team_id == workspace.team_id)
        )
    assert active is False


def test_building_in_oauth_mode_calls_no_slack_api(tmp_path, slack: StandInSlack) -> None:
    slack.clear()
    settings = Settings(
        client_id="1234.5678",
        client_secret="0a1b2c3d4e5f",
        signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=f"sqlite:///{tmp_path}/n.db",
    )
    paceline = build(settings)
    paceline.db.dispose()
    # No auth.test at start: there is no single token to check.
    assert slack.calls == []


def test_single_workspace_mode_serves_no_install_pages(running_app: RunningApp) -> None:
    from tests.support.signed_requests import SignedSlackClient

    assert running_app.paceline.bolt.oauth_flow is None
    client = SignedSlackClient(running_app.url, SIGNING_SECRET)
    try:
        assert client.get("/slack/install").status == 404
        assert client.get("/slack/oauth_redirect?code=x&state=y").status == 404
        assert client.get("/healthz").status == 200
    finally:
        client.close()
    token = running_app.paceline.client_for(1).token
    assert token == "xoxb-test-token"
