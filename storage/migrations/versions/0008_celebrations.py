"""celebrations: live wins in the team channel

Three team settings (what to celebrate, the smallest deal amount, working hours), the wins
already celebrated and their posts, the worker's read position, and a partial index on
entry.deleted_at for the undos since the worker last looked. Existing teams get the
defaults (hits and team goals on, deals off, 08:00-19:00); nothing else changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_DELETED = sa.text("deleted_at IS NOT NULL")


def upgrade() -> None:
    op.add_column(
        "team",
        sa.Column(
            "celebrate",
            sqlmodel.sql.sqltypes.AutoString(length=40),
            server_default="hits,team",
            nullable=False,
        ),
    )
    op.add_column("team", sa.Column("celebrate_min", sa.BigInteger(), nullable=True))
    op.add_column(
        "team",
        sa.Column(
            "work_hours",
            sqlmodel.sql.sqltypes.AutoString(length=11),
            server_default="08:00-19:00",
            nullable=False,
        ),
    )
    op.create_index("ix_entry_deleted", "entry", ["deleted_at"], unique=False,
                    postgresql_where=_DELETED, sqlite_where=_DELETED)  # fmt: skip
    op.create_table(
        "celebration_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("deleted_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "celebration_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivery_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("edits", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_celebration_post_due", "celebration_post", ["status", "due_at"], unique=False
    )
    op.create_table(
        "celebration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("fact_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["celebration_post.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "team_id", "fact_key", name="uq_celebration_fact"),
    )
    op.create_index("ix_celebration_post", "celebration", ["post_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_celebration_post", table_name="celebration")
    op.drop_table("celebration")
    op.drop_index("ix_celebration_post_due", table_name="celebration_post")
    op.drop_table("celebration_post")
    op.drop_table("celebration_cursor")
    op.drop_index("ix_entry_deleted", table_name="entry")
    # ALTER TABLE … DROP COLUMN, on SQLite too (3.35+): a batch copy of `team` would have to
    # drop a table other tables point at, which foreign keys forbid.
    for column in ("work_hours", "celebrate_min", "celebrate"):
        op.drop_column("team", column)
