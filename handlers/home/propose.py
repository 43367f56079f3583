"""The "Propose a goal" form from App Home: the same proposal as `/goal propose` (the rep's
own goal from the day it is approved, sent to their managers with Approve /
Reject), made once however often Slack delivers the submission."""

from __future__ import annotations

from datetime import date

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.core.errors import UserError
from bot.core.metrics import Metric
from bot.core.periods import PeriodKind
from bot.render import goal_modal as ids
from bot.render import goals as goal_text
from bot.render.app_home import PROPOSE_CALLBACK_ID
from bot.render.text import escape
from bot.services import goal_setting
from bot.services.context import Services
from bot.services.goal_setting import Draft, Owner, WriteContext
from bot.services.people import Caller
from handlers.views import fields
from handlers.views import goal_modal as goal_modal_view
from handlers.views.submission import register_submission
from storage import app_home as home_storage
from storage import people, workspaces

ERROR_CHARS = fields.ERROR_CHARS


def register(app: App, services: Services) -> None:
    register_submission(app, PROPOSE_CALLBACK_ID, lambda client, body, view: handle(services, client, body, view))


def handle(services: Services, client: WebClient, body: dict, view: dict) -> tuple[dict[str, str], str | None]:
    """Field errors to show in the form, or the confirmation for the DM (None if a repeat)."""
    team_id = (body.get("team") or {}).get("id") or view.get("team_id")
    caller = services.directory.caller(client, team_id, body["user"]["id"], (body.get("enterprise") or {}).get("id"))
    catalog = services.catalog(caller.workspace_id)
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    if not fields.view_id_ok(view):
        return {ids.METRIC_BLOCK: fields.STALE_FORM}, None
    # Every field is checked here again, whatever the form allowed (a forged submission).
    metric, period, target = goal_modal_view.read_rate(values, catalog, errors)
    reason = goal_modal_view.text_value(values, ids.REASON_BLOCK, ids.REASON_ACTION, errors)
    if errors:
        return errors, None
    assert metric is not None and period is not None
    try:
        return {}, _propose(services, client, caller, metric, target, period, reason, f"propose:{caller.workspace_id}:{view['id']}")
    except UserError as error:
        return {ids.TARGET_BLOCK: fields.error_text(error.message)}, None


def _propose(
    services: Services,
    client: WebClient,
    caller: Caller,
    metric: Metric,
    target: int,
    period: PeriodKind,
    reason: str | None,
    key: str,
) -> str | None:
    ws = caller.workspace_id
    with services.db.read() as session:
        me = people.by_id(session, ws, caller.person_id)
        assert me is not None
        owner: Owner = goal_setting.person_owner(session, me)
        fiscal_start = workspaces.fiscal_year_start_month(session, ws)
    today: date = owner.today(services.clock)
    draft = Draft(kind="individual", metric=metric.key, period_kind=period, target=target,
                  start=goal_setting.current_start(period, today, fiscal_start), origin="proposal")
    ctx = WriteContext(caller, services.clock.now(), services.catalog(ws), None)
    try:
        with services.db.write() as session:
            if home_storage.request_with_key(session, ws, key) is not None:
                return None
            request, _ = goal_setting.create_proposal(session, services, ctx, owner, draft, reason)
            request.idempotency_key = key  # a second copy of this submission fails on it
            session.flush()
            request_id = request.id or 0
    except IntegrityError:
        return None
    asked = goal_setting.post_request(services, client, ws, request_id, caller.today(services.clock))
    shown = goal_text.describe(draft.spec(owner), metric, {}, today, with_id=False, with_span=False)
    who = ", ".join(escape(a) for a in asked) or "your managers (Slack could not reach them just now)"
    return f"Proposed {shown} from the day it is approved (request #{request_id}). Sent to {who} to approve — you'll get a DM when they decide."

