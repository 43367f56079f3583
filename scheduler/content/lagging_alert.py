"""The lagging-rep alert (SPEC §5): a DM to each of a team's managers naming the reps behind
or at risk this week, with the gap to pace, what they need per day and how many weeks in a
row they have been behind; a short all-clear when nobody is."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy.orm import Session

from bot.core.pace import PaceStatus
from bot.core.standings import Standing
from bot.core.streaks import is_lagging, previous_weeks, weeks_behind
from bot.render.lagging_alert import LaggingGoal, LaggingRep, alert_message, all_clear_message
from bot.reports import goal_spec, person_facts
from scheduler.content.gather import (
    TeamWeek,
    active,
    load_team_week,
    reachable,
    standings_by_person,
    week_of,
)
from scheduler.messages import Message
from storage import history, teams
from storage.models import Team


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


def build(session: Session, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    assert team.id is not None
    managers = [m for m in teams.managers(session, workspace_id, team.id) if reachable(m)]
    if not managers:
        return []
    week = load_team_week(session, workspace_id, team, at, history_start=_history_start(team, at))
    counted = {m.id for m in week.members if active(m)}
    by_person = {pid: found for pid, found in standings_by_person(week.report).items() if pid in counted}
    days_left = week.team_days_left()
    lagging = {pid: sorted((s for s in found if flagged(s, days_left)), key=urgency) for pid, found in by_person.items()}
    lagging = {pid: found for pid, found in lagging.items() if found}
    if lagging:
        streaks = _streaks(session, week, [s for found in lagging.values() for s in found])
        reps = sorted(
            (
                LaggingRep(pid, week.report.member_names.get(pid, "?"), tuple(LaggingGoal(s, streaks[(pid, s.goal.id)]) for s in found))
                for pid, found in lagging.items()
            ),
            key=lambda rep: (urgency(rep.goals[0].standing)[:2], rep.name.casefold(), rep.person_id),
        )
        text, blocks = alert_message(team.name, week.view, week.today, reps, week.catalog)
    else:
        with_goals = sum(1 for found in by_person.values() if any(not s.pace.nothing_to_do for s in found))
        text, blocks = all_clear_message(team.name, week.view, week.today, with_goals)
    return [Message(manager.slack_user_id or "", text, tuple(blocks)) for manager in managers]


def _history_start(team: Team, at: datetime) -> date:
    return previous_weeks(week_of(team, at))[-1].start


def _streaks(session: Session, week: TeamWeek, found: Iterable[Standing]) -> dict[tuple[int, int], int]:
    """(person id, goal id) → weeks behind in a row over the last LOOKBACK_WEEKS weeks,
    from the goals and time off load_team_week read from the first of them on, and one
    statement of weekly totals."""
    found = list(found)
    team_id = week.team.id
    assert team_id is not None
    weeks = previous_weeks(week.view)
    assert week.history_start <= weeks[-1].start, "load_team_week must read the weeks the streaks look at"
    specs = [goal_spec(g) for g in week.goal_rows]
    by_index = history.weekly_totals(
        session, week.workspace_id, team_id, {s.goal.metric for s in found}, [(w.start, w.end) for w in weeks]
    )
    totals = {(pid, metric, weeks[index].start): total for (pid, metric, index), total in by_index.items()}
    people = {m.id: person_facts(m, week.time_off.get(m.id)) for m in week.members}
    streaks = {}
    for standing in found:
        person = people.get(standing.owner_id or 0)
        # Someone who left the team between two statements: no history, this week only.
        streaks[(standing.owner_id or 0, standing.goal.id)] = (
            weeks_behind(standing, person, specs, weeks, totals, week.facts) if person else 1
        )
    return streaks
