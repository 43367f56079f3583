"""People: Slack users (and, later, unlinked imported people) of one workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.models import Person


@dataclass(frozen=True)
class SlackProfile:
    """What `users.info` tells us about a person."""

    user_id: str
    name: str
    real_name: str | None
    display_name: str | None
    email: str | None
    tz: str | None
    slack_admin: bool
    is_bot: bool
    deactivated: bool


def by_slack_id(session: Session, workspace_id: int, slack_user_id: str) -> Person | None:
    return session.scalar(
        sa.select(Person).where(
            col(Person.workspace_id) == workspace_id, col(Person.slack_user_id) == slack_user_id
        )
    )


def by_id(session: Session, workspace_id: int, person_id: int) -> Person | None:
    return session.scalar(
        sa.select(Person).where(
            col(Person.workspace_id) == workspace_id, col(Person.id) == person_id
        )
    )


def by_name(session: Session, workspace_id: int, name: str) -> list[Person]:
    """People whose handle, display name or real name is `name` (case-insensitive)."""
    wanted = name.lower()
    return list(
        session.scalars(
            sa.select(Person)
            .where(
                col(Person.workspace_id) == workspace_id,
                sa.or_(
                    sa.func.lower(col(Person.name)) == wanted,
                    sa.func.lower(col(Person.display_name)) == wanted,
                    sa.func.lower(col(Person.real_name)) == wanted,
                ),
            )
            .order_by(col(Person.id))
        )
    )


def upsert_from_slack(
    session: Session, workspace_id: int, profile: SlackProfile, now: datetime
) -> Person:
    """Create or refresh the person a Slack profile describes; safe under concurrent calls."""
    fields = {
        "name": profile.name,
        "real_name": profile.real_name,
        "display_name": profile.display_name,
        "email": profile.email,
        "tz": profile.tz,
        "slack_admin": profile.slack_admin,
        "is_bot": profile.is_bot,
        "deactivated": profile.deactivated,
        "refreshed_at": now,
    }
    existing = by_slack_id(session, workspace_id, profile.user_id)
    if existing is None:
        try:
            with session.begin_nested():
                session.execute(
                    sa.insert(Person).values(
                        workspace_id=workspace_id,
                        slack_user_id=profile.user_id,
                        created_at=now,
                        **fields,
                    )
                )
        except IntegrityError:
            pass  # created by a concurrent request; refresh it below
        existing = by_slack_id(session, workspace_id, profile.user_id)
        assert existing is not None
    for key, value in fields.items():
        setattr(existing, key, value)
    session.flush()
    return existing


def set_start_date(session: Session, person: Person, start: date | None) -> None:
    person.start_date = start
    session.flush()


def linked_to_slack(session: Session, workspace_id: int) -> list[Person]:
    """The people of a workspace who have a Slack user id, oldest first."""
    return list(
        session.scalars(
            sa.select(Person)
            .where(col(Person.workspace_id) == workspace_id, col(Person.slack_user_id).is_not(None))
            .order_by(col(Person.id))
        )
    )
