"""Multi-workspace installs: Bolt's OAuth flow with its stores on our database, and each
workspace's own bot token for whoever calls Slack on its behalf.

- `GET /slack/install` and `GET /slack/oauth_redirect` are Bolt's OAuth flow; the WSGI
  adapter (bot/server.py) routes them. Installations and OAuth states live in slack-sdk's
  SQLAlchemy stores on the app's engine (tables: storage/installations.py, migration 0004),
  so every instance on one database sees every install.
- Requests are authorized by Bolt from the installation store (bot tokens only: Paceline
  asks for no user scopes). The scheduler's sender gets `Installations.client_for`.
- An install or reinstall activates the workspace (`on_installed`); handlers/events/
  uninstall.py undoes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import cast

import sqlalchemy as sa
from slack_bolt import App, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.manifest import manifest
from storage import installations
from storage.db import Database

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# How long an installer has between opening /slack/install and approving in Slack.
STATE_SECONDS = 600
# What a person sees when their workspace's installation is gone (Bolt answers with it).
NOT_INSTALLED = (
    "Paceline is not installed in this workspace any more, so it cannot answer. "
    "A workspace admin can reinstall it; your data is kept."
)


def bot_scopes() -> list[str]:
    """The manifest's bot scopes: one list for the manifest and the OAuth request."""
    return list(manifest()["oauth_config"]["scopes"]["bot"])


class StateStore(SQLAlchemyOAuthStateStore):
    """slack-sdk's state store with a consume that succeeds once. The original selects and
    then deletes, so two callbacks racing with one state (a replay, a double click) could
    both pass on PostgreSQL; one DELETE … RETURNING cannot. Expired states are swept when a
    new one is issued, since nothing else would remove the ones never used."""

    def issue(self, *args: object, **kwargs: object) -> str:
        with self.engine.begin() as conn:
            installations.delete_expired_states(conn, self.oauth_states, _db_now())
        return super().issue(*args, **kwargs)

    def consume(self, state: str) -> bool:
        try:
            with self.engine.begin() as conn:
                return installations.consume_state(conn, self.oauth_states, state, _db_now())
        except sa.exc.SQLAlchemyError as error:
            log.warning("could not check an OAuth state: %s", type(error).__name__)
            return False


def _db_now() -> datetime:
    # The stores' DateTime columns are naive UTC (slack-sdk normalises before writing).
    normalized = normalize_datetime_for_db(datetime.now(UTC))
    assert normalized is not None
    return normalized


class OrgInstallNotSupported(Exception):
    """Paceline is installed per workspace, not across an Enterprise Grid organisation."""


class _SqliteStoreEngine:
    """What slack-sdk's stores use of an engine: `connect()` to read, `begin()` to write.
    On SQLite a write transaction must take the lock up front (BEGIN IMMEDIATE): the stores'
    save() reads and then writes, and a read lock that must be upgraded fails at once when
    another connection has committed meanwhile. Reads (every request's token lookup) stay
    deferred so they never queue behind writers."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writes = engine.execution_options(sqlite_begin="IMMEDIATE")  # see storage/db.py

    def connect(self) -> sa.Connection:
        return self._engine.connect()

    def begin(self) -> AbstractContextManager[sa.Connection]:
        return self._writes.begin()


def store_engine(db: Database) -> Engine:
    return cast(Engine, _SqliteStoreEngine(db.engine)) if db.is_sqlite else db.engine


class Installations:
    """The installation store on our engine, and each workspace's bot token from it."""

    def __init__(self, settings: Settings, db: Database) -> None:
        assert settings.client_id is not None
        self.db = db
        self.store = SQLAlchemyInstallationStore(
            client_id=settings.client_id, engine=store_engine(db)
        )

    def bot_token(self, workspace_id: int) -> str | None:
        """The workspace's current bot token; None when it is not (or no longer) installed."""
        with self.db.read() as session:
            ids = installations.slack_ids(session, workspace_id)
        if ids is None or not ids.active:
            return None
        bot = self.store.find_bot(enterprise_id=ids.enterprise_id, team_id=ids.team_id)
        return bot.bot_token if bot is not None else None

    def client_for(
        self, make_client: Callable[[str | None], WebClient]
    ) -> Callable[[int], WebClient]:
        """`client_for(workspace_id)` for the scheduler: a client with that workspace's own
        token, looked up at every call so a reinstall's new token is used at once. Without
        an installation the client has no token at all (Slack answers not_authed and the
        sender parks the post): never another workspace's token."""

        def client_for(workspace_id: int) -> WebClient:
            return make_client(self.bot_token(workspace_id))

        return client_for

    def activate(self, installation: Installation, now: datetime) -> int:
        """An install or reinstall went through: the workspace is active again."""
        if installation.team_id is None:
            # An org-wide (Enterprise Grid) install has no workspace to hang data on; the
            # manifest does not offer it, so this is someone crafting an install.
            self.forget(None, installation.enterprise_id)
            raise OrgInstallNotSupported
        with self.db.write() as session:
            return installations.activate(
                session,
                installation.team_id,
                installation.enterprise_id,
                installation.team_name,
                now,
            )

    def forget(self, team_id: str | None, enterprise_id: str | None) -> None:
        """Delete the workspace's installation and bot token (uninstalled, or token revoked)."""
        self.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)


def oauth_app(
    settings: Settings,
    client: WebClient,
    installs: Installations,
    on_installed: Callable[[Installation], None],
    listener_executor: Executor | None = None,
) -> App:
    """A Bolt app that authorizes every request from the installation store. Its lazy
    listeners (the Slack work after an answer) run on `listener_executor`."""
    store = installs.store
    oauth = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=bot_scopes(),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=StateStore(
            expiration_seconds=STATE_SECONDS, engine=store_engine(installs.db), logger=log
        ),
        state_expiration_seconds=STATE_SECONDS,
        callback_options=CallbackOptions(success=_success(on_installed), failure=_failure),
        logger=log,
    )
    # Bolt's own authorize calls auth.test on every request; the cache keeps one answer per
    # token (per process). The store is still read on every request, so an uninstall (which
    # deletes the token) takes effect at once on every instance.
    authorize = InstallationStoreAuthorize(
        logger=log,
        installation_store=store,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    return App(
        signing_secret=settings.signing_secret,
        client=client,
        oauth_settings=oauth,
        authorize=authorize,
        installation_store_bot_only=True,
        user_facing_authorize_error_message=NOT_INSTALLED,
        # Listeners run in the request thread and their ack is the HTTP response (as in
        # single-workspace mode; see docs/architecture.md).
        process_before_response=True,
        listener_executor=listener_executor,
        logger=logging.getLogger("slack_bolt"),
    )


def _success(on_installed: Callable[[Installation], None]) -> Callable[[SuccessArgs], BoltResponse]:
    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        try:
            on_installed(installation)
        except OrgInstallNotSupported:
            log.warning("refused an org-wide install for enterprise %s", installation.enterprise_id)
            return args.default.failure(
                FailureArgs(
                    request=args.request,
                    reason="org_install_not_supported",
                    suggested_status_code=400,
                    settings=args.settings,
                    default=args.default,
                )
            )
        except Exception as error:
            # The token is stored but the workspace is not active: the installer sees a
            # failure page and installing again finishes the job.
            log.exception(
                "installed in %s but could not activate the workspace", installation.team_id
            )
            return args.default.failure(
                FailureArgs(
                    request=args.request,
                    reason="storage_error",
                    error=error,
                    suggested_status_code=500,
                    settings=args.settings,
                    default=args.default,
                )
            )
        log.info(
            "Paceline installed in workspace %s (%s)", installation.team_id, installation.team_name
        )
        return args.default.success(args)

    return success


def _failure(args: FailureArgs) -> BoltResponse:
    # The reason only (invalid_state, missing_code, invalid_code, access_denied …): never
    # the query string, which carries the code.
    log.warning("OAuth install failed: %s", args.reason)
    return args.default.failure(args)
