"""Requests that wait for a decision (a rep's proposal; lowering or removing a started goal
in a team with approvals on): who decides them, the DMs with Approve / Reject, and deciding.

An approval is written through bot/services/goals/setting.py's rules, as if the decider set
the goal that day, so an approved change is governed and audited like a direct one; the
decision is claimed first, so a second click (or a second decider) finds it decided.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.core.dates import format_day
from bot.core.errors import PermissionDenied, UserError
from bot.core.goal_results import AlreadyDecided, Decision, Names, RequestAsks, ShownGoal
from bot.render import goal_replies
from bot.render import goals as goal_text
from bot.render.text import escape
from bot.services import later, reports
from bot.services.context import Services
from bot.services.goals.drafts import Draft, metric_of, shown_goal
from bot.services.goals.owners import Owner
from bot.services.goals.setting import (
    Created,
    Requested,
    WriteContext,
    audit_write,
    created_result,
    remove_goal,
    write_goal,
)
from bot.services.people import Caller
from storage import goals, people, teams
from storage.models import Goal, GoalRequest, Person, Team
from storage.rows import persisted_id

log = logging.getLogger(__name__)


# --- proposals and who decides -------------------------------------------------------------


def env_admin_ids(services: Services) -> frozenset[str]:
    """The Slack user ids PACELINE_ADMINS makes admins (the Directory holds them)."""
    return services.directory.admin_ids


class Asking(Protocol):
    """What choosing a request's deciders reads of it: a stored GoalRequest, or one about
    to be made."""

    @property
    def workspace_id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def team_id(self) -> int | None: ...

    @property
    def person_id(self) -> int | None: ...

    @property
    def requested_by_id(self) -> int: ...


@dataclass(frozen=True)
class _NewRequest:
    """A request before it is stored (its deciders are found first)."""

    workspace_id: int
    kind: str
    team_id: int | None
    person_id: int | None
    requested_by_id: int


def deciding_team(session: Session, request: Asking) -> Team | None:
    """The team whose managers decide a proposal: the rep's team *now* — a rep who moved
    since proposing is decided by their new team's managers, and one in no team by the
    admins (GoalRequest.team_id is the team at the time of the request, and stays so for
    the record). A team's own goal: that team."""
    ws = request.workspace_id
    if request.person_id is not None:
        return teams.team_of(session, ws, request.person_id)
    return teams.by_id(session, ws, request.team_id) if request.team_id is not None else None


def deciders(session: Session, services: Services, request: Asking) -> list[Person]:
    """Who is asked: a proposal goes to the managers of the rep's team now (or, without
    any, to the admins); lowering or removing a started goal goes to the admins. Never
    the requester."""
    ws = request.workspace_id
    found: list[Person] = []
    if request.kind == "proposal":
        team = deciding_team(session, request)
        if team is not None and team.id is not None:
            found = teams.managers(session, ws, team.id)
    if not found:
        found = goals.admins(session, ws, env_admin_ids(services))
    return [
        p
        for p in found
        if p.id != request.requested_by_id
        and p.slack_user_id
        and not p.is_bot
        and not p.deactivated
    ]


def may_decide(session: Session, caller: Caller, request: GoalRequest) -> bool:
    """Admins decide every request but their own; a manager decides the proposals of the
    reps in their team now (not of a rep who has moved to another team since proposing)."""
    if caller.person_id == request.requested_by_id:
        return False
    if caller.is_admin:
        return True
    if request.kind != "proposal":
        return False
    team = deciding_team(session, request)
    return team is not None and team.id in teams.governed_team_ids(
        session, caller.workspace_id, caller.person_id
    )


def create_proposal(
    session: Session,
    services: Services,
    ctx: WriteContext,
    owner: Owner,
    draft: Draft,
    reason: str | None,
) -> tuple[GoalRequest, list[Person]]:
    """A rep's own goal, waiting for a manager. Refused when nobody could approve it. A
    second proposal under the WriteContext's idempotency key fails on the unique index."""
    assert owner.person is not None
    person_id = persisted_id(owner.person)
    proposal = _NewRequest(
        workspace_id=ctx.caller.workspace_id,
        kind="proposal",
        team_id=owner.team.id if owner.team else None,
        person_id=person_id,
        requested_by_id=ctx.caller.person_id,
    )
    asked = deciders(session, services, proposal)
    if not asked:
        where = (
            f"Team {escape(owner.team.name)} has no manager"
            if owner.team
            else "You are not in a team"
        )
        raise UserError(
            f"{where} and no admin has used Paceline yet, so nobody could approve a proposal. "
            "Ask an admin to add a manager.",
            "/team manager east @dana",
        )
    request = goals.add_request(
        session,
        workspace_id=proposal.workspace_id,
        kind=proposal.kind,
        team_id=proposal.team_id,
        person_id=proposal.person_id,
        payload=json.dumps({"goal": draft.state(owner)}),
        reason=reason,
        requested_by_id=proposal.requested_by_id,
        created_at=ctx.now,
        idempotency_key=ctx.idempotency_key,
    )
    audit_write(
        session,
        ctx,
        "goal_request.propose",
        "goal_request",
        request.id,
        after={"goal": draft.state(owner), "status": "pending"},
        reason=reason,
    )
    return request, asked


# --- the messages with buttons ----------------------------------------------------------------


def request_asks(
    session: Session, services: Services, request: GoalRequest, today: date
) -> RequestAsks:
    """What a request asks, for its headline (goal_replies.request_headline draws it)."""
    ws = request.workspace_id
    catalog = services.catalog(ws)
    payload = json.loads(request.payload)
    owner = _owner_from_state(session, ws, payload["goal"])
    requester = people.by_id(session, ws, request.requested_by_id)
    new: ShownGoal | None = None
    old: Goal | None = None
    if request.kind == "remove":
        old = goals.by_id(session, ws, payload.get("removes") or request.goal_id or 0)
    else:
        draft = Draft.from_state(payload["goal"])
        new = ShownGoal(draft.spec(owner), metric_of(catalog, draft.metric))
        if request.kind == "lower":
            old = goals.by_id(session, ws, payload.get("lowers") or request.goal_id or 0)
    return RequestAsks(
        kind=request.kind,
        requester=reports.display_name(requester) if requester else None,
        reason=request.reason,
        goal=shown_goal(old, catalog) if old else None,
        goal_id=request.goal_id,
        new=new,
        names=owner.names(),
        today=today,
    )


def _owner_from_state(session: Session, workspace_id: int, state: Mapping[str, Any]) -> Owner:
    if state.get("person_id") is not None:
        person = people.by_id(session, workspace_id, int(state["person_id"]))
        if person is None:
            raise UserError("The person this request is about is no longer known.", "/goal list")
        return Owner(person, teams.team_of(session, workspace_id, int(state["person_id"])))
    team = teams.by_id(session, workspace_id, int(state["team_id"]))
    if team is None:
        raise UserError("The team this request is about no longer exists.", "/goal list")
    return Owner(None, team)


def post_request(
    services: Services, client: WebClient, workspace_id: int, request_id: int, today: date
) -> list[str]:
    """DM the request, with Approve / Reject, to everyone who may decide it, and remember
    every copy so all of them can be updated once someone decides. Returns who is asked.

    In a listener's answer (bot/services/later.py) the DMs go out after the answer, one Slack
    call each: the reply names everyone asked, and a follow-up through the response URL
    names anyone Slack could not reach (the request waits for them on their App Home).
    Elsewhere they go out at once and only those reached are returned."""
    with services.db.read() as session:
        request = goals.request_by_id(session, workspace_id, request_id)
        assert request is not None
        asked = deciders(session, services, request)
        headline = goal_replies.request_headline(request_asks(session, services, request, today))
    details = goal_replies.request_details(request.kind, request_id)
    text, blocks = goal_text.request_message(headline, [details], request_id)

    def deliver(client: WebClient) -> list[str]:
        posted: list[dict[str, str]] = []
        names: list[str] = []
        for person in asked:
            channel = person.slack_user_id
            if not channel:  # deciders() keeps only people Slack can reach
                continue
            try:
                answer = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            except SlackApiError as error:
                log.warning(
                    "could not send goal request %s to %s: %s",
                    request_id,
                    channel,
                    error.response.get("error"),
                )
                continue
            posted.append({"channel": answer["channel"], "ts": answer["ts"]})
            names.append(reports.display_name(person))
        if posted:
            with services.db.write() as session:
                stored = goals.request_by_id(session, workspace_id, request_id)
                assert stored is not None
                goals.set_request_messages(session, stored, posted)
        services.home_changed(workspace_id, (p.id for p in asked))
        return names

    if not later.deferring():
        return deliver(client)
    everyone = [reports.display_name(p) for p in asked]

    def deliver_after_answer(client: WebClient, respond: Respond | None) -> None:
        reached = deliver(client)
        missed = [name for name in everyone if name not in reached]
        if missed:
            later.tell(respond, goal_replies.unreached_deciders_text(request_id, missed))

    later.after_answer(deliver_after_answer)
    return everyone


REQUEST_KIND_LABELS = goal_replies.REQUEST_KIND_LABELS


# --- deciding ----------------------------------------------------------------------------------


def decide(
    services: Services, caller: Caller, request_id: int, approve: bool
) -> Decision | AlreadyDecided:
    """Approve or reject a request in one transaction: claim it (a second click finds it
    decided), apply the change, audit both. PermissionDenied/UserError change nothing."""
    now = services.clock.now()
    today = caller.today(services.clock)
    catalog = services.catalog(caller.workspace_id)
    ws = caller.workspace_id
    with services.db.write() as session:
        request = goals.request_by_id(session, ws, request_id)
        if request is None:
            raise UserError(f"Request #{request_id} is unknown here.", "/goal list")
        if request.status != "pending":
            return _already_decided(session, request)
        if not may_decide(session, caller, request):
            raise PermissionDenied(_not_yours(session, request, caller), None)
        headline = goal_replies.request_headline(request_asks(session, services, request, today))
        status = "approved" if approve else "rejected"
        if not goals.claim_decision(session, ws, request_id, status, caller.person_id, now):
            session.expire(request)
            return _already_decided(session, request)
        ctx = WriteContext(caller, now, catalog, reason_example=None, request_id=request_id)
        payload = json.loads(request.payload)
        follow_up: int | None = None
        if approve:
            result, follow_up = _apply(session, services, ctx, request, payload, today)
        else:
            result = goal_replies.REJECTED_RESULT
        audit_write(
            session,
            ctx,
            f"goal_request.{'approve' if approve else 'reject'}",
            "goal_request",
            request_id,
            before={"goal": payload["goal"], "status": "pending"},
            after={"goal": payload["goal"], "status": status, "result": result},
            reason=request.reason,
        )
        requester = people.by_id(session, ws, request.requested_by_id)
        messages = json.loads(request.messages or "[]")
    services.home_changed(ws, (caller.person_id, request.requested_by_id, request.person_id))
    return Decision(
        request_id=request_id,
        kind=request.kind,
        approved=approve,
        decider=caller.name,
        result=result,
        headline=headline,
        requester_slack_id=requester.slack_user_id if requester else None,
        messages=messages,
        follow_up=follow_up,
    )


def _apply(
    session: Session,
    services: Services,
    ctx: WriteContext,
    request: GoalRequest,
    payload: dict,
    today_caller: date,
) -> tuple[str, int | None]:
    """Make the approved change; the text says what happened."""
    ws = ctx.caller.workspace_id
    owner = _owner_from_state(session, ws, payload["goal"])
    today = owner.today(services.clock)
    names = owner.names()
    if request.kind == "remove":
        return _apply_removal(session, ctx, request, payload, today, today_caller, names), None
    draft = Draft.from_state(payload["goal"])
    if request.kind == "lower":
        lowered = goals.by_id(session, ws, int(payload.get("lowers") or request.goal_id or 0))
        if lowered is None or lowered.removed_at is not None:
            raise UserError(
                f"Goal #{request.goal_id} was removed since this request was made — reject it instead.",
                None,
            )
    # An approval takes effect when it is decided (the owner's today), or from the later
    # start the request named — never earlier: days that have ended, and whatever version
    # was set for them since the request was made, stay as they were.
    draft = replace(draft, start=max(draft.start, today), start_given=True)
    if draft.end is not None and draft.end < draft.start:
        raise UserError(
            f"This request asked for a goal until {format_day(draft.end, today_caller)}, which has passed — "
            "reject it instead.",
            None,
        )
    # The decider's approval stands in for the reason a replacement needs.
    reason = request.reason or f"request #{request.id} approved by {ctx.caller.name}"
    if request.kind == "proposal":
        draft = replace(draft, origin="proposal")
    outcome = write_goal(session, ctx, owner, draft, reason, today)
    if isinstance(outcome, Requested):
        waiting = shown_goal(outcome.lowered, ctx.catalog)
        return goal_replies.lowering_waits_text(
            waiting, names, today_caller, outcome.request.id
        ), outcome.request.id
    assert isinstance(outcome, Created)
    return goal_replies.created_result_text(
        created_result(outcome, ctx.catalog, names, today_caller)
    ), None


def _apply_removal(
    session: Session,
    ctx: WriteContext,
    request: GoalRequest,
    payload: dict,
    today: date,
    today_caller: date,
    names: Names,
) -> str:
    goal = goals.by_id(
        session, ctx.caller.workspace_id, int(payload.get("removes") or request.goal_id or 0)
    )
    if goal is None or goal.removed_at is not None:
        return goal_replies.already_removed_text(request.goal_id)
    if goal.end is not None and goal.end < today:
        return goal_replies.already_ended_text(goal.id, goal.end, today_caller)
    reason = request.reason or f"request #{request.id} approved by {ctx.caller.name}"
    return goal_replies.removed_text(remove_goal(session, ctx, goal, reason, today, names))


def _already_decided(session: Session, request: GoalRequest) -> AlreadyDecided:
    decider = (
        people.by_id(session, request.workspace_id, request.decided_by_id)
        if request.decided_by_id
        else None
    )
    return AlreadyDecided(
        request.id, request.status, reports.display_name(decider) if decider else None
    )


def _not_yours(session: Session, request: GoalRequest, caller: Caller) -> str:
    if caller.person_id == request.requested_by_id:
        return "You can't decide your own request — someone else approves it. Nothing was changed."
    if request.kind == "lower":
        return "Only a workspace admin can approve lowering a started goal. Nothing was changed."
    if request.kind == "remove":
        return "Only a workspace admin can approve removing a started goal. Nothing was changed."
    now = deciding_team(session, request)
    if (
        request.person_id is not None
        and request.team_id is not None
        and (now is None or now.id != request.team_id)
    ):
        # The rep moved since proposing: their team then no longer decides.
        rep = people.by_id(session, request.workspace_id, request.person_id)
        then = teams.by_id(session, request.workspace_id, request.team_id)
        who = escape(reports.display_name(rep)) if rep else "The rep"
        was = f"team {escape(then.name)}" if then else "the team they proposed from"
        if now is None:
            return (
                f"{who} is no longer in {was}, so only a workspace admin can decide this proposal now. "
                "Nothing was changed."
            )
        return (
            f"{who} has moved from {was} to team {escape(now.name)} since proposing this, so only a manager "
            f"of {escape(now.name)} or an admin can decide it now. Nothing was changed."
        )
    return "Only a manager of the rep's team or an admin can decide this proposal. Nothing was changed."


def announce_decision(
    services: Services, client: WebClient, decider: Caller, decision: Decision
) -> None:
    """After the answer: the outcome on every copy of the request, the requester's DM, and a
    follow-up request (a proposal that lowers a started goal) to whoever decides it."""
    today = decider.today(services.clock)

    def show(client: WebClient, _respond: Respond | None) -> None:
        finish_decision(client, decision)
        if decision.follow_up is not None:
            post_request(services, client, decider.workspace_id, decision.follow_up, today)

    later.after_answer(show, client)


def finish_decision(client: WebClient, decision: Decision) -> None:
    """Show the outcome on every copy of the request (no more buttons) and tell the requester."""
    text, blocks = goal_text.decided_message(
        decision.headline, goal_replies.decision_outcome(decision)
    )
    for message in decision.messages:
        try:
            client.chat_update(
                channel=message["channel"], ts=message["ts"], text=text, blocks=blocks
            )
        except SlackApiError as error:
            log.warning(
                "could not update request %s message: %s",
                decision.request_id,
                error.response.get("error"),
            )
    if decision.requester_slack_id:
        try:
            client.chat_postMessage(
                channel=decision.requester_slack_id,
                text=goal_replies.decision_requester_text(decision),
            )
        except SlackApiError as error:
            log.warning(
                "could not tell the requester of %s: %s",
                decision.request_id,
                error.response.get("error"),
            )
