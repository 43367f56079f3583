"""Top-down cascades: `/goal cascade`, and `/goal split` of a team with sub-teams (or of the
company). Who may split what, reading the tree's people and history to plan it
(bot.core.cascade), applying it in one transaction and telling the receiving teams'
managers. It returns what it planned or set (bot/core/goal_results); the text is
bot.render.cascade's, the managers' DMs included; the writing rules are goal_setting's."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.core import allocation, cascade
from bot.core.calendars import WorkCalendar
from bot.core.errors import PermissionDenied, UserError
from bot.core.goal_grammar import GoalCascade, GoalSplit
from bot.core.goal_results import (
    CascadeAnswer,
    CascadeApplied,
    CascadePreview,
    CascadeRoot,
    PlannedCascade,
    WrittenGoal,
)
from bot.core.periods import Period, PeriodKind
from bot.core.team_tree import COMPANY_ID, TeamTree
from bot.render import cascade as cascade_text
from bot.render.text import escape
from bot.services import access, later, reports
from bot.services.goals import drafts as goal_drafts
from bot.services.goals import owners as goal_owners
from bot.services.goals import setting as goal_setting
from bot.services.goals.calls import GoalCall
from bot.services.goals.drafts import Draft
from bot.services.goals.owners import Owner
from bot.services.goals.setting import Created
from bot.services.people import Caller
from storage import aggregations, goals, teams
from storage.models import Person, Team
from storage.rows import persisted_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Plan:
    """A cascade with what its goals need besides its text: the scope, the teams' rows and
    the people with their teams."""

    text: PlannedCascade
    found: reports.Scope
    team_rows: dict[int, Team]
    persons: dict[int, Person]
    team_of: dict[int, int]

    @property
    def root_team(self) -> Team | None:
        """The named team, whose own team goal is the target (None: the company)."""
        return None if self.found.is_company else self.found.team


def answer(
    ctx: GoalCall, cmd: GoalSplit | GoalCascade, found: reports.Scope | None = None
) -> CascadeAnswer:
    """`/goal cascade`, and `/goal split` of a team with sub-teams (or the company): parts
    for every level (one, for a split), a preview until `apply`; applied, every goal in one
    transaction, then one DM to each receiving team's managers with the reason."""
    verb = "split" if isinstance(cmd, GoalSplit) else "cascade"
    command = cascade_text.command(verb, cmd)
    with ctx.services.db.read() as session:
        if found is None:
            found = access.scope_by_name(session, ctx.caller, cmd.team, command)
        _require_may_cascade(session, ctx.caller, found, cmd, verb, command)
        planned = _plan_cascade(ctx, session, cmd, verb, command, found)
    if not cmd.apply:
        return CascadePreview(planned.text)
    return _cascade_apply(ctx, cmd, planned)


def member_weights(
    members: list[Person],
    periods: list[Period],
    by_period: dict[int, list[int]],
    time_off: dict[int, list[tuple[date, date]]],
    calendar: WorkCalendar,
    kind: PeriodKind,
) -> tuple[list[tuple[int, allocation.Number | None]], dict[int, str]]:
    """Each member's weight in a split by history, and why, shown after their share (a
    team's own split, and a cascade's teams whose members get parts of their own).

    Each member weighs their average per period of history used, leaving out periods with
    under half the team's working days, so a vacation week neither counts as a zero nor
    shrinks the share. New reps (a start date inside the window, or no period used) get
    the team median (None here)."""
    window_start = periods[0].start
    history: list[tuple[int, allocation.Number | None]] = []
    why: dict[int, str] = {}
    for p in members:
        if p.id is None:
            continue
        mine = allocation.person_history(
            periods,
            by_period.get(p.id, [0] * len(periods)),
            calendar,
            time_off.get(p.id, ()),
            p.start_date,
        )
        weight = allocation.split_weight(mine, p.start_date, window_start)
        history.append((p.id, weight))
        used = len(mine.used)
        note = mine.left_out_note(kind)
        if weight is not None:
            why[p.id] = f"history, {used} {kind.value}{'s' if used != 1 else ''}" + (
                f"; {note}" if note else ""
            )
        elif note and not mine.used and not (p.start_date and p.start_date > window_start):
            why[p.id] = f"team median; {note}"
    return history, why


def _require_may_cascade(
    session: Session,
    caller: Caller,
    found: reports.Scope,
    cmd: GoalSplit | GoalCascade,
    verb: str,
    command: str,
) -> None:
    """Admins split anything; a team's managers (and those of the teams above it) split it;
    the company is for admins only. A manager refused is shown the command for their own
    team."""
    if caller.is_admin:
        return
    tree = found.tree
    if not found.is_company and persisted_id(found.team) in teams.governed_team_ids(
        session, caller.workspace_id, caller.person_id
    ):
        return
    managed = tree.topmost(teams.managed_team_ids(session, caller.workspace_id, caller.person_id))
    yours = ""
    example = command
    if managed:
        names = ", ".join(f"team {escape(tree.name(t))}" for t in managed)
        yours = f" You manage {names}: {verb} {'that' if len(managed) == 1 else 'those'} instead."
        example = command.replace(f"team:{cmd.team} ", f"team:{tree.name(managed[0])} ", 1)
    if found.is_company:
        raise PermissionDenied(
            f"Only workspace admins can {verb} the company's target (team:all). Nothing was changed.{yours}",
            example,
        )
    raise PermissionDenied(
        f"Only an admin or a manager of team {escape(found.team.name)} (or of a team above it) can {verb} its "
        f"target. Nothing was changed.{yours}",
        example,
    )


def _plan_cascade(
    ctx: GoalCall,
    session: Session,
    cmd: GoalSplit | GoalCascade,
    verb: str,
    command: str,
    found: reports.Scope,
) -> _Plan:
    """Read the tree's people and, by history, their totals in the window (a fixed number of
    statements, plus one per team whose members get parts of their own), and plan it."""
    tree = found.tree
    root = None if found.is_company else found.team.id
    levels = 1 if verb == "split" else None
    ids = [t for t in found.team_ids if t != COMPANY_ID]
    if not ids:
        raise UserError(
            f"There are no teams yet to {verb} the company's target between — create them first, then "
            "set each one's parent team.",
            "/team create east",
        )
    team_rows = goals.teams_by_ids(session, ctx.ws, ids)
    rows = teams.member_rows_of_teams(session, ctx.ws, ids)
    everyone = goals.people_by_ids(
        session, ctx.ws, {r.id for found_rows in rows.values() for r in found_rows}
    )
    # Bots and deactivated people stay listed in a team but get no part.
    persons = {pid: p for pid, p in everyone.items() if not p.is_bot and not p.deactivated}
    members = {t: [r.id for r in found_rows if r.id in persons] for t, found_rows in rows.items()}
    team_of = {pid: t for t, pids in members.items() for pid in pids}
    _require_people(tree, root, members, verb, found)
    today = goal_owners.team_owner(found.team).today(ctx.services.clock)
    periods = allocation.last_complete_periods(
        cmd.period, today, allocation.HISTORY_PERIODS, ctx.fiscal_year_start_month
    )
    start, end = periods[0].start, periods[-1].end
    why: dict[int, str] = {}
    if cmd.basis == "evenly":
        people_data = cascade.People(members)
    else:
        by_team = aggregations.teams_totals(session, ctx.ws, ids, [cmd.metric.key], start, end)
        totals = {
            pid: total
            for found_totals in by_team.values()
            for (pid, _), total in found_totals.items()
        }
        weights: dict[int, allocation.Number | None] = {}
        split_teams = cascade.member_split_teams(tree, root, members, levels)
        time_off = aggregations.teams_time_off(session, ctx.ws, split_teams, start, end)
        spans = [(p.start, p.end) for p in periods]
        for team_id in split_teams:
            by_period = aggregations.team_period_totals(
                session, ctx.ws, team_id, cmd.metric.key, spans
            )
            calendar = reports.team_facts(team_rows[team_id], None, ctx.now).calendar
            own = [persons[pid] for pid in members[team_id]]
            found_weights, found_why = member_weights(
                own, periods, by_period, time_off.get(team_id, {}), calendar, cmd.period
            )
            weights.update(found_weights)
            why.update(found_why)
        people_data = cascade.People(members, totals, weights)
    plan = cascade.plan(tree, root, cmd.target, cmd.basis != "evenly", people_data, levels)
    text = PlannedCascade(
        verb=verb,
        command=command,
        plan=plan,
        root=None if found.is_company else CascadeRoot(found.team.id, found.team.name),
        team_names={tid: team.name for tid, team in team_rows.items()},
        person_names={pid: reports.display_name(p) for pid, p in persons.items()},
        why=why,
        window=len(periods),
    )
    return _Plan(text, found, team_rows, persons, team_of)


def _require_people(
    tree: TeamTree, root: int | None, members: dict[int, list[int]], verb: str, found: reports.Scope
) -> None:
    """Refuse a cascade with nobody to carry the target, saying how to add them."""
    if root is not None and not tree.has_children(root):
        if not members.get(root):
            name = escape(tree.name(root))
            raise UserError(
                f"Team {name} has no members to {verb} the target to, and no sub-teams: add members with "
                f"`/team add {name} @maria`, or sub-teams with `/team set OTHER parent {name}`.",
                f"/team add {tree.name(root)} @maria",
            )
        return
    below = tree.subtree(root) if root is not None else list(tree.nodes)
    if any(members.get(t) for t in below):
        return
    leaf = tree.leaves(root)[0]
    where = (
        f"team {escape(found.team.name)} or any team below it"
        if root is not None
        else "any of the company's teams"
    )
    raise UserError(
        f"Nobody is in {where} yet, so there is nobody to {verb} the target to: add members with "
        f"`/team add {escape(tree.name(leaf))} @maria`.",
        f"/team add {tree.name(leaf)} @maria",
    )


def _cascade_apply(ctx: GoalCall, cmd: GoalSplit | GoalCascade, planned: _Plan) -> CascadeApplied:
    """Every goal in one transaction (a refusal, such as an overlap without a reason, sets
    none), then the reply and the managers' DMs."""
    metric = cmd.metric
    write = ctx.write_context(f"{planned.text.command} apply", may_request=False)
    clock = ctx.services.clock
    written: dict[tuple[str, int], WrittenGoal] = {}

    def store(session: Session, key: tuple[str, int], owner: Owner, kind: str, amount: int) -> None:
        today = owner.today(clock)
        draft = Draft(
            kind=kind,
            metric=metric.key,
            period_kind=cmd.period,
            target=amount,
            start=goal_drafts.current_start(cmd.period, today, ctx.fiscal_year_start_month),
            origin="split",
        )
        outcome = goal_setting.write_goal(session, write, owner, draft, cmd.reason, today)
        assert isinstance(outcome, Created)
        written[key] = WrittenGoal(outcome.goal.id, outcome.goal.target)

    with ctx.services.db.write() as session:
        root = planned.root_team
        if root is not None and root.id is not None:
            store(session, ("team", root.id), goal_owners.team_owner(root), "team", cmd.target)
        for _, part in planned.text.plan.walk():
            if part.amount <= 0 or part.kind is cascade.PartKind.OWN:
                continue
            if part.kind is cascade.PartKind.TEAM:
                store(
                    session,
                    part.key,
                    goal_owners.team_owner(planned.team_rows[part.id]),
                    "team",
                    part.amount,
                )
            else:
                person = planned.persons[part.id]
                owner = Owner(person, planned.team_rows[planned.team_of[part.id]])
                store(session, part.key, owner, "individual", part.amount)
        managers = teams.managers_of_teams(
            session, ctx.ws, [tid for kind, tid in written if kind == "team"]
        )
    told = _tell_managers(ctx, cmd, planned, written, managers)
    changed = [pid for kind, pid in written if kind == "person"]
    ctx.services.home_changed(ctx.ws, (ctx.caller.person_id, *changed, *(p.id for p in told)))
    return CascadeApplied(planned.text, written, tuple(reports.display_name(p) for p in told))


def _tell_managers(
    ctx: GoalCall,
    cmd: GoalSplit | GoalCascade,
    planned: _Plan,
    written: dict[tuple[str, int], WrittenGoal],
    managers: dict[int, list[Person]],
) -> list[Person]:
    """One DM to each manager of a team that got a goal (not the caller, who has the reply):
    each of their teams' own goal, the parts right under it and the reason. Sent after the
    answer, as goal requests are (goal_decisions.post_request); who Slack could not reach is
    named through the response URL. Returns who is told."""
    sections: dict[int, list[str]] = {}
    first_team: dict[int, int] = {}
    told: dict[int, Person] = {}
    slack_ids: dict[int, str] = {}
    order = {team_id: index for index, (_, team_id) in enumerate(planned.found.tree.outline())}
    in_order = sorted(managers, key=lambda t: order.get(t, 0))
    for team_id, lines in cascade_text.team_sections(cmd, planned.text, in_order, written).items():
        for manager in managers[team_id]:
            if (
                manager.id is None
                or manager.id == ctx.caller.person_id
                or manager.is_bot
                or manager.deactivated
            ):
                continue
            if not manager.slack_user_id:
                continue
            sections.setdefault(manager.id, []).extend(lines)
            first_team.setdefault(manager.id, team_id)
            told[manager.id] = manager
            slack_ids[manager.id] = manager.slack_user_id
    if not sections:
        return []
    messages: list[tuple[str, str, str]] = []
    for manager_id, lines in sections.items():
        manager = told[manager_id]
        text = cascade_text.manager_message(
            cmd,
            planned.text,
            ctx.caller.name,
            lines,
            planned.team_rows[first_team[manager_id]].name,
        )
        messages.append((slack_ids[manager_id], reports.display_name(manager), text))
    verb = planned.text.verb

    def deliver(client: WebClient, respond: Respond | None) -> None:
        missed = []
        for slack_user_id, name, text in messages:
            try:
                client.chat_postMessage(channel=slack_user_id, text=text)
            except SlackApiError as error:
                log.warning(
                    "could not tell %s about a %s: %s",
                    slack_user_id,
                    verb,
                    error.response.get("error"),
                )
                missed.append(name)
        if missed:
            later.tell(respond, cascade_text.missed(verb, missed))

    later.after_answer(deliver, ctx.client)
    return list(told.values())
