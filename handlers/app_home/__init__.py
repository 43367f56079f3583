"""App Home's Slack side: publishing each person's Home (what it shows comes from
bot.services.app_home) at once or after a change elsewhere (publish), and what its forms and
buttons answer (undo, propose)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services.context import Services
from bot.services.people import Caller
from handlers.app_home.publish import HomeRefresher, publish

__all__ = ["HomeRefresher", "caller_of_interaction", "publish"]


def caller_of_interaction(services: Services, client: WebClient, body: dict) -> Caller:
    """Who clicked a button or submitted a form (UserError when Slack does not know them)."""
    team_id = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    enterprise = body.get("enterprise") or {}
    return services.directory.caller(client, team_id, body["user"]["id"], enterprise.get("id"))
