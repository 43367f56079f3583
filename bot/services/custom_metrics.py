"""Metrics a workspace adds to the built-in ones (`/goal metric add`): admins only, audited,
and every catalogue of this process forgets the workspace's old list at once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.core.errors import UserError
from bot.core.goal_grammar import GoalMetricAdd
from bot.core.metrics import DEFAULT_COUNT_CAP, MONEY_CAP_CENTS, MetricKind
from bot.services import access
from bot.services.goals.calls import GoalCall
from storage import audit, metrics


def add_metric(call: GoalCall, cmd: GoalMetricAdd) -> MetricKind:
    """Add the metric; refused when the workspace already has one of that key."""
    access.require_admin(call.caller, "add metrics", "/goal metric add visits alias visit,v")
    kind = MetricKind.MONEY if cmd.money else MetricKind.COUNT
    try:
        with call.services.db.write() as session:
            row = metrics.add_custom_metric(
                session,
                workspace_id=call.ws,
                key=cmd.key,
                kind=kind.value,
                aliases=",".join(cmd.aliases),
                cap=MONEY_CAP_CENTS if cmd.money else DEFAULT_COUNT_CAP,
                created_at=call.now,
            )
            audit.record(
                session,
                workspace_id=call.ws,
                at=call.now,
                actor_id=call.caller.person_id,
                action="metric.add",
                subject_type="metric",
                subject_id=row.id,
                after={"key": row.key, "kind": row.kind, "aliases": row.aliases, "cap": row.cap},
            )
    except IntegrityError:
        raise UserError(f'"{cmd.key}" is already a metric.', "/goal metric add visits") from None
    call.services.forget_catalog(call.ws)
    return kind
