"""Storage for `paceline import` and `/team link`: imported entries by idempotency key,
people not in Slack yet ("unlinked"), and merging one of them into a Slack user's person."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.db import Executor, connection_of
from storage.models import (
    AuditEvent,
    Entry,
    Goal,
    GoalRequest,
    Person,
    Team,
    TeamManager,
    TeamMember,
    TimeOff,
    Workspace,
)
from storage.rows import affected_rows, non_null_col, table_of

# The person imported entries are entered by: never a Slack user, so no one's `/log undo`
# can reach an import, and a bot, so no team, match or link ever picks it.
IMPORTER_NAME = "paceline-import"
LINK_ACTION = "person.link"

_ENTRY = table_of(Entry)
_PERSON = table_of(Person)


def workspaces(session: Session) -> list[tuple[int, str]]:
    """(id, Slack team id) of every workspace, oldest first."""
    return [
        (i, t)
        for i, t in session.execute(
            sa.select(non_null_col(Workspace.id), col(Workspace.slack_team_id)).order_by(
                col(Workspace.id)
            )
        )
    ]


def workspace_id_of(session: Session, slack_team_id: str) -> int | None:
    return session.scalar(
        sa.select(col(Workspace.id)).where(col(Workspace.slack_team_id) == slack_team_id)
    )


def people_rows(session: Session, workspace_id: int) -> list[sa.Row]:
    """Every person of the workspace as a plain row: who the importer can match names to."""
    p = _PERSON.c
    return list(
        session.execute(
            sa.select(
                p.id,
                p.slack_user_id,
                p.name,
                p.real_name,
                p.display_name,
                p.email,
                p.is_bot,
                p.deactivated,
            )
            .where(p.workspace_id == workspace_id)
            .order_by(p.id)
        )
    )


def unlinked_people(session: Session, workspace_id: int) -> list[Person]:
    """People imported from a file who are not linked to a Slack user yet, by name."""
    return list(
        session.scalars(
            sa.select(Person)
            .where(
                col(Person.workspace_id) == workspace_id,
                col(Person.slack_user_id).is_(None),
                col(Person.is_bot).is_(False),
            )
            .order_by(sa.func.lower(col(Person.name)))
        )
    )


def link_aliases(session: Session, workspace_id: int) -> list[tuple[str, int]]:
    """(imported name, person id) for every `/team link`: the audit trail remembers which
    name became whom, so a later import of the same file finds the linked person."""
    rows = session.execute(
        sa.select(col(AuditEvent.before), col(AuditEvent.after))
        .where(col(AuditEvent.workspace_id) == workspace_id, col(AuditEvent.action) == LINK_ACTION)
        .order_by(col(AuditEvent.id))
    )
    found = []
    for before, after in rows:
        name = json.loads(before or "{}").get("name")
        person_id = json.loads(after or "{}").get("person_id")
        if name and person_id:
            found.append((str(name), int(person_id)))
    return found


def importer_person_id(session: Session, workspace_id: int, now: datetime) -> int:
    found = session.scalar(
        sa.select(col(Person.id))
        .where(
            col(Person.workspace_id) == workspace_id,
            col(Person.slack_user_id).is_(None),
            col(Person.is_bot).is_(True),
            col(Person.name) == IMPORTER_NAME,
        )
        .order_by(col(Person.id))
    )
    if found is not None:
        return found
    return _add_person(
        session, workspace_id, IMPORTER_NAME, now, real_name="Paceline import", is_bot=True
    )


def add_unlinked_person(session: Session, workspace_id: int, name: str, now: datetime) -> int:
    return _add_person(session, workspace_id, name, now, real_name=name)


def _add_person(
    session: Session, workspace_id: int, name: str, now: datetime, **fields: object
) -> int:
    return session.execute(
        sa.insert(_PERSON)
        .values(
            workspace_id=workspace_id,
            slack_user_id=None,
            name=name,
            created_at=now,
            refreshed_at=now,
            **fields,
        )
        .returning(_PERSON.c.id)
    ).scalar_one()


def add_team(
    session: Session,
    *,
    workspace_id: int,
    name: str,
    name_key: str,
    tz: str,
    parent_id: int | None,
    now: datetime,
) -> Team:
    team = Team(
        workspace_id=workspace_id,
        name=name,
        name_key=name_key,
        tz=tz,
        parent_id=parent_id,
        created_at=now,
    )
    session.add(team)
    session.flush()
    return team


# SQLite page cache of a connection that bulk-imports: the default 2 MB holds almost none of
# a large table's indexes, so each row re-reads pages and every commit writes many back. A
# fixed cap, reached by any sizeable import, so memory does not grow with the file.
BULK_CACHE_KIB = 16 * 1024


def tune_for_bulk(executor: Executor) -> None:
    """Give this connection a larger page cache (SQLite; PostgreSQL's is the server's). The
    setting stays with the pooled connection, which in `paceline import` is the importer's own."""
    connection = connection_of(executor)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


# The order of the values in each row insert_entries() takes.
ENTRY_COLUMNS = (
    "workspace_id", "person_id", "metric", "day", "quantity", "note", "kind", "source",
    "batch_id", "entered_by_id", "created_at", "idempotency_key",
)  # fmt: skip
_KEY_CHUNK = 500  # keys per IN (…) query
_KEYS_OF_BATCH = sa.select(_ENTRY.c.idempotency_key).where(
    _ENTRY.c.idempotency_key.in_(sa.bindparam("keys", expanding=True)),
    _ENTRY.c.batch_id == sa.bindparam("batch_id"),
)


def insert_entries(executor: Executor, rows: Sequence[tuple]) -> set[str]:
    """Insert imported entries, each a tuple in ENTRY_COLUMNS order with its idempotency key
    last, all with one batch_id (the import's). Keys the database already has are left
    alone; returns the keys that were new.

    Speed matters (a million rows): the INSERT is compiled once per dialect and run as one
    driver-level executemany, skipping SQLAlchemy's per-row parameter processing; values
    that need converting (dates and instants: SQLite stores them as text in SQLAlchemy's own
    format) go through the columns' own bind processors, once per distinct value. Which keys
    were new is read from the row count, and only a partly new batch costs a query."""
    if not rows:
        return set()
    connection = connection_of(executor)
    sql, order = _insert_sql(connection.dialect)
    converted = map(_converter(connection.dialect), rows)
    if order is None:
        params: list = [dict(zip(ENTRY_COLUMNS, values, strict=True)) for values in converted]
    elif order == tuple(range(len(ENTRY_COLUMNS))):
        params = [tuple(values) for values in converted]
    else:
        params = [tuple(values[i] for i in order) for values in converted]
    inserted = connection.exec_driver_sql(sql, params).rowcount
    keys = [row[-1] for row in rows]
    if inserted == len(rows):
        return set(keys)
    if inserted == 0:
        return set()
    # Some keys were there before: the new rows are the ones carrying this import's batch.
    batch_id = rows[0][ENTRY_COLUMNS.index("batch_id")]
    new: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        new.update(
            connection.execute(_KEYS_OF_BATCH, {"keys": chunk, "batch_id": batch_id}).scalars()
        )
    return new


@functools.cache
def _insert_sql(dialect: sa.Dialect) -> tuple[str, tuple[int, ...] | None]:
    """The INSERT … ON CONFLICT DO NOTHING as driver SQL, and for positional paramstyles the
    order of ENTRY_COLUMNS its placeholders take. No conflict target: the unique index is
    partial, and DO NOTHING without one covers it on both databases."""
    insert = (sqlite if dialect.name == "sqlite" else postgresql).insert(_ENTRY)
    # inline(): no implicit RETURNING of the new ids, which nothing reads.
    statement = (
        insert.inline().values({c: sa.bindparam(c) for c in ENTRY_COLUMNS}).on_conflict_do_nothing()
    )
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup is None:
        return str(compiled), None
    return str(compiled), tuple(ENTRY_COLUMNS.index(name) for name in compiled.positiontup)


@functools.cache
def _converter(dialect: sa.Dialect) -> Callable[[tuple[Any, ...]], Sequence[Any]]:
    processors = {
        i: processor
        for i, name in enumerate(ENTRY_COLUMNS)
        if (processor := _ENTRY.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        is not None
    }
    cached = functools.lru_cache(maxsize=4096)

    if not processors:
        return lambda row: row
    converters = {i: cached(p) for i, p in processors.items()}

    def convert(row: tuple[Any, ...]) -> list[Any]:
        values = list(row)
        for i, processor in converters.items():
            if values[i] is not None:
                values[i] = processor(values[i])
        return values

    return convert


@dataclass(frozen=True)
class Merged:
    entries: int
    goals: int
    time_off: int
    team_id: int | None  # the membership the target has now, when one moved or stayed
    managed: int


def merge_person(session: Session, workspace_id: int, source_id: int, target_id: int) -> Merged:
    """Move everything an unlinked person has (entries, goals, time off, requests, team
    membership and manager roles) onto the target person, then delete the emptied person.
    The caller has checked the two are not members of two different teams."""

    def move(
        model: type[Entry | Goal | GoalRequest | TimeOff | TeamManager | TeamMember], column: str
    ) -> int:
        field = getattr(model, column)
        result = session.execute(
            sa.update(model)
            .where(col(model.workspace_id) == workspace_id, field == source_id)
            .values({column: target_id})
        )
        return affected_rows(result)

    entries = move(Entry, "person_id")
    move(Entry, "entered_by_id")
    move(Entry, "deleted_by_id")
    goals = move(Goal, "person_id")
    move(Goal, "created_by_id")
    move(Goal, "removed_by_id")
    for column in ("person_id", "requested_by_id", "decided_by_id"):
        move(GoalRequest, column)
    time_off = move(TimeOff, "person_id")
    move(TimeOff, "created_by_id")
    # A team both manage keeps the target's row; the rest move.
    both = (
        sa.select(col(TeamManager.team_id))
        .where(col(TeamManager.person_id) == target_id)
        .scalar_subquery()
    )
    session.execute(
        sa.delete(TeamManager).where(
            col(TeamManager.person_id) == source_id, col(TeamManager.team_id).in_(both)
        )
    )
    managed = move(TeamManager, "person_id")
    target_team = session.scalar(
        sa.select(col(TeamMember.team_id)).where(col(TeamMember.person_id) == target_id)
    )
    source_team = session.scalar(
        sa.select(col(TeamMember.team_id)).where(col(TeamMember.person_id) == source_id)
    )
    if target_team is not None:
        session.execute(sa.delete(TeamMember).where(col(TeamMember.person_id) == source_id))
    elif source_team is not None:
        move(TeamMember, "person_id")
    source = session.get(Person, source_id)
    target = session.get(Person, target_id)
    if source is not None and target is not None and target.start_date is None:
        target.start_date = source.start_date
    session.flush()
    session.execute(
        sa.delete(Person).where(
            col(Person.workspace_id) == workspace_id,
            col(Person.id) == source_id,
            col(Person.slack_user_id).is_(None),
        )
    )
    if source is not None:
        session.expunge(source)
    return Merged(
        entries, goals, time_off, target_team if target_team is not None else source_team, managed
    )


def removed_by_hand(session: Session, workspace_id: int) -> tuple[set[int], set[tuple[int, int]]]:
    """People a person (not an import) took off a team, and (team id, person id) of managers
    a person removed: a re-import does not put them back. One statement."""
    rows = session.execute(
        sa.select(col(AuditEvent.action), col(AuditEvent.subject_id), col(AuditEvent.before)).where(
            col(AuditEvent.workspace_id) == workspace_id,
            col(AuditEvent.action).in_(("team.remove_member", "team.remove_manager")),
        )
    )
    members: set[int] = set()
    managers: set[tuple[int, int]] = set()
    for action, team_id, before in rows:
        person_id = json.loads(before or "{}").get("person_id")
        if person_id is None:
            continue
        if action == "team.remove_member":
            members.add(int(person_id))
        elif team_id is not None:
            managers.add((int(team_id), int(person_id)))
    return members, managers
