"""outbox recipient index: a claim looks up each recipient's unfinished rows

Without it PostgreSQL read every unfinished row for each claim (12 ms a claim with 10,000
queued nudges, measured by `python -m bench --only jobs`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 06:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_recipient", ["recipient", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recipient")
