"""What a job hands to delivery: messages for one recipient each, and the key that makes
each one exactly-once (SPEC §5: once per job, team, period and recipient).

Plain values shared by the jobs that build them (scheduler/), the outbox that stores them
(storage/outbox.py) and the sender that posts them, so none of those depends on another
for its types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChartFile:
    """An image uploaded with files_upload_v2 to the message's channel: either its bytes,
    or the chart's data (bot.render.chart.chart_spec), drawn when it is sent
    (bot.render.chart.png_of)."""

    filename: str
    title: str
    content: bytes = b""
    chart: dict[str, Any] | None = None


@dataclass(frozen=True)
class Message:
    """One Slack post. `recipient` is a user id (sent as a DM) or a channel id."""

    recipient: str
    text: str  # notification and fallback text; for a file, its initial comment
    blocks: tuple[dict[str, Any], ...] = ()
    file: ChartFile | None = None
    # Tells apart several posts to one recipient in one run ("1", "2", "chart").
    part: str = ""
    # The delivery key of an earlier post to this recipient that this message replaces
    # (chat.update), instead of being a new post.
    edit_of: str | None = None


@dataclass(frozen=True)
class DeliveryKey:
    job: str
    team_id: int
    # The run's occurrence: the team-local date the job ran for ("2026-11-25"), or a
    # notice's own scope. A job fires at most once a day per team.
    period: str
    recipient: str
    part: str = ""

    def text(self) -> str:
        return "|".join((self.job, str(self.team_id), self.period, self.recipient, self.part))


@dataclass(frozen=True)
class Outgoing:
    """A message with its key, ready for the outbox."""

    workspace_id: int
    key: DeliveryKey
    message: Message
    extra: dict[str, Any] = field(default_factory=dict)
