"""The console's Slack workspace: its people and channels, with the made-up ids the stand-in
knows them by (stable across runs: `@maria` is the same person every time)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.console.render import Names, stable_id
from bot.importer.matching import name_key
from bot.services import roster
from bot.standin.slack_api import StandInSlack
from storage.db import Database

TEAM_ID = "T_CONSOLE"
TEAM_DOMAIN = "paceline-console"


@dataclass(frozen=True)
class ConsoleUser:
    user_id: str
    name: str
    tz: str | None
    is_admin: bool
    is_bot: bool = False


class Directory:
    """Who and what the console's Slack has: users by id, handle and real name; channels by
    id. Every user and channel is told to the stand-in as it is added."""

    def __init__(self, standin: StandInSlack, tz: str) -> None:
        self.standin = standin
        self.tz = tz  # new people's time zone: this console's
        self._lock = threading.RLock()
        self._users: dict[str, ConsoleUser] = {}
        self._ids_by_name: dict[str, str] = {}
        self._ids_by_real_name: dict[str, str] = {}  # matching.name_key of the real name → id
        self._channels: dict[str, str] = {}

    def load(self, db: Database) -> None:
        """Tell the stand-in about everyone the database knows from earlier runs or the demo."""
        known = roster.of_workspace(db, TEAM_ID)
        if known is None:
            return
        for person in known.people:
            assert person.slack_user_id is not None
            self.register(
                ConsoleUser(
                    person.slack_user_id, person.name, person.tz, person.slack_admin, person.is_bot
                ),
                real_name=person.real_name,
                deleted=person.deactivated,
                email=person.email,
            )
        for team in known.channel_teams:
            if team.channel_id and team.channel_name:
                self.register_channel(team.channel_id, team.channel_name)

    # ------------------------------------------------------------------ people

    def by_name(self, name: str) -> ConsoleUser | None:
        with self._lock:
            existing = self._ids_by_name.get(name.lower())
            return self._users[existing] if existing else None

    def mention_user_id(self, name: str) -> str | None:
        """The id `@name` stands for; a new member of the workspace when nobody has it."""
        with self._lock:
            found = self._ids_by_name.get(name.lower())
        if found:
            return found
        return self.create_user(name, may_be_admin=False).user_id

    def create_user(
        self, name: str, may_be_admin: bool, real_name: str | None = None
    ) -> ConsoleUser:
        handle = name.lower()
        with self._lock:
            user_id = stable_id("U", handle)
            suffix = itertools.count(2)
            while user_id in self._users:  # a renamed person kept the id this name hashes to
                user_id = stable_id("U", f"{handle}#{next(suffix)}")
            # The workspace always has an admin: the first person the console creates, or
            # the first one after a demo seeded only members.
            admin = may_be_admin and not any(
                u.is_admin for u in self._users.values() if not u.is_bot
            )
            user = ConsoleUser(user_id, handle, self.tz, admin)
            self.register(user, real_name=real_name)
        return user

    def add_person(self, handle: str, real_name: str | None) -> ConsoleUser | None:
        """A user for someone a file names (real name, or a bare `@handle` when None), unless
        the console already knows them by that real name or handle (None then)."""
        with self._lock:
            if real_name is not None and (
                name_key(real_name) in self._ids_by_real_name
                or name_key(real_name) in self._ids_by_name
            ):
                return None
            if real_name is None and handle in self._ids_by_name:
                return None
            unique = handle
            suffix = itertools.count(2)
            while unique in self._ids_by_name:  # two people, one handle: maria.lopez2
                unique = f"{handle}{next(suffix)}"
        return self.create_user(unique, may_be_admin=False, real_name=real_name)

    def forget(self, users: list[ConsoleUser]) -> None:
        """Undo add_person: the stand-in keeps them as deactivated accounts (which matching
        leaves out) until someone acts as or mentions that name again."""
        with self._lock:
            for user in users:
                self._users.pop(user.user_id, None)
                for index in (self._ids_by_name, self._ids_by_real_name):
                    for key in [k for k, v in index.items() if v == user.user_id]:
                        del index[key]
        for user in users:
            self.standin.add_user(user.user_id, user.name, tz=None, deleted=True, team_id=TEAM_ID)

    def register(
        self,
        user: ConsoleUser,
        real_name: str | None = None,
        deleted: bool = False,
        email: str | None = None,
    ) -> None:
        self.standin.add_user(
            user.user_id,
            user.name,
            real_name=real_name,
            tz=user.tz if user.tz and valid_zone(user.tz) else None,
            is_admin=user.is_admin,
            is_bot=user.is_bot,
            deleted=deleted,
            email=email,
            team_id=TEAM_ID,
        )
        with self._lock:
            self._users[user.user_id] = user
            self._ids_by_name.setdefault(user.name.lower(), user.user_id)
            if real_name:
                self._ids_by_real_name.setdefault(name_key(real_name), user.user_id)

    def user_name(self, user_id: str) -> str:
        with self._lock:
            user = self._users.get(user_id)
        return user.name if user else user_id

    # ------------------------------------------------------------------ channels

    def channel_id(self, name: str) -> str:
        """The id `#name` has in this console (made up, stable across runs)."""
        key = name.lower()
        with self._lock:
            for channel_id, channel_name in self._channels.items():
                if channel_name == key:
                    return channel_id
        channel_id = stable_id("C", key)
        self.register_channel(channel_id, key)
        return channel_id

    def mention_channel_id(self, name: str) -> str | None:
        return self.channel_id(name)

    def register_channel(self, channel_id: str, name: str) -> None:
        self.standin.add_channel(channel_id, name)
        with self._lock:
            self._channels[channel_id] = name

    def channel_name(self, channel_id: str) -> str | None:
        with self._lock:
            return self._channels.get(channel_id)

    def place(self, channel: str) -> str:
        """`#sales-east` or `DM to @maria` for a channel id (a user id means their DM)."""
        if channel[:1] in ("U", "W"):
            return f"DM to @{self.user_name(channel)}"
        if channel[:1] == "D" and channel[1:2] in ("U", "W"):
            return f"DM to @{self.user_name(channel[1:])}"
        return f"#{self.channel_name(channel) or channel}"

    def names(self) -> Names:
        with self._lock:
            return Names(
                users={uid: u.name for uid, u in self._users.items()},
                channels=dict(self._channels),
            )


def channel_of(channel: str) -> str:
    """The conversation id Slack has for `channel`: a user id means their DM."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


def valid_zone(name: str) -> bool:
    if not name or name.startswith("/") or name == "localtime":
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
