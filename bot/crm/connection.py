"""Which HubSpot account a workspace syncs with and how the sync is built: the token stored
for it (encrypted), or, for the one workspace of a single-workspace install, the
environment's HUBSPOT_ACCESS_TOKEN."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from bot.clock import Clock
from bot.config import Settings
from bot.core.errors import UserError
from bot.crm import secrets
from bot.crm.hubspot import HubSpotReader
from bot.crm.sync import PROVIDER, HubSpotSync
from storage import crm, imports, workspaces
from storage.db import Database
from storage.models import CrmConnection
from storage.people import SlackProfile

log = logging.getLogger(__name__)


def token_of(settings: Settings, connection: CrmConnection) -> str:
    if connection.token_encrypted:
        return secrets.decrypt(connection.token_encrypted, settings.secret_keys)
    if settings.hubspot_access_token:
        return settings.hubspot_access_token
    raise UserError(
        "No HubSpot token for this workspace: set HUBSPOT_ACCESS_TOKEN, or connect it.",
        "paceline crm connect hubspot --workspace T0123ABCD",
    )


def reader_factory(
    settings: Settings, sleep: Callable[[float], None] = time.sleep
) -> Callable[[CrmConnection], HubSpotReader]:
    def reader_for(connection: CrmConnection) -> HubSpotReader:
        return HubSpotReader(token_of(settings, connection), settings.hubspot_api_url, sleep=sleep)

    return reader_for


def ensure_env_connection(
    settings: Settings, db: Database, clock: Clock, slack_team_id: str | None = None
) -> int | None:
    """Single workspace with HUBSPOT_ACCESS_TOKEN: the workspace's connection row (no token
    stored; the environment's is used). The workspace is the bot token's (`slack_team_id`,
    created if no request came from it yet, so the first sync need not wait for one), else
    the database's only one; None when there is none yet."""
    if not settings.hubspot_access_token or settings.oauth_enabled:
        return None
    with db.write() as session:
        if slack_team_id:
            workspace_id = workspaces.ensure_workspace(session, slack_team_id, None, clock.now())
        else:
            known = imports.workspaces(session)
            if len(known) != 1:
                return None
            workspace_id = known[0][0]
        found = crm.connection(session, workspace_id, PROVIDER)
        if found is None:
            crm.connect(session, workspace_id, PROVIDER, None, clock.now())
        elif not found.active:
            return None  # disconnected on purpose: `paceline crm connect hubspot` undoes it
    return workspace_id


def bot_team_id(client: object) -> str | None:
    """The Slack workspace the bot token serves (auth.test), or None when Slack cannot say."""
    try:
        return str(client.auth_test()["team_id"])  # type: ignore[attr-defined]
    except Exception as error:  # the sync goes on with the database's only workspace
        log.warning(
            "could not ask Slack which workspace the bot token serves: %s", type(error).__name__
        )
        return None


def build_sync(
    settings: Settings,
    db: Database,
    clock: Clock,
    *,
    sleep: Callable[[float], None] = time.sleep,
    slack_members: Callable[[int], Iterable[SlackProfile]] | None = None,
    instance: str | None = None,
) -> HubSpotSync:
    return HubSpotSync(
        db,
        clock,
        reader_factory(settings, sleep),
        instance=instance,
        admins=settings.admins,
        slack_members=slack_members,
    )


def syncable_workspaces(db: Database) -> list[int]:
    with db.read() as session:
        return [c.workspace_id for c in crm.active_connections(session, PROVIDER)]


def slack_members_via(
    db: Database, client_for: Callable[[int], object]
) -> Callable[[int], Iterable[SlackProfile]]:
    """Slack's member list of a workspace (users.list, with emails), for matching owners who
    never used Paceline."""
    from bot.importer.slack_users import members
    from storage.models import Workspace

    def listed(workspace_id: int) -> Iterable[SlackProfile]:
        with db.read() as session:
            workspace = session.get(Workspace, workspace_id)
        if workspace is None:
            return []
        return members(client_for(workspace_id), workspace.slack_team_id)  # type: ignore[arg-type]

    return listed
