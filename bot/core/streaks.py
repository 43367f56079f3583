"""How many weeks in a row a rep has been behind on a goal: this week, plus each complete
week before it whose status at the week's end was behind or at risk. Every past week is
judged by the same pace engine as this one (bot.core.standings), as it stood when the week
had ended."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.core.pace import PaceStatus, status_once_over
from bot.core.periods import Period, PeriodKind
from bot.core.standings import GoalSpec, PersonFacts, Standing, TeamFacts, person_standing
from bot.core.targets import span_sums

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


def _same_family(goal: GoalSpec, other: GoalSpec, person_id: int) -> bool:
    if other.metric != goal.metric:
        return False
    if goal.kind in OWN_KINDS:
        return other.kind in OWN_KINDS and other.person_id == person_id
    return (
        goal.kind == "collective" and other.kind == "collective" and other.team_id == goal.team_id
    )


def goal_in_week(
    goal: GoalSpec, person_id: int, goals: Sequence[GoalSpec], week: Period
) -> tuple[GoalSpec, ...]:
    """The versions that held the person to the same metric in `week`: this goal's own
    versions (same period kind) when one was live then, else another goal of the same
    family (their own goals, or the same team's all-or-nothing goals). A target changed
    mid-streak leaves the rep just as far behind, so the streak carries over."""
    family = sorted(
        (g for g in (goal, *goals) if _same_family(goal, g, person_id)), key=lambda g: g.id
    )
    same_kind = tuple({g.id: g for g in family if g.period_kind == goal.period_kind}.values())
    if any(g.live_in(week) for g in same_kind):
        return same_kind
    for other in family:
        if other.live_in(week):
            return tuple(g for g in family if g.period_kind == other.period_kind)
    return ()


def status_at_week_end(
    goal: GoalSpec, person: PersonFacts, week: Period, team: TeamFacts, actual: int
) -> Standing:
    """The standing once the week is over: every day completed, so expected is the whole
    target."""
    ended = replace(team, today=week.end + timedelta(days=1))
    return person_standing(goal, person, week, ended, actual)


def lagging_at_week_end(
    versions: Sequence[GoalSpec], person: PersonFacts, week: Period, team: TeamFacts, actual: int
) -> bool:
    """is_lagging(status_at_week_end(…)) from the week's sums alone (no Standing)."""
    sums = span_sums(
        [v for v in versions if v.target is not None],
        week.start,
        week.end,
        team.calendar,
        week.end + timedelta(days=1),
        time_off=person.time_off,
        start_date=person.start_date,
        fiscal_year_start_month=team.fiscal_year_start_month,
    )
    if sums.carrying_days == 0:
        return False
    return status_once_over(sums.target, actual, team.thresholds) in LAGGING


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
        versions = goal_in_week(current.goal, person.id, goals, week)
        if not versions:
            break
        actual = totals.get((person.id, current.goal.metric, week.start), 0)
        if not lagging_at_week_end(versions, person, week, team, actual):
            break
        count += 1
    return count
