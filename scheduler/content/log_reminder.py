"""The log reminder (SPEC §5): a DM with a Log button to each member who has logged nothing
on the team-local day the job runs. Nobody is reminded on a day the team does not work, on
their own day off, or before their start date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.render.nudge import log_reminder_message
from bot.services import reports
from scheduler.content.gather import local_instant, reachable
from scheduler.messages import Message
from storage import aggregations, history
from storage.models import Team


def build_many(session: Session, workspace_id: int, chosen: Sequence[Team], at: datetime) -> dict[int, list[Message]]:
    """team id → the team's reminders, for teams the scheduler fires together: one statement
    per question for all of them (per distinct local day)."""
    found: dict[int, list[Message]] = {team.id: [] for team in chosen if team.id is not None}
    by_day: dict[date, list[int]] = defaultdict(list)
    for team in chosen:
        day = local_instant(team, at).date()
        if team.id is not None and reports.team_facts(team, None, at).calendar.is_workday(day):
            by_day[day].append(team.id)
    for day, ids in by_day.items():
        members = history.members_of_teams(session, workspace_id, ids)
        off = aggregations.teams_time_off(session, workspace_id, ids, day, day)
        logged = history.who_logged_in_teams(session, workspace_id, ids, day)
        text, blocks = log_reminder_message(day)
        for team_id in ids:
            found[team_id] = [
                Message(member.slack_user_id, text, tuple(blocks))
                for member in members[team_id]
                if reachable(member)
                and member.id not in logged[team_id]
                and member.id not in off[team_id]
                and (member.start_date is None or member.start_date <= day)
            ]
    return found


def build(session: Session, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    assert team.id is not None
    return build_many(session, workspace_id, [team], at)[team.id]
