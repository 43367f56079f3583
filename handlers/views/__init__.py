"""Modal submissions: one module per view, each with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.services.context import Services
from handlers.views import goal_modal, log_modal


def register(app: App, services: Services) -> None:
    log_modal.register(app, services)
    goal_modal.register(app, services)
