"""The sender against the stand-in Slack over HTTP, on SQLite and PostgreSQL: each key is
posted once whatever Slack answers, and what cannot be posted is parked with a reason."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy import event

from bot.clock import FixedClock
from bot.slack_pooled_client import PooledWebClient
from scheduler.messages import ChartFile, DeliveryKey, Message, Outgoing
from scheduler.sender import DeliveryStats, Sender
from storage import outbox, teams
from storage.db import Database
from storage.models import Outbox, Team
from storage.people import SlackProfile, upsert_from_slack
from storage.workspaces import ensure_workspace
from tests.support.slack_api import RecordedCall, StandInSlack

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CHANNEL = "C0EAST"
MANAGERS = ("UMGR1", "UMGR2")
BACKOFF = 10.0


@dataclass
class World:
    """One workspace with team "east" (channel C0EAST, two managers), a stand-in Slack
    whose clock is the test's, and a sender limited to this workspace."""

    db: Database
    clock: FixedClock
    slack: StandInSlack
    workspace_id: int
    team_id: int
    timeout: float = 2.0
    sleeps: list[float] = field(default_factory=list)
    on_sleep: Callable[[float], None] | None = None

    clients: dict[float, WebClient] = field(default_factory=dict)

    def client(self, _workspace_id: int = 0) -> WebClient:
        # The production sender's client: one per world (and timeout), keeping connections.
        if self.timeout not in self.clients:
            self.clients[self.timeout] = PooledWebClient(
                token="xoxb-test",
                base_url=self.slack.api_url,
                retry_handlers=[],
                timeout=self.timeout,
            )
        return self.clients[self.timeout]

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)

    def sender(self, **options: Any) -> Sender:
        options = {"backoff_seconds": BACKOFF, "concurrency": 4, **options}
        client = self.client()
        return Sender(self.db, lambda _ws: client, self.clock, "test-" + uuid.uuid4().hex[:6],
                      sleep=self.sleep, workspace_ids=[self.workspace_id], **options)  # fmt: skip

    def outgoing(
        self,
        job: str,
        recipient: str,
        text: str,
        *,
        period: str = "2026-11-20",
        part: str = "",
        **kw: Any,
    ) -> Outgoing:
        key = DeliveryKey(job, self.team_id, period, recipient, part)
        return Outgoing(self.workspace_id, key, Message(recipient, text, part=part, **kw))

    def enqueue(self, *items: Outgoing) -> int:
        with self.db.write() as session:
            return outbox.enqueue(session, items, self.clock.now())

    def rows(self, job: str | None = None) -> list[Outbox]:
        with self.db.read() as session:
            query = sa.select(Outbox).where(Outbox.workspace_id == self.workspace_id)
            if job is not None:
                query = query.where(Outbox.job == job)
            return list(session.scalars(query.order_by(Outbox.id)))

    def posted_keys(self, channel: str) -> list[str]:
        return [
            m["metadata"]["event_payload"]["key"]
            for m in self.slack.messages_in(channel)
            if "metadata" in m
        ]


def make_world(
    db: Database, slack: StandInSlack, clock: FixedClock, channel: str | None = CHANNEL
) -> World:
    with db.write() as session:
        workspace_id = ensure_workspace(
            session, "T" + uuid.uuid4().hex[:10].upper(), None, clock.now()
        )
        team = Team(
            workspace_id=workspace_id,
            name="east",
            name_key="east",
            channel_id=channel,
            created_at=clock.now(),
        )
        session.add(team)
        session.flush()
        assert team.id is not None
        for user_id in MANAGERS:
            profile = SlackProfile(
                user_id, user_id.lower(), None, None, None, "UTC", False, False, False
            )
            person = upsert_from_slack(session, workspace_id, profile, clock.now())
            assert person.id is not None
            teams.add_manager(session, workspace_id, team.id, person.id, clock.now())
        return World(db, clock, slack, workspace_id, team.id)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def standin(clock: FixedClock) -> Iterator[StandInSlack]:
    # Slack's timestamps follow the test's clock, as the real ones follow the real one.
    with StandInSlack(clock=lambda: clock.now().timestamp()) as slack:
        yield slack


@pytest.fixture
def world(db: Database, standin: StandInSlack, clock: FixedClock) -> World:
    return make_world(db, standin, clock)


def poll(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    waiter = threading.Event()
    while time.monotonic() < deadline:
        if predicate():
            return True
        waiter.wait(0.01)
    return predicate()


def dm(user_id: str) -> str:
    return "D" + user_id


# ---------------------------------------------------------------------- the happy path


def test_enqueueing_twice_keeps_one_row_and_each_key_is_posted_once_with_its_key(world):
    items = [
        world.outgoing("weekly-digest", CHANNEL, "digest", part="1"),
        world.outgoing("nudge", "UREP1", "nudge"),
    ]
    assert world.enqueue(*items) == 2
    assert world.enqueue(*items) == 0
    stats = world.sender().deliver_due()
    assert (stats.sent, stats.retried, stats.parked, stats.failed) == (2, 0, 0, 0)
    assert world.posted_keys(CHANNEL) == [items[0].key.text()]
    assert world.posted_keys(dm("UREP1")) == [items[1].key.text()]
    [post] = [c for c in world.slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert post.params["metadata"] == {
        "event_type": "paceline_delivery",
        "event_payload": {"key": items[0].key.text()},
    }
    digest, nudge = world.rows()
    assert (digest.status, digest.channel_id, digest.slack_ts) == (
        "sent",
        CHANNEL,
        world.slack.messages_in(CHANNEL)[0]["ts"],
    )
    assert (nudge.status, nudge.channel_id, nudge.sent_at) == ("sent", dm("UREP1"), NOW)
    # Nothing is due any more: a second round posts nothing.
    assert world.sender().deliver_due().sent == 0
    assert len(world.slack.calls_to("chat.postMessage")) == 2


def test_a_chart_is_uploaded_to_the_channel_with_its_title_and_comment(world):
    chart = ChartFile("week-47.png", "East, week 47", b"\x89PNG fake")
    world.enqueue(
        world.outgoing("weekly-digest", CHANNEL, "This week's chart", part="chart", file=chart)
    )
    assert world.sender().deliver_due().sent == 1
    [complete] = world.slack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == CHANNEL
    assert complete.params["files"][0]["title"] == "East, week 47"
    assert complete.params["initial_comment"] == "This week's chart"
    assert world.slack.file_content(complete.params["files"][0]["id"]) == b"\x89PNG fake"
    assert world.rows()[0].status == "sent"


def test_the_run_loop_delivers_when_woken_and_stops(world):
    sender = world.sender(poll_interval=60)
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,))
    thread.start()
    try:
        world.enqueue(world.outgoing("nudge", "UREP1", "nudge"))
        sender.wake()
        assert poll(lambda: world.rows()[0].status == "sent")
    finally:
        stop.set()
        sender.wake()
        thread.join(10)
    assert not thread.is_alive()
    assert len(world.slack.messages_in(dm("UREP1"))) == 1


# ---------------------------------------------------------------------- retries


def test_a_rate_limit_waits_exactly_retry_after_then_posts_once(world):
    world.slack.fail_next("chat.postMessage", retry_after=7)
    world.enqueue(world.outgoing("nudge", "UREP1", "nudge"))
    stats = world.sender().deliver_due()
    assert world.sleeps == [7]
    assert (stats.sent, stats.retried) == (1, 0)
    assert [c.status for c in world.slack.calls_to("chat.postMessage")] == [429, 200]
    assert len(world.slack.messages_in(dm("UREP1"))) == 1
    assert world.rows()[0].attempts == 0  # waiting out a rate limit is not a failed attempt


def test_a_server_error_is_retried_after_a_backoff_and_posted_once(world):
    world.slack.fail_next("chat.postMessage", status=500)
    world.enqueue(world.outgoing("weekly-digest", CHANNEL, "digest"))
    sender = world.sender()
    assert sender.deliver_due().retried == 1
    [row] = world.rows()
    assert (row.status, row.attempts, row.not_before) == (
        "pending",
        1,
        NOW + timedelta(seconds=BACKOFF),
    )
    assert "500" in (row.error or "")
    assert sender.deliver_due().sent == 0  # not due yet: the worker did not block waiting
    assert world.sleeps == []
    world.clock.advance(timedelta(seconds=BACKOFF))
    assert sender.deliver_due().sent == 1
    assert len(world.slack.messages_in(CHANNEL)) == 1
    assert world.rows()[0].status == "sent"


def test_server_errors_forever_fail_after_max_attempts_with_growing_backoffs(world):
    world.slack.fail_next("chat.postMessage", status=500, times=100)
    world.enqueue(world.outgoing("weekly-digest", CHANNEL, "digest"))
    sender = world.sender(max_attempts=5)
    waits = []
    for _ in range(10):
        stats = sender.deliver_due()
        [row] = world.rows()
        if row.status != "pending":
            break
        waits.append((row.not_before - world.clock.now()).total_seconds())
        world.clock.set(row.not_before)
    assert waits == [BACKOFF, 2 * BACKOFF, 4 * BACKOFF, 8 * BACKOFF]
    assert stats.failed == 1
    assert (row.status, row.attempts) == ("failed", 5)
    assert len(world.slack.calls_to("chat.postMessage")) == 5
    assert world.slack.messages_in(CHANNEL) == []
    with world.db.read() as session:
        summary = outbox.summary(session, world.workspace_id)
    assert [(j.job, j.counts) for j in summary.jobs] == [("weekly-digest", {"failed": 1})]
    [problem] = summary.problems
    assert problem.status == "failed" and problem.attempts == 5
    assert "gave up after 5 attempts" in (problem.error or "") and "500" in (problem.error or "")


def test_a_failure_mid_channel_holds_the_later_posts_back_to_keep_the_order(world):
    posts = {"n": 0}

    def second_post_fails(call: RecordedCall) -> Any:
        posts["n"] += 1
        if posts["n"] == 2:
            return 503, {"ok": False, "error": "service_unavailable"}, {}
        return world.slack.default_answer(call)

    world.slack.set_handler("chat.postMessage", second_post_fails)
    items = [world.outgoing("weekly-digest", CHANNEL, f"part {n}", part=str(n)) for n in (1, 2, 3)]
    world.enqueue(*items)
    sender = world.sender()
    stats = sender.deliver_due()
    assert (stats.sent, stats.retried) == (1, 1)
    assert [r.status for r in world.rows()] == ["sent", "pending", "pending"]
    world.clock.advance(timedelta(seconds=BACKOFF))
    assert sender.deliver_due().sent == 2
    assert world.posted_keys(CHANNEL) == [i.key.text() for i in items]
    # A 503 is Slack refusing work: nothing to look up before posting again.
    assert world.slack.calls_to("conversations.history") == []


# ---------------------------------------------------------------------- unknown outcomes


def test_a_timeout_after_slack_stored_the_dm_is_found_in_history_and_not_posted_again(world):
    world.timeout = 0.3
    # Slack stores the post, but its answer comes long after the client gave up.
    world.slack.fail_next("chat.postMessage", delay=5.0, handled=True)
    item = world.outgoing("nudge", "UREP1", "nudge")
    world.enqueue(item)
    sender = world.sender()
    stats = sender.deliver_due()
    assert (stats.sent, stats.retried) == (0, 1)
    [row] = world.rows()
    assert (row.status, row.outcome_unknown) == ("pending", True)
    world.clock.advance(timedelta(seconds=BACKOFF))
    stats = sender.deliver_due()
    assert (stats.sent, stats.checked_unknown) == (1, 1)
    assert len(world.slack.calls_to("chat.postMessage")) == 1
    assert world.posted_keys(dm("UREP1")) == [item.key.text()]
    [opened] = world.slack.calls_to("conversations.open")
    assert opened.params["users"] == "UREP1"
    [history] = world.slack.calls_to("conversations.history")
    assert history.params["channel"] == dm("UREP1")
    [row] = world.rows()
    assert (row.status, row.slack_ts, row.outcome_unknown) == (
        "sent",
        world.slack.messages_in(dm("UREP1"))[0]["ts"],
        False,
    )


def test_a_dropped_connection_before_slack_stored_the_post_is_posted_once_more(world):
    world.slack.fail_next("chat.postMessage", drop_connection=True)
    item = world.outgoing("weekly-digest", CHANNEL, "digest")
    world.enqueue(item)
    sender = world.sender()
    assert sender.deliver_due().retried == 1
    world.clock.advance(timedelta(seconds=BACKOFF))
    stats = sender.deliver_due()
    assert (stats.sent, stats.checked_unknown) == (1, 1)
    assert len(world.slack.calls_to("conversations.history")) == 1
    assert [c.status for c in world.slack.calls_to("chat.postMessage")] == [0, 200]
    assert world.posted_keys(CHANNEL) == [item.key.text()]


def test_a_chart_whose_upload_answer_was_lost_is_found_by_its_title(world):
    world.timeout = 0.3
    world.slack.fail_next("files.completeUploadExternal", delay=5.0, handled=True)
    chart = ChartFile("week-47.png", "East, week 47", b"png")
    world.enqueue(world.outgoing("weekly-digest", CHANNEL, "chart", part="chart", file=chart))
    sender = world.sender()
    assert sender.deliver_due().retried == 1
    world.clock.advance(timedelta(seconds=BACKOFF))
    assert sender.deliver_due().sent == 1
    assert len(world.slack.calls_to("files.completeUploadExternal")) == 1
    [shared] = world.slack.messages_in(CHANNEL)
    assert world.rows()[0].slack_ts == shared["ts"]


def test_rows_of_a_process_that_died_mid_send_are_checked_not_resent(world):
    items = [world.outgoing("weekly-digest", CHANNEL, f"part {n}", part=str(n)) for n in (1, 2)]
    world.enqueue(*items)
    with world.db.write() as session:  # a process claims both and dies after posting one
        outbox.claim(
            session,
            owner="dead",
            now=NOW,
            lease=timedelta(seconds=60),
            max_rows=10,
            workspace_ids=[world.workspace_id],
        )
    metadata = {"event_type": "paceline_delivery", "event_payload": {"key": items[0].key.text()}}
    world.client().chat_postMessage(channel=CHANNEL, text="part 1", metadata=metadata)
    sender = world.sender()
    assert sender.deliver_due().sent == 0  # the lease still holds
    world.clock.advance(timedelta(seconds=61))
    stats = sender.deliver_due()
    assert (stats.sent, stats.checked_unknown) == (2, 2)
    assert len(world.slack.calls_to("conversations.history")) == 1  # once for the channel
    assert world.posted_keys(CHANNEL) == [i.key.text() for i in items]
    assert [(r.status, r.attempts) for r in world.rows()] == [("sent", 1), ("sent", 1)]


def test_a_rate_limit_wait_renews_the_lease_before_posting(world):
    world.slack.fail_next("chat.postMessage", retry_after=40)
    world.on_sleep = lambda seconds: world.clock.advance(timedelta(seconds=seconds))
    world.enqueue(world.outgoing("nudge", "UREP1", "nudge"))
    assert world.sender(lease_seconds=60).deliver_due().sent == 1
    assert [c.status for c in world.slack.calls_to("chat.postMessage")] == [429, 200]


def test_a_rate_limit_wait_that_outlasts_the_lease_hands_the_row_over(world):
    """Whoever claims a row whose lease ran out may be posting it: the waiting process
    must not post it too."""
    world.slack.fail_next("chat.postMessage", retry_after=90)

    def wait_while_another_process_takes_over(seconds: float) -> None:
        world.clock.advance(timedelta(seconds=seconds))
        with world.db.write() as session:
            taken = outbox.claim(session, owner="other", now=world.clock.now(), lease=timedelta(seconds=60),
                                 max_rows=10, workspace_ids=[world.workspace_id])  # fmt: skip
        assert [[r.outcome_unknown for r in g] for g in taken] == [[True]]

    world.on_sleep = wait_while_another_process_takes_over
    world.enqueue(world.outgoing("nudge", "UREP1", "nudge"))
    stats = world.sender(lease_seconds=60).deliver_due()
    assert (stats.sent, stats.retried) == (0, 0)
    assert [c.status for c in world.slack.calls_to("chat.postMessage")] == [429]
    [row] = world.rows()
    assert (row.status, row.lease_owner) == ("sending", "other")


# ---------------------------------------------------------------------- parking


@pytest.mark.slack_payloads_unchecked  # it posts an invalid block on purpose
def test_invalid_blocks_are_parked_at_once_with_a_reason(world):
    world.slack.fail_next("chat.postMessage", error="invalid_blocks")
    world.enqueue(world.outgoing("nudge", "UREP1", "nudge", blocks=({"type": "nonsense"},)))
    stats = world.sender().deliver_due()
    assert (stats.parked, stats.retried) == (1, 0)
    [row] = world.rows()
    assert row.status == "parked" and "invalid_blocks" in (row.error or "")
    assert len(world.slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("error", ["account_inactive", "user_not_found"])
def test_a_deactivated_recipient_is_parked(world, error):
    world.slack.fail_next("chat.postMessage", error=error)
    world.enqueue(world.outgoing("nudge", "UGONE", "nudge"))
    assert world.sender().deliver_due().parked == 1
    [row] = world.rows()
    assert row.status == "parked" and error in (row.error or "")
    assert world.rows("notice") == []  # a DM problem is not a channel problem


def test_not_in_channel_is_parked_and_each_manager_told_once_across_weeks(world):
    sender = world.sender()
    for week in range(2):
        world.slack.fail_next("chat.postMessage", error="not_in_channel")
        period = (NOW + timedelta(days=7 * week)).date().isoformat()
        world.enqueue(
            world.outgoing("weekly-digest", CHANNEL, "digest", period=period, part="1"),
            world.outgoing("weekly-digest", CHANNEL, "more", period=period, part="2"),
        )
        stats = sender.deliver_due()
        assert stats.parked == 2
        world.clock.advance(timedelta(days=7))
    digests = world.rows("weekly-digest")
    assert [r.status for r in digests] == ["parked"] * 4
    assert "invite @Paceline" in (digests[0].error or "")
    # Only the first post of a run asked Slack; the rest of the channel's queue was parked
    # without a call, for the same reason.
    assert (
        len([c for c in world.slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL])
        == 2
    )
    for manager in MANAGERS:
        [notice] = world.slack.messages_in(dm(manager))
        assert "weekly digest" in notice["text"] and "/invite @Paceline" in notice["text"]
        assert f"<#{CHANNEL}>" in notice["text"]
    assert [r.delivery_key for r in world.rows("notice")] == [
        f"notice|{world.team_id}|not_in_channel:{CHANNEL}|{m}|" for m in MANAGERS
    ]


def test_a_team_without_a_channel_is_parked_and_its_managers_told_once(db, standin, clock):
    world = make_world(db, standin, clock, channel=None)
    sender = world.sender()
    for week in range(2):
        period = (NOW + timedelta(days=7 * week)).date().isoformat()
        world.enqueue(world.outgoing("weekly-digest", "", "digest", period=period))
        assert sender.deliver_due().parked == 1
    parked = world.rows("weekly-digest")
    assert [r.status for r in parked] == ["parked", "parked"]
    assert (
        parked[0].error
        == "team east has no channel: set one with /team set east channel #channel-name"
    )
    # Nothing was posted for the team: only the two notices.
    assert sorted(c.params["channel"] for c in world.slack.calls_to("chat.postMessage")) == list(
        MANAGERS
    )
    for manager in MANAGERS:
        [notice] = world.slack.messages_in(dm(manager))
        assert "no channel" in notice["text"] and "/team set east channel" in notice["text"]


# ---------------------------------------------------------------------- concurrency


def test_posts_to_many_channels_overlap_while_each_channel_keeps_its_order(world):
    world.slack.latency = 0.03
    channels = [f"C{n:03d}" for n in range(20)]
    items = [
        world.outgoing("weekly-digest", c, f"{c} part {p}", part=str(p))
        for p in range(3)
        for c in channels
    ]
    world.enqueue(*items)
    stats = world.sender(concurrency=4).deliver_due()
    assert stats.sent == 60
    assert 1 < world.slack.max_in_flight("chat.postMessage") <= 4
    for channel in channels:
        assert world.posted_keys(channel) == [
            i.key.text() for i in items if i.key.recipient == channel
        ]
        assert world.slack.max_in_flight("chat.postMessage", channel) == 1


def test_once_a_claim_finds_nothing_the_sender_stops_claiming_ahead(world, monkeypatch):
    """At a round's end each worker taking a group from the short backlog used to start
    another claim, each finding nothing and taking CPU from the last posts."""
    found_nothing = 0
    claim = outbox.claim

    def counting_claim(*args: Any, **kwargs: Any) -> list[list[outbox.Claimed]]:
        nonlocal found_nothing
        groups = claim(*args, **kwargs)
        found_nothing += not groups
        return groups

    monkeypatch.setattr(outbox, "claim", counting_claim)
    world.slack.latency = 0.005
    world.enqueue(*(world.outgoing("nudge", f"U{n:03d}", f"nudge {n}") for n in range(60)))
    stats = world.sender(concurrency=4).deliver_due()
    assert stats.sent == 60
    # One claim ahead that finds the outbox empty, then at most one per worker that finds
    # the backlog empty at the end.
    assert found_nothing <= 1 + 4


def test_a_briefly_locked_sqlite_database_loses_nothing(tmp_path, standin, clock):
    path = tmp_path / "locked.db"
    db = Database(f"sqlite:///{path}")

    @event.listens_for(db.engine, "connect")
    def impatient(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Fail fast instead of waiting out the 5 s busy timeout, so the sender sees the lock.
        dbapi_connection.execute("PRAGMA busy_timeout=20")

    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        db.upgrade()
        world = make_world(db, standin, clock)

        def lock() -> None:
            blocker.execute("BEGIN IMMEDIATE")

        def unlock(_seconds: float) -> None:
            if blocker.in_transaction:
                blocker.execute("ROLLBACK")

        world.on_sleep = unlock  # another writer lets go while the sender backs off
        sender = world.sender()

        # Locked while claiming.
        first = world.outgoing("nudge", "UREP1", "one")
        world.enqueue(first)
        lock()
        assert sender.deliver_due().sent == 1
        assert len(world.sleeps) == 1

        # Locked between Slack's answer and recording it.
        def post_then_lock(call: RecordedCall) -> Any:
            answer = world.slack.default_answer(call)
            lock()
            return answer

        world.slack.set_handler("chat.postMessage", post_then_lock)
        second = world.outgoing("nudge", "UREP2", "two")
        world.enqueue(second)
        stats: DeliveryStats = sender.deliver_due()
        assert (stats.sent, stats.db_errors) == (1, 0)
        assert len(world.sleeps) == 2
        assert world.posted_keys(dm("UREP1")) == [first.key.text()]
        assert world.posted_keys(dm("UREP2")) == [second.key.text()]
        assert [r.status for r in world.rows()] == ["sent", "sent"]
    finally:
        blocker.close()
        db.dispose()
