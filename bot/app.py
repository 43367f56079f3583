"""The composition root: settings, storage, Slack client and listeners wired into one app."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.clock import Clock, SystemClock
from bot.config import Settings
from handlers import register_all
from handlers.context import Services
from handlers.identity import Directory
from scheduler.runner import JobRunner
from scheduler.sender import Sender
from scheduler.service import SchedulerService
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Paceline:
    """Everything one running instance holds."""

    settings: Settings
    db: Database
    clock: Clock
    bolt: App
    services: Services
    scheduler: SchedulerService

    def start_scheduler(self) -> None:
        """Plan every team's jobs, catch up missed runs and start delivering. /team changes
        re-plan at once from then on."""
        self.scheduler.start()
        self.services.schedule_changed = self.scheduler.sync

    def stop_scheduler(self) -> None:
        self.services.schedule_changed = lambda: None
        self.scheduler.stop()


def slack_client(settings: Settings, token: str | None = None) -> WebClient:
    client = WebClient(token=token or settings.bot_token, base_url=settings.slack_api_url, timeout=10)
    # slack-sdk retries connection errors only unless told otherwise.
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


def build(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    source: str = "slack",
    migrate: bool = True,
) -> Paceline:
    """Build the app. Migrations run first so a new deployment starts on the right schema."""
    db = db or Database(settings.database_url)
    if migrate:
        db.upgrade()
    clock = clock or SystemClock()
    bolt = App(
        signing_secret=settings.signing_secret,
        client=slack_client(settings),
        # Listeners run in the request thread and their ack is the HTTP response: no 10 ms
        # ack polling. Everything a listener does must fit in Slack's 3 seconds.
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )
    services = Services(db=db, clock=clock, directory=Directory(db, clock, settings.admins), source=source)
    register_all(bolt, services)
    return Paceline(
        settings=settings, db=db, clock=clock, bolt=bolt, services=services, scheduler=scheduler_for(settings, db, clock)
    )


def sender_client(settings: Settings, token: str | None = None) -> WebClient:
    """The outbox sender's client: no retry handlers, because the sender owns every retry
    (it must know when an answer was lost, to check the channel before posting again)."""
    client = WebClient(token=token or settings.bot_token, base_url=settings.slack_api_url, timeout=10)
    client.retry_handlers = []
    return client


def scheduler_for(settings: Settings, db: Database, clock: Clock, *, sleep: Callable[[float], None] = time.sleep) -> SchedulerService:
    client = sender_client(settings)
    sender = Sender(db, lambda _workspace_id: client, clock, owner=instance_name(), sleep=sleep)
    runner = JobRunner(db, clock, on_enqueued=sender.wake, sleep=sleep)
    return SchedulerService(db, clock, runner, sender)


def instance_name() -> str:
    """Who holds an outbox lease: unique per process, readable in `paceline jobs list`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
