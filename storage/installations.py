"""Installations: which workspaces have Paceline installed (multi-workspace OAuth).

slack-sdk's SQLAlchemy stores keep the bot tokens (`slack_installations`, `slack_bots`) and
the OAuth states (`slack_oauth_states`) in tables of their own MetaData. The same tables are
declared here on SQLModel's metadata, with slack-sdk's own builders so the shapes cannot
drift: Alembic's migrations then create them, and autogenerate and the models == migrations
check see them instead of proposing to drop them. The stores still query through their own
Table objects; both describe the same tables.

A workspace's `active` flag follows its installation: an install (or reinstall) sets it, an
uninstall clears it and parks what the outbox still had for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from storage import outbox
from storage.models import Workspace
from storage.workspaces import ensure_workspace

INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.default_installations_table_name
BOTS_TABLE = SQLAlchemyInstallationStore.default_bots_table_name
OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.default_table_name

installations_table = SQLAlchemyInstallationStore.build_installations_table(
    SQLModel.metadata, INSTALLATIONS_TABLE
)
bots_table = SQLAlchemyInstallationStore.build_bots_table(SQLModel.metadata, BOTS_TABLE)
oauth_states_table = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    SQLModel.metadata, OAUTH_STATES_TABLE
)

UNINSTALLED_REASON = "Paceline was uninstalled from this workspace: reinstall it, then `paceline jobs run` to send again"


@dataclass(frozen=True)
class SlackIds:
    """What the installation store is keyed by, and whether the workspace is installed."""

    team_id: str
    enterprise_id: str | None
    active: bool


def slack_ids(session: Session, workspace_id: int) -> SlackIds | None:
    row = session.execute(
        sa.select(
            col(Workspace.slack_team_id), col(Workspace.enterprise_id), col(Workspace.active)
        ).where(col(Workspace.id) == workspace_id)
    ).first()
    return None if row is None else SlackIds(row[0], row[1], bool(row[2]))


def workspace_id_of(session: Session, team_id: str) -> int | None:
    return session.scalar(
        sa.select(col(Workspace.id)).where(col(Workspace.slack_team_id) == team_id)
    )


def activate(
    session: Session, team_id: str, enterprise_id: str | None, name: str | None, now: datetime
) -> int:
    """An install or reinstall: the workspace exists, is active, and carries the ids the
    installation was stored under (the scheduler finds its token by them)."""
    workspace_id = ensure_workspace(session, team_id, enterprise_id, now)
    values: dict[str, object] = {"active": True, "enterprise_id": enterprise_id}
    if name:
        values["name"] = name[:200]
    session.execute(sa.update(Workspace).where(col(Workspace.id) == workspace_id).values(**values))
    return workspace_id


def deactivate(session: Session, team_id: str, now: datetime) -> int | None:
    """An uninstall: the workspace stops being scheduled and its pending posts are parked
    (they could only fail without a token). Its data stays, for a reinstall. Returns the
    workspace id, or None when Paceline never saw the workspace."""
    workspace_id = workspace_id_of(session, team_id)
    if workspace_id is None:
        return None
    session.execute(
        sa.update(Workspace).where(col(Workspace.id) == workspace_id).values(active=False)
    )
    outbox.park_workspace(session, workspace_id, now=now, reason=UNINSTALLED_REASON)
    return workspace_id


def delete_expired_states(connection: sa.Connection, states: sa.Table, now: datetime) -> None:
    """Sweep the OAuth states nobody used before they expired. `states` is the state store's
    own table object; `now` naive UTC, as the store writes its times."""
    connection.execute(states.delete().where(states.c.expire_at <= now))


def consume_state(connection: sa.Connection, states: sa.Table, state: str, now: datetime) -> bool:
    """Take an unexpired OAuth state, once: one DELETE … RETURNING, so two callbacks racing
    with one state cannot both pass."""
    deleted = connection.execute(
        states.delete()
        .where(states.c.state == state, states.c.expire_at > now)
        .returning(states.c.id)
    ).first()
    return deleted is not None
