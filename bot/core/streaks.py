"""How many weeks in a row a rep has been behind on a goal: this week, plus each complete
week before it whose status at the week's end was behind or at risk. Every past week is
judged by the same pace engine as this one (bot.core.standings), as it stood when the week
had ended."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.core.calendars import available_days, normal_days
from bot.core.pace import PaceStatus, status_once_over
from bot.core.periods import Period, PeriodKind
from bot.core.standings import (
    GoalSpec,
    PersonFacts,
    Standing,
    TeamFacts,
    counting_from,
    goal_target_in,
    person_standing,
)

LAGGING = frozenset({PaceStatus.BEHIND, PaceStatus.AT_RISK})
# How far back a streak looks; a rep behind in all of them is shown as "9+ weeks".
LOOKBACK_WEEKS = 8

OWN_KINDS = ("individual", "ramp")

# (person id, metric, week start) → that person's total of the metric in that week.
WeekTotals = Mapping[tuple[int, str, date], int]


def is_lagging(standing: Standing) -> bool:
    return standing.pace.status in LAGGING


def previous_weeks(view: Period, count: int = LOOKBACK_WEEKS) -> list[Period]:
    """The `count` Monday–Sunday weeks before the one containing `view.start`, most recent
    first."""
    week = Period.containing(PeriodKind.WEEK, view.start, view.fiscal_year_start_month)
    found = []
    for _ in range(count):
        week = week.previous()
        found.append(week)
    return found


def goal_in_week(goal: GoalSpec, person_id: int, goals: Sequence[GoalSpec], week: Period) -> GoalSpec | None:
    """The goal that held the person to the same metric in `week`: this goal when it was
    live then, else another of the same family (their own goals, or the same team's
    all-or-nothing goals). A target changed with `/goal set … -- reason` replaces the goal
    row, and the rep is still the same amount behind, so the streak carries over."""
    if goal.live_in(week):
        return goal
    for other in sorted(goals, key=lambda g: g.id):
        if other.metric != goal.metric or not other.live_in(week):
            continue
        if goal.kind in OWN_KINDS and other.kind in OWN_KINDS and other.person_id == person_id:
            return other
        if goal.kind == "collective" and other.kind == "collective" and other.team_id == goal.team_id:
            return other
    return None


def status_at_week_end(goal: GoalSpec, person: PersonFacts, week: Period, team: TeamFacts, actual: int) -> Standing:
    """The standing once the week is over: every available day completed, so expected is
    the whole (prorated) target."""
    ended = replace(team, today=week.end + timedelta(days=1))
    return person_standing(goal, person, week, ended, actual)


def lagging_at_week_end(goal: GoalSpec, person: PersonFacts, week: Period, team: TeamFacts, actual: int) -> bool:
    """is_lagging(status_at_week_end(…)), from the counts of days alone (no Standing)."""
    target = goal_target_in(goal, week, team.calendar, team.fiscal_year_start_month)
    status = status_once_over(
        target=target,
        actual=actual,
        available_count=len(available_days(week, team.calendar, person.time_off, counting_from(goal, person))),
        normal_count=len(normal_days(week, team.calendar)),
        thresholds=team.thresholds,
    )
    return status in LAGGING


def weeks_behind(
    current: Standing,
    person: PersonFacts,
    goals: Sequence[GoalSpec],
    weeks: Sequence[Period],
    totals: WeekTotals,
    team: TeamFacts,
) -> int:
    """This week (1 when `current` lags, else 0) plus the unbroken run of earlier `weeks`
    (most recent first) that ended behind or at risk. A week with no goal, or with nothing
    owed (time off all week: the engine calls that hit), ends the run."""
    if not is_lagging(current):
        return 0
    count = 1
    for week in weeks:
        goal = goal_in_week(current.goal, person.id, goals, week)
        if goal is None:
            break
        actual = totals.get((person.id, goal.metric, week.start), 0)
        if not lagging_at_week_end(goal, person, week, team, actual):
            break
        count += 1
    return count
