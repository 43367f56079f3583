"""Where people and teams stand against their goals in a period: the one place that turns
goals, entries, calendars and time off into pace. Every surface (replies, /progress,
leaderboards, nudges, alerts, digests, App Home) reads its numbers from here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.core.calendars import WorkCalendar
from bot.core.pace import DEFAULT_THRESHOLDS, Pace, PaceStatus, PaceThresholds, pace_of_sums
from bot.core.periods import Period, PeriodKind
from bot.core.ramps import stretch_target
from bot.core.ranking import Entry as RankEntry
from bot.core.ranking import Ranked, rank
from bot.core.targets import span_sums

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
    # Every version of the goal (`goal` is the one the view names); one row in every view.
    versions: tuple[GoalSpec, ...] = ()

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
    def counted(self) -> tuple[Standing, ...]:
        """Members who carry a target in the view: only they count."""
        return tuple(s for s in self.members if not s.pace.nothing_to_do)

    @property
    def excused(self) -> tuple[Standing, ...]:
        """Members who carry none (time off throughout, not started yet, left)."""
        return tuple(s for s in self.members if s.pace.nothing_to_do)

    @property
    def there(self) -> tuple[Standing, ...]:
        """Counted members who hit their own allocated share."""
        return tuple(s for s in self.counted if s.hit)

    @property
    def missing(self) -> tuple[Standing, ...]:
        return tuple(s for s in self.counted if not s.hit)

    @property
    def achieved(self) -> bool:
        return bool(self.counted) and not self.missing


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


# --- goals and their versions ----------------------------------------------------------------


def line_key(goal: GoalSpec) -> tuple:
    """Which goal a version belongs to: the same owner, metric and period kind (a person's
    individual and ramp goals replace each other, so they are one goal). Contests do not
    have versions."""
    if goal.kind == "contest":
        return ("contest", goal.id)
    if goal.kind in ("individual", "ramp"):
        return ("person", goal.person_id, goal.metric, goal.period_kind)
    return (goal.kind, goal.team_id, goal.metric, goal.period_kind)


def goal_lines(goals: Iterable[GoalSpec]) -> list[tuple[GoalSpec, ...]]:
    """Versions grouped into goals, each goal's versions by start date; goals in the order
    of their first version's id, so a view lists them as they were first set."""
    grouped: dict[tuple, list[GoalSpec]] = {}
    for goal in goals:
        grouped.setdefault(line_key(goal), []).append(goal)
    lines = [tuple(sorted(found, key=lambda g: (g.start, g.id))) for found in grouped.values()]
    return sorted(lines, key=lambda line: min(g.id for g in line))


def current_version(versions: Sequence[GoalSpec], view: Period, today: date) -> GoalSpec:
    """The version a view names: the one in force on the view's last day that has come
    (today, or the view's end when it is past), else the nearest one."""
    day = min(max(today, view.start), view.end)
    in_force = [v for v in versions if v.start <= day and (v.end is None or v.end >= day)]
    if in_force:
        return in_force[-1]
    started = [v for v in versions if v.start <= day]
    return started[-1] if started else versions[0]


def _versions(goal: GoalSpec | Sequence[GoalSpec]) -> tuple[GoalSpec, ...]:
    return (goal,) if isinstance(goal, GoalSpec) else tuple(goal)


def person_standing(
    goal: GoalSpec | Sequence[GoalSpec],
    person: PersonFacts,
    view: Period,
    team: TeamFacts,
    actual: int,
) -> Standing:
    """One goal (a version, or all of a goal's versions) of one person in a view."""
    versions = _versions(goal)
    return _standing(
        versions, person.id, person.name, view, team, actual, person.time_off, person.start_date
    )


def team_total_standing(
    goal: GoalSpec | Sequence[GoalSpec], team_name: str, view: Period, team: TeamFacts, actual: int
) -> Standing:
    """A team total: the team's own calendar, no one person's time off."""
    return _standing(_versions(goal), None, team_name, view, team, actual, (), None)


def _standing(
    versions: tuple[GoalSpec, ...],
    owner_id: int | None,
    owner_name: str,
    view: Period,
    team: TeamFacts,
    actual: int,
    time_off: tuple[DateRange, ...],
    start_date: date | None,
) -> Standing:
    sums = span_sums(
        [v for v in versions if v.target is not None],
        view.start,
        view.end,
        team.calendar,
        team.today,
        time_off=time_off,
        start_date=start_date,
        fiscal_year_start_month=team.fiscal_year_start_month,
    )
    pace = pace_of_sums(sums, actual, team.thresholds)
    shown = current_version(versions, view, team.today)
    stretch = (
        stretch_target(pace.target, shown.stretch_pct)
        if shown.stretch_pct and pace.target
        else None
    )
    return Standing(shown, owner_id, owner_name, view, pace.target, pace, stretch, versions)


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
    lines = [line for line in goal_lines(goals) if any(g.live_in(view) for g in line)]
    names = {p.id: p.name for p in members}
    member_ids = [p.id for p in members]
    team_totals, own, collectives, contests = [], [], [], []
    for line in lines:
        first = line[0]
        if first.kind == "team":
            actual = sum(totals.get((pid, first.metric), 0) for pid in member_ids)
            team_totals.append(team_total_standing(line, team_name, view, team, actual))
        elif first.kind == "collective":
            collectives.append(
                CollectiveStanding(
                    current_version(line, view, team.today),
                    tuple(
                        person_standing(line, p, view, team, totals.get((p.id, first.metric), 0))
                        for p in members
                    ),
                )
            )
        elif first.kind == "contest":
            own_totals = (contest_totals or {}).get(first.id, totals)
            contests.append(
                ContestStanding(first, tuple(rank_people(members, own_totals, first.metric)))
            )
    by_id = {p.id: p for p in members}
    for line in lines:
        first = line[0]
        if first.kind in ("individual", "ramp") and first.person_id in by_id:
            person = by_id[first.person_id]
            own.append(
                person_standing(line, person, view, team, totals.get((person.id, first.metric), 0))
            )
    return TeamStandings(
        view, tuple(team_totals), tuple(own), tuple(collectives), tuple(contests), names, totals
    )


@dataclass(frozen=True)
class TeamRow:
    """A team on a team-vs-team board: everyone below it counted (`total`, `people`);
    `standing` its own team goal of the board's metric, when it has one."""

    team_id: int
    name: str
    total: int
    people: int
    standing: Standing | None


def team_row(
    team_id: int,
    name: str,
    total: int,
    people: int,
    goals: Iterable[GoalSpec],
    view: Period,
    team: TeamFacts,
) -> TeamRow:
    """A board's row: the team's own team-total goal of the metric (`goals`: its team goals
    of that metric) judged on its own calendar against the total of everyone below it."""
    lines = [
        line
        for line in goal_lines(goals)
        if line[0].kind == "team" and any(g.live_in(view) for g in line)
    ]
    standing = team_total_standing(lines[0], name, view, team, total) if lines else None
    return TeamRow(team_id, name, total, people, standing)


def rank_people(
    people: Iterable[PersonFacts], totals: Mapping[tuple[int, str], int], metric: str
) -> list[Ranked]:
    return rank(RankEntry(str(p.id), p.name, totals.get((p.id, metric), 0)) for p in people)
