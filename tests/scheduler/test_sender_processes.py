"""Senders in separate OS processes sharing one PostgreSQL: two at once, and one killed in
the middle of a post and replaced. Each key reaches the stand-in Slack exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.messages import DeliveryKey, Message, Outgoing
from storage import outbox
from storage.db import Database
from storage.models import Outbox, Team
from storage.workspaces import ensure_workspace
from tests.support.slack_api import RecordedCall, StandInSlack

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("sender_worker.py")


@pytest.fixture(scope="module")
def db(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("several processes share one database on PostgreSQL; SQLite is for one process")
    return db


@pytest.fixture
def standin() -> Iterator[StandInSlack]:
    with StandInSlack() as slack:
        yield slack


def seed(db: Database, recipients: list[str], per_recipient: int) -> tuple[int, list[Outgoing]]:
    """A workspace of its own with `per_recipient` messages to each recipient, enqueued
    round-robin so every recipient's queue interleaves with the others."""
    now = datetime.now(UTC)
    with db.write() as session:
        workspace_id = ensure_workspace(session, "T" + uuid.uuid4().hex[:10].upper(), None, now)
        team = Team(
            workspace_id=workspace_id,
            name="east",
            name_key="east",
            channel_id="C0EAST",
            created_at=now,
        )
        session.add(team)
        session.flush()
        assert team.id is not None
        items = [
            Outgoing(
                workspace_id,
                DeliveryKey("nudge", team.id, "2026-11-25", r, str(n)),
                Message(r, f"{r} #{n}", part=str(n)),
            )
            for n in range(per_recipient)
            for r in recipients
        ]
        assert outbox.enqueue(session, items, now) == len(items)
    return workspace_id, items


def start_worker(
    db: Database, slack: StandInSlack, workspace_id: int, owner: str, log: Path, **options: Any
) -> subprocess.Popen[str]:
    command = [
        sys.executable, str(WORKER), "--database-url", db.url, "--slack-url", slack.api_url,
        "--workspace", str(workspace_id), "--owner", owner,
    ]  # fmt: skip
    for name, value in options.items():
        command += [f"--{name}", str(value)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # stderr to a file: a full pipe nobody reads would block the worker.
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=log.open("w"), text=True
    )


def finish(process: subprocess.Popen[str], log: Path, timeout: float = 120.0) -> dict[str, float]:
    out, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, log.read_text()
    return json.loads(out)


def stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def delivered_keys(slack: StandInSlack, recipients: list[str]) -> dict[str, list[str]]:
    """The keys of every message in each recipient's conversation, oldest first."""
    found = {}
    for recipient in recipients:
        channel = "D" + recipient if recipient.startswith("U") else recipient
        found[recipient] = [
            m["metadata"]["event_payload"]["key"] for m in slack.messages_in(channel)
        ]
    return found


def statuses(db: Database, workspace_id: int) -> Counter[str]:
    with db.read() as session:
        return Counter(
            session.scalars(sa.select(Outbox.status).where(Outbox.workspace_id == workspace_id))
        )


def test_two_processes_deliver_200_messages_to_20_recipients_each_exactly_once(
    db, standin, tmp_path
):
    recipients = [f"C{n:03d}" for n in range(10)] + [f"U{n:03d}" for n in range(10)]
    workspace_id, items = seed(db, recipients, per_recipient=10)
    standin.latency = 0.005  # long enough for the two processes' work to interleave
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = [
        start_worker(db, standin, workspace_id, f"worker-{n}", log)
        for n, log in zip("ab", logs, strict=True)
    ]
    try:
        totals = [finish(process, log) for process, log in zip(processes, logs, strict=True)]
    finally:
        stop(processes)
    found = delivered_keys(standin, recipients)
    posted = Counter(key for keys in found.values() for key in keys)
    assert posted == Counter({item.key.text(): 1 for item in items})
    for recipient in recipients:  # in enqueue order in every conversation
        assert found[recipient] == [i.key.text() for i in items if i.key.recipient == recipient]
    assert statuses(db, workspace_id) == Counter({"sent": 200})
    assert sum(t["sent"] for t in totals) == 200, totals


def test_a_killed_process_is_replaced_and_its_post_in_flight_is_not_sent_twice(
    db, standin, tmp_path
):
    recipients = ["C000", "C001", "U000", "U001"]
    workspace_id, items = seed(db, recipients, per_recipient=10)
    posts: list[str] = []
    lock = threading.Lock()
    tenth_stored, release = threading.Event(), threading.Event()

    def tenth_post_hangs(call: RecordedCall) -> Any:
        answer = standin.default_answer(call)  # Slack has the message…
        with lock:
            posts.append(call.params["metadata"]["event_payload"]["key"])
            count = len(posts)
        if count == 10:
            tenth_stored.set()
            release.wait(60)  # …and its answer never reaches the process
        return answer

    standin.set_handler("chat.postMessage", tenth_post_hangs)
    processes: list[subprocess.Popen[str]] = []
    try:
        first = start_worker(
            db,
            standin,
            workspace_id,
            "doomed",
            tmp_path / "doomed.log",
            lease=1,
            concurrency=2,
            timeout=30,
        )
        processes.append(first)
        assert tenth_stored.wait(60), (tmp_path / "doomed.log").read_text()
        first.kill()
        first.wait(10)
        with db.read() as session:
            hung = session.scalar(
                sa.select(Outbox).where(
                    Outbox.workspace_id == workspace_id, Outbox.delivery_key == posts[9]
                )
            )
        assert hung is not None and hung.status == "sending"

        # The replacement waits for the dead process's leases to run out, then looks in
        # each conversation before posting what the dead one may have sent.
        second = start_worker(
            db,
            standin,
            workspace_id,
            "replacement",
            tmp_path / "replacement.log",
            lease=2,
            concurrency=2,
            timeout=2,
        )
        processes.append(second)
        totals = finish(second, tmp_path / "replacement.log")
    finally:
        release.set()
        stop(processes)
    found = delivered_keys(standin, recipients)
    assert Counter(key for keys in found.values() for key in keys) == Counter(
        {item.key.text(): 1 for item in items}
    )
    assert Counter(posts) == Counter({item.key.text(): 1 for item in items})  # never posted twice
    assert statuses(db, workspace_id) == Counter({"sent": 40})
    assert totals["checked_unknown"] >= 1
    with db.read() as session:
        hung = session.scalar(
            sa.select(Outbox).where(
                Outbox.workspace_id == workspace_id, Outbox.delivery_key == posts[9]
            )
        )
    assert hung is not None
    hung_channel = "D" + hung.recipient if hung.recipient.startswith("U") else hung.recipient
    [stored] = [
        m
        for m in standin.messages_in(hung_channel)
        if m["metadata"]["event_payload"]["key"] == posts[9]
    ]
    assert (hung.status, hung.slack_ts) == ("sent", stored["ts"])
