"""What App Home reads beyond the reports: a person's last entries, undoing one of them, the
goal requests waiting for a person's decision, and the period each person chose to see."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.models import Entry, GoalRequest, Person, TeamMember
from storage.rows import affected_rows


def last_entries(
    session: Session, workspace_id: int, entered_by_id: int, limit: int = 5
) -> list[Entry]:
    """The live entries this person entered (for themselves or, as a manager, for a rep),
    newest first: the ones their Undo buttons may remove. Served by the undo index."""
    return list(
        session.scalars(
            sa.select(Entry)
            .where(
                col(Entry.workspace_id) == workspace_id,
                col(Entry.entered_by_id) == entered_by_id,
                col(Entry.deleted_at).is_(None),
            )
            .order_by(col(Entry.id).desc())
            .limit(limit)
        )
    )


def entry_by_id(session: Session, workspace_id: int, entry_id: int) -> Entry | None:
    return session.scalar(
        sa.select(Entry).where(col(Entry.workspace_id) == workspace_id, col(Entry.id) == entry_id)
    )


def undo_entry(
    session: Session, workspace_id: int, entry_id: int, entered_by_id: int, now: datetime
) -> bool:
    """Soft-delete one live entry that `entered_by_id` entered. False when it was not
    live (a second click, or another instance's click at the same moment) or not theirs:
    the condition is in the UPDATE, so two clicks can never both remove it."""
    result = session.execute(
        sa.update(Entry)
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.id) == entry_id,
            col(Entry.entered_by_id) == entered_by_id,
            col(Entry.deleted_at).is_(None),
        )
        .values(deleted_at=now, deleted_by_id=entered_by_id)
    )
    return affected_rows(result) == 1


def pending_for_decider(
    session: Session,
    workspace_id: int,
    person_id: int,
    team_ids: Collection[int],
    is_admin: bool,
    limit: int,
) -> tuple[list[GoalRequest], int]:
    """Pending requests this person may decide, oldest first (at most `limit`), and how
    many there are in all. Admins decide everything; managers the proposals of the reps
    in their teams now (a rep who moved since proposing is their new team's); nobody
    their own request (the rules of bot.services.goals.decisions.may_decide)."""
    conditions = [
        col(GoalRequest.workspace_id) == workspace_id,
        col(GoalRequest.status) == "pending",
        col(GoalRequest.requested_by_id) != person_id,
    ]
    if not is_admin:
        if not team_ids:
            return [], 0
        members = sa.select(col(TeamMember.person_id)).where(
            col(TeamMember.workspace_id) == workspace_id,
            col(TeamMember.team_id).in_(list(team_ids)),
        )
        conditions += [
            col(GoalRequest.kind) == "proposal",
            sa.or_(
                col(GoalRequest.person_id).in_(members),
                sa.and_(
                    col(GoalRequest.person_id).is_(None),
                    col(GoalRequest.team_id).in_(list(team_ids)),
                ),
            ),
        ]
    rows = list(
        session.scalars(
            sa.select(GoalRequest).where(*conditions).order_by(col(GoalRequest.id)).limit(limit)
        )
    )
    if len(rows) < limit:
        return rows, len(rows)
    total = (
        session.scalar(sa.select(sa.func.count()).select_from(GoalRequest).where(*conditions)) or 0
    )
    return rows, int(total)


def request_with_key(
    session: Session, workspace_id: int, idempotency_key: str
) -> GoalRequest | None:
    return session.scalar(
        sa.select(GoalRequest).where(
            col(GoalRequest.workspace_id) == workspace_id,
            col(GoalRequest.idempotency_key) == idempotency_key,
        )
    )


def home_period(session: Session, workspace_id: int, person_id: int) -> str | None:
    """The period this person last chose on their Home (None: never chose; the caller
    decides the default and ignores values it does not know)."""
    return session.scalar(
        sa.select(col(Person.home_period)).where(
            col(Person.workspace_id) == workspace_id, col(Person.id) == person_id
        )
    )


def set_home_period(session: Session, workspace_id: int, person_id: int, period: str) -> bool:
    """Remember the period this person chose; only their own row. False when they are unknown."""
    result = session.execute(
        sa.update(Person)
        .where(col(Person.workspace_id) == workspace_id, col(Person.id) == person_id)
        .values(home_period=period)
    )
    return affected_rows(result) == 1
