"""Waiting, with a deadline, for what happens after a request was answered."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.services.later import WORKING

if TYPE_CHECKING:
    from bot.app import Paceline
    from tests.support.signed_requests import HttpResponse
    from tests.support.slack_api import StandInSlack

__all__ = ["final_reply", "poll", "settled"]


def poll(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Whether ``predicate`` came true within ``timeout`` seconds (checked every 10 ms)."""
    deadline = time.monotonic() + timeout
    waiter = threading.Event()
    while time.monotonic() < deadline:
        if predicate():
            return True
        waiter.wait(0.01)
    return predicate()


def settled(paceline: Paceline, timeout: float = 30.0) -> Callable[[HttpResponse], None]:
    """A test client's `on_response`: each request returns once the app has also done the
    Slack work it does after its answer (its lazy listeners, bot/services/later.py), so a test
    reads the DMs, Home publishes and response_url messages of a request right after it.
    The tests of answer times (tests/e2e/test_slow_slack.py) send without it."""

    def wait(_response: HttpResponse) -> None:
        assert paceline.background.idle(timeout), (
            f"the app's work after its answer took over {timeout:g} s"
        )

    return wait


def final_reply(
    slack: StandInSlack, response_url: str, answer: str, told_before: int, timeout: float = 10.0
) -> str:
    """`answer`, unless it says the outcome follows (it starts with bot.services.later.WORKING):
    then the next message through `response_url` after the `told_before` already there."""
    if not answer.startswith(WORKING):
        return answer
    key = response_url.rsplit("/", 1)[-1]
    found = slack.wait_for(
        "response_url", count=told_before + 1, timeout=timeout, where=lambda c: c.key == key
    )
    return found[told_before].params.get("text", "")
