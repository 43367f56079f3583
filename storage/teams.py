"""Teams, their members, managers and job schedules."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from bot.core.team_tree import TeamNode, TeamTree
from storage.models import Person, Team, TeamManager, TeamMember, TeamSchedule
from storage.rows import affected_rows, non_null_col, table_of


def by_key(session: Session, workspace_id: int, name_key: str) -> Team | None:
    return session.scalar(
        sa.select(Team).where(
            col(Team.workspace_id) == workspace_id, col(Team.name_key) == name_key
        )
    )


_BY_ID = sa.select(Team).where(
    col(Team.workspace_id) == sa.bindparam("workspace_id"), col(Team.id) == sa.bindparam("team_id")
)


def by_id(session: Session, workspace_id: int, team_id: int) -> Team | None:
    return session.scalar(_BY_ID, {"workspace_id": workspace_id, "team_id": team_id})


_BY_IDS = (
    sa.select(Team)
    .where(
        col(Team.workspace_id) == sa.bindparam("workspace_id"),
        col(Team.id).in_(sa.bindparam("team_ids", expanding=True)),
    )
    .order_by(col(Team.id))
)


def by_ids(session: Session, workspace_id: int, team_ids: list[int]) -> list[Team]:
    """The workspace's teams among `team_ids`, by id (ids of other workspaces or of deleted
    teams are left out)."""
    if not team_ids:
        return []
    return list(
        session.scalars(_BY_IDS, {"workspace_id": workspace_id, "team_ids": sorted(set(team_ids))})
    )


def all_teams(session: Session, workspace_id: int) -> list[tuple[Team, int]]:
    """Every team with its member count, by name."""
    counts = (
        sa.select(col(TeamMember.team_id), sa.func.count().label("n"))
        .where(col(TeamMember.workspace_id) == workspace_id)
        .group_by(col(TeamMember.team_id))
        .subquery()
    )
    rows = session.execute(
        sa.select(Team, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.team_id == col(Team.id))
        .where(col(Team.workspace_id) == workspace_id)
        .order_by(col(Team.name_key))
    )
    return [(team, int(n)) for team, n in rows]


_TREE = sa.select(non_null_col(Team.id), col(Team.name), col(Team.parent_id), col(Team.tz)).where(
    col(Team.workspace_id) == sa.bindparam("workspace_id")
)


def tree(session: Session, workspace_id: int) -> TeamTree:
    """Every team of the workspace with its parent, in one statement."""
    rows = session.execute(_TREE, {"workspace_id": workspace_id})
    return TeamTree(TeamNode(i, name, parent, tz) for i, name, parent, tz in rows)


_MEMBER_COUNTS = (
    sa.select(col(TeamMember.team_id), sa.func.count())
    .where(
        col(TeamMember.workspace_id) == sa.bindparam("workspace_id"),
        col(TeamMember.team_id).in_(sa.bindparam("team_ids", expanding=True)),
    )
    .group_by(col(TeamMember.team_id))
)


def member_counts(session: Session, workspace_id: int, team_ids: list[int]) -> dict[int, int]:
    """team id → how many members it has (its own, not its sub-teams'), in one statement."""
    ids = sorted(set(team_ids))
    found = dict.fromkeys(ids, 0)
    if ids:
        for team_id, count in session.execute(
            _MEMBER_COUNTS, {"workspace_id": workspace_id, "team_ids": ids}
        ):
            found[team_id] = int(count)
    return found


def members(session: Session, workspace_id: int, team_id: int) -> list[Person]:
    return list(
        session.scalars(
            sa.select(Person)
            .join(TeamMember, col(TeamMember.person_id) == col(Person.id))
            .where(col(TeamMember.workspace_id) == workspace_id, col(TeamMember.team_id) == team_id)
            .order_by(sa.func.lower(col(Person.name)))
        )
    )


def member_rows(session: Session, workspace_id: int, team_id: int) -> list[sa.Row]:
    """members() as plain rows with what reports need, for the same reason as
    goals.rows_for_team()."""
    person = table_of(Person)
    return list(
        session.execute(
            sa.select(
                person.c.id,
                person.c.name,
                person.c.display_name,
                person.c.real_name,
                person.c.slack_user_id,
                person.c.tz,
                person.c.start_date,
            )  # fmt: skip
            .join(TeamMember, col(TeamMember.person_id) == person.c.id)
            .where(col(TeamMember.workspace_id) == workspace_id, col(TeamMember.team_id) == team_id)
            .order_by(sa.func.lower(person.c.name))
        )
    )


_PERSON, _MEMBER = table_of(Person), table_of(TeamMember)
# Table columns, not ORM attributes: plain rows without the ORM's loading (a company's
# thousands of people).
_MEMBER_ROWS_OF_TEAMS = (
    sa.select(
        _MEMBER.c.team_id,
        _PERSON.c.id,
        _PERSON.c.name,
        _PERSON.c.display_name,
        _PERSON.c.real_name,
        _PERSON.c.slack_user_id,
        _PERSON.c.tz,
        _PERSON.c.start_date,
    )  # fmt: skip
    .join(_MEMBER, _MEMBER.c.person_id == _PERSON.c.id)
    .where(
        _MEMBER.c.workspace_id == sa.bindparam("workspace_id"),
        _MEMBER.c.team_id.in_(sa.bindparam("team_ids", expanding=True)),
    )
    .order_by(sa.func.lower(_PERSON.c.name), _PERSON.c.id)
)


def member_rows_of_teams(
    session: Session, workspace_id: int, team_ids: list[int]
) -> dict[int, list[sa.Row]]:
    """team id → member_rows() of that team, for several teams in one statement (a region
    and everything below it)."""
    ids = sorted(set(team_ids))
    found: dict[int, list[sa.Row]] = {team_id: [] for team_id in ids}
    if ids:
        for row in session.execute(
            _MEMBER_ROWS_OF_TEAMS, {"workspace_id": workspace_id, "team_ids": ids}
        ):
            found[row.team_id].append(row)
    return found


_MANAGERS = (
    sa.select(col(TeamManager.team_id), Person)
    .join(TeamManager, col(TeamManager.person_id) == col(Person.id))
    .where(
        col(TeamManager.workspace_id) == sa.bindparam("workspace_id"),
        col(TeamManager.team_id).in_(sa.bindparam("team_ids", expanding=True)),
    )
    .order_by(sa.func.lower(col(Person.name)), col(Person.id))
)


def managers_of_teams(
    session: Session, workspace_id: int, team_ids: list[int]
) -> dict[int, list[Person]]:
    """team id → its managers by name, for several teams in one statement."""
    ids = sorted(set(team_ids))
    found: dict[int, list[Person]] = {team_id: [] for team_id in ids}
    if ids:
        for team_id, person in session.execute(
            _MANAGERS, {"workspace_id": workspace_id, "team_ids": ids}
        ):
            found[team_id].append(person)
    return found


def managers(session: Session, workspace_id: int, team_id: int) -> list[Person]:
    return managers_of_teams(session, workspace_id, [team_id])[team_id]


def team_of(session: Session, workspace_id: int, person_id: int) -> Team | None:
    return session.scalar(
        sa.select(Team)
        .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
        .where(col(TeamMember.workspace_id) == workspace_id, col(TeamMember.person_id) == person_id)
    )


_CRM_ONLY_OF = (
    sa.select(col(Team.name), col(Team.crm_only))
    .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
    .where(
        col(TeamMember.workspace_id) == sa.bindparam("workspace_id"),
        col(TeamMember.person_id) == sa.bindparam("person_id"),
        col(Team.crm_only) != "",
    )
)


def any_crm_only(session: Session, workspace_id: int) -> bool:
    return (
        session.scalar(
            sa.select(
                sa.exists().where(col(Team.workspace_id) == workspace_id, col(Team.crm_only) != "")
            )
        )
        is True
    )


def crm_only_of(session: Session, workspace_id: int, person_id: int) -> tuple[str, str] | None:
    """The name and crm_only setting of the person's team, when it has metrics only the CRM
    records (None: no team, or none such): one lean statement on /log's path."""
    row = session.execute(
        _CRM_ONLY_OF, {"workspace_id": workspace_id, "person_id": person_id}
    ).first()
    return None if row is None else (row[0], row[1])


def managed_team_ids(session: Session, workspace_id: int, person_id: int) -> set[int]:
    return set(
        session.scalars(
            sa.select(col(TeamManager.team_id)).where(
                col(TeamManager.workspace_id) == workspace_id,
                col(TeamManager.person_id) == person_id,
            )
        )
    )


def governed_team_ids(session: Session, workspace_id: int, person_id: int) -> set[int]:
    """The teams a person manages and every team below them: a region's manager manages its
    teams."""
    managed = managed_team_ids(session, workspace_id, person_id)
    return tree(session, workspace_id).governed(managed) if managed else set()


def is_member(session: Session, workspace_id: int, team_id: int, person_id: int) -> bool:
    return (
        session.scalar(
            sa.select(col(TeamMember.id)).where(
                col(TeamMember.workspace_id) == workspace_id,
                col(TeamMember.team_id) == team_id,
                col(TeamMember.person_id) == person_id,
            )
        )
        is not None
    )


def add_member(
    session: Session, workspace_id: int, team_id: int, person_id: int, now: datetime
) -> None:
    session.add(
        TeamMember(workspace_id=workspace_id, team_id=team_id, person_id=person_id, added_at=now)
    )
    session.flush()


def remove_member(session: Session, workspace_id: int, team_id: int, person_id: int) -> bool:
    result = session.execute(
        sa.delete(TeamMember).where(
            col(TeamMember.workspace_id) == workspace_id,
            col(TeamMember.team_id) == team_id,
            col(TeamMember.person_id) == person_id,
        )
    )
    return affected_rows(result) > 0


def add_manager(
    session: Session, workspace_id: int, team_id: int, person_id: int, now: datetime
) -> bool:
    exists = session.scalar(
        sa.select(col(TeamManager.id)).where(
            col(TeamManager.workspace_id) == workspace_id,
            col(TeamManager.team_id) == team_id,
            col(TeamManager.person_id) == person_id,
        )
    )
    if exists is not None:
        return False
    session.add(
        TeamManager(workspace_id=workspace_id, team_id=team_id, person_id=person_id, added_at=now)
    )
    session.flush()
    return True


def remove_manager(session: Session, workspace_id: int, team_id: int, person_id: int) -> bool:
    result = session.execute(
        sa.delete(TeamManager).where(
            col(TeamManager.workspace_id) == workspace_id,
            col(TeamManager.team_id) == team_id,
            col(TeamManager.person_id) == person_id,
        )
    )
    return affected_rows(result) > 0


def schedules(session: Session, workspace_id: int, team_id: int) -> dict[str, TeamSchedule]:
    rows = session.scalars(
        sa.select(TeamSchedule).where(
            col(TeamSchedule.workspace_id) == workspace_id, col(TeamSchedule.team_id) == team_id
        )
    )
    return {row.job: row for row in rows}


def set_schedule(
    session: Session,
    workspace_id: int,
    team_id: int,
    job: str,
    days: str | None,
    at_time: str | None,
    now: datetime,
) -> TeamSchedule:
    row = schedules(session, workspace_id, team_id).get(job)
    if row is None:
        row = TeamSchedule(workspace_id=workspace_id, team_id=team_id, job=job, updated_at=now)
        session.add(row)
    row.days, row.at_time, row.enabled, row.updated_at = days, at_time, days is not None, now
    session.flush()
    return row


def on_team(
    person_id: sa.SQLColumnExpression[int],
    workspace_id: int | sa.BindParameter,
    team_id: int | sa.BindParameter,
) -> sa.ColumnElement[bool]:
    """The join condition from rows with a `person_id` to their team_member row, for
    aggregations over a team's members in one statement."""
    return sa.and_(
        col(TeamMember.person_id) == person_id,
        col(TeamMember.team_id) == team_id,
        col(TeamMember.workspace_id) == workspace_id,
    )


def scoped_to_teams(
    person_id: sa.SQLColumnExpression[int], workspace_id: sa.BindParameter, many: bool
) -> tuple[sa.ColumnElement[bool], list[sa.SQLColumnExpression[int]]]:
    """The join to team_member for a statement over one team's members (bound parameter
    `team_id`), or with `many` over several teams' (`team_ids`, expanding): the condition,
    and the columns that tell the teams apart (TeamMember.team_id, or none), to put first
    in SELECT and GROUP BY. The one-team form keeps the plain statement interactive
    commands run: SQLite plans the many-team one worse for a single team."""
    if many:
        return on_teams(person_id, workspace_id, sa.bindparam("team_ids", expanding=True)), [
            col(TeamMember.team_id)
        ]
    return on_team(person_id, workspace_id, sa.bindparam("team_id")), []


def on_teams(
    person_id: sa.SQLColumnExpression[int],
    workspace_id: int | sa.BindParameter,
    team_ids: sa.BindParameter,
) -> sa.ColumnElement[bool]:
    """on_team() for several teams at once (an expanding bound parameter of team ids):
    select TeamMember.team_id to tell the teams apart."""
    return sa.and_(
        col(TeamMember.person_id) == person_id,
        col(TeamMember.team_id).in_(team_ids),
        col(TeamMember.workspace_id) == workspace_id,
    )


def create_team(
    session: Session,
    workspace_id: int,
    *,
    name: str,
    name_key: str,
    channel_id: str | None,
    channel_name: str | None,
    tz: str,
    workweek: str,
    holidays_country: str | None,
    now: datetime,
) -> Team:
    """A new team with the other settings at their defaults; its id is set on return."""
    team = Team(
        workspace_id=workspace_id,
        name=name,
        name_key=name_key,
        channel_id=channel_id,
        channel_name=channel_name,
        tz=tz,
        workweek=workweek,
        holidays_country=holidays_country,
        created_at=now,
    )
    session.add(team)
    session.flush()
    return team


def update_team(session: Session, team: Team, values: dict[str, object]) -> None:
    """Change a team's columns (attribute names of Team) to `values`."""
    for column, value in values.items():
        setattr(team, column, value)
    session.flush()


def unsaved_team(
    team_id: int, workspace_id: int, name: str, name_key: str, tz: str, created_at: datetime
) -> Team:
    """A team row that is never stored nor added to a session: the company, which the
    reports treat as the team above every top-level team (bot.services.reports)."""
    return Team(
        id=team_id,
        workspace_id=workspace_id,
        name=name,
        name_key=name_key,
        tz=tz,
        created_at=created_at,
    )


def with_channels(session: Session, workspace_id: int) -> list[Team]:
    """The teams of a workspace that have a channel."""
    return list(
        session.scalars(
            sa.select(Team).where(
                col(Team.workspace_id) == workspace_id, col(Team.channel_id).is_not(None)
            )
        )
    )


def names_by_role(
    session: Session, workspace_id: int, person_id: int
) -> tuple[list[str], list[str]]:
    """The names of the teams a person manages, and of those they are a member of; each
    list by name."""
    managed = session.scalars(
        sa.select(col(Team.name))
        .join(TeamManager, col(TeamManager.team_id) == col(Team.id))
        .where(
            col(TeamManager.workspace_id) == workspace_id,
            col(TeamManager.person_id) == person_id,
        )
        .order_by(col(Team.name))
    ).all()
    joined = session.scalars(
        sa.select(col(Team.name))
        .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
        .where(
            col(TeamMember.workspace_id) == workspace_id,
            col(TeamMember.person_id) == person_id,
        )
        .order_by(col(Team.name))
    ).all()
    return list(managed), list(joined)
