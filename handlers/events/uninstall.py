"""`app_uninstalled` and `tokens_revoked`: a workspace that removes Paceline stops at once.

The workspace is marked inactive (the scheduler's next sync drops its jobs) and its pending
posts are parked; with OAuth its installation and bot token are deleted first (Bolt then
authorizes nothing from it, so its commands and events reach no listener and cause no Web
API call). Its data stays: a reinstall makes it active again — through /slack/install with
OAuth (bot/oauth.py); in single-workspace mode, where the token is the operator's
SLACK_BOT_TOKEN, by restarting Paceline with the reinstalled app's token
(`started_with_token`, from `Paceline.start_scheduler`).

Both modes answer the events 200 (never 404, which Slack retries). Registered by
handlers/events/__init__.py.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot.services import installs
from bot.services.context import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    store = app.installation_store  # None in single-workspace mode

    @app.event("app_uninstalled")
    def app_uninstalled(context: BoltContext) -> None:
        uninstalled(services, store, context.team_id, context.enterprise_id)

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict, context: BoltContext) -> None:
        tokens = event.get("tokens") or {}
        if store is not None:
            for user_id in tokens.get("oauth") or []:
                # User tokens: Paceline asks for none, but an installer's row may carry one.
                store.delete_installation(
                    enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id
                )
        if tokens.get("bot"):
            # Without its bot token Paceline can do nothing in the workspace: as an uninstall.
            uninstalled(services, store, context.team_id, context.enterprise_id)


def uninstalled(
    services: Services,
    store: InstallationStore | None,
    team_id: str | None,
    enterprise_id: str | None,
) -> None:
    if team_id is None:
        log.warning("ignored an uninstall without a workspace (enterprise %s)", enterprise_id)
        return
    if store is not None:
        # The token first: from here on nothing is authorized for the workspace, whatever
        # happens to the rest.
        store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    workspace_id = installs.uninstalled(services, team_id)
    if store is None:
        log.warning(
            "Paceline was uninstalled from workspace %s (id %s), or its bot token revoked: it posts nothing "
            "there any more. To serve it again, reinstall the app and restart Paceline with the new SLACK_BOT_TOKEN.",
            team_id,
            workspace_id,
        )
    else:
        log.info("Paceline was uninstalled from workspace %s (id %s)", team_id, workspace_id)


def started_with_token(services: Services, client: WebClient) -> int | None:
    """Single-workspace mode, at start: Bolt has checked SLACK_BOT_TOKEN (auth.test), so the
    app is installed in that token's workspace. If an uninstall stopped the workspace, it is
    active again (its jobs are planned by the scheduler that starts next). Returns the
    workspace id when it was reactivated."""
    try:
        answer = client.auth_test()
        team_id = answer.get("team_id")
    except Exception as error:  # the start goes on; the workspace stays as it was
        log.warning("could not ask Slack which workspace the bot token serves: %s", error)
        return None
    if not team_id:
        return None
    workspace_id = installs.serve_again(services, team_id)
    if workspace_id is None:
        return None
    log.info(
        "workspace %s (id %s) is served again: Paceline started with a working bot token",
        team_id,
        workspace_id,
    )
    return workspace_id
