"""Goals and the requests (proposals, approvals) that change them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import teams
from storage.models import AuditEvent, Goal, GoalRequest, Person, Team, TeamMember
from storage.rows import affected_rows, table_of

PERSON_KINDS = ("individual", "ramp")

_GOAL = table_of(Goal)
_MEMBER = table_of(TeamMember)


def goal_exists_for_log(one_metric: bool) -> sa.Exists:
    """Does any goal (own, ramp, or the team's all-or-nothing) cover the logged metrics on
    the logged day? Bound by name: workspace_id, person_id, day, and metric or metrics."""
    metric_condition = (
        _GOAL.c.metric == sa.bindparam("metric")
        if one_metric
        else _GOAL.c.metric.in_(sa.bindparam("metrics", expanding=True))
    )
    return sa.exists().where(
        _GOAL.c.workspace_id == sa.bindparam("workspace_id"),
        _GOAL.c.removed_at.is_(None),
        _GOAL.c.start <= sa.bindparam("day"),
        sa.or_(_GOAL.c.end.is_(None), _GOAL.c.end >= sa.bindparam("day")),
        metric_condition,
        sa.or_(
            _GOAL.c.person_id == sa.bindparam("person_id"),
            sa.and_(
                # A literal, not a bound value: the statement is also pre-rendered as driver SQL.
                _GOAL.c.kind == sa.literal_column("'collective'"),
                _GOAL.c.team_id.in_(
                    sa.select(_MEMBER.c.team_id).where(
                        _MEMBER.c.workspace_id == sa.bindparam("workspace_id"),
                        _MEMBER.c.person_id == sa.bindparam("person_id"),
                    )
                ),
            ),
        ),
    )


TEAM_KINDS = ("team", "collective", "contest")


def _live_between(start: date, end: date) -> list[sa.ColumnElement[bool]]:
    return [
        col(Goal.removed_at).is_(None),
        col(Goal.start) <= end,
        sa.or_(col(Goal.end).is_(None), col(Goal.end) >= start),
    ]


def by_id(session: Session, workspace_id: int, goal_id: int) -> Goal | None:
    return session.scalar(
        sa.select(Goal).where(col(Goal.workspace_id) == workspace_id, col(Goal.id) == goal_id)
    )


def for_person(
    session: Session, workspace_id: int, person_id: int, start: date, end: date
) -> list[Goal]:
    """A person's own goals (individual and ramp) live at some point in [start, end]."""
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                col(Goal.person_id) == person_id,
                *_live_between(start, end),
            )
            .order_by(col(Goal.id))
        )
    )


def for_team(
    session: Session, workspace_id: int, team_id: int, start: date, end: date
) -> list[Goal]:
    """The team's own goals and every member's personal goals, in one query."""
    members = sa.select(col(TeamMember.person_id)).where(
        col(TeamMember.workspace_id) == workspace_id, col(TeamMember.team_id) == team_id
    )
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                sa.or_(
                    col(Goal.team_id) == team_id, col(Goal.person_id).in_(members.scalar_subquery())
                ),
                *_live_between(start, end),
            )
            .order_by(col(Goal.id))
        )
    )


def _team_goals_statement(many: bool) -> sa.Select:
    """A team's live goals and its members' own, built once with bound parameters (building
    this UNION costs more than running it); with `many`, several teams' (`team_ids`),
    each row carrying `for_team`, the team it was read for.

    Two halves joined by UNION rather than `team_id = … OR person_id IN …`: with the OR,
    PostgreSQL scans every goal of the workspace; each half uses its own index."""
    workspace_id: sa.BindParameter[int] = sa.bindparam("workspace_id")
    start, end = sa.bindparam("start", type_=sa.Date), sa.bindparam("end", type_=sa.Date)
    live = (
        _GOAL.c.workspace_id == workspace_id,
        _GOAL.c.removed_at.is_(None),
        _GOAL.c.start <= end,
        sa.or_(_GOAL.c.end.is_(None), _GOAL.c.end >= start),
    )
    if many:
        team_ids: sa.BindParameter[list[int]] = sa.bindparam("team_ids", expanding=True)
        team_goals = sa.select(_GOAL.c.team_id.label("for_team"), *_GOAL.c).where(
            _GOAL.c.team_id.in_(team_ids), *live
        )
        member_goals = (
            sa.select(_MEMBER.c.team_id.label("for_team"), *_GOAL.c)
            .join(_MEMBER, teams.on_teams(_GOAL.c.person_id, workspace_id, team_ids))
            .where(*live)
        )
        union = sa.union(team_goals, member_goals).subquery()
        return sa.select(*union.c).order_by(union.c.for_team, union.c.id)
    team_id: sa.BindParameter[int] = sa.bindparam("team_id")
    members = sa.select(col(TeamMember.person_id)).where(
        col(TeamMember.workspace_id) == workspace_id, col(TeamMember.team_id) == team_id
    )
    team_goals = sa.select(*_GOAL.c).where(_GOAL.c.team_id == team_id, *live)
    member_goals = sa.select(*_GOAL.c).where(
        _GOAL.c.person_id.in_(members.scalar_subquery()), *live
    )
    union = sa.union(team_goals, member_goals).subquery()
    return sa.select(*union.c).order_by(union.c.id)


_TEAM_GOALS = _team_goals_statement(many=False)
_TEAMS_GOALS = _team_goals_statement(many=True)


def rows_for_teams(
    session: Session, workspace_id: int, team_ids: Iterable[int], start: date, end: date
) -> dict[int, list[sa.Row]]:
    """team id → rows_for_team() of that team, for several teams in one statement."""
    ids = sorted(set(team_ids))
    found: dict[int, list[sa.Row]] = {team_id: [] for team_id in ids}
    if ids:
        parameters = {"workspace_id": workspace_id, "team_ids": ids, "start": start, "end": end}
        for row in session.execute(_TEAMS_GOALS, parameters):
            found[row.for_team].append(row)
    return found


def rows_for_team(
    session: Session, workspace_id: int, team_id: int, start: date, end: date
) -> list[sa.Row]:
    """for_team() as plain rows: reports read a team's goals and never change them, and
    building a few hundred ORM objects costs more than the query."""
    parameters = {"workspace_id": workspace_id, "team_id": team_id, "start": start, "end": end}
    return list(session.execute(_TEAM_GOALS, parameters))


def for_teams_of(
    session: Session, workspace_id: int, team_ids: Iterable[int], start: date, end: date
) -> list[Goal]:
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                col(Goal.team_id).in_(list(team_ids)),
                *_live_between(start, end),
            )
            .order_by(col(Goal.id))
        )
    )


def for_people(
    session: Session, workspace_id: int, person_ids: Iterable[int], start: date, end: date
) -> list[Goal]:
    """Several people's own goals live in [start, end], by id, in one statement."""
    ids = sorted(set(person_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                col(Goal.person_id).in_(ids),
                *_live_between(start, end),
            )
            .order_by(col(Goal.id))
        )
    )


def metric_counts(
    session: Session, workspace_id: int, team_ids: Iterable[int], start: date, end: date
) -> dict[str, int]:
    """metric → how many goals of the teams' members (their own) and of the teams live in
    [start, end] are of it: which metric a roll-up's board shows by default. One statement."""
    ids = sorted(set(team_ids))
    if not ids:
        return {}
    members = sa.select(col(TeamMember.person_id)).where(
        col(TeamMember.workspace_id) == workspace_id, col(TeamMember.team_id).in_(ids)
    )
    rows = session.execute(
        sa.select(col(Goal.metric), sa.func.count())
        .where(
            col(Goal.workspace_id) == workspace_id,
            sa.or_(col(Goal.team_id).in_(ids), col(Goal.person_id).in_(members.scalar_subquery())),
            *_live_between(start, end),
        )
        .group_by(col(Goal.metric))
    )
    return {metric: int(count) for metric, count in rows}


def team_goal_rows(
    session: Session,
    workspace_id: int,
    team_ids: Iterable[int],
    metric: str,
    start: date,
    end: date,
) -> dict[int, list[Goal]]:
    """team id → the team-total goals of one metric live in [start, end], by id, for
    several teams in one statement (a team-vs-team board)."""
    ids = sorted(set(team_ids))
    found: dict[int, list[Goal]] = {team_id: [] for team_id in ids}
    if ids:
        query = (
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                col(Goal.team_id).in_(ids),
                col(Goal.kind) == "team",
                col(Goal.metric) == metric,
                *_live_between(start, end),
            )  # fmt: skip
            .order_by(col(Goal.id))
        )
        for goal in session.scalars(query):
            if goal.team_id is not None:  # always: the query matched it by team_id
                found[goal.team_id].append(goal)
    return found


def overlapping(
    session: Session,
    workspace_id: int,
    *,
    kind: str,
    metric: str,
    period_kind: str,
    start: date,
    end: date | None,
    person_id: int | None = None,
    team_id: int | None = None,
) -> list[Goal]:
    """Live goals of the same owner, metric and period kind whose dates overlap."""
    kinds = PERSON_KINDS if person_id is not None else (kind,)
    owner = (
        col(Goal.person_id) == person_id if person_id is not None else col(Goal.team_id) == team_id
    )
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                owner,
                col(Goal.kind).in_(kinds),
                col(Goal.metric) == metric,
                col(Goal.period_kind) == period_kind,
                *_live_between(start, end or date.max),
            )
            .order_by(col(Goal.id))
        )
    )


def _goal_owners(
    person_ids: Iterable[int], team_ids: Iterable[int]
) -> list[sa.ColumnElement[bool]]:
    """Goals of these people or teams (an empty list: of nobody)."""
    owners: list[sa.ColumnElement[bool]] = []
    if person_ids:
        owners.append(col(Goal.person_id).in_(list(person_ids)))
    if team_ids:
        owners.append(col(Goal.team_id).in_(list(team_ids)))
    return owners


def listed(
    session: Session,
    workspace_id: int,
    *,
    person_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
    on_or_after: date,
) -> list[Goal]:
    """Goals that still matter (not removed, not ended before `on_or_after`) of these owners."""
    owners = _goal_owners(person_ids, team_ids)
    if not owners:
        return []
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                sa.or_(*owners),
                col(Goal.removed_at).is_(None),
                sa.or_(col(Goal.end).is_(None), col(Goal.end) >= on_or_after),
            )
            .order_by(col(Goal.id))
        )
    )


def add_goal(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    person_id: int | None,
    team_id: int | None,
    metric: str,
    period_kind: str,
    target: int | None,
    start: date,
    end: date | None,
    stretch_pct: int | None,
    weights: str | None,
    reward: str | None,
    prize: str | None,
    ramp_last: int | None,
    ramp_step: int | None,
    origin: str,
    created_by_id: int,
    created_at: datetime,
    idempotency_key: str | None,
) -> Goal:
    """A new goal version, flushed so it has its id."""
    goal = Goal(
        workspace_id=workspace_id,
        kind=kind,
        person_id=person_id,
        team_id=team_id,
        metric=metric,
        period_kind=period_kind,
        target=target,
        start=start,
        end=end,
        stretch_pct=stretch_pct,
        weights=weights,
        reward=reward,
        prize=prize,
        ramp_last=ramp_last,
        ramp_step=ramp_step,
        origin=origin,
        created_by_id=created_by_id,
        created_at=created_at,
        idempotency_key=idempotency_key,
    )
    session.add(goal)
    session.flush()
    return goal


def mark_removed(session: Session, goal: Goal, removed_at: datetime, removed_by_id: int) -> None:
    """A version that never came into force: removed (the audit trail keeps it)."""
    goal.removed_at, goal.removed_by_id = removed_at, removed_by_id
    session.flush()


def end_on(session: Session, goal: Goal, end: date) -> None:
    """A version that was in force: it ends on `end` and keeps the days before."""
    goal.end = end
    session.flush()


def state(goal: Goal) -> dict[str, Any]:
    """What the audit trail records of a goal."""
    return {
        "id": goal.id,
        "kind": goal.kind,
        "person_id": goal.person_id,
        "team_id": goal.team_id,
        "metric": goal.metric,
        "period": goal.period_kind,
        "target": goal.target,
        "start": goal.start,
        "end": goal.end,
        "stretch_pct": goal.stretch_pct,
        "weights": goal.weights,
        "reward": goal.reward,
        "prize": goal.prize,
        "ramp_last": goal.ramp_last,
        "ramp_step": goal.ramp_step,
        "removed_at": goal.removed_at,
    }


# --- requests ----------------------------------------------------------------------------


def add_request(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    team_id: int | None,
    person_id: int | None,
    payload: str,
    reason: str | None,
    requested_by_id: int,
    created_at: datetime,
    goal_id: int | None = None,
    idempotency_key: str | None = None,
) -> GoalRequest:
    """A new pending request, flushed so it has its id (a second one with the same
    idempotency key fails on the unique index)."""
    request = GoalRequest(
        workspace_id=workspace_id,
        kind=kind,
        team_id=team_id,
        person_id=person_id,
        goal_id=goal_id,
        payload=payload,
        reason=reason,
        requested_by_id=requested_by_id,
        created_at=created_at,
        idempotency_key=idempotency_key,
    )
    session.add(request)
    session.flush()
    return request


def request_by_id(session: Session, workspace_id: int, request_id: int) -> GoalRequest | None:
    return session.scalar(
        sa.select(GoalRequest).where(
            col(GoalRequest.workspace_id) == workspace_id, col(GoalRequest.id) == request_id
        )
    )


def pending_requests(
    session: Session, workspace_id: int, team_ids: Iterable[int] | None = None
) -> list[GoalRequest]:
    query = sa.select(GoalRequest).where(
        col(GoalRequest.workspace_id) == workspace_id, col(GoalRequest.status) == "pending"
    )
    if team_ids is not None:
        query = query.where(col(GoalRequest.team_id).in_(list(team_ids)))
    return list(session.scalars(query.order_by(col(GoalRequest.id))))


def claim_decision(
    session: Session,
    workspace_id: int,
    request_id: int,
    status: str,
    decided_by_id: int,
    now: datetime,
) -> bool:
    """Mark a pending request decided. False when someone decided it first: a second click,
    or another approver at the same moment, changes nothing."""
    result = session.execute(
        sa.update(GoalRequest)
        .where(
            col(GoalRequest.workspace_id) == workspace_id,
            col(GoalRequest.id) == request_id,
            col(GoalRequest.status) == "pending",
        )
        .values(status=status, decided_by_id=decided_by_id, decided_at=now)
    )
    return affected_rows(result) == 1


def set_request_messages(
    session: Session, request: GoalRequest, messages: list[dict[str, str]]
) -> None:
    request.messages = json.dumps(messages)
    session.flush()


# --- locking, idempotency, the audit trail, names -------------------------------------------


def lock_owner(
    session: Session, workspace_id: int, *, person_id: int | None = None, team_id: int | None = None
) -> None:
    """Serialize goal writes for one person or team until the transaction ends, so two
    concurrent writes cannot both pass the overlap check (PostgreSQL: a row lock; SQLite
    writes are already serialized by BEGIN IMMEDIATE)."""
    if person_id is not None:
        session.execute(
            sa.select(col(Person.id))
            .where(col(Person.workspace_id) == workspace_id, col(Person.id) == person_id)
            .with_for_update()
        )
    if team_id is not None:
        session.execute(
            sa.select(col(Team.id))
            .where(col(Team.workspace_id) == workspace_id, col(Team.id) == team_id)
            .with_for_update()
        )


def created_with_key(session: Session, workspace_id: int, idempotency_key: str) -> bool:
    """Whether a goal or a request was already made under this key (a modal's view id)."""
    for model in (Goal, GoalRequest):
        found = session.scalar(
            sa.select(col(model.id)).where(
                col(model.workspace_id) == workspace_id,
                col(model.idempotency_key) == idempotency_key,
            )
        )
        if found is not None:
            return True
    return False


def _history_condition(
    workspace_id: int, person_ids: list[int], team_ids: list[int]
) -> sa.ColumnElement[bool] | None:
    """Audit events about these owners' goals and goal requests; None for no owner."""
    owners_goal: list[sa.ColumnElement[bool]] = []
    owners_request: list[sa.ColumnElement[bool]] = []
    if person_ids:
        owners_goal.append(col(Goal.person_id).in_(person_ids))
        owners_request.append(col(GoalRequest.person_id).in_(person_ids))
    if team_ids:
        owners_goal.append(col(Goal.team_id).in_(team_ids))
        # A team's own requests (about its team goals); members' requests come by person.
        owners_request.append(
            sa.and_(col(GoalRequest.person_id).is_(None), col(GoalRequest.team_id).in_(team_ids))
        )
    if not owners_goal:
        return None
    goal_ids = sa.select(col(Goal.id)).where(
        col(Goal.workspace_id) == workspace_id, sa.or_(*owners_goal)
    )
    request_ids = sa.select(col(GoalRequest.id)).where(
        col(GoalRequest.workspace_id) == workspace_id, sa.or_(*owners_request)
    )
    return sa.and_(
        col(AuditEvent.workspace_id) == workspace_id,
        sa.or_(
            sa.and_(
                col(AuditEvent.subject_type) == "goal",
                col(AuditEvent.subject_id).in_(goal_ids.scalar_subquery()),
            ),
            sa.and_(
                col(AuditEvent.subject_type) == "goal_request",
                col(AuditEvent.subject_id).in_(request_ids.scalar_subquery()),
            ),
        ),
    )


def history_events(
    session: Session,
    workspace_id: int,
    *,
    person_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
    limit: int = 30,
) -> list[AuditEvent]:
    """Audit events about these owners' goals and goal requests, newest first."""
    condition = _history_condition(workspace_id, list(person_ids), list(team_ids))
    if condition is None:
        return []
    return list(
        session.scalars(
            sa.select(AuditEvent).where(condition).order_by(col(AuditEvent.id).desc()).limit(limit)
        )
    )


def people_by_ids(
    session: Session, workspace_id: int, person_ids: Iterable[int]
) -> dict[int, Person]:
    ids = list(set(person_ids))
    if not ids:
        return {}
    rows = session.scalars(
        sa.select(Person).where(col(Person.workspace_id) == workspace_id, col(Person.id).in_(ids))
    )
    return {p.id: p for p in rows if p.id is not None}


def teams_by_ids(session: Session, workspace_id: int, team_ids: Iterable[int]) -> dict[int, Team]:
    ids = list(set(team_ids))
    if not ids:
        return {}
    rows = session.scalars(
        sa.select(Team).where(col(Team.workspace_id) == workspace_id, col(Team.id).in_(ids))
    )
    return {t.id: t for t in rows if t.id is not None}


def admins(session: Session, workspace_id: int, env_admin_ids: Iterable[str]) -> list[Person]:
    """Known workspace admins: Slack owners/admins and the PACELINE_ADMINS people we have met."""
    env_ids = list(env_admin_ids)
    is_admin: sa.ColumnElement[bool] = col(Person.slack_admin).is_(True)
    if env_ids:
        is_admin = sa.or_(is_admin, col(Person.slack_user_id).in_(env_ids))
    return list(
        session.scalars(
            sa.select(Person)
            .where(
                col(Person.workspace_id) == workspace_id,
                col(Person.is_bot).is_(False),
                col(Person.deactivated).is_(False),
                col(Person.slack_user_id).is_not(None),
                is_admin,
            )
            .order_by(col(Person.id))
        )
    )


# --- the versions of a goal and why each was set -----------------------------------------------


def versions(
    session: Session,
    workspace_id: int,
    *,
    person_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
) -> list[Goal]:
    """Every version (a Goal row that was not removed) of these owners' goals, past, present
    and coming, in the order they start. A removed row never was in force: the audit trail
    keeps it."""
    owners = _goal_owners(person_ids, team_ids)
    if not owners:
        return []
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                col(Goal.workspace_id) == workspace_id,
                sa.or_(*owners),
                col(Goal.removed_at).is_(None),
            )
            .order_by(col(Goal.start), col(Goal.id))
        )
    )


def set_reasons(
    session: Session, workspace_id: int, goal_ids: Iterable[int]
) -> dict[int, str | None]:
    """goal id → the reason given when it was set (its `goal.create` audit event)."""
    ids = sorted(set(goal_ids))
    if not ids:
        return {}
    rows = session.execute(
        sa.select(col(AuditEvent.subject_id), col(AuditEvent.reason)).where(
            col(AuditEvent.workspace_id) == workspace_id,
            col(AuditEvent.subject_type) == "goal",
            col(AuditEvent.action) == "goal.create",
            col(AuditEvent.subject_id).in_(ids),
        )
    )
    return {int(subject_id): reason for subject_id, reason in rows if subject_id is not None}


def history_event_count(
    session: Session,
    workspace_id: int,
    *,
    person_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
) -> int:
    """How many audit events history_events() would find without its limit."""
    condition = _history_condition(workspace_id, list(person_ids), list(team_ids))
    if condition is None:
        return 0
    return int(session.scalar(sa.select(sa.func.count(col(AuditEvent.id))).where(condition)) or 0)


def count_with_origin(session: Session, workspace_id: int, origin: str) -> int:
    """How many goals (every version, removed ones too) have `origin` (set, demo, import…)."""
    total = session.scalar(
        sa.select(sa.func.count(col(Goal.id))).where(
            col(Goal.workspace_id) == workspace_id, col(Goal.origin) == origin
        )
    )
    return int(total or 0)
