"""A workspace's fiscal-year month and custom metrics, read together for scheduled jobs, on
both databases: the same answers as the two separate reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from storage import metrics, workspaces
from storage.db import Database
from storage.models import CustomMetric

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _workspace(db: Database) -> int:
    with db.write() as session:
        return workspaces.ensure_workspace(session, "T" + uuid.uuid4().hex[:12].upper(), None, NOW)


def test_the_month_and_the_metrics_match_the_separate_reads(db: Database) -> None:
    workspace_id = _workspace(db)
    with db.write() as session:
        workspaces.set_fiscal_year_start_month(session, workspace_id, 4)
        for key, kind, aliases in (("visits", "count", "visit,v"), ("bookings", "money", "")):
            session.add(
                CustomMetric(
                    workspace_id=workspace_id,
                    key=key,
                    kind=kind,
                    aliases=aliases,
                    cap=10_000,
                    created_at=NOW,
                )
            )
    with db.read() as session:
        month, found = metrics.fiscal_month_and_custom_metrics(session, workspace_id)
        assert (month, found) == (
            workspaces.fiscal_year_start_month(session, workspace_id),
            metrics.custom_metrics(session, workspace_id),
        )
    assert month == 4
    assert [(m.key, m.kind.value, m.aliases) for m in found] == [
        ("visits", "count", ("visit", "v")),
        ("bookings", "money", ()),
    ]


def test_a_workspace_without_custom_metrics_still_gives_its_month(db: Database) -> None:
    workspace_id = _workspace(db)
    with db.read() as session:
        assert metrics.fiscal_month_and_custom_metrics(session, workspace_id) == (1, [])
