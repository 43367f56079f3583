"""The scheduled CRM sync: with HUBSPOT_ACCESS_TOKEN the app plans one APScheduler job every
PACELINE_CRM_SYNC_MINUTES, and one firing syncs the single workspace (its connection made
from the environment) and delivers the admins' notices; without a token or a key there is
no job at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.app import scheduler_for
from bot.clock import FixedClock
from bot.config import Settings
from storage.db import Database
from storage.models import CrmConnection, CrmRecord, Entry, Outbox, Person, Workspace
from tests.conftest import fresh_database
from tests.support.hubspot_api import StandInHubSpot

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_scheduled_job_syncs_the_one_workspace_from_the_environment(backend, tmp_path):
    with fresh_database(backend, tmp_path, "paceline_crm_job") as url, StandInHubSpot() as hubspot:
        db = Database(url)
        db.upgrade()
        try:
            with db.write() as session:
                ws = Workspace(slack_team_id="TJOB", name="Job Co", created_at=NOW)
                session.add(ws)
                session.flush()
                session.add(Person(workspace_id=ws.id, slack_user_id="UMARIA", name="maria", email="maria@job.co",
                                   tz="America/New_York", created_at=NOW, refreshed_at=NOW))  # fmt: skip
                session.add(Person(workspace_id=ws.id, slack_user_id="UADA", name="ada", slack_admin=True,
                                   created_at=NOW, refreshed_at=NOW))  # fmt: skip
            hubspot.add_owner("7", "maria@job.co", "Maria", "Job")
            hubspot.add_owner("8", "ghost@job.co", "Ghost", "Rep")
            for n in range(3):
                hubspot.put("calls", str(n + 1), {"hs_timestamp": "2026-12-01T15:00:00Z", "hubspot_owner_id": "7"},
                            modified_at=NOW - timedelta(hours=3 - n))  # fmt: skip
            settings = Settings(database_url=url, hubspot_access_token=hubspot.token, hubspot_api_url=hubspot.base_url,
                                crm_sync_minutes=5)  # fmt: skip
            service = scheduler_for(
                settings, db, FixedClock(NOW), client_for=lambda _ws: None, sleep=lambda _s: None
            )
            service.start(paused=True)
            try:
                job = service.scheduler.get_job("paceline:crm")
                assert job is not None and job.trigger.interval.total_seconds() == 300
                service.sync_crm()
                service.sync_crm()  # a second firing changes nothing
            finally:
                service.stop()
            with db.read() as session:
                calls = session.scalars(
                    sa.select(Entry).where(Entry.metric == "calls", Entry.deleted_at.is_(None))
                ).all()
                connection = session.scalars(sa.select(CrmConnection)).one()
                notices = session.scalars(sa.select(Outbox).where(Outbox.job == "crm")).all()
            assert [(e.quantity, e.source, e.external_ref) for e in calls] == [
                (1, "hubspot-backfill", f"hubspot:calls:{n}") for n in (1, 2, 3)
            ]
            assert (
                connection.token_encrypted is None
                and connection.last_error is None
                and connection.last_sync_at == NOW
            )
            # One DM to the one admin about the one unmatched owner, however often it runs.
            assert [(n.recipient, n.team_id) for n in notices] == [("UADA", None)]
            assert "Ghost Rep &lt;ghost@job.co&gt;" in notices[0].payload  # HubSpot text, escaped
        finally:
            db.dispose()


def test_without_a_token_or_a_key_there_is_no_crm_job(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/none.db")
    db.upgrade()
    try:
        service = scheduler_for(
            Settings(database_url=str(db.engine.url)),
            db,
            FixedClock(NOW),
            client_for=lambda _ws: None,
        )
        service.start(paused=True)
        try:
            assert service.scheduler.get_job("paceline:crm") is None
        finally:
            service.stop()
    finally:
        db.dispose()


class _BotClient:
    """What the job asks of Slack: which workspace the bot token serves."""

    def auth_test(self) -> dict:
        return {"ok": True, "team_id": "TFIRST"}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_first_sync_does_not_wait_for_a_first_slack_request(backend, tmp_path):
    """A fresh install: no request from Slack has created the workspace yet; the job learns
    it from the bot token (auth.test), makes it and syncs at once."""
    with (
        fresh_database(backend, tmp_path, "paceline_crm_first") as url,
        StandInHubSpot() as hubspot,
    ):
        db = Database(url)
        db.upgrade()
        try:
            hubspot.add_owner("7", "maria@first.co", "Maria", "First")
            hubspot.put("calls", "1", {"hs_timestamp": "2026-12-01T15:00:00Z", "hubspot_owner_id": "7"},
                        modified_at=NOW - timedelta(hours=1))  # fmt: skip
            settings = Settings(database_url=url, hubspot_access_token=hubspot.token, hubspot_api_url=hubspot.base_url,
                                bot_token="xoxb-first", signing_secret="0" * 32)  # fmt: skip
            service = scheduler_for(
                settings,
                db,
                FixedClock(NOW),
                client_for=lambda _ws: _BotClient(),
                sleep=lambda _s: None,
            )
            service.start(paused=True)
            try:
                service.sync_crm()
            finally:
                service.stop()
            with db.read() as session:
                workspace = session.scalars(sa.select(Workspace)).one()
                connection = session.scalars(sa.select(CrmConnection)).one()
                records = session.scalars(sa.select(CrmRecord)).all()
            assert workspace.slack_team_id == "TFIRST" and connection.workspace_id == workspace.id
            assert connection.last_sync_at == NOW and connection.last_error is None
            # Nobody to match yet: the call is kept and counts once maria is someone.
            assert [(r.object_type, r.object_id, r.owner_id) for r in records] == [
                ("calls", "1", "7")
            ]
        finally:
            db.dispose()
