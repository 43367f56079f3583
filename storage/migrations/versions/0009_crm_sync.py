"""crm sync: HubSpot's objects become entries

A workspace's CRM connection (encrypted token, mapping, cursors, lock), the CRM's owners and
whom they are, the facts kept of each synced object, the object an entry came from
(entry.external_ref, with a partial index) and each team's metrics that only the CRM records
(team.crm_only, "" for existing teams). Nothing existing changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_HAS_REF = sa.text("external_ref IS NOT NULL")


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _instant() -> sqlmodel.sql.sqltypes.UTCDateTime:
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "crm_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("provider", _string(16), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=True),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("cursors", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("lock_owner", _string(255), nullable=True),
        sa.Column("lock_until", _instant(), nullable=True),
        sa.Column("last_sync_at", _instant(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _instant(), nullable=True),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "provider", name="uq_crm_connection"),
    )
    op.create_table(
        "crm_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("provider", _string(16), nullable=False),
        sa.Column("object_type", _string(16), nullable=False),
        sa.Column("object_id", _string(64), nullable=False),
        sa.Column("owner_id", _string(64), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("modified_at", _instant(), nullable=False),
        sa.Column("synced_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "workspace_id", "provider", "object_type", "object_id", name="uq_crm_record"
        ),
    )
    op.create_index(
        "ix_crm_record_owner", "crm_record", ["workspace_id", "provider", "owner_id"], unique=False
    )
    op.create_table(
        "crm_owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("provider", _string(16), nullable=False),
        sa.Column("owner_id", _string(64), nullable=False),
        sa.Column("email", _string(320), nullable=True),
        sa.Column("first_name", _string(200), nullable=True),
        sa.Column("last_name", _string(200), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("matched_by", _string(8), nullable=True),
        sa.Column("reported_at", _instant(), nullable=True),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "provider", "owner_id", name="uq_crm_owner"),
    )
    # Plain ADD COLUMN (no table copy on SQLite): the entry table can hold millions of rows.
    op.add_column("entry", sa.Column("external_ref", _string(80), nullable=True))
    op.create_index("ix_entry_external_ref", "entry", ["workspace_id", "external_ref"], unique=False,
                    postgresql_where=_HAS_REF, sqlite_where=_HAS_REF)  # fmt: skip
    op.add_column("team", sa.Column("crm_only", _string(200), server_default="", nullable=False))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, on SQLite too (3.35+): a batch copy would have to drop a
    # table other tables point at, which foreign keys forbid.
    op.drop_column("team", "crm_only")
    op.drop_index("ix_entry_external_ref", table_name="entry")
    op.drop_column("entry", "external_ref")
    op.drop_table("crm_owner")
    op.drop_index("ix_crm_record_owner", table_name="crm_record")
    op.drop_table("crm_record")
    op.drop_table("crm_connection")
