"""What each scheduled job posts (SPEC §5). A builder reads one team as of an instant and
returns the job's messages; the runner records them in the outbox and the sender delivers
them. Builders read only: every number comes from the pace engine (bot.reports,
bot.core.standings), every message from bot/render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.content import lagging_alert, log_reminder, nudge, weekly_digest
from scheduler.messages import Message
from storage.models import Team

Builder = Callable[[Session, int, Team, datetime], list[Message]]

BUILDERS: dict[str, Builder] = {
    "nudge": nudge.build,
    "lagging-alert": lagging_alert.build,
    "weekly-digest": weekly_digest.build,
    "log-reminder": log_reminder.build,
}
