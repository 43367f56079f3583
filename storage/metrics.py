"""Custom metrics a workspace added on top of the built-in ones."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.metrics import Metric, MetricKind
from storage.models import CustomMetric

_CUSTOM_METRICS = (
    sa.select(CustomMetric).where(CustomMetric.workspace_id == sa.bindparam("workspace_id")).order_by(CustomMetric.id)
)


def custom_metrics(session: Session, workspace_id: int) -> list[Metric]:
    rows = session.scalars(_CUSTOM_METRICS, {"workspace_id": workspace_id})
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
