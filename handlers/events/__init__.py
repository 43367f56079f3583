"""Events API listeners: one module per event family, each with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import Services
from handlers.events import app_home
from handlers.home import HomeRefresher


def register(app: App, services: Services) -> None:
    refresher = HomeRefresher(services)
    # After a /log, a goal change or a decision, the people concerned see it on their Home.
    services.home_changed = refresher.changed
    app_home.register(app, services, refresher)
