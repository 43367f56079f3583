"""What each scheduled job posts (SPEC §5). A builder reads one team as of an instant and
returns the job's messages; a batch builder does the same for the teams the scheduler fires
together (same workspace, job, schedule and zone), with one statement per question for all
of them. The runner records the messages in the outbox and the sender delivers them.
Builders read only, through bot.services (the session is the runner's read transaction,
passed on): every number comes from the pace engine (bot.services.reports,
bot.core.standings), every message from bot/render."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.services.records import Team
from bot.services.team_weeks import ReadSession
from scheduler.content import lagging_alert, log_reminder, nudge, weekly_digest
from scheduler.messages import Message

Builder = Callable[[ReadSession, int, Team, datetime], list[Message]]
# (session, workspace id, teams, instant) → team id → that team's messages.
BatchBuilder = Callable[[ReadSession, int, Sequence[Team], datetime], dict[int, list[Message]]]

BUILDERS: dict[str, Builder] = {
    "nudge": nudge.build,
    "lagging-alert": lagging_alert.build,
    "weekly-digest": weekly_digest.build,
    "log-reminder": log_reminder.build,
}


def one_by_one(builder: Builder) -> BatchBuilder:
    """A batch builder that builds each team on its own with `builder`."""

    def build_many(
        session: ReadSession, workspace_id: int, chosen: Sequence[Team], at: datetime
    ) -> dict[int, list[Message]]:
        return {
            team.id: builder(session, workspace_id, team, at)
            for team in chosen
            if team.id is not None
        }

    return build_many


BATCH_BUILDERS: dict[str, BatchBuilder] = {
    "nudge": nudge.build_many,
    "lagging-alert": lagging_alert.build_many,
    "weekly-digest": weekly_digest.build_many,
    "log-reminder": log_reminder.build_many,
}
