"""Slack work after the answer.

In HTTP mode Bolt runs with `process_before_response=True`: a listener runs in the request
thread and its `ack()` becomes the HTTP response only when the listener returns, so every
Slack call made in it counts against Slack's 3 seconds (and a Slack answering in 400 ms
makes a few calls too many). Listeners therefore answer from the database and leave the
Slack-bound work (users.info look-ups, DMs, message updates, views.open/publish, replies
through the response URL) to Bolt's lazy listener, which Bolt starts on its listener
executor as the ack function returns, while the answer is being written:

    def team_ack(ack, command, client, context):
        with later.answering(context):
            reply = handle(...)            # may call later.after_answer(task)
        ack(text=reply)

    app.command("/team")(ack=team_ack, lazy=[later.run])

`after_answer(task)` queues `task(client, respond)` when a listener is answering (inside
`answering`), and runs it at once elsewhere (the scheduler, scripts, a lazy task itself),
so shared code such as `goals.decisions.post_request` needs no second version.

The tasks reach the lazy listener through the request context, which Bolt deep-copies for
it: each task is wrapped in a plain function, which `copy.deepcopy` returns as it is
(Python copies functions by reference), so what the task closes over is never copied.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

log = logging.getLogger(__name__)

# What the ack function leaves in the request context for `run`.
CONTEXT_KEY = "paceline_after_answer"
# How an answer that is not the outcome starts ("⏳ Adding 25 people…"): the outcome follows
# through the response URL. The console waits for it before reading the next line.
WORKING = "⏳"

# A piece of Slack-bound work: the request's client, and `respond` (None when the request
# carries no response_url: events, Home clicks, modal submissions).
Task = Callable[[WebClient, Respond | None], None]

_local = threading.local()


@contextmanager
def answering(context: BoltContext) -> Iterator[None]:
    """Within: `after_answer` queues its tasks for this request's lazy listener."""
    tasks: list[Callable[[WebClient, Respond | None], None]] = []
    outer = getattr(_local, "tasks", None)
    _local.tasks = tasks
    try:
        yield
    finally:
        _local.tasks = outer
        if tasks:
            context[CONTEXT_KEY] = list(context.get(CONTEXT_KEY) or []) + tasks


def deferring() -> bool:
    """Whether a listener is answering on this thread (Slack work would be queued)."""
    return getattr(_local, "tasks", None) is not None


def after_answer(task: Task, client: WebClient | None = None) -> bool:
    """Queue `task` for after the answer (True); outside a listener's answer, run it now
    with `client` and no `respond` (False)."""
    tasks = getattr(_local, "tasks", None)
    if tasks is None:
        if client is None:
            raise RuntimeError("after_answer outside a listener needs a client to run the task now")
        task(client, None)
        return False

    def queued(
        client: WebClient, respond: Respond | None
    ) -> None:  # a plain function: copied as is
        task(client, respond)

    tasks.append(queued)
    return True


def run(context: BoltContext, client: WebClient, respond: Respond | None = None) -> None:
    """The lazy listener: the queued tasks in order. One failing does not stop the next."""
    for task in context.get(CONTEXT_KEY) or []:
        try:
            task(client, respond)
        except Exception:
            log.exception("Slack work after an answer failed")


def tell(respond: Respond | None, text: str) -> bool:
    """An ephemeral note through the response URL (valid 30 minutes); False when there is
    none or it failed."""
    if respond is None:
        return False
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:
        log.warning("could not answer through the response URL", exc_info=True)
        return False
    return True


class Background(ThreadPoolExecutor):
    """Bolt's listener executor (`App(listener_executor=...)`): it runs the lazy listeners,
    the Slack work after each answer. It can be waited on until idle: the console shows
    that work's output before it reads the next line, and a stopping server can let the
    follow-ups it owes go out."""

    def __init__(self, max_workers: int = 8) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="after-answer")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future | None) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing submitted is still running; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)
