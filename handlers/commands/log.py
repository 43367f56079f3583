"""/log: reps record their day. parse → authorize → act → render."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.core.log_grammar import (
    LOG_HELP,
    Fix,
    Help,
    ListEntries,
    LogEntries,
    OpenModal,
    TimeOff,
    Undo,
    parse_log,
)
from bot.core.log_suggestions import MissingMetric
from bot.render.log_modal import log_modal
from bot.services import activity
from bot.services.context import Services
from bot.services.people import Caller
from storage import entries

log = logging.getLogger(__name__)

# "Which metric?" offers the metrics a person logged most in this many recent weeks.
USUAL_METRIC_WEEKS = 8


def register(app: App, services: Services) -> None:
    @app.command("/log")
    def log_command(ack: Ack, command: dict, client: WebClient) -> None:
        reply = handle(services, client, command)
        ack() if reply is None else ack(text=reply)


def handle(services: Services, client: WebClient, command: dict) -> str | None:
    """The ephemeral reply to one /log (None when a modal opened instead)."""
    try:
        caller = services.directory.caller(
            client, command["team_id"], command["user_id"], command.get("enterprise_id")
        )
        catalog = services.catalog(caller.workspace_id)
        try:
            parsed = parse_log(command.get("text") or "", catalog, caller.today(services.clock))
        except MissingMetric as missing:
            return _which_metric(services, client, caller, missing).text
        match parsed:
            case LogEntries(amounts=amounts, day=day, note=note, on_behalf=ref):
                target = activity.resolve_target(services, client, caller, ref, "/log @maria calls 12")
                activity.check_day(services, caller, target, day)
                return activity.record(services, caller, target, amounts, day, note)
            case Undo():
                return activity.undo_last(services, caller, catalog)
            case Fix(metric=metric, quantity=quantity, day=day, on_behalf=ref):
                target = activity.resolve_target(services, client, caller, ref, "/log fix @maria calls 10")
                activity.check_day(services, caller, target, day)
                return activity.fix_day(services, caller, target, metric, quantity, day)
            case ListEntries(day=day, week=week):
                return activity.list_entries(services, caller, catalog, day, week)
            case TimeOff(start=start, end=end, reason=reason, on_behalf=ref):
                target = activity.resolve_target(services, client, caller, ref, "/log off @maria 2026-12-24..2026-12-31")
                return activity.record_time_off(services, caller, target, start, end, reason)
            case Help():
                return LOG_HELP
            case OpenModal():
                metadata = json.dumps({"channel_id": command.get("channel_id")})
                client.views_open(
                    trigger_id=command["trigger_id"],
                    view=log_modal(catalog, caller.today(services.clock), metadata),
                )
                return None
    except UserError as error:
        return error.text
    raise AssertionError(f"unhandled /log form: {parsed!r}")


def _which_metric(services: Services, client: WebClient, caller: Caller, missing: MissingMetric) -> UserError:
    """`/log 12`: the question lists the metrics the person (or the one logged for) uses most."""
    target = activity.resolve_target(services, client, caller, missing.on_behalf, "/log @maria calls 12")
    since = caller.today(services.clock) - timedelta(weeks=USUAL_METRIC_WEEKS)
    with services.db.read() as session:
        usual = entries.usual_metrics(session, caller.workspace_id, target.person_id, since)
    return missing.for_metrics(usual)
