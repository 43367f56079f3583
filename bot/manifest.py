"""The Slack app manifest: checked in as bot/manifest.json, printed with a request URL.

`paceline manifest --url https://paceline.example.com` fills in the request URL of the
commands, interactivity and events (`…/slack/events`) and the OAuth redirect URL
(`…/slack/oauth_redirect`, bot/oauth.py). Slack only calls an https URL, and a query
string would be dropped or break signature checks behind some proxies: both are refused.

What the manifest asks for, and why (docs/commands.md, "The Slack app"):
- scopes: only what a Web API call or event of Paceline needs, nothing read "just in case";
- events: `app_home_opened` (the Home tab), `message.im` (a direct message gets a short
  help pointing to /log: handlers/events/messages.py), `app_uninstalled` and
  `tokens_revoked` (stop posting: handlers/events/uninstall.py);
- the Messages tab stays on and writable: approvals, CSV exports and reminders arrive
  there as DMs, and /log works from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MANIFEST_PATH = Path(__file__).with_name("manifest.json")
EVENTS_PATH = "/slack/events"
REDIRECT_PATH = "/slack/oauth_redirect"  # bot/oauth.py serves it
PLACEHOLDER_URL = "https://paceline.example.com" + EVENTS_PATH
URL_EXAMPLE = "paceline manifest --url https://paceline.example.com"


class ManifestError(ValueError):
    """A request URL Slack could not call; the message says why and shows an example."""


def base_url(request_url: str) -> str:
    """The public address Paceline is served at (no trailing slash, no `/slack/events`),
    from what the operator typed. Raises ManifestError for a URL that is not https, has no
    host, or carries a query string, fragment or credentials."""
    text = request_url.strip()
    parts = urlsplit(text)
    problem = None
    if not parts.scheme:
        problem = "must start with https://"
    elif parts.scheme.lower() != "https":
        problem = f"must start with https://, not {parts.scheme}:// (Slack only calls https URLs)"
    elif not parts.hostname:
        problem = "has no host name"
    elif parts.query or text.endswith("?"):
        problem = "must not have a query string (the part after ?)"
    elif parts.fragment or "#" in text:
        problem = "must not have a fragment (the part after #)"
    elif parts.username or parts.password:
        problem = "must not carry a user name or password"
    if problem is not None:
        raise ManifestError(
            f"The request URL {request_url!r} {problem}. Give the public https address Paceline is "
            f"served at, for example: {URL_EXAMPLE}"
        )
    path = parts.path.rstrip("/")
    if path.endswith(EVENTS_PATH):
        path = path[: -len(EVENTS_PATH)]
    return f"https://{parts.netloc}{path}"


def manifest(request_url: str | None = None, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest for `request_url` (the placeholder when None). Raises ManifestError."""
    data = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    base = base_url(request_url or PLACEHOLDER_URL)
    url = base + EVENTS_PATH
    settings = data["settings"]
    settings["socket_mode_enabled"] = socket_mode
    for command in data["features"]["slash_commands"]:
        if socket_mode:
            command.pop("url", None)
        else:
            command["url"] = url
    # Socket Mode apps receive everything over the socket: no public URLs at all.
    for section in ("interactivity", "event_subscriptions"):
        if section not in settings:
            continue
        if socket_mode:
            settings[section].pop("request_url", None)
        else:
            settings[section]["request_url"] = url
    # The OAuth redirect (several workspaces, served over HTTP only); harmless with one.
    data["oauth_config"]["redirect_urls"] = [] if socket_mode else [base + REDIRECT_PATH]
    return data
