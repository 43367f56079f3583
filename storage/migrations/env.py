"""Alembic environment: runs against the engine the app hands over (or DATABASE_URL)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

# slack-sdk's OAuth stores keep their own MetaData; storage.installations declares the same
# tables on ours, so migrations create them and autogenerate does not propose dropping them.
import storage.installations  # noqa: F401
import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

# An arbitrary constant: instances that start together queue on this lock on PostgreSQL.
_MIGRATION_LOCK_ID = 7_205_114_001


def _engine() -> sa.engine.Engine:
    engine = context.config.attributes.get("engine")
    if engine is not None:
        return engine
    from bot.config import load_settings
    from storage.db import make_engine

    return make_engine(load_settings().database_url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=SQLModel.metadata,
                # SQLite cannot ALTER most things in place; batch mode copies the table.
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
                connection.commit()


run_migrations_online()
