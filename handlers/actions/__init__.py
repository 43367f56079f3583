"""Buttons and other block actions: one module per family, each with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import approvals
from handlers.context import Services


def register(app: App, services: Services) -> None:
    approvals.register(app, services)
