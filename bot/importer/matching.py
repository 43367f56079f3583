"""Who a name in a file is: matching people in imported files to Slack users. Pure.

Candidates are the workspace's Slack members (from `users.list`, bots and deactivated
accounts left out) merged with the people the database already knows. The rules, in order:

1. A name that an earlier import created as an unlinked person is that person (so a second
   import never creates a twin), and a name someone linked with `/team link` is the person it
   was linked to.
2. Otherwise the Slack member whose real name is that name, else whose display name is; names
   compare case-insensitively with spaces collapsed. One match only: two Slack members
   called "Ann Lee" match neither, and the report says so.
3. Otherwise a new unlinked person (no Slack user yet) is created under that name.

The activity file's `user` column may also hold a Slack id (`U0123ABCD`), an `@handle` or an
email address; those must match a Slack member or known person, or the row is an error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Slack user ids: U or W and upper-case letters or digits (U0123ABCD). One must be a digit,
# so a plain upper-case name such as "UMAR" stays a name.
_SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


UNLINKED = "imported before (not linked yet)"


class MatchError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Candidate:
    """A Slack member (and the database's person for them, when there is one)."""

    slack_user_id: str
    handle: str
    real_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class Match:
    """Who a name is: `person_id` when the database has the person (with `candidate` too
    when they are a Slack member), else `candidate` (a Slack member the database does not
    know yet), else `new_name` (an unlinked person to create). `how` names the rule."""

    how: str
    person_id: int | None = None
    candidate: Candidate | None = None
    new_name: str | None = None
    ambiguous: int = 0  # Slack members sharing the name, when that is why it is new


def name_key(text: str) -> str:
    """`  Ann   LEE ` → `ann lee`: how names are compared."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def display_of(name: str) -> str:
    """A name as it will be stored for a new person: spaces collapsed, case kept."""
    return " ".join(unicodedata.normalize("NFKC", name).split())


class PeopleIndex:
    def __init__(
        self,
        candidates: Iterable[Candidate],
        unlinked: Mapping[str, int] | None = None,
        aliases: Mapping[str, int] | None = None,
    ) -> None:
        """`unlinked`: name key → id of an unlinked person; `aliases`: name key → id of the
        person a name was linked to."""
        self._unlinked = dict(unlinked or {})
        self._aliases = dict(aliases or {})
        self._by_id: dict[str, Candidate] = {}
        self._by_real: dict[str, list[Candidate]] = {}
        self._by_display: dict[str, list[Candidate]] = {}
        self._by_handle: dict[str, list[Candidate]] = {}
        self._by_email: dict[str, list[Candidate]] = {}
        for c in candidates:
            self._by_id[c.slack_user_id] = c
        for c in self._by_id.values():
            for index, value in (
                (self._by_real, c.real_name),
                (self._by_display, c.display_name),
                (self._by_handle, c.handle),
                (self._by_email, c.email),
            ):
                if value:
                    index.setdefault(name_key(value), []).append(c)

    def __len__(self) -> int:
        return len(self._by_id)

    def remember(self, key: str, person_id: int) -> None:
        """A person created during this import: later rows with the name find them."""
        self._unlinked[key] = person_id

    def by_name(self, name: str) -> Match:
        """Rules 1–3 for a person's full name (a CRM agent or manager, a name in an
        activity file)."""
        key = name_key(name)
        if not key:
            raise MatchError("the name is empty")
        if key in self._unlinked:
            return Match(UNLINKED, person_id=self._unlinked[key])
        if key in self._aliases:
            return Match("linked with /team link", person_id=self._aliases[key])
        found, how = self._slack_named(key)
        if len(found) == 1:
            return self._slack(found[0], how)
        return Match(
            "not in Slack", new_name=display_of(name), ambiguous=len(found) if len(found) > 1 else 0
        )

    def slack_member_named(self, name: str) -> Candidate | None:
        """The one Slack member rule 2 would match, ignoring rule 1: for telling the
        operator which unlinked people could be linked now."""
        found, _ = self._slack_named(name_key(name))
        return found[0] if len(found) == 1 else None

    def _slack_named(self, key: str) -> tuple[list[Candidate], str]:
        for how, index in (
            ("Slack real name", self._by_real),
            ("Slack display name", self._by_display),
        ):
            found = index.get(key, [])
            if found:
                return found, how
        return [], ""

    def resolve(self, written: str) -> Match:
        """The activity file's `user`: a Slack id, an @handle, an email or a name."""
        text = written.strip()
        if _SLACK_ID.fullmatch(text) and any(ch.isdigit() for ch in text):
            found = self._by_id.get(text)
            if found is None:
                raise MatchError(f'no Slack user has the id "{text}" in this workspace')
            return self._slack(found, "Slack id")
        if text.startswith("@"):
            key = name_key(text[1:])
            found = self._by_handle.get(key) or self._by_display.get(key) or []
            return self._one(found, text, "Slack handle")
        if _EMAIL.fullmatch(text):
            return self._one(self._by_email.get(name_key(text), []), text, "email")
        return self.by_name(text)

    def _one(self, found: list[Candidate], text: str, how: str) -> Match:
        if not found:
            raise MatchError(f'no Slack user matches "{text}" ({how})')
        if len(found) > 1:
            raise MatchError(
                f'"{text}" matches {len(found)} Slack users — use their Slack id instead'
            )
        return self._slack(found[0], how)

    @staticmethod
    def _slack(candidate: Candidate, how: str) -> Match:
        if candidate.person_id is not None:
            return Match(how, person_id=candidate.person_id, candidate=candidate)
        return Match(how, candidate=candidate)
