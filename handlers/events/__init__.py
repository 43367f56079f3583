"""Events API listeners: one module per event family, each with `register(app, services)`.
Every event the manifest subscribes to (bot/manifest.json) has a listener here, so none is
answered 404 (Slack retries those and may turn the subscription off)."""

from __future__ import annotations

from slack_bolt import App

from bot.services.context import Services
from handlers.app_home import HomeRefresher
from handlers.events import home_opened, messages, uninstall


def register(app: App, services: Services) -> None:
    refresher = HomeRefresher(services)
    # After a /log, a goal change or a decision, the people concerned see it on their Home.
    services.home_changed = refresher.changed
    home_opened.register(app, services, refresher)
    # A direct message gets a short help pointing to /log (the Messages tab stays on).
    messages.register(app, services)
    # app_uninstalled / tokens_revoked: the workspace stops (both modes; see uninstall.py).
    uninstall.register(app, services)
