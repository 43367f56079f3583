"""outbox unfinished index: a claim scans only rows still to send, oldest first

Without it a claim walked the primary key from the first row ever queued and skipped every
sent one, so each claim cost more as a delivery went on (PostgreSQL filtered up to 10,000
sent rows a claim with 10,000 queued nudges).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_UNFINISHED = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_unfinished",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=_UNFINISHED,
        sqlite_where=_UNFINISHED,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_unfinished", table_name="outbox")
