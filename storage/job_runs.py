"""Which team jobs ran for which occurrence, and every team's schedules in one read: what
the scheduler needs to run each occurrence once across processes and restarts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.db import insert_for
from storage.models import JobRun, Team, TeamSchedule, Workspace


@dataclass(frozen=True)
class ScheduledTeam:
    team: Team
    slack_team_id: str
    # job → (days, at_time) as stored; a job without a row has its default schedule.
    rows: dict[str, tuple[str | None, str | None]]


def scheduled_teams(
    session: Session, workspace_ids: Collection[int] | None = None
) -> list[ScheduledTeam]:
    """Every team of every active workspace (or of `workspace_ids`) with its stored schedule
    rows, in two statements whatever the number of teams."""
    query = (
        sa.select(Team, col(Workspace.slack_team_id))
        .join(Workspace, col(Workspace.id) == col(Team.workspace_id))
        .where(col(Workspace.active).is_(True))
        .order_by(col(Team.workspace_id), col(Team.name_key))
    )
    if workspace_ids is not None:
        query = query.where(col(Team.workspace_id).in_(list(workspace_ids)))
    found = [(team, slack_id) for team, slack_id in session.execute(query)]
    rows: dict[int, dict[str, tuple[str | None, str | None]]] = defaultdict(dict)
    schedule_query = sa.select(
        col(TeamSchedule.team_id),
        col(TeamSchedule.job),
        col(TeamSchedule.days),
        col(TeamSchedule.at_time),
    )
    if workspace_ids is not None:
        schedule_query = schedule_query.where(
            col(TeamSchedule.workspace_id).in_(list(workspace_ids))
        )
    for team_id, job, days, at_time in session.execute(schedule_query):
        rows[team_id][job] = (days, at_time)
    return [
        ScheduledTeam(team, slack_id, dict(rows.get(team.id or 0, {}))) for team, slack_id in found
    ]


def claim_run(
    session: Session,
    workspace_id: int,
    team_id: int,
    job: str,
    occurrence: str,
    scheduled_for: datetime,
    now: datetime,
    messages: int,
) -> bool:
    """Record the run inside the caller's transaction (with its outbox rows). False when
    another process (or an earlier life of this one) has already recorded it."""
    statement = (
        insert_for(session)(JobRun)
        .values(
            workspace_id=workspace_id,
            team_id=team_id,
            job=job,
            occurrence=occurrence,
            scheduled_for=scheduled_for,
            started_at=now,
            finished_at=now,
            messages=messages,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "team_id", "job", "occurrence"])
        .returning(col(JobRun.id))
    )
    return session.execute(statement).first() is not None


def runs_since(
    session: Session, since: datetime, workspace_ids: Collection[int] | None = None
) -> set[tuple[int, int, str, str]]:
    """(workspace id, team id, job, occurrence) of every run scheduled since `since`."""
    query = sa.select(
        col(JobRun.workspace_id), col(JobRun.team_id), col(JobRun.job), col(JobRun.occurrence)
    ).where(col(JobRun.scheduled_for) >= since)
    if workspace_ids is not None:
        query = query.where(col(JobRun.workspace_id).in_(list(workspace_ids)))
    return {tuple(row) for row in session.execute(query)}  # type: ignore[misc]


def run_dates(
    session: Session,
    workspace_id: int,
    team_ids: Collection[int],
    job: str,
    first: date,
    last: date,
) -> dict[int, set[date]]:
    """team id → the occurrences (scheduled dates) of the job's runs from `first` to `last`,
    both included: a week's runs, for the once-a-week rule (scheduler.timing.week_has_room)."""
    found: dict[int, set[date]] = defaultdict(set)
    if not team_ids:
        return found
    query = sa.select(col(JobRun.team_id), col(JobRun.occurrence)).where(
        col(JobRun.workspace_id) == workspace_id,
        col(JobRun.team_id).in_(list(team_ids)),
        col(JobRun.job) == job,
        # Occurrences are ISO dates, which order as text.
        col(JobRun.occurrence) >= first.isoformat(),
        col(JobRun.occurrence) <= last.isoformat(),
    )
    for team_id, occurrence in session.execute(query):
        found[team_id].add(date.fromisoformat(occurrence))
    return found


def schedule_rows(
    session: Session, workspace_id: int, team_ids: Collection[int], job: str
) -> dict[int, tuple[str | None, str | None]]:
    """team id → its stored (days, at_time) row for the job; a team without one has the
    default schedule."""
    if not team_ids:
        return {}
    query = sa.select(
        col(TeamSchedule.team_id), col(TeamSchedule.days), col(TeamSchedule.at_time)
    ).where(
        col(TeamSchedule.workspace_id) == workspace_id,
        col(TeamSchedule.team_id).in_(list(team_ids)),
        col(TeamSchedule.job) == job,
    )
    return {team_id: (days, at_time) for team_id, days, at_time in session.execute(query)}


def lock_team(session: Session, workspace_id: int, team_id: int) -> None:
    """Serialize recording the team's runs until the transaction ends, so two processes
    recording different occurrences of one week cannot both pass the once-a-week check
    (PostgreSQL: a row lock; SQLite writes are already serialized by BEGIN IMMEDIATE)."""
    session.execute(
        sa.select(col(Team.id))
        .where(col(Team.workspace_id) == workspace_id, col(Team.id) == team_id)
        .with_for_update()
    )


def last_runs(
    session: Session, workspace_ids: Collection[int] | None = None
) -> dict[tuple[int, str], JobRun]:
    """(team id, job) → its latest run."""
    latest = (
        sa.select(
            col(JobRun.team_id), col(JobRun.job), sa.func.max(col(JobRun.scheduled_for)).label("at")
        )
        .group_by(col(JobRun.team_id), col(JobRun.job))
        .subquery()
    )
    query = sa.select(JobRun).join(
        latest,
        sa.and_(
            col(JobRun.team_id) == latest.c.team_id,
            col(JobRun.job) == latest.c.job,
            col(JobRun.scheduled_for) == latest.c.at,
        ),
    )
    if workspace_ids is not None:
        query = query.where(col(JobRun.workspace_id).in_(list(workspace_ids)))
    return {(run.team_id, run.job): run for run in session.scalars(query)}
