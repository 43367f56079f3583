"""The replies to `/goal plan` (a revenue target down the funnel), `/goal suggest` (a target
from a rep's own history) and `/goal split` of a team without sub-teams, drawn from
bot/core/goal_results."""

from __future__ import annotations

from bot.core import funnel
from bot.core.amounts import format_amount
from bot.core.dates import format_day
from bot.core.goal_grammar import GoalPlan, GoalSplit, GoalSuggest
from bot.core.goal_results import RevenuePlan, TargetSuggestion, TeamSplit
from bot.render import goals as goal_text
from bot.render.block_limits import fit_reply
from bot.render.cascade import PER, export_rest
from bot.render.text import escape


def plan_reply(cmd: GoalPlan, plan: RevenuePlan) -> str:
    rates, result, revenue = plan.rates, plan.result, plan.revenue
    window = f"last {plan.window} {cmd.period.value}s"
    whose = "your" if plan.is_self else f"{escape(plan.owner_name)}'s"
    sources = {
        funnel.RateSource.GIVEN: "given",
        funnel.RateSource.OWN: f"{whose} history, {window}",
        funnel.RateSource.TEAM: f"team {escape(plan.team_name)} history, {window}",
    }
    per = PER[cmd.period]
    lines = [
        f"*Plan{'' if plan.is_self else ' for ' + escape(plan.owner_name)}: "
        f"{format_amount(cmd.revenue_cents, revenue)} revenue {per}*",
        f"{result.deals} deals, {result.demos} demos, {result.calls} calls {per}",
        f"Deal size {format_amount(rates.deal_size_cents, revenue)} ({sources[rates.deal_size_source]}) · "
        f"win rate {funnel.format_pct(rates.win_rate_pct)} ({sources[rates.win_rate_source]}) · "
        f"demo rate {funnel.format_pct(rates.demo_rate_pct)} ({sources[rates.demo_rate_source]})",
    ]
    if not cmd.apply:
        if plan.may_set:
            again = (
                f"/goal plan {format_amount(cmd.revenue_cents, revenue)}/{cmd.period.value}"
                f"{'' if plan.is_self else ' for ' + plan.owner_command} deal {format_amount(rates.deal_size_cents, revenue)} "
                f"win {funnel.format_pct(rates.win_rate_pct)} demo {funnel.format_pct(rates.demo_rate_pct)} apply"
            )
            lines.append(f"Set these as goals: `{again}`")
        else:
            lines.append(
                f"Propose one to your manager: `/goal propose calls {result.calls}/{cmd.period.value}`"
            )
        return "\n".join(lines)
    for goal in plan.created:
        lines.append(f"Set {goal_text.describe(goal.spec, goal.metric, plan.names, plan.today)}.")
    return "\n".join(lines)


def suggestion_reply(cmd: GoalSuggest, found: TargetSuggestion) -> str:
    metric, suggested, today = cmd.metric, found.found, found.today
    name = escape(found.owner_name)
    whose = "your" if found.is_self else f"{name}'s"
    first = found.history.periods[0].period
    count = suggested.periods
    span = f"{format_day(first.start, today)} – {format_day(found.periods[-1].end, today)}"
    return "\n".join(
        [
            f"*Suggested {metric.key} target for {'you' if found.is_self else name} per {cmd.period.value}*",
            f"Median {format_amount(suggested.median, metric)} · 80th percentile {format_amount(suggested.p80, metric)} — "
            f"from {count} complete {cmd.period.value}{'s' if count != 1 else ''} of {whose} history "
            + (f"({found.note}), {span}." if found.note else f"({span})."),
            f"Set it: `/goal set {found.owner_command} {metric.key} {format_amount(suggested.median, metric)}/{cmd.period.value}` "
            f"(or {format_amount(suggested.p80, metric)} to stretch).",
        ]
    )


def split_reply(cmd: GoalSplit, split: TeamSplit) -> str:
    metric = cmd.metric
    total = sum(share.amount for share in split.shares)
    how = (
        "evenly"
        if cmd.basis == "evenly"
        else f"by history (last {split.window} {cmd.period.value}s)"
    )
    head = [
        f"Split {format_amount(cmd.target, metric)} {metric.key} {PER[cmd.period]} for team {escape(split.team_name)} {how} "
        f"— {sum(1 for share in split.shares if share.goal_id is not None)} goals, total {format_amount(total, metric)}:"
    ]
    lines = []
    for share in split.shares:
        ident = f"#{share.goal_id} " if share.goal_id is not None else ""
        lines.append(
            f"• {ident}{escape(share.person_name)}: "
            f"{format_amount(share.amount, metric)}/{cmd.period.value} ({share.basis})"
            + ("" if share.goal_id is not None else " — no goal")
        )
    # One message whatever the team's size: the rest of the shares are in the period's CSV.
    return fit_reply(head, lines, export_rest(cmd.period), counted="people")
