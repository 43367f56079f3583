"""/leaderboard: a team's ranking for one metric and period, by amount or by % of target."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import reports
from bot.core.errors import UserError
from bot.core.ranking import Entry as RankEntry
from bot.core.ranking import rank, top_with_caller
from bot.core.report_grammar import LEADERBOARD_HELP, ReportHelp, parse_leaderboard
from bot.core.standings import Standing
from bot.render.leaderboard import Board, render_board
from bot.render.standings import metric_of, period_in_sentence, period_label_note
from bot.render.text import escape
from handlers import scope
from handlers.context import Services
from storage import workspaces

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
                team = scope.team_by_name(session, caller, parsed.team, "/leaderboard calls week team:east")
            else:
                team = scope.home_team(session, caller)
                if team is None:
                    raise UserError(
                        "You are not on a team yet, so there is no board to show. Name one, or ask a manager to add you.",
                        "/leaderboard calls week team:east",
                    )
            scope.require_board(session, caller, team)
            wanted = parsed.metric.key if parsed.metric else DEFAULT_METRIC
            report = reports.team_report(
                session, caller.workspace_id, team, parsed.period, now, (wanted,), fiscal_year_start_month=fiscal_start
            )
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
            f"*{metric.key.capitalize()} leaderboard{how} — team {escape(team.name)}, "
            f"{period_in_sentence(parsed.period, today)}*{period_label_note(parsed.period, today)}{prize}"
        )
        text = render_board(Board(title, metric, top, own, by_person, parsed.by_pct))
        unranked = len(names) - len(entries)
        if parsed.by_pct and unranked:
            text += f"\n_{unranked} without a {metric.key} target in this period are not ranked by %._"
        return text
    except UserError as error:
        return error.text
