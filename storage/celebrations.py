"""The SQL of live wins: what changed since the worker last looked, the wins recorded per
team, and their posts. The rules are in bot/core/wins.py and scheduler/celebrations.py."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

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
    undone: bool = False


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
        newest = session.scalar(sa.select(sa.func.max(Entry.id))) or 0
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
    columns = (Entry.workspace_id, Entry.person_id, Entry.metric, Entry.day, Entry.source, Entry.batch_id)
    added = (
        sa.select(*columns, sa.func.sum(Entry.quantity))
        .where(Entry.id > since.entry_id, Entry.day >= oldest_day, Entry.deleted_at.is_(None))
        # Grouped batch first: grouped by (workspace, person, metric, day) first, SQLite would
        # walk that whole index for the grouping instead of the few rows past the position.
        .group_by(Entry.batch_id, *columns[:-1])
    )
    undone = (
        sa.select(*columns, sa.func.sum(-Entry.quantity))
        .where(Entry.deleted_at.is_not(None), Entry.deleted_at > since.deleted_since, Entry.day >= oldest_day)
        .group_by(*columns)
    )
    found = [Change(*row) for row in session.execute(added)]
    return found + [Change(*row, undone=True) for row in session.execute(undone)]


def settled_entry_id(session: Session, since: Position, now: datetime, settle: timedelta) -> tuple[int, int]:
    """(the next position's entry id, the newest entry id read). The position moves past
    every entry whose transaction has surely ended, so an entry committed late (a long
    import) is still read. Entries stamped in the future (a clock set back) count as settled."""
    recent = sa.and_(Entry.created_at >= now - settle, Entry.created_at <= now + timedelta(minutes=1))
    newest, first_recent = session.execute(
        sa.select(sa.func.max(Entry.id), sa.func.min(sa.case((recent, Entry.id)))).where(Entry.id > since.entry_id)
    ).one()
    newest = int(newest) if newest is not None else since.entry_id
    return (int(first_recent) - 1 if first_recent is not None else newest), newest


def advance(session: Session, entry_id: int, deleted_since: datetime, now: datetime) -> None:
    session.execute(
        sa.update(CelebrationCursor)
        .where(CelebrationCursor.id == _CURSOR_ID)
        .values(
            entry_id=sa.func.max(CelebrationCursor.entry_id, entry_id)
            if session.get_bind().dialect.name == "sqlite"
            else sa.func.greatest(CelebrationCursor.entry_id, entry_id),
            deleted_since=deleted_since,
            updated_at=now,
        )
    )


def active_workspaces(session: Session, ids: Collection[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(sa.select(Workspace.id).where(Workspace.id.in_(list(ids)), Workspace.active)))


def teams_of_people(session: Session, workspace_id: int, person_ids: Collection[int]) -> dict[int, int]:
    """person id → the id of the team they are on (a rep is on at most one)."""
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(TeamMember.person_id, TeamMember.team_id).where(
            TeamMember.workspace_id == workspace_id, TeamMember.person_id.in_(list(person_ids))
        )
    )
    return {person_id: team_id for person_id, team_id in rows}


def lock_team(session: Session, workspace_id: int, team_id: int) -> Team | None:
    """The team, locked for this transaction on PostgreSQL so two instances bring its wins
    in line one after the other (SQLite's write transaction already does)."""
    statement = sa.select(Team).where(Team.workspace_id == workspace_id, Team.id == team_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def names(session: Session, workspace_id: int, person_ids: Collection[int]) -> dict[int, Person]:
    if not person_ids:
        return {}
    rows = session.scalars(sa.select(Person).where(Person.workspace_id == workspace_id, Person.id.in_(list(person_ids))))
    return {p.id: p for p in rows if p.id is not None}


def deal_batches(
    session: Session, workspace_id: int, person_ids: Collection[int], first: date, last: date
) -> list[DealBatch]:
    """Each live /log of deals or revenue by these people on these days, as one batch."""
    if not person_ids:
        return []
    deals = sa.func.sum(sa.case((Entry.metric == "deals", Entry.quantity), else_=0))
    revenue = sa.func.sum(sa.case((Entry.metric == "revenue", Entry.quantity), else_=0))
    rows = session.execute(
        sa.select(Entry.person_id, Entry.day, sa.func.min(Entry.id), deals, revenue, Entry.batch_id)
        .where(
            Entry.workspace_id == workspace_id,
            Entry.person_id.in_(list(person_ids)),
            Entry.metric.in_(DEAL_METRICS),
            Entry.day >= first,
            Entry.day <= last,
            Entry.deleted_at.is_(None),
            Entry.kind == "log",
            Entry.source.in_(sorted(LIVE_SOURCES)),
        )
        .group_by(Entry.person_id, Entry.day, Entry.batch_id)
    )
    return [DealBatch(p, d, int(first_id), int(n or 0), int(r or 0), b) for p, d, first_id, n, r, b in rows]


# ---------------------------------------------------------------------- recorded wins


def recorded(session: Session, workspace_id: int, team_id: int, periods: Collection[str]) -> list[Recorded]:
    """The team's wins recorded for these periods (and deal days), with whether their post
    went out."""
    if not periods:
        return []
    posted = sa.and_(Celebration.post_id.is_not(None), CelebrationPost.status == "posted")
    rows = session.execute(
        sa.select(
            Celebration.id, Celebration.fact_key, Celebration.kind, Celebration.person_id, Celebration.period,
            Celebration.state, sa.case((posted, True), else_=False),
        )  # fmt: skip
        .outerjoin(CelebrationPost, CelebrationPost.id == Celebration.post_id)
        .where(
            Celebration.workspace_id == workspace_id,
            Celebration.team_id == team_id,
            Celebration.period.in_(sorted(periods)),
        )
    )
    return [Recorded(*row[:6], posted=bool(row[6])) for row in rows]


def waiting_post(session: Session, workspace_id: int, team_id: int) -> CelebrationPost | None:
    return session.scalars(
        sa.select(CelebrationPost)
        .where(CelebrationPost.workspace_id == workspace_id, CelebrationPost.team_id == team_id,
               CelebrationPost.status == "waiting")  # fmt: skip
        .order_by(CelebrationPost.id)
    ).first()


def new_post(session: Session, workspace_id: int, team_id: int, channel_id: str, due_at: datetime, now: datetime) -> int:
    post = CelebrationPost(
        workspace_id=workspace_id, team_id=team_id, channel_id=channel_id, due_at=due_at, created_at=now, updated_at=now
    )
    session.add(post)
    session.flush()
    assert post.id is not None
    return post.id


def record(
    session: Session, workspace_id: int, team_id: int, wins: Iterable[Win], post_id: int | None, state: str, now: datetime
) -> None:
    rows = [
        {
            "workspace_id": workspace_id, "team_id": team_id, "post_id": post_id, "fact_key": w.key, "kind": w.kind,
            "person_id": w.person_id, "period": w.period, "line": w.line, "state": state, "created_at": now,
            "updated_at": now,
        }  # fmt: skip
        for w in wins
    ]
    if rows:
        session.execute(sa.insert(Celebration), rows)


def drop(session: Session, ids: Collection[int]) -> None:
    if ids:
        session.execute(sa.delete(Celebration).where(Celebration.id.in_(list(ids))))


def set_state(session: Session, ids: Collection[int], state: str, now: datetime) -> None:
    if ids:
        session.execute(sa.update(Celebration).where(Celebration.id.in_(list(ids))).values(state=state, updated_at=now))


def set_line(session: Session, win_id: int, line: str, now: datetime) -> None:
    session.execute(sa.update(Celebration).where(Celebration.id == win_id).values(line=line, updated_at=now))


def posts_of(session: Session, ids: Collection[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(sa.select(Celebration.post_id).where(Celebration.id.in_(list(ids)))).all()) - {None}


def drop_empty_waiting(session: Session, workspace_id: int, team_id: int) -> None:
    """A waiting post whose every win was undone is cancelled."""
    has_wins = sa.exists().where(Celebration.post_id == CelebrationPost.id)
    session.execute(
        sa.delete(CelebrationPost).where(
            CelebrationPost.workspace_id == workspace_id, CelebrationPost.team_id == team_id,
            CelebrationPost.status == "waiting", ~has_wins,
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
        sa.select(CelebrationPost.id, CelebrationPost.workspace_id, CelebrationPost.team_id,
                  CelebrationPost.channel_id, CelebrationPost.due_at)  # fmt: skip
        .where(CelebrationPost.status == "waiting", CelebrationPost.due_at <= now)
        .order_by(CelebrationPost.due_at, CelebrationPost.id)
        .limit(limit)
    )
    return [DuePost(*row) for row in rows]


def lines(session: Session, post_id: int) -> list[tuple[str, bool]]:
    """The post's wins in the order they happened: (line, struck)."""
    rows = session.execute(
        sa.select(Celebration.line, Celebration.state).where(Celebration.post_id == post_id).order_by(Celebration.id)
    )
    return [(line, state == "struck") for line, state in rows]


def mark_posted(session: Session, post_id: int, channel_id: str, delivery_key: str, now: datetime) -> bool:
    """Waiting → posted to `channel_id` (the team's channel now; edits follow it), once:
    False when another instance got there first."""
    result = session.execute(
        sa.update(CelebrationPost)
        .where(CelebrationPost.id == post_id, CelebrationPost.status == "waiting")
        .values(status="posted", channel_id=channel_id, delivery_key=delivery_key, updated_at=now)
    )
    return result.rowcount == 1


def silence(session: Session, post_id: int, now: datetime) -> None:
    """A waiting post that will not go out (celebrations turned off, the channel unset):
    its wins stay recorded, so they are not celebrated later, and the post is dropped."""
    session.execute(
        sa.update(Celebration).where(Celebration.post_id == post_id).values(post_id=None, state="absorbed", updated_at=now)
    )
    session.execute(sa.delete(CelebrationPost).where(CelebrationPost.id == post_id, CelebrationPost.status == "waiting"))


def postpone(session: Session, post_id: int, due_at: datetime, now: datetime) -> None:
    session.execute(
        sa.update(CelebrationPost).where(CelebrationPost.id == post_id).values(due_at=due_at, updated_at=now)
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
            .where(CelebrationPost.workspace_id == workspace_id, CelebrationPost.team_id == team_id)
            .order_by(CelebrationPost.id)
        )
    )
