"""Slack's edge: payloads in, core calls, replies out. `register_all` wires every listener."""

from __future__ import annotations

from slack_bolt import App

from bot.services.context import Services
from handlers import actions, commands, events, views


def register_all(app: App, services: Services) -> None:
    commands.register(app, services)
    views.register(app, services)
    actions.register(app, services)
    events.register(app, services)
