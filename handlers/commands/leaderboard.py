"""/leaderboard: a team's ranking for one metric and period, by amount or by % of target."""

from __future__ import annotations

from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.metrics import Metric, MetricCatalog
from bot.core.ranking import Entry as RankEntry
from bot.core.ranking import rank, top_of, top_with_caller
from bot.core.report_grammar import (
    LEADERBOARD_HELP,
    LeaderboardQuery,
    ReportHelp,
    parse_leaderboard,
)
from bot.core.standings import Standing
from bot.render.leaderboard import Board, render_board, team_entries, unranked_teams_note
from bot.render.standing_lines import metric_of, period_in_sentence, period_label_note
from bot.render.text import escape
from bot.services import access, reports
from bot.services.context import Services
from bot.services.people import Caller
from storage import goals, teams, workspaces

DEFAULT_METRIC = "calls"


def register(app: App, services: Services) -> None:
    @app.command("/leaderboard")
    def leaderboard_command(ack: Ack, command: dict, client: WebClient) -> None:
        ack(text=handle(services, client, command))


def handle(services: Services, client: WebClient, command: dict) -> str:
    try:
        caller = services.directory.caller(client, command["team_id"], command["user_id"], command.get("enterprise_id"))
        catalog = services.catalog(caller.workspace_id)
        with services.db.read() as session:
            fiscal_start = workspaces.fiscal_year_start_month(session, caller.workspace_id)
        parsed = parse_leaderboard(command.get("text") or "", catalog, caller.today(services.clock), fiscal_start)
        if isinstance(parsed, ReportHelp):
            return LEADERBOARD_HELP
        now = services.clock.now()
        with services.db.read() as session:
            if parsed.team:
                chosen = access.scope_by_name(session, caller, parsed.team, "/leaderboard calls week team:east")
            else:
                found = access.home_scope(session, caller)
                if found is None:
                    raise UserError(
                        "You are not on a team yet, so there is no board to show. Name one, or ask a manager to add you.",
                        "/leaderboard calls week team:east",
                    )
                chosen = found
                if (
                    parsed.by_team
                    and not chosen.is_company
                    and not chosen.tree.has_children(chosen.team.id or 0)
                    and (caller.is_admin or teams.team_of(session, caller.workspace_id, caller.person_id) is not None)
                ):
                    # Your own team has no sub-teams: its teams' board is the company's, which
                    # admins and everyone on a team may see (a leaf's manager keeps the error).
                    chosen = reports.company_scope(session, caller.workspace_id)
            access.require_scope_board(session, caller, chosen)
            team = chosen.team
            if parsed.by_team:
                return _team_board(services, session, caller, chosen, parsed, catalog, fiscal_start, now)
            if chosen.is_rollup and not parsed.by_pct:
                metric = parsed.metric or _rollup_metric(session, caller, chosen, parsed, catalog)
                return _rollup_by_total(session, caller, chosen, parsed, metric, fiscal_start, now)
            wanted = parsed.metric.key if parsed.metric else DEFAULT_METRIC
            report = reports.rollup_report(
                session, caller.workspace_id, chosen, parsed.period, now, (wanted,), fiscal_year_start_month=fiscal_start,
                only_metric=parsed.metric.key if parsed.metric and chosen.is_rollup else None,
            )  # fmt: skip
            goal_metrics = [c.goal.metric for c in report.contests] + [s.goal.metric for s in report.members + report.team_totals]
            metric = parsed.metric or metric_of(catalog, goal_metrics[0] if goal_metrics else DEFAULT_METRIC)
        by_person: dict[int, Standing] = {}
        for standing in list(report.members) + [m for c in report.collectives for m in c.members]:
            # Someone who carries no target in the period (time off throughout, not started)
            # has no percent to rank by.
            if standing.goal.metric == metric.key and standing.owner_id is not None and not standing.pace.nothing_to_do:
                by_person.setdefault(standing.owner_id, standing)
        names = report.member_names
        if parsed.by_pct:
            entries = [RankEntry(str(pid), names[pid], by_person[pid].pace.pct) for pid in names if pid in by_person]
        else:
            entries = [RankEntry(str(pid), name, report.totals.get((pid, metric.key), 0)) for pid, name in names.items()]
        ranked = rank(entries)
        top, own = top_with_caller(ranked, str(caller.person_id))
        today = reports.team_facts(team, None, now).today
        contest = next((c for c in report.contests if c.goal.metric == metric.key), None)
        prize = f" · prize: {escape(contest.goal.prize)}" if contest and contest.goal.prize else ""
        how = " by % of target" if parsed.by_pct else ""
        title = (
            f"*{metric.key.capitalize()} leaderboard{how} — {escape(chosen.label)}, "
            f"{period_in_sentence(parsed.period, today)}*{period_label_note(parsed.period, today)}{prize}"
        )
        text = render_board(Board(title, metric, top, own, by_person, parsed.by_pct))
        unranked = len(names) - len(entries)
        if parsed.by_pct and unranked:
            text += f"\n_{unranked} without a {metric.key} target in this period are not ranked by %._"
        return text
    except UserError as error:
        return error.text


def _rollup_metric(
    session: Session, caller: Caller, chosen: reports.Scope, parsed: LeaderboardQuery, catalog: MetricCatalog
) -> Metric:
    """A roll-up's board with no metric named: the metric most goals below it are of (ties:
    the catalog's order), else calls."""
    counts = goals.metric_counts(session, caller.workspace_id, chosen.team_ids, parsed.period.start, parsed.period.end)
    order = {key: index for index, key in enumerate(catalog.keys)}
    best = min(counts, key=lambda m: (-counts[m], order.get(m, len(order)), m), default=DEFAULT_METRIC)
    return metric_of(catalog, best)


def _rollup_by_total(
    session: Session,
    caller: Caller,
    chosen: reports.Scope,
    parsed: LeaderboardQuery,
    metric: Metric,
    fiscal_start: int,
    now: datetime,
) -> str:
    """A region's or the company's people by total: everyone is ranked from one totals
    statement, and pace is worked out only for the rows shown (thousands of people, a
    dozen rows)."""
    people, totals = reports.people_totals(session, caller.workspace_id, chosen, metric.key, parsed.period)
    top, own = top_of(
        ((str(pid), reports.display_name(row), totals.get(pid, 0)) for pid, (_, row) in people.items()),
        str(caller.person_id),
    )
    shown = [int(r.id) for r in [*top, *([own] if own else [])]]
    by_person = {
        pid: standing
        for pid, standing in reports.shown_standings(
            session, caller.workspace_id, people, totals, shown, metric.key, parsed.period, now, fiscal_start
        ).items()
        if not standing.pace.nothing_to_do
    }
    prize = reports.contest_prize(session, caller.workspace_id, chosen, metric.key, parsed.period)
    today = reports.team_facts(chosen.team, None, now).today
    title = (
        f"*{metric.key.capitalize()} leaderboard — {escape(chosen.label)}, "
        f"{period_in_sentence(parsed.period, today)}*{period_label_note(parsed.period, today)}"
        + (f" · prize: {escape(prize)}" if prize else "")
    )
    return render_board(Board(title, metric, top, own, by_person, False))


def _team_board(
    services: Services,
    session: Session,
    caller: Caller,
    chosen: reports.Scope,
    parsed: LeaderboardQuery,
    catalog: MetricCatalog,
    fiscal_start: int,
    now: datetime,
) -> str:
    """Teams against each other: each counts everyone below it; `by team pct` ranks by % of
    each team's own team goal of the metric."""
    tree = chosen.tree
    if not parsed.leaves and not chosen.is_company and not tree.has_children(chosen.team.id or 0):
        raise UserError(
            f"Team {chosen.team.name} has no sub-teams to rank. Rank its people, or its parent's teams.",
            f"/leaderboard {(parsed.metric.key if parsed.metric else DEFAULT_METRIC)} {parsed.period.kind.value} team:{chosen.team.name}",
        )
    metric = parsed.metric or metric_of(catalog, DEFAULT_METRIC)
    rows = reports.team_board(
        session, caller.workspace_id, chosen, metric.key, parsed.period, now, parsed.leaves, fiscal_start
    )
    standings = {row.team_id: row.standing for row in rows if row.standing is not None}
    entries = team_entries(rows, parsed.by_pct)
    mine = teams.team_of(session, caller.workspace_id, caller.person_id)
    own_id = next((str(r.team_id) for r in rows if mine is not None and mine.id in tree.subtree(r.team_id)), None)
    top, own = top_with_caller(rank(entries), own_id)
    today = reports.team_facts(chosen.team, None, now).today
    how = " by % of team goal" if parsed.by_pct else ""
    which = "every team without sub-teams" if parsed.leaves else "teams"
    where = "the company" if chosen.is_company else f"team {escape(chosen.team.name)}"
    title = (
        f"*{metric.key.capitalize()} leaderboard{how} — {which} of {where}, "
        f"{period_in_sentence(parsed.period, today)}*{period_label_note(parsed.period, today)}"
    )
    text = render_board(Board(title, metric, top, own, standings, parsed.by_pct, noun="team"))
    if parsed.by_pct:
        text += unranked_teams_note(len(rows) - len(entries), metric.key, "in this period")
    return text
