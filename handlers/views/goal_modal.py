"""The /goal modal's submission: validate every field, set the goal once under the same
rules as `/goal set`, confirm in the app DM."""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_sdk import WebClient

from bot.core.errors import PermissionDenied, UserError
from bot.core.goal_grammar import parse_target
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import PeriodKind
from bot.render import goal_modal as ids
from bot.render import goal_replies
from bot.services.context import Services
from bot.services.goals import changes as goal_changes
from bot.services.goals.changes import GoalForm
from bot.services.goals.setting import NeedsReason
from handlers.views import fields
from handlers.views.submission import register_submission

log = logging.getLogger(__name__)
ERROR_CHARS = fields.ERROR_CHARS
PICK_TEAM = "Pick a team from the list."
_TEAM_ID = re.compile(r"[0-9]{1,18}")


def register(app: App, services: Services) -> None:
    register_submission(
        app, ids.CALLBACK_ID, lambda client, body, view: handle(services, client, body, view)
    )


def handle(
    services: Services, client: WebClient, body: dict, view: dict
) -> tuple[dict[str, str], str | None]:
    """Field errors to show in the modal, or the confirmation to send (None if a repeat)."""
    team_id = body.get("team", {}).get("id") or view.get("team_id")
    enterprise = body.get("enterprise") or {}
    caller = services.directory.caller(client, team_id, body["user"]["id"], enterprise.get("id"))
    ws = caller.workspace_id
    catalog = services.catalog(ws)
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    if not fields.view_id_ok(view):
        return {ids.PERSON_BLOCK: fields.STALE_FORM}, None
    # Every field is checked here again, whatever the modal allowed (a forged submission).
    user_id = fields.user(values, ids.PERSON_BLOCK, ids.PERSON_ACTION, errors)
    team_value = fields.option(values, ids.TEAM_BLOCK, ids.TEAM_ACTION, errors, missing=PICK_TEAM)
    if team_value is not None and not _TEAM_ID.fullmatch(team_value):
        errors[ids.TEAM_BLOCK] = PICK_TEAM
    if not errors and bool(user_id) == bool(team_value):
        errors[ids.PERSON_BLOCK] = "Pick a person or a team (one of the two)."
    metric, period, target = read_rate(values, catalog, errors)
    start = fields.day(values, ids.FROM_BLOCK, ids.FROM_ACTION, errors)
    reason = fields.text(
        values,
        ids.REASON_BLOCK,
        ids.REASON_ACTION,
        errors,
        limit=fields.MAX_TEXT_CHARS,
        what="reason",
    )
    if errors:
        return errors, None
    assert metric is not None and period is not None
    owner_block = ids.PERSON_BLOCK if user_id else ids.TEAM_BLOCK
    form = GoalForm(
        user_id=user_id or None,
        team_id=int(team_value) if not user_id and team_value else None,
        metric=metric,
        period=period,
        target=target,
        start=start,
        reason=reason,
        view_id=view["id"],
    )
    try:
        written = goal_changes.set_from_form(services, client, caller, form)
    except NeedsReason as error:
        why = "has started" if error.started else "covers the same period"
        return {
            ids.REASON_BLOCK: fields.error_text(
                f"{error.goal} {why} — give a reason to replace it."
            )
        }, None
    except PermissionDenied as error:
        return {owner_block: fields.error_text(error.message)}, None
    except UserError as error:
        return {ids.TARGET_BLOCK: fields.error_text(error.message)}, None
    return {}, None if written is None else goal_replies.goal_write_reply(written)


def read_rate(
    values: dict, catalog: MetricCatalog, errors: dict[str, str]
) -> tuple[Metric | None, PeriodKind | None, int]:
    """The metric, period and target fields (shared with App Home's propose form); each
    problem goes into `errors` under its block."""
    chosen = fields.option(
        values, ids.METRIC_BLOCK, ids.METRIC_ACTION, errors, missing="Pick a metric."
    )
    metric = catalog.lookup(chosen) if chosen else None
    if metric is None:
        errors[ids.METRIC_BLOCK] = "Pick a metric."
    period: PeriodKind | None = None
    try:
        period = PeriodKind(
            fields.option(
                values, ids.PERIOD_BLOCK, ids.PERIOD_ACTION, errors, missing="Pick a period."
            )
            or ""
        )
    except ValueError:
        errors[ids.PERIOD_BLOCK] = "Pick a period."
    target = 0
    raw_target = fields.text(
        values,
        ids.TARGET_BLOCK,
        ids.TARGET_ACTION,
        errors,
        limit=fields.MAX_AMOUNT_CHARS,
        what="target",
    )
    if ids.TARGET_BLOCK in errors:
        pass
    elif not raw_target:
        errors[ids.TARGET_BLOCK] = "Enter a target, e.g. 60."
    elif metric is not None:
        try:
            target = parse_target(raw_target, metric, "60")
        except UserError as error:
            errors[ids.TARGET_BLOCK] = fields.error_text(error.message)
    return metric, period, target


def text_value(
    values: dict, block: str, action: str, errors: dict[str, str], *, what: str = "reason"
) -> str | None:
    """A note or reason field: trimmed, at most fields.MAX_TEXT_CHARS (else an error)."""
    return fields.text(values, block, action, errors, limit=fields.MAX_TEXT_CHARS, what=what)
