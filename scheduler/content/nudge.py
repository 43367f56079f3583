"""The mid-week nudge (SPEC §5): a DM to each member with a goal this week — each goal's
status, what it takes per day, and one line of encouragement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.render.nudge import nudge_message
from bot.services.records import Team
from bot.services.reports import display_name
from bot.services.team_weeks import ReadSession, TeamWeek, load_team_weeks
from scheduler.content.gather import reachable, standings_by_person
from scheduler.messages import Message


def build_many(
    session: ReadSession, workspace_id: int, chosen: Sequence[Team], at: datetime
) -> dict[int, list[Message]]:
    """team id → the team's nudges, for teams the scheduler fires together."""
    return {
        team_id: nudges(week)
        for team_id, week in load_team_weeks(session, workspace_id, chosen, at).items()
    }


def build(session: ReadSession, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    assert team.id is not None
    return build_many(session, workspace_id, [team], at)[team.id]


def nudges(week: TeamWeek) -> list[Message]:
    by_person = standings_by_person(week.report)
    messages = []
    for member in week.members:
        if not reachable(member):
            continue
        # A goal with no available day this week (time off all week, not started yet) owes
        # nothing: nudging about it would only be noise.
        goals = [s for s in by_person.get(member.id, []) if not s.pace.nothing_to_do]
        if not goals:
            continue
        text, blocks = nudge_message(
            display_name(member), week.team.name, goals, week.catalog, week.view, week.today
        )
        messages.append(Message(member.slack_user_id, text, tuple(blocks)))
    return messages
