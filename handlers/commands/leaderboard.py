"""/leaderboard: a team's ranking for one metric and period, by amount or by % of target."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.errors import UserError
from bot.core.report_grammar import (
    LEADERBOARD_HELP,
    LeaderboardQuery,
    ReportHelp,
    parse_leaderboard,
)
from bot.render.leaderboard import Board, render_board, unranked_teams_note
from bot.render.standing_lines import period_in_sentence, period_label_note
from bot.render.text import escape
from bot.services import reports
from bot.services.context import Services
from bot.services.leaderboards import Leaderboard, leaderboard


def register(app: App, services: Services) -> None:
    @app.command("/leaderboard")
    def leaderboard_command(ack: Ack, command: dict, client: WebClient) -> None:
        ack(text=handle(services, client, command))


def handle(services: Services, client: WebClient, command: dict) -> str:
    try:
        caller = services.directory.caller(
            client, command["team_id"], command["user_id"], command.get("enterprise_id")
        )
        catalog = services.catalog(caller.workspace_id)
        fiscal_start = reports.fiscal_year_start(services.db, caller.workspace_id)
        parsed = parse_leaderboard(
            command.get("text") or "", catalog, caller.today(services.clock), fiscal_start
        )
        if isinstance(parsed, ReportHelp):
            return LEADERBOARD_HELP
        board = leaderboard(services, caller, parsed, catalog, fiscal_start)
        return _teams_text(board, parsed) if parsed.by_team else _people_text(board, parsed)
    except UserError as error:
        return error.text


def _people_text(board: Leaderboard, parsed: LeaderboardQuery) -> str:
    metric, by_pct = board.metric, parsed.by_pct
    how = " by % of target" if by_pct else ""
    prize = f" · prize: {escape(board.prize)}" if board.prize else ""
    title = f"*{metric.key.capitalize()} leaderboard{how} — {escape(board.scope.label)}, {_period(board, parsed)}{prize}"
    text = render_board(Board(title, metric, board.top, board.own, board.standings, by_pct))
    if by_pct and board.unranked:
        text += f"\n_{board.unranked} without a {metric.key} target in this period are not ranked by %._"
    return text


def _teams_text(board: Leaderboard, parsed: LeaderboardQuery) -> str:
    metric, chosen, by_pct = board.metric, board.scope, parsed.by_pct
    how = " by % of team goal" if by_pct else ""
    which = "every team without sub-teams" if parsed.leaves else "teams"
    where = "the company" if chosen.is_company else f"team {escape(chosen.team.name)}"
    title = f"*{metric.key.capitalize()} leaderboard{how} — {which} of {where}, {_period(board, parsed)}"
    text = render_board(
        Board(title, metric, board.top, board.own, board.standings, by_pct, noun="team")
    )
    if by_pct:
        text += unranked_teams_note(board.unranked, metric.key, "in this period")
    return text


def _period(board: Leaderboard, parsed: LeaderboardQuery) -> str:
    """The period, the end of the title's bold part and the period's note."""
    return f"{period_in_sentence(parsed.period, board.today)}*{period_label_note(parsed.period, board.today)}"
