"""What scheduled posts read besides a team's report: who of a team can get a DM, weekly
totals over past weeks ("behind 3 weeks in a row") and who logged on a day. One statement
per question whatever the team's size, never one per rep."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage import teams
from storage.models import Entry, Person, TeamMember
from storage.rows import table_of

_PERSON = table_of(Person)
_ENTRY = table_of(Entry)
_MEMBER = table_of(TeamMember)


def _team_members_statement() -> sa.Select:
    workspace_id: sa.BindParameter[int] = sa.bindparam("workspace_id")
    return (
        sa.select(
            _MEMBER.c.team_id,
            _PERSON.c.id,
            _PERSON.c.name,
            _PERSON.c.display_name,
            _PERSON.c.real_name,
            _PERSON.c.slack_user_id,
            _PERSON.c.tz,
            _PERSON.c.start_date,
            _PERSON.c.is_bot,
            _PERSON.c.deactivated,
        )  # fmt: skip
        .join(_MEMBER, _MEMBER.c.person_id == _PERSON.c.id)
        .where(
            _MEMBER.c.workspace_id == workspace_id,
            _MEMBER.c.team_id.in_(sa.bindparam("team_ids", expanding=True)),
        )
        .order_by(sa.func.lower(_PERSON.c.name), _PERSON.c.id)
    )


_TEAM_MEMBERS = _team_members_statement()


def members_of_teams(
    session: Session, workspace_id: int, team_ids: Iterable[int]
) -> dict[int, list[sa.Row]]:
    """team id → team_members() of that team, for several teams in one statement."""
    ids = sorted(set(team_ids))
    found: dict[int, list[sa.Row]] = {team_id: [] for team_id in ids}
    if ids:
        for row in session.execute(_TEAM_MEMBERS, {"workspace_id": workspace_id, "team_ids": ids}):
            found[row.team_id].append(row)
    return found


def team_members(session: Session, workspace_id: int, team_id: int) -> list[sa.Row]:
    """A team's members as plain rows, by name, with what a DM needs on top of a report's
    member rows: the Slack id and whether the account is a bot or deactivated."""
    return members_of_teams(session, workspace_id, [team_id])[team_id]


def _weekly_totals_statement(week_count: int) -> sa.Select:
    """Built once per number of weeks, with bound parameters (building it costs more than
    running the query). One row per member and metric with a column per week, so the rows
    to fetch do not grow with the number of weeks."""
    workspace_id: sa.BindParameter[int] = sa.bindparam("workspace_id")
    weeks = [
        sa.func.sum(
            sa.case(
                (
                    sa.and_(
                        _ENTRY.c.day >= sa.bindparam(f"start_{index}", type_=sa.Date),
                        _ENTRY.c.day <= sa.bindparam(f"end_{index}", type_=sa.Date),
                    ),
                    _ENTRY.c.quantity,
                ),
                else_=0,
            )
        )
        for index in range(week_count)
    ]
    return (
        sa.select(_MEMBER.c.team_id, _ENTRY.c.person_id, _ENTRY.c.metric, *weeks)
        .join(
            _MEMBER,
            teams.on_teams(
                _ENTRY.c.person_id, workspace_id, sa.bindparam("team_ids", expanding=True)
            ),
        )
        .where(
            _ENTRY.c.workspace_id == workspace_id,
            _ENTRY.c.metric.in_(sa.bindparam("metrics", expanding=True)),
            _ENTRY.c.day >= sa.bindparam("first", type_=sa.Date),
            _ENTRY.c.day <= sa.bindparam("last", type_=sa.Date),
            _ENTRY.c.deleted_at.is_(None),
        )
        .group_by(_MEMBER.c.team_id, _ENTRY.c.person_id, _ENTRY.c.metric)
    )


_WEEKLY_TOTALS: dict[int, sa.Select] = {}

# (person_id, metric, index into the weeks asked for) → that member's total that week.
WeeklyTotals = dict[tuple[int, str, int], int]


def teams_weekly_totals(
    session: Session,
    workspace_id: int,
    team_ids: Iterable[int],
    metrics: Iterable[str],
    weeks: Sequence[tuple[date, date]],
) -> dict[int, WeeklyTotals]:
    """team id → weekly_totals() of that team, for several teams in one statement."""
    ids = sorted(set(team_ids))
    found: dict[int, WeeklyTotals] = {team_id: {} for team_id in ids}
    metrics = sorted(set(metrics))
    if not ids or not metrics or not weeks:
        return found
    statement = _WEEKLY_TOTALS.get(len(weeks))
    if statement is None:  # a race here only builds the same statement twice
        statement = _WEEKLY_TOTALS[len(weeks)] = _weekly_totals_statement(len(weeks))
    parameters: dict[str, object] = {
        "workspace_id": workspace_id,
        "team_ids": ids,
        "metrics": metrics,
        "first": min(start for start, _ in weeks),
        "last": max(end for _, end in weeks),
    }
    for index, (start, end) in enumerate(weeks):
        parameters[f"start_{index}"], parameters[f"end_{index}"] = start, end
    for team_id, person_id, metric, *per_week in session.execute(statement, parameters):
        mine = found[team_id]
        for index, total in enumerate(per_week):
            if total:
                mine[(person_id, metric, index)] = int(total)
    return found


def weekly_totals(
    session: Session,
    workspace_id: int,
    team_id: int,
    metrics: Iterable[str],
    weeks: Sequence[tuple[date, date]],
) -> WeeklyTotals:
    """(person_id, metric, index into `weeks`) → the member's total that week, for every
    member of the team, in one GROUP BY over the whole window.

    Each week's sum is a CASE over its range rather than a date function, so the same SQL
    runs on SQLite and PostgreSQL and weeks follow whatever calendar the caller means.
    Weeks with nothing logged are left out."""
    return teams_weekly_totals(session, workspace_id, [team_id], metrics, weeks)[team_id]


_WHO_LOGGED = (
    sa.select(_MEMBER.c.team_id, _ENTRY.c.person_id)
    .join(
        _MEMBER,
        teams.on_teams(
            _ENTRY.c.person_id,
            sa.bindparam("workspace_id"),
            sa.bindparam("team_ids", expanding=True),
        ),
    )
    .where(
        _ENTRY.c.workspace_id == sa.bindparam("workspace_id"),
        _ENTRY.c.day == sa.bindparam("day", type_=sa.Date),
        _ENTRY.c.deleted_at.is_(None),
    )
    .distinct()
)


def who_logged_in_teams(
    session: Session, workspace_id: int, team_ids: Iterable[int], day: date
) -> dict[int, set[int]]:
    """team id → members_who_logged() of that team, for several teams in one statement."""
    ids = sorted(set(team_ids))
    found: dict[int, set[int]] = {team_id: set() for team_id in ids}
    if ids:
        for team_id, person_id in session.execute(
            _WHO_LOGGED, {"workspace_id": workspace_id, "team_ids": ids, "day": day}
        ):
            found[team_id].add(person_id)
    return found


def members_who_logged(session: Session, workspace_id: int, team_id: int, day: date) -> set[int]:
    """Ids of the team's members with any live entry (a log or a fix) on `day`."""
    return who_logged_in_teams(session, workspace_id, [team_id], day)[team_id]
