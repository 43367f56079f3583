"""Approve / Reject on a goal request (a rep's proposal, or lowering a started goal).
parse → authorize → act → render: only someone who may decide changes anything, a second
click is a no-op, and every copy of the request shows the outcome once decided. An approval
takes effect the day it is decided; the decider's reply, every copy of the request and the
requester's DM say from when and what it replaced. The decision is made before the answer
(the database only); every Slack call — the copies, the requester's DM, the clicker's note —
comes after it (bot/services/later.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.core.goal_results import AlreadyDecided
from bot.render import goal_replies
from bot.render.goals import APPROVE_ACTION, REJECT_ACTION
from bot.services import later
from bot.services.context import Services
from bot.services.goals import decisions as goal_decisions
from bot.services.people import Caller

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def approve(
        ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        with later.answering(context):
            handle(services, client, body, action, approve=True)

    def reject(ack: Ack, body: dict, action: dict, client: WebClient, context: BoltContext) -> None:
        ack()
        with later.answering(context):
            handle(services, client, body, action, approve=False)

    app.action(APPROVE_ACTION)(ack=approve, lazy=[later.run])
    app.action(REJECT_ACTION)(ack=reject, lazy=[later.run])


@dataclass(frozen=True)
class Click:
    """A decided click: who clicked (None when Slack does not know them) and what they are told."""

    caller: Caller | None
    text: str


def handle(
    services: Services, client: WebClient, body: dict, action: dict, *, approve: bool
) -> None:
    """A click on a request's DM: decided at once, the clicker told after the answer."""
    click = decide(services, client, body, action, approve=approve)

    def tell(_client: WebClient, respond: Respond | None) -> None:
        # An ephemeral note to the clicker alone; the request message stays as it is.
        later.tell(respond, click.text)

    later.after_answer(tell, client)


def decide(
    services: Services, client: WebClient, body: dict, action: dict, *, approve: bool
) -> Click:
    """Decide in the database (one transaction, no Slack call) and queue for after the
    answer what Slack must show: every copy of the request, the requester's DM and a
    follow-up request (a proposal that lowers a started goal)."""
    caller: Caller | None = None
    try:
        team_id = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        enterprise = body.get("enterprise") or {}
        caller = services.directory.caller(
            client, team_id, body["user"]["id"], enterprise.get("id")
        )
        value = str(action.get("value") or "")
        if not value.isdigit():
            raise UserError("This button is not a goal request any more.", None)
        decision = goal_decisions.decide(services, caller, int(value), approve)
    except UserError as error:
        return Click(caller, error.text)
    if isinstance(decision, AlreadyDecided):
        return Click(caller, goal_replies.already_decided_text(decision))
    goal_decisions.announce_decision(services, client, caller, decision)
    # The decider's own reply: what changed, from when, and what it replaced.
    return Click(caller, goal_replies.decision_outcome(decision))
