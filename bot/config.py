"""Settings from the environment and `.env`. A bad value stops start-up with one clear line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///paceline.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_HUBSPOT_API_URL = "https://api.hubapi.com"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class ConfigError(Exception):
    """A missing or malformed setting; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"Configuration error: {variable} {problem}")


class RunMode(StrEnum):
    SOCKET = "socket"
    HTTP = "http"
    CONSOLE = "console"


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = 3000
    admins: frozenset[str] = field(default_factory=frozenset)
    # Live wins within this many seconds in one team go out as one post.
    celebration_batch_seconds: int = 60
    # HubSpot: a private app's token for the one workspace (several: `paceline crm connect`).
    hubspot_access_token: str | None = None
    hubspot_api_url: str = DEFAULT_HUBSPOT_API_URL
    # Fernet keys (comma separated, the first encrypts) for CRM tokens stored in the database.
    secret_keys: tuple[str, ...] = ()
    crm_sync_minutes: int = 5

    @property
    def mode(self) -> RunMode:
        if self.app_token:
            return RunMode.SOCKET
        if self.bot_token or self.client_id:
            return RunMode.HTTP
        return RunMode.CONSOLE

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def __repr__(self) -> str:
        # Secrets never reach a log line, even through a repr.
        return (
            f"Settings(mode={self.mode}, database={redact_url(self.database_url)}, "
            f"slack_api_url={self.slack_api_url}, port={self.port}, admins={len(self.admins)}, "
            f"hubspot={'token' if self.hubspot_access_token else 'none'})"
        )


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Read settings; real environment variables win over `.env`."""
    values: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    bot_token = _prefixed(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN", "xoxb-")
    app_token = _prefixed(get("SLACK_APP_TOKEN"), "SLACK_APP_TOKEN", "xapp-")
    signing_secret = get("SLACK_SIGNING_SECRET")
    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise ConfigError(
            missing, "is missing: OAuth needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."
        )
    if app_token and not bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN", "is missing: Socket Mode (SLACK_APP_TOKEN) needs the bot token too."
        )
    if (bot_token or client_id) and not app_token and not signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET", "is missing: HTTP mode verifies every request with it."
        )
    if signing_secret is not None and not re.fullmatch(r"[0-9a-fA-F]{16,}", signing_secret):
        raise ConfigError(
            "SLACK_SIGNING_SECRET",
            "is malformed: expected the hex string from the app's Basic Information page.",
        )

    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        client_id=client_id,
        client_secret=client_secret,
        database_url=_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
        slack_api_url=_api_url(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
        port=_port(get("PORT") or "3000"),
        admins=_admins(get("PACELINE_ADMINS") or ""),
        celebration_batch_seconds=_seconds(
            get("PACELINE_CELEBRATION_BATCH_SECONDS") or "60", "PACELINE_CELEBRATION_BATCH_SECONDS"
        ),
        hubspot_access_token=get("HUBSPOT_ACCESS_TOKEN"),
        hubspot_api_url=_url(
            get("HUBSPOT_API_URL") or DEFAULT_HUBSPOT_API_URL,
            "HUBSPOT_API_URL",
            DEFAULT_HUBSPOT_API_URL,
        ).rstrip("/"),
        secret_keys=tuple(
            k.strip() for k in (get("PACELINE_SECRET_KEY") or "").split(",") if k.strip()
        ),
        crm_sync_minutes=_minutes(get("PACELINE_CRM_SYNC_MINUTES") or "5"),
    )


def redact_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable>"


def _prefixed(value: str | None, name: str, prefix: str) -> str | None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(name, f"is malformed: it should start with '{prefix}'.")
    return value


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL",
            "is malformed: use e.g. sqlite:///paceline.db or postgresql://user@host/db.",
        ) from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            "DATABASE_URL", f"names an unsupported database '{backend}': use sqlite or postgresql."
        )
    if backend == "postgresql" and url.drivername != "postgresql+psycopg":
        # psycopg 3 is the one PostgreSQL driver we ship.
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _api_url(value: str) -> str:
    value = _url(value, "SLACK_API_URL", DEFAULT_SLACK_API_URL)
    return value if value.endswith("/") else value + "/"


def _url(value: str, name: str, example: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(name, f"is malformed: expected a URL like {example}.")
    return value


def _minutes(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 1440:
        raise ConfigError(
            "PACELINE_CRM_SYNC_MINUTES",
            f"must be a whole number of minutes from 0 (off) to 1440 (got '{value}').",
        )
    return int(value)


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError("PORT", f"must be a whole number from 1 to 65535 (got '{value}').")
    return int(value)


def _admins(value: str) -> frozenset[str]:
    ids = [part.strip() for part in value.split(",") if part.strip()]
    for user_id in ids:
        if not _USER_ID.match(user_id):
            raise ConfigError(
                "PACELINE_ADMINS",
                f"holds '{user_id}', which is not a Slack user ID like U0123ABCD.",
            )
    return frozenset(ids)


def _seconds(value: str, name: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 3600:
        raise ConfigError(
            name, f"must be a whole number of seconds from 0 to 3600 (got '{value}')."
        )
    return int(value)
