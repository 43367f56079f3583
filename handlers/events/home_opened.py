"""app_home_opened: publish the person's Home each time they open the tab (not the
Messages tab), and remember them so later changes refresh it. The event is acknowledged at
once; the Home is built and published after the answer (a lazy listener), so neither the
caller's first-contact users.info nor views.publish counts against Slack's 3 seconds. A
retried delivery of the same event is skipped (handlers/events/retries.py)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.services.context import Services
from handlers.app_home import HomeRefresher, publish

log = logging.getLogger(__name__)


def register(app: App, services: Services, refresher: HomeRefresher) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def home_opened(event: dict, body: dict, client: WebClient) -> None:
        handle(services, refresher, client, event, body)

    app.event("app_home_opened")(ack=acknowledge, lazy=[home_opened])


def handle(
    services: Services, refresher: HomeRefresher, client: WebClient, event: dict, body: dict
) -> None:
    if event.get("tab") == "messages" or not event.get("user"):
        return
    team_id = body.get("team_id") or (event.get("view") or {}).get("team_id")
    enterprise_id = body.get("enterprise_id")
    try:
        caller = services.directory.caller(client, team_id, event["user"], enterprise_id)
    except UserError as error:
        log.warning(
            "App Home opened by %s, who Slack does not know: %s", event["user"], error.message
        )
        return
    refresher.opened(caller, team_id, enterprise_id, client)
    publish(services, client, caller)
