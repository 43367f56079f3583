"""Who is asking: workspaces and people resolved from Slack ids, with small caches.

A person is created on first contact from `users.info`: their time zone decides what
"today" is and their admin flag what they may do, so a first request waits for that one call
(its only Slack call before the answer). After that a request costs no Slack call: once a
profile is a day old (time zones change when people travel) the request is answered from
the stored one and the profile is refreshed in the background.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock, local_today
from bot.core.errors import UserError
from bot.core.mentions import UserRef
from storage import people, workspaces
from storage.db import Database
from storage.models import Person
from storage.rows import persisted_id

PROFILE_MAX_AGE = timedelta(hours=24)
CACHE_SECONDS = 600.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """The person behind a request, in the workspace it came from."""

    workspace_id: int
    person_id: int
    slack_user_id: str
    name: str
    tz: str | None
    is_admin: bool

    def today(self, clock: Clock) -> date:
        return local_today(clock, self.tz)


class Directory:
    def __init__(self, db: Database, clock: Clock, admins: frozenset[str]) -> None:
        self._db = db
        self._clock = clock
        self._admins = admins
        self._workspaces: dict[str, int] = {}
        self._callers: dict[tuple[int, str], tuple[Caller, float]] = {}
        self._lock = threading.Lock()
        # Stale profiles being refreshed in the background (one worker; each person once).
        self._refreshing: set[tuple[int, str]] = set()
        self._refresher: ThreadPoolExecutor | None = None

    @property
    def admin_ids(self) -> frozenset[str]:
        """Slack user ids made admins by PACELINE_ADMINS."""
        return self._admins

    def workspace_id(self, team_id: str, enterprise_id: str | None = None) -> int:
        with self._lock:
            found = self._workspaces.get(team_id)
        if found is not None:
            return found
        with self._db.write() as session:
            workspace_id = workspaces.ensure_workspace(
                session, team_id, enterprise_id, self._clock.now()
            )
        with self._lock:
            self._workspaces[team_id] = workspace_id
        return workspace_id

    def caller(
        self, client: WebClient, team_id: str, user_id: str, enterprise_id: str | None = None
    ) -> Caller:
        workspace_id = self.workspace_id(team_id, enterprise_id)
        key = (workspace_id, user_id)
        with self._lock:
            cached = self._callers.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with self._db.read() as session:
            person = people.by_slack_id(session, workspace_id, user_id)
        if person is None:
            person = self._refresh(client, workspace_id, user_id, fallback=None)
        elif self._clock.now() - person.refreshed_at > PROFILE_MAX_AGE:
            self._refresh_later(client, workspace_id, user_id, person)
        caller = self._caller_of(person)
        with self._lock:
            self._callers[key] = (caller, time.monotonic() + CACHE_SECONDS)
        return caller

    def _refresh_later(
        self, client: WebClient, workspace_id: int, user_id: str, person: Person
    ) -> None:
        """Refresh a stale profile off the request thread; the request goes on with `person`."""
        key = (workspace_id, user_id)
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
            if self._refresher is None:
                self._refresher = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="profile-refresh"
                )
            refresher = self._refresher

        def refresh() -> None:
            try:
                fresh = self._refresh(client, workspace_id, user_id, fallback=person)
                with self._lock:
                    self._callers[key] = (self._caller_of(fresh), time.monotonic() + CACHE_SECONDS)
            except Exception:
                log.warning("could not refresh the profile of %s", user_id, exc_info=True)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        refresher.submit(refresh)

    def unknown(self, workspace_id: int, refs: Iterable[UserRef]) -> list[UserRef]:
        """The mentions `resolve` would have to look up in Slack: ids never seen here. A
        plain `@name` resolves from the database alone (or is refused there)."""
        wanted = [ref for ref in refs if ref.user_id]
        if not wanted:
            return []
        with self._db.read() as session:
            return [
                ref
                for ref in wanted
                if people.by_slack_id(session, workspace_id, ref.user_id or "") is None
            ]

    def resolve(self, client: WebClient, workspace_id: int, ref: UserRef) -> Person:
        """The person a mention names: `<@U123|maria>` or, as the console types, `@maria`."""
        if ref.user_id:
            with self._db.read() as session:
                person = people.by_slack_id(session, workspace_id, ref.user_id)
            return person or self._refresh(client, workspace_id, ref.user_id, fallback=None)
        with self._db.read() as session:
            matches = people.by_name(session, workspace_id, ref.name or "")
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise UserError(
                f"Unknown person @{ref.name} — mention them with @ so Slack links the name.",
                f"/log @{ref.name} calls 12",
            )
        raise UserError(
            f"@{ref.name} matches {len(matches)} people — pick them from Slack's @ list.",
            f"/log @{ref.name} calls 12",
        )

    def _refresh(
        self, client: WebClient, workspace_id: int, user_id: str, fallback: Person | None
    ) -> Person:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if fallback is not None:
                return fallback  # a stale profile beats failing the command
            reason = error.response.get("error", "error") if error.response else "error"
            raise UserError(
                f"Slack could not find <@{user_id}> ({reason}).", "/team add east @maria"
            ) from None
        profile = profile_from_slack(user)
        with self._db.write() as session:
            return people.upsert_from_slack(session, workspace_id, profile, self._clock.now())

    def _caller_of(self, person: Person) -> Caller:
        person_id = persisted_id(person)
        assert person.slack_user_id is not None
        return Caller(
            workspace_id=person.workspace_id,
            person_id=person_id,
            slack_user_id=person.slack_user_id,
            name=person.display_name or person.name,
            tz=person.tz,
            is_admin=person.slack_admin or person.slack_user_id in self._admins,
        )


def profile_from_slack(user: dict) -> people.SlackProfile:
    profile = user.get("profile") or {}
    return people.SlackProfile(
        user_id=user["id"],
        name=user.get("name") or user["id"],
        real_name=user.get("real_name") or profile.get("real_name") or None,
        display_name=profile.get("display_name") or None,
        email=profile.get("email") or None,
        tz=user.get("tz") or None,
        slack_admin=bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        ),
        is_bot=bool(user.get("is_bot")),
        deactivated=bool(user.get("deleted")),
    )
