"""The "Propose a goal" form from App Home: the same proposal as `/goal propose` (the rep's
own goal from the day it is approved, sent to their managers with Approve /
Reject), made once however often Slack delivers the submission."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.render import goal_modal as ids
from bot.render import goal_replies
from bot.render.app_home import PROPOSE_CALLBACK_ID
from bot.services.context import Services
from bot.services.goals import proposals as goal_proposals
from bot.services.goals.calls import open_call
from handlers.views import fields
from handlers.views import goal_modal as goal_modal_view
from handlers.views.submission import register_submission

ERROR_CHARS = fields.ERROR_CHARS


def register(app: App, services: Services) -> None:
    register_submission(
        app, PROPOSE_CALLBACK_ID, lambda client, body, view: handle(services, client, body, view)
    )


def handle(
    services: Services, client: WebClient, body: dict, view: dict
) -> tuple[dict[str, str], str | None]:
    """Field errors to show in the form, or the confirmation for the DM (None if a repeat)."""
    team_id = (body.get("team") or {}).get("id") or view.get("team_id")
    caller = services.directory.caller(
        client, team_id, body["user"]["id"], (body.get("enterprise") or {}).get("id")
    )
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
        call = open_call(services, client, caller)
        proposed = goal_proposals.propose(
            call,
            metric,
            target,
            period,
            reason,
            idempotency_key=f"propose:{caller.workspace_id}:{view['id']}",
        )
    except UserError as error:
        return {ids.TARGET_BLOCK: fields.error_text(error.message)}, None
    # Without owner names: the rep reads about their own goal, in their own today.
    return {}, None if proposed is None else goal_replies.proposal_reply(
        proposed, metric, proposed.owner_today
    )
