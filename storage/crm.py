"""CRM sync's rows: the connection, the CRM's owners, the facts kept of each object, and the
entries derived from them. A page of objects is written in one transaction with its cursor,
so a sync stopped anywhere and run again ends in the same state."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.models import (
    AuditEvent,
    CrmConnection,
    CrmOwner,
    CrmRecord,
    Entry,
    Person,
    Team,
    TeamMember,
)
from storage.rows import affected_rows, non_null_col, table_of

_ENTRY = table_of(Entry)
_RECORD = table_of(CrmRecord)
_AUDIT = table_of(AuditEvent)
_OWNER = table_of(CrmOwner)
CRM_PERSON_NAME = "hubspot"

# ---------------------------------------------------------------------- connection


def connection(session: Session, workspace_id: int, provider: str) -> CrmConnection | None:
    return session.scalar(
        sa.select(CrmConnection).where(
            col(CrmConnection.workspace_id) == workspace_id, col(CrmConnection.provider) == provider
        )
    )


def active_connections(session: Session, provider: str) -> list[CrmConnection]:
    return list(
        session.scalars(
            sa.select(CrmConnection)
            .where(col(CrmConnection.provider) == provider, col(CrmConnection.active).is_(True))
            .order_by(col(CrmConnection.workspace_id))
        )
    )


def connect(
    session: Session, workspace_id: int, provider: str, token_encrypted: str | None, now: datetime
) -> CrmConnection:
    """Create or re-activate the workspace's connection with this token; the cursors stay, so
    a reconnect goes on where the last sync stopped."""
    found = connection(session, workspace_id, provider)
    if found is None:
        found = CrmConnection(
            workspace_id=workspace_id, provider=provider, created_at=now, updated_at=now
        )
        session.add(found)
    found.token_encrypted = token_encrypted
    found.active = True
    found.last_error = None
    found.last_error_at = None
    found.updated_at = now
    session.flush()
    return found


def disconnect(session: Session, workspace_id: int, provider: str, now: datetime) -> bool:
    """Forget the token and stop syncing. Synced entries stay: they are the team's history."""
    found = connection(session, workspace_id, provider)
    if found is None or (not found.active and found.token_encrypted is None):
        return False
    found.active = False
    found.token_encrypted = None
    found.lock_owner = None
    found.lock_until = None
    found.updated_at = now
    return True


def set_mapping(session: Session, connection_id: int, mapping_json: str, now: datetime) -> None:
    session.execute(
        sa.update(CrmConnection)
        .where(col(CrmConnection.id) == connection_id)
        .values(mapping=mapping_json, updated_at=now)
    )


def save_cursors(
    session: Session, connection_id: int, cursors: dict[str, str], now: datetime
) -> None:
    session.execute(
        sa.update(CrmConnection)
        .where(col(CrmConnection.id) == connection_id)
        .values(cursors=json.dumps(cursors, sort_keys=True), updated_at=now)
    )


def save_page(
    session: Session,
    connection_id: int,
    owner: str,
    cursors: dict[str, str],
    now: datetime,
    lease: timedelta,
) -> bool:
    """A page's cursor and the lease renewed, in one statement; False when another instance
    took the sync over (the caller rolls the page back)."""
    saved = session.execute(
        sa.update(CrmConnection)
        .where(col(CrmConnection.id) == connection_id, col(CrmConnection.lock_owner) == owner)
        .values(cursors=json.dumps(cursors, sort_keys=True), lock_until=now + lease, updated_at=now)
    )
    return bool(affected_rows(saved))


def refresh_statistics(session: Session) -> None:
    """PostgreSQL plans a first backfill's lookups on an empty crm_record's statistics (an
    index scan by owner, slower with every page); fresh statistics pick the object's own."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ANALYZE crm_record"))


def finish(session: Session, connection_id: int, now: datetime, error: str | None) -> None:
    """The end of a run: when it finished, or why it stopped."""
    values: dict[str, Any] = {"updated_at": now}
    if error is None:
        values.update(last_sync_at=now, last_error=None, last_error_at=None)
    else:
        values.update(last_error=error[:2000], last_error_at=now)
    session.execute(
        sa.update(CrmConnection).where(col(CrmConnection.id) == connection_id).values(**values)
    )


def take_lock(
    session: Session, connection_id: int, owner: str, now: datetime, lease: timedelta
) -> bool:
    """One instance syncs a workspace at a time: the row's lease goes to whoever finds it free
    (or expired, or already theirs); the conditional UPDATE decides between two at once."""
    taken = session.execute(
        sa.update(CrmConnection)
        .where(
            col(CrmConnection.id) == connection_id,
            col(CrmConnection.active).is_(True),
            sa.or_(
                col(CrmConnection.lock_until).is_(None),
                col(CrmConnection.lock_until) < now,
                col(CrmConnection.lock_owner) == owner,
            ),
        )
        .values(lock_owner=owner, lock_until=now + lease)
    )
    return bool(affected_rows(taken))


def release_lock(session: Session, connection_id: int, owner: str) -> None:
    session.execute(
        sa.update(CrmConnection)
        .where(col(CrmConnection.id) == connection_id, col(CrmConnection.lock_owner) == owner)
        .values(lock_owner=None, lock_until=None)
    )


# ---------------------------------------------------------------------- people


def crm_person_id(session: Session, workspace_id: int, now: datetime) -> int:
    """The bot person synced entries are entered by and CRM changes are audited as: never a
    rep's own entries, so a rep's `/log undo` never takes them."""
    found = session.scalar(
        sa.select(col(Person.id))
        .where(
            col(Person.workspace_id) == workspace_id,
            col(Person.slack_user_id).is_(None),
            col(Person.is_bot).is_(True),
            col(Person.name) == CRM_PERSON_NAME,
        )
        .order_by(col(Person.id))
    )
    if found is not None:
        return found
    return session.execute(
        sa.insert(Person)
        .values(
            workspace_id=workspace_id,
            slack_user_id=None,
            name=CRM_PERSON_NAME,
            real_name="HubSpot",
            is_bot=True,
            created_at=now,
            refreshed_at=now,
        )  # fmt: skip
        .returning(non_null_col(Person.id))
    ).scalar_one()


@dataclass(frozen=True)
class Candidate:
    """A person an owner may be: their id, email and the names they go by."""

    person_id: int
    email: str | None
    names: tuple[str, ...]


def match_candidates(session: Session, workspace_id: int) -> list[Candidate]:
    rows = session.execute(
        sa.select(
            non_null_col(Person.id),
            col(Person.email),
            col(Person.name),
            col(Person.real_name),
            col(Person.display_name),
        ).where(
            col(Person.workspace_id) == workspace_id,
            col(Person.is_bot).is_(False),
            col(Person.deactivated).is_(False),
        )
    )
    return [
        Candidate(pid, email, tuple(n for n in (name, real, display) if n))
        for pid, email, name, real, display in rows
    ]


def owners(session: Session, workspace_id: int, provider: str) -> list[CrmOwner]:
    return list(
        session.scalars(
            sa.select(CrmOwner)
            .where(col(CrmOwner.workspace_id) == workspace_id, col(CrmOwner.provider) == provider)
            .order_by(col(CrmOwner.owner_id))
        )
    )


def owner_people(session: Session, workspace_id: int, provider: str) -> dict[str, int]:
    """Owner id → person id, for the owners matched or linked."""
    rows = session.execute(
        sa.select(col(CrmOwner.owner_id), non_null_col(CrmOwner.person_id)).where(
            col(CrmOwner.workspace_id) == workspace_id,
            col(CrmOwner.provider) == provider,
            col(CrmOwner.person_id).is_not(None),
        )
    )
    return {owner_id: int(person_id) for owner_id, person_id in rows}


def person_zones(
    session: Session, workspace_id: int, person_ids: Collection[int]
) -> dict[int, str]:
    """The zone each person's days are counted in: their team's, else their own, else UTC."""
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(non_null_col(Person.id), col(Team.tz), col(Person.tz))
        .outerjoin(
            TeamMember,
            sa.and_(
                col(TeamMember.person_id) == col(Person.id),
                col(TeamMember.workspace_id) == workspace_id,
            ),
        )
        .outerjoin(Team, col(Team.id) == col(TeamMember.team_id))
        .where(col(Person.workspace_id) == workspace_id, col(Person.id).in_(sorted(person_ids)))
    )
    return {pid: team_tz or own_tz or "UTC" for pid, team_tz, own_tz in rows}


def link_owner(
    session: Session,
    workspace_id: int,
    provider: str,
    owner_id: str,
    person_id: int | None,
    matched_by: str | None,
    now: datetime,
) -> None:
    session.execute(
        sa.update(CrmOwner)
        .where(
            col(CrmOwner.workspace_id) == workspace_id,
            col(CrmOwner.provider) == provider,
            col(CrmOwner.owner_id) == owner_id,
        )
        .values(person_id=person_id, matched_by=matched_by, updated_at=now)
    )


def save_owners(
    session: Session,
    workspace_id: int,
    provider: str,
    found: Sequence[tuple[str, str | None, str | None, str | None]],
    now: datetime,
) -> dict[str, CrmOwner]:
    """Every owner the CRM listed (id, email, first, last), stored or refreshed: one read, an
    insert of the new ones and an update of those whose details changed."""
    stored = {o.owner_id: o for o in owners(session, workspace_id, provider)}
    new = [
        {
            "workspace_id": workspace_id,
            "provider": provider,
            "owner_id": oid,
            "email": email,
            "first_name": first,
            "last_name": last,
            "updated_at": now,
        }  # fmt: skip
        for oid, email, first, last in found
        if oid not in stored
    ]
    if new:
        session.execute(sa.insert(_OWNER), new)
    changed = [
        {
            "row_id": stored[oid].id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "updated_at": now,
        }
        for oid, email, first, last in found
        if oid in stored
        and (stored[oid].email, stored[oid].first_name, stored[oid].last_name)
        != (email, first, last)
    ]
    if changed:
        session.execute(sa.update(_OWNER).where(_OWNER.c.id == sa.bindparam("row_id")), changed)
    if new or changed:
        session.expire_all()
        stored = {o.owner_id: o for o in owners(session, workspace_id, provider)}
    return stored


def mark_reported(session: Session, owner_row_ids: Collection[int], now: datetime) -> None:
    if owner_row_ids:
        session.execute(
            sa.update(CrmOwner)
            .where(col(CrmOwner.id).in_(sorted(owner_row_ids)))
            .values(reported_at=now)
        )


def owners_of_person(
    session: Session, workspace_id: int, provider: str, person_id: int
) -> list[str]:
    return list(
        session.scalars(
            sa.select(col(CrmOwner.owner_id)).where(
                col(CrmOwner.workspace_id) == workspace_id,
                col(CrmOwner.provider) == provider,
                col(CrmOwner.person_id) == person_id,
            )
        )
    )


# ---------------------------------------------------------------------- records


@dataclass(frozen=True)
class StoredRecord:
    id: int
    object_type: str
    object_id: str
    owner_id: str | None
    facts: str
    archived: bool


def _stored(row: sa.Row) -> StoredRecord:
    return StoredRecord(
        row.id, row.object_type, row.object_id, row.owner_id, row.facts, row.archived
    )


_RECORD_COLUMNS = (
    _RECORD.c.id,
    _RECORD.c.object_type,
    _RECORD.c.object_id,
    _RECORD.c.owner_id,
    _RECORD.c.facts,
    _RECORD.c.archived,
)


def records(
    session: Session,
    workspace_id: int,
    provider: str,
    object_type: str,
    object_ids: Collection[str],
) -> dict[str, StoredRecord]:
    if not object_ids:
        return {}
    rows = session.execute(
        sa.select(*_RECORD_COLUMNS).where(
            _RECORD.c.workspace_id == workspace_id,
            _RECORD.c.provider == provider,
            _RECORD.c.object_type == object_type,
            _RECORD.c.object_id.in_(sorted(object_ids)),
        )
    )
    return {row.object_id: _stored(row) for row in rows}


def records_of_owners(
    session: Session, workspace_id: int, provider: str, owner_ids: Collection[str]
) -> list[StoredRecord]:
    if not owner_ids:
        return []
    rows = session.execute(
        sa.select(*_RECORD_COLUMNS)
        .where(
            _RECORD.c.workspace_id == workspace_id,
            _RECORD.c.provider == provider,
            _RECORD.c.owner_id.in_(sorted(owner_ids)),
            _RECORD.c.archived.is_(False),
        )
        .order_by(_RECORD.c.id)
    )
    return [_stored(row) for row in rows]


def all_live_records(
    session: Session, workspace_id: int, provider: str, after_id: int, limit: int
) -> list[StoredRecord]:
    """A slice of the live records in id order, for re-deriving them all (a mapping change)."""
    rows = session.execute(
        sa.select(*_RECORD_COLUMNS)
        .where(
            _RECORD.c.workspace_id == workspace_id,
            _RECORD.c.provider == provider,
            _RECORD.c.archived.is_(False),
            _RECORD.c.id > after_id,
        )
        .order_by(_RECORD.c.id)
        .limit(limit)
    )
    return [_stored(row) for row in rows]


@dataclass(frozen=True)
class RecordWrite:
    object_type: str
    object_id: str
    owner_id: str | None
    facts: str
    archived: bool
    modified_at: datetime


def insert_records(
    session: Session, workspace_id: int, provider: str, rows: Sequence[RecordWrite], now: datetime
) -> None:
    # executemany: one statement text whatever the page's size, so it is built once and
    # prepared once (a multi-row VALUES is rebuilt per page and fills SQLite's statement cache).
    if rows:
        session.execute(
            sa.insert(_RECORD),
            [
                {
                    "workspace_id": workspace_id,
                    "provider": provider,
                    "object_type": r.object_type,
                    "object_id": r.object_id,
                    "owner_id": r.owner_id,
                    "facts": r.facts,
                    "archived": r.archived,
                    "modified_at": r.modified_at,
                    "synced_at": now,
                }  # fmt: skip
                for r in rows
            ],
        )


def update_records(
    session: Session, changes: Sequence[tuple[int, RecordWrite]], now: datetime
) -> None:
    if changes:
        session.execute(
            sa.update(_RECORD).where(_RECORD.c.id == sa.bindparam("record_id")),
            [
                {
                    "record_id": record_id,
                    "owner_id": r.owner_id,
                    "facts": r.facts,
                    "archived": r.archived,
                    "modified_at": r.modified_at,
                    "synced_at": now,
                }  # fmt: skip
                for record_id, r in changes
            ],
        )


def record_counts(session: Session, workspace_id: int, provider: str) -> dict[str, int]:
    rows = session.execute(
        sa.select(_RECORD.c.object_type, sa.func.count())
        .where(
            _RECORD.c.workspace_id == workspace_id,
            _RECORD.c.provider == provider,
            _RECORD.c.archived.is_(False),
        )
        .group_by(_RECORD.c.object_type)
    )
    return {kind: int(n) for kind, n in rows}


# ---------------------------------------------------------------------- entries


@dataclass(frozen=True)
class SyncedEntry:
    id: int
    external_ref: str
    person_id: int
    metric: str
    day: date
    quantity: int


def live_entries(session: Session, workspace_id: int, refs: Collection[str]) -> list[SyncedEntry]:
    if not refs:
        return []
    rows = session.execute(
        sa.select(
            _ENTRY.c.id,
            _ENTRY.c.external_ref,
            _ENTRY.c.person_id,
            _ENTRY.c.metric,
            _ENTRY.c.day,
            _ENTRY.c.quantity,
        )
        .where(
            _ENTRY.c.workspace_id == workspace_id,
            _ENTRY.c.external_ref.in_(sorted(refs)),
            _ENTRY.c.deleted_at.is_(None),
        )
        .order_by(_ENTRY.c.id)
    )
    return [SyncedEntry(*row) for row in rows]


@dataclass(frozen=True)
class EntryWrite:
    external_ref: str
    batch_id: str
    person_id: int
    metric: str
    day: date
    quantity: int
    source: str


def insert_entries(
    session: Session,
    workspace_id: int,
    rows: Sequence[EntryWrite],
    entered_by_id: int,
    now: datetime,
) -> None:
    if rows:
        session.execute(
            sa.insert(_ENTRY),
            [
                {
                    "workspace_id": workspace_id,
                    "person_id": r.person_id,
                    "metric": r.metric,
                    "day": r.day,
                    "quantity": r.quantity,
                    "note": None,
                    "kind": "log",
                    "source": r.source,
                    "batch_id": r.batch_id,
                    "entered_by_id": entered_by_id,
                    "created_at": now,
                    "idempotency_key": None,
                    "external_ref": r.external_ref,
                }  # fmt: skip
                for r in rows
            ],
        )


def correct_entries(session: Session, changes: Sequence[tuple[int, int, date, int]]) -> None:
    """(entry id, person, day, quantity): a synced entry follows its object."""
    if changes:
        session.execute(
            sa.update(_ENTRY).where(_ENTRY.c.id == sa.bindparam("entry_id")),
            [{"entry_id": i, "person_id": p, "day": d, "quantity": q} for i, p, d, q in changes],
        )


def remove_entries(
    session: Session, entry_ids: Collection[int], removed_by_id: int, now: datetime
) -> None:
    if entry_ids:
        session.execute(
            sa.update(_ENTRY)
            .where(_ENTRY.c.id.in_(sorted(entry_ids)), _ENTRY.c.deleted_at.is_(None))
            .values(deleted_at=now, deleted_by_id=removed_by_id)
        )


def audit_many(
    session: Session,
    workspace_id: int,
    actor_id: int,
    now: datetime,
    events: Iterable[dict[str, Any]],
) -> int:
    """Audit rows of one page together: action, subject_id, before, after, reason per event."""
    rows = [
        {
            "workspace_id": workspace_id,
            "at": now,
            "actor_id": actor_id,
            "action": e["action"],
            "subject_type": "entry",
            "subject_id": e.get("subject_id"),
            "before": _json(e.get("before")),
            "after": _json(e.get("after")),
            "reason": (e.get("reason") or "")[:500] or None,
        }  # fmt: skip
        for e in events
    ]
    if rows:
        session.execute(sa.insert(_AUDIT), rows)
    return len(rows)


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


def synced_entry_counts(session: Session, workspace_id: int) -> dict[str, int]:
    rows = session.execute(
        sa.select(_ENTRY.c.metric, sa.func.count())
        .where(
            _ENTRY.c.workspace_id == workspace_id,
            _ENTRY.c.external_ref.is_not(None),
            _ENTRY.c.deleted_at.is_(None),
        )
        .group_by(_ENTRY.c.metric)
    )
    return {metric: int(n) for metric, n in rows}
