"""Direct messages to Paceline (`message.im`): a short help pointing to /log.

Paceline keeps its Messages tab on: approvals, CSV exports and reminders arrive there, and
/log works from it. Someone who types a message there instead of a command gets one short
answer saying what to type (at most once every HELP_EVERY_SECONDS per person and process,
so a conversation is not answered line by line). Paceline reads no conversation.

Every other message event is acknowledged and left alone, so Slack neither retries it nor
disables the subscription: edits, deletions and other subtypes, anything from a bot (Paceline's
own posts included), and messages outside a DM. The event is acknowledged at once and the
answer posted after it (a lazy listener: bot/services/later.py), outside Slack's 3 seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.context import Services

log = logging.getLogger(__name__)

DM_HELP = (
    "I don't read messages here — type a command instead:\n"
    "• `/log calls 12` logs your activity (`/log` alone opens a form, `/log help` shows the rest)\n"
    "• `/progress` shows where you stand against your goals\n"
    "Your *Home* tab has both, and your numbers at a glance."
)
HELP_EVERY_SECONDS = 600.0
# Subtypes a person's own new message can carry: anything else (edits, deletions, joins,
# bot posts) is not someone writing to Paceline.
PERSON_SUBTYPES = (None, "file_share", "thread_broadcast")


class HelpThrottle:
    """When each person was last answered, so a burst of messages gets one help."""

    def __init__(
        self, every: float = HELP_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._every = every
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def due(self, team_id: str, user_id: str) -> bool:
        """True (and remembered) when the person has not been answered lately."""
        now = self._clock()
        with self._lock:
            last = self._last.get((team_id, user_id))
            if last is not None and now - last < self._every:
                return False
            if len(self._last) > 10_000:  # forget the old ones rather than grow for ever
                self._last = {k: t for k, t in self._last.items() if now - t < self._every}
            self._last[(team_id, user_id)] = now
            return True


def register(app: App, services: Services) -> HelpThrottle:
    throttle = HelpThrottle()

    def acknowledge(ack: Ack) -> None:
        ack()

    def answer(event: dict, body: dict, client: WebClient) -> None:
        handle(throttle, client, event, body)

    app.event("message")(ack=acknowledge, lazy=[answer])
    return throttle


def is_person_writing_to_paceline(event: dict) -> bool:
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") in PERSON_SUBTYPES
        and bool(event.get("user"))
        and not event.get("bot_id")
        and not event.get("bot_profile")
    )


def handle(throttle: HelpThrottle, client: WebClient, event: dict, body: dict) -> None:
    if not is_person_writing_to_paceline(event):
        return
    team_id = str(body.get("team_id") or event.get("team") or "")
    if not throttle.due(team_id, event["user"]):
        return
    # In the thread the person wrote in, if any, so the help sits next to their message.
    thread = event.get("thread_ts")
    try:
        client.chat_postMessage(
            channel=event["channel"], text=DM_HELP, **({"thread_ts": thread} if thread else {})
        )
    except SlackApiError as error:
        log.warning(
            "could not answer a direct message from %s: %s",
            event["user"],
            error.response.get("error"),
        )
