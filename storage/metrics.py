"""Custom metrics a workspace added on top of the built-in ones."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.metrics import Metric, MetricKind
from storage.models import CustomMetric


def custom_metrics(session: Session, workspace_id: int) -> list[Metric]:
    rows = session.scalars(
        sa.select(CustomMetric).where(CustomMetric.workspace_id == workspace_id).order_by(CustomMetric.id)
    )
    return [
        Metric(
            key=row.key,
            kind=MetricKind(row.kind),
            aliases=tuple(a for a in row.aliases.split(",") if a),
            cap=row.cap,
            builtin=False,
        )
        for row in rows
    ]
