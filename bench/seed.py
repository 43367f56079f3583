"""Benchmark databases and bulk data: a temp SQLite file or a throwaway PostgreSQL database,
one workspace with its reps and team, and up to a million realistic entries.

Bulk loading bypasses the ORM: SQLite gets SQLAlchemy core `executemany` in large batches
inside one transaction (with `synchronous=OFF` on the seeding connection only), PostgreSQL
gets psycopg's `COPY ... FROM STDIN`. Both end with `ANALYZE` so the planner sees the data.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from storage.db import make_engine
from storage.models import Entry, Person, Team, TeamMember, Workspace

TEAM_ID = "T_BENCH"
REP_TZ = "America/New_York"
PG_DATABASE = "paceline_bench"
DEFAULT_PG_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# The columns the bulk loaders fill, in this order (the rest keep their defaults / NULL).
ENTRY_COLUMNS = (
    "workspace_id",
    "person_id",
    "metric",
    "day",
    "quantity",
    "note",
    "kind",
    "source",
    "batch_id",
    "entered_by_id",
    "created_at",
)

# How often each metric is logged, and the range of one entry's quantity.
_METRIC_MIX: tuple[tuple[str, int, int, int], ...] = (
    # metric, weight, min, max
    ("calls", 34, 1, 40),
    ("emails", 28, 1, 30),
    ("meetings", 12, 1, 4),
    ("demos", 8, 1, 3),
    ("opportunities", 7, 1, 2),
    ("proposals", 5, 1, 2),
    ("deals", 3, 1, 1),
    ("revenue", 3, 50_000, 5_000_000),  # cents
)
_NOTES = ("follow-up booked", "left voicemail", "intro via partner", "renewal", "inbound lead")
# Mondays are busiest, Fridays quietest.
_WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 0.8, 0.2, 0.2)
SQLITE_BATCH_ROWS = 50_000


# ---------------------------------------------------------------------------- databases


@dataclass
class BenchDatabase:
    """A database that exists only for one benchmark run."""

    backend: str  # "sqlite" | "postgresql"
    url: str
    _tmpdir: str | None = None
    _admin_url: str | None = None

    def drop(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._admin_url is not None:
            _drop_pg_database(self._admin_url)
            self._admin_url = None


def create_sqlite() -> BenchDatabase:
    tmpdir = tempfile.mkdtemp(prefix="paceline_bench_")
    return BenchDatabase("sqlite", f"sqlite:///{os.path.join(tmpdir, 'bench.db')}", _tmpdir=tmpdir)


def pg_server_url() -> str:
    """Where PostgreSQL is: PACELINE_BENCH_POSTGRES_URL, else the test server's, else loopback."""
    return (
        os.environ.get("PACELINE_BENCH_POSTGRES_URL")
        or os.environ.get("PACELINE_TEST_POSTGRES_URL")
        or DEFAULT_PG_SERVER_URL
    )


def create_postgresql(server_url: str | None = None) -> BenchDatabase:
    """A fresh `paceline_bench` database (an old one left by a killed run is dropped first)."""
    base = make_url(server_url or pg_server_url()).set(drivername="postgresql+psycopg")
    admin_url = base.set(database="postgres").render_as_string(hide_password=False)
    _drop_pg_database(admin_url)
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {PG_DATABASE}")
    finally:
        engine.dispose()
    url = base.set(database=PG_DATABASE).render_as_string(hide_password=False)
    return BenchDatabase("postgresql", url, _admin_url=admin_url)


def _drop_pg_database(admin_url: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- directory


@dataclass
class Rep:
    person_id: int
    user_id: str
    name: str


@dataclass
class Directory:
    workspace_id: int
    team_id: int
    reps: list[Rep] = field(default_factory=list)


def user_id_of(index: int) -> str:
    return f"UB{index:04d}"


def seed_directory(url: str, people: int, now: datetime) -> Directory:
    """One workspace (T_BENCH), `people` reps already known to the app (profiles fresh, so no
    users.info refresh), and one team with all of them."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            workspace_id = conn.execute(
                sa.insert(Workspace).values(slack_team_id=TEAM_ID, name="Bench Co", created_at=now)
            ).inserted_primary_key[0]
            conn.execute(
                sa.insert(Person),
                [
                    {
                        "workspace_id": workspace_id,
                        "slack_user_id": user_id_of(i),
                        "name": f"rep{i:04d}",
                        "real_name": f"Rep {i:04d}",
                        "display_name": f"rep{i:04d}",
                        "tz": REP_TZ,
                        "slack_admin": False,
                        "is_bot": False,
                        "deactivated": False,
                        "created_at": now,
                        "refreshed_at": now,
                    }
                    for i in range(people)
                ],
            )
            rows = conn.execute(
                sa.select(Person.id, Person.slack_user_id, Person.name)
                .where(Person.workspace_id == workspace_id)
                .order_by(Person.slack_user_id)
            ).all()
            team_id = conn.execute(
                sa.insert(Team).values(
                    workspace_id=workspace_id,
                    name="Bench",
                    name_key="bench",
                    tz=REP_TZ,
                    workweek="0,1,2,3,4",
                    threshold_ahead=110,
                    threshold_on_pace=90,
                    threshold_behind=75,
                    approvals=False,
                    created_at=now,
                )
            ).inserted_primary_key[0]
            conn.execute(
                sa.insert(TeamMember),
                [
                    {"workspace_id": workspace_id, "team_id": team_id, "person_id": pid, "added_at": now}
                    for pid, _, _ in rows
                ],
            )
    finally:
        engine.dispose()
    return Directory(workspace_id, team_id, [Rep(pid, uid, name) for pid, uid, name in rows])


# ---------------------------------------------------------------------------- entry plans


def working_days(end: date, count_back_days: int) -> list[date]:
    """Monday–Friday dates in (end - count_back_days, end], oldest first."""
    start = end - timedelta(days=count_back_days - 1)
    days = (start + timedelta(days=i) for i in range(count_back_days))
    return [d for d in days if d.weekday() < 5]


def last_working_day(today: date) -> date:
    while today.weekday() >= 5:
        today -= timedelta(days=1)
    return today


def entry_plan(
    *,
    workspace_id: int,
    person_ids: Sequence[int],
    days: Sequence[date],
    total: int,
    seed: int,
    batch_prefix: str,
    now: datetime,
) -> Iterator[tuple]:
    """Exactly `total` entry rows (ENTRY_COLUMNS order), oldest day first.

    Every (day, rep) slot gets a share weighted by weekday and a per-slot random factor; a
    slot's entries come as /log batches of 1–3 metrics, from 9:00 local time onward."""
    if total <= 0 or not days or not person_ids:
        return
    rng = random.Random(seed)
    slots = [(d, pid) for d in days for pid in person_ids]
    weights = [_WEEKDAY_FACTOR[d.weekday()] * rng.uniform(0.5, 1.5) for d, _ in slots]
    counts = _apportion(total, weights)

    metrics = [m[0] for m in _METRIC_MIX]
    cum_weights = list(itertools.accumulate(m[1] for m in _METRIC_MIX))
    ranges = {m[0]: (m[2], m[3]) for m in _METRIC_MIX}
    rep_zone = ZoneInfo(REP_TZ)
    day_start: dict[date, datetime] = {}
    batches = itertools.count(1)

    for (day, person_id), n in zip(slots, counts, strict=True):
        if n == 0:
            continue
        start = day_start.get(day)
        if start is None:
            start = day_start[day] = datetime.combine(day, time(9), tzinfo=rep_zone).astimezone(UTC)
        chosen = rng.choices(metrics, cum_weights=cum_weights, k=n)
        at = start + timedelta(seconds=rng.randrange(0, 1800))
        i = 0
        while i < n:
            size = min(n - i, rng.choice((1, 1, 1, 2, 2, 3)))
            batch_id = f"{batch_prefix}{next(batches):027x}"[:32]
            created = min(at, now)
            for metric in chosen[i : i + size]:
                low, high = ranges[metric]
                note = rng.choice(_NOTES) if rng.random() < 0.05 else None
                yield (
                    workspace_id,
                    person_id,
                    metric,
                    day,
                    rng.randint(low, high),
                    note,
                    "log",
                    "slack",
                    batch_id,
                    person_id,
                    created,
                )
            i += size
            at += timedelta(seconds=rng.randrange(300, 2400))


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder), exactly."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    short = total - sum(counts)
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[:short]:
        counts[i] += 1
    return counts


# ---------------------------------------------------------------------------- bulk loading


def load_entries(url: str, rows: Iterable[tuple]) -> int:
    """Bulk-insert entry rows in one transaction, then ANALYZE; returns how many went in."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            return _load_sqlite(engine, rows)
        return _load_postgresql(engine, rows)
    finally:
        engine.dispose()


def _load_sqlite(engine: Engine, rows: Iterable[tuple]) -> int:
    # An untyped table: values are converted once here with the real column types' own bind
    # processors (so they are stored exactly as the app would store them), instead of per row
    # and per column inside SQLAlchemy.
    table = sa.table("entry", *(sa.column(name) for name in ENTRY_COLUMNS))
    columns = Entry.__table__.c  # type: ignore[attr-defined]
    dialect = engine.dialect
    day_bind = columns.day.type.bind_processor(dialect) or (lambda v: v)
    at_bind = columns.created_at.type.bind_processor(dialect) or (lambda v: v)
    days: dict[date, object] = {}
    instants: dict[datetime, object] = {}

    def converted(row: tuple) -> dict:
        day, at = row[3], row[10]
        stored_day = days.get(day)
        if stored_day is None:
            stored_day = days[day] = day_bind(day)
        stored_at = instants.get(at)
        if stored_at is None:
            if len(instants) > 100_000:
                instants.clear()
            stored_at = instants[at] = at_bind(at)
        return dict(zip(ENTRY_COLUMNS, (*row[:3], stored_day, *row[4:10], stored_at), strict=True))

    @sa.event.listens_for(engine, "connect")
    def seed_only(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # For the seed only: no fsync and a big page cache. The app's own connections keep
        # synchronous=NORMAL; this engine is disposed once the seed is in.
        dbapi_connection.execute("PRAGMA synchronous=OFF")
        dbapi_connection.execute("PRAGMA cache_size=-262144")  # 256 MiB

    count = 0
    with engine.connect() as conn:
        with conn.begin():
            iterator = iter(rows)
            while batch := [converted(r) for r in itertools.islice(iterator, SQLITE_BATCH_ROWS)]:
                conn.execute(sa.insert(table), batch)
                count += len(batch)
        with conn.begin():
            conn.exec_driver_sql("ANALYZE")
        conn.commit()
    # Fold the seed's WAL into the database file so the app starts without a huge WAL.
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return count


def _load_postgresql(engine: Engine, rows: Iterable[tuple]) -> int:
    count = 0
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection  # a psycopg.Connection
        with conn.cursor() as cursor:
            with cursor.copy(f"COPY entry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        conn.commit()
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                # VACUUM sets the visibility map and hint bits a year of autovacuum would have;
                # ANALYZE gives the planner the new row counts and distributions.
                cursor.execute("VACUUM (ANALYZE) entry")
                cursor.execute("ANALYZE")
        finally:
            conn.autocommit = False
    finally:
        raw.close()
    return count


def count_entries(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(Entry)) or 0)
    finally:
        engine.dispose()


@contextlib.contextmanager
def bench_database(backend: str, pg_url: str | None = None) -> Iterator[BenchDatabase]:
    database = create_sqlite() if backend == "sqlite" else create_postgresql(pg_url)
    try:
        yield database
    finally:
        database.drop()
