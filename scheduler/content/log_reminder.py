"""The log reminder (SPEC §5): a DM with a Log button to each member who has logged nothing
on the team-local day the job runs. Nobody is reminded on a day the team does not work, on
their own day off, or before their start date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from bot.render.nudge import log_reminder_message
from bot.services import reports
from bot.services.records import Team
from bot.services.team_weeks import ReadSession, local_instant, teams_day
from scheduler.content.gather import reachable
from scheduler.messages import Message


def build_many(
    session: ReadSession, workspace_id: int, chosen: Sequence[Team], at: datetime
) -> dict[int, list[Message]]:
    """team id → the team's reminders, for teams the scheduler fires together: one statement
    per question for all of them (per distinct local day)."""
    found: dict[int, list[Message]] = {team.id: [] for team in chosen if team.id is not None}
    by_day: dict[date, list[int]] = defaultdict(list)
    for team in chosen:
        day = local_instant(team, at).date()
        if team.id is not None and reports.team_facts(team, None, at).calendar.is_workday(day):
            by_day[day].append(team.id)
    for day, ids in by_day.items():
        read = teams_day(session, workspace_id, ids, day)
        text, blocks = log_reminder_message(day)
        for team_id in ids:
            found[team_id] = [
                Message(member.slack_user_id, text, tuple(blocks))
                for member in read.members[team_id]
                if reachable(member)
                and member.id not in read.logged[team_id]
                and member.id not in read.time_off[team_id]
                and (member.start_date is None or member.start_date <= day)
            ]
    return found


def build(session: ReadSession, workspace_id: int, team: Team, at: datetime) -> list[Message]:
    assert team.id is not None
    return build_many(session, workspace_id, [team], at)[team.id]
