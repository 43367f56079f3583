"""Loads what the standings engine needs from storage, in a fixed number of statements,
and hands back standings. Shared by handlers and the scheduler (which must not import
each other)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
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
    TeamStandings,
    goal_lines,
    line_key,
    person_standing,
    team_standings,
)
from storage import entries, goals, standings, teams, workspaces
from storage.models import Goal, Person, Team

PERSON_GOAL_KINDS = ("individual", "ramp", "collective")


def display_name(person: Person | sa.Row) -> str:
    return person.display_name or person.real_name or person.name


def goal_spec(goal: Goal | sa.Row) -> GoalSpec:
    assert goal.id is not None
    return GoalSpec(
        id=goal.id,
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


def team_facts(team: Team | None, fallback_tz: str | None, now: datetime, fiscal_year_start_month: int = 1) -> TeamFacts:
    """A team's calendar and today; people outside any team get Mon–Fri in their own zone."""
    if team is None:
        return TeamFacts(WorkCalendar(), now.astimezone(zone(fallback_tz)).date(), fiscal_year_start_month=fiscal_year_start_month)
    return TeamFacts(
        calendar=WorkCalendar(workweek=decode_days(team.workweek) or (0, 1, 2, 3, 4), country=team.holidays_country),
        today=now.astimezone(zone(team.tz)).date(),
        thresholds=PaceThresholds(team.threshold_ahead, team.threshold_on_pace, team.threshold_behind),
        fiscal_year_start_month=fiscal_year_start_month,
    )


def person_facts(person: Person | sa.Row, time_off: list[tuple[date, date]] | None = None) -> PersonFacts:
    assert person.id is not None
    return PersonFacts(person.id, display_name(person), person.start_date, tuple(time_off or ()))


def person_report(
    session: Session, workspace_id: int, person: Person, team: Team | None, view: Period, now: datetime
) -> list[Standing]:
    """A person's goals in the view: their own, ramps, and their part of collective goals."""
    assert person.id is not None
    own = goals.for_person(session, workspace_id, person.id, view.start, view.end)
    shared = goals.for_teams_of(session, workspace_id, [team.id], view.start, view.end) if team else []
    specs = [goal_spec(g) for g in own + [g for g in shared if g.kind == "collective"]]
    if not specs:
        return []
    facts = team_facts(team, person.tz, now, workspaces.fiscal_year_start_month(session, workspace_id))
    off = standings.time_off_by_person(session, workspace_id, [person.id], view.start, view.end).get(person.id, [])
    totals = entries.totals(session, workspace_id, person.id, {s.metric for s in specs}, view.start, view.end)
    me = person_facts(person, off)
    return [person_standing(line, me, view, facts, totals[line[0].metric]) for line in goal_lines(specs)]


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
    goal_rows: Sequence[sa.Row] | None = None,
    time_off: Mapping[int, list[tuple[date, date]]] | None = None,
    totals: Mapping[tuple[int, str], int] | None = None,
) -> TeamStandings:
    """Everything about a team in a view, in a fixed number of statements. `extra_metrics`
    are totalled in the same query as the goals' metrics (a leaderboard's metric). A caller
    that has already read the workspace's fiscal-year month, the members, the goals live in
    the view, the time off overlapping it or the members' totals in the view (of every
    metric of those goals) passes them, and saves those statements."""
    assert team.id is not None
    if members is None:
        members = teams.member_rows(session, workspace_id, team.id)
    if goal_rows is None:
        goal_rows = goals.rows_for_team(session, workspace_id, team.id, view.start, view.end)
    specs = [goal_spec(g) for g in goal_rows]
    if fiscal_year_start_month is None:
        fiscal_year_start_month = workspaces.fiscal_year_start_month(session, workspace_id)
    facts = team_facts(team, None, now, fiscal_year_start_month)
    metrics = {s.metric for s in specs} | set(extra_metrics)
    if totals is None:
        totals = standings.team_totals(session, workspace_id, team.id, metrics, view.start, view.end) if metrics else {}
    off = time_off if time_off is not None else standings.team_time_off(session, workspace_id, team.id, view.start, view.end)
    contest_totals = {}
    for spec in specs:
        if spec.kind == "contest" and spec.live_in(view) and (spec.start, spec.end) != (view.start, view.end):
            contest_totals[spec.id] = standings.team_totals(
                session, workspace_id, team.id, [spec.metric], spec.start, spec.end or spec.start
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


def log_reply_standings(
    session: Session, workspace_id: int, person: Person, metrics: list[str], day: date, now: datetime
) -> dict[str, Standing]:
    """For a /log reply: per logged metric, the first live goal covering `day`, seen in the
    goal's own period (a weekly goal shows the week, a monthly one the month)."""
    assert person.id is not None
    team = teams.team_of(session, workspace_id, person.id)
    # Every version live within a year either side: the goal's own period (up to a fiscal
    # year containing `day`) may hold versions that are not in force on `day` itself.
    first, last = day - timedelta(days=366), day + timedelta(days=366)
    own = goals.for_person(session, workspace_id, person.id, first, last)
    shared = goals.for_teams_of(session, workspace_id, [team.id], first, last) if team else []
    specs = [goal_spec(g) for g in own + [g for g in shared if g.kind == "collective"]]
    chosen: dict[str, GoalSpec] = {}
    for spec in specs:
        covers = spec.start <= day and (spec.end is None or spec.end >= day)
        if covers and spec.metric in metrics and spec.metric not in chosen:
            chosen[spec.metric] = spec
    if not chosen:
        return {}
    facts = team_facts(team, person.tz, now, workspaces.fiscal_year_start_month(session, workspace_id))
    found = {}
    for metric, spec in chosen.items():
        view = Period.containing(spec.period_kind, day, facts.fiscal_year_start_month)
        versions = [s for s in specs if line_key(s) == line_key(spec) and s.live_in(view)]
        off = standings.time_off_by_person(session, workspace_id, [person.id], view.start, view.end).get(person.id, [])
        total = entries.totals(session, workspace_id, person.id, [metric], view.start, view.end)[metric]
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
