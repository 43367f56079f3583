"""OAuth installs of several workspaces for the tests' Slack stand-in
(``StandInSlack.add_install``, tests/support/slack_api.py): the approvals it scripts and
Slack's answers about them."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from bot.standin.slack_api import RecordedCall

__all__ = ["Install", "auth_test_answer", "client_refusal", "issued_answer"]

DEFAULT_SCOPE = "commands,chat:write,users:read,im:write,files:write"


@dataclass
class Install:
    """One scripted OAuth approval and the bot token it issues."""

    code: str
    team_id: str
    team_name: str
    enterprise_id: str | None
    token: str
    bot_user_id: str
    bot_id: str
    installer: str
    scope: str
    used: bool = False


def issued_answer(install: Install, app_id: str) -> dict[str, Any]:
    """``oauth.v2.access``'s answer for the approval ``install``."""
    return {
        "ok": True,
        "app_id": app_id,
        "authed_user": {"id": install.installer},
        "scope": install.scope,
        "token_type": "bot",
        "access_token": install.token,
        "bot_user_id": install.bot_user_id,
        "team": {"id": install.team_id, "name": install.team_name},
        "enterprise": (
            {"id": install.enterprise_id, "name": install.enterprise_id}
            if install.enterprise_id
            else None
        ),
        "is_enterprise_install": False,
    }


def auth_test_answer(install: Install, bot_name: str) -> dict[str, Any]:
    """``auth.test``'s answer for a token ``install`` issued."""
    return {
        "ok": True,
        "url": f"https://{install.team_id.lower()}.slack.com/",
        "team": install.team_name,
        "user": bot_name,
        "team_id": install.team_id,
        "user_id": install.bot_user_id,
        "bot_id": install.bot_id,
        "enterprise_id": install.enterprise_id,
        "is_enterprise_install": False,
    }


def client_refusal(expected: tuple[str, str] | None, call: RecordedCall) -> str | None:
    """Slack's error when the app's client id or secret in ``call`` is not ``expected``
    (None: accepted; no ``expected``: any are)."""
    if expected is None:
        return None
    client_id, client_secret = _basic_auth(call.headers.get("authorization"))
    client_id = client_id or str(call.params.get("client_id") or "")
    client_secret = client_secret or str(call.params.get("client_secret") or "")
    if client_id != expected[0]:
        return "invalid_client_id"
    if client_secret != expected[1]:
        return "bad_client_secret"
    return None


def _basic_auth(authorization: str | None) -> tuple[str, str]:
    """(client id, secret) from an ``Authorization: Basic …`` header, or empty strings."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(value.strip()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    client_id, _, secret = decoded.partition(":")
    return client_id, secret
