"""What every job reads about a team for the week it runs in: the team-local week of the
run's instant, the pace engine's report for that week, the workspace's metrics and the
members' Slack reachability. A fixed number of statements whatever the team's size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import reports
from bot.clock import zone
from bot.core.calendars import normal_days
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import Standing, TeamFacts, TeamStandings
from bot.core.streaks import previous_weeks
from storage import goals, history, metrics, standings
from storage.models import Person, Team


def local_instant(team: Team, at: datetime) -> datetime:
    """The run's instant on the team's wall clock (daylight saving included)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a job's instant must be timezone-aware")
    return at.astimezone(zone(team.tz))


def week_of(team: Team, at: datetime, fiscal_year_start_month: int = 1) -> Period:
    """The Monday–Sunday week, in the team's zone, that contains `at`."""
    return Period.containing(PeriodKind.WEEK, local_instant(team, at).date(), fiscal_year_start_month)


def reachable(person: Person | sa.Row) -> bool:
    """Someone a DM can go to: a Slack user who is neither deactivated nor a bot."""
    return bool(person.slack_user_id) and not person.is_bot and not person.deactivated


def active(person: Person | sa.Row) -> bool:
    """Someone whose numbers count in a manager's view (imported people without a Slack
    account included, people who left or bots not)."""
    return not person.is_bot and not person.deactivated


@dataclass(frozen=True)
class TeamWeek:
    workspace_id: int
    team: Team
    local: datetime  # the run's instant, team-local
    view: Period
    facts: TeamFacts
    report: TeamStandings
    catalog: MetricCatalog
    members: tuple[sa.Row, ...]  # storage.history.team_members rows, by name
    # From `history_start` (the start of the lookback weeks) to the view's end: the team's
    # goals (storage.goals.rows_for_team rows) and its members' time off, for jobs that look
    # at past weeks too.
    history_start: date
    goal_rows: tuple[sa.Row, ...]
    time_off: dict[int, list[tuple[date, date]]]

    @property
    def today(self) -> date:
        return self.local.date()

    def team_days_left(self) -> int:
        """The team's working days in the week from today on (today included)."""
        return sum(1 for day in normal_days(self.view, self.facts.calendar) if day >= self.today)


def load_team_weeks(
    session: Session, workspace_id: int, chosen: Sequence[Team], at: datetime, lookback_weeks: int = 0
) -> dict[int, TeamWeek]:
    """team id → that team's week as of `at`, for teams the scheduler fires together: one
    statement per question for all of them (per distinct week, when their zones put `at`
    in different weeks), whatever the number of teams and reps. With `lookback_weeks`,
    goals and time off are read from the start of that many weeks before, in the same
    statements as the week's own."""
    fiscal_start, custom = metrics.fiscal_month_and_custom_metrics(session, workspace_id)
    catalog = MetricCatalog.with_custom(custom)
    by_view: dict[Period, list[Team]] = defaultdict(list)
    for team in chosen:
        by_view[week_of(team, at, fiscal_start)].append(team)
    found: dict[int, TeamWeek] = {}
    for view, group in by_view.items():
        first = previous_weeks(view, lookback_weeks)[-1].start if lookback_weeks else view.start
        ids = [team.id for team in group if team.id is not None]
        members = history.members_of_teams(session, workspace_id, ids)
        goal_rows = goals.rows_for_teams(session, workspace_id, ids, first, view.end)
        off = standings.teams_time_off(session, workspace_id, ids, first, view.end)
        live = {team_id: [g for g in rows if _live_in(g, view)] for team_id, rows in goal_rows.items()}
        wanted = {team_id: {g.metric for g in rows} for team_id, rows in live.items()}
        every_metric = set().union(*wanted.values())
        totals = standings.teams_totals(session, workspace_id, ids, every_metric, view.start, view.end) if every_metric else {}
        for team in group:
            assert team.id is not None
            mine = wanted[team.id]
            report = reports.team_report(
                session, workspace_id, team, view, at, fiscal_year_start_month=fiscal_start,
                members=members[team.id], goal_rows=live[team.id], time_off=_overlapping(off[team.id], view),
                totals={key: total for key, total in totals.get(team.id, {}).items() if key[1] in mine},
            )  # fmt: skip
            found[team.id] = TeamWeek(
                workspace_id=workspace_id,
                team=team,
                local=local_instant(team, at),
                view=view,
                facts=reports.team_facts(team, None, at, fiscal_start),
                report=report,
                catalog=catalog,
                members=tuple(members[team.id]),
                history_start=first,
                goal_rows=tuple(goal_rows[team.id]),
                time_off=off[team.id],
            )
    return found


def _live_in(goal: sa.Row, view: Period) -> bool:
    """The test storage.goals.rows_for_team applies in SQL, for rows read over a longer
    span (removed goals are never read)."""
    return goal.start <= view.end and (goal.end is None or goal.end >= view.start)


def _overlapping(off: dict[int, list[tuple[date, date]]], view: Period) -> dict[int, list[tuple[date, date]]]:
    """The time off storage.standings.team_time_off gives for the view alone."""
    found = {pid: [(s, e) for s, e in spans if s <= view.end and e >= view.start] for pid, spans in off.items()}
    return {pid: spans for pid, spans in found.items() if spans}


def standings_by_person(report: TeamStandings) -> dict[int, list[Standing]]:
    """Each member's goals in the report: their own (individual and ramp) goals first, then
    their part of each all-or-nothing goal, in goal order."""
    found: dict[int, list[Standing]] = defaultdict(list)
    for standing in _person_standings(report):
        if standing.owner_id is not None:
            found[standing.owner_id].append(standing)
    return dict(found)


def _person_standings(report: TeamStandings) -> Iterable[Standing]:
    yield from report.members
    for collective in report.collectives:
        yield from collective.members
