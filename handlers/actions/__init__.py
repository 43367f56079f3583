"""Buttons and other block actions: one module per family, each with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.services.context import Services
from handlers.actions import approvals, home_buttons, log_reminder


def register(app: App, services: Services) -> None:
    home_buttons.register(app, services)  # first: its Approve / Reject match Home clicks only
    approvals.register(app, services)
    log_reminder.register(app, services)
