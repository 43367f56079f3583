"""The outbox: scheduled posts waiting for Slack, and the claims that let several processes
deliver them without sending one twice. All SQL about the `outbox` table lives here; the
rules it serves are in docs/delivery.md."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from bot.core.messages import ChartFile, Message, Outgoing
from storage.db import insert_for
from storage.models import Outbox
from storage.rows import affected_rows, table_of

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"  # gave up after retries
PARKED = "parked"  # a permanent problem a person must fix (no channel, not invited, …)
UNFINISHED = (PENDING, SENDING)
PROBLEMS = (FAILED, PARKED)

_t = table_of(Outbox)
# Limits of the columns a key's parts land in; checked before the insert so a job with an
# over-long key fails loudly instead of being cut (a cut key could collide with another).
_LIMITS = {"delivery_key": 300, "job": 32, "period": 64, "recipient": 64, "part": 16}
# Rows are inserted in chunks: SQLite allows 32,766 bound parameters in one statement.
_INSERT_CHUNK = 500


# ---------------------------------------------------------------------- payloads


def encode_message(message: Message) -> str:
    file = message.file
    return json.dumps(
        {
            "text": message.text,
            "blocks": list(message.blocks),
            **({"edit_of": message.edit_of} if message.edit_of else {}),
            "file": None
            if file is None
            else {
                "filename": file.filename,
                "title": file.title,
                "content": base64.b64encode(file.content).decode("ascii"),
                "chart": file.chart,
            },
        },
        separators=(",", ":"),
    )


def decode_message(payload: str, recipient: str, part: str = "") -> Message:
    data = json.loads(payload)
    file = data.get("file")
    return Message(
        recipient=recipient,
        text=data.get("text") or "",
        blocks=tuple(data.get("blocks") or ()),
        file=None
        if file is None
        else ChartFile(
            file["filename"], file["title"], base64.b64decode(file["content"]), file.get("chart")
        ),
        part=part,
        edit_of=data.get("edit_of"),
    )


# ---------------------------------------------------------------------- enqueue


def enqueue(session: Session, items: Sequence[Outgoing], now: datetime) -> int:
    """Add the items in the caller's transaction, skipping keys already in the outbox
    (a repeated run, a second process); returns how many rows are new."""
    rows = [_row(item, now) for item in items]
    if not rows:
        return 0
    insert = insert_for(session)
    added = 0
    for start in range(0, len(rows), _INSERT_CHUNK):
        statement = (
            insert(_t)
            .values(rows[start : start + _INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["workspace_id", "delivery_key"])
            .returning(_t.c.id)
        )
        added += len(session.execute(statement).all())
    return added


def requeue(session: Session, workspace_id: int, keys: Collection[str], now: datetime) -> int:
    """Try failed and parked rows again (`paceline jobs run` after the cause was fixed):
    they become pending with a fresh history window; returns how many. Sent rows are never
    sent again (exactly once), and rows still pending or sending are on their way."""
    if not keys:
        return 0
    changed = 0
    key_list = list(keys)
    for start in range(0, len(key_list), _INSERT_CHUNK):
        result = session.execute(
            sa.update(_t)
            .where(
                _t.c.workspace_id == workspace_id,
                _t.c.delivery_key.in_(key_list[start : start + _INSERT_CHUNK]),
                _t.c.status.in_(PROBLEMS),
            )
            .values(
                status=PENDING,
                attempts=0,
                not_before=now,
                outcome_unknown=False,
                lease_owner=None,
                lease_until=None,
                slack_ts=None,
                error=None,
                sent_at=None,
                # The unknown-outcome check looks in history from created_at on: the
                # earlier post of this key must not count as this one.
                created_at=now,
                updated_at=now,
            )  # fmt: skip
        )
        changed += affected_rows(result)
    return changed


def _row(item: Outgoing, now: datetime) -> dict[str, Any]:
    key = item.key
    row: dict[str, Any] = {
        "workspace_id": item.workspace_id,
        "delivery_key": key.text(),
        "job": key.job,
        "team_id": key.team_id or None,  # 0: a workspace-wide notice (CRM sync)
        "period": key.period,
        "recipient": key.recipient,
        "part": key.part,
    }
    for column, limit in _LIMITS.items():
        if len(row[column]) > limit:
            raise ValueError(
                f"outbox {column} is longer than {limit} characters: {row[column][:80]!r}…"
            )
    if item.message.recipient != key.recipient:
        raise ValueError(f"message recipient {item.message.recipient!r} differs from its key's")
    row.update(
        payload=encode_message(item.message),
        status=PENDING,
        attempts=0,
        not_before=now,
        outcome_unknown=False,
        created_at=now,
        updated_at=now,
    )
    return row


# ---------------------------------------------------------------------- claims


@dataclass(frozen=True)
class Claimed:
    """A row this process now holds (status `sending`, leased to it)."""

    id: int
    workspace_id: int
    delivery_key: str
    job: str
    team_id: int | None
    period: str
    recipient: str
    part: str
    payload: str
    attempts: int
    channel_id: str | None
    created_at: datetime
    # A previous try may have reached Slack: look for the key before posting again.
    outcome_unknown: bool

    def message(self) -> Message:
        return decode_message(self.payload, self.recipient, self.part)


def _due(table: sa.FromClause, now: Any) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(table.c.status == PENDING, table.c.not_before <= now),
        # The process holding it died or stalled: whether Slack got it is unknown.
        sa.and_(table.c.status == SENDING, table.c.lease_until < now),
    )


def _not_due(table: sa.FromClause, now: Any) -> sa.ColumnElement[bool]:
    """An unfinished row that is not `_due`, spelled out so that a NULL lease counts as
    live rather than as unknown."""
    return sa.or_(
        sa.and_(table.c.status == PENDING, table.c.not_before > now),
        sa.and_(
            table.c.status == SENDING,
            sa.or_(table.c.lease_until.is_(None), table.c.lease_until >= now),
        ),
    )


def _unfinished(table: sa.FromClause) -> sa.ColumnElement[bool]:
    """`status IN ('pending', 'sending')` with the values written into the statement: a
    planner matches a partial index's condition (ix_outbox_unfinished) only against
    literals, never against bound parameters (SQLite then sorts every due row instead)."""
    return table.c.status.in_([sa.literal_column(f"'{status}'") for status in UNFINISHED])


def _scope(workspace_ids: Collection[int] | None) -> list[sa.ColumnElement[bool]]:
    return [] if workspace_ids is None else [_t.c.workspace_id.in_(list(workspace_ids))]


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _in_param(column: Any, name: str, pg: bool) -> sa.ColumnElement[bool]:
    """`column IN (:name)`, the list bound at execution; on PostgreSQL `column =
    ANY(:name)`, one array parameter, so the statement's text is the same whatever the
    list's length and psycopg prepares it once instead of converting a new text per claim."""
    if pg:
        return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(sa.bindparam(name, expanding=True))


class _UnfinishedOutbox(sa.TableClause):
    """The outbox table read through its partial index of unfinished rows: on SQLite as
    `outbox INDEXED BY ix_outbox_unfinished`, which SQLAlchemy has no other way to say.
    Left to itself SQLite's planner sorts every due row on each claim (no statistics), or
    walks the whole table, sent rows included (statistics taken while every row was
    pending); through the index a claim reads only rows still to send."""

    inherit_cache = True


@compiles(_UnfinishedOutbox, "sqlite")
def _table_through_the_index(element: _UnfinishedOutbox, compiler: Any, **kw: Any) -> str:
    text = compiler.visit_table(element, **kw)
    return f"{text} INDEXED BY ix_outbox_unfinished" if kw.get("asfrom") else text


_unfinished_outbox = _UnfinishedOutbox(_t.name, *(sa.column(c.name, c.type) for c in _t.c))


@dataclass(frozen=True)
class _ClaimStatements:
    take: sa.Select  # the rows to take, locked
    lease: sa.Update  # the lease on them


@functools.cache
def _claim_statements(pg: bool, scoped: bool, holding: bool) -> _ClaimStatements:
    """The claim's statements, built once per shape with every value a bound parameter: a
    claim runs on the sender's bookkeeping thread, whose CPU the posts wait for (one GIL),
    and building a statement anew on each claim cost that thread more than running it."""
    now = sa.bindparam("now", type_=_t.c.not_before.type)
    queued = _unfinished_outbox
    older = _t.alias("older")
    same_queue = (
        older.c.recipient == queued.c.recipient,
        older.c.workspace_id == queued.c.workspace_id,
        _unfinished(older),
    )
    # An older row of the same recipient that the claim may not take (backing off, leased
    # to a live process, or held) keeps the rows after it waiting.
    blocked_by = sa.or_(
        _not_due(older, now), *([_in_param(older.c.id, "held", pg)] if holding else [])
    )
    take = (
        sa.select(
            queued.c.id,
            queued.c.workspace_id,
            queued.c.delivery_key,
            queued.c.job,
            queued.c.team_id,
            queued.c.period,
            queued.c.recipient,
            queued.c.part,
            queued.c.payload,
            queued.c.status,
            queued.c.attempts,
            queued.c.channel_id,
            queued.c.created_at,
            queued.c.outcome_unknown,
            # The head of the row's queue as the statement began: on PostgreSQL a head
            # another claimer has locked is skipped, and the rows after it must not go.
            sa.select(sa.func.min(older.c.id)).where(*same_queue).scalar_subquery().label("head"),
        )  # fmt: skip
        # `_unfinished` repeats what `due` implies, so the rows are read from the partial
        # index of unfinished rows (ix_outbox_unfinished), oldest first, up to the limit.
        .where(
            _unfinished(queued),
            _due(queued, now),
            *([_in_param(queued.c.workspace_id, "scope", pg)] if scoped else []),
            *([~_in_param(queued.c.id, "held", pg)] if holding else []),
            ~sa.exists().where(*same_queue, older.c.id < queued.c.id, blocked_by),
        )
        .order_by(queued.c.id)
        .limit(sa.bindparam("most", type_=sa.Integer))
        # PostgreSQL: rows another claimer is taking are skipped rather than waited for (and
        # `due` is checked again on rows changed since the statement began). SQLite: the
        # write transaction already keeps other claimers out.
        .with_for_update(skip_locked=True)
    )
    lease = (
        sa.update(_t)
        .where(_in_param(_t.c.id, "ids", pg))
        .values(
            status=SENDING,
            lease_owner=sa.bindparam("owner", type_=sa.String),
            lease_until=sa.bindparam("until", type_=_t.c.lease_until.type),
            updated_at=now,
        )
    )
    return _ClaimStatements(take, lease)


def claim(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    max_rows: int,
    workspace_ids: Collection[int] | None = None,
    held: Collection[int] = (),
) -> list[list[Claimed]]:
    """Lease up to `max_rows` due rows to `owner`, grouped by recipient, each group oldest
    first, the groups by their oldest row.

    A recipient's rows are claimed together and only from the head of its queue: a row is
    taken only when every older unfinished row of the same recipient is taken with it (or
    was by an earlier claim of this owner, still held), so posts to one channel stay in
    order even across processes, and one recipient's messages are never sent by two
    processes at once. Run inside `Database.write()`: on SQLite that transaction holds the
    write lock; on PostgreSQL (FOR UPDATE SKIP LOCKED) rows another claimer is taking are
    skipped rather than waited for.

    `held` are rows the claiming process is still working on: their lease may have run out
    (a long rate-limit wait), but a second worker of the same owner must not take them, as
    it would pass the first one's lease check.
    """
    statements = _claim_statements(_is_postgresql(session), workspace_ids is not None, bool(held))
    found = session.execute(
        statements.take,
        {
            "now": now,
            "most": max_rows,
            **({"scope": list(workspace_ids)} if workspace_ids is not None else {}),
            **({"held": list(held)} if held else {}),
        },
    ).all()
    queues: dict[tuple[int, str], list[sa.Row]] = {}
    for row in found:  # oldest first
        queue = queues.setdefault((row.workspace_id, row.recipient), [])
        if queue or row.id == row.head:
            queue.append(row)
        # else: an older row of this recipient was skipped, locked by another claimer.
    groups = [queue for queue in queues.values() if queue]
    if not groups:
        return []
    chosen = [row.id for group in groups for row in group]
    session.execute(
        statements.lease, {"ids": chosen, "owner": owner, "until": now + lease, "now": now}
    )
    expired = [row.id for group in groups for row in group if row.status == SENDING]
    if expired:
        # The lost try counts as an attempt, so a message that kills its process every time
        # ends up failed instead of being retried forever.
        session.execute(
            sa.update(_t)
            .where(_t.c.id.in_(expired))
            .values(outcome_unknown=True, attempts=_t.c.attempts + 1)
        )
    return [[_claimed(row) for row in group] for group in groups]


def _claimed(row: sa.Row) -> Claimed:
    expired = row.status == SENDING
    return Claimed(
        id=row.id,
        workspace_id=row.workspace_id,
        delivery_key=row.delivery_key,
        job=row.job,
        team_id=row.team_id,
        period=row.period,
        recipient=row.recipient,
        part=row.part,
        payload=row.payload,
        attempts=row.attempts + (1 if expired else 0),
        channel_id=row.channel_id,
        created_at=row.created_at,
        outcome_unknown=bool(row.outcome_unknown) or expired,
    )


def renew(
    session: Session, ids: Collection[int], *, owner: str, now: datetime, lease: timedelta
) -> set[int]:
    """Extend the lease on the rows `owner` still holds; returns those ids. A row missing
    from the answer was taken over after its lease ran out: its holder must stop."""
    if not ids:
        return set()
    result = session.execute(
        sa.update(_t)
        .where(_t.c.id.in_(list(ids)), _t.c.lease_owner == owner, _t.c.status == SENDING)
        .values(lease_until=now + lease, updated_at=now)
        .returning(_t.c.id)
    )
    return {row.id for row in result}


def release(session: Session, ids: Collection[int], *, owner: str, now: datetime) -> int:
    """Hand back rows claimed but not tried (their group stopped): pending again, as due
    as before, no attempt counted."""
    if not ids:
        return 0
    result = session.execute(
        sa.update(_t)
        .where(_t.c.id.in_(list(ids)), _t.c.lease_owner == owner, _t.c.status == SENDING)
        .values(status=PENDING, lease_owner=None, lease_until=None, updated_at=now)
    )
    return affected_rows(result)


# ---------------------------------------------------------------------- outcomes


def _marked_sent(channel_id: Any, ts: Any, at: Any) -> dict[str, Any]:
    """The columns of a row Slack has: a new channel only when one is given."""
    return dict(
        status=SENT,
        channel_id=sa.func.coalesce(channel_id, _t.c.channel_id),
        slack_ts=ts,
        error=None,
        outcome_unknown=False,
        lease_owner=None,
        lease_until=None,
        sent_at=at,
        updated_at=at,
    )


def mark_sent(
    session: Session, row_id: int, *, now: datetime, channel_id: str | None, ts: str | None
) -> None:
    """Slack has the post. Not conditional on the lease: whoever learns it first records
    it, and recording it twice changes nothing."""
    session.execute(
        sa.update(_t).where(_t.c.id == row_id).values(**_marked_sent(channel_id, ts, now))
    )


def sent_post(
    session: Session, workspace_id: int, delivery_key: str
) -> tuple[str, str | None, str | None] | None:
    """(status, channel, ts) of the row with this key: where an edit finds its post."""
    row = session.execute(
        sa.select(_t.c.status, _t.c.channel_id, _t.c.slack_ts).where(
            _t.c.workspace_id == workspace_id, _t.c.delivery_key == delivery_key
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


@dataclass(frozen=True)
class SentMark:
    row_id: int
    channel_id: str | None
    ts: str | None
    at: datetime


# One prepared UPDATE run for each row (executemany; with psycopg in one pipeline).
_MARK_SENT = (
    sa.update(_t)
    .where(_t.c.id == sa.bindparam("row_id"))
    .values(
        **_marked_sent(
            sa.bindparam("new_channel", type_=sa.String),
            sa.bindparam("ts", type_=sa.String),
            sa.bindparam("sent_at_value", type_=_t.c.sent_at.type),
        )
    )
)
# PostgreSQL: one UPDATE … FROM unnest(arrays) for the whole batch, the same text whatever
# its size, so it is compiled once (a VALUES list would be compiled anew for every batch).
_ROWS = (
    sa.func.unnest(
        sa.bindparam("row_ids", type_=postgresql.ARRAY(sa.Integer)),
        sa.bindparam("channels", type_=postgresql.ARRAY(sa.String)),
        sa.bindparam("tss", type_=postgresql.ARRAY(sa.String)),
        sa.bindparam("ats", type_=postgresql.ARRAY(sa.DateTime(timezone=True))),
    )
    .table_valued("row_id", "new_channel", "new_ts", "at")
    .render_derived()
)
_MARK_SENT_PG = (
    sa.update(_t)
    .where(_t.c.id == _ROWS.c.row_id)
    .values(**_marked_sent(_ROWS.c.new_channel, _ROWS.c.new_ts, _ROWS.c.at))
)


def mark_sent_many(session: Session, marks: Sequence[SentMark]) -> None:
    """mark_sent() for a batch: on PostgreSQL one statement, elsewhere one prepared UPDATE
    per row in one executemany."""
    if not marks:
        return
    if _is_postgresql(session):
        session.connection().execute(
            _MARK_SENT_PG,
            {
                "row_ids": [m.row_id for m in marks],
                "channels": [m.channel_id for m in marks],
                "tss": [m.ts for m in marks],
                "ats": [m.at for m in marks],
            },
        )
        return
    session.connection().execute(
        _MARK_SENT,
        [
            {"row_id": m.row_id, "new_channel": m.channel_id, "ts": m.ts, "sent_at_value": m.at}
            for m in marks
        ],
    )


def remember_channel(session: Session, row_id: int, channel_id: str, *, now: datetime) -> None:
    """The DM channel Slack opened for a user, so a later check skips conversations.open."""
    session.execute(
        sa.update(_t).where(_t.c.id == row_id).values(channel_id=channel_id, updated_at=now)
    )


def schedule_retry(
    session: Session,
    row_id: int,
    *,
    owner: str,
    now: datetime,
    not_before: datetime,
    error: str,
    outcome_unknown: bool,
    count_attempt: bool = True,
) -> bool:
    """Back to pending until `not_before`; False when `owner` no longer holds the row."""
    values: dict[str, Any] = {
        "status": PENDING,
        "not_before": not_before,
        "error": error,
        "outcome_unknown": outcome_unknown,
        "lease_owner": None,
        "lease_until": None,
        "updated_at": now,
    }
    if count_attempt:
        values["attempts"] = _t.c.attempts + 1
    return _update_held(session, row_id, owner, values)


def park(
    session: Session, row_id: int, *, owner: str, now: datetime, reason: str, status: str = PARKED
) -> bool:
    """Stop trying: `parked` (a person must fix something) or `failed` (retries ran out)."""
    if status not in PROBLEMS:
        raise ValueError(f"park() sets failed or parked, not {status!r}")
    values: dict[str, Any] = {
        "status": status,
        "error": reason,
        "lease_owner": None,
        "lease_until": None,
        "updated_at": now,
    }
    if status == FAILED:
        values["attempts"] = _t.c.attempts + 1
    return _update_held(session, row_id, owner, values)


def park_workspace(session: Session, workspace_id: int, *, now: datetime, reason: str) -> int:
    """Park every pending row of a workspace (it uninstalled Paceline: without a token they
    could only fail). Rows being sent are left to their sender. Returns how many."""
    result = session.execute(
        sa.update(_t)
        .where(_t.c.workspace_id == workspace_id, _t.c.status == PENDING)
        .values(status=PARKED, error=reason, updated_at=now)
    )
    return affected_rows(result)


def _update_held(session: Session, row_id: int, owner: str, values: dict[str, Any]) -> bool:
    result = session.execute(
        sa.update(_t)
        .where(_t.c.id == row_id, _t.c.lease_owner == owner, _t.c.status == SENDING)
        .values(**values)
    )
    return affected_rows(result) > 0


def unfinished(session: Session, workspace_ids: Collection[int] | None = None) -> int:
    """How many rows are still pending or sending."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(_t)
            .where(_unfinished(_t), *_scope(workspace_ids))
        )
        or 0
    )


# ---------------------------------------------------------------------- `jobs list`


@dataclass(frozen=True)
class JobCounts:
    team_id: int | None
    job: str
    counts: dict[str, int] = field(default_factory=dict)
    last_sent_at: datetime | None = None


@dataclass(frozen=True)
class Problem:
    """A failed or parked row and why."""

    id: int
    team_id: int | None
    job: str
    period: str
    recipient: str
    part: str
    status: str
    attempts: int
    error: str | None
    updated_at: datetime


@dataclass(frozen=True)
class OutboxSummary:
    jobs: list[JobCounts]
    problems: list[Problem]


def summary(
    session: Session, workspace_id: int, *, team_id: int | None = None, problem_limit: int = 50
) -> OutboxSummary:
    """Per team and job, how many rows are in each status (and when one was last sent),
    plus the most recent failed and parked rows with their reasons: one statement."""
    scope = [_t.c.workspace_id == workspace_id]
    if team_id is not None:
        scope.append(_t.c.team_id == team_id)
    problems = (
        sa.select(
            sa.literal("problem").label("kind"),
            _t.c.team_id,
            _t.c.job,
            _t.c.status,
            sa.literal(1).label("n"),
            _t.c.updated_at.label("at"),
            _t.c.id,
            _t.c.period,
            _t.c.recipient,
            _t.c.part,
            _t.c.attempts,
            _t.c.error,
        )  # fmt: skip
        .where(*scope, _t.c.status.in_(PROBLEMS))
        .order_by(_t.c.updated_at.desc(), _t.c.id.desc())
        .limit(problem_limit)
        .subquery()
    )
    counts = (
        sa.select(
            sa.literal("count"),
            _t.c.team_id,
            _t.c.job,
            _t.c.status,
            sa.func.count(),
            sa.func.max(_t.c.sent_at),
            sa.null(),
            sa.null(),
            sa.null(),
            sa.null(),
            sa.null(),
            sa.null(),
        )  # fmt: skip
        .where(*scope)
        .group_by(_t.c.team_id, _t.c.job, _t.c.status)
    )
    # The problem rows come first so the union's column types are the real columns'.
    rows = session.execute(sa.union_all(sa.select(problems), counts)).all()
    counted: dict[tuple[int | None, str], dict[str, int]] = {}
    last_sent: dict[tuple[int | None, str], datetime] = {}
    found: list[Problem] = []
    for row in rows:
        if row.kind == "problem":
            found.append(
                Problem(
                    id=row.id,
                    team_id=row.team_id,
                    job=row.job,
                    period=row.period,
                    recipient=row.recipient,
                    part=row.part,
                    status=row.status,
                    attempts=row.attempts,
                    error=row.error,
                    updated_at=row.at,
                )  # fmt: skip
            )
            continue
        counted.setdefault((row.team_id, row.job), {})[row.status] = int(row.n)
        if row.status == SENT and row.at is not None:
            last_sent[(row.team_id, row.job)] = row.at
    ordered = [
        JobCounts(team, job, counts, last_sent.get((team, job)))
        for (team, job), counts in sorted(
            counted.items(), key=lambda item: (item[0][0] is None, item[0][0] or 0, item[0][1])
        )
    ]
    found.sort(key=lambda p: (p.updated_at, p.id), reverse=True)
    return OutboxSummary(ordered, found)
