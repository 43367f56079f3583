"""/goal: managers set goals, reps propose theirs, everyone sees plans, suggestions and the
audit trail. parse → one service (bot/services/goals/) → render (bot/render/goal_replies,
goal_lists, goal_plans); the writing rules live in goal_setting."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.clock import zone
from bot.core.errors import UserError
from bot.core.goal_grammar import (
    GOAL_HELP,
    GoalCascade,
    GoalContest,
    GoalEach,
    GoalHistory,
    GoalList,
    GoalMetricAdd,
    GoalOpenModal,
    GoalPlan,
    GoalPropose,
    GoalRamp,
    GoalRemove,
    GoalSet,
    GoalSplit,
    GoalSuggest,
    UnlinkedName,
    parse_goal,
)
from bot.core.goal_results import TeamSplit
from bot.render import cascade as cascade_text
from bot.render import goal_lists, goal_modal, goal_replies
from bot.render import goal_plans as goal_plan_text
from bot.render.text import escape
from bot.services import custom_metrics, later, reports
from bot.services.context import Services
from bot.services.goals import cascade as goal_cascade
from bot.services.goals import changes as goal_changes
from bot.services.goals import listing as goal_listing
from bot.services.goals import plans as goal_plans
from bot.services.goals import proposals as goal_proposals
from bot.services.goals.calls import GoalCall, name_matches, open_call
from bot.services.people import Caller

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def goal_command(ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
        # A request's DMs to the people asked to decide it (a proposal, lowering or removing
        # a started goal) go out after the answer: see goal_decisions.post_request.
        with later.answering(context):
            reply = handle(services, client, command)
        ack() if reply is None else ack(text=reply)

    app.command("/goal")(ack=goal_command, lazy=[later.run])


def handle(services: Services, client: WebClient, command: dict) -> str | None:
    """The ephemeral reply to one /goal (None when a modal opened instead)."""
    try:
        caller = services.directory.caller(
            client, command["team_id"], command["user_id"], command.get("enterprise_id")
        )
        call = open_call(services, client, caller)
        try:
            parsed = parse_goal(
                command.get("text") or "",
                call.catalog,
                caller.today(services.clock),
                call.fiscal_year_start_month,
            )
        except UnlinkedName as unlinked:
            raise _unlinked(services, caller, unlinked) from None
        match parsed:
            case GoalSet():
                return goal_replies.goal_write_reply(goal_changes.set_goal(call, parsed))
            case GoalEach():
                return goal_replies.goal_write_reply(goal_changes.set_each(call, parsed))
            case GoalRamp():
                return goal_replies.goal_write_reply(goal_changes.set_ramp(call, parsed))
            case GoalContest():
                return goal_replies.goal_write_reply(goal_changes.set_contest(call, parsed))
            case GoalPlan():
                return goal_plan_text.plan_reply(parsed, goal_plans.plan(call, parsed))
            case GoalSuggest():
                return goal_plan_text.suggestion_reply(parsed, goal_plans.suggest(call, parsed))
            case GoalSplit():
                split = goal_plans.split(call, parsed)
                if isinstance(split, TeamSplit):
                    return goal_plan_text.split_reply(parsed, split)
                return cascade_text.answer_reply(parsed, split)
            case GoalCascade():
                return cascade_text.answer_reply(parsed, goal_cascade.answer(call, parsed))
            case GoalPropose():
                proposed = goal_proposals.propose(
                    call, parsed.metric, parsed.target, parsed.period, parsed.reason
                )
                assert proposed is not None  # only a form's repeated submission proposes nothing
                # Without owner names: the rep reads about their own goal.
                return goal_replies.proposal_reply(proposed, parsed.metric, call.today)
            case GoalList():
                return goal_lists.list_reply(goal_listing.goal_list(call, parsed.who))
            case GoalHistory():
                # One person's history cannot be narrowed further; a team's or your own can.
                narrowable = parsed.who is None or parsed.who.user is None
                trail = goal_listing.goal_history(call, parsed.who)
                return goal_lists.history_reply(
                    trail, call.catalog, zone(call.caller.tz), narrowable=narrowable
                )
            case GoalRemove():
                return goal_replies.removal_reply(goal_changes.remove(call, parsed))
            case GoalMetricAdd():
                return goal_replies.metric_added_reply(
                    parsed, custom_metrics.add_metric(call, parsed)
                )
            case GoalOpenModal():
                return _open_modal(call, command)
            case _:
                return GOAL_HELP
    except UserError as error:
        return error.text


def _unlinked(services: Services, caller: Caller, error: UnlinkedName) -> UserError:
    """`/goal set ben …`: a name typed without @ (or team:). Exactly one active person of
    that name: "did you mean @ben"; else a team of that name: "did you mean team:ben"; else
    several people, or nobody, is said as it is. Each answer's example is the command to type."""
    matches = name_matches(services, caller, error.name, look_for_team=bool(error.team_command))
    found, team = matches.people, matches.team
    name = escape(error.name)
    if not found and team is not None and error.team_command:
        return UserError(
            f"Did you mean team {escape(team.name)}? Write a team as team:NAME.", error.team_command
        )
    if len(found) == 1:
        return UserError(
            f"Did you mean the person @{name}? Type @ and pick {escape(reports.display_name(found[0]))} "
            "so Slack links the person.",
            error.command,
        )
    if found:
        return UserError(
            f'"{name}" could be any of {len(found)} people — type @ and pick the right one so Slack '
            "links the person.",
            error.command,
        )
    return UserError(
        f'"{name}" is not a metric, and nobody Paceline knows is called {name}. To set a goal '
        "for a person, type @ and pick them so Slack links the person.",
        error.command,
    )


# --- the modal -------------------------------------------------------------------------------


def _open_modal(call: GoalCall, command: dict) -> str | None:
    choices = goal_changes.form_teams(call.services, call.caller)
    call.client.views_open(
        trigger_id=command["trigger_id"],
        view=goal_modal.goal_modal(call.catalog, choices),
    )
    return None
