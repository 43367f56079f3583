"""Two `paceline run` processes on one PostgreSQL, as a deployment with two instances runs:
both plan the same team jobs and both catch up the same missed run at start, and still
every message reaches Slack once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from storage.db import Database
from storage.models import Goal, JobRun, Outbox, Person, Team, TeamManager, TeamMember, TeamSchedule
from storage.workspaces import ensure_workspace
from tests.support.slack_api import StandInSlack

REPO = Path(__file__).resolve().parents[2]
SECRET = "0123456789abcdef0123456789abcdef"
REPS = 6


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    admin_url = os.environ.get("PACELINE_TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PACELINE_TEST_POSTGRES_URL is not set")
    url = sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"paceline_test_two_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _midday_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now, so "today" has room on both sides."""
    offset = max(-12, min(14, 12 - now.hour))
    # Etc/GMT-5 is UTC+5: the sign is inverted in these names.
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def seed(db: Database, slack: StandInSlack, now: datetime) -> tuple[list[str], str]:
    """A team whose log reminder and digest were both due two minutes ago, local time."""
    tz = _midday_zone(now)
    due = (now - timedelta(minutes=2)).astimezone(ZoneInfo(tz)).strftime("%H:%M")
    slack.add_channel("CTWOINST1", "sales-two")
    reps = [f"UTWO{n:05d}" for n in range(REPS)]
    with db.write() as session:
        ws = ensure_workspace(session, "TTWOINST", None, now)
        # Created the day before: the runs due two minutes ago were missed, not before it existed.
        team = Team(
            workspace_id=ws,
            name="two",
            name_key="two",
            channel_id="CTWOINST1",
            channel_name="sales-two",
            tz=tz,
            workweek="0,1,2,3,4,5,6",
            created_at=now - timedelta(days=1),
        )
        session.add(team)
        session.flush()
        people = [
            Person(
                workspace_id=ws,
                slack_user_id=u,
                name=f"rep{n}",
                tz=tz,
                created_at=now,
                refreshed_at=now,
            )
            for n, u in enumerate(reps)
        ]
        manager = Person(
            workspace_id=ws,
            slack_user_id="UTWOMGR",
            name="dana",
            tz=tz,
            created_at=now,
            refreshed_at=now,
        )
        session.add_all([*people, manager])
        session.flush()
        session.add_all(
            [
                TeamMember(workspace_id=ws, team_id=team.id, person_id=p.id, added_at=now)
                for p in people
            ]
        )
        session.add(
            TeamManager(workspace_id=ws, team_id=team.id, person_id=manager.id, added_at=now)
        )
        monday = now.date() - timedelta(days=now.date().weekday() + 7)
        session.add_all(
            [
                Goal(
                    workspace_id=ws,
                    kind="individual",
                    person_id=p.id,
                    metric="calls",
                    period_kind="week",
                    target=50,
                    start=monday,
                    created_by_id=manager.id,
                    created_at=now,
                )
                for p in people
            ]
        )
        for job in ("log-reminder", "weekly-digest"):
            session.add(
                TeamSchedule(
                    workspace_id=ws,
                    team_id=team.id,
                    job=job,
                    days="0,1,2,3,4,5,6",
                    at_time=due,
                    enabled=True,
                    updated_at=now,
                )
            )
        for job in ("nudge", "lagging-alert"):
            session.add(
                TeamSchedule(
                    workspace_id=ws,
                    team_id=team.id,
                    job=job,
                    days=None,
                    at_time=None,
                    enabled=False,
                    updated_at=now,
                )
            )
    return reps, tz


def start(database_url: str, slack: StandInSlack, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "PACELINE_", "DATABASE_URL", "PORT"))
    }
    env.update(
        PYTHONPATH=str(REPO),
        SLACK_BOT_TOKEN="xoxb-two",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        DATABASE_URL=database_url,
        PORT=str(port),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1"],
        cwd=log.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def test_two_instances_deliver_each_scheduled_message_once(fresh_postgres, slack, tmp_path):
    now = datetime.now(UTC)
    db = Database(fresh_postgres)
    db.upgrade()
    reps, _ = seed(db, slack, now)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = [start(fresh_postgres, slack, _free_port(), log) for log in logs]
    try:
        # 6 reminders + the digest + its chart, from whichever instance gets there first.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.read() as session:
                statuses = Counter(session.scalars(sa.select(Outbox.status)))
            if statuses.get("sent", 0) >= REPS + 2 or any(p.poll() is not None for p in processes):
                break
            time.sleep(0.1)  # polling another process's progress, under a deadline
        assert all(p.poll() is None for p in processes), "\n".join(log.read_text() for log in logs)
        assert statuses == Counter({"sent": REPS + 2}), "\n".join(log.read_text() for log in logs)
    finally:
        for process in processes:
            process.kill()
            process.wait(10)
        db.dispose()
    with Database(fresh_postgres).read() as session:
        runs = sorted(session.scalars(sa.select(JobRun.job)))
    assert runs == ["log-reminder", "weekly-digest"]
    posts = [
        c
        for c in slack.calls_to("chat.postMessage")
        if str(c.params.get("channel")) in {*reps, "CTWOINST1"}
    ]
    keys = Counter(
        (c.params.get("metadata") or {}).get("event_payload", {}).get("key") for c in posts
    )
    assert sorted(c.params["channel"] for c in posts) == sorted([*reps, "CTWOINST1"])
    assert set(keys.values()) == {1}
    charts = [
        c
        for c in slack.calls_to("files.completeUploadExternal")
        if c.params.get("channel_id") == "CTWOINST1"
    ]
    assert len(charts) == 1
    # The digest's chart is stored as data and drawn by whichever instance sends it.
    [uploaded] = charts[0].params["files"]
    assert slack.file_content(uploaded["id"]).startswith(b"\x89PNG")
