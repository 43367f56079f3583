"""Goals worked out from history: `/goal plan` (a revenue target down the funnel to deals,
demos and calls), `/goal suggest` (a target from a rep's own periods) and `/goal split` of a
team without sub-teams (its target between its members). A team with sub-teams, or the
company, is goal_cascade's."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from bot.core import allocation, funnel
from bot.core.errors import PermissionDenied, UserError
from bot.core.goal_grammar import GoalPlan, GoalSplit, GoalSuggest
from bot.core.goal_results import (
    CascadeAnswer,
    RevenuePlan,
    SplitShare,
    TargetSuggestion,
    TeamSplit,
)
from bot.render.text import escape
from bot.services import access, reports
from bot.services.goals import cascade as goal_cascade
from bot.services.goals import drafts as goal_drafts
from bot.services.goals import owners as goal_owners
from bot.services.goals import setting as goal_setting
from bot.services.goals.calls import GoalCall, person_named, rate_text
from bot.services.goals.drafts import Draft
from bot.services.goals.owners import Owner
from bot.services.goals.setting import Created
from storage import aggregations, teams
from storage.rows import persisted_id

FUNNEL_METRICS = ("calls", "demos", "deals", "revenue")


# --- /goal plan ----------------------------------------------------------------------------------


def plan(call: GoalCall, cmd: GoalPlan) -> RevenuePlan:
    """A revenue target worked down the funnel (previewed, or with `apply` set as goals)."""
    person = person_named(call, cmd.user)
    person_id = persisted_id(person)
    with call.services.db.read() as session:
        owner = goal_owners.person_owner(session, person)
        if cmd.apply:
            goal_owners.require_may_set(session, call.caller, owner, funnel.PLAN_EXAMPLE)
        elif person_id != call.caller.person_id and not access.may_act_for(
            session, call.caller, person_id
        ):
            raise PermissionDenied(
                f"You can plan for yourself and, as a manager, for your team — not for {escape(owner.name)}.",
                funnel.PLAN_EXAMPLE,
            )
        today = owner.today(call.services.clock)
        periods = allocation.last_complete_periods(
            cmd.period, today, allocation.HISTORY_PERIODS, call.fiscal_year_start_month
        )
        start, end = periods[0].start, periods[-1].end
        mine = aggregations.people_totals(session, call.ws, [person_id], FUNNEL_METRICS, start, end)
        own = _funnel_history({m: mine.get((person_id, m), 0) for m in FUNNEL_METRICS})
        team_history = None
        if owner.team is not None and owner.team.id is not None:
            theirs = aggregations.team_totals(
                session, call.ws, owner.team.id, FUNNEL_METRICS, start, end
            )
            team_history = _funnel_history(
                {m: sum(v for (_, k), v in theirs.items() if k == m) for m in FUNNEL_METRICS}
            )
    rates = funnel.resolve_rates(
        own,
        team_history,
        deal_size_cents=cmd.deal_size_cents,
        win_rate_pct=cmd.win_rate_pct,
        demo_rate_pct=cmd.demo_rate_pct,
    )
    result = funnel.plan_with(cmd.revenue_cents, rates)
    found = RevenuePlan(
        owner_name=owner.name,
        owner_command=owner.command_name,
        team_name=owner.team.name if owner.team else "",
        is_self=person_id == call.caller.person_id,
        window=len(periods),
        rates=rates,
        result=result,
        revenue=goal_drafts.metric_of(call.catalog, "revenue"),
        names=owner.names(),
        today=call.today,
    )
    if not cmd.apply:
        with call.services.db.read() as session:
            return replace(found, may_set=_may_set(session, call, owner))
    start_day = goal_drafts.current_start(cmd.period, today, call.fiscal_year_start_month)
    drafts = [
        Draft(
            kind="individual",
            metric=key,
            period_kind=cmd.period,
            target=amount,
            start=start_day,
            origin="plan",
        )
        for key, amount in (
            ("deals", result.deals),
            ("demos", result.demos),
            ("calls", result.calls),
        )
    ]
    write = call.write_context(None, may_request=False)
    with call.services.db.write() as session:
        outcomes = [goal_setting.write_goal(session, write, owner, d, None, today) for d in drafts]
    call.services.home_changed(call.ws, (call.caller.person_id, person_id))
    created = []
    for outcome in outcomes:
        assert isinstance(outcome, Created)
        created.append(goal_drafts.shown_goal(outcome.goal, call.catalog))
    return replace(found, created=tuple(created))


def _funnel_history(totals: dict[str, int]) -> funnel.FunnelHistory:
    return funnel.FunnelHistory(
        totals["calls"], totals["demos"], totals["deals"], totals["revenue"]
    )


def _may_set(session: Session, call: GoalCall, owner: Owner) -> bool:
    try:
        goal_owners.require_may_set(session, call.caller, owner, "")
    except PermissionDenied:
        return False
    return True


# --- /goal suggest -------------------------------------------------------------------------------


def suggest(call: GoalCall, cmd: GoalSuggest) -> TargetSuggestion:
    person = person_named(call, cmd.user)
    with call.services.db.read() as session:
        owner = goal_owners.person_owner(session, person)
        if person.id != call.caller.person_id and not access.may_act_for(
            session, call.caller, person.id or 0
        ):
            raise PermissionDenied(
                f"You can ask for suggestions for yourself and, as a manager, your team — not for {escape(owner.name)}.",
                "/goal suggest calls",
            )
        today = owner.today(call.services.clock)
        periods = allocation.last_complete_periods(
            cmd.period, today, allocation.HISTORY_PERIODS, call.fiscal_year_start_month
        )
        totals = aggregations.period_totals(
            session, call.ws, person.id or 0, cmd.metric.key, [(p.start, p.end) for p in periods]
        )
        time_off = aggregations.time_off_by_person(
            session, call.ws, [person.id or 0], periods[0].start, periods[-1].end
        ).get(person.id or 0, [])
    # Periods before the rep started (their start date, else their first entry) are not
    # history; a zero week at work after that is real and stays in, but a period with
    # under half the team's working days (time off, a mid-period start) is left out.
    calendar = reports.team_facts(owner.team, person.tz, call.now).calendar
    history = allocation.person_history(periods, totals, calendar, time_off, person.start_date)
    set_example = f"/goal set {owner.command_name} {cmd.metric.key} {'4000' if cmd.metric.is_money else '60'}/{cmd.period.value}"
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
    return TargetSuggestion(
        owner.name,
        owner.command_name,
        person.id == call.caller.person_id,
        tuple(periods),
        history,
        allocation.suggest(history.totals),
        note,
        call.today,
    )


# --- /goal split of a team without sub-teams ----------------------------------------------------


def split(call: GoalCall, cmd: GoalSplit) -> TeamSplit | CascadeAnswer:
    """A team without sub-teams: to its members at once. A team with sub-teams, or the
    company: between them, previewed until `apply` — goal_cascade's answer."""
    metric = cmd.metric
    example = (
        f"/goal split team:{cmd.team} {rate_text(metric, cmd.target, cmd.period)} by {cmd.basis}"
    )
    with call.services.db.read() as session:
        found = access.scope_by_name(session, call.caller, cmd.team, example)
    if found.is_company or found.tree.has_children(found.team.id or 0):
        return goal_cascade.answer(call, cmd, found)
    owner = goal_owners.team_owner(found.team)
    team = owner.team
    assert team is not None
    team_id = persisted_id(team)
    with call.services.db.read() as session:
        goal_owners.require_may_set(session, call.caller, owner, example)
        # Bots and deactivated people stay listed in a team but get no share.
        members = [
            p
            for p in teams.members(session, call.ws, team_id)
            if not p.is_bot and not p.deactivated
        ]
        if not members:
            raise UserError(
                f"This team has no members to split the target between, and no sub-teams: add members with "
                f"`/team add {escape(team.name)} @maria`, or sub-teams with `/team set OTHER parent {escape(team.name)}`.",
                f"/team add {team.name} @maria",
            )
        team_today = owner.today(call.services.clock)
        periods = allocation.last_complete_periods(
            cmd.period, team_today, allocation.HISTORY_PERIODS, call.fiscal_year_start_month
        )
        window_start, window_end = periods[0].start, periods[-1].end
        if cmd.basis != "evenly":
            # Two statements whatever the team's size: per-period totals and time off.
            by_period = aggregations.team_period_totals(
                session, call.ws, team_id, metric.key, [(p.start, p.end) for p in periods]
            )
            time_off = aggregations.team_time_off(
                session, call.ws, team_id, window_start, window_end
            )
        member_owners = {p.id: goal_owners.person_owner(session, p) for p in members}
    ordered = [p.id for p in members if p.id is not None]
    # Why each member got their share, shown after the amount: "history, 11 weeks; 1 left out: …".
    why: dict[int, str] = {}
    if cmd.basis == "evenly":
        shares = allocation.split_evenly(cmd.target, ordered)
    else:
        calendar = reports.team_facts(team, None, call.now).calendar
        history, why = goal_cascade.member_weights(
            members, periods, by_period, time_off, calendar, cmd.period
        )
        shares = allocation.split_by_history(cmd.target, history)
    write = call.write_context(example, may_request=False)
    changed: list[int | None] = []
    created: list[SplitShare] = []
    with call.services.db.write() as session:
        for share in shares:
            member = member_owners[share.member]
            assert member.person is not None
            basis = (
                why.get(share.member, share.basis.value)
                if share.basis != allocation.SplitBasis.EVEN
                else share.basis.value
            )
            if share.amount <= 0:
                created.append(SplitShare(reports.display_name(member.person), 0, basis, None))
                continue
            member_today = member.today(call.services.clock)
            draft = Draft(
                kind="individual",
                metric=metric.key,
                period_kind=cmd.period,
                target=share.amount,
                start=goal_drafts.current_start(
                    cmd.period, member_today, call.fiscal_year_start_month
                ),
                origin="split",
            )
            outcome = goal_setting.write_goal(
                session, write, member, draft, cmd.reason, member_today
            )
            assert isinstance(outcome, Created)
            created.append(
                SplitShare(
                    reports.display_name(member.person), share.amount, basis, outcome.goal.id
                )
            )
            changed.append(member.person.id)
    call.services.home_changed(call.ws, (call.caller.person_id, *changed))
    return TeamSplit(team.name, tuple(created), len(periods))
