"""Events API retries: Slack sends an event again (with `X-Slack-Retry-Num` and
`X-Slack-Retry-Reason` headers) when its delivery got no answer within 3 seconds or failed.
A retry of an event this process has already taken (same `event_id`) is acknowledged and
skipped, so it does no work twice (one Home publish for one app_home_opened).

Two exceptions do the work again: a retry of an event never seen here (the first delivery
never reached this process: it was down, or the event went to another instance), and a
retry whose reason is `http_error` (this app answered the first delivery with an error, so
its work may not have been done). Event ids are remembered per process for
`REMEMBER_SECONDS`, longer than Slack's retries take (three, over about five minutes); with
several instances a retry reaching another one is done there (for app_home_opened: one more
publish of the same Home, harmless).

Registered as global middleware by bot/app.py; it runs after Bolt's signature check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger(__name__)

REMEMBER_SECONDS = 15 * 60.0
MAX_REMEMBERED = 100_000
RETRY_NUM = "x-slack-retry-num"
RETRY_REASON = "x-slack-retry-reason"


class EventRetries:
    """The event ids this process has taken, oldest first, each with when it was taken."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._taken: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self.skipped = 0  # retries acknowledged without work (for tests and logs)

    def take(self, event_id: str) -> bool:
        """Remember `event_id`; False when it was already taken (and still remembered)."""
        now = self._clock()
        with self._lock:
            while self._taken and (
                len(self._taken) >= MAX_REMEMBERED
                or now - next(iter(self._taken.values())) > REMEMBER_SECONDS
            ):
                self._taken.popitem(last=False)
            if event_id in self._taken:
                return False
            self._taken[event_id] = now
            return True

    def middleware(
        self, req: BoltRequest, resp: BoltResponse, body: dict, next: Callable[[], None]
    ) -> BoltResponse:
        """Bolt global middleware: calls `next()` to go on, or answers 200 without it."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not isinstance(event_id, str) or not event_id:
            next()
            return resp
        retry = _header(req, RETRY_NUM)
        reason = _header(req, RETRY_REASON)
        if retry is not None:
            req.context["slack_retry"] = {"num": retry, "reason": reason}
        first_time = self.take(event_id)
        if first_time or retry is None or reason == "http_error":
            if retry is not None:
                log.info("Slack retry %s (%s) of event %s: doing it", retry, reason, event_id)
            next()
            return resp
        with self._lock:
            self.skipped += 1
        log.info(
            "Slack retry %s (%s) of event %s: already taken here, skipped", retry, reason, event_id
        )
        return BoltResponse(status=200, body="")


def register(app: App) -> EventRetries:
    retries = EventRetries()

    def skip_retried_events(
        req: BoltRequest, resp: BoltResponse, body: dict, next: Callable[[], None]
    ) -> BoltResponse:
        return retries.middleware(req, resp, body, next)

    app.use(skip_retried_events)
    return retries


def _header(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return str(values[0]) if values else None
