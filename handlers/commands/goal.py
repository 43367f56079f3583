"""/goal: managers set goals, reps propose theirs, everyone sees plans, suggestions and the
audit trail. parse → authorize → act → render; the writing rules live in goal_setting."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import zone
from bot.core import allocation, funnel
from bot.core.amounts import format_amount
from bot.core.dates import format_day
from bot.core.errors import PermissionDenied, UserError
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
    Who,
    parse_goal,
)
from bot.core.metrics import DEFAULT_COUNT_CAP, MONEY_CAP_CENTS, Metric, MetricCatalog, MetricKind
from bot.core.periods import PeriodKind
from bot.core.team_grammar import team_key
from bot.render import goal_modal
from bot.render import goals as goal_text
from bot.render.block_limits import fit_reply
from bot.render.cascade import PER, export_rest
from bot.render.text import escape
from bot.services import access, goal_cascade, goal_setting, later, reports
from bot.services.context import Services
from bot.services.goal_setting import Created, Draft, Owner, WriteContext
from bot.services.people import Caller
from storage import aggregations, audit, goals, people, teams, workspaces
from storage.models import CustomMetric, Goal, Person

log = logging.getLogger(__name__)

# /goal list describes at most this many goals (a message shows some 30 of them); the
# rest are counted and LIST_REST says where to see them.
MAX_LIST_LINES = 200
LIST_REST = "narrow it with `/goal list @maria`; `/progress export` has everyone's goals in a CSV"
MAX_HISTORY_LINES = 30
# /goal history stays within one Slack message (4,000 characters), the changes keeping at
# least this much room after the versions.
HISTORY_CHARS = 3900
HISTORY_CHANGES_RESERVE = 1200
MORE_LINE_CHARS = 100
_PERIOD_ORDER = {"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}
FUNNEL_METRICS = ("calls", "demos", "deals", "revenue")


def register(app: App, services: Services) -> None:
    def goal_command(ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
        # A request's DMs to the people asked to decide it (a proposal, lowering or removing
        # a started goal) go out after the answer: see goal_setting.post_request.
        with later.answering(context):
            reply = handle(services, client, command)
        ack() if reply is None else ack(text=reply)

    app.command("/goal")(ack=goal_command, lazy=[later.run])


@dataclass(frozen=True)
class _Ctx:
    services: Services
    client: WebClient
    caller: Caller
    catalog: MetricCatalog
    fiscal_year_start_month: int
    now: datetime

    @property
    def ws(self) -> int:
        return self.caller.workspace_id

    @property
    def today(self) -> date:
        return self.caller.today(self.services.clock)

    def write_context(self, reason_example: str | None, *, may_request: bool = True) -> WriteContext:
        return WriteContext(self.caller, self.now, self.catalog, reason_example, may_request=may_request)


def handle(services: Services, client: WebClient, command: dict) -> str | None:
    """The ephemeral reply to one /goal (None when a modal opened instead)."""
    try:
        caller = services.directory.caller(client, command["team_id"], command["user_id"], command.get("enterprise_id"))
        catalog = services.catalog(caller.workspace_id)
        with services.db.read() as session:
            fsm = workspaces.fiscal_year_start_month(session, caller.workspace_id)
        try:
            parsed = parse_goal(command.get("text") or "", catalog, caller.today(services.clock), fsm)
        except UnlinkedName as unlinked:
            raise _unlinked(services, caller, unlinked) from None
        ctx = _Ctx(services, client, caller, catalog, fsm, services.clock.now())
        match parsed:
            case GoalSet():
                return _set(ctx, parsed)
            case GoalEach():
                return _each(ctx, parsed)
            case GoalRamp():
                return _ramp(ctx, parsed)
            case GoalContest():
                return _contest(ctx, parsed)
            case GoalPlan():
                return _plan(ctx, parsed)
            case GoalSuggest():
                return _suggest(ctx, parsed)
            case GoalSplit():
                return _split(ctx, parsed)
            case GoalCascade():
                return goal_cascade.answer(ctx, parsed)
            case GoalPropose():
                return _propose(ctx, parsed)
            case GoalList():
                return _list(ctx, parsed)
            case GoalHistory():
                return _history(ctx, parsed)
            case GoalRemove():
                return _remove(ctx, parsed)
            case GoalMetricAdd():
                return _metric_add(ctx, parsed)
            case GoalOpenModal():
                return _open_modal(ctx, command)
            case _:
                return GOAL_HELP
    except UserError as error:
        return error.text


def _unlinked(services: Services, caller: Caller, error: UnlinkedName) -> UserError:
    """`/goal set ben …`: a name typed without @ (or team:). Exactly one active person of
    that name: "did you mean @ben"; else a team of that name: "did you mean team:ben"; else
    several people, or nobody, is said as it is. Each answer's example is the command to type."""
    with services.db.read() as session:
        found = [p for p in people.by_name(session, caller.workspace_id, error.name)
                 if not p.is_bot and not p.deactivated]
        team = teams.by_key(session, caller.workspace_id, team_key(error.name)) if error.team_command else None
    name = escape(error.name)
    if not found and team is not None and error.team_command:
        return UserError(f"Did you mean team {escape(team.name)}? Write a team as team:NAME.", error.team_command)
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


# --- setting goals -----------------------------------------------------------------------------


def _set(ctx: _Ctx, cmd: GoalSet) -> str:
    example = f"/goal set {{who}} {_rate(cmd.metric, cmd.target, cmd.period)}"
    owner = _owner(ctx, cmd.who, example.format(who="@maria"))
    example = example.format(who=_who_text(owner))
    kind = "team" if owner.is_team else "individual"
    draft = replace(
        _draft(ctx, owner, kind, cmd.metric, cmd.target, cmd.period, cmd.start, cmd.end, example),
        stretch_pct=cmd.stretch_pct,
        weights=",".join(map(str, cmd.weights)) if cmd.weights else None,
    )
    return _write_one(ctx, owner, draft, cmd.reason, example)


def _each(ctx: _Ctx, cmd: GoalEach) -> str:
    example = f"/goal each team:{cmd.team} {_rate(cmd.metric, cmd.target, cmd.period)}"
    owner = _owner(ctx, Who(team=cmd.team), example)
    draft = replace(
        _draft(ctx, owner, "collective", cmd.metric, cmd.target, cmd.period, cmd.start, cmd.end, example),
        reward=cmd.reward,
    )
    return _write_one(ctx, owner, draft, cmd.reason, example)


def _ramp(ctx: _Ctx, cmd: GoalRamp) -> str:
    metric = cmd.metric
    shape = (f"{metric.key} {format_amount(cmd.first, metric)} to {format_amount(cmd.last, metric)} "
             f"step {format_amount(cmd.step, metric)} per {cmd.period.value}")
    owner = _owner(ctx, Who(user=cmd.user), f"/goal ramp @bo {shape}")
    example = f"/goal ramp {_who_text(owner)} {shape}"
    draft = replace(
        _draft(ctx, owner, "ramp", metric, cmd.first, cmd.period, cmd.start, None, example),
        ramp_last=cmd.last,
        ramp_step=cmd.step,
    )
    return _write_one(ctx, owner, draft, cmd.reason, example)


def _contest(ctx: _Ctx, cmd: GoalContest) -> str:
    example = f"/goal contest {cmd.metric.key} {cmd.period.kind.value} team:east"
    if cmd.team is not None:
        owner = _owner(ctx, Who(team=cmd.team), example)
    else:
        with ctx.services.db.read() as session:
            home = access.home_team(session, ctx.caller)
        if home is None:
            raise UserError("Name the team whose people compete, as team:NAME.", example)
        owner = goal_setting.team_owner(home)
    with ctx.services.db.read() as session:
        goal_setting.require_may_set(session, ctx.caller, owner, example)
    draft = Draft(kind="contest", metric=cmd.metric.key, period_kind=cmd.period.kind, target=None,
                  start=cmd.period.start, end=cmd.period.end, prize=cmd.prize)
    # A contest takes no `--` note, so an overlap names the contest to remove instead.
    return _write_one(ctx, owner, draft, None, None)


def _draft(
    ctx: _Ctx,
    owner: Owner,
    kind: str,
    metric: Metric,
    target: int,
    period: PeriodKind,
    start: date | None,
    end: date | None,
    example: str,
) -> Draft:
    """The goal as it would be stored: authorized, and starting with the current period
    in the owner's time unless a start was given (goal_setting.write_goal moves a default
    start to today when the goal has a version in force, and refuses a non-admin's start
    in the past)."""
    with ctx.services.db.read() as session:
        goal_setting.require_may_set(session, ctx.caller, owner, example)
    first = start or goal_setting.current_start(period, owner.today(ctx.services.clock), ctx.fiscal_year_start_month)
    if end is not None and end < first:
        raise UserError(
            f"The goal would end ({end.isoformat()}) before it starts ({first.isoformat()}).",
            f"{example} from {end.isoformat()}",
        )
    return Draft(kind=kind, metric=metric.key, period_kind=period, target=target, start=first, end=end,
                 start_given=start is not None)


def _write_one(ctx: _Ctx, owner: Owner, draft: Draft, reason: str | None, example: str | None) -> str:
    with ctx.services.db.write() as session:
        outcome = goal_setting.write_goal(session, ctx.write_context(example), owner, draft, reason,
                                          owner.today(ctx.services.clock))
    return goal_setting.outcome_text(ctx.services, ctx.client, ctx.caller, owner, draft, outcome)


# --- plans, suggestions and splits -----------------------------------------------------------


def _plan(ctx: _Ctx, cmd: GoalPlan) -> str:
    person = _person(ctx, cmd.user)
    with ctx.services.db.read() as session:
        owner = goal_setting.person_owner(session, person)
        if cmd.apply:
            goal_setting.require_may_set(session, ctx.caller, owner, funnel.PLAN_EXAMPLE)
        elif person.id != ctx.caller.person_id and not access.may_act_for(session, ctx.caller, person.id or 0):
            raise PermissionDenied(
                f"You can plan for yourself and, as a manager, for your team — not for {escape(owner.name)}.",
                funnel.PLAN_EXAMPLE,
            )
        today = owner.today(ctx.services.clock)
        periods = allocation.last_complete_periods(cmd.period, today, allocation.HISTORY_PERIODS, ctx.fiscal_year_start_month)
        start, end = periods[0].start, periods[-1].end
        mine = aggregations.people_totals(session, ctx.ws, [person.id], FUNNEL_METRICS, start, end)
        own = _funnel_history({m: mine.get((person.id, m), 0) for m in FUNNEL_METRICS})
        team_history = None
        if owner.team is not None and owner.team.id is not None:
            theirs = aggregations.team_totals(session, ctx.ws, owner.team.id, FUNNEL_METRICS, start, end)
            team_history = _funnel_history({m: sum(v for (_, k), v in theirs.items() if k == m) for m in FUNNEL_METRICS})
    rates = funnel.resolve_rates(
        own, team_history,
        deal_size_cents=cmd.deal_size_cents, win_rate_pct=cmd.win_rate_pct, demo_rate_pct=cmd.demo_rate_pct,
    )
    result = funnel.plan_with(cmd.revenue_cents, rates)
    revenue = goal_setting.metric_of(ctx.catalog, "revenue")
    is_self = person.id == ctx.caller.person_id
    window = f"last {len(periods)} {cmd.period.value}s"
    whose = "your" if is_self else f"{escape(owner.name)}'s"
    sources = {
        funnel.RateSource.GIVEN: "given",
        funnel.RateSource.OWN: f"{whose} history, {window}",
        funnel.RateSource.TEAM: f"team {escape(owner.team.name) if owner.team else ''} history, {window}",
    }
    per = PER[cmd.period]
    lines = [
        f"*Plan{'' if is_self else ' for ' + escape(owner.name)}: {format_amount(cmd.revenue_cents, revenue)} revenue {per}*",
        f"{result.deals} deals, {result.demos} demos, {result.calls} calls {per}",
        f"Deal size {format_amount(rates.deal_size_cents, revenue)} ({sources[rates.deal_size_source]}) · "
        f"win rate {funnel.format_pct(rates.win_rate_pct)} ({sources[rates.win_rate_source]}) · "
        f"demo rate {funnel.format_pct(rates.demo_rate_pct)} ({sources[rates.demo_rate_source]})",
    ]
    again = (
        f"/goal plan {format_amount(cmd.revenue_cents, revenue)}/{cmd.period.value}"
        f"{'' if is_self else ' for ' + _who_text(owner)} deal {format_amount(rates.deal_size_cents, revenue)} "
        f"win {funnel.format_pct(rates.win_rate_pct)} demo {funnel.format_pct(rates.demo_rate_pct)} apply"
    )
    if not cmd.apply:
        with ctx.services.db.read() as session:
            may_set = _may_set(session, ctx.caller, owner)
        if may_set:
            lines.append(f"Set these as goals: `{again}`")
        else:
            lines.append(f"Propose one to your manager: `/goal propose calls {result.calls}/{cmd.period.value}`")
        return "\n".join(lines)
    start_day = goal_setting.current_start(cmd.period, today, ctx.fiscal_year_start_month)
    drafts = [
        Draft(kind="individual", metric=key, period_kind=cmd.period, target=amount, start=start_day, origin="plan")
        for key, amount in (("deals", result.deals), ("demos", result.demos), ("calls", result.calls))
    ]
    write = ctx.write_context(None, may_request=False)
    with ctx.services.db.write() as session:
        created = [goal_setting.write_goal(session, write, owner, d, None, today) for d in drafts]
    ctx.services.home_changed(ctx.ws, (ctx.caller.person_id, person.id))
    names = owner.names()
    for outcome in created:
        assert isinstance(outcome, Created)
        lines.append(f"Set {goal_setting.describe_goal(outcome.goal, ctx.catalog, names, ctx.today)}.")
    return "\n".join(lines)


def _funnel_history(totals: dict[str, int]) -> funnel.FunnelHistory:
    return funnel.FunnelHistory(totals["calls"], totals["demos"], totals["deals"], totals["revenue"])


def _suggest(ctx: _Ctx, cmd: GoalSuggest) -> str:
    person = _person(ctx, cmd.user)
    with ctx.services.db.read() as session:
        owner = goal_setting.person_owner(session, person)
        if person.id != ctx.caller.person_id and not access.may_act_for(session, ctx.caller, person.id or 0):
            raise PermissionDenied(
                f"You can ask for suggestions for yourself and, as a manager, your team — not for {escape(owner.name)}.",
                "/goal suggest calls",
            )
        today = owner.today(ctx.services.clock)
        periods = allocation.last_complete_periods(cmd.period, today, allocation.HISTORY_PERIODS, ctx.fiscal_year_start_month)
        totals = aggregations.period_totals(session, ctx.ws, person.id or 0, cmd.metric.key, [(p.start, p.end) for p in periods])
        time_off = aggregations.time_off_by_person(
            session, ctx.ws, [person.id or 0], periods[0].start, periods[-1].end
        ).get(person.id or 0, [])
    # Periods before the rep started (their start date, else their first entry) are not
    # history; a zero week at work after that is real and stays in, but a period with
    # under half the team's working days (time off, a mid-period start) is left out.
    calendar = reports.team_facts(owner.team, person.tz, ctx.now).calendar
    history = allocation.person_history(periods, totals, calendar, time_off, person.start_date)
    set_example = f"/goal set {_who_text(owner)} {cmd.metric.key} {'4000' if cmd.metric.is_money else '60'}/{cmd.period.value}"
    if not history.periods:
        raise UserError(
            f"{escape(owner.name)} has no {cmd.metric.key} in the last {len(periods)} complete "
            f"{cmd.period.value}s to suggest from — set a goal directly instead.",
            set_example,
        )
    note = history.left_out_note(cmd.period)
    if not history.used:
        raise UserError(
            f"{escape(owner.name)} had under half the working days in every {cmd.period.value} of their "
            f"history in the last {len(periods)} complete {cmd.period.value}s ({note}) — "
            "set a goal directly instead.",
            set_example,
        )
    found = allocation.suggest(history.totals)
    metric = cmd.metric
    is_self = person.id == ctx.caller.person_id
    whose = "your" if is_self else f"{escape(owner.name)}'s"
    first = history.periods[0].period
    count = found.periods
    span = f"{format_day(first.start, ctx.today)} – {format_day(periods[-1].end, ctx.today)}"
    return "\n".join([
        f"*Suggested {metric.key} target for {'you' if is_self else escape(owner.name)} per {cmd.period.value}*",
        f"Median {format_amount(found.median, metric)} · 80th percentile {format_amount(found.p80, metric)} — "
        f"from {count} complete {cmd.period.value}{'s' if count != 1 else ''} of {whose} history "
        + (f"({note}), {span}." if note else f"({span})."),
        f"Set it: `/goal set {_who_text(owner)} {metric.key} {format_amount(found.median, metric)}/{cmd.period.value}` "
        f"(or {format_amount(found.p80, metric)} to stretch).",
    ])


def _split(ctx: _Ctx, cmd: GoalSplit) -> str:
    """A team without sub-teams: to its members at once. A team with sub-teams, or the
    company: between them, previewed until `apply` (see goal_cascade)."""
    metric = cmd.metric
    rate = _rate(metric, cmd.target, cmd.period)
    example = f"/goal split team:{cmd.team} {rate} by {cmd.basis}"
    with ctx.services.db.read() as session:
        found = access.scope_by_name(session, ctx.caller, cmd.team, example)
    if found.is_company or found.tree.has_children(found.team.id or 0):
        return goal_cascade.answer(ctx, cmd, found)
    owner = goal_setting.team_owner(found.team)
    team = owner.team
    assert team is not None and team.id is not None
    with ctx.services.db.read() as session:
        goal_setting.require_may_set(session, ctx.caller, owner, example)
        # Bots and deactivated people stay listed in a team but get no share.
        members = [p for p in teams.members(session, ctx.ws, team.id) if not p.is_bot and not p.deactivated]
        if not members:
            raise UserError(
                f"This team has no members to split the target between, and no sub-teams: add members with "
                f"`/team add {escape(team.name)} @maria`, or sub-teams with `/team set OTHER parent {escape(team.name)}`.",
                f"/team add {team.name} @maria",
            )
        team_today = owner.today(ctx.services.clock)
        periods = allocation.last_complete_periods(cmd.period, team_today, allocation.HISTORY_PERIODS, ctx.fiscal_year_start_month)
        window_start, window_end = periods[0].start, periods[-1].end
        if cmd.basis != "evenly":
            # Two statements whatever the team's size: per-period totals and time off.
            by_period = aggregations.team_period_totals(session, ctx.ws, team.id, metric.key, [(p.start, p.end) for p in periods])
            time_off = aggregations.team_time_off(session, ctx.ws, team.id, window_start, window_end)
        member_owners = {p.id: goal_setting.person_owner(session, p) for p in members}
    ordered = [p.id for p in members if p.id is not None]
    # Why each member got their share, shown after the amount: "history, 11 weeks; 1 left out: …".
    why: dict[int, str] = {}
    if cmd.basis == "evenly":
        shares = allocation.split_evenly(cmd.target, ordered)
    else:
        calendar = reports.team_facts(team, None, ctx.now).calendar
        history, why = goal_cascade.member_weights(members, periods, by_period, time_off, calendar, cmd.period)
        shares = allocation.split_by_history(cmd.target, history)
    write = ctx.write_context(example, may_request=False)
    created: list[tuple[Person, int, str, Goal | None]] = []
    with ctx.services.db.write() as session:
        for share in shares:
            member = member_owners[share.member]
            assert member.person is not None
            basis = why.get(share.member, share.basis.value) if share.basis != allocation.SplitBasis.EVEN else share.basis.value
            if share.amount <= 0:
                created.append((member.person, 0, basis, None))
                continue
            member_today = member.today(ctx.services.clock)
            draft = Draft(kind="individual", metric=metric.key, period_kind=cmd.period, target=share.amount,
                          start=goal_setting.current_start(cmd.period, member_today, ctx.fiscal_year_start_month),
                          origin="split")
            outcome = goal_setting.write_goal(session, write, member, draft, cmd.reason, member_today)
            assert isinstance(outcome, Created)
            created.append((member.person, share.amount, basis, outcome.goal))
    changed = [p.id for p, _, _, goal in created if goal is not None]
    ctx.services.home_changed(ctx.ws, (ctx.caller.person_id, *changed))
    total = sum(amount for _, amount, _, _ in created)
    how = "evenly" if cmd.basis == "evenly" else f"by history (last {len(periods)} {cmd.period.value}s)"
    head = [
        f"Split {format_amount(cmd.target, metric)} {metric.key} {PER[cmd.period]} for team {escape(team.name)} {how} "
        f"— {sum(1 for c in created if c[3] is not None)} goals, total {format_amount(total, metric)}:"
    ]
    lines = []
    for person, amount, basis, goal in created:
        ident = f"#{goal.id} " if goal is not None else ""
        lines.append(f"• {ident}{escape(reports.display_name(person))}: {format_amount(amount, metric)}/{cmd.period.value} ({basis})"
                     + ("" if goal is not None else " — no goal"))
    # One message whatever the team's size: the rest of the shares are in the period's CSV.
    return fit_reply(head, lines, export_rest(cmd.period), counted="people")


# --- proposals -------------------------------------------------------------------------------


def _propose(ctx: _Ctx, cmd: GoalPropose) -> str:
    with ctx.services.db.read() as session:
        me = people.by_id(session, ctx.ws, ctx.caller.person_id)
        assert me is not None
        owner = goal_setting.person_owner(session, me)
    today = owner.today(ctx.services.clock)
    draft = Draft(kind="individual", metric=cmd.metric.key, period_kind=cmd.period, target=cmd.target,
                  start=goal_setting.current_start(cmd.period, today, ctx.fiscal_year_start_month), origin="proposal")
    with ctx.services.db.write() as session:
        request, _ = goal_setting.create_proposal(session, ctx.services, ctx.write_context(None), owner, draft, cmd.reason)
        request_id = request.id or 0
    asked = goal_setting.post_request(ctx.services, ctx.client, ctx.ws, request_id, ctx.today)
    # Without owner names: the rep reads about their own goal. It applies from the day a
    # manager approves it, never earlier.
    shown = goal_text.describe(draft.spec(owner), cmd.metric, {}, ctx.today, with_id=False, with_span=False)
    who = ", ".join(escape(a) for a in asked) or "your managers (Slack could not reach them just now)"
    return (
        f"Proposed {shown} from the day it is approved (request #{request_id}). Sent to {who} to approve — "
        "you'll get a DM when they decide."
    )


# --- reading: list and history ---------------------------------------------------------------


def _scope_ids(ctx: _Ctx, session: Session, who: Who | None, example: str) -> tuple[str, list[int], list[int]]:
    """Whose goals a list or history covers (title, person ids, team ids), authorized."""
    if who is not None and who.team is not None:
        team = access.team_by_name(session, ctx.caller, who.team, example)
        assert team.id is not None
        if not access.is_manager_of(session, ctx.caller, team.id):
            mine = teams.team_of(session, ctx.ws, ctx.caller.person_id)
            if mine is None or mine.id != team.id:
                raise PermissionDenied(
                    f"Team {escape(team.name)}'s goals are for its members, managers and admins.", "/goal list"
                )
            # A member sees the team's shared goals; the members' own goals stay theirs.
            return f"team {escape(team.name)}", [], [team.id]
        member_ids = [p.id for p in teams.members(session, ctx.ws, team.id) if p.id is not None]
        return f"team {escape(team.name)}", member_ids, [team.id]
    if who is not None and who.user is not None:
        person = ctx.services.directory.resolve(ctx.client, ctx.ws, who.user)
        assert person.id is not None
        if not access.may_act_for(session, ctx.caller, person.id):
            raise PermissionDenied(
                f"You can see your own goals and, as a manager, your team's — not "
                f"{escape(reports.display_name(person))}'s.",
                "/goal list",
            )
        return escape(reports.display_name(person)), [person.id], []
    # Yourself: your goals, your team's shared goals, and the teams you manage.
    mine = teams.team_of(session, ctx.ws, ctx.caller.person_id)
    managed = sorted(teams.governed_team_ids(session, ctx.ws, ctx.caller.person_id))
    person_ids = [ctx.caller.person_id]
    for team_id in managed:
        person_ids += [p.id for p in teams.members(session, ctx.ws, team_id) if p.id is not None]
    team_ids = ([mine.id] if mine and mine.id else []) + managed
    title = "you" if not managed else "you and the teams you manage"
    return title, list(dict.fromkeys(person_ids)), list(dict.fromkeys(team_ids))


def _names(session: Session, ws: int, person_ids: set[int], team_ids: set[int]) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for pid, person in goals.people_by_ids(session, ws, person_ids).items():
        found[("person", pid)] = reports.display_name(person)
    for tid, team in goals.teams_by_ids(session, ws, team_ids).items():
        found[("team", tid)] = team.name
    return found


def _list(ctx: _Ctx, cmd: GoalList) -> str:
    with ctx.services.db.read() as session:
        title, person_ids, team_ids = _scope_ids(ctx, session, cmd.who, "/goal list")
        rows = goals.listed(session, ctx.ws, person_ids=person_ids, team_ids=team_ids, on_or_after=ctx.today)
        if cmd.who is not None and cmd.who.team is not None and not person_ids:
            rows = [g for g in rows if g.team_id is not None]
        names = _names(session, ctx.ws, {g.person_id for g in rows if g.person_id} | {g.created_by_id for g in rows},
                       {g.team_id for g in rows if g.team_id})
        pending = goals.pending_requests(session, ctx.ws, team_ids) if team_ids else []
        pending = [r for r in pending if r.person_id in person_ids or (r.person_id is None and r.team_id in team_ids)]
    if not rows and not pending:
        return f"No live or coming goals for {title}. Set one with `/goal set @maria calls 60/week`."
    lines = []
    for goal in rows[:MAX_LIST_LINES]:
        by = names.get(("person", goal.created_by_id), "someone")
        how = {"plan": ", from a plan", "split": ", from a split", "proposal": ", proposed and approved"}.get(goal.origin, "")
        lines.append(f"• {goal_setting.describe_goal(goal, ctx.catalog, names, ctx.today)} — set by {escape(by)}{how}")
    waiting = [f"Waiting for a decision: {', '.join(f'request #{r.id} ({r.kind})' for r in pending[:10])}"] if pending else []
    # One message (4,000 characters); what does not fit is counted, with where to see it.
    return fit_reply(
        [f"*Goals for {title}* (live and coming)"], lines, LIST_REST, tail=waiting, total=len(rows), counted="goals"
    )


def _history(ctx: _Ctx, cmd: GoalHistory) -> str:
    """Two views in one reply: each goal's versions in order (which target was in force
    when, who set it and why), then the audit trail's latest changes (what changed, by
    whom, when). Both fit in one Slack message; what does not fit is counted."""
    with ctx.services.db.read() as session:
        title, person_ids, team_ids = _scope_ids(ctx, session, cmd.who, "/goal history")
        rows = goals.versions(session, ctx.ws, person_ids=person_ids, team_ids=team_ids)
        reasons = goals.set_reasons(session, ctx.ws, [g.id for g in rows if g.id is not None])
        events = goals.history_events(session, ctx.ws, person_ids=person_ids, team_ids=team_ids,
                                      limit=MAX_HISTORY_LINES)
        total_events = goals.history_event_count(session, ctx.ws, person_ids=person_ids, team_ids=team_ids)
        subjects: set[int] = {g.person_id for g in rows if g.person_id} | {g.created_by_id for g in rows}
        teams_seen: set[int] = {g.team_id for g in rows if g.team_id}
        for event in events:
            for text in (event.before, event.after):
                state = json.loads(text) if text else {}
                state = state.get("goal", state) if isinstance(state, dict) else {}
                if state.get("person_id"):
                    subjects.add(int(state["person_id"]))
                if state.get("team_id"):
                    teams_seen.add(int(state["team_id"]))
        names = _names(session, ctx.ws, subjects | {e.actor_id for e in events if e.actor_id}, teams_seen)
    if not rows and not events:
        return f"No goals or goal changes for {title} yet."
    head = [f"*Goal history for {title}*"]
    groups = _version_groups(ctx, rows, reasons, names)
    tz = zone(ctx.caller.tz)
    change_lines = [
        goal_text.history_line(
            when=goal_text.when_text(event.at, tz, ctx.today),
            actor=names.get(("person", event.actor_id or 0), "someone"),
            action=event.action,
            subject_id=event.subject_id,
            before=event.before,
            after=event.after,
            reason=event.reason,
            metric_of=lambda key: goal_setting.metric_of(ctx.catalog, key),
            names=names,
            today=ctx.today,
        )
        for event in events
    ]
    versions_title = "_Versions — which target was in force when:_"
    changes_title = "_Changes, newest first:_"
    reserve = min(_size([changes_title, *change_lines]), HISTORY_CHANGES_RESERVE) if change_lines else 0
    lines = list(head)
    if groups:
        room = HISTORY_CHARS - _size(lines) - reserve - _size([versions_title]) - MORE_LINE_CHARS
        kept, left_off = _fit(_without_oldest(groups, ctx.today, room), room)
        lines += [versions_title, *kept]
        if left_off:
            lines.append(f"… and {left_off} more version{'s' if left_off != 1 else ''} — narrow it with "
                         "`/goal history @maria` or `/goal history team:east`.")
    if change_lines:
        room = HISTORY_CHARS - _size(lines) - _size([changes_title]) - MORE_LINE_CHARS
        kept, _ = _fit(change_lines, room)
        lines += [changes_title, *kept]
        left_off = total_events - sum(1 for line in kept if line.startswith("• "))
        if left_off > 0:
            # One person's history cannot be narrowed further; a team's or your own can.
            narrow = "" if cmd.who is not None and cmd.who.user is not None else " — `/goal history @maria` narrows it"
            lines.append(f"… and {left_off} more change{'s' if left_off != 1 else ''}{narrow} "
                         "(the audit trail keeps them all).")
    return "\n".join(lines)


@dataclass
class _Group:
    """One goal (owner, metric, period kind — a person's individual and ramp rows are one)
    for /goal history: its heading and its versions in the order they start."""

    heading: str
    versions: list[tuple[Goal, str]]
    earlier: int = 0  # the oldest ended versions left out to fit the message

    def lines(self) -> list[str]:
        more = [f"… and {self.earlier} earlier version{'s' if self.earlier != 1 else ''}"] if self.earlier else []
        return [self.heading, *more, *(line for _, line in self.versions)]


def _version_groups(ctx: _Ctx, rows: list[Goal], reasons: dict[int, str | None],
                    names: dict[tuple[str, int], str]) -> list[_Group]:
    """Each goal's versions under a heading: team goals first, then people by name."""
    found: dict[tuple, list[Goal]] = {}
    for goal in rows:
        if goal.person_id is not None:
            key: tuple = (1, names.get(("person", goal.person_id), "").casefold(), goal.person_id, "person")
        else:
            key = (0, names.get(("team", goal.team_id or 0), "").casefold(), goal.team_id, goal.kind)
        key += (goal.metric, _PERIOD_ORDER.get(goal.period_kind, 9), goal.period_kind)
        found.setdefault(key, []).append(goal)
    groups: list[_Group] = []
    for key in sorted(found):
        versions = sorted(found[key], key=lambda g: (g.start, g.id or 0))
        first = versions[0]
        heading = goal_text.goal_heading(reports.goal_spec(first), goal_setting.metric_of(ctx.catalog, first.metric), names)
        groups.append(_Group(heading, [
            (goal, goal_text.version_line(
                reports.goal_spec(goal),
                goal_setting.metric_of(ctx.catalog, goal.metric),
                ctx.today,
                set_by=names.get(("person", goal.created_by_id), "someone"),
                reason=reasons.get(goal.id or 0),
                origin=goal.origin,
            ))
            for goal in versions
        ]))
    return groups


def _without_oldest(groups: list[_Group], today: date, room: int) -> list[str]:
    """The groups' lines, leaving out the versions that ended longest ago (each goal's
    oldest first, counted under its heading) until they fit in `room`: the version in
    force and the coming ones matter most."""
    size = sum(_size(group.lines()) for group in groups)
    ended = sorted(
        ((goal.end, goal.start, goal.id or 0, index) for index, group in enumerate(groups) for goal, _ in group.versions
         if goal.end is not None and goal.end < today),
        key=lambda item: (item[0], item[1], item[2]),
    )
    for _, _, goal_id, index in ended:
        if size <= room:
            break
        group = groups[index]
        before = _size(group.lines())
        group.versions = [(goal, line) for goal, line in group.versions if goal.id != goal_id]
        group.earlier += 1
        size += _size(group.lines()) - before
    return [line for group in groups for line in group.lines()]


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _fit(lines: list[str], room: int) -> tuple[list[str], int]:
    """The leading lines that fit in `room` characters, and how many `• ` lines were left
    off (a heading is never left last without a line under it)."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > room:
            break
        kept.append(line)
        used += len(line) + 1
    while kept and not kept[-1].startswith("• "):
        kept.pop()
    shown = sum(1 for line in kept if line.startswith("• "))
    return kept, sum(1 for line in lines if line.startswith("• ")) - shown


# --- removing, metrics, the modal -------------------------------------------------------------


def _remove(ctx: _Ctx, cmd: GoalRemove) -> str:
    example = f"/goal remove {cmd.goal_id} -- why it goes"
    with ctx.services.db.write() as session:
        goal = goals.by_id(session, ctx.ws, cmd.goal_id)
        if goal is None or goal.removed_at is not None:
            raise UserError(f"There is no goal #{cmd.goal_id} here — `/goal list` shows the IDs.", "/goal list")
        owner = goal_setting.owner_of_goal(session, ctx.ws, goal)
        goal_setting.require_may_set(session, ctx.caller, owner, example)
        names = owner.names()
        shown = goal_setting.describe_goal(goal, ctx.catalog, names, ctx.today)
        write_ctx = ctx.write_context(example)
        owner_today = owner.today(ctx.services.clock)
        request = goal_setting.request_removal(session, write_ctx, owner, goal, cmd.reason, owner_today, names)
        if request is None:
            done = goal_setting.remove_goal(session, write_ctx, goal, cmd.reason, owner_today, names)
    if request is None:  # a removal waiting for approval changes nobody's goals yet
        person_id = owner.person.id if owner.person else None
        ctx.services.home_changed(ctx.ws, (ctx.caller.person_id, person_id))
    if request is not None:
        asked = goal_setting.post_request(ctx.services, ctx.client, ctx.ws, request.id or 0, ctx.today)
        who = ", ".join(escape(a) for a in asked) or "the workspace admins (none could be reached yet)"
        team = escape(owner.team.name) if owner.team else ""
        return (
            f"Removing {shown} needs an admin's approval: it has started and team {team} has approvals on. "
            f"Asked {who} (request #{request.id}). Nothing changes until one of them approves."
        )
    return done


def _metric_add(ctx: _Ctx, cmd: GoalMetricAdd) -> str:
    access.require_admin(ctx.caller, "add metrics", "/goal metric add visits alias visit,v")
    kind = MetricKind.MONEY if cmd.money else MetricKind.COUNT
    try:
        with ctx.services.db.write() as session:
            row = CustomMetric(
                workspace_id=ctx.ws,
                key=cmd.key,
                kind=kind.value,
                aliases=",".join(cmd.aliases),
                cap=MONEY_CAP_CENTS if cmd.money else DEFAULT_COUNT_CAP,
                created_at=ctx.now,
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                workspace_id=ctx.ws,
                at=ctx.now,
                actor_id=ctx.caller.person_id,
                action="metric.add",
                subject_type="metric",
                subject_id=row.id,
                after={"key": row.key, "kind": row.kind, "aliases": row.aliases, "cap": row.cap},
            )
    except IntegrityError:
        raise UserError(f'"{cmd.key}" is already a metric.', "/goal metric add visits") from None
    ctx.services.forget_catalog(ctx.ws)
    aliases = f"; aliases {', '.join(cmd.aliases)}" if cmd.aliases else ""
    sample = "$500" if cmd.money else "3"
    return f"Added metric *{cmd.key}* ({kind.value}{aliases}). Log it with `/log {cmd.key} {sample}`."


def _open_modal(ctx: _Ctx, command: dict) -> str | None:
    with ctx.services.db.read() as session:
        managed = teams.governed_team_ids(session, ctx.ws, ctx.caller.person_id)
        if not ctx.caller.is_admin and not managed:
            raise PermissionDenied(
                "Managers set goals; you can propose your own and your manager approves it.",
                "/goal propose calls 60/week -- I have more leads now",
            )
        choices = [t for t, _ in teams.all_teams(session, ctx.ws) if ctx.caller.is_admin or t.id in managed]
    ctx.client.views_open(
        trigger_id=command["trigger_id"],
        view=goal_modal.goal_modal(ctx.catalog, [(t.id or 0, t.name) for t in choices]),
    )
    return None


# --- small helpers ----------------------------------------------------------------------------


def _owner(ctx: _Ctx, who: Who | None, example: str) -> Owner:
    if who is not None and who.team is not None:
        with ctx.services.db.read() as session:
            return goal_setting.team_owner(access.team_by_name(session, ctx.caller, who.team, example))
    person = _person(ctx, who.user if who else None)
    with ctx.services.db.read() as session:
        return goal_setting.person_owner(session, person)


def _person(ctx: _Ctx, ref: object) -> Person:
    if ref is None:
        with ctx.services.db.read() as session:
            me = people.by_id(session, ctx.ws, ctx.caller.person_id)
        assert me is not None
        return me
    return ctx.services.directory.resolve(ctx.client, ctx.ws, ref)  # type: ignore[arg-type]


def _may_set(session: Session, caller: Caller, owner: Owner) -> bool:
    try:
        goal_setting.require_may_set(session, caller, owner, "")
    except PermissionDenied:
        return False
    return True


def _who_text(owner: Owner) -> str:
    """How to name the owner in a command example: `@maria` or `team:east`."""
    if owner.person is not None:
        return f"@{owner.person.name}"
    assert owner.team is not None
    return f"team:{owner.team.name}"


def _rate(metric: Metric, target: int, period: PeriodKind) -> str:
    return f"{metric.key} {format_amount(target, metric)}/{period.value}"
