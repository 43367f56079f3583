"""Aggregations for progress, leaderboards and digests: a fixed number of statements
whatever the team's size (one GROUP BY per question, never one query per rep)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import teams
from storage.models import Entry, TeamMember, TimeOff


def _team_totals_statement(many: bool) -> sa.Select:
    """Built once with bound parameters: building it costs more than running it."""
    workspace_id: sa.BindParameter[int] = sa.bindparam("workspace_id")
    join, team = teams.scoped_to_teams(col(Entry.person_id), workspace_id, many)
    return (
        sa.select(*team, col(Entry.person_id), col(Entry.metric), sa.func.sum(col(Entry.quantity)))
        .join(TeamMember, join)
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.metric).in_(sa.bindparam("metrics", expanding=True)),
            col(Entry.day) >= sa.bindparam("start", type_=sa.Date),
            col(Entry.day) <= sa.bindparam("end", type_=sa.Date),
            col(Entry.deleted_at).is_(None),
        )
        .group_by(*team, col(Entry.person_id), col(Entry.metric))
    )


_TEAM_TOTALS = _team_totals_statement(many=False)
_TEAMS_TOTALS = _team_totals_statement(many=True)


def teams_totals(
    session: Session,
    workspace_id: int,
    team_ids: Iterable[int],
    metrics: Iterable[str],
    start: date,
    end: date,
) -> dict[int, dict[tuple[int, str], int]]:
    """team id → team_totals() of that team, for several teams in one statement (the
    scheduled jobs of teams that fire together)."""
    ids = sorted(set(team_ids))
    found: dict[int, dict[tuple[int, str], int]] = {team_id: {} for team_id in ids}
    if not ids:
        return found
    parameters = {
        "workspace_id": workspace_id,
        "team_ids": ids,
        "metrics": sorted(set(metrics)),
        "start": start,
        "end": end,
    }
    for team_id, person_id, metric, total in session.execute(_TEAMS_TOTALS, parameters):
        found[team_id][(person_id, metric)] = int(total or 0)
    return found


def _sums_by(column: sa.SQLColumnExpression[int]) -> sa.Select:
    """One metric's total over [start, end] of the members of teams (`team_ids`), one row
    per value of `column` (the team, or the person)."""
    workspace_id: sa.BindParameter[int] = sa.bindparam("workspace_id")
    return (
        sa.select(column, sa.func.sum(col(Entry.quantity)))
        .join(
            TeamMember,
            teams.on_teams(
                col(Entry.person_id), workspace_id, sa.bindparam("team_ids", expanding=True)
            ),
        )
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.metric) == sa.bindparam("metric"),
            col(Entry.day) >= sa.bindparam("start", type_=sa.Date),
            col(Entry.day) <= sa.bindparam("end", type_=sa.Date),
            col(Entry.deleted_at).is_(None),
        )
        .group_by(column)
    )


_TEAM_SUMS = _sums_by(col(TeamMember.team_id))
_PEOPLE_SUMS = _sums_by(col(Entry.person_id))


def team_sums(
    session: Session,
    workspace_id: int,
    team_ids: Iterable[int],
    metric: str,
    start: date,
    end: date,
) -> dict[int, int]:
    """team id → the total of one metric over [start, end] of its own members, for several
    teams in one statement (a team-vs-team board adds the sub-teams' up)."""
    ids = sorted(set(team_ids))
    found = dict.fromkeys(ids, 0)
    if ids:
        parameters = {
            "workspace_id": workspace_id,
            "team_ids": ids,
            "metric": metric,
            "start": start,
            "end": end,
        }
        for team_id, total in session.execute(_TEAM_SUMS, parameters):
            found[team_id] = int(total or 0)
    return found


def people_sums(
    session: Session,
    workspace_id: int,
    team_ids: Iterable[int],
    metric: str,
    start: date,
    end: date,
) -> dict[int, int]:
    """person id → their total of one metric over [start, end], for everyone in the teams
    (a roll-up's board), in one statement; people with nothing logged are left out."""
    ids = sorted(set(team_ids))
    if not ids:
        return {}
    parameters = {
        "workspace_id": workspace_id,
        "team_ids": ids,
        "metric": metric,
        "start": start,
        "end": end,
    }
    return {
        person_id: int(total or 0) for person_id, total in session.execute(_PEOPLE_SUMS, parameters)
    }


def team_totals(
    session: Session,
    workspace_id: int,
    team_id: int,
    metrics: Iterable[str],
    start: date,
    end: date,
) -> dict[tuple[int, str], int]:
    """(person_id, metric) → total over [start, end] for every member of the team."""
    parameters = {
        "workspace_id": workspace_id,
        "team_id": team_id,
        "metrics": sorted(set(metrics)),
        "start": start,
        "end": end,
    }
    return {
        (person_id, metric): int(total or 0)
        for person_id, metric, total in session.execute(_TEAM_TOTALS, parameters)
    }


def people_totals(
    session: Session,
    workspace_id: int,
    person_ids: Iterable[int],
    metrics: Iterable[str],
    start: date,
    end: date,
) -> dict[tuple[int, str], int]:
    query = (
        sa.select(col(Entry.person_id), col(Entry.metric), sa.func.sum(col(Entry.quantity)))
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.person_id).in_(list(person_ids)),
            col(Entry.metric).in_(list(metrics)),
            col(Entry.day) >= start,
            col(Entry.day) <= end,
            col(Entry.deleted_at).is_(None),
        )
        .group_by(col(Entry.person_id), col(Entry.metric))
    )
    return {
        (person_id, metric): int(total or 0) for person_id, metric, total in session.execute(query)
    }


def period_totals(
    session: Session,
    workspace_id: int,
    person_id: int,
    metric: str,
    periods: list[tuple[date, date]],
) -> list[int]:
    """One person's total of one metric in each of several periods (for suggestions)."""
    if not periods:
        return []
    first, last = min(p[0] for p in periods), max(p[1] for p in periods)
    rows = session.execute(
        sa.select(col(Entry.day), sa.func.sum(col(Entry.quantity)))
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.person_id) == person_id,
            col(Entry.metric) == metric,
            col(Entry.day) >= first,
            col(Entry.day) <= last,
            col(Entry.deleted_at).is_(None),
        )
        .group_by(col(Entry.day))
    )
    by_day = {day: int(total or 0) for day, total in rows}
    return [sum(v for d, v in by_day.items() if start <= d <= end) for start, end in periods]


def team_period_totals(
    session: Session,
    workspace_id: int,
    team_id: int,
    metric: str,
    periods: list[tuple[date, date]],
) -> dict[int, list[int]]:
    """person id → one total of one metric per period (in `periods`' order, which must not
    overlap) for every member of the team who logged any in them: one statement, each
    entry's period found in SQL (a split by history over 12 years reads 12 rows a member,
    not one a day). Members with nothing logged are left out."""
    if not periods:
        return {}
    first, last = min(p[0] for p in periods), max(p[1] for p in periods)
    bucket = sa.case(
        *(
            (sa.and_(col(Entry.day) >= start, col(Entry.day) <= end), index)
            for index, (start, end) in enumerate(periods)
        ),
        else_=-1,
    )
    # Grouped outside a subquery: PostgreSQL would not match the CASE in SELECT and in
    # GROUP BY once each is sent with parameters of its own.
    inner = (
        sa.select(
            col(Entry.person_id).label("person_id"),
            bucket.label("bucket"),
            col(Entry.quantity).label("quantity"),
        )
        .join(TeamMember, teams.on_team(col(Entry.person_id), workspace_id, team_id))
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.metric) == metric,
            col(Entry.day) >= first,
            col(Entry.day) <= last,
            col(Entry.deleted_at).is_(None),
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(inner.c.person_id, inner.c.bucket, sa.func.sum(inner.c.quantity))
        .where(inner.c.bucket >= 0)
        .group_by(inner.c.person_id, inner.c.bucket)
    )
    found: dict[int, list[int]] = {}
    for person_id, index, total in rows:
        found.setdefault(person_id, [0] * len(periods))[index] = int(total or 0)
    return found


def _team_time_off_statement(many: bool) -> sa.Select:
    workspace_id: sa.BindParameter[int] = sa.bindparam("workspace_id")
    join, team = teams.scoped_to_teams(col(TimeOff.person_id), workspace_id, many)
    return (
        sa.select(*team, col(TimeOff.person_id), col(TimeOff.start), col(TimeOff.end))
        .join(TeamMember, join)
        .where(
            col(TimeOff.workspace_id) == workspace_id,
            col(TimeOff.deleted_at).is_(None),
            col(TimeOff.start) <= sa.bindparam("end", type_=sa.Date),
            col(TimeOff.end) >= sa.bindparam("start", type_=sa.Date),
        )
    )


_TEAM_TIME_OFF = _team_time_off_statement(many=False)
_TEAMS_TIME_OFF = _team_time_off_statement(many=True)


def teams_time_off(
    session: Session, workspace_id: int, team_ids: Iterable[int], start: date, end: date
) -> dict[int, dict[int, list[tuple[date, date]]]]:
    """team id → team_time_off() of that team, for several teams in one statement."""
    ids = sorted(set(team_ids))
    found: dict[int, dict[int, list[tuple[date, date]]]] = {team_id: {} for team_id in ids}
    if not ids:
        return found
    parameters = {"workspace_id": workspace_id, "team_ids": ids, "start": start, "end": end}
    for team_id, person_id, off_start, off_end in session.execute(_TEAMS_TIME_OFF, parameters):
        found[team_id].setdefault(person_id, []).append((off_start, off_end))
    return found


def team_time_off(
    session: Session, workspace_id: int, team_id: int, start: date, end: date
) -> dict[int, list[tuple[date, date]]]:
    """time_off_by_person() for a team's members, joined on the team rather than passing
    every member's id."""
    parameters = {"workspace_id": workspace_id, "team_id": team_id, "start": start, "end": end}
    return _by_person(session.execute(_TEAM_TIME_OFF, parameters))


def time_off_by_person(
    session: Session, workspace_id: int, person_ids: Iterable[int], start: date, end: date
) -> dict[int, list[tuple[date, date]]]:
    rows = session.execute(
        sa.select(col(TimeOff.person_id), col(TimeOff.start), col(TimeOff.end)).where(
            col(TimeOff.workspace_id) == workspace_id,
            col(TimeOff.person_id).in_(list(person_ids)),
            col(TimeOff.deleted_at).is_(None),
            col(TimeOff.start) <= end,
            col(TimeOff.end) >= start,
        )
    )
    return _by_person(rows)


def _by_person(rows: Iterable[sa.Row]) -> dict[int, list[tuple[date, date]]]:
    found: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for person_id, off_start, off_end in rows:
        found[person_id].append((off_start, off_end))
    return dict(found)
