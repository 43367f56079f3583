"""The Log button on a log reminder: opens the /log modal, exactly as `/log` alone does, on
the day the reminder was about. parse → authorize (anyone may log for themselves) → act."""

from __future__ import annotations

import json
import logging
from datetime import date

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.dates import LOG_WINDOW_DAYS
from bot.core.errors import UserError
from bot.render.log_modal import log_modal
from bot.render.nudge import LOG_OPEN_ACTION
from bot.services.context import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(LOG_OPEN_ACTION)
    def open_log(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        handle(services, client, body, action, respond)


def modal_day(value: str | None, today: date) -> date:
    """The reminder's day when it is one the rep may still log for; else today (a click on
    an old reminder, or a value that is not a date)."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return today
    return day if 0 <= (today - day).days <= LOG_WINDOW_DAYS else today


def handle(
    services: Services, client: WebClient, body: dict, action: dict, respond: Respond
) -> None:
    try:
        team_id = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        enterprise = body.get("enterprise") or {}
        caller = services.directory.caller(
            client, team_id, body["user"]["id"], enterprise.get("id")
        )
    except UserError as error:
        _tell(respond, error.text)
        return
    catalog = services.catalog(caller.workspace_id)
    day = modal_day(action.get("value"), caller.today(services.clock))
    # The same metadata the /log command gives its modal; the submission handler is shared.
    metadata = json.dumps({"channel_id": (body.get("channel") or {}).get("id")})
    # trigger_id lives 3 seconds: open at once, before anything slow.
    client.views_open(trigger_id=body["trigger_id"], view=log_modal(catalog, day, metadata))


def _tell(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:  # a response_url can expire; the refusal is best effort
        log.warning("could not answer a Log button click", exc_info=True)
