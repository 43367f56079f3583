"""A workspace's directory seeded in a few executemany statements whatever its size, as the
jobs and regions benches seed theirs: the rows (people known to the app with fresh profiles,
teams with the default settings, goals) and the look-ups and links between them, inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa


def add_workspace(conn: sa.Connection, slack_team_id: str, name: str, now: datetime) -> int:
    from storage.models import Workspace

    return conn.execute(
        sa.insert(Workspace).values(slack_team_id=slack_team_id, name=name, created_at=now)
    ).inserted_primary_key[0]


def person_row(
    workspace_id: int, user: tuple[str, str, str], tz: str, now: datetime, admin: bool = False
) -> dict[str, Any]:
    """A person row for `user` (Slack id, name, real name), fresh: no users.info refresh."""
    user_id, name, real_name = user
    return {
        "workspace_id": workspace_id,
        "slack_user_id": user_id,
        "name": name,
        "real_name": real_name,
        "display_name": name,
        "tz": tz,
        "slack_admin": admin,
        "is_bot": False,
        "deactivated": False,
        "created_at": now,
        "refreshed_at": now,
    }


def team_row(workspace_id: int, name: str, tz: str, now: datetime, **more: Any) -> dict[str, Any]:
    """A team row with the default workweek, thresholds and no approvals; `more` columns too
    (a parent, a channel)."""
    return {
        "workspace_id": workspace_id,
        "name": name,
        "name_key": name,
        **more,
        "tz": tz,
        "workweek": "0,1,2,3,4",
        "threshold_ahead": 110,
        "threshold_on_pace": 90,
        "threshold_behind": 75,
        "approvals": False,
        "created_at": now,
    }


def person_ids(conn: sa.Connection, workspace_id: int) -> dict[str, int]:
    """The workspace's people: Slack user id → person id."""
    from storage.models import Person

    return dict(
        conn.execute(
            sa.select(Person.slack_user_id, Person.id).where(Person.workspace_id == workspace_id)
        ).all()
    )


def team_ids(conn: sa.Connection, workspace_id: int) -> dict[str, int]:
    """The workspace's teams: name key → team id."""
    from storage.models import Team

    return dict(
        conn.execute(
            sa.select(Team.name_key, Team.id).where(Team.workspace_id == workspace_id)
        ).all()
    )


def add_links(
    conn: sa.Connection,
    model: Any,
    workspace_id: int,
    pairs: Iterable[tuple[int, int]],
    now: datetime,
) -> None:
    """(team id, person id) pairs as `model` rows: TeamMember or TeamManager."""
    conn.execute(
        sa.insert(model),
        [
            {
                "team_id": team_id,
                "person_id": person_id,
                "workspace_id": workspace_id,
                "added_at": now,
            }
            for team_id, person_id in pairs
        ],
    )


def goal_row(
    workspace_id: int, creator_id: int, start: date, now: datetime, /, **values: Any
) -> dict[str, Any]:
    """A goal row (`storage.models.Goal` columns) set by `creator_id`, from `start` with no
    end; `values` give its kind, metric, period, target and the rest (a `start` and `end`
    of its own too)."""
    row = {
        "workspace_id": workspace_id,
        "person_id": None,
        "team_id": None,
        "target": None,
        "start": start,
        "end": None,
        "stretch_pct": None,
        "weights": None,
        "reward": None,
        "prize": None,
        "ramp_last": None,
        "ramp_step": None,
        "origin": "set",
        "created_by_id": creator_id,
        "created_at": now,
        "removed_at": None,
        "removed_by_id": None,
        "idempotency_key": None,
    }
    row.update(values)
    return row
