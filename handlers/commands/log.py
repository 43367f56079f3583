"""/log: reps record their day. parse → service (bot/services/activity.py) → render
(bot/render/log_replies.py)."""

from __future__ import annotations

import json
import logging

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
from bot.render.log_replies import (
    entries_reply,
    fix_reply,
    logged_reply,
    time_off_reply,
    undo_reply,
)
from bot.services import activity
from bot.services.context import Services
from bot.services.people import Caller

log = logging.getLogger(__name__)


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
                target = activity.resolve_target(
                    services, client, caller, ref, "/log @maria calls 12"
                )
                activity.check_day(services, caller, target, day)
                return logged_reply(activity.record(services, caller, target, amounts, day, note))
            case Undo():
                return undo_reply(activity.undo_last(services, caller, catalog))
            case Fix(metric=metric, quantity=quantity, day=day, on_behalf=ref):
                target = activity.resolve_target(
                    services, client, caller, ref, "/log fix @maria calls 10"
                )
                activity.check_day(services, caller, target, day)
                return fix_reply(activity.fix_day(services, caller, target, metric, quantity, day))
            case ListEntries(day=day, week=week):
                return entries_reply(activity.list_entries(services, caller, catalog, day, week))
            case TimeOff(start=start, end=end, reason=reason, on_behalf=ref):
                target = activity.resolve_target(
                    services, client, caller, ref, "/log off @maria 2026-12-24..2026-12-31"
                )
                return time_off_reply(
                    activity.record_time_off(services, caller, target, start, end, reason)
                )
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


def _which_metric(
    services: Services, client: WebClient, caller: Caller, missing: MissingMetric
) -> UserError:
    """`/log 12`: the question lists the metrics the person (or the one logged for) uses most."""
    return missing.for_metrics(activity.usual_metrics(services, client, caller, missing.on_behalf))
