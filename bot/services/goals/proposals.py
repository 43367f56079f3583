"""A rep proposes their own goal (`/goal propose`, App Home's form): it waits as a request
for their managers (or, without any, the admins), who get it with Approve / Reject, and
applies from the day one of them approves it, never earlier."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.core.goal_results import Proposed
from bot.core.metrics import Metric
from bot.core.periods import PeriodKind
from bot.services.goals import decisions as goal_decisions
from bot.services.goals import drafts as goal_drafts
from bot.services.goals import owners as goal_owners
from bot.services.goals.calls import GoalCall
from bot.services.goals.drafts import Draft
from bot.services.goals.setting import WriteContext
from storage import app_home, people


def propose(
    call: GoalCall,
    metric: Metric,
    target: int,
    period: PeriodKind,
    reason: str | None,
    *,
    idempotency_key: str | None = None,
) -> Proposed | None:
    """Propose the caller's own goal from the current period; the request's DMs go out as
    goal_decisions.post_request sends them. With an `idempotency_key` (a form's view id), a
    proposal already made under it makes nothing (None)."""
    ws = call.ws
    with call.services.db.read() as session:
        me = people.by_id(session, ws, call.caller.person_id)
        assert me is not None
        owner = goal_owners.person_owner(session, me)
    today = owner.today(call.services.clock)
    draft = Draft(
        kind="individual",
        metric=metric.key,
        period_kind=period,
        target=target,
        start=goal_drafts.current_start(period, today, call.fiscal_year_start_month),
        origin="proposal",
    )
    ctx = WriteContext(call.caller, call.now, call.catalog, None, idempotency_key=idempotency_key)
    try:
        with call.services.db.write() as session:
            if (
                idempotency_key is not None
                and app_home.request_with_key(session, ws, idempotency_key) is not None
            ):
                return None
            request, _ = goal_decisions.create_proposal(
                session, call.services, ctx, owner, draft, reason
            )
            request_id = request.id or 0
    except IntegrityError:
        if idempotency_key is None:
            raise
        return None  # the same submission, made at the same moment by another delivery
    asked = goal_decisions.post_request(call.services, call.client, ws, request_id, call.today)
    return Proposed(request_id, asked, draft.spec(owner), today)
