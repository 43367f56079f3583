"""The composition root: settings, storage, Slack client and listeners wired into one app.

Two ways to reach Slack. With SLACK_BOT_TOKEN one workspace is served with that token. With
SLACK_CLIENT_ID and SLACK_CLIENT_SECRET any number of workspaces install Paceline through
/slack/install (bot/oauth.py): Bolt gives each request a client with its workspace's token,
and `client_for(workspace_id)` does the same for the scheduler.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import Installation

from bot import oauth
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.crm import connection as crm_connection
from bot.services import later
from bot.services.context import Services
from bot.services.people import Directory
from bot.slack_pooled_client import PooledWebClient
from handlers import register_all
from handlers.events import retries, uninstall
from scheduler.celebrations import CelebrationWorker
from scheduler.runner import JobRunner
from scheduler.sender import Sender
from scheduler.service import SchedulerService
from storage import imports, installations
from storage.db import SERVING, Database, is_unavailable, write_in_doubt

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
    # Each workspace's Web API client for work done outside a request (the sender).
    client_for: Callable[[int], WebClient] = field(repr=False)
    # Runs the lazy listeners: the Slack calls each request makes after its answer.
    background: later.Background = field(default_factory=later.Background, repr=False)

    def start_scheduler(self) -> None:
        """Plan every team's jobs, catch up missed runs and start delivering. /team changes
        re-plan at once from then on."""
        if not self.settings.oauth_enabled:
            # One workspace: a process started with a working SLACK_BOT_TOKEN serves an
            # installed app, so a workspace stopped by an uninstall is active again.
            uninstall.started_with_token(self.services, self.bolt.client)
        self.scheduler.start()
        self.services.schedule_changed = self.scheduler.sync

    def stop_scheduler(self) -> None:
        self.services.schedule_changed = lambda: None
        self.scheduler.stop()


def slack_client(settings: Settings, token: str | None = None) -> WebClient:
    return _web_client(settings, token or settings.bot_token, retries=True)


def build(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    source: str = "slack",
    migrate: bool = True,
) -> Paceline:
    """Build the app. Migrations run first so a new deployment starts on the right schema."""
    db = db or Database(settings.database_url, timeouts=SERVING)
    if migrate:
        db.upgrade()
    clock = clock or SystemClock()
    services = Services(
        db=db, clock=clock, directory=Directory(db, clock, settings.admins), source=source
    )
    installs = oauth.Installations(settings, db) if settings.oauth_enabled else None
    client_for = sender_clients(settings, db, installs)
    background = later.Background()
    if installs is not None:
        bolt = _oauth_bolt(settings, clock, services, installs, background)
    else:
        bolt = App(
            signing_secret=settings.signing_secret,
            client=slack_client(settings),
            # Listeners run in the request thread and their ack is the HTTP response: no 10 ms
            # ack polling. Everything a listener does must fit in Slack's 3 seconds, so its
            # Slack calls come after the answer, in a lazy listener (bot/services/later.py).
            process_before_response=True,
            listener_executor=background,
            logger=logging.getLogger("slack_bolt"),
        )
    register_all(bolt, services)
    answer_errors(bolt)
    # An Events API retry of an event already taken here is acknowledged and skipped.
    retries.register(bolt)
    # Everything loaded so far (libraries, the app) lives as long as the process: keep it out
    # of the cyclic collector, whose full passes over it would otherwise land in the slowest
    # requests.
    gc.freeze()
    return Paceline(
        settings=settings,
        db=db,
        clock=clock,
        bolt=bolt,
        services=services,
        scheduler=scheduler_for(settings, db, clock, client_for=client_for),
        client_for=client_for,
        background=background,
    )


def _oauth_bolt(
    settings: Settings,
    clock: Clock,
    services: Services,
    installs: oauth.Installations,
    background: later.Background,
) -> App:
    if settings.bot_token:
        # Never a fallback: a workspace without an installation must not be served with
        # another workspace's token.
        log.warning(
            "SLACK_BOT_TOKEN is ignored: with SLACK_CLIENT_ID/SECRET every workspace's token comes from its install"
        )

    def on_installed(installation: Installation) -> None:
        installs.activate(installation, clock.now())
        services.schedule_changed()  # a reinstalled workspace's jobs come back at once

    # The base client carries no token: Bolt gives each request a copy with its workspace's.
    bolt = oauth.oauth_app(
        settings, _web_client(settings, None, retries=True), installs, on_installed, background
    )
    log.info("OAuth is on: workspaces install Paceline at %s", oauth.INSTALL_PATH)
    return bolt


def sender_clients(
    settings: Settings, db: Database, installs: oauth.Installations | None = None
) -> Callable[[int], WebClient]:
    """`client_for(workspace_id)` for the sender: the one bot token's client in single-
    workspace mode; with OAuth, a client with the workspace's own installed token."""
    if settings.oauth_enabled:
        installs = installs or oauth.Installations(settings, db)
        return installs.client_for(lambda token: _web_client(settings, token, retries=False))
    client = sender_client(settings)
    return lambda _workspace_id: client


def workspace_client(
    settings: Settings, db: Database, slack_team_id: str | None
) -> WebClient | None:
    """A Web API client for work outside a request (`paceline import`): the bot token's in
    single-workspace mode; with OAuth, the installed token of `slack_team_id` (None when it
    is not installed, or not named: with several installs there is no default)."""
    if not settings.oauth_enabled:
        return slack_client(settings) if settings.bot_token else None
    if slack_team_id is None:
        return None
    installs = oauth.Installations(settings, db)
    with db.read() as session:
        workspace_id = installations.workspace_id_of(session, slack_team_id)
    token = installs.bot_token(workspace_id) if workspace_id is not None else None
    return _web_client(settings, token, retries=True) if token else None


def installed_workspaces(settings: Settings, db: Database) -> list[str]:
    """OAuth mode: the Slack team ids of the workspaces with a current install (active, with
    a bot token in the store), oldest first. For the command line's `--workspace` checks."""
    if not settings.oauth_enabled:
        return []
    installs = oauth.Installations(settings, db)
    with db.read() as session:
        known = imports.workspaces(session)
    return [team for workspace_id, team in known if installs.bot_token(workspace_id)]


def sender_client(settings: Settings, token: str | None = None) -> WebClient:
    """The outbox sender's client: no retry handlers, because the sender owns every retry
    (it must know when an answer was lost, to check the channel before posting again)."""
    return _web_client(settings, token or settings.bot_token, retries=False)


def _web_client(settings: Settings, token: str | None, *, retries: bool) -> WebClient:
    # The sender's client (no retries) posts in bursts: it keeps its connections open.
    kind = WebClient if retries else PooledWebClient
    client = kind(token=token, base_url=settings.slack_api_url, timeout=10)
    # slack-sdk retries connection errors only unless told otherwise; the sender wants none.
    client.retry_handlers = (
        [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else []
    )
    return client


def scheduler_for(
    settings: Settings,
    db: Database,
    clock: Clock,
    *,
    sleep: Callable[[float], None] = time.sleep,
    client_for: Callable[[int], WebClient] | None = None,
) -> SchedulerService:
    """The scheduler and its sender; `client_for` defaults to `sender_clients(settings, db)`."""
    sender = Sender(
        db, client_for or sender_clients(settings, db), clock, owner=instance_name(), sleep=sleep
    )
    # The runner only reads the database and writes the outbox: its posts reach Slack
    # through the sender, so it needs no client.
    runner = JobRunner(db, clock, on_enqueued=sender.wake, sleep=sleep)
    wins = CelebrationWorker(
        db, clock, batch_seconds=settings.celebration_batch_seconds, on_enqueued=sender.wake
    )
    # Without a HubSpot token or a key for stored ones there is nothing to sync with.
    crm_sync = (
        crm_sync_all(settings, db, clock, client_for or sender_clients(settings, db), sleep=sleep)
        if settings.hubspot_access_token or settings.secret_keys
        else None
    )
    return SchedulerService(
        db,
        clock,
        runner,
        sender,
        celebrations=wins,
        crm_sync=crm_sync,
        crm_minutes=settings.crm_sync_minutes,
    )


def crm_sync_all(
    settings: Settings,
    db: Database,
    clock: Clock,
    client_for: Callable[[int], WebClient],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[], None]:
    """The scheduled CRM sync: each workspace connected to HubSpot, one after the other (a
    workspace another instance is syncing is skipped by its lock)."""
    syncer = crm_connection.build_sync(
        settings,
        db,
        clock,
        sleep=sleep,
        slack_members=crm_connection.slack_members_via(db, client_for),
    )

    team: list[str] = []  # the bot token's workspace, asked of Slack until it answers

    def sync_all() -> None:
        if settings.hubspot_access_token and not settings.oauth_enabled and not team:
            found = crm_connection.bot_team_id(client_for(0))
            if found:
                team.append(found)
        crm_connection.ensure_env_connection(settings, db, clock, team[0] if team else None)
        for workspace_id in crm_connection.syncable_workspaces(db):
            syncer.sync(workspace_id)

    return sync_all


def instance_name() -> str:
    """Who holds an outbox lease: unique per process, readable in `paceline jobs list`."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------------------- errors

DATABASE_DOWN = (
    "Paceline can't reach its database right now; nothing was saved. Try again in a minute."
)
# The connection went while a write was on its way: the server may have applied it.
WRITE_IN_DOUBT = (
    "Paceline lost its database connection while saving this, so it may or may not have been saved. "
    "Check in a minute before trying again."
)

# Telling someone through Slack's Web API happens after the answer, off the request thread.
_notices = ThreadPoolExecutor(max_workers=2, thread_name_prefix="paceline-notice")


def answer_errors(bolt: App) -> None:
    """Bolt's global error handler. When the database cannot be reached (or did not answer
    in time) the person gets a plain message instead of a bare 500: a command's reply says
    so; a form keeps its values and shows it under its first field; a button click answers
    200 and says so in the conversation (or, from App Home, in their DM); an event answers
    200 (Slack would only retry it into the same outage). One log line, no traceback.
    Any other error is Bolt's default: logged with its traceback, answered 500."""

    def on_error(
        error: Exception, body: dict, logger: logging.Logger, respond: Any, client: WebClient | None
    ) -> BoltResponse | None:
        if not is_unavailable(error):
            logger.exception(f"Failed to handle a request (error: {error})")
            return None
        first_line = (str(error).strip().splitlines() or [""])[0]
        log.warning(
            "The database could not be reached while handling %s: %s: %s",
            _request_name(body),
            type(error).__name__,
            first_line[:200],
        )
        text = WRITE_IN_DOUBT if write_in_doubt(error) else DATABASE_DOWN
        return _database_down(body if isinstance(body, dict) else {}, respond, client, text)

    bolt.error(on_error)


def _request_name(body: dict) -> str:
    if not isinstance(body, dict):
        return "a request"
    if body.get("command"):
        return str(body["command"])
    kind = str(body.get("type") or "a request")
    if kind == "event_callback":
        return f"event {(body.get('event') or {}).get('type')}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {(body.get('view') or {}).get('callback_id')}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"block_actions {actions[0].get('action_id')}"
    return kind


def _database_down(body: dict, respond: Any, client: WebClient | None, text: str) -> BoltResponse:
    if body.get("command"):
        return BoltResponse(status=200, body=text)
    kind = body.get("type")
    user_id = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None
    if kind == "view_submission":
        view = body.get("view") or {}
        field = next(
            (
                b.get("block_id")
                for b in view.get("blocks") or []
                if b.get("type") == "input" and b.get("block_id")
            ),
            None,
        )
        if field:
            return BoltResponse(
                status=200, body={"response_action": "errors", "errors": {field: text}}
            )
        notice = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Paceline"},
            "close": {"type": "plain_text", "text": "Back"},
            "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text}}],
        }
        return BoltResponse(status=200, body={"response_action": "push", "view": notice})
    if kind == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    if kind == "event_callback":
        return BoltResponse(status=200, body="")  # no one is waiting on an answer
    if body.get("response_url") and respond is not None:
        _notify(lambda: respond(text=text, response_type="ephemeral", replace_original=False))
    elif user_id and client is not None and kind in ("block_actions", "shortcut", "message_action"):
        _notify(lambda: client.chat_postMessage(channel=user_id, text=text))
    return BoltResponse(status=200, body="")


def _notify(send: Callable[[], object]) -> None:
    def run() -> None:
        try:
            send()
        except Exception as error:  # Slack unreachable too: the log line above stays
            log.warning("Could not tell the person the database is unreachable: %s", error)

    _notices.submit(run)
