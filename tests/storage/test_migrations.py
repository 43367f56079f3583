"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database


def test_migrations_match_the_models(database_url):
    db = Database(database_url)
    try:
        db.upgrade()
        db.upgrade()  # a second run at start is a no-op
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
            )
            tables = set(sa.inspect(conn).get_table_names())
        assert diff == []
        assert set(SQLModel.metadata.tables) <= tables
    finally:
        db.dispose()


def test_entry_indexes_serve_log_and_weekly_totals(database_url):
    db = Database(database_url)
    try:
        db.upgrade()
        with db.engine.connect() as conn:
            indexes = {i["name"]: i["column_names"] for i in sa.inspect(conn).get_indexes("entry")}
        assert indexes["ix_entry_person_metric_day"][:4] == [
            "workspace_id",
            "person_id",
            "metric",
            "day",
        ]
        assert indexes["ix_entry_enterer_created"][:2] == ["workspace_id", "entered_by_id"]
    finally:
        db.dispose()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/p.db")
    try:
        with db.engine.connect() as conn:
            pragmas = {
                p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "busy_timeout", "foreign_keys")
            }
        assert pragmas == {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1}
    finally:
        db.dispose()


def test_audit_rows_cannot_be_changed(tmp_path):
    import pytest

    from storage.models import AuditEvent

    db = Database(f"sqlite:///{tmp_path}/a.db")
    db.upgrade()
    try:
        with db.write() as session:
            session.execute(
                sa.insert(storage.models.Workspace).values(
                    slack_team_id="T1", created_at=sa.func.now()
                )
            )
        with pytest.raises(RuntimeError, match="append-only"), db.write() as session:
            from datetime import UTC, datetime

            event = AuditEvent(workspace_id=1, at=datetime.now(UTC), action="x", subject_type="t")
            session.add(event)
            session.flush()
            event.action = "changed"
            session.flush()
    finally:
        db.dispose()
