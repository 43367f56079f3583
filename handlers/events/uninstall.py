"""`app_uninstalled` and `tokens_revoked`: a workspace that removes Paceline stops at once.

Its installation and bot token are deleted (Bolt then authorizes nothing from it, so its
commands and events reach no listener and cause no Web API call), the workspace is marked
inactive (the scheduler's next sync drops its jobs) and its pending posts are parked. Its
data stays: a reinstall through /slack/install makes it active again (bot/oauth.py).

Registered by bot/app.py, and only with OAuth: in single-workspace mode the bot token is the
operator's, in SLACK_BOT_TOKEN, and there is no installation to delete.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from handlers.context import Services
from storage import installations

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    store = app.installation_store
    if store is None:
        return

    @app.event("app_uninstalled")
    def app_uninstalled(context: BoltContext) -> None:
        uninstalled(services, store, context.team_id, context.enterprise_id)

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict, context: BoltContext) -> None:
        tokens = event.get("tokens") or {}
        for user_id in tokens.get("oauth") or []:
            # User tokens: Paceline asks for none, but an installer's row may carry one.
            store.delete_installation(enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id)
        if tokens.get("bot"):
            # Without its bot token Paceline can do nothing in the workspace: as an uninstall.
            uninstalled(services, store, context.team_id, context.enterprise_id)


def uninstalled(services: Services, store: InstallationStore, team_id: str | None, enterprise_id: str | None) -> None:
    if team_id is None:
        log.warning("ignored an uninstall without a workspace (enterprise %s)", enterprise_id)
        return
    # The token first: from here on nothing is authorized for the workspace, whatever
    # happens to the rest.
    store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    with services.db.write() as session:
        workspace_id = installations.deactivate(session, team_id, services.clock.now())
    services.schedule_changed()
    log.info("Paceline was uninstalled from workspace %s (id %s)", team_id, workspace_id)
