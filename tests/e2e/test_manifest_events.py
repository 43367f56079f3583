"""The manifest and the events it subscribes to (issue #11, item 16), over signed HTTP.

- scopes: only what Paceline uses (channels:read and groups:read are gone);
- `paceline manifest --url` refuses what Slack could not call and fills in the OAuth
  redirect URL;
- direct messages: the Messages tab stays on, `message.im` is subscribed and a person who
  writes there gets a short help pointing to /log;
- single-workspace mode answers `app_uninstalled` and `tokens_revoked` (stop posting: the
  workspace inactive, its outbox parked) instead of 404, and a restart with a working token
  serves it again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot import oauth
from bot.manifest import MANIFEST_PATH, REDIRECT_PATH, URL_EXAMPLE, ManifestError, manifest
from handlers.events import uninstall
from handlers.events.messages import DM_HELP
from storage import job_runs
from storage.models import Outbox, Workspace

FRIDAY_AFTER_DIGEST = datetime(2026, 11, 20, 21, 5, tzinfo=UTC)

# Every bot scope, and the Web API call or event that needs it.
SCOPES_USED = {
    "commands": "the five slash commands",
    "chat:write": "chat.postMessage / chat.update: posts, DMs, approvals",
    "chat:write.public": "posting to a team's public channel without joining it",
    "im:write": "conversations.open: the DM an export or a reminder goes to",
    "users:read": "users.info: a person's name, time zone and admin flag",
    "users:read.email": "users.list emails: matching imported people",
    "channels:history": "conversations.history: has a channel post gone out already",
    "groups:history": "the same, in a private channel",
    "im:history": "the same in a DM, and the message.im event",
    "files:write": "files.uploadV2: the CSV export and digest charts",
}


# --- the manifest -----------------------------------------------------------------------------------


def test_the_manifest_asks_only_for_scopes_paceline_uses():
    scopes = manifest()["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(SCOPES_USED)
    assert "channels:read" not in scopes and "groups:read" not in scopes
    assert oauth.bot_scopes() == scopes  # the OAuth install asks for the same


def test_direct_messages_are_subscribed_and_the_messages_tab_stays_on():
    data = manifest()
    assert data["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
    ]
    home = data["features"]["app_home"]
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False


def test_the_request_url_fills_in_the_oauth_redirect_url():
    assert oauth.REDIRECT_PATH == REDIRECT_PATH
    for given in (
        "https://sales.example.org",
        "https://sales.example.org/",
        "https://sales.example.org/slack/events",
    ):
        data = manifest(given)
        assert data["oauth_config"]["redirect_urls"] == [
            "https://sales.example.org/slack/oauth_redirect"
        ]
        assert (
            data["settings"]["event_subscriptions"]["request_url"]
            == "https://sales.example.org/slack/events"
        )
    # Behind a proxy under a path, both keep it.
    data = manifest("https://example.org/paceline")
    assert data["oauth_config"]["redirect_urls"] == [
        "https://example.org/paceline/slack/oauth_redirect"
    ]
    assert (
        data["settings"]["interactivity"]["request_url"]
        == "https://example.org/paceline/slack/events"
    )
    assert manifest(socket_mode=True)["oauth_config"]["redirect_urls"] == []
    assert json.loads(MANIFEST_PATH.read_text())["oauth_config"]["redirect_urls"] == [
        "https://paceline.example.com/slack/oauth_redirect"
    ]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://sales.example.org", "must start with https://, not http://"),
        ("sales.example.org", "must start with https://"),
        ("https://sales.example.org/?team=east", "must not have a query string"),
        ("https://sales.example.org/slack/events?x", "must not have a query string"),
        ("https://sales.example.org/#top", "must not have a fragment"),
        ("https://user:secret@sales.example.org", "must not carry a user name or password"),
        ("https://", "has no host name"),
    ],
)
def test_a_url_slack_could_not_call_is_refused_with_an_example(url, why):
    with pytest.raises(ManifestError) as refused:
        manifest(url)
    assert why in str(refused.value) and str(refused.value).endswith(URL_EXAMPLE)


def _paceline_manifest(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "manifest", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={"PATH": "", "PYTHONPATH": str(MANIFEST_PATH.parent.parent)},
    )


def test_paceline_manifest_refuses_http_and_a_query_and_prints_the_redirect_url(tmp_path):
    for url in ("http://x.example", "https://x.example/slack/events?token=1"):
        out = _paceline_manifest("--url", url, cwd=tmp_path)
        assert out.returncode == 2 and out.stdout == ""
        assert f"The request URL '{url}'" in out.stderr and URL_EXAMPLE in out.stderr
    out = _paceline_manifest("--url", "https://x.example", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["oauth_config"]["redirect_urls"] == [
        "https://x.example/slack/oauth_redirect"
    ]


def test_every_subscribed_event_is_answered_200_not_404(workspace):
    rep = workspace.user("maria")
    events = {
        "app_home_opened": {"type": "app_home_opened", "user": rep, "tab": "home"},
        "message.im": {
            "type": "message",
            "channel_type": "im",
            "channel": "D" + rep[1:],
            "user": rep,
            "text": "hi",
            "ts": "1.000001",
        },
        "tokens_revoked": {
            "type": "tokens_revoked",
            "tokens": {"oauth": ["U_INSTALLER"], "bot": []},
        },
        "app_uninstalled": {"type": "app_uninstalled"},
    }
    assert sorted(events) == sorted(manifest()["settings"]["event_subscriptions"]["bot_events"])
    for name, event in events.items():
        response = workspace.client.event(event)
        assert response.status == 200, (name, response.status, response.text)


# --- direct messages ----------------------------------------------------------------------------------


def _dm(user_id: str, text: str = "calls 12", **extra: object) -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D" + user_id[1:],
        "user": user_id,
        "text": text,
        "ts": f"{datetime.now().timestamp():.6f}",
        **extra,
    }


def _posts_to(workspace, channel: str) -> list:
    return [
        c
        for c in workspace.slack.calls_to("chat.postMessage")
        if c.params.get("channel") == channel
    ]


def test_a_direct_message_gets_a_short_help_pointing_to_log_once(workspace):
    maria, bo = workspace.user("maria"), workspace.user("bo")
    assert workspace.client.event(_dm(maria, "how do I log my calls?")).status == 200
    [answer] = _posts_to(workspace, "D" + maria[1:])
    assert answer.params["text"] == DM_HELP and "`/log calls 12`" in DM_HELP and len(DM_HELP) < 400
    assert "thread_ts" not in answer.params
    # A burst of messages gets one answer; someone else gets theirs.
    assert workspace.client.event(_dm(maria, "hello?")).status == 200
    assert len(_posts_to(workspace, "D" + maria[1:])) == 1
    assert workspace.client.event(_dm(bo, "demos 2", thread_ts="1700000000.000100")).status == 200
    [threaded] = _posts_to(workspace, "D" + bo[1:])
    assert threaded.params["thread_ts"] == "1700000000.000100"


def test_edits_bots_and_channel_messages_are_acknowledged_and_left_alone(workspace):
    maria = workspace.user("maria")
    channel = "D" + maria[1:]
    quiet = [
        _dm(maria, subtype="message_changed"),
        _dm(maria, subtype="message_deleted"),
        {**_dm(maria), "bot_id": "B_OTHER", "subtype": "bot_message"},
        {**_dm(maria), "user": "UBOT", "bot_id": "B_STANDIN"},  # Paceline's own post
        {**_dm(maria), "channel_type": "channel", "channel": "C_GENERAL"},
    ]
    for event in quiet:
        assert workspace.client.event(event).status == 200, event
    assert _posts_to(workspace, channel) == [] and _posts_to(workspace, "C_GENERAL") == []


# --- uninstalling in single-workspace mode -----------------------------------------------------------


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def _pending_posts(workspace) -> int:
    """A team with a channel and goals, and this week's posts waiting in the outbox."""
    channel = "C" + uuid.uuid4().hex[:9].upper()
    workspace.slack.add_channel(channel, "sales-east")
    admin, boss = workspace.user("ada", admin=True), workspace.user("dana")
    reps = [workspace.user("maria"), workspace.user("bo")]
    workspace.team(
        admin,
        f"create east <#{channel}|sales-east> manager {_m(workspace, boss)} tz America/New_York",
    )
    workspace.team(admin, "add east " + " ".join(_m(workspace, r) for r in reps))
    for rep in reps:
        workspace.reply("/goal", boss, f"set {_m(workspace, rep)} calls 60/week")
        workspace.log(rep, "calls 10")
    workspace_row = _workspace(workspace)
    ran = workspace.app.paceline.scheduler.runner.sweep(
        FRIDAY_AFTER_DIGEST, workspace_ids=[workspace_row.id]
    )
    assert (
        ran
        and workspace.rows(Outbox)
        and all(r.status == "pending" for r in workspace.rows(Outbox))
    )
    return workspace_row.id


def _workspace(workspace) -> Workspace:
    with workspace.app.paceline.db.read() as session:
        return session.scalars(
            sa.select(Workspace).where(Workspace.slack_team_id == workspace.team_id)
        ).one()


def _scheduled(workspace, workspace_id: int) -> bool:
    with workspace.app.paceline.db.read() as session:
        return any(
            t.team.workspace_id == workspace_id
            for t in job_runs.scheduled_teams(session, [workspace_id])
        )


def test_app_uninstalled_stops_a_single_workspace_and_parks_its_posts(workspace):
    workspace_id = _pending_posts(workspace)
    assert _scheduled(workspace, workspace_id)

    assert workspace.client.event({"type": "app_uninstalled"}).status == 200
    assert _workspace(workspace).active is False
    parked = workspace.rows(Outbox)
    assert parked and all(r.status == "parked" and "uninstalled" in (r.error or "") for r in parked)
    assert not _scheduled(workspace, workspace_id)
    next_week = FRIDAY_AFTER_DIGEST + timedelta(days=7)
    assert (
        workspace.app.paceline.scheduler.runner.sweep(next_week, workspace_ids=[workspace_id]) == []
    )
    # Slack retries an event whose answer was slow: the second changes nothing.
    assert (
        workspace.client.event(
            {"type": "app_uninstalled"}, headers={"X-Slack-Retry-Num": "1"}
        ).status
        == 200
    )
    assert _workspace(workspace).active is False


def test_a_revoked_bot_token_stops_a_single_workspace_and_user_tokens_alone_do_not(workspace):
    workspace_id = _pending_posts(workspace)
    user_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U_INSTALLER"], "bot": []}}
    assert workspace.client.event(user_only).status == 200
    assert _workspace(workspace).active is True and all(
        r.status == "pending" for r in workspace.rows(Outbox)
    )

    bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert workspace.client.event(bot).status == 200
    assert _workspace(workspace).active is False
    assert all(r.status == "parked" for r in workspace.rows(Outbox))
    assert not _scheduled(workspace, workspace_id)


class _TokenOf:
    """A client whose auth.test names a workspace, as SLACK_BOT_TOKEN's would."""

    def __init__(self, team_id: str) -> None:
        self.team_id = team_id

    def auth_test(self) -> dict:
        return {"ok": True, "team_id": self.team_id, "enterprise_id": None}


def test_a_restart_with_the_reinstalled_apps_token_serves_the_workspace_again(workspace):
    workspace_id = _pending_posts(workspace)
    assert workspace.client.event({"type": "app_uninstalled"}).status == 200
    services = workspace.app.paceline.services
    # Another workspace's token changes nothing here.
    assert (
        uninstall.started_with_token(services, _TokenOf("T" + uuid.uuid4().hex[:10].upper()))
        is None
    )
    assert _workspace(workspace).active is False

    assert uninstall.started_with_token(services, _TokenOf(workspace.team_id)) == workspace_id
    assert _workspace(workspace).active is True and _scheduled(workspace, workspace_id)
    # Parked posts stay parked (out of date); a start with the token of an active one is a no-op.
    assert all(r.status == "parked" for r in workspace.rows(Outbox))
    assert uninstall.started_with_token(services, _TokenOf(workspace.team_id)) is None
