"""The lagging-rep alert (SPEC §5): a DM to each of a team's managers naming the reps behind
or at risk this week, with the gap to pace, what they need per day and how many weeks in a
row they have been behind; a short all-clear when nobody is."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

from bot.core.pace import PaceStatus
from bot.core.standings import Standing
from bot.core.streaks import LOOKBACK_WEEKS, is_lagging
from bot.render.lagging_alert import (
    LaggingGoal,
    LaggingRep,
    alert_message,
    all_clear_message,
    region_alert_message,
)
from bot.services.records import Team
from bot.services.reports import display_name
from bot.services.team_weeks import (
    ReadSession,
    RegionWeek,
    Streaks,
    TeamWeek,
    behind_streaks,
    load_weeks,
    managers_of_teams,
    region_team_weeks,
    team_tree,
)
from scheduler.content.gather import active, reachable, standings_by_person
from scheduler.messages import Message


def flagged(standing: Standing, team_days_left: int) -> bool:
    """Behind or at risk, unless the rep has no day left to act on while the team still
    has some: they are off for the rest of the week, and an alert could only nag."""
    if not is_lagging(standing):
        return False
    return standing.pace.remaining_days > 0 or team_days_left == 0


def urgency(standing: Standing) -> tuple[int, Fraction, int]:
    """Sort key, most urgent first: at risk before behind, then the lowest share of what
    pace expects by now."""
    pace = standing.pace
    share = Fraction(pace.actual, pace.expected) if pace.expected else Fraction(1)
    return (0 if pace.status is PaceStatus.AT_RISK else 1, share, standing.goal.id)


def build_many(
    session: ReadSession, workspace_id: int, chosen: Sequence[Team], at: datetime
) -> dict[int, list[Message]]:
    """team id → the alerts to the team's managers, for teams the scheduler fires together:
    one statement per question for all of them. A team with sub-teams (a region) alerts its
    own managers about everyone below it, each rep under their own team."""
    ids = [team.id for team in chosen if team.id is not None]
    managers = {
        team_id: [m for m in found if reachable(m)]
        for team_id, found in managers_of_teams(session, workspace_id, ids).items()
    }
    messages: dict[int, list[Message]] = {team_id: [] for team_id in ids}
    managed = [team for team in chosen if managers.get(team.id or 0)]
    tree = team_tree(session, workspace_id) if managed else None
    loaded = load_weeks(
        session, workspace_id, managed, at, lookback_weeks=LOOKBACK_WEEKS, tree=tree
    )
    weeks = loaded.teams
    # Every team of each region, for the region's week: its own reps' goals and its
    # all-or-nothing goals (counting everyone below it), so each goal is in one of them.
    parts = {
        region_id: region_team_weeks(session, region)
        for region_id, region in loaded.regions.items()
    }
    counted = {team_id: _counted(week) for team_id, week in weeks.items()}
    lagging = {
        team_id: _lagging(weeks[team_id], by_person) for team_id, by_person in counted.items()
    }
    part_counted = {
        (r, t): _counted(week) for r, found in parts.items() for t, week in found.items()
    }
    part_lagging = {
        (r, t): _lagging(parts[r][t], by_person) for (r, t), by_person in part_counted.items()
    }
    streaks = behind_streaks(
        session, workspace_id,
        [(weeks[team_id], found) for team_id, found in lagging.items() if found]
        + [(parts[r][t], found) for (r, t), found in part_lagging.items() if found],
    )  # fmt: skip
    for team_id, week in weeks.items():
        text, blocks = _alert(week, counted[team_id], lagging[team_id], streaks)
        messages[team_id] = [
            Message(manager.slack_user_id or "", text, tuple(blocks))
            for manager in managers[team_id]
        ]
    for region_id, region in loaded.regions.items():
        found = parts[region_id]
        text, blocks = _region_alert(
            region,
            found,
            {t: part_counted[(region_id, t)] for t in found},
            {t: part_lagging[(region_id, t)] for t in found},
            streaks,
        )
        messages[region_id] = [
            Message(manager.slack_user_id or "", text, tuple(blocks))
            for manager in managers[region_id]
        ]
    return messages


def build(session: ReadSession, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    assert team.id is not None
    return build_many(session, workspace_id, [team], at)[team.id]


def _counted(week: TeamWeek) -> dict[int, list[Standing]]:
    """person id → their goals' standings, for the members whose numbers count (active)."""
    active_ids = {m.id for m in week.members if active(m)}
    return {
        pid: found for pid, found in standings_by_person(week.report).items() if pid in active_ids
    }


def _lagging(week: TeamWeek, counted: dict[int, list[Standing]]) -> dict[int, list[Standing]]:
    """person id → their flagged goals, most urgent first, for those with any."""
    days_left = week.team_days_left()
    lagging = {
        pid: sorted((s for s in found if flagged(s, days_left)), key=urgency)
        for pid, found in counted.items()
    }
    return {pid: found for pid, found in lagging.items() if found}


def _region_alert(
    region: RegionWeek,
    weeks: dict[int, TeamWeek],
    counted: dict[int, dict[int, list[Standing]]],
    lagging: dict[int, dict[int, list[Standing]]],
    streaks: Streaks,
) -> tuple[str, list[dict]]:
    """The region's alert: the reps each team's own alert flags (the same rule, on that
    team's calendar), and those behind on an all-or-nothing goal of a team above theirs,
    each under the team they are a member of."""
    home = {
        m.id: team_id for team_id in region.team_ids for m in region.reads.members.get(team_id, ())
    }
    names = {
        m.id: display_name(m)
        for team_id in region.team_ids
        for m in region.reads.members.get(team_id, ())
    }
    goals: dict[int, list[LaggingGoal]] = defaultdict(list)
    for team_id, by_person in lagging.items():
        start = weeks[team_id].view.start
        for pid, found in by_person.items():
            goals[pid].extend(
                LaggingGoal(s, streaks[(start, team_id, pid, s.goal.id)]) for s in found
            )
    if not goals:
        with_goals = {
            pid
            for by_person in counted.values()
            for pid, found in by_person.items()
            if any(not s.pace.nothing_to_do for s in found)
        }
        return all_clear_message(region.team.name, region.view, region.today, len(with_goals))
    reps = sorted(
        (
            LaggingRep(
                pid, names.get(pid, "?"), tuple(sorted(found, key=lambda g: urgency(g.standing))),
                team=region.path(home.get(pid, region.team.id or 0)),
            )
            for pid, found in goals.items()
        ),
        key=lambda rep: (urgency(rep.goals[0].standing)[:2], rep.name.casefold(), rep.person_id),
    )  # fmt: skip
    headings = [region.path(team_id) for team_id in region.team_ids]
    return region_alert_message(
        region.team.name, region.view, region.today, reps, headings, region.catalog
    )


def _alert(
    week: TeamWeek,
    counted: dict[int, list[Standing]],
    lagging: dict[int, list[Standing]],
    streaks: Streaks,
) -> tuple[str, list[dict]]:
    if not lagging:
        with_goals = sum(
            1 for found in counted.values() if any(not s.pace.nothing_to_do for s in found)
        )
        return all_clear_message(week.team.name, week.view, week.today, with_goals)
    team_id = week.team.id or 0
    reps = sorted(
        (
            LaggingRep(
                pid,
                week.report.member_names.get(pid, "?"),
                tuple(
                    LaggingGoal(s, streaks[(week.view.start, team_id, pid, s.goal.id)])
                    for s in found
                ),
            )
            for pid, found in lagging.items()
        ),
        key=lambda rep: (urgency(rep.goals[0].standing)[:2], rep.name.casefold(), rep.person_id),
    )
    return alert_message(week.team.name, week.view, week.today, reps, week.catalog)
