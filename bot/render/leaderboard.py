"""Leaderboards as text: competition ranks (=2 for ties), top 10 plus the caller's row,
progress bars with a pace marker where people have a target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.amounts import format_amount
from bot.core.metrics import Metric
from bot.core.progress_bar import progress_bar
from bot.core.ranking import Entry, Ranked
from bot.core.standings import Standing, TeamRow
from bot.render.quantities import quantity_text
from bot.render.text import escape


@dataclass(frozen=True)
class Board:
    title: str
    metric: Metric
    rows: Sequence[Ranked]
    own_row: Ranked | None
    standings: Mapping[int, Standing]
    by_pct: bool = False
    # What a row is: "person", or "team" on a team-vs-team board.
    noun: str = "person"


def render_board(board: Board) -> str:
    lines = [board.title]
    if not board.rows:
        lines.append(
            "Nobody is on this board yet."
            if board.noun == "person"
            else "No team is on this board yet."
        )
    for row in board.rows:
        lines.append(_row(board, row))
    if board.own_row is not None:
        lines.append("…")
        lines.append(_row(board, board.own_row))
    return "\n".join(lines)


def _row(board: Board, row: Ranked) -> str:
    standing = board.standings.get(int(row.id))
    name = escape(row.name)
    bar = ""
    if standing is not None and standing.pace.prorated_target:
        bar = "  " + progress_bar(standing.pace.pct, standing.pace.expected_pct)
    if board.by_pct:
        amount = quantity_text(standing.pace.actual, board.metric) if standing else "no goal"
        if standing is not None and board.noun == "team":
            # "$285,448 of $300,000 revenue": the unit once; the bar ends with the percent.
            amount = f"{format_amount(standing.pace.actual, board.metric)} of {quantity_text(standing.pace.target, board.metric)}"
            amount += "" if bar else f" · {standing.pace.pct}%"
    else:
        amount = quantity_text(int(row.value), board.metric)
    return f"`{row.label:>3}`  {name} — {amount}{bar}"


def team_entries(rows: Sequence[TeamRow], by_pct: bool) -> list[Entry]:
    """A team board's rows to rank: by total, or by % of each team's own team goal (teams
    with no target in the period have no percent and are left out)."""
    if not by_pct:
        return [Entry(str(row.team_id), row.name, row.total) for row in rows]
    return [
        Entry(str(row.team_id), row.name, row.standing.pace.pct)
        for row in rows
        if row.standing is not None and not row.standing.pace.nothing_to_do
    ]


def unranked_teams_note(unranked: int, metric: str, when: str) -> str:
    """ "_2 teams without a calls team goal this week are not ranked by %._" (empty for none)."""
    if not unranked:
        return ""
    are = "are" if unranked != 1 else "is"
    return f"\n_{unranked} team{'s' if unranked != 1 else ''} without a {metric} team goal {when} {are} not ranked by %._"
