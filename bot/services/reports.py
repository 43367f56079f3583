"""The read model: loads what the standings engine needs from storage, in a fixed number of
statements, and hands back standings. Every figure a person sees comes from here: /progress,
/leaderboard, exports, App Home, /log replies and the scheduled posts (bot.services.progress,
leaderboards, exports, home, team_weeks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import zone
from bot.core.calendars import WorkCalendar
from bot.core.pace import PaceThresholds
from bot.core.periods import Period, PeriodKind
from bot.core.schedules import decode_days
from bot.core.standings import (
    GoalSpec,
    PersonFacts,
    Standing,
    TeamFacts,
    TeamRow,
    TeamStandings,
    goal_lines,
    line_key,
    person_standing,
    team_row,
    team_standings,
)
from bot.core.team_tree import COMPANY_ID, COMPANY_WORDS, TeamTree
from storage import aggregations, entries, goals, teams, workspaces
from storage.db import Database
from storage.models import Goal, Person, Team
from storage.rows import persisted_id

PERSON_GOAL_KINDS = ("individual", "ramp", "collective")


def fiscal_year_start(db: Database, workspace_id: int) -> int:
    """The workspace's first month of the fiscal year, read on its own: a command needs it
    to read the period it is asked about ("this quarter") before it reports on it."""
    with db.read() as session:
        return workspaces.fiscal_year_start_month(session, workspace_id)


def display_name(person: Person | sa.Row) -> str:
    return person.display_name or person.real_name or person.name


def goal_spec(goal: Goal | sa.Row) -> GoalSpec:
    return GoalSpec(
        id=persisted_id(goal),
        kind=goal.kind,
        metric=goal.metric,
        period_kind=PeriodKind(goal.period_kind),
        target=goal.target,
        start=goal.start,
        end=goal.end,
        person_id=goal.person_id,
        team_id=goal.team_id,
        stretch_pct=goal.stretch_pct,
        weights=tuple(Decimal(w) for w in goal.weights.split(",")) if goal.weights else None,
        ramp_last=goal.ramp_last,
        ramp_step=goal.ramp_step,
        reward=goal.reward,
        prize=goal.prize,
    )


def team_facts(
    team: Team | None, fallback_tz: str | None, now: datetime, fiscal_year_start_month: int = 1
) -> TeamFacts:
    """A team's calendar and today; people outside any team get Mon–Fri in their own zone."""
    if team is None:
        return TeamFacts(
            WorkCalendar(),
            now.astimezone(zone(fallback_tz)).date(),
            fiscal_year_start_month=fiscal_year_start_month,
        )
    return TeamFacts(
        calendar=WorkCalendar(
            workweek=decode_days(team.workweek) or (0, 1, 2, 3, 4), country=team.holidays_country
        ),
        today=now.astimezone(zone(team.tz)).date(),
        thresholds=PaceThresholds(
            team.threshold_ahead, team.threshold_on_pace, team.threshold_behind
        ),
        fiscal_year_start_month=fiscal_year_start_month,
    )


def person_facts(
    person: Person | sa.Row, time_off: list[tuple[date, date]] | None = None
) -> PersonFacts:
    return PersonFacts(
        persisted_id(person), display_name(person), person.start_date, tuple(time_off or ())
    )


def person_report(
    session: Session,
    workspace_id: int,
    person: Person,
    team: Team | None,
    view: Period,
    now: datetime,
) -> list[Standing]:
    """A person's goals in the view: their own, ramps, and their part of collective goals."""
    person_id = persisted_id(person)
    own = goals.for_person(session, workspace_id, person_id, view.start, view.end)
    shared = (
        goals.for_teams_of(session, workspace_id, [persisted_id(team)], view.start, view.end)
        if team
        else []
    )
    specs = [goal_spec(g) for g in own + [g for g in shared if g.kind == "collective"]]
    if not specs:
        return []
    facts = team_facts(
        team, person.tz, now, workspaces.fiscal_year_start_month(session, workspace_id)
    )
    off = aggregations.time_off_by_person(
        session, workspace_id, [person_id], view.start, view.end
    ).get(person_id, [])
    totals = entries.totals(
        session, workspace_id, person_id, {s.metric for s in specs}, view.start, view.end
    )
    me = person_facts(person, off)
    return [
        person_standing(line, me, view, facts, totals[line[0].metric]) for line in goal_lines(specs)
    ]


def team_report(
    session: Session,
    workspace_id: int,
    team: Team,
    view: Period,
    now: datetime,
    extra_metrics: tuple[str, ...] = (),
    fiscal_year_start_month: int | None = None,
    *,
    members: Sequence[sa.Row] | None = None,
    goal_rows: Sequence[Goal | sa.Row] | None = None,
    time_off: Mapping[int, list[tuple[date, date]]] | None = None,
    totals: Mapping[tuple[int, str], int] | None = None,
    team_ids: Sequence[int] | None = None,
) -> TeamStandings:
    """Everything about a team in a view, in a fixed number of statements. `extra_metrics`
    are totalled in the same query as the goals' metrics (a leaderboard's metric). A caller
    that has already read the workspace's fiscal-year month, the members, the goals live in
    the view, the time off overlapping it or the members' totals in the view (of every
    metric of those goals) passes them, and saves those statements. `team_ids`: the teams
    whose members a roll-up counts (a contest of its own period reads their totals)."""
    team_id = persisted_id(team)
    if members is None:
        members = teams.member_rows(session, workspace_id, team_id)
    if goal_rows is None:
        goal_rows = goals.rows_for_team(session, workspace_id, team_id, view.start, view.end)
    specs = [goal_spec(g) for g in goal_rows]
    if fiscal_year_start_month is None:
        fiscal_year_start_month = workspaces.fiscal_year_start_month(session, workspace_id)
    facts = team_facts(team, None, now, fiscal_year_start_month)
    metrics = {s.metric for s in specs} | set(extra_metrics)
    if totals is None:
        totals = (
            aggregations.team_totals(session, workspace_id, team_id, metrics, view.start, view.end)
            if metrics
            else {}
        )
    off = (
        time_off
        if time_off is not None
        else aggregations.team_time_off(session, workspace_id, team_id, view.start, view.end)
    )
    contest_totals = {}
    for spec in specs:
        if (
            spec.kind == "contest"
            and spec.live_in(view)
            and (spec.start, spec.end) != (view.start, view.end)
        ):
            end = spec.end or spec.start
            if team_ids is None:
                contest_totals[spec.id] = aggregations.team_totals(
                    session, workspace_id, team_id, [spec.metric], spec.start, end
                )
            else:
                contest_totals[spec.id] = _merged(
                    aggregations.teams_totals(
                        session, workspace_id, team_ids, [spec.metric], spec.start, end
                    )
                )
    return team_standings(
        team_name=team.name,
        view=view,
        team=facts,
        goals=specs,
        members=[person_facts(p, off.get(p.id)) for p in members],
        totals=totals,
        contest_totals=contest_totals,
    )


# --- roll-ups: a team and everything below it, or the whole company ---------------------------


@dataclass(frozen=True)
class Scope:
    """Whose numbers a view covers: `team` (a stored team, or the company's pseudo-team) and
    the teams whose members count, the team first (one team: a plain team view)."""

    team: Team
    team_ids: tuple[int, ...]
    tree: TeamTree

    @property
    def is_company(self) -> bool:
        return self.team.id == COMPANY_ID

    @property
    def is_rollup(self) -> bool:
        return self.is_company or len(self.team_ids) > 1

    @property
    def label(self) -> str:
        return "the company" if self.is_company else f"team {self.team.name}"


def is_company_name(session: Session, workspace_id: int, name: str) -> bool:
    """`all`, or the workspace's own name, names the company (unless a team has that name)."""
    key = name.strip().lower()
    if key in COMPANY_WORDS:
        return True
    workspace_name = workspaces.name_of(session, workspace_id)
    if not workspace_name:
        return False
    return key == workspace_name.strip().lower()


# The company's name in a workspace whose own name is unknown.
COMPANY_NAME = "the company"


def company_team(session: Session, workspace_id: int, tree: TeamTree) -> Team:
    """The company as a team that is never stored: no goals of its own; its day is the one of
    the time zone most of its teams use."""
    name = workspaces.name_of(session, workspace_id) or COMPANY_NAME
    return teams.unsaved_team(
        COMPANY_ID, workspace_id, name, "all", tree.main_zone(), datetime(1970, 1, 1, tzinfo=UTC)
    )


def team_scope(
    session: Session, workspace_id: int, team: Team, tree: TeamTree | None = None
) -> Scope:
    tree = tree or teams.tree(session, workspace_id)
    if team.id == COMPANY_ID:
        return Scope(team, tuple(t for _, t in tree.outline()), tree)
    team_id = persisted_id(team)
    return Scope(team, tuple(tree.subtree(team_id)) or (team_id,), tree)


def company_scope(session: Session, workspace_id: int) -> Scope:
    tree = teams.tree(session, workspace_id)
    return team_scope(session, workspace_id, company_team(session, workspace_id, tree), tree)


def _merged(by_team: Mapping[int, Mapping]) -> dict:
    found: dict = {}
    for part in by_team.values():
        for key, value in part.items():
            if isinstance(value, list):
                found.setdefault(key, []).extend(value)
            else:
                found[key] = found.get(key, 0) + value
    return found


@dataclass(frozen=True)
class ScopeData:
    """What a roll-up reads, in a fixed number of statements whatever the number of teams
    and people: each team's row, members, goals live in the view, time off and totals."""

    teams: Mapping[int, Team]
    members: Mapping[int, Sequence[sa.Row]]
    goal_rows: Mapping[int, Sequence[sa.Row]]
    time_off: Mapping[int, Mapping[int, list[tuple[date, date]]]]
    totals: Mapping[int, Mapping[tuple[int, str], int]]


def load_scope(
    session: Session,
    workspace_id: int,
    scope: Scope,
    view: Period,
    metrics: Sequence[str] = (),
    only_metric: str | None = None,
) -> ScopeData:
    """`metrics` are totalled besides the goals' metrics; with `only_metric`, goals of other
    metrics are left out (a leaderboard of one metric)."""
    ids = [t for t in scope.team_ids if t != COMPANY_ID]
    rows = {persisted_id(t): t for t in teams.by_ids(session, workspace_id, ids)}
    if scope.is_company:
        rows[COMPANY_ID] = scope.team
    goal_rows = goals.rows_for_teams(session, workspace_id, ids, view.start, view.end)
    if only_metric is not None:
        goal_rows = {
            t: [g for g in found if g.metric == only_metric] for t, found in goal_rows.items()
        }
    wanted = set(metrics) | {g.metric for found in goal_rows.values() for g in found}
    return ScopeData(
        teams=rows,
        members=teams.member_rows_of_teams(session, workspace_id, ids),
        goal_rows=goal_rows,
        time_off=aggregations.teams_time_off(session, workspace_id, ids, view.start, view.end),
        totals=aggregations.teams_totals(session, workspace_id, ids, wanted, view.start, view.end)
        if wanted
        else {t: {} for t in ids},
    )


def rollup_report(
    session: Session,
    workspace_id: int,
    scope: Scope,
    view: Period,
    now: datetime,
    extra_metrics: tuple[str, ...] = (),
    fiscal_year_start_month: int | None = None,
    *,
    only_metric: str | None = None,
    data: ScopeData | None = None,
) -> TeamStandings:
    """A team and everything below it (or the company) as one report: the team's own goals
    (team totals, all-or-nothing, contests) count everyone below it; each person's own goals
    are judged on their own team's calendar, as their team's view judges them. Sub-teams'
    team goals are theirs (the `by team` board shows them), not the roll-up's."""
    if not scope.is_rollup:
        return team_report(
            session, workspace_id, scope.team, view, now, extra_metrics, fiscal_year_start_month
        )
    if fiscal_year_start_month is None:
        fiscal_year_start_month = workspaces.fiscal_year_start_month(session, workspace_id)
    data = data or load_scope(session, workspace_id, scope, view, extra_metrics, only_metric)
    root = persisted_id(scope.team)
    members: list[sa.Row] = []
    merged_totals: dict[tuple[int, str], int] = {}
    merged_off: dict[int, list[tuple[date, date]]] = {}
    people: list[Standing] = []
    names: dict[int, str] = {}
    for team_id in scope.team_ids:
        team = data.teams.get(team_id)
        if team is None or team_id == COMPANY_ID:
            continue
        own = [g for g in data.goal_rows.get(team_id, ()) if g.person_id is not None]
        part = team_report(
            session, workspace_id, team, view, now, fiscal_year_start_month=fiscal_year_start_month,
            members=data.members.get(team_id, ()), goal_rows=own, time_off=data.time_off.get(team_id, {}),
            totals=data.totals.get(team_id, {}),
        )  # fmt: skip
        members.extend(data.members.get(team_id, ()))
        merged_totals.update(data.totals.get(team_id, {}))
        merged_off.update(data.time_off.get(team_id, {}))
        people.extend(part.members)
        names.update(part.member_names)
    team_goals = (
        [g for g in data.goal_rows.get(root, ()) if g.person_id is None and g.team_id == root]
        if root != COMPANY_ID
        else []
    )
    top = team_report(
        session, workspace_id, scope.team, view, now, fiscal_year_start_month=fiscal_year_start_month,
        members=members, goal_rows=team_goals, time_off=merged_off, totals=merged_totals,
        team_ids=[t for t in scope.team_ids if t != COMPANY_ID],
    ) if team_goals else TeamStandings(view)  # fmt: skip
    return TeamStandings(
        view,
        top.team_totals,
        tuple(people),
        top.collectives,
        top.contests,
        dict(sorted(names.items(), key=lambda item: (item[1].lower(), item[0]))),
        merged_totals,
    )


def team_board(
    session: Session,
    workspace_id: int,
    scope: Scope,
    metric: str,
    view: Period,
    now: datetime,
    leaves: bool = False,
    fiscal_year_start_month: int | None = None,
) -> list[TeamRow]:
    """The sub-teams of the scope's team (the top-level teams for the company; every team
    without sub-teams below it with `leaves`), each with everything below it counted."""
    tree = scope.tree
    if leaves:
        chosen = tree.leaves(None if scope.is_company else scope.team.id)
    else:
        chosen = [n.id for n in tree.children(None if scope.is_company else scope.team.id)]
    if fiscal_year_start_month is None:
        fiscal_year_start_month = workspaces.fiscal_year_start_month(session, workspace_id)
    ids = sorted({t for c in chosen for t in tree.subtree(c)})
    rows = {t.id: t for t in teams.by_ids(session, workspace_id, chosen)}
    counts = teams.member_counts(session, workspace_id, ids)
    sums = aggregations.team_sums(session, workspace_id, ids, metric, view.start, view.end)
    team_goals = goals.team_goal_rows(session, workspace_id, chosen, metric, view.start, view.end)
    found = []
    for team_id in chosen:
        below = tree.subtree(team_id)
        team = rows[team_id]
        found.append(
            team_row(
                team_id,
                team.name,
                sum(sums.get(t, 0) for t in below),
                sum(counts.get(t, 0) for t in below),
                [goal_spec(g) for g in team_goals.get(team_id, ())],
                view,
                team_facts(team, None, now, fiscal_year_start_month),
            )  # fmt: skip
        )
    return found


def people_totals(
    session: Session, workspace_id: int, scope: Scope, metric: str, view: Period
) -> tuple[dict[int, tuple[int, sa.Row]], dict[int, int]]:
    """Everyone below the scope (person id → (their team id, row)) and their totals of one
    metric in the view: two statements whatever the number of teams and people."""
    ids = [t for t in scope.team_ids if t != COMPANY_ID]
    members = teams.member_rows_of_teams(session, workspace_id, ids)
    people = {row.id: (team_id, row) for team_id, rows in members.items() for row in rows}
    return people, aggregations.people_sums(
        session, workspace_id, ids, metric, view.start, view.end
    )


def shown_standings(
    session: Session,
    workspace_id: int,
    people: Mapping[int, tuple[int, sa.Row]],
    totals: Mapping[int, int],
    shown: Sequence[int],
    metric: str,
    view: Period,
    now: datetime,
    fiscal_year_start_month: int,
) -> dict[int, Standing]:
    """The standings of a few people of a roll-up (the rows a board shows) in one metric,
    each on their own team's calendar, as their team's view computes them."""
    chosen = [p for p in shown if p in people]
    own = [
        g
        for g in goals.for_people(session, workspace_id, chosen, view.start, view.end)
        if g.metric == metric
    ]
    if not own:
        return {}
    team_rows = {
        t.id: t for t in teams.by_ids(session, workspace_id, [people[p][0] for p in chosen])
    }
    off = aggregations.time_off_by_person(session, workspace_id, chosen, view.start, view.end)
    found: dict[int, Standing] = {}
    for team_id, team in team_rows.items():
        mine = [people[p][1] for p in chosen if people[p][0] == team_id]
        ids = {row.id for row in mine}
        part = team_report(
            session, workspace_id, team, view, now, fiscal_year_start_month=fiscal_year_start_month,
            members=mine, goal_rows=[g for g in own if g.person_id in ids],
            time_off={p: spans for p, spans in off.items() if p in ids},
            totals={(p, metric): totals.get(p, 0) for p in ids},
        )  # fmt: skip
        for standing in part.members:
            if standing.owner_id is not None and standing.goal.metric == metric:
                found.setdefault(standing.owner_id, standing)
    return found


def contest_prize(
    session: Session, workspace_id: int, scope: Scope, metric: str, view: Period
) -> str | None:
    """The prize of the scope's own contest of the metric live in the view, if any."""
    if scope.is_company or scope.team.id is None:
        return None
    for goal in goals.for_teams_of(session, workspace_id, [scope.team.id], view.start, view.end):
        if goal.kind == "contest" and goal.metric == metric:
            return goal.prize
    return None


def log_reply_standings(
    session: Session,
    workspace_id: int,
    person: Person,
    metrics: list[str],
    day: date,
    now: datetime,
) -> dict[str, Standing]:
    """For a /log reply: per logged metric, the first live goal covering `day`, seen in the
    goal's own period (a weekly goal shows the week, a monthly one the month)."""
    person_id = persisted_id(person)
    team = teams.team_of(session, workspace_id, person_id)
    # Every version live within a year either side: the goal's own period (up to a fiscal
    # year containing `day`) may hold versions that are not in force on `day` itself.
    first, last = day - timedelta(days=366), day + timedelta(days=366)
    own = goals.for_person(session, workspace_id, person_id, first, last)
    shared = (
        goals.for_teams_of(session, workspace_id, [persisted_id(team)], first, last) if team else []
    )
    specs = [goal_spec(g) for g in own + [g for g in shared if g.kind == "collective"]]
    chosen: dict[str, GoalSpec] = {}
    for spec in specs:
        covers = spec.start <= day and (spec.end is None or spec.end >= day)
        if covers and spec.metric in metrics and spec.metric not in chosen:
            chosen[spec.metric] = spec
    if not chosen:
        return {}
    facts = team_facts(
        team, person.tz, now, workspaces.fiscal_year_start_month(session, workspace_id)
    )
    found = {}
    for metric, spec in chosen.items():
        view = Period.containing(spec.period_kind, day, facts.fiscal_year_start_month)
        versions = [s for s in specs if line_key(s) == line_key(spec) and s.live_in(view)]
        off = aggregations.time_off_by_person(
            session, workspace_id, [person_id], view.start, view.end
        ).get(person_id, [])
        total = entries.totals(session, workspace_id, person_id, [metric], view.start, view.end)[
            metric
        ]
        found[metric] = person_standing(versions, person_facts(person, off), view, facts, total)
    return found


# --- figures without goals (App Home) ----------------------------------------------------------


def logged_figures(
    session: Session, workspace_id: int, person_id: int, metrics: list[str], view: Period
) -> dict[str, int]:
    """What a person logged in the view, per metric with activity (in `metrics`' order):
    the "Logged: …" figures `/progress` gives a person without goals, from the same totals."""
    found = entries.totals(session, workspace_id, person_id, metrics, view.start, view.end)
    return {metric: total for metric, total in found.items() if total}


def team_figures(report: TeamStandings, metrics: list[str]) -> dict[int, dict[str, int]]:
    """Each member's figures from a team report's totals — read in the report's one totals
    statement when it was built with `extra_metrics=metrics` (the sums `/progress export`
    gives). Members with no activity are left out; metrics keep `metrics`' order."""
    found: dict[int, dict[str, int]] = {}
    for person_id in report.member_names:
        mine = {m: report.totals.get((person_id, m), 0) for m in metrics}
        mine = {m: total for m, total in mine.items() if total}
        if mine:
            found[person_id] = mine
    return found
