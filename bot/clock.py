"""Where "now" comes from. Everything reads time through a Clock so tests can move it."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved: for tests and `jobs run --at`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._at += delta


def local_today(clock: Clock, tz_name: str | None) -> date:
    """Today's date where the person (or team) is; UTC when Slack gave no zone."""
    return clock.now().astimezone(zone(tz_name)).date()


def zone(tz_name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


class SettableClock:
    """Follows `base` (the system clock) until set; from then on stands still at the set
    instant, until set again or `follow()`ed back to `base`. The local console's `clock`
    command moves the app's time with it; request signatures keep the wall clock."""

    def __init__(self, base: Clock | None = None) -> None:
        self._base: Clock = base or SystemClock()
        self._at: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            at = self._at
        return at if at is not None else self._base.now()

    @property
    def is_set(self) -> bool:
        with self._lock:
            return self._at is not None

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("SettableClock needs an aware datetime")
        with self._lock:
            self._at = at.astimezone(UTC)

    def follow(self) -> None:
        """Back to the base clock (real time)."""
        with self._lock:
            self._at = None
