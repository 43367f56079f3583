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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from storage.db import make_engine
from storage.models import Entry, Goal, Person, Team, TeamManager, TeamMember, Workspace

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
_POOL = 1 << 14  # pre-drawn (metric, quantity, note) triples; a power of two


NULL = "\\N"


def _same(value: Any) -> Any:
    return value


# ---------------------------------------------------------------------------- databases


@dataclass
class BenchDatabase:
    """A database that exists only for one benchmark run."""

    backend: str  # "sqlite" | "postgresql"
    url: str
    _tmpdir: str | None = None
    _admin_url: str | None = None
    _pg_name: str | None = None

    def drop(self) -> None:
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._admin_url is not None and self._pg_name is not None:
            _drop_pg_database(self._admin_url, self._pg_name)
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


def create_postgresql(name: str = PG_DATABASE, server_url: str | None = None) -> BenchDatabase:
    """A fresh database `name` (one left by a killed run is dropped first)."""
    if not name.startswith(PG_DATABASE) or not name.replace("_", "").isalnum():
        raise ValueError(f"bench databases are named {PG_DATABASE}*, not {name!r}")
    base = make_url(server_url or pg_server_url()).set(drivername="postgresql+psycopg")
    admin_url = base.set(database="postgres").render_as_string(hide_password=False)
    _drop_pg_database(admin_url, name)
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        engine.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    return BenchDatabase("postgresql", url, _admin_url=admin_url, _pg_name=name)


def _drop_pg_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
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
            users = [(user_id_of(i), f"rep{i:04d}", f"Rep {i:04d}") for i in range(people)]
            return _add_team(conn, workspace_id, "Bench", users, now)
    finally:
        engine.dispose()


def seed_team(
    url: str, workspace_id: int, name: str, users: Sequence[tuple[str, str, str]], now: datetime
) -> Directory:
    """Another team in the workspace, of new people `users` (Slack id, name, real name)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            return _add_team(conn, workspace_id, name, users, now)
    finally:
        engine.dispose()


def seed_manager(
    url: str, workspace_id: int, team_id: int, user: tuple[str, str, str], now: datetime
) -> int:
    """A new person who manages team `team_id` (without being a member); their person id."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            [person_id] = _add_people(conn, workspace_id, [user], now)
            conn.execute(
                sa.insert(TeamManager).values(
                    workspace_id=workspace_id, team_id=team_id, person_id=person_id, added_at=now
                )
            )
            return person_id
    finally:
        engine.dispose()


def set_team_channel(url: str, team_id: int, channel_id: str) -> None:
    """Give a team a channel: what its live wins and digests post to."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(Team).where(Team.id == team_id).values(channel_id=channel_id))
    finally:
        engine.dispose()


def seed_goals(url: str, rows: Sequence[dict[str, Any]]) -> int:
    """Goal rows as the app stores them (`storage.models.Goal` columns), in one transaction."""
    if not rows:
        return 0
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(Goal), list(rows))
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return len(rows)


def _add_people(
    conn: sa.Connection, workspace_id: int, users: Sequence[tuple[str, str, str]], now: datetime
) -> list[int]:
    """People known to the app with fresh profiles (no users.info refresh); their ids in order."""
    conn.execute(
        sa.insert(Person),
        [
            {
                "workspace_id": workspace_id,
                "slack_user_id": user_id,
                "name": name,
                "real_name": real_name,
                "display_name": name,
                "tz": REP_TZ,
                "slack_admin": False,
                "is_bot": False,
                "deactivated": False,
                "created_at": now,
                "refreshed_at": now,
            }
            for user_id, name, real_name in users
        ],
    )
    ids = dict(
        conn.execute(
            sa.select(Person.slack_user_id, Person.id).where(
                Person.workspace_id == workspace_id,
                Person.slack_user_id.in_([u for u, _, _ in users]),
            )
        ).all()
    )
    return [ids[u] for u, _, _ in users]


def _add_team(
    conn: sa.Connection,
    workspace_id: int,
    name: str,
    users: Sequence[tuple[str, str, str]],
    now: datetime,
) -> Directory:
    person_ids = _add_people(conn, workspace_id, users, now)
    team_id = conn.execute(
        sa.insert(Team).values(
            workspace_id=workspace_id,
            name=name,
            name_key=name.lower(),
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
            for pid in person_ids
        ],
    )
    reps = sorted(
        (
            Rep(pid, user_id, rep_name)
            for pid, (user_id, rep_name, _) in zip(person_ids, users, strict=True)
        ),
        key=lambda r: r.user_id,
    )
    return Directory(workspace_id, team_id, reps)


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
    day_value: Callable[[date], Any] = _same,
    at_value: Callable[[datetime], Any] = _same,
    chunk_rows: int = 50_000,
) -> Iterator[list[tuple]]:
    """Exactly `total` entry rows (ENTRY_COLUMNS order, oldest day first) in lists of about
    `chunk_rows`.

    Every (day, rep) slot gets a share weighted by weekday and a per-slot random factor; a
    slot's entries come as /log batches of 1–3 metrics, from about 9:00 local time onward.
    `day_value` / `at_value` convert a day / an instant to what the loader sends; they run
    once per day / per batch, not per row. Metrics, quantities and notes come from a pool
    drawn once, so a million rows cost little more than building the tuples."""
    if total <= 0 or not days or not person_ids:
        return
    rng = random.Random(seed)
    slots = [(d, pid) for d in days for pid in person_ids]
    weights = [_WEEKDAY_FACTOR[d.weekday()] * rng.uniform(0.5, 1.5) for d, _ in slots]
    counts = _apportion(total, weights)

    metrics = [m[0] for m in _METRIC_MIX]
    cum_weights = list(itertools.accumulate(m[1] for m in _METRIC_MIX))
    ranges = {m[0]: (m[2], m[3]) for m in _METRIC_MIX}
    pool = []
    for metric in rng.choices(metrics, cum_weights=cum_weights, k=_POOL):
        low, high = ranges[metric]
        note = rng.choice(_NOTES) if rng.random() < 0.05 else None
        pool.append((metric, rng.randint(low, high), note))
    sizes = [rng.choice((1, 1, 1, 2, 2, 3)) for _ in range(_POOL)]
    gaps = [timedelta(seconds=rng.randrange(300, 2400)) for _ in range(_POOL)]
    mask = _POOL - 1
    k = rng.randrange(_POOL)
    batches = itertools.count(1)
    rep_zone = ZoneInfo(REP_TZ)

    chunk: list[tuple] = []
    append = chunk.append
    current_day: date | None = None
    stored_day: Any = None
    start = now
    for (day, person_id), n in zip(slots, counts, strict=True):
        if n == 0:
            continue
        if day != current_day:
            current_day, stored_day = day, day_value(day)
            start = datetime.combine(day, time(9), tzinfo=rep_zone).astimezone(UTC)
        at = start + gaps[(k + person_id) & mask] // 4
        left = n
        while left:
            size = min(left, sizes[k & mask])
            batch_id = f"{batch_prefix}{next(batches):027x}"
            stored_at = at_value(at if at < now else now)
            for _ in range(size):
                metric, quantity, note = pool[k & mask]
                k += 7
                append(
                    (
                        workspace_id,
                        person_id,
                        metric,
                        stored_day,
                        quantity,
                        note,
                        "log",
                        "slack",
                        batch_id,
                        person_id,
                        stored_at,
                    )
                )
            left -= size
            at += gaps[k & mask]
        if len(chunk) >= chunk_rows:
            yield chunk
            chunk = []
            append = chunk.append
    if chunk:
        yield chunk


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


def entry_converters(url: str) -> tuple[Callable[[date], Any], Callable[[datetime], Any]]:
    """How the loader for `url` wants days and instants (see `entry_plan`).

    SQLite stores them as text: the real column types' own bind processors produce exactly
    what the app would store. PostgreSQL gets COPY text: ISO dates and ISO instants with
    their UTC offset, which `date` and `timestamptz` parse."""
    if not url.startswith("sqlite"):
        return date.isoformat, datetime.isoformat
    dialect = sa.create_engine("sqlite://").dialect
    columns = Entry.__table__.c  # type: ignore[attr-defined]
    day_bind = columns.day.type.dialect_impl(dialect).bind_processor(dialect) or _same
    at_bind = columns.created_at.type.dialect_impl(dialect).bind_processor(dialect) or _same
    return day_bind, at_bind


def load_entries(url: str, chunks: Iterable[list[tuple]]) -> int:
    """Bulk-insert entry rows in one transaction, then ANALYZE; returns how many went in.

    Like any bulk load, it skips per-row foreign-key checks (the rows are generated against
    the seeded people) and builds the secondary indexes once afterwards, from their own
    stored definitions, instead of maintaining them row by row."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            return _load_sqlite(engine, chunks)
        return _load_postgresql(engine, chunks)
    finally:
        engine.dispose()


def _load_sqlite(engine: Engine, chunks: Iterable[list[tuple]]) -> int:
    @sa.event.listens_for(engine, "connect")
    def seed_only(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # For the seed only (runs after the app's own connect hook): no fsync, no per-row FK
        # checks, a big page cache. The app's connections keep synchronous=NORMAL and
        # foreign_keys=ON; this engine is disposed once the seed is in.
        dbapi_connection.execute("PRAGMA synchronous=OFF")
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        dbapi_connection.execute("PRAGMA cache_size=-262144")  # 256 MiB

    # Core executemany of positional tuples: one `cursor.executemany` per chunk, values
    # already in storage form (entry_converters), so no per-row work in SQLAlchemy.
    insert = (
        f"INSERT INTO entry ({', '.join(ENTRY_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in ENTRY_COLUMNS)})"
    )
    count = 0
    with engine.connect() as conn:
        with conn.begin():
            # Indexes the migrations created (constraint-backed ones have no `sql`).
            indexes = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'entry' AND sql IS NOT NULL"
            ).all()
            for name, _ in indexes:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
            for chunk in chunks:
                conn.exec_driver_sql(insert, chunk)
                count += len(chunk)
            for _, create in indexes:
                conn.exec_driver_sql(create)
        with conn.begin():
            conn.exec_driver_sql("ANALYZE")
    # Fold the seed's WAL into the database file so the app starts without a huge WAL.
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return count


def _load_postgresql(engine: Engine, chunks: Iterable[list[tuple]]) -> int:
    """COPY in text format, each chunk formatted in one go (psycopg's per-row `write_row`
    costs several times more Python time than the f-string)."""
    count = 0
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection  # a psycopg.Connection
        try:
            # Skips the FK triggers for this session only (needs superuser, as the bench's
            # own server has); without it the load is ~4x slower but still correct.
            conn.execute("SET session_replication_role = replica")
        except psycopg.Error:
            conn.rollback()
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = 'entry' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        copy_sql = f"COPY entry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for chunk in chunks:
                # Values never hold tabs, newlines or backslashes; None is COPY's \\N.
                copy.write(
                    "".join(
                        [
                            f"{w}\t{p}\t{m}\t{d}\t{q}\t{n or NULL}\t{k}\t{s}\t{b}\t{e}\t{a}\n"
                            for w, p, m, d, q, n, k, s, b, e, a in chunk
                        ]
                    )
                )
                count += len(chunk)
        for _, create in indexes:
            conn.execute(create)
        conn.commit()
        conn.execute("RESET session_replication_role")
        conn.execute("RESET maintenance_work_mem")
        conn.commit()
        conn.autocommit = True
        try:
            # VACUUM sets the visibility map and hint bits a year of autovacuum would have;
            # ANALYZE gives the planner the new row counts and distributions.
            conn.execute("VACUUM (ANALYZE) entry")
            conn.execute("ANALYZE")
            # The load's dirty pages are written now, not by a checkpoint in the middle of
            # the measurements (the server's own, after a gigabyte of WAL).
            with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
                conn.execute("CHECKPOINT")
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
def bench_database(backend: str, name: str = PG_DATABASE) -> Iterator[BenchDatabase]:
    """A throwaway database: a temp SQLite file, or PostgreSQL database `name` followed by
    this process's id (`paceline_bench_1k_4242`): two runs sharing a server must not drop
    each other's databases."""
    database = (
        create_sqlite() if backend == "sqlite" else create_postgresql(f"{name}_{os.getpid()}")
    )
    try:
        yield database
    finally:
        database.drop()
