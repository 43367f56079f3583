"""The log reminder (SPEC §5): a DM with a Log button to each member who has logged nothing
on the team-local day the job runs. Nobody is reminded on a day the team does not work, on
their own day off, or before their start date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import reports
from bot.render.nudge import log_reminder_message
from scheduler.content.gather import local_instant, reachable
from scheduler.messages import Message
from storage import history, standings
from storage.models import Team


def build(session: Session, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    assert team.id is not None
    day = local_instant(team, at).date()
    if not reports.team_facts(team, None, at).calendar.is_workday(day):
        return []
    members = [m for m in history.team_members(session, workspace_id, team.id) if reachable(m)]
    if not members:
        return []
    off = standings.team_time_off(session, workspace_id, team.id, day, day)
    logged = history.members_who_logged(session, workspace_id, team.id, day)
    text, blocks = log_reminder_message(day)
    return [
        Message(member.slack_user_id, text, tuple(blocks))
        for member in members
        if member.id not in logged
        and member.id not in off
        and (member.start_date is None or member.start_date <= day)
    ]
