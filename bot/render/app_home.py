"""App Home as Block Kit: a rep's goals (the one progress bar, with its pace marker), team
standing and last entries with Undo; a manager's pending approvals and teams, everyone worst
first. Within App Home's 100 blocks for any team size: long lists are summarised."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.dates import format_day
from bot.core.metrics import Metric, MetricCatalog
from bot.core.pace import PaceStatus
from bot.core.periods import Period
from bot.core.progress_bar import progress_bar
from bot.core.standings import Standing, TeamStandings
from bot.render import goal_modal as goal_ids
from bot.render.block_limits import (
    SECTION_TEXT,
    Blocks,
    clip,
    context,
    divider,
    header,
    section,
    sections,
)
from bot.render.goals import request_message
from bot.render.quantities import joined, quantity_text
from bot.render.standing_lines import (
    STATUS_EMOJI,
    collective_line,
    contest_line,
    metric_of,
    names_list,
    period_in_sentence,
    period_label_note,
    standing_block,
)
from bot.render.text import escape, plain

HOME_UNDO_ACTION = "home_undo_entry"
HOME_LOG_ACTION = "home_log"
HOME_PROPOSE_ACTION = "home_propose_goal"
HOME_SET_GOAL_ACTION = "home_set_goal"
HOME_EXPORT_ACTION = "home_export"
# The period picker: a static_select whose option values are period kinds. This id and these
# values are a contract (the console drives the picker with them).
HOME_PERIOD_ACTION = "home_period"
HOME_PERIODS = {
    "week": "This week",
    "month": "This month",
    "quarter": "This quarter",
    "year": "This year",
}
DEFAULT_HOME_PERIOD = "week"
PROPOSE_CALLBACK_ID = "home_propose_modal"

MAX_HOME_BLOCKS = 100  # App Home's limit (messages allow 50)
MAX_GOALS = 10  # a rep's goal sections before "…and N more"
MAX_REQUESTS = 5  # pending requests shown with buttons (3 blocks each)
MAX_PEOPLE_LINES = (
    20  # per team (goal lines, then figures), before "…and N more: /progress team:NAME"
)
MAX_BEHIND_NAMES = 10
# Worst first: the order a manager wants to read people in.
SEVERITY = {
    PaceStatus.AT_RISK: 0,
    PaceStatus.BEHIND: 1,
    PaceStatus.ON_PACE: 2,
    PaceStatus.NOT_STARTED: 3,
    PaceStatus.AHEAD: 4,
    PaceStatus.HIT: 5,
}
LAGGING = (PaceStatus.AT_RISK, PaceStatus.BEHIND)


@dataclass(frozen=True)
class RecentEntry:
    id: int
    day: date
    metric: Metric
    quantity: int
    kind: str  # "log" or "fix"
    note: str | None
    for_name: str | None  # whom it was logged for, when not the viewer


@dataclass(frozen=True)
class RepPart:
    goals: tuple[Standing, ...]
    team_name: str | None
    team: TeamStandings | None
    # What they logged in the view, per metric with activity (catalog order): /progress's figures.
    figures: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingRequest:
    id: int
    headline: str
    label: str  # "Proposal · request #12"


@dataclass(frozen=True)
class TeamPart:
    name: str
    members: int
    # None for teams past the ones a Home computes in full: they get a one-line summary.
    report: TeamStandings | None
    # Each member's figures in the view (person id → metric → total, activity only), shown
    # for members without a goal in it.
    figures: Mapping[int, Mapping[str, int]] = field(default_factory=dict)
    # Teams below it at any depth: `members` then counts everyone below it too.
    sub_teams: int = 0

    @property
    def size(self) -> str:
        """ "5 members", or for a team with sub-teams "11 people in 2 teams"."""
        if self.sub_teams:
            people = "person" if self.members == 1 else "people"
            return f"{self.members} {people} in {self.sub_teams} team{'s' if self.sub_teams != 1 else ''}"
        return f"{self.members} member{'s' if self.members != 1 else ''}"


@dataclass(frozen=True)
class ManagerPart:
    teams: tuple[TeamPart, ...]
    pending: tuple[PendingRequest, ...]
    pending_total: int
    all_teams: bool  # an admin who manages no team sees every team


@dataclass(frozen=True)
class Home:
    person_id: int
    name: str
    view: Period
    today: date
    catalog: MetricCatalog
    updated: str  # "Fri 20 Nov 10:00", in the viewer's zone
    rep: RepPart | None
    manager: ManagerPart | None
    # What the viewer entered last (a manager's logs for reps too), each with Undo.
    entries: tuple[RecentEntry, ...]
    may_propose: bool
    notice: str | None = None


def home_view(home: Home) -> dict[str, Any]:
    return {"type": "home", "callback_id": "paceline_home", "blocks": home_blocks(home)}


def home_blocks(home: Home) -> Blocks:
    top: Blocks = [header(f"Paceline — {plain(home.name)}")]  # plain_text: the name as it is
    if home.notice:
        top.append(section(home.notice))
    top.append(_buttons(home))
    top.append(period_picker(home.view))
    top.append(context(f"{_when(home.view, home.today)} · updated {home.updated}"))
    rep = _rep_blocks(home, home.rep) if home.rep else []
    if home.rep or home.entries:
        rep += _entries_blocks(home)
    pending = _pending_blocks(home.manager) if home.manager else []
    footer = [
        context("`/progress` for details · `/log calls 12` to log · `/leaderboard` for the board")
    ]
    budget = MAX_HOME_BLOCKS - len(top) - len(rep) - len(pending) - len(footer)
    teams = _teams_blocks(home.manager, home.catalog, budget) if home.manager else []
    blocks = top + rep + pending + teams + footer
    if (
        len(blocks) > MAX_HOME_BLOCKS
    ):  # not reached by construction; never let Slack refuse the view
        blocks = blocks[: MAX_HOME_BLOCKS - 1] + footer
    return blocks


def _when(view: Period, today: date) -> str:
    phrase = period_in_sentence(view, today)
    return f"{phrase[0].upper()}{phrase[1:]}{period_label_note(view, today)}"


def _button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value or action_id,
    }
    if style:
        button["style"] = style
    return button


def _buttons(home: Home) -> dict[str, Any]:
    elements = [_button("Log activity", HOME_LOG_ACTION, style="primary")]
    if home.may_propose:
        elements.append(_button("Propose a goal", HOME_PROPOSE_ACTION))
    if home.manager is not None:
        elements.append(_button("Set a goal", HOME_SET_GOAL_ACTION))
        elements.append(_button("Export CSV", HOME_EXPORT_ACTION))
    return {"type": "actions", "block_id": "home_actions", "elements": elements}


def _period_option(kind: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": HOME_PERIODS[kind]}, "value": kind}


def period_picker(view: Period) -> dict[str, Any]:
    """The period the Home shows: this week, month, quarter or year (the viewer's choice)."""
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": HOME_PERIOD_ACTION,
        "placeholder": {"type": "plain_text", "text": "Period"},
        "options": [_period_option(kind) for kind in HOME_PERIODS],
    }
    if view.kind.value in HOME_PERIODS:
        select["initial_option"] = _period_option(view.kind.value)
    return {"type": "actions", "block_id": "home_period", "elements": [select]}


def figures_text(figures: Mapping[str, int], catalog: MetricCatalog) -> str:
    """ "44 opportunities · 12 deals · $31,204 revenue": what /progress says was logged."""
    return joined(quantity_text(total, metric_of(catalog, key)) for key, total in figures.items())


# --- a rep's part ---------------------------------------------------------------------------


def _rep_blocks(home: Home, rep: RepPart) -> Blocks:
    catalog = home.catalog
    when = period_in_sentence(home.view, home.today)
    head = f"*Your goals — {when}*{period_label_note(home.view, home.today)}"
    if rep.figures:  # their own totals, with or without goals (an imported history has none)
        head += f"\n{when[0].upper()}{when[1:]}: {figures_text(rep.figures, catalog)}"
    blocks: Blocks = [divider(), section(head)]
    shown = rep.goals[:MAX_GOALS]
    blocks += [section(standing_block(s, metric_of(catalog, s.goal.metric))) for s in shown]
    if len(rep.goals) > len(shown):
        blocks.append(
            section(f"…and {len(rep.goals) - len(shown)} more goals: `/progress` shows them all.")
        )
    if not rep.goals:
        blocks.append(
            section(f"No goals {when} yet. Propose one with the button above, or ask your manager.")
        )
    blocks.append(section(_team_text(rep, catalog, home.person_id)))
    return blocks


def _entries_blocks(home: Home) -> Blocks:
    blocks: Blocks = [] if home.rep else [divider()]
    blocks.append(section("*Your last entries*"))
    blocks += [_entry_block(e, home.today) for e in home.entries]
    if not home.entries:
        blocks.append(section("Nothing logged yet — *Log activity* above, or `/log calls 12`."))
    return blocks


def _team_text(rep: RepPart, catalog: MetricCatalog, person_id: int) -> str:
    if rep.team_name is None or rep.team is None:
        return "You are not on a team yet: a manager adds you with `/team add`."
    lines = [f"*Team {escape(rep.team_name)}*"]
    lines += [contest_line(c, catalog, person_id) for c in rep.team.contests]
    lines += [collective_line(c, catalog) for c in rep.team.collectives]
    if len(lines) == 1:
        kind = rep.team.view.kind.value
        lines.append(
            f"No contest or all-or-nothing goal this {kind}. `/leaderboard` shows the board."
        )
    return "\n".join(lines)


def entry_text(entry: RecentEntry, today: date, show: Callable[[str], str] = escape) -> str:
    """ "Fri 20 Nov · 12 calls — Acme", "Thu 19 Nov · calls fixed (10 → 12) for bo"; names
    and notes go through `show` (mrkdwn by default; `plain` for plain_text)."""
    if entry.kind == "fix":
        what = (
            f"{entry.metric.key} fixed ({entry.note.removeprefix('fix: ')})"
            if entry.note
            else f"{entry.metric.key} fixed"
        )
    else:
        what = quantity_text(entry.quantity, entry.metric)
    whom = f" for {show(entry.for_name)}" if entry.for_name else ""
    note = f" — {show(entry.note)}" if entry.note and entry.kind != "fix" else ""
    return f"{format_day(entry.day, today)} · {what}{whom}{note}"


def _entry_block(entry: RecentEntry, today: date) -> dict[str, Any]:
    block = section(entry_text(entry, today))
    block["block_id"] = f"home_entry:{entry.id}"
    button = _button("Undo", HOME_UNDO_ACTION, str(entry.id))
    button["confirm"] = {
        "title": {"type": "plain_text", "text": "Undo this entry?"},
        "text": {
            "type": "plain_text",
            "text": clip(
                f"Remove {entry_text(entry, today, plain)}? The audit trail keeps it.", 300
            ),
        },
        "confirm": {"type": "plain_text", "text": "Undo"},
        "deny": {"type": "plain_text", "text": "Keep"},
    }
    block["accessory"] = button
    return block


# --- a manager's part -------------------------------------------------------------------------


def _pending_blocks(manager: ManagerPart) -> Blocks:
    if not manager.pending:
        return []
    blocks: Blocks = [divider(), section(f"*Waiting for your decision* ({manager.pending_total})")]
    for request in manager.pending[:MAX_REQUESTS]:
        blocks += request_message(request.headline, [request.label], request.id)[1]
    more = manager.pending_total - min(len(manager.pending), MAX_REQUESTS)
    if more > 0:
        blocks.append(context(f"…and {more} more — each is in your DMs with its buttons too."))
    return blocks


def _teams_blocks(manager: ManagerPart, catalog: MetricCatalog, budget: int) -> Blocks:
    if not manager.teams:
        return (
            [divider(), section("*Your teams*\nNo teams yet: `/team create east` makes one.")]
            if manager.all_teams
            else []
        )
    title = "*All teams* (you are an admin)" if manager.all_teams else "*Your teams*"
    blocks: Blocks = [divider(), section(title)]
    overflow: list[TeamPart] = []
    for index, team in enumerate(manager.teams):
        found = team_blocks(team, catalog) if team.report is not None else []
        reserve = 2 if index < len(manager.teams) - 1 else 0  # room for the "more teams" summary
        separator = [divider()] if index else []
        if found and not overflow and len(blocks) + len(separator) + len(found) + reserve <= budget:
            blocks += separator + found
        else:
            overflow.append(team)
    if overflow:
        blocks += [divider(), section(more_teams_text(overflow))]
    return blocks


def person_goals(report: TeamStandings) -> dict[int, list[Standing]]:
    """Each member's goals that owe something in the view: their own, then their part of
    each all-or-nothing goal."""
    found: dict[int, list[Standing]] = {}
    for standing in [*report.members, *(m for c in report.collectives for m in c.members)]:
        if standing.owner_id is not None and not standing.pace.nothing_to_do:
            found.setdefault(standing.owner_id, []).append(standing)
    return found


def worst_first(report: TeamStandings) -> list[tuple[int, list[Standing]]]:
    """People with goals, the most worrying first: worst status, then furthest below the
    expected share, then by name (so the order never flickers)."""
    names = report.member_names

    def key(item: tuple[int, list[Standing]]) -> tuple[int, int, str, int]:
        person_id, goals = item
        worst = min(SEVERITY[s.pace.status] for s in goals)
        gap = min(s.pace.pct - s.pace.expected_pct for s in goals)
        return worst, gap, names.get(person_id, "").casefold(), person_id

    return sorted(person_goals(report).items(), key=key)


def _bar(standing: Standing) -> str:
    pace = standing.pace
    return progress_bar(pace.pct, pace.expected_pct if pace.status is not PaceStatus.HIT else None)


def person_line(name: str, goals: Sequence[Standing]) -> str:
    """ "⚠️ *maria* — calls ▓▓▓▓▓▓┃░░░ 66% behind · demos (everyone) ▓▓▓▓┃░░░░░ 40% behind"."""
    worst = min((s.pace.status for s in goals), key=lambda status: SEVERITY[status])
    parts = [
        f"{s.goal.metric}{' (everyone)' if s.goal.kind == 'collective' else ''} {_bar(s)} {s.pace.status.value}"
        for s in goals
    ]
    return f"{STATUS_EMOJI[worst]} *{escape(name)}* — " + " · ".join(parts)


def lagging_names(
    report: TeamStandings, ordered: Sequence[tuple[int, list[Standing]]] | None = None
) -> list[str]:
    """Who is behind or at risk on any goal, worst first (`ordered`: worst_first(report))."""
    return [
        report.member_names.get(pid, "?")
        for pid, goals in (worst_first(report) if ordered is None else ordered)
        if any(s.pace.status in LAGGING for s in goals)
    ]


def team_blocks(team: TeamPart, catalog: MetricCatalog) -> Blocks:
    report = team.report
    assert report is not None
    ordered = worst_first(report)
    behind = lagging_names(report, ordered)
    head = f"*Team {escape(team.name)}* — {team.size} · {len(behind)} behind or at risk"
    lines = [head]
    if behind:
        lines.append(f"⚠️ Behind or at risk: {names_list(behind, MAX_BEHIND_NAMES)}")
    lines += [standing_block(s, metric_of(catalog, s.goal.metric)) for s in report.team_totals]
    lines += [collective_line(c, catalog) for c in report.collectives]
    lines += [contest_line(c, catalog) for c in report.contests]
    kind = report.view.kind.value
    # Members without a goal who logged something: their figures, by name.
    with_goals = {pid for pid, _ in ordered}
    active = sorted(
        ((pid, found) for pid, found in team.figures.items() if pid not in with_goals and found),
        key=lambda item: (report.member_names.get(item[0], "").casefold(), item[0]),
    )
    people = [f"*Everyone, worst first* ({len(ordered)} with goals this {kind})"]
    people += [
        person_line(report.member_names.get(pid, "?"), goals)
        for pid, goals in ordered[:MAX_PEOPLE_LINES]
    ]
    if len(ordered) > MAX_PEOPLE_LINES:
        people.append(f"…and {len(ordered) - MAX_PEOPLE_LINES} more: `/progress team:{team.name}`")
    if not ordered:
        people = [f"Nobody in team {escape(team.name)} has a goal this {kind}: *Set a goal* above."]
    # Goal lines and figure lines share the team's MAX_PEOPLE_LINES.
    room = max(0, MAX_PEOPLE_LINES - len(ordered))
    if active:
        people.append(f"*Logged this {kind} without a goal* ({len(active)})")
        people += [
            figures_line(report.member_names.get(pid, "?"), found, catalog)
            for pid, found in active[:room]
        ]
        if len(active) > room:
            people.append(
                f"…and {len(active) - room} more: `/progress export this {kind}` has everyone."
            )
    without = team.members - len(ordered)
    if ordered and without:
        people.append(f"_{without} without a goal this {kind}._")
    return [*sections(lines), *sections(people)]


def figures_line(name: str, figures: Mapping[str, int], catalog: MetricCatalog) -> str:
    """ "• *darcel* — 44 opportunities · 12 deals · $31,204 revenue"."""
    return f"• *{escape(name)}* — {figures_text(figures, catalog)}"


def more_teams_text(teams: Sequence[TeamPart]) -> str:
    """The teams that did not fit, one line each, in one section; "…and N more" past it."""
    lines = ["*More teams*"]
    for index, team in enumerate(teams):
        lagging = f" · {len(lagging_names(team.report))} behind or at risk" if team.report else ""
        line = f"• *{escape(team.name)}* — {team.size}{lagging} · `/progress team:{team.name}`"
        room_for_tail = 60 if index < len(teams) - 1 else 0
        if len("\n".join([*lines, line])) + room_for_tail > SECTION_TEXT:
            lines.append(f"…and {len(teams) - index} more teams: `/progress team:NAME`")
            break
        lines.append(line)
    return "\n".join(lines)


# --- the propose modal ------------------------------------------------------------------------


def propose_modal(catalog: MetricCatalog) -> dict[str, Any]:
    """The /goal modal without the person, team and start: what `/goal propose` takes
    (metric, target, period, why). Its submission makes the same proposal."""
    view = goal_ids.goal_modal(catalog, [])
    dropped = {goal_ids.PERSON_BLOCK, goal_ids.TEAM_BLOCK, goal_ids.FROM_BLOCK}
    blocks = [b for b in view["blocks"] if b.get("block_id") not in dropped]
    for block in blocks:
        if block.get("block_id") == goal_ids.REASON_BLOCK:
            block["label"] = {"type": "plain_text", "text": "Why"}
            block["hint"] = {
                "type": "plain_text",
                "text": "Your manager sees this with the proposal.",
            }
    return view | {
        "callback_id": PROPOSE_CALLBACK_ID,
        "title": {"type": "plain_text", "text": "Propose a goal"},
        "submit": {"type": "plain_text", "text": "Propose"},
        "blocks": blocks,
    }
