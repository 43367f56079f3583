"""Goals and the requests (proposals, approvals) that change them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.db import Executor, connection_of
from storage.models import Goal, GoalRequest, TeamMember

PERSON_KINDS = ("individual", "ramp")

_GOAL = Goal.__table__
_MEMBER = TeamMember.__table__
# Does any goal (own, ramp, or the team's all-or-nothing) cover these metrics on this day?
# One statement, so a /log by someone without goals costs nothing more.
_GOAL_IDS_FOR_LOG = sa.select(_GOAL.c.id).where(
    _GOAL.c.workspace_id == sa.bindparam("workspace_id"),
    _GOAL.c.removed_at.is_(None),
    _GOAL.c.start <= sa.bindparam("day"),
    sa.or_(_GOAL.c.end.is_(None), _GOAL.c.end >= sa.bindparam("day")),
    _GOAL.c.metric.in_(sa.bindparam("metrics", expanding=True)),
    sa.or_(
        _GOAL.c.person_id == sa.bindparam("person_id"),
        sa.and_(
            _GOAL.c.kind == "collective",
            _GOAL.c.team_id.in_(
                sa.select(_MEMBER.c.team_id).where(
                    _MEMBER.c.workspace_id == sa.bindparam("workspace_id"),
                    _MEMBER.c.person_id == sa.bindparam("person_id"),
                )
            ),
        ),
    ),
).limit(1)


def any_for_log(session: Executor, workspace_id: int, person_id: int, metrics: list[str], day: date) -> bool:
    row = connection_of(session).execute(
        _GOAL_IDS_FOR_LOG,
        {"workspace_id": workspace_id, "person_id": person_id, "metrics": metrics, "day": day},
    ).first()
    return row is not None
TEAM_KINDS = ("team", "collective", "contest")


def _live_between(start: date, end: date) -> list[sa.ColumnElement[bool]]:
    return [
        Goal.removed_at.is_(None),
        Goal.start <= end,
        sa.or_(Goal.end.is_(None), Goal.end >= start),
    ]


def by_id(session: Session, workspace_id: int, goal_id: int) -> Goal | None:
    return session.scalar(sa.select(Goal).where(Goal.workspace_id == workspace_id, Goal.id == goal_id))


def for_person(session: Session, workspace_id: int, person_id: int, start: date, end: date) -> list[Goal]:
    """A person's own goals (individual and ramp) live at some point in [start, end]."""
    return list(
        session.scalars(
            sa.select(Goal)
            .where(Goal.workspace_id == workspace_id, Goal.person_id == person_id, *_live_between(start, end))
            .order_by(Goal.id)
        )
    )


def for_team(session: Session, workspace_id: int, team_id: int, start: date, end: date) -> list[Goal]:
    """The team's own goals and every member's personal goals, in one query."""
    members = sa.select(TeamMember.person_id).where(
        TeamMember.workspace_id == workspace_id, TeamMember.team_id == team_id
    )
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                Goal.workspace_id == workspace_id,
                sa.or_(Goal.team_id == team_id, Goal.person_id.in_(members.scalar_subquery())),
                *_live_between(start, end),
            )
            .order_by(Goal.id)
        )
    )


def for_teams_of(session: Session, workspace_id: int, team_ids: Iterable[int], start: date, end: date) -> list[Goal]:
    return list(
        session.scalars(
            sa.select(Goal)
            .where(Goal.workspace_id == workspace_id, Goal.team_id.in_(list(team_ids)), *_live_between(start, end))
            .order_by(Goal.id)
        )
    )


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
    owner = Goal.person_id == person_id if person_id is not None else Goal.team_id == team_id
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                Goal.workspace_id == workspace_id,
                owner,
                Goal.kind.in_(kinds),
                Goal.metric == metric,
                Goal.period_kind == period_kind,
                *_live_between(start, end or date.max),
            )
            .order_by(Goal.id)
        )
    )


def listed(
    session: Session,
    workspace_id: int,
    *,
    person_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
    on_or_after: date,
) -> list[Goal]:
    """Goals that still matter (not removed, not ended before `on_or_after`) of these owners."""
    owners = []
    if person_ids:
        owners.append(Goal.person_id.in_(list(person_ids)))
    if team_ids:
        owners.append(Goal.team_id.in_(list(team_ids)))
    if not owners:
        return []
    return list(
        session.scalars(
            sa.select(Goal)
            .where(
                Goal.workspace_id == workspace_id,
                sa.or_(*owners),
                Goal.removed_at.is_(None),
                sa.or_(Goal.end.is_(None), Goal.end >= on_or_after),
            )
            .order_by(Goal.id)
        )
    )


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


def add_request(session: Session, request: GoalRequest) -> GoalRequest:
    session.add(request)
    session.flush()
    return request


def request_by_id(session: Session, workspace_id: int, request_id: int) -> GoalRequest | None:
    return session.scalar(
        sa.select(GoalRequest).where(GoalRequest.workspace_id == workspace_id, GoalRequest.id == request_id)
    )


def pending_requests(session: Session, workspace_id: int, team_ids: Iterable[int] | None = None) -> list[GoalRequest]:
    query = sa.select(GoalRequest).where(GoalRequest.workspace_id == workspace_id, GoalRequest.status == "pending")
    if team_ids is not None:
        query = query.where(GoalRequest.team_id.in_(list(team_ids)))
    return list(session.scalars(query.order_by(GoalRequest.id)))


def claim_decision(
    session: Session, workspace_id: int, request_id: int, status: str, decided_by_id: int, now: datetime
) -> bool:
    """Mark a pending request decided. False when someone decided it first: a second click,
    or another approver at the same moment, changes nothing."""
    result = session.execute(
        sa.update(GoalRequest)
        .where(
            GoalRequest.workspace_id == workspace_id,
            GoalRequest.id == request_id,
            GoalRequest.status == "pending",
        )
        .values(status=status, decided_by_id=decided_by_id, decided_at=now)
    )
    return result.rowcount == 1


def set_request_messages(session: Session, request: GoalRequest, messages: list[dict[str, str]]) -> None:
    request.messages = json.dumps(messages)
    session.flush()
