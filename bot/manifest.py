"""The Slack app manifest: checked in as bot/manifest.json, printed with a request URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MANIFEST_PATH = Path(__file__).with_name("manifest.json")
PLACEHOLDER_URL = "https://paceline.example.com/slack/events"


def manifest(request_url: str | None = None, socket_mode: bool = False) -> dict[str, Any]:
    data = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    url = request_url or PLACEHOLDER_URL
    if not url.rstrip("/").endswith("/slack/events"):
        url = url.rstrip("/") + "/slack/events"
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
    return data
