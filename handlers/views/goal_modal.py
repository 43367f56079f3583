"""The /goal modal's submission: validate every field, set the goal once under the same
rules as `/goal set`, confirm in the app DM."""

from __future__ import annotations

import logging
from datetime import date

from slack_bolt import App
from slack_sdk import WebClient

from bot.core.errors import PermissionDenied, UserError
from bot.core.goal_grammar import parse_target
from bot.core.mentions import UserRef
from bot.core.metrics import Metric, MetricCatalog
from bot.core.periods import PeriodKind
from bot.render import goal_modal as ids
from handlers import goal_actions
from handlers.context import Services
from handlers.goal_actions import Draft, NeedsReason, Owner, Repeated, WriteContext
from handlers.views.submission import register_submission
from storage import teams, workspaces

log = logging.getLogger(__name__)
ERROR_CHARS = 150  # a field error is a line or two under the field


def register(app: App, services: Services) -> None:
    register_submission(app, ids.CALLBACK_ID, lambda client, body, view: handle(services, client, body, view))


def handle(services: Services, client: WebClient, body: dict, view: dict) -> tuple[dict[str, str], str | None]:
    """Field errors to show in the modal, or the confirmation to send (None if a repeat)."""
    team_id = body.get("team", {}).get("id") or view.get("team_id")
    enterprise = body.get("enterprise") or {}
    caller = services.directory.caller(client, team_id, body["user"]["id"], enterprise.get("id"))
    ws = caller.workspace_id
    catalog = services.catalog(ws)
    values = view.get("state", {}).get("values", {})
    errors: dict[str, str] = {}

    user_id = _value(values, ids.PERSON_BLOCK, ids.PERSON_ACTION, "selected_user")
    team_value = _value(values, ids.TEAM_BLOCK, ids.TEAM_ACTION, "selected_option")
    if bool(user_id) == bool(team_value):
        errors[ids.PERSON_BLOCK] = "Pick a person or a team (one of the two)."
    metric, period, target = read_rate(values, catalog, errors)
    picked = _value(values, ids.FROM_BLOCK, ids.FROM_ACTION, "selected_date")
    start = date.fromisoformat(picked) if picked else None
    reason = _value(values, ids.REASON_BLOCK, ids.REASON_ACTION)
    if errors:
        return errors, None
    assert metric is not None and period is not None
    owner_block = ids.PERSON_BLOCK if user_id else ids.TEAM_BLOCK
    try:
        owner = _owner(services, client, ws, user_id, team_value)
        now = services.clock.now()
        with services.db.read() as session:
            goal_actions.require_may_set(session, caller, owner, "/goal")
            fsm = workspaces.fiscal_year_start_month(session, ws)
        today = owner.today(services.clock)
        draft = Draft(
            kind="team" if owner.is_team else "individual",
            metric=metric.key,
            period_kind=period,
            target=target,
            start=start or goal_actions.current_start(period, today, fsm),
            start_given=start is not None,
            origin="modal",
        )
        # Slack may deliver one submission twice (double click, retry): the view id sets once.
        ctx = WriteContext(caller, now, catalog, "/goal set", idempotency_key=f"modal:{ws}:{view['id']}")
        with services.db.write() as session:
            outcome = goal_actions.write_goal(session, ctx, owner, draft, reason, today)
    except NeedsReason as error:
        why = "has started" if error.started else "covers the same period"
        return {ids.REASON_BLOCK: f"{error.goal} {why} — give a reason to replace it."[:ERROR_CHARS]}, None
    except PermissionDenied as error:
        return {owner_block: error.message[:ERROR_CHARS]}, None
    except UserError as error:
        return {ids.TARGET_BLOCK: error.message[:ERROR_CHARS]}, None
    if isinstance(outcome, Repeated):
        return {}, None
    return {}, goal_actions.outcome_text(services, client, caller, owner, draft, outcome)


def _owner(services: Services, client: WebClient, ws: int, user_id: str | None, team_value: str | None) -> Owner:
    if user_id:
        person = services.directory.resolve(client, ws, UserRef(user_id, None))
        with services.db.read() as session:
            return goal_actions.person_owner(session, person)
    with services.db.read() as session:
        team = teams.by_id(session, ws, int(team_value or 0)) if (team_value or "").isdigit() else None
    if team is None:
        raise PermissionDenied("That team no longer exists — pick another.", "/goal")
    return goal_actions.team_owner(team)


def read_rate(values: dict, catalog: MetricCatalog, errors: dict[str, str]) -> tuple[Metric | None, PeriodKind | None, int]:
    """The metric, period and target fields (shared with App Home's propose form); each
    problem goes into `errors` under its block."""
    metric = catalog.lookup(_value(values, ids.METRIC_BLOCK, ids.METRIC_ACTION, "selected_option") or "")
    if metric is None:
        errors[ids.METRIC_BLOCK] = "Pick a metric."
    period: PeriodKind | None = None
    try:
        period = PeriodKind(_value(values, ids.PERIOD_BLOCK, ids.PERIOD_ACTION, "selected_option") or "")
    except ValueError:
        errors[ids.PERIOD_BLOCK] = "Pick a period."
    target = 0
    raw_target = _value(values, ids.TARGET_BLOCK, ids.TARGET_ACTION)
    if not raw_target:
        errors[ids.TARGET_BLOCK] = "Enter a target, e.g. 60."
    elif metric is not None:
        try:
            target = parse_target(raw_target, metric, "60")
        except UserError as error:
            errors[ids.TARGET_BLOCK] = error.message[:ERROR_CHARS]
    return metric, period, target


def text_value(values: dict, block: str, action: str) -> str | None:
    return _value(values, block, action)


def _value(values: dict, block: str, action: str, key: str = "value") -> str | None:
    found = values.get(block, {}).get(action, {})
    if key == "selected_option":
        option = found.get("selected_option") or {}
        return option.get("value")
    value = found.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None
