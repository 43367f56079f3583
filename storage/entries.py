"""Activity entries and time off: the numbers reps log. History is never erased."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.db import Executor, connection_of
from storage.goals import goal_exists_for_log
from storage.models import Entry, TimeOff
from storage.rows import table_of

# The /log hot path runs these on every command: built once, against the table rather than
# the ORM class, so each execution skips expression building and the ORM's bulk machinery.
_ENTRY = table_of(Entry)
# inline(): no implicit RETURNING of the new id, which the hot path never reads.
_INSERT_ENTRIES = sa.insert(_ENTRY).inline()
_ROW_COLUMNS = (
    "workspace_id", "person_id", "metric", "day", "quantity", "note", "kind", "source",
    "batch_id", "entered_by_id", "created_at", "idempotency_key",
)  # fmt: skip
_INSERT_ONE_ROW = (
    sa.insert(_ENTRY)
    .inline()
    .values({c: sa.bindparam(c, type_=_ENTRY.c[c].type) for c in _ROW_COLUMNS})
)


def _totals_query(metric_condition: sa.ColumnElement[bool]) -> sa.Select:
    return (
        sa.select(_ENTRY.c.metric, sa.func.sum(_ENTRY.c.quantity))
        .where(
            _ENTRY.c.workspace_id == sa.bindparam("workspace_id"),
            _ENTRY.c.person_id == sa.bindparam("person_id"),
            metric_condition,
            _ENTRY.c.day >= sa.bindparam("start"),
            _ENTRY.c.day <= sa.bindparam("end"),
            _ENTRY.c.deleted_at.is_(None),
        )
        .group_by(_ENTRY.c.metric)
    )


# Most /log commands name one metric: an equality skips the expanding IN's rendering.
_TOTALS_ONE = _totals_query(_ENTRY.c.metric == sa.bindparam("metric"))
_TOTALS_MANY = _totals_query(_ENTRY.c.metric.in_(sa.bindparam("metrics", expanding=True)))
_TOTALS_ONE_WITH_GOAL = _TOTALS_ONE.add_columns(goal_exists_for_log(one_metric=True))
_TOTALS_MANY_WITH_GOAL = _TOTALS_MANY.add_columns(goal_exists_for_log(one_metric=False))


@dataclass(frozen=True)
class NewEntry:
    person_id: int
    metric: str
    day: date
    quantity: int
    note: str | None = None
    kind: str = "log"


def add_batch(
    session: Executor,
    *,
    workspace_id: int,
    entries: Sequence[NewEntry],
    batch_id: str,
    entered_by_id: int,
    source: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> None:
    """Insert one /log's entries together. The key goes on the first row only: a second
    submission with the same key fails on the unique index and the whole batch rolls back."""
    _insert_rows(
        connection_of(session),
        _entry_rows(workspace_id, entries, batch_id, entered_by_id, source, now, idempotency_key),
    )


def _entry_rows(
    workspace_id: int,
    entries: Sequence[NewEntry],
    batch_id: str,
    entered_by_id: int,
    source: str,
    now: datetime,
    idempotency_key: str | None,
) -> list[dict]:
    return [
        {
            "workspace_id": workspace_id,
            "person_id": e.person_id,
            "metric": e.metric,
            "day": e.day,
            "quantity": e.quantity,
            "note": e.note,
            "kind": e.kind,
            "source": source,
            "batch_id": batch_id,
            "entered_by_id": entered_by_id,
            "created_at": now,
            "idempotency_key": idempotency_key if i == 0 else None,
        }
        for i, e in enumerate(entries)
    ]


def _insert_rows(connection: sa.Connection, rows: list[dict]) -> None:
    if len(rows) == 1:
        connection.execute(_INSERT_ENTRIES, rows[0])
    else:
        # One multi-row statement, so the entries are stored together or not at all even on
        # an autocommit connection (an executemany could stop half-way).
        connection.execute(sa.insert(_ENTRY).inline().values(rows))


def add_batch_with_totals(
    connection: sa.Connection,
    *,
    workspace_id: int,
    entries: Sequence[NewEntry],
    batch_id: str,
    entered_by_id: int,
    source: str,
    now: datetime,
    idempotency_key: str | None,
    metrics: list[str],
    start: date,
    end: date,
    day: date,
) -> tuple[dict[str, int], bool]:
    """Store one /log and return its reply's week totals and goal flag: the INSERT (one
    statement, so atomic even on an autocommit connection), then one SELECT.

    Not one PostgreSQL statement (the INSERT in a CTE): the varying VALUES list keeps it
    from being prepared, and planning it costs more than the round trip it saves."""
    rows = _entry_rows(workspace_id, entries, batch_id, entered_by_id, source, now, idempotency_key)
    if connection.dialect.name == "postgresql" and len(rows) == 1:
        return _single_log_on_postgresql(connection, rows[0], metrics[0], start, end, day)
    _insert_rows(connection, rows)
    return totals_with_goal_flag(
        connection, workspace_id, entries[0].person_id, metrics, start, end, day
    )


@functools.cache
def _postgresql_sql(statement: sa.ClauseElement) -> str:
    return str(statement.compile(dialect=postgresql_psycopg.dialect()))


def _single_log_on_postgresql(
    connection: sa.Connection, row: dict, metric: str, start: date, end: date, day: date
) -> tuple[dict[str, int], bool]:
    """The common /log (one metric) as two pre-rendered statements. psycopg takes dates and
    aware datetimes as they are, so SQLAlchemy's compile and bind steps can be skipped; errors still come wrapped, so a
    repeated idempotency key is the same IntegrityError."""
    connection.exec_driver_sql(_postgresql_sql(_INSERT_ONE_ROW), row)
    params = {
        "workspace_id": row["workspace_id"],
        "person_id": row["person_id"],
        "metric": metric,
        "start": start,
        "end": end,
        "day": day,
    }
    found = connection.exec_driver_sql(_postgresql_sql(_TOTALS_ONE_WITH_GOAL), params).first()
    if found is None:
        return {metric: 0}, False
    return {metric: int(found[1] or 0)}, bool(found[2])


def totals_with_goal_flag(
    connection: Executor,
    workspace_id: int,
    person_id: int,
    metrics: list[str],
    start: date,
    end: date,
    day: date,
) -> tuple[dict[str, int], bool]:
    """The /log reply's week totals and whether any goal covers these metrics on `day`,
    in one round trip."""
    query = _TOTALS_ONE_WITH_GOAL if len(metrics) == 1 else _TOTALS_MANY_WITH_GOAL
    params = {
        "workspace_id": workspace_id,
        "person_id": person_id,
        "start": start,
        "end": end,
        "day": day,
    }
    params.update({"metric": metrics[0]} if len(metrics) == 1 else {"metrics": metrics})
    found: dict[str, int] = {}
    has_goal = False
    for metric, total, goal_flag in connection_of(connection).execute(query, params):
        found[metric] = int(total or 0)
        has_goal = has_goal or bool(goal_flag)
    return {metric: found.get(metric, 0) for metric in metrics}, has_goal


def totals(
    session: Executor,
    workspace_id: int,
    person_id: int,
    metrics: Iterable[str],
    start: date,
    end: date,
) -> dict[str, int]:
    """Sum of live entries per metric for one person over [start, end]; 0 when none."""
    metrics = list(metrics)
    params = {"workspace_id": workspace_id, "person_id": person_id, "start": start, "end": end}
    if len(metrics) == 1:
        rows = connection_of(session).execute(_TOTALS_ONE, {**params, "metric": metrics[0]})
    else:
        rows = connection_of(session).execute(_TOTALS_MANY, {**params, "metrics": metrics})
    found = {metric: int(total or 0) for metric, total in rows}
    return {metric: found.get(metric, 0) for metric in metrics}


def last_live_batch(session: Session, workspace_id: int, entered_by_id: int) -> list[Entry]:
    """The entries of the most recent /log this person entered that is not undone yet."""
    batch_id = session.scalar(
        sa.select(col(Entry.batch_id))
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.entered_by_id) == entered_by_id,
            col(Entry.deleted_at).is_(None),
        )
        .order_by(col(Entry.id).desc())
        .limit(1)
    )
    if batch_id is None:
        return []
    return list(
        session.scalars(
            sa.select(Entry)
            .where(
                col(Entry.workspace_id) == workspace_id,
                col(Entry.batch_id) == batch_id,
                col(Entry.deleted_at).is_(None),
            )
            .order_by(col(Entry.id))
        )
    )


def soft_delete(
    session: Session, entries: Sequence[Entry], deleted_by_id: int, now: datetime
) -> None:
    ids = [e.id for e in entries]
    session.execute(
        sa.update(Entry)
        .where(col(Entry.id).in_(ids), col(Entry.deleted_at).is_(None))
        .values(deleted_at=now, deleted_by_id=deleted_by_id)
    )


def recent(
    session: Session,
    workspace_id: int,
    person_id: int,
    start: date | None = None,
    end: date | None = None,
    limit: int = 20,
) -> tuple[list[Entry], int]:
    """Live entries for one person, newest first, and how many matched in all."""
    conditions = [
        col(Entry.workspace_id) == workspace_id,
        col(Entry.person_id) == person_id,
        col(Entry.deleted_at).is_(None),
    ]
    if start is not None:
        conditions.append(col(Entry.day) >= start)
    if end is not None:
        conditions.append(col(Entry.day) <= end)
    rows = list(
        session.scalars(
            sa.select(Entry)
            .where(*conditions)
            .order_by(col(Entry.day).desc(), col(Entry.id).desc())
            .limit(limit)
        )
    )
    count = session.scalar(sa.select(sa.func.count()).select_from(Entry).where(*conditions)) or 0
    return rows, int(count)


def add_time_off(
    session: Session,
    *,
    workspace_id: int,
    person_id: int,
    start: date,
    end: date,
    reason: str | None,
    created_by_id: int,
    now: datetime,
) -> TimeOff:
    row = TimeOff(
        workspace_id=workspace_id,
        person_id=person_id,
        start=start,
        end=end,
        reason=reason,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def usual_metrics(
    session: Session, workspace_id: int, person_id: int, since: date, limit: int = 5
) -> list[str]:
    """The metrics a person logged most often from `since` on: most entries first, ties by
    name, so `/log 12` can ask "which metric?" with their own metrics. One statement."""
    entries = sa.func.count()
    return list(
        session.scalars(
            sa.select(_ENTRY.c.metric)
            .where(
                _ENTRY.c.workspace_id == workspace_id,
                _ENTRY.c.person_id == person_id,
                _ENTRY.c.day >= since,
                _ENTRY.c.deleted_at.is_(None),
            )
            .group_by(_ENTRY.c.metric)
            .order_by(entries.desc(), _ENTRY.c.metric)
            .limit(limit)
        )
    )


def people_with_source(session: Session, workspace_id: int, source: str) -> set[int]:
    """The people who have entries from `source` (the demo's, an import's…)."""
    return set(
        session.scalars(
            sa.select(_ENTRY.c.person_id)
            .where(_ENTRY.c.workspace_id == workspace_id, _ENTRY.c.source == source)
            .distinct()
        )
    )


def count_from_source(session: Session, workspace_id: int, source: str) -> int:
    """How many entries came from `source`, undone ones included."""
    total = session.scalar(
        sa.select(sa.func.count(_ENTRY.c.id)).where(
            _ENTRY.c.workspace_id == workspace_id, _ENTRY.c.source == source
        )
    )
    return int(total or 0)
