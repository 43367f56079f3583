"""Engine, sessions and migrations for SQLite (default) and PostgreSQL.

Every wait on the database is bounded (`Timeouts`): connecting, a free pooled connection,
SQLite's lock, and — in a thread inside `bounded_waits(seconds)`, as the HTTP server runs
every Slack request — each statement, commit and rollback, whose connection is cut when one
takes longer (a server that stopped answering otherwise keeps the thread for minutes; a slow
request of many quick statements is not cut). After a failed connect, connects fail at once
for `retry_after` seconds except one probe at a time, so an outage does not hold every
thread; service resumes by itself when a probe succeeds.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event, orm
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlmodel import Session

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Timeouts:
    """How long database work may wait, in seconds. The defaults suit the command-line tools
    (imports, migrations, exports); `SERVING` is what the running app uses."""

    # PostgreSQL connect_timeout, per address the host name resolves to (libpq's minimum is
    # 2 s; psycopg's own default is 130 s).
    connect: float = 10.0
    # Waiting for a free connection when the pool is exhausted.
    pool: float = 30.0
    # PostgreSQL statement_timeout, enforced by the server (None: none). A backstop for
    # runaway statements; the 3-second guarantee comes from `bounded_waits()`.
    statement: float | None = None
    # SQLite busy timeout: how long a statement waits for another process's lock.
    sqlite_busy: float = SQLITE_BUSY_TIMEOUT_MS / 1000
    # After a failed connect, connects fail at once for this long, except one probe.
    retry_after: float = 2.0
    # In every thread, a statement, commit or rollback unanswered this long has its
    # connection cut (None: never). Set above `statement`: a live server has cancelled the
    # statement by then, so only a server that stopped answering is cut. Slack requests
    # get a tighter bound of their own (`bounded_waits`).
    wait: float | None = None


# The running app (HTTP, Socket Mode, the scheduler): everything a Slack request waits for
# fits in Slack's 3 seconds, and no thread (a lazy listener, the scheduler) waits on a hung
# server for ever.
SERVING = Timeouts(connect=2.0, pool=2.0, statement=30.0, sqlite_busy=2.0, wait=60.0)


class DatabaseUnavailable(sa.exc.OperationalError):
    """The database cannot be used right now (unreachable, or a lock wait ran out).
    An OperationalError, so code that handles those handles this too."""

    def __init__(self, message: str) -> None:
        super().__init__(None, None, ConnectionError(message))
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[DatabaseUnavailable], tuple[str]]:
        return (type(self), (self.message,))


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) means the database could not be reached or did not
    answer in time — as opposed to a bug or a constraint."""
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 8:
        if isinstance(current, (DatabaseUnavailable, sa.exc.TimeoutError)):
            return True
        if isinstance(current, sa.exc.DBAPIError) and (
            current.connection_invalidated
            or isinstance(current, (sa.exc.OperationalError, sa.exc.InterfaceError))
        ):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def write_in_doubt(error: BaseException) -> bool:
    """Whether the connection was lost while a write was on its way to the server, so it may
    have been applied (see Database.write and autocommit): "nothing was saved" would be wrong."""
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 8:
        if getattr(current, "paceline_write_in_doubt", False):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


_this_thread = threading.local()


@contextmanager
def bounded_waits(seconds: float) -> Iterator[None]:
    """Inside the block no single database wait of this thread lasts more than `seconds`: a
    statement, commit or rollback still unanswered then has its connection cut (PostgreSQL:
    the socket is shut down, so a server that stopped answering cannot keep the thread;
    SQLite: the statement is interrupted), and waiting for this process's SQLite write lock
    stops there. The HTTP server runs every Slack request inside one (Slack waits 3 s)."""
    previous: float | None = getattr(_this_thread, "limit", None)
    _this_thread.limit = seconds if previous is None else min(previous, seconds)
    try:
        yield
    finally:
        _this_thread.limit = previous


class Database:
    """One engine and the two kinds of transaction the app needs."""

    def __init__(self, url: str, *, echo: bool = False, timeouts: Timeouts | None = None) -> None:
        self.url = url
        self.timeouts = timeouts or Timeouts()
        self._reachability = _Reachability(self.timeouts.retry_after)
        self.engine = make_engine(
            url, echo=echo, timeouts=self.timeouts, reachability=self._reachability
        )
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # On SQLite a transaction that reads and then writes must take the write lock up
        # front: upgrading a read lock fails at once, ignoring the busy timeout.
        self._write_engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.is_sqlite
            else self.engine
        )
        # On PostgreSQL autocommit gets a pool of its own, so a checkout does not switch the
        # connection's isolation level and switch it back on return.
        self._autocommit_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.is_sqlite
            else make_engine(
                url,
                echo=echo,
                isolation_level="AUTOCOMMIT",
                timeouts=self.timeouts,
                reachability=self._reachability,
            )
        )
        # SQLite has one writer at a time. Writers of this process queue on a lock rather
        # than on SQLite's busy timeout, whose sleeps (1, 2, 5 … 100 ms) would add tens of
        # milliseconds under concurrent requests. Other processes still use the timeout.
        self._sqlite_writes = threading.RLock() if self.is_sqlite else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading. On PostgreSQL its statements run in autocommit: at READ
        COMMITTED each statement of a transaction sees its own snapshot anyway, and the
        BEGIN and ROLLBACK around them would be two round trips per read."""
        engine = self.engine if self.is_sqlite else self._autocommit_engine
        with Session(engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error."""
        with self._serialized(), Session(self._write_engine, expire_on_commit=False) as session:
            committing = False
            try:
                with session.begin():
                    yield session
                    committing = True
            except Exception as error:
                if committing:
                    self._in_doubt(error)
                raise

    @contextmanager
    def autocommit(self) -> Iterator[sa.Connection]:
        """A connection whose every statement commits on its own: for hot paths whose write
        is one statement (atomic by itself), saving BEGIN and COMMIT round trips."""
        with self._serialized(), self._autocommit_engine.connect() as connection:
            try:
                yield connection
            except Exception as error:
                self._in_doubt(error)
                raise

    def _in_doubt(self, error: Exception) -> None:
        """A PostgreSQL connection lost while a COMMIT (or an autocommit statement) was on its
        way: the server may have applied it after all. SQLite's statements either ran or not."""
        if not self.is_sqlite and is_unavailable(error):
            error.paceline_write_in_doubt = True  # type: ignore[attr-defined]

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine statements may run on (PostgreSQL's autocommit engine has its own
        pool and events): what a statement counter listens to."""
        return (self.engine,) if self.is_sqlite else (self.engine, self._autocommit_engine)

    def _serialized(self) -> AbstractContextManager[object]:
        if self._sqlite_writes is None:
            return nullcontext()
        limit: float | None = getattr(_this_thread, "limit", None)
        return self._sqlite_writes if limit is None else self._write_lock_within(limit)

    @contextmanager
    def _write_lock_within(self, limit: float) -> Iterator[None]:
        assert self._sqlite_writes is not None
        if not self._sqlite_writes.acquire(timeout=limit):
            raise DatabaseUnavailable(
                f"SQLite's write lock was held by another request for over {limit:g} s"
            )
        try:
            yield
        finally:
            self._sqlite_writes.release()

    def upgrade(self) -> None:
        """Migrations run without the serving timeouts, on an engine of their own: one may
        rebuild a large table, or wait for another instance's to finish (advisory lock)."""
        memory = self.is_sqlite and self.engine.url.database in (None, "", ":memory:")
        if memory or (self.timeouts.statement is None and self.timeouts.wait is None):
            upgrade(self.engine)
            return
        engine = make_engine(self.url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()

    def ping(self) -> bool:
        """Whether the database answers a read (on SQLite one that needs the file's lock:
        `SELECT 1` alone would answer even when the file is locked)."""
        probe = "SELECT count(*) FROM sqlite_master" if self.is_sqlite else "SELECT 1"
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text(probe))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        if not self.is_sqlite:  # its own pool on PostgreSQL
            self._autocommit_engine.dispose()


Executor = orm.Session | sa.Connection


def connection_of(executor: Executor) -> sa.Connection:
    return executor.connection() if isinstance(executor, orm.Session) else executor


def insert_for(session: orm.Session) -> Callable[..., postgresql.Insert | sqlite.Insert]:
    """The dialect's INSERT construct (both have ON CONFLICT DO NOTHING)."""
    return postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert


def make_engine(
    url: str,
    *,
    echo: bool = False,
    isolation_level: str | None = None,
    timeouts: Timeouts | None = None,
    reachability: _Reachability | None = None,
) -> Engine:
    timeouts = timeouts or Timeouts()
    if url.startswith("sqlite"):
        in_memory = sa.engine.make_url(url).database in (None, "", ":memory:")
        engine = sa.create_engine(
            url,
            echo=echo,
            # sqlite3's own timeout bounds the PRAGMAs run on connect, before busy_timeout.
            connect_args={"check_same_thread": False, "timeout": timeouts.sqlite_busy},
            **({} if in_memory else {"pool_timeout": timeouts.pool}),
        )
        _configure_sqlite(engine, busy_ms=round(timeouts.sqlite_busy * 1000))
        _watch_waits(engine, _interrupt_sqlite, timeouts.wait)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout. After a database restart
    # the first statement on a dead connection fails, SQLAlchemy discards the whole pool,
    # and the next request reconnects; pool_recycle retires connections idle servers drop.
    extra = {"isolation_level": isolation_level} if isolation_level else {}
    engine = sa.create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        pool_recycle=1800,
        pool_timeout=timeouts.pool,
        connect_args=_postgres_connect_args(url, timeouts),
        **extra,
    )
    _watch_waits(engine, _shut_down_socket, timeouts.wait)
    if reachability is not None:
        _watch_connects(
            engine, reachability, sa.engine.make_url(url).render_as_string(hide_password=True)
        )
    return engine


def _postgres_connect_args(url: str, timeouts: Timeouts) -> dict[str, object]:
    """libpq parameters for the timeouts; a value the URL sets itself wins."""
    query = sa.engine.make_url(url).query
    args: dict[str, object] = {}
    if "connect_timeout" not in query:
        args["connect_timeout"] = max(2, math.ceil(timeouts.connect))
    if timeouts.statement is not None:
        setting = f"-c statement_timeout={round(timeouts.statement * 1000)}"
        given = query.get("options")
        given = given[-1] if isinstance(given, tuple) else given
        if not given or "statement_timeout" not in given:
            args["options"] = f"{given} {setting}" if given else setting
    return args


class _Reachability:
    """After a connect fails, further connects fail at once (DatabaseUnavailable) for
    `retry_after` seconds; then one caller probes while the others keep failing fast. A
    connect that succeeds closes the circuit: service resumes by itself."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._next_probe = 0.0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def admit(self, where: str) -> None:
        if self._down_since is None:
            return
        with self._lock:
            now = time.monotonic()
            if self._down_since is not None and now < self._next_probe:
                raise DatabaseUnavailable(
                    f"{where} is unreachable (for {now - self._down_since:.0f} s; next attempt in "
                    f"{self._next_probe - now:.1f} s)"
                )
            self._next_probe = now + self.retry_after  # this caller probes

    def failed(self, where: str, error: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            self._next_probe = now + self.retry_after
            if self._down_since is None:
                self._down_since = now
                log.warning(
                    "Database %s is unreachable (%s: %s); connects fail at once for %g s between attempts",
                    where,
                    type(error).__name__,
                    str(error).strip().splitlines()[0] if str(error).strip() else "",
                    self.retry_after,
                )

    def succeeded(self, where: str) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                log.warning(
                    "Database %s is reachable again after %.1f s",
                    where,
                    time.monotonic() - self._down_since,
                )
                self._down_since = None


def _watch_connects(engine: Engine, reachability: _Reachability, where: str) -> None:
    @event.listens_for(engine, "do_connect")
    def connect(
        dialect: sa.Dialect, _record: object, cargs: list[Any], cparams: dict[str, Any]
    ) -> DBAPIConnection:
        reachability.admit(where)
        try:
            connection = dialect.connect(*cargs, **cparams)
        except Exception as error:
            reachability.failed(where, error)
            raise
        reachability.succeeded(where)
        return connection


class _Watchdog:
    """Cuts a connection whose wait (armed before a statement, commit or rollback, disarmed
    when it returns) outlasts its limit. One thread, started on first use, looks ten times a
    second; arming and disarming are a dict write under an uncontended lock."""

    TICK = 0.1

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, object, Callable[[object], None]]] = {}
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: object, limit: float, cut: Callable[[object], None]) -> None:
        with self._lock:
            self._armed[id(dbapi_connection)] = (time.monotonic() + limit, dbapi_connection, cut)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="paceline-db-waits", daemon=True
                )
                self._thread.start()

    def disarm(self, dbapi_connection: object) -> None:
        key = id(dbapi_connection)
        if key in self._armed:
            with self._lock:
                self._armed.pop(key, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                due = [key for key, (at, _conn, _cut) in self._armed.items() if at <= now]
                # Cut under the lock: a wait that returned (disarmed) is never cut.
                for key in due:
                    _at, connection, cut = self._armed.pop(key)
                    try:
                        cut(connection)
                    except Exception as error:  # already closed: nothing to cut
                        log.debug("could not cut a database connection: %s", error)
            if due:
                log.warning(
                    "Cut %d database connection(s) whose statement went unanswered past its limit",
                    len(due),
                )


_watchdog = _Watchdog()


def _watch_waits(engine: Engine, cut: Callable[[object], None], default: float | None) -> None:
    """Each statement, commit and rollback (also the one returning a connection to the pool)
    is armed with the thread's limit (`bounded_waits`, else `default`); the connection is cut
    if it outlasts it."""

    def arm(dbapi_connection: object) -> None:
        limit: float | None = getattr(_this_thread, "limit", None) or default
        if limit is not None:
            _watchdog.arm(dbapi_connection, limit, cut)

    def arm_connection(conn: sa.Connection, *_args: object) -> None:
        # An invalidated connection has nothing to wait on (and reaching for it reconnects).
        if (
            default is not None or getattr(_this_thread, "limit", None) is not None
        ) and not conn.invalidated:
            arm(conn.connection.dbapi_connection)

    def disarm_connection(conn: sa.Connection, *_args: object) -> None:
        if not conn.invalidated:
            _watchdog.disarm(conn.connection.dbapi_connection)

    event.listen(engine, "before_cursor_execute", arm_connection)
    event.listen(engine, "after_cursor_execute", disarm_connection)
    event.listen(engine, "commit", arm_connection)
    event.listen(engine, "rollback", arm_connection)
    event.listen(engine, "reset", lambda dbapi_connection, _record, _state: arm(dbapi_connection))
    event.listen(
        engine, "checkin", lambda dbapi_connection, _record: _watchdog.disarm(dbapi_connection)
    )

    @event.listens_for(engine, "handle_error")
    def on_error(context: ExceptionContext) -> None:
        if context.connection is not None and not context.connection.invalidated:
            _watchdog.disarm(context.connection.connection.dbapi_connection)


def _shut_down_socket(dbapi_connection: object) -> None:
    """psycopg waits on the socket without a timeout; shutting it down ends the wait at once
    with an OperationalError, and SQLAlchemy then discards the pool's connections."""
    fd = dbapi_connection.pgconn.socket  # type: ignore[attr-defined]
    with socket.socket(fileno=os.dup(fd)) as duplicate:
        duplicate.shutdown(socket.SHUT_RDWR)


def _interrupt_sqlite(dbapi_connection: object) -> None:
    dbapi_connection.interrupt()  # type: ignore[attr-defined]


def _configure_sqlite(engine: Engine, busy_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL with synchronous=NORMAL survives an app crash; only a power cut may lose
        # the last transactions, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # each statement is its own transaction
        mode = options.get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration; safe when several instances start at once."""
    command.upgrade(alembic_config(engine), "head")
