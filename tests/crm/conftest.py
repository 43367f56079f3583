"""Fixtures of the HubSpot sync tests: a stand-in HubSpot on loopback whose clock is the
running app's FixedClock, and team east of a Slack workspace of the running app (admin ada,
manager dana, reps maria and bo, whose emails are HubSpot owners') connected to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

import pytest
import sqlalchemy as sa

from bot.clock import FixedClock
from bot.config import Settings
from bot.crm.connection import build_sync
from bot.crm.sync import HubSpotSync, SyncReport
from scheduler.celebrations import CelebrationWorker
from scheduler.sender import Sender
from storage import crm
from storage.db import Database
from storage.models import (
    AuditEvent,
    CelebrationCursor,
    CrmConnection,
    CrmRecord,
    Entry,
    Outbox,
    Person,
    Workspace,
)
from tests.conftest import ENV_ADMIN, RunningApp, SlackWorkspace
from tests.support.hubspot_api import StandInHubSpot

TEAM_TZ = "America/Los_Angeles"  # the team's zone; its people's own is New York
EMAILS = {"maria": "maria@east.example", "bo": "bo@east.example", "gus": "gus@east.example"}
OWNERS = {"maria": "101", "bo": "102", "gus": "103"}
NAMES = {"maria": ("Maria", "Lopez"), "bo": ("Bo", "Chen"), "gus": ("Gus", "Ghost")}


class Live(NamedTuple):
    """One entry as the figures see it: what, whose, when, how much, from where (a tuple, so
    one made in a test module equals one made here)."""

    ref: str
    metric: str
    person: str
    day: date
    quantity: int
    source: str


@dataclass
class Floor:
    """Team east connected to the stand-in HubSpot, and helpers to sync and look."""

    workspace: SlackWorkspace
    hubspot: StandInHubSpot
    workspace_id: int
    connection_id: int
    channel: str
    admin: str
    dana: str
    maria: str
    bo: str
    settings: Settings
    sleeps: list[float] = field(default_factory=list)

    @property
    def app(self) -> RunningApp:
        return self.workspace.app

    @property
    def clock(self) -> FixedClock:
        return self.app.clock

    @property
    def db(self) -> Database:
        return self.app.paceline.db

    def syncer(self, instance: str = "test-a") -> HubSpotSync:
        return build_sync(
            self.settings, self.db, self.clock, sleep=self.sleeps.append, instance=instance
        )

    def sync(
        self, *, since: datetime | None = None, instance: str = "test-a", advance: bool = True
    ) -> SyncReport:
        """A sync a minute after whatever happened before (HubSpot's last-modified dates of
        what a test just put are the clock's now; a run reads what changed before it began)."""
        if advance:
            self.clock.advance(timedelta(minutes=1))
        return self.syncer(instance).sync(self.workspace_id, since=since)

    def put(
        self,
        object_type: str,
        object_id: str,
        properties: dict,
        modified_at: datetime | None = None,
    ) -> None:
        self.hubspot.put(object_type, object_id, properties, modified_at=modified_at)

    # --- what the database holds for this workspace

    def people(self) -> dict[int, str]:
        """Person id → name (the hubspot bot person included)."""
        with self.db.read() as session:
            rows = session.execute(
                sa.select(Person.id, Person.name).where(Person.workspace_id == self.workspace_id)
            )
            return {pid: name for pid, name in rows}

    def person_id(self, name: str) -> int:
        [found] = [pid for pid, n in self.people().items() if n == name]
        return found

    def live(self) -> list[Live]:
        """The live synced entries, sorted."""
        names = self.people()
        return sorted(
            Live(e.external_ref or "", e.metric, names[e.person_id], e.day, e.quantity, e.source)
            for e in self.workspace.entries()
            if e.external_ref
        )

    def totals(self) -> dict[tuple[str, str], int]:
        """(person, metric) → the sum of their live entries (typed ones too)."""
        names = self.people()
        found: dict[tuple[str, str], int] = {}
        for e in self.workspace.entries():
            key = (names[e.person_id], e.metric)
            found[key] = found.get(key, 0) + e.quantity
        return found

    def entries(self, live_only: bool = False) -> list[Entry]:
        return self.workspace.entries(live_only=live_only)

    def audits(self, *actions: str) -> list[AuditEvent]:
        rows = self.workspace.rows(AuditEvent)
        return [a for a in rows if not actions or a.action in actions]

    def notices(self) -> list[Outbox]:
        return [o for o in self.workspace.rows(Outbox) if o.job == "crm"]

    def connection(self) -> CrmConnection:
        with self.db.read() as session:
            found = session.get(CrmConnection, self.connection_id)
            assert found is not None
            return found

    def records(self) -> list[CrmRecord]:
        return self.workspace.rows(CrmRecord)

    def snapshot(self) -> tuple:
        """Everything a sync may change, to compare before and after."""
        connection = self.connection()
        return (
            [
                (
                    e.id,
                    e.person_id,
                    e.metric,
                    e.day,
                    e.quantity,
                    e.source,
                    e.external_ref,
                    e.deleted_at,
                    e.entered_by_id,
                )
                for e in self.entries()
            ],  # fmt: skip
            [(a.id, a.action, a.subject_id, a.before, a.after, a.reason) for a in self.audits()],
            [
                (r.id, r.object_type, r.object_id, r.owner_id, r.facts, r.archived, r.modified_at)
                for r in self.records()
            ],
            connection.cursors,
            connection.mapping,
        )

    def deliver(self) -> None:
        sender = Sender(self.db, self.app.paceline.client_for, self.clock, owner="crm-test", sleep=lambda _s: None,
                        workspace_ids=[self.workspace_id])  # fmt: skip
        sender.deliver_due()


def mention(workspace: SlackWorkspace, user_id: str) -> str:
    return f"<@{user_id}|{workspace.names[user_id]}>"


def owners(hubspot: StandInHubSpot, *names: str) -> None:
    for name in names or ("maria", "bo", "gus"):
        first, last = NAMES[name]
        hubspot.add_owner(OWNERS[name], EMAILS[name], first, last)


def make_floor(workspace: SlackWorkspace, hubspot: StandInHubSpot) -> Floor:
    """Team east (Los Angeles, its own channel, live wins of deals on) in `workspace`, and
    the workspace's HubSpot connection."""
    channel = "C" + uuid.uuid4().hex[:9].upper()
    channel_name = f"east-{channel[1:6].lower()}"
    workspace.slack.add_channel(channel, channel_name)
    admin = workspace.user("ada", admin=True)
    dana = workspace.user("dana")
    maria = workspace.user("maria", real_name="Maria Lopez", email=EMAILS["maria"])
    bo = workspace.user("bo", real_name="Bo Chen", email=EMAILS["bo"])
    workspace.team(
        admin,
        f"create east <#{channel}|{channel_name}> manager {mention(workspace, dana)} tz {TEAM_TZ}",
    )
    reply = workspace.team(admin, f"add east {mention(workspace, maria)} {mention(workspace, bo)}")
    assert "maria" in reply and "bo" in reply, reply
    assert workspace.team(admin, "set east celebrate deals,hits,team").startswith("Team *east*"), (
        "celebrate"
    )
    app = workspace.app
    now = app.clock.now()
    with app.paceline.db.write() as session:
        workspace_id = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        assert workspace_id is not None
        emails = dict(session.execute(
            sa.select(Person.name, Person.email).where(Person.workspace_id == workspace_id, Person.name.in_(["maria", "bo"]))
        ).all())  # fmt: skip
        assert emails == {"maria": EMAILS["maria"], "bo": EMAILS["bo"]}
        connection = crm.connect(session, workspace_id, "hubspot", None, now)
        assert connection.id is not None
        connection_id = connection.id
    settings = Settings(
        hubspot_access_token=hubspot.token,
        hubspot_api_url=hubspot.base_url,
        admins=frozenset({ENV_ADMIN}),
    )
    return Floor(
        workspace, hubspot, workspace_id, connection_id, channel, admin, dana, maria, bo, settings
    )


@pytest.fixture
def hubspot(running_app: RunningApp) -> Iterator[StandInHubSpot]:
    """The stand-in, its clock the app's: what a test puts without a date was modified now."""
    clock = running_app.clock
    with StandInHubSpot("pat-na1-east-token", clock=lambda: clock.now().timestamp()) as standin:
        owners(standin)
        yield standin


@pytest.fixture
def floor(workspace: SlackWorkspace, hubspot: StandInHubSpot) -> Floor:
    return make_floor(workspace, hubspot)


@pytest.fixture
def wins(running_app: RunningApp) -> Iterator[CelebrationWorker]:
    """A live-wins worker of the test's own. Where the worker last looked is one row for the
    whole database, which every module shares: it is put back as it was afterwards, so the
    modules after these find the worker where they would have without them (a position made
    here would have them read every entry made since, their channel-less teams' too)."""
    db = running_app.paceline.db
    with db.read() as session:
        saved = {
            row.id: (row.entry_id, row.deleted_since, row.updated_at)
            for row in session.scalars(sa.select(CelebrationCursor))
        }
    try:
        yield CelebrationWorker(db, running_app.clock)
    finally:
        with db.write() as session:
            for row in session.scalars(sa.select(CelebrationCursor)):
                if row.id in saved:
                    row.entry_id, row.deleted_since, row.updated_at = saved[row.id]
                else:
                    session.delete(row)
