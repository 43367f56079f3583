"""Workspaces: created on first contact, looked up by Slack team id."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.models import Workspace


def ensure_workspace(
    session: Session, slack_team_id: str, enterprise_id: str | None, now: datetime
) -> int:
    """The workspace's id, creating the row if this is the first request from it."""
    found = session.scalar(
        sa.select(col(Workspace.id)).where(col(Workspace.slack_team_id) == slack_team_id)
    )
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.execute(
                sa.insert(Workspace).values(
                    slack_team_id=slack_team_id, enterprise_id=enterprise_id, created_at=now
                )
            )
    except IntegrityError:
        pass  # another request created it first
    return session.scalar(
        sa.select(col(Workspace.id)).where(col(Workspace.slack_team_id) == slack_team_id)
    )


_FISCAL_START = sa.select(col(Workspace.fiscal_year_start_month)).where(
    col(Workspace.id) == sa.bindparam("workspace_id")
)


def name_of(session: Session, workspace_id: int) -> str | None:
    return session.scalar(sa.select(col(Workspace.name)).where(col(Workspace.id) == workspace_id))


def fiscal_year_start_month(session: Session, workspace_id: int) -> int:
    month = session.scalar(_FISCAL_START, {"workspace_id": workspace_id})
    return month or 1


def set_fiscal_year_start_month(session: Session, workspace_id: int, month: int) -> int:
    """Set it and return the month it was before."""
    before = fiscal_year_start_month(session, workspace_id)
    session.execute(
        sa.update(Workspace)
        .where(col(Workspace.id) == workspace_id)
        .values(fiscal_year_start_month=month)
    )
    return before


def id_of_slack_team(session: Session, slack_team_id: str) -> int | None:
    """The workspace's id; None when no request has come from that Slack team yet."""
    return session.scalar(
        sa.select(col(Workspace.id)).where(col(Workspace.slack_team_id) == slack_team_id)
    )
