"""The scheduler's jobs and the message types they hand to delivery.

The types live in bot.core.messages so the outbox (storage/) can store them without
depending on the scheduler; they are re-exported here for the scheduler's code."""

from __future__ import annotations

from bot.core.messages import ChartFile, DeliveryKey, Message, Outgoing

__all__ = ["JOBS", "ChartFile", "DeliveryKey", "Message", "Outgoing"]

JOBS = ("nudge", "lagging-alert", "weekly-digest", "log-reminder")
