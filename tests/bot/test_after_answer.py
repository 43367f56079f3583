"""bot/services/later.py (Slack work after the answer) and handlers/events/retries.py (Events
API retries), without the app."""

from __future__ import annotations

import copy
import threading

from slack_bolt import BoltContext

from bot.services import later
from handlers.events.retries import REMEMBER_SECONDS, EventRetries


def test_tasks_queued_while_answering_run_after_in_order_with_the_lazy_listeners_arguments():
    context = BoltContext()
    done: list[tuple[str, object, object]] = []
    with later.answering(context):
        assert later.deferring()
        assert later.after_answer(lambda client, respond: done.append(("first", client, respond)))
        assert later.after_answer(lambda client, respond: done.append(("second", client, respond)))
    assert not later.deferring() and done == []
    # Bolt deep-copies the context for its lazy listener: the tasks survive as they are.
    later.run(copy.deepcopy(context), "client", "respond")  # type: ignore[arg-type]
    assert done == [("first", "client", "respond"), ("second", "client", "respond")]


def test_outside_a_listener_a_task_runs_at_once_and_a_failing_task_does_not_stop_the_next():
    done: list[str] = []
    assert (
        later.after_answer(lambda client, respond: done.append(f"{client} {respond}"), "client")
        is False
    )  # type: ignore[arg-type]
    assert done == ["client None"]
    context = BoltContext()
    with later.answering(context):
        later.after_answer(lambda client, respond: 1 / 0)
        later.after_answer(lambda client, respond: done.append("after"))
    later.run(context, "client")  # type: ignore[arg-type]
    assert done == ["client None", "after"]


def test_background_idle_waits_for_what_was_submitted():
    background = later.Background(max_workers=2)
    release = threading.Event()
    background.submit(release.wait, 5)
    assert background.idle(0.05) is False
    release.set()
    assert background.idle(5) is True
    background.shutdown()


def test_an_event_id_is_taken_once_and_forgotten_after_a_while():
    now = [0.0]
    retries = EventRetries(clock=lambda: now[0])
    assert retries.take("Ev1") and not retries.take("Ev1") and retries.take("Ev2")
    now[0] = REMEMBER_SECONDS + 1
    assert retries.take("Ev1")  # long after Slack's last retry: a new event to this process
