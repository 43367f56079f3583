"""Whether Paceline serves a workspace: an uninstall (or a revoked bot token) stops it, a
process started with a working bot token serves it again (single-workspace mode). OAuth
installs activate workspaces through bot/oauth.py's `Installations.activate`."""

from __future__ import annotations

from bot.services.context import Services
from storage import installations


def uninstalled(services: Services, team_id: str) -> int | None:
    """The workspace stops: not scheduled any more, its pending posts parked, its data kept.
    Returns its id, or None when Paceline never saw it. The scheduler re-plans at once."""
    with services.db.write() as session:
        workspace_id = installations.deactivate(session, team_id, services.clock.now())
    services.schedule_changed()
    return workspace_id


def serve_again(services: Services, team_id: str) -> int | None:
    """The workspace of a bot token that works: active again if an uninstall stopped it.
    Returns the workspace id when it was reactivated (None: unknown or already active)."""
    with services.db.read() as session:
        workspace_id = installations.workspace_id_of(session, team_id)
        ids = installations.slack_ids(session, workspace_id) if workspace_id is not None else None
    if ids is None or ids.active:
        return None
    with services.db.write() as session:
        installations.activate(session, team_id, ids.enterprise_id, None, services.clock.now())
    return workspace_id
