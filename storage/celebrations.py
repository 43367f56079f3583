"""The SQL of live wins: what changed since the worker last looked, the wins recorded per
team, and their posts. The rules are in bot/core/wins.py and scheduler/celebrations.py."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.core.wins import LIVE_SOURCES, DealBatch, Recorded, Win
from storage.db import insert_for
from storage.models import (
    Celebration,
    CelebrationCursor,
    CelebrationPost,
    Entry,
    Person,
    Team,
    TeamMember,
    Workspace,
)
from storage.rows import affected_rows, non_null_col, persisted_id

_CURSOR_ID = 1
DEAL_METRICS = ("deals", "revenue")


# ---------------------------------------------------------------------- what changed


@dataclass(frozen=True)
class Change:
    """Entries of one person, metric, day, source and batch that were added or undone."""

    workspace_id: int
    person_id: int
    metric: str
    day: date
    source: str
    batch_id: str
    quantity: int
    undone: bool = field(default=False, kw_only=True)


@dataclass(frozen=True)
class Position:
    entry_id: int
    deleted_since: datetime


def saved_position(session: Session) -> Position | None:
    row = session.get(CelebrationCursor, _CURSOR_ID)
    return None if row is None else Position(row.entry_id, row.deleted_since)


def position(session: Session, now: datetime) -> Position:
    """Where the last look ended. The first look starts now: wins from before the feature
    existed are not celebrated."""
    row = session.get(CelebrationCursor, _CURSOR_ID)
    if row is None:
        newest = session.scalar(sa.select(sa.func.max(col(Entry.id)))) or 0
        session.execute(
            insert_for(session)(CelebrationCursor)
            .values(id=_CURSOR_ID, entry_id=newest, deleted_since=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = session.get(CelebrationCursor, _CURSOR_ID)
        assert row is not None
    return Position(row.entry_id, row.deleted_since)


def changes(session: Session, since: Position, oldest_day: date) -> list[Change]:
    """Entries added after the position and entries undone since it, on days from
    `oldest_day`, summed per person, metric, day, source and batch (an import of thousands
    of rows becomes one row per person and day)."""
    columns = (
        col(Entry.workspace_id),
        col(Entry.person_id),
        col(Entry.metric),
        col(Entry.day),
        col(Entry.source),
        col(Entry.batch_id),
    )
    added = (
        sa.select(*columns, sa.func.sum(col(Entry.quantity)))
        .where(
            col(Entry.id) > since.entry_id,
            col(Entry.day) >= oldest_day,
            col(Entry.deleted_at).is_(None),
        )
        # Grouped batch first: grouped by (workspace, person, metric, day) first, SQLite would
        # walk that whole index for the grouping instead of the few rows past the position.
        .group_by(col(Entry.batch_id), *columns[:-1])
    )
    undone = (
        sa.select(*columns, sa.func.sum(-col(Entry.quantity)))
        .where(
            col(Entry.deleted_at).is_not(None),
            col(Entry.deleted_at) > since.deleted_since,
            col(Entry.day) >= oldest_day,
        )
        .group_by(*columns)
    )
    found = [Change(*row) for row in session.execute(added)]
    return found + [Change(*row, undone=True) for row in session.execute(undone)]


def settled_entry_id(
    session: Session, since: Position, now: datetime, settle: timedelta
) -> tuple[int, int]:
    """(the next position's entry id, the newest entry id read). The position moves past
    every entry whose transaction has surely ended, so an entry committed late (a long
    import) is still read. Entries stamped in the future (a clock set back) count as settled."""
    recent = sa.and_(
        col(Entry.created_at) >= now - settle, col(Entry.created_at) <= now + timedelta(minutes=1)
    )
    newest, first_recent = session.execute(
        sa.select(sa.func.max(col(Entry.id)), sa.func.min(sa.case((recent, col(Entry.id))))).where(
            col(Entry.id) > since.entry_id
        )
    ).one()
    newest = int(newest) if newest is not None else since.entry_id
    return (int(first_recent) - 1 if first_recent is not None else newest), newest


def advance(session: Session, entry_id: int, deleted_since: datetime, now: datetime) -> None:
    session.execute(
        sa.update(CelebrationCursor)
        .where(col(CelebrationCursor.id) == _CURSOR_ID)
        .values(
            entry_id=sa.func.max(col(CelebrationCursor.entry_id), entry_id)
            if session.get_bind().dialect.name == "sqlite"
            else sa.func.greatest(col(CelebrationCursor.entry_id), entry_id),
            deleted_since=deleted_since,
            updated_at=now,
        )
    )


def active_workspaces(session: Session, ids: Collection[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            sa.select(col(Workspace.id)).where(
                col(Workspace.id).in_(list(ids)), col(Workspace.active)
            )
        )
    )


def teams_of_people(
    session: Session, workspace_id: int, person_ids: Collection[int]
) -> dict[int, int]:
    """person id → the id of the team they are on (a rep is on at most one)."""
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(col(TeamMember.person_id), col(TeamMember.team_id)).where(
            col(TeamMember.workspace_id) == workspace_id,
            col(TeamMember.person_id).in_(list(person_ids)),
        )
    )
    return {person_id: team_id for person_id, team_id in rows}


def lock_team(session: Session, workspace_id: int, team_id: int) -> Team | None:
    """The team, locked for this transaction on PostgreSQL so two instances bring its wins
    in line one after the other (SQLite's write transaction already does)."""
    statement = sa.select(Team).where(
        col(Team.workspace_id) == workspace_id, col(Team.id) == team_id
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def names(session: Session, workspace_id: int, person_ids: Collection[int]) -> dict[int, Person]:
    if not person_ids:
        return {}
    rows = session.scalars(
        sa.select(Person).where(
            col(Person.workspace_id) == workspace_id, col(Person.id).in_(list(person_ids))
        )
    )
    return {p.id: p for p in rows if p.id is not None}


def deal_batches(
    session: Session, workspace_id: int, person_ids: Collection[int], first: date, last: date
) -> list[DealBatch]:
    """Each live /log of deals or revenue by these people on these days, as one batch."""
    if not person_ids:
        return []
    deals = sa.func.sum(sa.case((col(Entry.metric) == "deals", col(Entry.quantity)), else_=0))
    revenue = sa.func.sum(sa.case((col(Entry.metric) == "revenue", col(Entry.quantity)), else_=0))
    rows = session.execute(
        sa.select(
            col(Entry.person_id),
            col(Entry.day),
            sa.func.min(col(Entry.id)),
            deals,
            revenue,
            col(Entry.batch_id),
        )
        .where(
            col(Entry.workspace_id) == workspace_id,
            col(Entry.person_id).in_(list(person_ids)),
            col(Entry.metric).in_(DEAL_METRICS),
            col(Entry.day) >= first,
            col(Entry.day) <= last,
            col(Entry.deleted_at).is_(None),
            col(Entry.kind) == "log",
            col(Entry.source).in_(sorted(LIVE_SOURCES)),
        )
        .group_by(col(Entry.person_id), col(Entry.day), col(Entry.batch_id))
    )
    return [
        DealBatch(p, d, int(first_id), int(n or 0), int(r or 0), b)
        for p, d, first_id, n, r, b in rows
    ]


# ---------------------------------------------------------------------- recorded wins


def recorded(
    session: Session, workspace_id: int, team_id: int, periods: Collection[str]
) -> list[Recorded]:
    """The team's wins recorded for these periods (and deal days), with whether their post
    went out."""
    if not periods:
        return []
    posted = sa.and_(col(Celebration.post_id).is_not(None), col(CelebrationPost.status) == "posted")
    rows = session.execute(
        sa.select(
            non_null_col(Celebration.id),
            col(Celebration.fact_key),
            col(Celebration.kind),
            col(Celebration.person_id),
            col(Celebration.period),
            col(Celebration.state),
            sa.case((posted, True), else_=False),
        )  # fmt: skip
        .outerjoin(CelebrationPost, col(CelebrationPost.id) == col(Celebration.post_id))
        .where(
            col(Celebration.workspace_id) == workspace_id,
            col(Celebration.team_id) == team_id,
            col(Celebration.period).in_(sorted(periods)),
        )
    )
    return [
        Recorded(win_id, key, kind, person_id, period, state, posted=bool(posted))
        for win_id, key, kind, person_id, period, state, posted in rows
    ]


def waiting_post(session: Session, workspace_id: int, team_id: int) -> CelebrationPost | None:
    return session.scalars(
        sa.select(CelebrationPost)
        .where(
            col(CelebrationPost.workspace_id) == workspace_id,
            col(CelebrationPost.team_id) == team_id,
            col(CelebrationPost.status) == "waiting",
        )  # fmt: skip
        .order_by(col(CelebrationPost.id))
    ).first()


def new_post(
    session: Session,
    workspace_id: int,
    team_id: int,
    channel_id: str,
    due_at: datetime,
    now: datetime,
) -> int:
    post = CelebrationPost(
        workspace_id=workspace_id,
        team_id=team_id,
        channel_id=channel_id,
        due_at=due_at,
        created_at=now,
        updated_at=now,
    )
    session.add(post)
    session.flush()
    return persisted_id(post)


def record(
    session: Session,
    workspace_id: int,
    team_id: int,
    wins: Iterable[Win],
    post_id: int | None,
    state: str,
    now: datetime,
) -> None:
    rows = [
        {
            "workspace_id": workspace_id,
            "team_id": team_id,
            "post_id": post_id,
            "fact_key": w.key,
            "kind": w.kind,
            "person_id": w.person_id,
            "period": w.period,
            "line": w.line,
            "state": state,
            "created_at": now,
            "updated_at": now,
        }  # fmt: skip
        for w in wins
    ]
    if rows:
        session.execute(sa.insert(Celebration), rows)


def drop(session: Session, ids: Collection[int]) -> None:
    if ids:
        session.execute(sa.delete(Celebration).where(col(Celebration.id).in_(list(ids))))


def set_state(session: Session, ids: Collection[int], state: str, now: datetime) -> None:
    if ids:
        session.execute(
            sa.update(Celebration)
            .where(col(Celebration.id).in_(list(ids)))
            .values(state=state, updated_at=now)
        )


def set_line(session: Session, win_id: int, line: str, now: datetime) -> None:
    session.execute(
        sa.update(Celebration)
        .where(col(Celebration.id) == win_id)
        .values(line=line, updated_at=now)
    )


def posts_of(session: Session, ids: Collection[int]) -> set[int]:
    if not ids:
        return set()
    post_ids = session.scalars(
        sa.select(col(Celebration.post_id)).where(col(Celebration.id).in_(list(ids)))
    )
    return {post_id for post_id in post_ids if post_id is not None}


def drop_empty_waiting(session: Session, workspace_id: int, team_id: int) -> None:
    """A waiting post whose every win was undone is cancelled."""
    has_wins = sa.exists().where(col(Celebration.post_id) == col(CelebrationPost.id))
    session.execute(
        sa.delete(CelebrationPost).where(
            col(CelebrationPost.workspace_id) == workspace_id,
            col(CelebrationPost.team_id) == team_id,
            col(CelebrationPost.status) == "waiting",
            ~has_wins,
        )  # fmt: skip
    )


# ---------------------------------------------------------------------- posts


@dataclass(frozen=True)
class DuePost:
    id: int
    workspace_id: int
    team_id: int
    channel_id: str
    due_at: datetime


def due_posts(session: Session, now: datetime, limit: int = 500) -> list[DuePost]:
    rows = session.execute(
        sa.select(
            col(CelebrationPost.id),
            col(CelebrationPost.workspace_id),
            col(CelebrationPost.team_id),
            col(CelebrationPost.channel_id),
            col(CelebrationPost.due_at),
        )  # fmt: skip
        .where(col(CelebrationPost.status) == "waiting", col(CelebrationPost.due_at) <= now)
        .order_by(col(CelebrationPost.due_at), col(CelebrationPost.id))
        .limit(limit)
    )
    return [DuePost(*row) for row in rows]


def lines(session: Session, post_id: int) -> list[tuple[str, bool]]:
    """The post's wins in the order they happened: (line, struck)."""
    rows = session.execute(
        sa.select(col(Celebration.line), col(Celebration.state))
        .where(col(Celebration.post_id) == post_id)
        .order_by(col(Celebration.id))
    )
    return [(line, state == "struck") for line, state in rows]


def mark_posted(
    session: Session, post_id: int, channel_id: str, delivery_key: str, now: datetime
) -> bool:
    """Waiting → posted to `channel_id` (the team's channel now; edits follow it), once:
    False when another instance got there first."""
    result = session.execute(
        sa.update(CelebrationPost)
        .where(col(CelebrationPost.id) == post_id, col(CelebrationPost.status) == "waiting")
        .values(status="posted", channel_id=channel_id, delivery_key=delivery_key, updated_at=now)
    )
    return affected_rows(result) == 1


def silence(session: Session, post_id: int, now: datetime) -> None:
    """A waiting post that will not go out (celebrations turned off, the channel unset):
    its wins stay recorded, so they are not celebrated later, and the post is dropped."""
    session.execute(
        sa.update(Celebration)
        .where(col(Celebration.post_id) == post_id)
        .values(post_id=None, state="absorbed", updated_at=now)
    )
    session.execute(
        sa.delete(CelebrationPost).where(
            col(CelebrationPost.id) == post_id, col(CelebrationPost.status) == "waiting"
        )
    )


def postpone(session: Session, post_id: int, due_at: datetime, now: datetime) -> None:
    session.execute(
        sa.update(CelebrationPost)
        .where(col(CelebrationPost.id) == post_id)
        .values(due_at=due_at, updated_at=now)
    )


def next_edit(session: Session, post_id: int, now: datetime) -> tuple[int, str, str, int] | None:
    """Count one more edit of a posted post: (its team, channel, delivery key, edit number)."""
    post = session.get(CelebrationPost, post_id)
    if post is None or post.status != "posted" or post.delivery_key is None:
        return None
    post.edits += 1
    post.updated_at = now
    session.flush()
    return post.team_id, post.channel_id, post.delivery_key, post.edits


def post_rows(session: Session, workspace_id: int, team_id: int) -> Sequence[CelebrationPost]:
    return list(
        session.scalars(
            sa.select(CelebrationPost)
            .where(
                col(CelebrationPost.workspace_id) == workspace_id,
                col(CelebrationPost.team_id) == team_id,
            )
            .order_by(col(CelebrationPost.id))
        )
    )
