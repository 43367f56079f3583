"""The mid-week nudge (SPEC §5): a DM to each member with a goal this week — each goal's
status, what it takes per day, and one line of encouragement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.render.nudge import nudge_message
from bot.reports import display_name
from scheduler.content.gather import load_team_week, reachable, standings_by_person
from scheduler.messages import Message
from storage.models import Team


def build(session: Session, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    week = load_team_week(session, workspace_id, team, at)
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
        text, blocks = nudge_message(display_name(member), team.name, goals, week.catalog, week.view, week.today)
        messages.append(Message(member.slack_user_id, text, tuple(blocks)))
    return messages
