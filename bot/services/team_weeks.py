"""What the scheduled posts read about the teams that fire together, as of the run's
instant: each team's week (the team-local week of the instant, the pace engine's report for
it, the workspace's metrics, the members and what a DM needs of them), the weeks behind in a
row of flagged goals, the teams' managers and who logged on a day. A fixed number of
statements whatever the teams' size: one per question for all the teams of one week.

A team with sub-teams (a region) is read with everything below it, for its own week and in
the same statements as the other teams firing with it: a `RegionWeek`, from which a job
takes the roll-up (everyone below counted, as `/progress team:REGION` counts them), each
team below's own week, or the sub-teams' board.

The scheduler's runner holds the read transaction (`ReadSession`) while it builds a job's
teams; scheduler/content passes it to these functions and never queries it itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import zone
from bot.core.calendars import normal_days
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import Standing, TeamFacts, TeamRow, TeamStandings, team_row
from bot.core.streaks import previous_weeks, weeks_behind
from bot.core.team_tree import TeamTree
from bot.services import reports
from storage import aggregations, goals, history, metrics, teams
from storage.models import Person, Team
from storage.rows import persisted_id

# An open read transaction the caller holds (the scheduler's runner, a test, a benchmark).
ReadSession: TypeAlias = Session
# A row storage read for a job (a member with what a DM needs, a goal): fields to read only.
StoredRow: TypeAlias = sa.Row


def local_instant(team: Team, at: datetime) -> datetime:
    """The run's instant on the team's wall clock (daylight saving included)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a job's instant must be timezone-aware")
    return at.astimezone(zone(team.tz))


def week_of(team: Team, at: datetime, fiscal_year_start_month: int = 1) -> Period:
    """The Monday–Sunday week, in the team's zone, that contains `at`."""
    return Period.containing(
        PeriodKind.WEEK, local_instant(team, at).date(), fiscal_year_start_month
    )


@dataclass(frozen=True)
class TeamWeek:
    workspace_id: int
    team: Team
    local: datetime  # the run's instant, team-local
    view: Period
    facts: TeamFacts
    report: TeamStandings
    catalog: MetricCatalog
    members: tuple[StoredRow, ...]  # storage.history.team_members rows, by name
    # From `history_start` (the start of the lookback weeks) to the view's end: the team's
    # goals (storage.goals.rows_for_team rows) and its members' time off, for jobs that look
    # at past weeks too.
    history_start: date
    goal_rows: tuple[StoredRow, ...]
    time_off: dict[int, list[tuple[date, date]]]
    # The teams whose members `members` holds, the team first: () for the team alone; a
    # team with sub-teams read for a region has everyone below it (its team goals count
    # them all), its own members' goals and its team goals only.
    team_ids: tuple[int, ...] = ()

    @property
    def today(self) -> date:
        return self.local.date()

    @property
    def counted_ids(self) -> tuple[int, ...]:
        return self.team_ids or (self.team.id or 0,)

    def team_days_left(self) -> int:
        """The team's working days in the week from today on (today included)."""
        return sum(1 for day in normal_days(self.view, self.facts.calendar) if day >= self.today)


@dataclass(frozen=True)
class _ViewReads:
    """What one load read for the teams of one week: per team id, the members, the goals and
    time off from `first` on, and the members' totals in the view of every metric read."""

    view: Period
    first: date
    members: Mapping[int, list[StoredRow]]
    goal_rows: Mapping[int, list[StoredRow]]
    time_off: Mapping[int, dict[int, list[tuple[date, date]]]]
    totals: Mapping[int, Mapping[tuple[int, str], int]]


@dataclass(frozen=True)
class RegionWeek:
    """A team with sub-teams and everything below it, for the team's own week: what the
    region's jobs read, in the statements of the teams that fire with it."""

    workspace_id: int
    team: Team
    at: datetime
    local: datetime  # the run's instant, the region's local time
    view: Period
    facts: TeamFacts
    catalog: MetricCatalog
    fiscal_year_start_month: int
    tree: TeamTree
    teams: Mapping[int, Team]  # every team below (and the region) that still exists
    reads: _ViewReads

    @property
    def today(self) -> date:
        return self.local.date()

    @property
    def team_ids(self) -> tuple[int, ...]:
        """The region first, then every team below it in outline order (/team list)."""
        return tuple(t for t in self.tree.subtree(self.team.id or 0) if t in self.teams)

    def path(self, team_id: int) -> str:
        """A team's name as a heading under the region: "Dustin", "Dustin › North"."""
        names = [self.tree.name(team_id)]
        if team_id == self.team.id:
            return names[0]
        for above in self.tree.ancestors(team_id):
            if above == self.team.id:
                break
            names.append(self.tree.name(above))
        return " › ".join(reversed(names))


@dataclass(frozen=True)
class Weeks:
    teams: dict[int, TeamWeek]  # teams without sub-teams (every team, without a tree)
    regions: dict[int, RegionWeek]  # teams with sub-teams


def load_team_weeks(
    session: ReadSession,
    workspace_id: int,
    chosen: Sequence[Team],
    at: datetime,
    lookback_weeks: int = 0,
) -> dict[int, TeamWeek]:
    """team id → that team's week as of `at`, for teams the scheduler fires together: one
    statement per question for all of them (per distinct week, when their zones put `at`
    in different weeks), whatever the number of teams and reps. With `lookback_weeks`,
    goals and time off are read from the start of that many weeks before, in the same
    statements as the week's own. Every team alone, sub-teams or not."""
    return load_weeks(session, workspace_id, chosen, at, lookback_weeks).teams


def load_weeks(
    session: ReadSession,
    workspace_id: int,
    chosen: Sequence[Team],
    at: datetime,
    lookback_weeks: int = 0,
    tree: TeamTree | None = None,
) -> Weeks:
    """load_team_weeks(), and with the workspace's `tree`, each chosen team with sub-teams
    as a RegionWeek: every team below it is read for the region's week, in the same
    statements as the chosen teams of that week (plus one for the rows of teams below that
    are not chosen themselves)."""
    fiscal_start, custom = metrics.fiscal_month_and_custom_metrics(session, workspace_id)
    catalog = MetricCatalog.with_custom(custom)
    regions = [
        t for t in chosen if tree is not None and t.id is not None and tree.has_children(t.id)
    ]
    region_ids = {t.id for t in regions}
    rows: dict[int, Team] = {t.id: t for t in chosen if t.id is not None}
    if tree is not None and regions:
        below = {i for region in regions for i in tree.subtree(region.id or 0)}
        missing = sorted(below - rows.keys())
        if missing:
            rows.update(
                (t.id, t) for t in teams.by_ids(session, workspace_id, missing) if t.id is not None
            )
    by_view: dict[Period, list[Team]] = defaultdict(list)
    region_views: dict[Period, list[Team]] = defaultdict(list)
    for team in chosen:
        if team.id in region_ids:
            region_views[week_of(team, at, fiscal_start)].append(team)
        else:
            by_view[week_of(team, at, fiscal_start)].append(team)
    found = Weeks({}, {})
    for view in list(by_view) + [v for v in region_views if v not in by_view]:
        group = by_view.get(view, [])
        ids = [team.id for team in group if team.id is not None]
        seen = set(ids)
        for region in region_views.get(view, []):
            under_region = [
                t
                for t in (tree.subtree(region.id or 0) if tree else ())
                if t in rows and t not in seen
            ]
            ids += under_region
            seen.update(under_region)
        reads = _read(session, workspace_id, ids, view, lookback_weeks)
        for team in group:
            team_id = persisted_id(team)
            found.teams[team_id] = _team_week(
                session, workspace_id, team, at, fiscal_start, catalog, reads
            )
        for region in region_views.get(view, []):
            region_id = persisted_id(region)
            assert tree is not None
            found.regions[region_id] = RegionWeek(
                workspace_id=workspace_id,
                team=region,
                at=at,
                local=local_instant(region, at),
                view=view,
                facts=reports.team_facts(region, None, at, fiscal_start),
                catalog=catalog,
                fiscal_year_start_month=fiscal_start,
                tree=tree,
                teams={t: rows[t] for t in tree.subtree(region_id) if t in rows},
                reads=reads,
            )
    return found


def _read(
    session: ReadSession, workspace_id: int, ids: list[int], view: Period, lookback_weeks: int
) -> _ViewReads:
    """One statement per question for the teams of one week."""
    first = previous_weeks(view, lookback_weeks)[-1].start if lookback_weeks else view.start
    members = history.members_of_teams(session, workspace_id, ids)
    goal_rows = goals.rows_for_teams(session, workspace_id, ids, first, view.end)
    off = aggregations.teams_time_off(session, workspace_id, ids, first, view.end)
    every_metric = {g.metric for rows in goal_rows.values() for g in rows if _live_in(g, view)}
    totals = (
        aggregations.teams_totals(session, workspace_id, ids, every_metric, view.start, view.end)
        if every_metric
        else {}
    )
    return _ViewReads(view, first, members, goal_rows, off, totals)


def _team_week(
    session: ReadSession,
    workspace_id: int,
    team: Team,
    at: datetime,
    fiscal_start: int,
    catalog: MetricCatalog,
    reads: _ViewReads,
) -> TeamWeek:
    """The team alone: its members, its goals and its members' own."""
    team_id = persisted_id(team)
    view = reads.view
    live = [g for g in reads.goal_rows[team_id] if _live_in(g, view)]
    mine = {g.metric for g in live}
    report = reports.team_report(
        session, workspace_id, team, view, at, fiscal_year_start_month=fiscal_start,
        members=reads.members[team_id], goal_rows=live, time_off=_overlapping(reads.time_off[team_id], view),
        totals={key: total for key, total in reads.totals.get(team_id, {}).items() if key[1] in mine},
    )  # fmt: skip
    return TeamWeek(
        workspace_id=workspace_id,
        team=team,
        local=local_instant(team, at),
        view=view,
        facts=reports.team_facts(team, None, at, fiscal_start),
        report=report,
        catalog=catalog,
        members=tuple(reads.members[team_id]),
        history_start=reads.first,
        goal_rows=tuple(reads.goal_rows[team_id]),
        time_off=reads.time_off[team_id],
    )


def _everyone(region: RegionWeek, team_ids: Iterable[int]) -> list[StoredRow]:
    rows = [m for t in team_ids for m in region.reads.members.get(t, ())]
    return sorted(rows, key=lambda m: (m.name.lower(), m.id))


def _merged_off(region: RegionWeek, team_ids: Iterable[int]) -> dict[int, list[tuple[date, date]]]:
    found: dict[int, list[tuple[date, date]]] = {}
    for team_id in team_ids:
        found.update(region.reads.time_off.get(team_id, {}))
    return found


def region_team_weeks(session: ReadSession, region: RegionWeek) -> dict[int, TeamWeek]:
    """team id → the week of each team of the region (the region first, in outline order),
    all for the region's week: a team without sub-teams exactly as its own jobs read it; a
    team with sub-teams with everyone below it as members (its all-or-nothing goals and
    team totals count them all) but its own members' goals only. So every goal of everyone
    below is in exactly one of them, judged on its own team's calendar."""
    reads = region.reads
    found = {}
    for team_id in region.team_ids:
        team = region.teams[team_id]
        if not region.tree.has_children(team_id):
            found[team_id] = _team_week(session, region.workspace_id, team, region.at, region.fiscal_year_start_month,
                                        region.catalog, reads)  # fmt: skip
            continue
        below = tuple(t for t in region.tree.subtree(team_id) if t in region.teams)
        direct = {m.id for m in reads.members.get(team_id, ())}
        rows = tuple(
            g for g in reads.goal_rows.get(team_id, ())
            if (g.person_id is None and g.team_id == team_id) or g.person_id in direct
        )  # fmt: skip
        live = [g for g in rows if _live_in(g, reads.view)]
        mine = {g.metric for g in live}
        members = _everyone(region, below)
        off = _merged_off(region, below)
        totals = {
            key: total
            for t in below
            for key, total in reads.totals.get(t, {}).items()
            if key[1] in mine
        }
        report = reports.team_report(
            session, region.workspace_id, team, reads.view, region.at,
            fiscal_year_start_month=region.fiscal_year_start_month, members=members, goal_rows=live,
            time_off=_overlapping(off, reads.view), totals=totals, team_ids=list(below),
        )  # fmt: skip
        found[team_id] = TeamWeek(
            workspace_id=region.workspace_id,
            team=team,
            local=local_instant(team, region.at),
            view=reads.view,
            facts=reports.team_facts(team, None, region.at, region.fiscal_year_start_month),
            report=report,
            catalog=region.catalog,
            members=tuple(members),
            history_start=reads.first,
            goal_rows=rows,
            time_off=off,
            team_ids=below,
        )
    return found


def region_rollup(session: ReadSession, region: RegionWeek) -> TeamWeek:
    """The region's week as one team of everyone below it: bot.services.reports.rollup_report (the
    region's own goals count everyone below; each person's own goals are judged on their
    own team's calendar), from what the load read."""
    reads = region.reads
    ids = region.team_ids
    scope = reports.Scope(region.team, ids, region.tree)
    data = reports.ScopeData(
        teams=region.teams,
        members={t: reads.members.get(t, []) for t in ids},
        goal_rows={
            t: [g for g in reads.goal_rows.get(t, ()) if _live_in(g, reads.view)] for t in ids
        },
        time_off={t: _overlapping(reads.time_off.get(t, {}), reads.view) for t in ids},
        totals={t: reads.totals.get(t, {}) for t in ids},
    )
    report = reports.rollup_report(
        session, region.workspace_id, scope, reads.view, region.at,
        fiscal_year_start_month=region.fiscal_year_start_month, data=data,
    )  # fmt: skip
    return TeamWeek(
        workspace_id=region.workspace_id,
        team=region.team,
        local=region.local,
        view=reads.view,
        facts=region.facts,
        report=report,
        catalog=region.catalog,
        members=tuple(_everyone(region, ids)),
        history_start=reads.first,
        goal_rows=tuple(reads.goal_rows.get(region.team.id or 0, ())),
        time_off=_merged_off(region, ids),
        team_ids=ids,
    )


def region_board(region: RegionWeek, metric: str) -> list[TeamRow]:
    """bot.services.reports.team_board for the region's direct sub-teams (each counting everyone
    below it; `standing` its own team goal of `metric`), from what the load read: the
    totals of `metric` must have been read (a metric of a goal of the region)."""
    reads, tree, view = region.reads, region.tree, region.view
    found = []
    for team_id in [n.id for n in tree.children(region.team.id) if n.id in region.teams]:
        below = [t for t in tree.subtree(team_id) if t in region.teams]
        people = sum(len(reads.members.get(t, ())) for t in below)
        total = sum(
            v for t in below for (_, m), v in reads.totals.get(t, {}).items() if m == metric
        )
        team = region.teams[team_id]
        specs = [
            reports.goal_spec(g) for g in reads.goal_rows.get(team_id, ())
            if g.kind == "team" and g.metric == metric and g.team_id == team_id and _live_in(g, view)
        ]  # fmt: skip
        facts = reports.team_facts(team, None, region.at, region.fiscal_year_start_month)
        found.append(team_row(team_id, team.name, total, people, specs, view, facts))
    return found


def _live_in(goal: StoredRow, view: Period) -> bool:
    """The test storage.goals.rows_for_team applies in SQL, for rows read over a longer
    span (removed goals are never read)."""
    return goal.start <= view.end and (goal.end is None or goal.end >= view.start)


def _overlapping(
    off: dict[int, list[tuple[date, date]]], view: Period
) -> dict[int, list[tuple[date, date]]]:
    """The time off storage.aggregations.team_time_off gives for the view alone."""
    found = {
        pid: [(s, e) for s, e in spans if s <= view.end and e >= view.start]
        for pid, spans in off.items()
    }
    return {pid: spans for pid, spans in found.items() if spans}


def team_tree(session: ReadSession, workspace_id: int) -> TeamTree:
    """Every team of the workspace with its parent (one statement)."""
    return teams.tree(session, workspace_id)


def managers_of_teams(
    session: ReadSession, workspace_id: int, team_ids: list[int]
) -> dict[int, list[Person]]:
    """team id → its managers by name, for several teams in one statement."""
    return teams.managers_of_teams(session, workspace_id, team_ids)


@dataclass(frozen=True)
class TeamsDay:
    """What the teams of one local day read for a log reminder, per team id: the members
    (with what a DM needs), their time off that day and who of them logged anything."""

    members: Mapping[int, list[StoredRow]]
    time_off: Mapping[int, dict[int, list[tuple[date, date]]]]
    logged: Mapping[int, set[int]]


def teams_day(session: ReadSession, workspace_id: int, team_ids: list[int], day: date) -> TeamsDay:
    """Three statements for all the teams, whatever their size."""
    members = history.members_of_teams(session, workspace_id, team_ids)
    off = aggregations.teams_time_off(session, workspace_id, team_ids, day, day)
    logged = history.who_logged_in_teams(session, workspace_id, team_ids, day)
    return TeamsDay(members, off, logged)


# (week start, team id, person id, goal id) → weeks behind in a row: a team's goals may be
# read for two weeks in one build (its own, and a region's in another zone).
Streaks = dict[tuple[date, int, int, int], int]


def behind_streaks(
    session: ReadSession,
    workspace_id: int,
    lagging: list[tuple[TeamWeek, dict[int, list[Standing]]]],
) -> Streaks:
    """Weeks behind in a row over the last LOOKBACK_WEEKS weeks for every flagged goal
    (`lagging`: each team's week, person id → their flagged goals), from the goals and time
    off load_weeks read from the first of them on, and one statement of weekly totals per
    distinct week of the teams (a team read with everyone below it counts their totals)."""
    by_view: dict[Period, list[tuple[TeamWeek, dict[int, list[Standing]]]]] = defaultdict(list)
    for week, found in lagging:
        by_view[week.view].append((week, found))
    streaks: Streaks = {}
    for view, group in by_view.items():
        weeks = previous_weeks(view)
        flagged_metrics = {
            s.goal.metric for _, found in group for standings in found.values() for s in standings
        }
        by_team = history.teams_weekly_totals(
            session,
            workspace_id,
            [t for week, _ in group for t in week.counted_ids],
            flagged_metrics,
            [(w.start, w.end) for w in weeks],
        )
        for week, found in group:
            assert week.history_start <= weeks[-1].start, (
                "load_weeks must read the weeks the streaks look at"
            )
            team_id = week.team.id or 0
            totals = {
                (pid, metric, weeks[index].start): total
                for counted_id in week.counted_ids
                for (pid, metric, index), total in by_team[counted_id].items()
            }
            specs = [reports.goal_spec(g) for g in week.goal_rows]
            people = {m.id: reports.person_facts(m, week.time_off.get(m.id)) for m in week.members}
            for pid, standings in found.items():
                person = people.get(pid)
                for standing in standings:
                    # Someone who left the team between two statements: no history, this week only.
                    streaks[(view.start, team_id, pid, standing.goal.id)] = (
                        weeks_behind(standing, person, specs, weeks, totals, week.facts)
                        if person
                        else 1
                    )
    return streaks
