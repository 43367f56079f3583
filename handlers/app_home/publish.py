"""Publishing a person's App Home: at once when they open it or click one of its buttons,
and off the request thread after their numbers or goals change elsewhere (a /log, a goal,
a decision), so no command waits for it or fails because of it."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.render.app_home import home_view
from bot.services.app_home import load_home
from bot.services.context import Services
from bot.services.people import Caller

log = logging.getLogger(__name__)


# One person's Home is built and published by one thread at a time (in this process), so a
# view read before a change can never be published after the view read after it (a click's
# publish and a background refresh of the same person racing). Striped: bounded memory.
_STRIPES = tuple(threading.Lock() for _ in range(64))


def publish(
    services: Services, client: WebClient, caller: Caller, notice: str | None = None
) -> bool:
    """views.publish the caller's Home; False (and a log line) when anything failed."""
    try:
        with _STRIPES[hash((caller.workspace_id, caller.person_id)) % len(_STRIPES)]:
            client.views_publish(
                user_id=caller.slack_user_id, view=home_view(load_home(services, caller, notice))
            )
    except Exception:  # never let a Home refresh break the command or click behind it
        log.warning("could not publish the App Home of %s", caller.slack_user_id, exc_info=True)
        return False
    return True


@dataclass(frozen=True)
class _Viewer:
    """Where to publish someone's Home: what the Directory needs to name them again, and
    the client (with its workspace's token) of the request in which they opened it."""

    team_id: str
    user_id: str
    enterprise_id: str | None
    client: WebClient


class HomeRefresher:
    """Re-publishes the Home of people who opened it in this process, after changes to
    their numbers or goals. One background worker; a person already waiting for a refresh
    is not queued twice, so a burst of changes costs one or two publishes.

    People who never opened their Home here are skipped: Slack sends app_home_opened each
    time the tab is opened, and that publishes a fresh view anyway."""

    MAX_VIEWERS = 10_000

    def __init__(self, services: Services) -> None:
        self._services = services
        self._viewers: OrderedDict[tuple[int, int], _Viewer] = OrderedDict()
        self._pending: set[tuple[int, int]] = set()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def opened(
        self, caller: Caller, team_id: str, enterprise_id: str | None, client: WebClient
    ) -> None:
        key = (caller.workspace_id, caller.person_id)
        with self._lock:
            self._viewers[key] = _Viewer(team_id, caller.slack_user_id, enterprise_id, client)
            self._viewers.move_to_end(key)
            while len(self._viewers) > self.MAX_VIEWERS:
                self._viewers.popitem(last=False)

    def changed(self, workspace_id: int, person_ids: Iterable[int | None]) -> None:
        """Queue a refresh for each of these people who has opened their Home; returns at once."""
        for person_id in {p for p in person_ids if p is not None}:
            key = (workspace_id, person_id)
            with self._lock:
                if key not in self._viewers or key in self._pending:
                    continue
                self._pending.add(key)
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix="home-refresh"
                    )
                executor = self._executor
            executor.submit(self._refresh, key)

    def _refresh(self, key: tuple[int, int]) -> None:
        with self._lock:
            # Taken off before reading: a change from now on queues another refresh.
            self._pending.discard(key)
            viewer = self._viewers.get(key)
        if viewer is None:
            return
        try:
            caller = self._services.directory.caller(
                viewer.client, viewer.team_id, viewer.user_id, viewer.enterprise_id
            )
        except Exception:
            log.warning("could not refresh the App Home of %s", viewer.user_id, exc_info=True)
            return
        publish(self._services, viewer.client, caller)

    def close(self) -> None:
        """Finish queued refreshes and stop the worker (tests and benchmarks)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
