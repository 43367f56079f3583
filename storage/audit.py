"""The append-only audit trail: rows are inserted, never updated or deleted."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from storage.models import AuditEvent


def record(
    session: Session,
    *,
    workspace_id: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    session.execute(
        sa.insert(AuditEvent).values(
            workspace_id=workspace_id,
            at=at,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            before=_json(before),
            after=_json(after),
            reason=reason,
        )
    )


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(*_args: object) -> None:
    raise RuntimeError("the audit trail is append-only")
