"""The /log modal's submission: validate every field, log once, confirm in the app DM."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.core.amounts import parse_amount
from bot.core.errors import UserError
from bot.core.log_grammar import LogAmount
from bot.render import log_modal as view_ids
from bot.render.log_replies import logged_reply
from bot.services import activity
from bot.services.context import Services
from handlers.views import fields
from handlers.views.submission import register_submission

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    register_submission(
        app, view_ids.CALLBACK_ID, lambda client, body, view: handle(services, client, body, view)
    )


def handle(
    services: Services, client: WebClient, body: dict, view: dict
) -> tuple[dict[str, str], str | None]:
    """Field errors to show in the modal, or the confirmation to send (None if a repeat)."""
    team_id = body.get("team", {}).get("id") or view.get("team_id")
    user_id = body["user"]["id"]
    caller = services.directory.caller(
        client, team_id, user_id, body.get("enterprise", {}) and body["enterprise"].get("id")
    )
    catalog = services.catalog(caller.workspace_id)
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    if not fields.view_id_ok(view):
        return {view_ids.DAY_BLOCK: fields.STALE_FORM}, None
    # Every field is checked here again, whatever the modal allowed: a forged submission
    # with a 5,000-character note is refused, never stored or half-stored.
    amounts: list[LogAmount] = []
    for metric in catalog.metrics:
        block_id = view_ids.metric_block_id(metric.key)
        raw = fields.text(
            values,
            block_id,
            view_ids.AMOUNT_ACTION,
            errors,
            limit=fields.MAX_AMOUNT_CHARS,
            what="amount",
        )
        if not raw:
            continue
        try:
            amounts.append(LogAmount(metric, parse_amount(raw, metric)))
        except UserError as error:
            errors[block_id] = fields.error_text(error.message)
    note = fields.text(
        values,
        view_ids.NOTE_BLOCK,
        view_ids.NOTE_ACTION,
        errors,
        limit=fields.MAX_TEXT_CHARS,
        what="note",
    )
    picked = fields.day(values, view_ids.DAY_BLOCK, view_ids.DAY_ACTION, errors)
    if view_ids.DAY_BLOCK not in errors:
        try:
            day = picked or caller.today(services.clock)
            target = activity.resolve_target(services, client, caller, None, "/log calls 12")
            activity.check_day(services, caller, target, day)
        except UserError as error:
            errors[view_ids.DAY_BLOCK] = fields.error_text(error.message)
    if not amounts and not errors:
        errors[view_ids.metric_block_id(catalog.metrics[0].key)] = (
            "Enter at least one number, e.g. 12."
        )
    if errors:
        return errors, None
    # Slack may deliver one submission twice (double click, retry): the view id logs once.
    key = f"modal:{caller.workspace_id}:{view['id']}"
    try:
        logged = activity.record_submission(
            services, caller, target, amounts, day, note, idempotency_key=key
        )
    except activity.CrmOnlyRefused as refused:
        # Under each metric only HubSpot records for the team; the modal stays open, nothing logged.
        return {
            view_ids.metric_block_id(k): fields.error_text(refused.field_text(k))
            for k in refused.crm.keys
        }, None
    return {}, None if logged is None else logged_reply(logged)
