"""Delivering one nudge per rep: enqueued, then delivered by `scheduler.sender.Sender` (its
default concurrency, the app's `PooledWebClient`) to the stand-in Slack answering every call
in 5 ms, against the ideal nudges × 5 ms / concurrency; and the same posts without the sender
(the HTTP path alone). Every delivery key must reach the stand-in exactly once and every
outbox row end `sent`."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bench.harness import counting_statements
from bench.jobs.seeding import World
from bench.jobs.standin import Received, StandIn

if TYPE_CHECKING:  # the app's modules load lazily, as in the other benches
    from scheduler.messages import Message, Outgoing
    from scheduler.sender import Sender
    from storage.db import Database

DELIVERY_RATIO_LIMIT = 1.5
SLACK_LATENCY_SECONDS = 0.005
OWNER = "bench-jobs"
BARE = "own process, no sender: the posts alone (baseline)"


@dataclass
class Delivery:
    where: str  # where the stand-in ran
    nudges: int
    concurrency: int
    enqueue_seconds: float = 0.0
    seconds: float = 0.0
    sent: int = 0  # the sender's own count
    statuses: dict[str, int] = field(default_factory=dict)  # outbox rows by status after
    posts: int = 0  # chat.postMessage calls the stand-in got
    duplicates: int = 0  # posts beyond the first of a key
    missing: int = 0  # keys enqueued that never reached the stand-in
    unexpected: int = 0  # keys the stand-in got that were never enqueued
    max_in_flight: int = 0
    statements: int = 0
    cpu_seconds: float = 0.0  # this process (sender, database driver; stand-in if here)
    standin_cpu_seconds: float | None = None  # the stand-in's own process, when it has one
    post_seconds: float = 0.0  # chat.postMessage calls' wall time, summed over the workers
    tenths: list[float] = field(default_factory=list)  # seconds each tenth of the posts took
    slowest: list[tuple[str, float, int]] = field(default_factory=list)  # shape, s in SQL, times

    @property
    def ideal(self) -> float:
        return self.nudges * SLACK_LATENCY_SECONDS / self.concurrency

    @property
    def ratio(self) -> float:
        return self.seconds / self.ideal if self.ideal else float("nan")

    @property
    def mean_in_flight(self) -> float:
        """Posts under way at an average moment (Little's law): what the concurrency
        achieved, against the sender's `concurrency`."""
        return self.post_seconds / self.seconds if self.seconds else 0.0

    @property
    def all_sent(self) -> bool:
        return self.statuses.get("sent", 0) == self.nudges == sum(self.statuses.values())

    @property
    def exact(self) -> bool:
        return (
            self.all_sent
            and self.posts == self.nudges
            and not (self.duplicates or self.missing or self.unexpected)
        )


def nudge_items(world: World, built: dict[int, list[Message]]) -> list[Outgoing]:
    """The nudge builder's messages as outbox items, keyed as JobRunner keys them."""
    from scheduler.messages import DeliveryKey, Outgoing

    period = world.friday.isoformat()
    return [
        Outgoing(
            world.workspace_id,
            DeliveryKey("nudge", team_id, period, message.recipient, message.part),
            message,
        )
        for team_id, messages in built.items()
        for message in messages
    ]


def refill_outbox(db: Database, items: Sequence[Outgoing]) -> float:
    """An outbox holding exactly `items`, pending and due; seconds the enqueue took."""
    from storage import outbox
    from storage.models import Outbox

    with db.write() as session:
        session.execute(sa.delete(Outbox))
    started = time.perf_counter()
    with db.write() as session:
        added = outbox.enqueue(session, items, datetime.now(UTC))
    took = time.perf_counter() - started
    assert added == len(items), f"enqueued {added} of {len(items)}"
    if db.is_sqlite:
        with db.engine.connect() as conn:  # statistics for the claim queries' planner
            conn.exec_driver_sql("ANALYZE outbox")
            conn.commit()
    else:
        # The rows the previous run left were just deleted: VACUUM clears them from the
        # table and its indexes (as autovacuum soon would), so each delivery starts alike
        # rather than claiming through the last one's dead index entries.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) outbox")
    return took


def timed_client(api_url: str) -> Any:
    """The sender's client as the app builds it (`bot.app.sender_client`: a PooledWebClient,
    no retry handlers, the sender owns every retry) that also sums the wall time of its
    chat.postMessage calls, seen from the sender's side."""
    from bot.slack_pooled_client import PooledWebClient
    from scheduler.sender import POST_METHOD

    class TimedClient(PooledWebClient):
        posts = 0
        post_seconds = 0.0
        _lock = threading.Lock()

        def api_call(self, api_method: str, **kwargs: Any) -> Any:
            if api_method != POST_METHOD:
                return super().api_call(api_method, **kwargs)
            started = time.perf_counter()
            try:
                return super().api_call(api_method, **kwargs)
            finally:
                took = time.perf_counter() - started
                with self._lock:
                    self.posts += 1
                    self.post_seconds += took

    client = TimedClient(token="xoxb-bench", base_url=api_url, timeout=10)
    client.retry_handlers = []
    return client


def sender_for(db: Database, client: Any) -> Sender:
    from bot.clock import SystemClock
    from scheduler.sender import Sender

    return Sender(db, lambda _workspace_id: client, SystemClock(), owner=OWNER)


def deliver(db: Database, items: Sequence[Outgoing], own_process: bool) -> Delivery:
    """Enqueue `items`, deliver them all with the Sender, and check what Slack got."""
    from storage.models import Outbox

    standin = StandIn(SLACK_LATENCY_SECONDS, own_process)
    try:
        client = timed_client(standin.api_url)
        sender = sender_for(db, client)
        result = Delivery(
            "own process" if own_process else "this process", len(items), sender.concurrency
        )
        result.enqueue_seconds = refill_outbox(db, items)
        idle = standin.received().cpu_seconds
        with counting_statements(db) as log:
            cpu, started = time.process_time(), time.perf_counter()
            stats = sender.deliver_due()
            result.seconds = time.perf_counter() - started
            result.cpu_seconds = time.process_time() - cpu
        result.statements, result.sent = log.count, stats.sent
        result.post_seconds = client.post_seconds
        shapes = log.shapes()
        result.slowest = [
            (shape, ns / 1e9, shapes[shape]) for shape, ns in log.execute_ns_by_shape.most_common(4)
        ]
        received = standin.received()
        if own_process:
            result.standin_cpu_seconds = received.cpu_seconds - idle
    finally:
        standin.close()
    with db.read() as session:
        result.statuses = dict(
            session.execute(sa.select(Outbox.status, sa.func.count()).group_by(Outbox.status)).all()  # type: ignore[arg-type]
        )
    _tally(result, items, received)
    return result


class _AnswersAtOnce:
    """A client whose every call succeeds at once: what is left is the sender's own work."""

    timeout = 10

    def api_call(self, api_method: str, **_kwargs: Any) -> dict[str, Any]:
        return {"ok": True, "channel": "C_BENCH", "ts": "1.000001"}


def sender_cpu_alone(db: Database, items: Sequence[Outgoing]) -> float:
    """The sender's own CPU seconds for `items`, its client answering every call at once
    (no HTTP, no stand-in): claims, sent-marks and the workers' bookkeeping. Steadier on
    a shared machine than the delivery's ratio, which the posts' own CPU dominates."""
    refill_outbox(db, items)
    sender = sender_for(db, _AnswersAtOnce())
    cpu = time.process_time()
    stats = sender.deliver_due()
    cpu = time.process_time() - cpu
    assert stats.sent == len(items), f"sent {stats.sent} of {len(items)}"
    return cpu


def _tally(result: Delivery, items: Sequence[Outgoing], received: Received) -> None:
    """What the stand-in got against what was enqueued."""
    expected = {item.key.text() for item in items}
    seen = Counter(received.keys)
    result.posts = len(received.keys)
    result.duplicates = sum(n - 1 for n in seen.values() if n > 1)
    result.missing = len(expected - set(seen))
    result.unexpected = len(set(seen) - expected)
    result.max_in_flight = received.max_in_flight
    result.tenths = tenths(received.arrivals)


def post_bare(items: Sequence[Outgoing], concurrency: int) -> Delivery:
    """The HTTP path alone, the floor under the sender's time: the same posts, with the
    same metadata, from `concurrency` threads sharing the same kind of WebClient, to a
    stand-in in its own process; no sender, no outbox, no database."""
    from concurrent.futures import ThreadPoolExecutor

    from scheduler.sender import POST_METHOD, post_body

    standin = StandIn(SLACK_LATENCY_SECONDS, own_process=True)
    try:
        client = timed_client(standin.api_url)
        result = Delivery(BARE, len(items), concurrency)

        def post(item: Outgoing) -> None:
            message = item.message
            client.api_call(
                POST_METHOD, json=post_body(message.recipient, message, item.key.text())
            )

        idle = standin.received().cpu_seconds
        cpu, started = time.process_time(), time.perf_counter()
        with ThreadPoolExecutor(concurrency, thread_name_prefix="bench-post") as pool:
            for _ in pool.map(post, items):
                pass
        result.seconds = time.perf_counter() - started
        result.cpu_seconds = time.process_time() - cpu
        result.post_seconds = client.post_seconds
        received = standin.received()
        result.standin_cpu_seconds = received.cpu_seconds - idle
    finally:
        standin.close()
    _tally(result, items, received)
    return result


def tenths(arrivals: Sequence[float]) -> list[float]:
    """Seconds between the first post of each tenth of the posts and the first of the next
    (the last tenth: to its last post): a sender that slows down as the outbox fills up
    shows rising numbers."""
    ordered = sorted(arrivals)
    if len(ordered) < 20:
        return []
    bounds = [len(ordered) * k // 10 for k in range(10)] + [len(ordered) - 1]
    return [ordered[bounds[k + 1]] - ordered[bounds[k]] for k in range(10)]
