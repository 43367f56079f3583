"""The weekly digest a team's channel gets: team totals against target, all-or-nothing goals
with who is still missing, contest leaderboards, goal and stretch hits; for a team with
sub-teams, the sub-teams' board too. Long lists are summarised, and a digest that still
needs more than one message's blocks is split into numbered parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.amounts import format_amount
from bot.core.metrics import Metric, MetricCatalog
from bot.core.pace import PaceStatus
from bot.core.periods import MONTH_ABBR, Period, short_date
from bot.core.progress_bar import progress_bar
from bot.core.ranking import rank, top_with_caller
from bot.core.standings import CollectiveStanding, ContestStanding, Standing, TeamRow
from bot.render.block_limits import (
    MAX_BLOCKS,
    MESSAGE_TEXT,
    Blocks,
    clip,
    context,
    divider,
    header,
    section,
    sections,
    split_blocks,
)
from bot.render.leaderboard import Board, render_board, team_entries, unranked_teams_note
from bot.render.quantities import quantity_text
from bot.render.standing_lines import (
    STATUS_EMOJI,
    amount_over_target,
    collective_line,
    metric_of,
    names_list,
    standing_block,
)
from bot.render.text import escape


@dataclass(frozen=True)
class GoalSum:
    """Members' own goals of one metric added up: what the team did against the sum of
    its reps' (prorated) targets, for metrics without a team-total goal."""

    metric: str
    actual: int
    target: int
    expected: int
    people: int
    on_track: int  # of them on pace, ahead or hit
    status: PaceStatus = PaceStatus.NOT_STARTED  # of the sum, by the same rule as one goal

    @property
    def pct(self) -> int:
        return self.actual * 100 // self.target if self.target else 100

    @property
    def expected_pct(self) -> int:
        return self.expected * 100 // self.target if self.target else 0


@dataclass(frozen=True)
class TeamBoard:
    """A region's sub-teams against each other on one metric (the digest's main one)."""

    region: str
    metric: str
    teams: tuple[TeamRow, ...]


@dataclass(frozen=True)
class Digest:
    team_name: str
    view: Period
    as_of: datetime  # team-local
    members: int
    team_totals: tuple[Standing, ...] = ()
    sums: tuple[GoalSum, ...] = ()
    collectives: tuple[CollectiveStanding, ...] = ()
    contests: tuple[ContestStanding, ...] = ()
    hits: tuple[Standing, ...] = ()
    stretch_hits: tuple[Standing, ...] = ()
    board: TeamBoard | None = None  # a team with sub-teams: theirs


def week_title(view: Period, with_year: bool = False) -> str:
    """ "week of 16 Nov" (or "week of 16 Nov 2026")."""
    start = view.start
    text = f"week of {start.day} {MONTH_ABBR[start.month - 1]}"
    return f"{text} {start.year}" if with_year else text


def digest_title(team_name: str, view: Period, with_year: bool = False) -> str:
    """ "Team East — week of 16 Nov": the header; with the year it names the chart, whose
    title must be unique per team and week (the sender finds an uploaded file by it)."""
    return f"Team {team_name} — {week_title(view, with_year)}"


def pair_text(actual: int, target: int, metric: Metric) -> str:
    """ "90 / 160 calls", "$1,200 / $2,000 revenue": the way amount_over_target reads."""
    return f"{format_amount(actual, metric)} / {quantity_text(target, metric)}"


def sum_line(total: GoalSum, catalog: MetricCatalog) -> str:
    metric = metric_of(catalog, total.metric)
    goals = f"{total.people} rep goal{'s' if total.people != 1 else ''}"
    return (
        f"{STATUS_EMOJI[total.status]} *{metric.key.capitalize()}* ({goals}) {progress_bar(total.pct, total.expected_pct)} — "
        f"{pair_text(total.actual, total.target, metric)} · {total.on_track} of {total.people} on pace or better"
    )


def contest_text(contest: ContestStanding, catalog: MetricCatalog, view: Period) -> str:
    """The contest's top 10 (=2 for ties) through the one leaderboard renderer. People
    with nothing yet are left off: they are not on the board."""
    metric = metric_of(catalog, contest.goal.metric)
    prize = f" · prize: {escape(contest.goal.prize)}" if contest.goal.prize else ""
    end = contest.goal.end
    ends = f" · ends {short_date(end)}" if end is not None and end != view.end else ""
    top, _ = top_with_caller([r for r in contest.ranking if r.value > 0], None)
    return render_board(
        Board(f"🏁 *{metric.key.capitalize()} contest*{prize}{ends}", metric, top, None, {})
    )


def board_texts(board: TeamBoard, catalog: MetricCatalog) -> list[str]:
    """The sub-teams ranked by their total (1, =2, =2, 4, as /leaderboard ranks), then by %
    of their own team goal of the metric when any has one: the `/leaderboard METRIC week
    by team` and `by team pct` boards, top 10 each, the rest summed up in one line."""
    metric = metric_of(catalog, board.metric)
    label = metric.key.capitalize()
    region = escape(board.region)
    standings = {t.team_id: t.standing for t in board.teams if t.standing is not None}
    ranked = rank(team_entries(board.teams, by_pct=False))
    top, _ = top_with_caller(ranked, None)
    text = render_board(
        Board(
            f"🏢 *{label} by team* — each counts everyone below it",
            metric,
            top,
            None,
            standings,
            noun="team",
        )
    )
    if len(ranked) > len(top):
        text += f"\n… and {len(ranked) - len(top)} more teams: `/leaderboard {metric.key} week by team team:{region}`"
    texts = [text]
    with_goal = team_entries(board.teams, by_pct=True)
    if with_goal:
        ranked = rank(with_goal)
        top, _ = top_with_caller(ranked, None)
        text = render_board(
            Board(
                f"🎯 *{label} by % of team goal*",
                metric,
                top,
                None,
                standings,
                by_pct=True,
                noun="team",
            )
        )
        if len(ranked) > len(top):
            text += f"\n… and {len(ranked) - len(top)} more teams: `/leaderboard {metric.key} week by team pct team:{region}`"
        text += unranked_teams_note(len(board.teams) - len(with_goal), metric.key, "this week")
        texts.append(text)
    return texts


def hit_text(standing: Standing, catalog: MetricCatalog, stretch: bool = False) -> str:
    metric = metric_of(catalog, standing.goal.metric)
    extra = f", stretch {quantity_text(standing.stretch or 0, metric)}" if stretch else ""
    return f"{standing.owner_name} ({metric.key} {amount_over_target(standing, metric)}{extra})"


def _hits_line(
    emoji: str, label: str, found: Sequence[Standing], catalog: MetricCatalog, stretch: bool
) -> str:
    return f"{emoji} *{label}* ({len(found)}): " + names_list(
        [hit_text(s, catalog, stretch) for s in found]
    )


def digest_blocks(digest: Digest, catalog: MetricCatalog) -> Blocks:
    """Every block of the digest, before splitting."""
    view = digest.view
    when = f"{short_date(view.start)} – {short_date(view.end)}"
    as_of = f"{short_date(digest.as_of.date())} {digest.as_of:%H:%M}"
    blocks: Blocks = [
        header(digest_title(digest.team_name, view)),
        context(f"{when} · {digest.members} members · as of {as_of}"),
    ]
    totals = [standing_block(s, metric_of(catalog, s.goal.metric)) for s in digest.team_totals] + [
        sum_line(s, catalog) for s in digest.sums
    ]
    if totals:
        blocks += [section("*Team totals*"), *sections(totals)]
    for text in board_texts(digest.board, catalog) if digest.board is not None else ():
        blocks += [divider(), *sections(text.split("\n"))]
    if digest.collectives:
        blocks += [
            divider(),
            section("*All or nothing*"),
            *sections(collective_line(c, catalog) for c in digest.collectives),
        ]
    for contest in digest.contests:
        blocks += [divider(), *sections(contest_text(contest, catalog, view).split("\n"))]
    hits = []
    if digest.hits:
        hits.append(_hits_line("🏆", "Goal hits", digest.hits, catalog, stretch=False))
    if digest.stretch_hits:
        hits.append(_hits_line("🌟", "Stretch hits", digest.stretch_hits, catalog, stretch=True))
    if hits:
        blocks += [divider(), *sections(hits)]
    blocks.append(
        context(
            f"`/progress team:{escape(digest.team_name)}` for everyone's numbers · `/leaderboard` for the board"
        )
    )
    return blocks


def fallback_text(digest: Digest, catalog: MetricCatalog) -> str:
    parts = []
    for standing in digest.team_totals:
        metric = metric_of(catalog, standing.goal.metric)
        parts.append(f"{amount_over_target(standing, metric)} ({standing.pace.pct}%)")
    for total in digest.sums:
        metric = metric_of(catalog, total.metric)
        parts.append(f"{pair_text(total.actual, total.target, metric)} ({total.pct}%)")
    parts.append(f"{len(digest.hits)} goal hit{'s' if len(digest.hits) != 1 else ''}")
    if digest.stretch_hits:
        parts.append(
            f"{len(digest.stretch_hits)} stretch hit{'s' if len(digest.stretch_hits) != 1 else ''}"
        )
    return f"{digest_title(digest.team_name, digest.view)}: " + " · ".join(parts)


def digest_messages(digest: Digest, catalog: MetricCatalog) -> list[tuple[str, Blocks]]:
    """(text, blocks) per message: one, or numbered parts when the digest needs more than
    one message's blocks (each later part starts with a "continued" line)."""
    blocks = digest_blocks(digest, catalog)
    text = clip(fallback_text(digest, catalog), MESSAGE_TEXT)
    if len(blocks) <= MAX_BLOCKS:
        return [(text, blocks)]
    parts = split_blocks(blocks, MAX_BLOCKS - 1)
    title = digest_title(digest.team_name, digest.view)
    found = []
    for number, part in enumerate(parts, start=1):
        if number > 1:
            part = [context(f"{escape(title)} (continued, part {number} of {len(parts)})"), *part]
        found.append((clip(f"{text} (part {number} of {len(parts)})", MESSAGE_TEXT), part))
    return found
