"""Splits and cascades down the team tree as text: the preview of `/goal cascade` (and of
`/goal split` of a team with sub-teams, or of the company), the reply once applied, and
the DM each receiving team's manager gets. Every reply stays within one Slack message.

Pure: bot.services.goals.cascade reads the tree, the people and their history, plans it
(bot.core.cascade) and stores the goals; this only says what it plans or set.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import cascade
from bot.core.amounts import format_amount
from bot.core.goal_grammar import GoalCascade, GoalSplit
from bot.core.goal_results import (
    CascadeAnswer,
    CascadePreview,
    PlannedCascade,
    WrittenGoals,
)
from bot.core.periods import PeriodKind
from bot.render.block_limits import REPLY_TEXT, fit_reply
from bot.render.text import escape

# One level of a preview's tree (an em space: Slack keeps it where it trims plain spaces).
INDENT = "\u2003"

# "$12,000,000 revenue a year": a target's period as said after it.
PER = {
    PeriodKind.DAY: "a day",
    PeriodKind.WEEK: "a week",
    PeriodKind.MONTH: "a month",
    PeriodKind.QUARTER: "a quarter",
    PeriodKind.YEAR: "a year",
}


def command(verb: str, cmd: GoalSplit | GoalCascade) -> str:
    """The command as it would be typed again (without `apply`)."""
    metric = cmd.metric
    return f"/goal {verb} team:{cmd.team} {metric.key} {format_amount(cmd.target, metric)}/{cmd.period.value} by {cmd.basis}"


def export_rest(period: PeriodKind) -> str:
    return f"`/progress export {'today' if period is PeriodKind.DAY else period.value}` has every share in a CSV"


def answer_reply(cmd: GoalSplit | GoalCascade, answer: CascadeAnswer) -> str:
    """The reply to a cascade: its preview, or what applying it set."""
    if isinstance(answer, CascadePreview):
        return preview(cmd, answer.planned)
    return applied(cmd, answer.planned, answer.written, answer.told)


def preview(cmd: GoalSplit | GoalCascade, planned: PlannedCascade) -> str:
    team_goals, person_goals = _goal_count(planned)
    between = "between its sub-teams" if planned.verb == "split" else "down to every rep"
    if planned.verb == "split" and planned.root is None:
        between = "between the top-level teams"
    head = [
        f"*Preview* — {planned.verb} {_what(cmd, planned)} {between}, {_how(cmd, planned)}. Nothing is set yet:",
        *_no_history_note(cmd, planned),
    ]
    again = f"{planned.command} apply" + (f" -- {escape(cmd.reason)}" if cmd.reason else "")
    reason = "" if cmd.reason else " (add `-- reason` to tell the teams' managers why)"
    tail = [f"Set these {_counted(team_goals, person_goals)}: `{again}`{reason}"]
    rest = "`apply` sets them all"
    return _fit_tree(head, _part_lines(cmd, planned), rest, tail)


def applied(
    cmd: GoalSplit | GoalCascade,
    planned: PlannedCascade,
    written: WrittenGoals,
    told: Sequence[str],
) -> str:
    """The reply once every goal is set; `told`: the display names of the managers DMed."""
    team_goals = sum(1 for kind, _ in written if kind == "team")
    head = [
        f"{'Split' if planned.verb == 'split' else 'Cascaded'} {_what(cmd, planned)} {_how(cmd, planned)} — "
        f"{_counted(team_goals, len(written) - team_goals)}:",
        *_no_history_note(cmd, planned),
    ]
    names = ", ".join(escape(name) for name in told)
    tail = (
        [f"Told {names} — the managers of those teams — what was set for their teams, and why."]
        if told
        else []
    )
    return _fit_tree(head, _part_lines(cmd, planned, written), export_rest(cmd.period), tail)


def team_sections(
    cmd: GoalSplit | GoalCascade,
    planned: PlannedCascade,
    team_ids: Sequence[int],
    written: WrittenGoals,
) -> dict[int, list[str]]:
    """For a manager's DM, in the order of `team_ids`: each of those teams that got a goal,
    its own goal and the parts right under it (a team's own members' people in its place)."""
    children = {part.id: part.children for part in planned.plan.teams()}
    root = planned.root
    if root is not None and root.id is not None:
        children[root.id] = planned.plan.parts
    sections: dict[int, list[str]] = {}
    for team_id in team_ids:
        goal = written.get(("team", team_id))
        if goal is None:
            continue
        lines = [
            f"*Team {escape(planned.team_names[team_id])}*: #{goal.id} "
            f"{format_amount(goal.target or 0, cmd.metric)}/{cmd.period.value}"
        ]
        for part in children.get(team_id, ()):
            subparts = part.children if part.kind is cascade.PartKind.OWN else (part,)
            lines += [
                _part_line(cmd, planned, sub, 1, written) for sub in subparts if sub.amount > 0
            ]
        sections[team_id] = lines
    return sections


def manager_message(
    cmd: GoalSplit | GoalCascade,
    planned: PlannedCascade,
    caller_name: str,
    lines: Sequence[str],
    team_name: str,
) -> str:
    """One manager's DM: who set what and why, then the sections of their teams; what does
    not fit is counted, with `/goal list` for `team_name` (their first team) to see it."""
    action = "split" if planned.verb == "split" else "cascaded"
    head = [
        f"*{escape(caller_name)} {action} {_what(cmd, planned)}, {_how(cmd, planned)}* — what it set for your team:",
        f"Reason: {escape(cmd.reason) if cmd.reason else 'no reason given'}",
    ]
    rest = f"`/goal list team:{team_name}` shows them all"
    return fit_reply(head, lines, rest, counted="goals")


def missed(verb: str, names: Sequence[str]) -> str:
    """The note to the caller when Slack could not DM some of the managers."""
    return (
        f"⚠️ Slack could not tell {', '.join(escape(n) for n in names)} about the "
        f"{verb} just now — `/goal list` shows them their goals."
    )


def _how(cmd: GoalSplit | GoalCascade, planned: PlannedCascade) -> str:
    if cmd.basis == "evenly":
        return "evenly"
    return f"by history (last {planned.window} {cmd.period.value}s)"


def _what(cmd: GoalSplit | GoalCascade, planned: PlannedCascade) -> str:
    """ "$12,000,000 revenue a year from the company" — what is split, and from where."""
    metric = cmd.metric
    where = "from the company" if planned.root is None else f"for team {escape(planned.root.name)}"
    return f"{format_amount(cmd.target, metric)} {metric.key} {PER[cmd.period]} {where}"


def _no_history_note(cmd: GoalSplit | GoalCascade, planned: PlannedCascade) -> list[str]:
    """By history with nothing logged below the team in the window: split evenly, and said."""
    if cmd.basis == "evenly" or planned.plan.had_history:
        return []
    where = "the company's teams" if planned.root is None else f"team {escape(planned.root.name)}"
    return [
        f"Nobody in {where} logged any {cmd.metric.key} in the last {planned.window} complete "
        f"{cmd.period.value}s, so it is split evenly."
    ]


def _part_lines(
    cmd: GoalSplit | GoalCascade, planned: PlannedCascade, written: WrittenGoals | None = None
) -> list[tuple[str, bool]]:
    """The tree as lines, each with whether it is a person's: the named team's own goal
    first (not the company's: it has none), then every part indented under its parent."""
    metric = cmd.metric
    found: list[tuple[str, bool]] = []
    base = 0
    root = planned.root
    if root is not None and root.id is not None:
        goal = (written or {}).get(("team", root.id))
        ident = f"#{goal.id} " if goal is not None else ""
        found.append(
            (
                f"• {ident}team {escape(root.name)}: {format_amount(cmd.target, metric)}/{cmd.period.value} "
                "(the team's own goal)",
                False,
            )
        )
        base = 1
    for depth, part in planned.plan.walk():
        found.append(
            (
                _part_line(cmd, planned, part, base + depth, written),
                part.kind is cascade.PartKind.PERSON,
            )
        )
    return found


def _part_line(
    cmd: GoalSplit | GoalCascade,
    planned: PlannedCascade,
    part: cascade.Part,
    depth: int,
    written: WrittenGoals | None,
) -> str:
    metric = cmd.metric
    indent = INDENT * depth
    amount = f"{format_amount(part.amount, metric)}/{cmd.period.value}"
    people_count = f"{part.people} {'person' if part.people == 1 else 'people'}"
    if part.kind is cascade.PartKind.PERSON:
        if part.basis is cascade.Basis.EVEN:
            why = "even"
        else:
            default = "team median" if part.basis is cascade.Basis.MEDIAN else "history"
            why = planned.why.get(part.id, default)
        goal = (written or {}).get(part.key)
        ident = f"#{goal.id} " if goal is not None else ""
        no_goal = " — no goal" if written is not None and goal is None else ""
        return (
            f"{indent}◦ {ident}{escape(planned.person_names[part.id])}: {amount} ({why}){no_goal}"
        )
    name = escape(planned.team_names[part.id])
    if part.kind is cascade.PartKind.OWN:
        return f"{indent}• {name}'s own members: {amount} ({_team_basis(part)}) — {people_count}"
    if part.basis is cascade.Basis.EMPTY:
        return f"{indent}• team {name}: nobody in it — no part"
    goal = (written or {}).get(part.key)
    ident = f"#{goal.id} " if goal is not None else ""
    no_goal = " — no goal" if written is not None and goal is None else ""
    return f"{indent}• {ident}team {name}: {amount} ({_team_basis(part)}) — {people_count}{no_goal}"


def _team_basis(part: cascade.Part) -> str:
    return {
        cascade.Basis.HISTORY: "history",
        cascade.Basis.MEDIAN: "median — nothing logged",
        cascade.Basis.EVEN: "even",
    }.get(part.basis, part.basis.value)


def _goal_count(planned: PlannedCascade) -> tuple[int, int]:
    """How many team goals and individual goals applying it sets (parts of 0 set none)."""
    team_goals = sum(1 for p in planned.plan.teams() if p.amount > 0) + (
        1 if planned.root is not None else 0
    )
    return team_goals, sum(1 for p in planned.plan.persons() if p.amount > 0)


def _counted(team_goals: int, person_goals: int) -> str:
    found = []
    if team_goals:
        found.append(f"{team_goals} team goal{'s' if team_goals != 1 else ''}")
    if person_goals:
        found.append(f"{person_goals} individual goal{'s' if person_goals != 1 else ''}")
    return " and ".join(found) or "no goals"


def _fit_tree(head: list[str], lines: list[tuple[str, bool]], rest: str, tail: list[str]) -> str:
    """The whole tree when it fits in one message; else every team's line and as many of
    the people's as fit, in tree order, ending "… and N more people — rest" (fit_reply)."""
    items = [line for line, _ in lines]
    whole = "\n".join([*head, *items, *tail])
    if len(whole) <= REPLY_TEXT:
        return whole
    # Room for the people's lines once the head, the tail, every team's line and the widest
    # "… and N more" line there can be are in.
    widest = f"… and {len(lines):,} more people — {rest}"
    room = (
        REPLY_TEXT
        - sum(len(line) + 1 for line in [*head, *tail, widest])
        - sum(len(line) + 1 for line, is_person in lines if not is_person)
    )
    if room < 0:
        # More teams than fit: the first lines of the tree, teams and people alike.
        return fit_reply(head, items, rest, tail=tail, counted="lines")
    kept: list[str] = []
    for line, is_person in lines:
        if is_person:
            if len(line) + 1 > room:
                continue
            room -= len(line) + 1
        kept.append(line)
    return fit_reply(head, kept, rest, tail=tail, total=len(lines), counted="people")
