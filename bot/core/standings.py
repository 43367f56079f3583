"""Where people and teams stand against their goals in a period: the one place that turns
goals, entries, calendars and time off into pace. Every surface (replies, /progress,
leaderboards, nudges, alerts, digests, App Home) reads its numbers from here."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from bot.core.calendars import WorkCalendar
from bot.core.decomposition import share_in, sub_periods, view_target
from bot.core.pace import DEFAULT_THRESHOLDS, Pace, PaceStatus, PaceThresholds, compute_pace
from bot.core.periods import Period, PeriodKind
from bot.core.ramps import Ramp, stretch_target
from bot.core.ranking import Entry as RankEntry
from bot.core.ranking import Ranked, rank

DateRange = tuple[date, date]


@dataclass(frozen=True)
class GoalSpec:
    id: int
    kind: str  # individual | team | collective | contest | ramp
    metric: str
    period_kind: PeriodKind
    target: int | None
    start: date
    end: date | None = None
    person_id: int | None = None
    team_id: int | None = None
    stretch_pct: int | None = None
    weights: tuple[Decimal, ...] | None = None
    ramp_last: int | None = None
    ramp_step: int | None = None
    reward: str | None = None
    prize: str | None = None

    def live_in(self, view: Period) -> bool:
        return self.start <= view.end and (self.end is None or self.end >= view.start)


@dataclass(frozen=True)
class PersonFacts:
    id: int
    name: str
    start_date: date | None = None
    time_off: tuple[DateRange, ...] = ()


@dataclass(frozen=True)
class TeamFacts:
    """What pace needs of a team: its calendar, its local today and its thresholds."""

    calendar: WorkCalendar
    today: date
    thresholds: PaceThresholds = DEFAULT_THRESHOLDS
    fiscal_year_start_month: int = 1


@dataclass(frozen=True)
class Standing:
    """One goal of one owner (a person, or a team for team totals) seen in one period."""

    goal: GoalSpec
    owner_id: int | None
    owner_name: str
    view: Period
    target: int
    pace: Pace
    stretch: int | None = None

    @property
    def stretch_hit(self) -> bool:
        return self.stretch is not None and self.stretch > 0 and self.pace.actual >= self.stretch

    @property
    def hit(self) -> bool:
        return self.pace.status is PaceStatus.HIT and not self.pace.nothing_to_do


@dataclass(frozen=True)
class CollectiveStanding:
    goal: GoalSpec
    members: tuple[Standing, ...]

    @property
    def missing(self) -> tuple[Standing, ...]:
        return tuple(s for s in self.members if not s.hit and not s.pace.nothing_to_do)

    @property
    def achieved(self) -> bool:
        return bool(self.members) and not self.missing


@dataclass(frozen=True)
class ContestStanding:
    goal: GoalSpec
    ranking: tuple[Ranked, ...]


@dataclass(frozen=True)
class TeamStandings:
    view: Period
    team_totals: tuple[Standing, ...] = ()
    members: tuple[Standing, ...] = ()
    collectives: tuple[CollectiveStanding, ...] = ()
    contests: tuple[ContestStanding, ...] = ()
    member_names: Mapping[int, str] = field(default_factory=dict)
    # (person id, metric) → total in the view, for every metric the report read.
    totals: Mapping[tuple[int, str], int] = field(default_factory=dict)


def goal_target_in(goal: GoalSpec, view: Period, calendar: WorkCalendar, fiscal_year_start_month: int = 1) -> int:
    """The goal's target for the view period, before any person's proration."""
    if goal.target is None:
        return 0
    if goal.kind != "ramp":
        return view_target(goal.target, goal.period_kind, view, calendar, goal.weights)
    assert goal.ramp_last is not None and goal.ramp_step is not None
    ramp = Ramp(goal.target, goal.ramp_last, goal.ramp_step, goal.period_kind, goal.start, fiscal_year_start_month)
    total = Fraction(0)
    for goal_period in sub_periods(view, goal.period_kind):
        # Before the ramp's first period the first step applies: proration by the goal's
        # start date already removes the days before it.
        step_target = ramp.target_for(goal_period) or goal.target
        total += share_in(step_target, goal_period, view, calendar)
    return math.floor(total + Fraction(1, 2))


def person_standing(
    goal: GoalSpec,
    person: PersonFacts,
    view: Period,
    team: TeamFacts,
    actual: int,
    target: int | None = None,
) -> Standing:
    return _standing(goal, person.id, person.name, view, team, actual, target, person.time_off, counting_from(goal, person))


def counting_from(goal: GoalSpec, person: PersonFacts) -> date:
    """When a person's days start to count for a goal: the later of their start date and
    the goal's."""
    starts = [d for d in (person.start_date, goal.start) if d is not None]
    return max(starts)


def team_total_standing(goal: GoalSpec, team_name: str, view: Period, team: TeamFacts, actual: int) -> Standing:
    """A team total: the team's own calendar, no one person's time off."""
    return _standing(goal, None, team_name, view, team, actual, None, (), goal.start)


def _standing(
    goal: GoalSpec,
    owner_id: int | None,
    owner_name: str,
    view: Period,
    team: TeamFacts,
    actual: int,
    target: int | None,
    time_off: tuple[DateRange, ...],
    start_date: date,
) -> Standing:
    if target is None:
        target = goal_target_in(goal, view, team.calendar, team.fiscal_year_start_month)
    pace = compute_pace(
        target=target,
        actual=actual,
        period=view,
        calendar=team.calendar,
        today=team.today,
        time_off=time_off,
        start_date=start_date,
        thresholds=team.thresholds,
    )
    stretch = None
    if goal.stretch_pct and pace.prorated_target:
        stretch = stretch_target(pace.prorated_target, goal.stretch_pct)
    return Standing(goal, owner_id, owner_name, view, target, pace, stretch)


def team_standings(
    *,
    team_name: str,
    view: Period,
    team: TeamFacts,
    goals: Iterable[GoalSpec],
    members: Sequence[PersonFacts],
    totals: Mapping[tuple[int, str], int],
    contest_totals: Mapping[int, Mapping[tuple[int, str], int]] | None = None,
) -> TeamStandings:
    """Every goal that touches a team in a view: team totals, each member's own goals,
    all-or-nothing collectives and contests. A contest ranks its own period's totals
    (`contest_totals[goal id]`), which differ from the view's when the periods differ."""
    live = [g for g in goals if g.live_in(view)]
    names = {p.id: p.name for p in members}
    member_ids = [p.id for p in members]
    team_totals, own, collectives, contests = [], [], [], []
    for goal in live:
        if goal.kind == "team":
            actual = sum(totals.get((pid, goal.metric), 0) for pid in member_ids)
            team_totals.append(team_total_standing(goal, team_name, view, team, actual))
        elif goal.kind == "collective":
            target = goal_target_in(goal, view, team.calendar, team.fiscal_year_start_month)
            collectives.append(
                CollectiveStanding(
                    goal,
                    tuple(
                        person_standing(goal, p, view, team, totals.get((p.id, goal.metric), 0), target)
                        for p in members
                    ),
                )
            )
        elif goal.kind == "contest":
            own_totals = (contest_totals or {}).get(goal.id, totals)
            contests.append(ContestStanding(goal, tuple(rank_people(members, own_totals, goal.metric))))
    by_id = {p.id: p for p in members}
    for goal in live:
        if goal.kind in ("individual", "ramp") and goal.person_id in by_id:
            person = by_id[goal.person_id]
            own.append(person_standing(goal, person, view, team, totals.get((person.id, goal.metric), 0)))
    return TeamStandings(view, tuple(team_totals), tuple(own), tuple(collectives), tuple(contests), names, totals)


def rank_people(
    people: Iterable[PersonFacts], totals: Mapping[tuple[int, str], int], metric: str
) -> list[Ranked]:
    return rank(RankEntry(str(p.id), p.name, totals.get((p.id, metric), 0)) for p in people)
