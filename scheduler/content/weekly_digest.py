"""The weekly digest (SPEC §5): one post to the team's channel with team totals against
target, all-or-nothing goals and who is still missing, contest leaderboards, goal and
stretch hits; then a chart of each rep's week against target as a second part.

A team with sub-teams (a region) gets the same digest of everyone below it (the roll-up
`/progress team:REGION` shows) plus its sub-teams' board, in its own channel; a region
without a channel gets none."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bot.core.pace import DEFAULT_THRESHOLDS, PaceStatus, PaceThresholds, status_of
from bot.core.periods import PeriodKind
from bot.core.standings import Standing, TeamStandings
from bot.render.chart import ChartBar, ChartPanel, chart_spec
from bot.render.digest import Digest, GoalSum, TeamBoard, digest_messages, digest_title
from bot.render.standing_lines import metric_of
from bot.services.records import Team
from bot.services.team_weeks import (
    ReadSession,
    RegionWeek,
    TeamWeek,
    load_weeks,
    region_board,
    region_rollup,
    team_tree,
)
from scheduler.messages import ChartFile, Message

ON_TRACK = (PaceStatus.HIT, PaceStatus.AHEAD, PaceStatus.ON_PACE)
WEEKLY = (PeriodKind.WEEK, PeriodKind.DAY)


def _one_per_person_and_metric(found: list[Standing]) -> list[Standing]:
    """The first goal of each (person, metric): a rep with a weekly and a monthly calls
    goal would otherwise count their calls twice."""
    seen: set[tuple[int | None, str]] = set()
    kept = []
    for standing in found:
        key = (standing.owner_id, standing.goal.metric)
        if key not in seen and not standing.pace.nothing_to_do:
            seen.add(key)
            kept.append(standing)
    return kept


def goal_sums(
    report: TeamStandings, thresholds: PaceThresholds = DEFAULT_THRESHOLDS
) -> list[GoalSum]:
    """Per metric with reps' own goals but no team-total goal: the team's sum against the
    sum of those goals, so a team that only sets individual goals still sees its total."""
    with_team_goal = {s.goal.metric for s in report.team_totals}
    grouped: dict[str, list[Standing]] = defaultdict(list)
    for standing in _one_per_person_and_metric(list(report.members)):
        if standing.goal.metric not in with_team_goal:
            grouped[standing.goal.metric].append(standing)
    return [
        GoalSum(
            metric=metric,
            actual=sum(s.pace.actual for s in found),
            target=sum(s.pace.target for s in found),
            expected=sum(s.pace.expected for s in found),
            people=len(found),
            on_track=sum(1 for s in found if s.pace.status in ON_TRACK),
            status=status_of(
                sum(s.pace.actual for s in found),
                sum(s.pace.target for s in found),
                sum(s.pace.expected for s in found),
                thresholds,
            ),
        )
        for metric, found in sorted(grouped.items())
    ]


def chart_panels(week: TeamWeek) -> list[ChartPanel]:
    """One panel per metric, biggest first: each rep's own goal, or their part of an
    all-or-nothing goal when they have no own goal for the metric."""
    report = week.report
    own = _one_per_person_and_metric(list(report.members))
    have = {(s.owner_id, s.goal.metric) for s in own}
    shared = [
        s
        for s in _one_per_person_and_metric([m for c in report.collectives for m in c.members])
        if (s.owner_id, s.goal.metric) not in have
    ]
    grouped: dict[str, list[ChartBar]] = defaultdict(list)
    for standing in own + shared:
        pace = standing.pace
        grouped[standing.goal.metric].append(
            ChartBar(standing.owner_name, pace.actual, pace.prorated_target, pace.status)
        )
    ordered = sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))
    return [ChartPanel(metric_of(week.catalog, metric), tuple(bars)) for metric, bars in ordered]


def main_metric(report: TeamStandings, sums: Sequence[GoalSum]) -> str | None:
    """The metric a region's board ranks its sub-teams on: its first team-total goal's, else
    the one most reps have goals of (by name on a tie), else its first all-or-nothing
    goal's or contest's."""
    if report.team_totals:
        return report.team_totals[0].goal.metric
    if sums:
        return max(sums, key=lambda s: s.people).metric
    others = [c.goal.metric for c in report.collectives] + [c.goal.metric for c in report.contests]
    return others[0] if others else None


def digest_of(week: TeamWeek, board: TeamBoard | None = None) -> Digest:
    report = week.report
    by_name = sorted(report.members, key=lambda s: (s.owner_name.casefold(), s.goal.id))
    return Digest(
        team_name=week.team.name,
        view=week.view,
        as_of=week.local,
        members=len(report.member_names),
        team_totals=report.team_totals,
        sums=tuple(goal_sums(report, week.facts.thresholds)),
        collectives=report.collectives,
        contests=report.contests,
        # A week's slice of a monthly goal is no hit to celebrate while the month may be at
        # risk: only goals whose own period is the week (or a day in it) count here.
        hits=tuple(s for s in by_name if s.hit and s.goal.period_kind in WEEKLY),
        stretch_hits=tuple(s for s in by_name if s.stretch_hit and s.goal.period_kind in WEEKLY),
        board=board,
    )


def chart_filename(team: Team, week: TeamWeek) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", team.name.lower()).strip("-") or f"team-{team.id}"
    return f"paceline-{slug}-{week.view.start.isoformat()}.png"


def build_many(
    session: ReadSession, workspace_id: int, chosen: Sequence[Team], at: datetime
) -> dict[int, list[Message]]:
    """team id → the team's digest, for teams the scheduler fires together."""
    tree = team_tree(session, workspace_id) if chosen else None
    # A region without a channel: nothing (its teams' channels have their own digests).
    silent = {
        t.id
        for t in chosen
        if tree is not None and t.id is not None and tree.has_children(t.id) and not t.channel_id
    }
    loaded = load_weeks(
        session, workspace_id, [t for t in chosen if t.id not in silent], at, tree=tree
    )
    found = {team_id: digest_posts(week) for team_id, week in loaded.teams.items()}
    found.update(
        (region_id, region_posts(session, region)) for region_id, region in loaded.regions.items()
    )
    found.update((team_id, []) for team_id in silent if team_id is not None)
    return found


def build(session: ReadSession, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    assert team.id is not None
    return build_many(session, workspace_id, [team], at)[team.id]


def region_posts(session: ReadSession, region: RegionWeek) -> list[Message]:
    """The digest of everyone below the region, with its sub-teams ranked on its main metric."""
    week = region_rollup(session, region)
    metric = main_metric(week.report, goal_sums(week.report, week.facts.thresholds))
    board = None
    if metric is not None:
        rows = region_board(region, metric)
        board = TeamBoard(region.team.name, metric, tuple(rows))
    return digest_posts(week, board)


def digest_posts(week: TeamWeek, board: TeamBoard | None = None) -> list[Message]:
    team = week.team
    report = week.report
    # A team without goals this week has nothing to report: no post rather than an empty one.
    if not (report.team_totals or report.members or report.collectives or report.contests):
        return []
    # No channel: "" makes the sender park the post and tell the managers why.
    channel = team.channel_id or ""
    messages = [
        Message(channel, text, tuple(blocks), part=str(number))
        for number, (text, blocks) in enumerate(
            digest_messages(digest_of(week, board), week.catalog), start=1
        )
    ]
    panels = chart_panels(week)
    if panels:
        title = digest_title(team.name, week.view, with_year=True)
        # The data, not the PNG: the sender draws it just before the upload.
        chart = ChartFile(chart_filename(team, week), title, chart=chart_spec(title, panels))
        messages.append(
            Message(channel, f"{title}: each rep's week against target.", file=chart, part="chart")
        )
    return messages
