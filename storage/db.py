"""Engine, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000


class Database:
    """One engine and the two kinds of transaction the app needs."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # On SQLite a transaction that reads and then writes must take the write lock up
        # front: upgrading a read lock fails at once, ignoring the busy timeout.
        self._write_engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        )
        # On PostgreSQL autocommit gets a pool of its own, so a checkout does not switch the
        # connection's isolation level and switch it back on return.
        self._autocommit_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.is_sqlite
            else make_engine(url, echo=echo, isolation_level="AUTOCOMMIT")
        )
        # SQLite has one writer at a time. Writers of this process queue on a lock rather
        # than on SQLite's busy timeout, whose sleeps (1, 2, 5 … 100 ms) would add tens of
        # milliseconds under concurrent requests. Other processes still use the timeout.
        self._sqlite_writes = threading.RLock() if self.is_sqlite else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading. On PostgreSQL its statements run in autocommit: at READ
        COMMITTED each statement of a transaction sees its own snapshot anyway, and the
        BEGIN and ROLLBACK around them were two round trips per read."""
        engine = self.engine if self.is_sqlite else self._autocommit_engine
        with Session(engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error."""
        with self._serialized(), Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def autocommit(self) -> Iterator[sa.Connection]:
        """A connection whose every statement commits on its own: for hot paths whose write
        is one statement (atomic by itself), saving BEGIN and COMMIT round trips."""
        with self._serialized(), self._autocommit_engine.connect() as connection:
            yield connection

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine statements may run on (PostgreSQL's autocommit engine has its own
        pool and events): what a statement counter listens to."""
        return (self.engine,) if self.is_sqlite else (self.engine, self._autocommit_engine)

    def _serialized(self) -> AbstractContextManager[object]:
        return self._sqlite_writes if self._sqlite_writes is not None else nullcontext()

    def upgrade(self) -> None:
        upgrade(self.engine)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        if not self.is_sqlite:  # its own pool on PostgreSQL
            self._autocommit_engine.dispose()


Executor = Session | sa.Connection


def connection_of(executor: Executor) -> sa.Connection:
    return executor.connection() if isinstance(executor, Session) else executor


def insert_for(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's INSERT construct (both have ON CONFLICT DO NOTHING)."""
    return postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert


def make_engine(url: str, *, echo: bool = False, isolation_level: str | None = None) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout. After a database restart
    # the first statement on a dead connection fails, SQLAlchemy discards the whole pool,
    # and the next request reconnects; pool_recycle retires connections idle servers drop.
    extra = {"isolation_level": isolation_level} if isolation_level else {}
    return sa.create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=1800, **extra)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL with synchronous=NORMAL survives an app crash; only a power cut may lose
        # the last transactions, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn) -> None:  # type: ignore[no-untyped-def]
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
