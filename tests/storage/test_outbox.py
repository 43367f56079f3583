"""The outbox's SQL on both databases: keys that make enqueueing idempotent, claims that keep
one recipient's rows together and in order, leases, outcomes and the `jobs list` summary."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from scheduler.messages import ChartFile, DeliveryKey, Message, Outgoing
from storage import outbox
from storage.db import Database
from storage.models import Outbox, Team
from storage.workspaces import ensure_workspace

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


@pytest.fixture
def workspace(db: Database) -> tuple[int, int]:
    """A workspace of this test's own (tests share the database) and a team in it."""
    with db.write() as session:
        workspace_id = ensure_workspace(session, "T" + uuid.uuid4().hex[:12].upper(), None, NOW)
        team = Team(
            workspace_id=workspace_id,
            name="east",
            name_key="east",
            channel_id="C_EAST",
            created_at=NOW,
        )
        session.add(team)
        session.flush()
        assert team.id is not None
        return workspace_id, team.id


def item(
    workspace: tuple[int, int],
    recipient: str,
    period: str = "2026-11-20",
    part: str = "",
    text: str = "hi",
) -> Outgoing:
    workspace_id, team_id = workspace
    key = DeliveryKey("nudge", team_id, period, recipient, part)
    return Outgoing(workspace_id, key, Message(recipient, text, part=part))


def enqueue(db: Database, items: list[Outgoing], now: datetime = NOW) -> int:
    with db.write() as session:
        return outbox.enqueue(session, items, now)


def claim(
    db: Database,
    workspace: tuple[int, int],
    owner: str = "a",
    now: datetime = NOW,
    max_rows: int = 10,
) -> list[list[outbox.Claimed]]:
    with db.write() as session:
        return outbox.claim(
            session,
            owner=owner,
            now=now,
            lease=LEASE,
            max_rows=max_rows,
            workspace_ids=[workspace[0]],
        )


@contextlib.contextmanager
def open_transaction(db: Database, work: Callable[[Session], object]) -> Iterator[None]:
    """`work` done in a write transaction on another thread, left open (its row locks held)
    until the block ends."""
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write() as session:
            work(session)
            ready.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert ready.wait(10)
        yield
    finally:
        release.set()
        thread.join(10)


def rows(db: Database, workspace: tuple[int, int]) -> list[Outbox]:
    with db.read() as session:
        return list(
            session.scalars(
                sa.select(Outbox).where(Outbox.workspace_id == workspace[0]).order_by(Outbox.id)
            )
        )


def test_enqueue_skips_keys_already_there_and_counts_only_new_rows(db, workspace):
    first = [item(workspace, "U1"), item(workspace, "U2"), item(workspace, "C_EAST", part="1")]
    assert enqueue(db, first) == 3
    assert enqueue(db, first) == 0  # a repeated run
    assert enqueue(db, [*first, item(workspace, "U3")]) == 1
    stored = rows(db, workspace)
    assert [r.delivery_key for r in stored] == [
        i.key.text() for i in [*first, item(workspace, "U3")]
    ]
    assert {(r.status, r.attempts, r.not_before) for r in stored} == {("pending", 0, NOW)}


def test_the_same_key_in_another_workspace_is_another_row(db, workspace):
    with db.write() as session:
        other_ws = ensure_workspace(session, "T" + uuid.uuid4().hex[:12].upper(), None, NOW)
    key = item(workspace, "U1").key
    assert (
        enqueue(
            db,
            [
                Outgoing(workspace[0], key, Message("U1", "a")),
                Outgoing(other_ws, key, Message("U1", "b")),
            ],
        )
        == 2
    )


def test_keys_longer_than_their_columns_are_refused(db, workspace):
    with pytest.raises(ValueError, match="period"):
        enqueue(db, [item(workspace, "U1", period="x" * 65)])
    assert rows(db, workspace) == []


def test_payload_round_trips_text_blocks_and_file_bytes():
    blocks = ({"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}},)
    message = Message(
        "C1", "digest", blocks, ChartFile("chart.png", "Week 47", b"\x89PNG\x00\xff"), "chart"
    )
    assert outbox.decode_message(outbox.encode_message(message), "C1", "chart") == message


def test_claim_takes_each_recipients_due_rows_together_oldest_first(db, workspace):
    enqueue(
        db,
        [item(workspace, "U1", part="1"), item(workspace, "U2"), item(workspace, "U1", part="2")],
    )
    groups = claim(db, workspace)
    assert [[r.recipient + r.part for r in g] for g in groups] == [["U11", "U12"], ["U2"]]
    assert all(not r.outcome_unknown and r.attempts == 0 for g in groups for r in g)
    assert {(r.status, r.lease_owner, r.lease_until) for r in rows(db, workspace)} == {
        ("sending", "a", NOW + LEASE)
    }
    # Held rows are nobody else's until their lease runs out.
    assert claim(db, workspace, owner="b") == []


def test_claim_respects_max_rows(db, workspace):
    enqueue(db, [item(workspace, f"U{n}") for n in range(5)])
    assert [[r.recipient for r in g] for g in claim(db, workspace, max_rows=2)] == [
        ["U0"],
        ["U1"],
    ]
    assert [[r.recipient for r in g] for g in claim(db, workspace, owner="b")] == [
        ["U2"],
        ["U3"],
        ["U4"],
    ]


def test_a_claim_cut_short_leaves_the_rest_of_a_queue_to_the_next_claim_after_it(db, workspace):
    """A claim takes a bounded number of rows: a long queue may be cut after its first
    rows. Its later rows wait behind the held ones, for every claimer, until those are
    done."""
    enqueue(db, [item(workspace, "U1", part=str(p)) for p in range(1, 4)] + [item(workspace, "U2")])
    [first] = claim(db, workspace, max_rows=1)
    parts = [r.part for r in first]
    assert {r.recipient for r in first} == {"U1"} and parts == ["1", "2", "3"][: len(parts)]
    assert [[r.recipient for r in g] for g in claim(db, workspace, owner="b")] == [["U2"]]
    with db.write() as session:
        outbox.mark_sent_many(session, [outbox.SentMark(r.id, None, "1.0", NOW) for r in first])
    rest = ["1", "2", "3"][len(parts) :]
    assert [[r.part for r in g] for g in claim(db, workspace, owner="b")] == (
        [rest] if rest else []
    )


def test_a_claim_reads_the_queues_through_the_index_of_unfinished_rows_on_sqlite(db, workspace):
    """Without it SQLite sorts every due row on each claim (no statistics), or walks every
    row ever sent (statistics from a full outbox)."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's planner is trusted with the partial index")
    enqueue(db, [item(workspace, "U1"), item(workspace, "U2")])
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        claim(db, workspace)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in seen if s.lstrip().startswith("SELECT"))
    with db.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    assert "USING INDEX ix_outbox_unfinished" in plan[0][-1], plan


def test_a_recipient_waits_while_its_older_row_is_held_or_backing_off(db, workspace):
    enqueue(db, [item(workspace, "C1", part="1")])
    [[first]] = claim(db, workspace)
    # A newer post to the same channel must not overtake the one being sent.
    enqueue(db, [item(workspace, "C1", part="2"), item(workspace, "U9")])
    assert [[r.recipient for r in g] for g in claim(db, workspace, owner="b")] == [["U9"]]
    with db.write() as session:
        assert outbox.schedule_retry(
            session, first.id, owner="a", now=NOW, not_before=NOW + timedelta(minutes=1),
            error="Slack answered 500", outcome_unknown=False,
        )  # fmt: skip
    # Still blocked: the head is waiting for its backoff.
    assert claim(db, workspace, owner="b") == []
    later = NOW + timedelta(minutes=1)
    assert [[r.part for r in g] for g in claim(db, workspace, owner="b", now=later)] == [["1", "2"]]


def test_an_expired_lease_is_claimable_again_with_the_outcome_unknown(db, workspace):
    enqueue(db, [item(workspace, "U1")])
    claim(db, workspace, owner="dead")
    assert claim(db, workspace, owner="b", now=NOW + LEASE) == []  # not expired yet
    [[row]] = claim(db, workspace, owner="b", now=NOW + LEASE + timedelta(seconds=1))
    assert (row.outcome_unknown, row.attempts) == (True, 1)
    [stored] = rows(db, workspace)
    assert (stored.lease_owner, stored.outcome_unknown, stored.attempts) == ("b", True, 1)


def test_rows_the_claimer_still_holds_are_not_claimed_again_by_it(db, workspace):
    """A worker waiting out a long rate limit may outlive its lease: its sibling in the same
    process (same owner, so it would pass the lease check) must not take the row over."""
    enqueue(db, [item(workspace, "U1"), item(workspace, "U2")])
    [[held], [other]] = claim(db, workspace, owner="a")
    later = NOW + LEASE + timedelta(seconds=1)
    with db.write() as session:
        again = outbox.claim(session, owner="a", now=later, lease=LEASE, max_rows=10,
                             workspace_ids=[workspace[0]], held={held.id})  # fmt: skip
    assert [[r.id for r in g] for g in again] == [[other.id]]
    assert [[r.id for r in g] for g in claim(db, workspace, owner="b", now=later)] == [[held.id]]


def test_a_batch_of_sent_marks_records_each_rows_own_channel_ts_and_time(db, workspace):
    enqueue(db, [item(workspace, "U1"), item(workspace, "U2"), item(workspace, "U3")])
    [[one], [two], [three]] = claim(db, workspace)
    with db.write() as session:
        outbox.remember_channel(session, two.id, "D_KEPT", now=NOW)
        outbox.mark_sent_many(session, [
            outbox.SentMark(one.id, "DU1", "1.000001", NOW + timedelta(seconds=1)),
            outbox.SentMark(two.id, None, "2.000002", NOW + timedelta(seconds=2)),
        ])  # fmt: skip
    by_id = {r.id: r for r in rows(db, workspace)}
    assert [(by_id[i].status, by_id[i].channel_id, by_id[i].slack_ts, by_id[i].sent_at, by_id[i].lease_owner)
            for i in (one.id, two.id)] == [
        ("sent", "DU1", "1.000001", NOW + timedelta(seconds=1), None),
        ("sent", "D_KEPT", "2.000002", NOW + timedelta(seconds=2), None),  # no channel given: kept
    ]  # fmt: skip
    assert (by_id[three.id].status, by_id[three.id].slack_ts) == ("sending", None)


def test_only_the_holder_changes_a_claimed_row(db, workspace):
    enqueue(db, [item(workspace, "U1", part="1"), item(workspace, "U1", part="2")])
    [[one, two]] = claim(db, workspace, owner="a")
    with db.write() as session:
        assert outbox.renew(session, [one.id, two.id], owner="b", now=NOW, lease=LEASE) == set()
        assert not outbox.park(session, one.id, owner="b", now=NOW, reason="x")
        assert outbox.release(session, [two.id], owner="b", now=NOW) == 0
        assert outbox.renew(session, [one.id, two.id], owner="a", now=NOW, lease=LEASE * 2) == {
            one.id,
            two.id,
        }
        assert outbox.release(session, [two.id], owner="a", now=NOW) == 1
        outbox.mark_sent(session, one.id, now=NOW, channel_id="DU1", ts="1.000001")
    first, second = rows(db, workspace)
    assert (first.status, first.slack_ts, first.channel_id, first.sent_at, first.lease_owner) == (
        "sent",
        "1.000001",
        "DU1",
        NOW,
        None,
    )
    assert (second.status, second.lease_owner, second.attempts) == ("pending", None, 0)


def test_requeue_retries_failed_and_parked_rows_never_sent_or_live_ones(db, workspace):
    enqueue(
        db,
        [
            item(workspace, "U1"),
            item(workspace, "U2"),
            item(workspace, "U3"),
            item(workspace, "U4"),
        ],
    )
    [[sent], [parked], [failed], [held]] = claim(db, workspace)
    with db.write() as session:
        outbox.mark_sent(session, sent.id, now=NOW, channel_id="DU1", ts="1.1")
        outbox.park(session, parked.id, owner="a", now=NOW, reason="not in channel")
        outbox.park(session, failed.id, owner="a", now=NOW, reason="gave up", status="failed")
    later = NOW + timedelta(days=7)
    keys = [r.delivery_key for r in (sent, parked, failed, held)]
    with db.write() as session:
        assert outbox.requeue(session, workspace[0], keys, later) == 2
    by_key = {r.delivery_key: r for r in rows(db, workspace)}
    assert (by_key[sent.delivery_key].status, by_key[sent.delivery_key].slack_ts) == ("sent", "1.1")
    for retried in (parked, failed):
        row = by_key[retried.delivery_key]
        assert (row.status, row.error, row.created_at, row.not_before) == (
            "pending",
            None,
            later,
            later,
        )
    assert by_key[held.delivery_key].status == "sending"


def test_summary_counts_by_team_job_and_status_and_lists_problems_in_one_statement(db, workspace):
    workspace_id, team_id = workspace
    enqueue(db, [item(workspace, f"U{n}") for n in range(4)])
    groups = claim(db, workspace)
    with db.write() as session:
        outbox.mark_sent(session, groups[0][0].id, now=NOW, channel_id="DU0", ts="1.1")
        outbox.park(
            session, groups[1][0].id, owner="a", now=NOW, reason="the account is deactivated"
        )
        outbox.park(
            session,
            groups[2][0].id,
            owner="a",
            now=NOW + timedelta(seconds=1),
            reason="gave up after 5 attempts",
            status="failed",
        )
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    for engine in db.engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        with db.read() as session:
            summary = outbox.summary(session, workspace_id)
    finally:
        for engine in db.engines:
            event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "outbox" in s]) == 1
    [job] = summary.jobs
    assert (job.team_id, job.job, job.counts, job.last_sent_at) == (
        team_id,
        "nudge",
        {"sent": 1, "parked": 1, "failed": 1, "sending": 1},
        NOW,
    )
    assert [(p.recipient, p.status, p.error) for p in summary.problems] == [
        ("U2", "failed", "gave up after 5 attempts"),
        ("U1", "parked", "the account is deactivated"),
    ]
    with db.read() as session:
        assert outbox.unfinished(session, [workspace_id]) == 1


def test_a_row_another_transaction_locked_ends_its_recipients_group_on_postgresql(db, workspace):
    """Skipping a locked row must not let the same recipient's next row overtake it."""
    if db.is_sqlite:
        pytest.skip("SQLite serializes claims with BEGIN IMMEDIATE; there is nothing to skip")
    enqueue(
        db,
        [item(workspace, "U0", part="0"), item(workspace, "U0", part="1"), item(workspace, "U1")],
    )
    head = rows(db, workspace)[0]
    with open_transaction(
        db, lambda s: s.execute(sa.select(Outbox.id).where(Outbox.id == head.id).with_for_update())
    ):
        taken = claim(db, workspace, owner="b")
    assert [[r.recipient + r.part for r in g] for g in taken] == [["U1"]]
    assert [[r.recipient + r.part for r in g] for g in claim(db, workspace, owner="c")] == [
        ["U00", "U01"]
    ]


def test_concurrent_claims_skip_each_others_rows_on_postgresql(db, workspace):
    if db.is_sqlite:
        pytest.skip("SQLite serializes claims with BEGIN IMMEDIATE; there is nothing to skip")
    enqueue(db, [item(workspace, f"U{n}", part=str(p)) for n in range(4) for p in range(2)])
    first: list[list[outbox.Claimed]] = []

    def claim_four_rows(session: Session) -> None:
        first.extend(
            outbox.claim(
                session, owner="a", now=NOW, lease=LEASE, max_rows=4, workspace_ids=[workspace[0]]
            )
        )

    with open_transaction(db, claim_four_rows):
        # "a" has not committed: its rows are locked, and the claim below skips them
        # instead of waiting, and takes no row of a recipient "a" holds.
        second = claim(db, workspace, owner="b")
    assert [[r.recipient for r in g] for g in first] == [["U0", "U0"], ["U1", "U1"]]
    assert [[r.recipient for r in g] for g in second] == [["U2", "U2"], ["U3", "U3"]]
