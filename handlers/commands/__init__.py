"""Slash commands: one module per command, each with `register(app, services)`."""

from __future__ import annotations

from slack_bolt import App

from bot.services.context import Services
from handlers.commands import goal, leaderboard, log, progress, team


def register(app: App, services: Services) -> None:
    log.register(app, services)
    team.register(app, services)
    progress.register(app, services)
    leaderboard.register(app, services)
    goal.register(app, services)
