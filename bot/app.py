"""The composition root: settings, storage, Slack client and listeners wired into one app."""

from __future__ import annotations

import logging
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
    return Paceline(settings=settings, db=db, clock=clock, bolt=bolt, services=services)
