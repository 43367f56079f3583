"""Approve / Reject on a goal request (a rep's proposal, or lowering a started goal).
parse → authorize → act → render: only someone who may decide changes anything, a second
click is a no-op, and every copy of the request shows the outcome once decided. An approval
takes effect the day it is decided; the decider's reply, every copy of the request and the
requester's DM say from when and what it replaced."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.render.goals import APPROVE_ACTION, REJECT_ACTION
from handlers import goal_actions
from handlers.context import Services
from handlers.goal_actions import AlreadyDecided

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.action(APPROVE_ACTION)
    def approve(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        handle(services, client, body, action, respond, approve=True)

    @app.action(REJECT_ACTION)
    def reject(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        handle(services, client, body, action, respond, approve=False)


def handle(services: Services, client: WebClient, body: dict, action: dict, respond: Respond, *, approve: bool) -> None:
    try:
        team_id = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        enterprise = body.get("enterprise") or {}
        caller = services.directory.caller(client, team_id, body["user"]["id"], enterprise.get("id"))
        value = str(action.get("value") or "")
        if not value.isdigit():
            raise UserError("This button is not a goal request any more.", None)
        decision = goal_actions.decide(services, caller, int(value), approve)
    except UserError as error:
        _tell(respond, error.text)
        return
    if isinstance(decision, AlreadyDecided):
        _tell(respond, decision.text)
        return
    goal_actions.finish_decision(client, decision)
    if decision.follow_up is not None:
        goal_actions.post_request(services, client, caller.workspace_id, decision.follow_up, caller.today(services.clock))
    # The decider's own reply: what changed, from when, and what it replaced.
    _tell(respond, decision.outcome)


def _tell(respond: Respond, text: str) -> None:
    """An ephemeral note to the clicker alone; the request message stays as it is."""
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:  # a response_url can expire (30 minutes); the refusal is best effort
        log.warning("could not answer a goal request click", exc_info=True)
