"""What every listener needs: storage, the clock, the people directory, metric catalogues."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.core.metrics import MetricCatalog
from bot.services.people import Directory
from storage import metrics, teams
from storage.db import Database

# Custom metrics change rarely; other instances see a new one within this many seconds.
CATALOG_SECONDS = 30.0

T = TypeVar("T")


@dataclass
class Services:
    db: Database
    clock: Clock
    directory: Directory
    # Recorded on every entry: "slack" for real requests, "console" for the local console.
    source: str = "slack"
    # Called after a /team change that moves job times; the scheduler re-plans its jobs.
    schedule_changed: Callable[[], None] = field(default=lambda: None, repr=False)
    # Called after a change to these people's numbers or goals (workspace id, person ids);
    # handlers/events re-publishes the App Home of those who have it open.
    home_changed: Callable[[int, Iterable[int | None]], None] = field(
        default=lambda _ws, _people: None, repr=False
    )
    _catalogs: dict[int, tuple[MetricCatalog, float]] = field(default_factory=dict, repr=False)
    _crm_only: dict[int, tuple[bool, float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def catalog(self, workspace_id: int) -> MetricCatalog:
        return self._cached(self._catalogs, workspace_id, lambda session: MetricCatalog.with_custom(
            metrics.custom_metrics(session, workspace_id)))  # fmt: skip

    def _cached(
        self, store: dict[int, tuple[T, float]], workspace_id: int, load: Callable[[Session], T]
    ) -> T:
        """A workspace's value read at most every CATALOG_SECONDS (forgotten at once on a
        change made here)."""
        with self._lock:
            cached = store.get(workspace_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with self.db.read() as session:
            value = load(session)
        with self._lock:
            store[workspace_id] = (value, time.monotonic() + CATALOG_SECONDS)
        return value

    def forget_catalog(self, workspace_id: int) -> None:
        with self._lock:
            self._catalogs.pop(workspace_id, None)

    def crm_only_in_use(self, workspace_id: int) -> bool:
        """Whether any team of the workspace has metrics only the CRM records: when none has
        (most workspaces), /log reads no team for the check. Cached like the catalog; another
        instance's `/team set … crm-only` is seen within CATALOG_SECONDS."""
        return self._cached(
            self._crm_only, workspace_id, lambda session: teams.any_crm_only(session, workspace_id)
        )

    def forget_crm_only(self, workspace_id: int) -> None:
        with self._lock:
            self._crm_only.pop(workspace_id, None)
