"""App Home: what each person sees (load), publishing it at once or after a change
elsewhere (publish), and what its forms and buttons do (undo, propose)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services.context import Services
from bot.services.people import Caller
from handlers.home.load import load_home
from handlers.home.publish import HomeRefresher, publish

__all__ = ["HomeRefresher", "caller_of_interaction", "load_home", "publish"]


def caller_of_interaction(services: Services, client: WebClient, body: dict) -> Caller:
    """Who clicked a button or submitted a form (UserError when Slack does not know them)."""
    team_id = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    enterprise = body.get("enterprise") or {}
    return services.directory.caller(client, team_id, body["user"]["id"], enterprise.get("id"))
