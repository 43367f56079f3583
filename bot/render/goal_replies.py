"""The replies to setting and removing a goal (`/goal set`, `each`, `ramp`, `contest`, the
goal form's DM, `/goal remove`, and a decision's outcome), drawn from what the goal
services did (bot/core/goal_results)."""

from __future__ import annotations

from datetime import date

from bot.core.dates import format_day
from bot.core.goal_grammar import GoalMetricAdd
from bot.core.goal_results import (
    AlreadyDecided,
    AlreadySet,
    Decision,
    GoalCreated,
    GoalRemoved,
    GoalWrite,
    LoweringAsked,
    Names,
    Proposed,
    Removal,
    RequestAsks,
    ShownGoal,
)
from bot.core.metrics import Metric, MetricKind
from bot.core.standings import GoalSpec
from bot.render import goals as goal_text
from bot.render.text import escape

NOBODY_REACHED = "the workspace admins (none could be reached yet)"


def shown(goal: ShownGoal, names: Names, today: date) -> str:
    """ "#12 calls 60/week for maria from Mon 16 Nov (stretch 125%)"."""
    return goal_text.describe(goal.spec, goal.metric, names, today)


def goal_write_reply(result: GoalWrite) -> str:
    """The reply to a write (also the modal's DM): what was set, ended or removed, or who
    was asked to approve it."""
    if isinstance(result, AlreadySet):
        return "That goal is already set."
    if isinstance(result, LoweringAsked):
        return lowering_asked_text(result)
    return "\n".join(created_lines(result))


def lowering_asked_text(asked: LoweringAsked) -> str:
    today = asked.today
    who = ", ".join(escape(a) for a in asked.asked) or NOBODY_REACHED
    new = goal_text.target_text(asked.new.spec, asked.new.metric)
    if asked.new.spec.end is not None:
        new += f" until {format_day(asked.new.spec.end, today)}"
    return (
        f"Lowering {shown(asked.lowered, asked.names, today)} to {new} needs an "
        f"admin's approval: team {escape(asked.team_name)} has approvals on. Asked {who} "
        f"(request #{asked.request_id}). Nothing changes until one of them approves."
    )


def created_lines(created: GoalCreated) -> list[str]:
    """What a write did: the new version from when and what it replaced (the version in force
    until the day before), then any coming version it removed, e.g.
    "Set #15 calls 70/week for maria from Thu 3 Dec (replaces #12 calls 60/week, in force since Mon 2 Nov)." """
    today, names = created.today, created.names
    replaced = [*created.ended, *(old for old in created.removed if old.spec.start <= today)]
    line = f"Set {shown(created.goal, names, today)}"
    if replaced:
        line += f" (replaces {' and '.join(replaced_text(old, today) for old in replaced)})"
    lines = [line + "."]
    for old in created.removed:
        if old.spec.start > today:
            lines.append(f"Removed {shown(old, names, today)} (it had not started yet).")
    return lines


def replaced_text(old: ShownGoal, today: date) -> str:
    """ "#12 calls 60/week, in force since Mon 2 Nov" — a replaced version as it was before."""
    since = "in force since" if old.spec.start <= today else "in force from"
    return f"#{old.spec.id} {goal_text.target_text(old.spec, old.metric)}, {since} {format_day(old.spec.start, today)}"


def removed_text(removed: GoalRemoved) -> str:
    """What removing a goal did: a coming one is gone; a started one ended yesterday and
    keeps the days it was in force."""
    today, spec = removed.today, removed.goal.spec
    end = removed.ended_on
    if end is None:
        return f"Removed {shown(removed.goal, removed.names, today)}."
    head = goal_text.target_text(spec, removed.goal.metric) + goal_text.owner_phrase(
        spec, removed.names
    )
    kept = "those days keep it" if end > spec.start else "that day keeps it"
    return (
        f"Removed #{spec.id} {head} as of {format_day(today, today)}: it was in force "
        f"{'on ' if end == spec.start else ''}{goal_text.version_span(spec.start, end, today)}, and {kept}."
    )


def removal_reply(removal: Removal) -> str:
    """The reply to `/goal remove`: what was removed, or who was asked to approve it."""
    if removal.done is not None:
        return removed_text(removal.done)
    who = ", ".join(escape(a) for a in removal.asked) or NOBODY_REACHED
    return (
        f"Removing {shown(removal.goal, removal.names, removal.today)} needs an admin's approval: it has started "
        f"and team {escape(removal.team_name)} has approvals on. Asked {who} (request #{removal.request_id}). "
        "Nothing changes until one of them approves."
    )


# --- goal requests and their decisions ------------------------------------------------------

REQUEST_KIND_LABELS = {
    "proposal": "Proposal",
    "lower": "Lowering a started goal",
    "remove": "Removing a started goal",
}
REQUEST_KIND_NOUNS = {
    "proposal": "proposal",
    "lower": "request to lower a goal",
    "remove": "request to remove a goal",
}
REJECTED_RESULT = "Nothing changed."


def request_headline(asks: RequestAsks) -> str:
    """What a request asks, in one paragraph (the same before and after it is decided)."""
    today = asks.today
    who = escape(asks.requester) if asks.requester is not None else "Someone"
    why = f"\n> {escape(asks.reason)}" if asks.reason else ""
    old_text = shown(asks.goal, asks.names, today) if asks.goal is not None else f"#{asks.goal_id}"
    if asks.kind == "remove":
        return f"*{who}* asks to remove {old_text}, which has started.{why}"
    assert asks.new is not None
    if asks.kind == "lower":
        new = goal_text.target_text(asks.new.spec, asks.new.metric)
        return f"*{who}* asks to lower {old_text} to *{new}* {takes_effect(asks.new.spec, today)}.{why}"
    proposed = goal_text.describe(
        asks.new.spec, asks.new.metric, asks.names, today, with_id=False, with_span=False
    )
    return f"*{who}* proposes {proposed} {takes_effect(asks.new.spec, today)}.{why}"


def takes_effect(spec: GoalSpec, today: date) -> str:
    """From when a request would apply: an approval takes effect the day it is decided, or
    the later start the request named — never earlier."""
    when = (
        f"from {format_day(spec.start, today)}"
        if spec.start > today
        else "from the day it is approved"
    )
    if spec.end is not None:
        when += f" until {format_day(spec.end, today)}"
    return when


def request_details(kind: str, request_id: int | None) -> str:
    """The context line under a request's headline: "Proposal · request #7"."""
    return f"{REQUEST_KIND_LABELS[kind]} · request #{request_id}"


def unreached_deciders_text(request_id: int, missed: list[str]) -> str:
    return (
        f"⚠️ Slack could not deliver request #{request_id} to {', '.join(escape(n) for n in missed)} "
        "just now — it waits for them on their App Home."
    )


def created_result_text(created: GoalCreated) -> str:
    """An approval's result when it set the goal: the reply's lines in one paragraph."""
    return " ".join(created_lines(created))


def lowering_waits_text(
    lowered: ShownGoal, names: Names, today: date, request_id: int | None
) -> str:
    """An approved proposal that lowers a started goal: that part waits for an admin."""
    return (
        f"Lowering {shown(lowered, names, today)} now waits for an admin (request #{request_id})."
    )


def already_removed_text(goal_id: int | None) -> str:
    return f"Goal #{goal_id} had already been removed."


def already_ended_text(goal_id: int | None, end: date, today: date) -> str:
    return f"Goal #{goal_id} had already ended ({format_day(end, today)}); nothing changed."


def decision_outcome(decision: Decision) -> str:
    """The decider's reply, also shown on every copy of the request."""
    mark = "✅" if decision.approved else "❌"
    status = "approved" if decision.approved else "rejected"
    return f"{mark} {status.capitalize()} by {escape(decision.decider)}. {decision.result}"


def decision_requester_text(decision: Decision) -> str:
    """The requester's DM once their request is decided."""
    status = "approved" if decision.approved else "rejected"
    what = REQUEST_KIND_NOUNS[decision.kind]
    return (
        f"Your {what} (request #{decision.request_id}) was {status} by {escape(decision.decider)}. "
        f"{decision.result}"
    )


def already_decided_text(decided: AlreadyDecided) -> str:
    by = escape(decided.decider) if decided.decider is not None else "someone"
    return f"Request #{decided.request_id} was already {decided.status} by {by} — nothing changed."


# --- proposals --------------------------------------------------------------------------------


def proposal_reply(proposed: Proposed, metric: Metric, today: date) -> str:
    """The rep's confirmation of a proposal (also App Home's form's DM). It applies from the
    day a manager approves it, never earlier."""
    shown = goal_text.describe(proposed.spec, metric, {}, today, with_id=False, with_span=False)
    who = (
        ", ".join(escape(a) for a in proposed.asked)
        or "your managers (Slack could not reach them just now)"
    )
    return (
        f"Proposed {shown} from the day it is approved (request #{proposed.request_id}). Sent to {who} to approve — "
        "you'll get a DM when they decide."
    )


# --- custom metrics -----------------------------------------------------------------------------


def metric_added_reply(cmd: GoalMetricAdd, kind: MetricKind) -> str:
    """The reply to `/goal metric add`: the metric, its kind and aliases, and how to log it."""
    aliases = f"; aliases {', '.join(cmd.aliases)}" if cmd.aliases else ""
    sample = "$500" if cmd.money else "3"
    return (
        f"Added metric *{cmd.key}* ({kind.value}{aliases}). Log it with `/log {cmd.key} {sample}`."
    )
