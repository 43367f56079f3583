"""People named in an import: checked in the first pass, created in the second.

The first pass only asks who each name is (`check`), so a refused file leaves no person
behind. The second pass turns each answer into a person id, creating Slack users' people
from their profiles and unlinked people for names Slack does not know. Memory grows with
the number of distinct people in the file, never with its rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.importer.matching import UNLINKED, Candidate, Match, MatchError, PeopleIndex, name_key
from bot.importer.report import ImportReport, names_text
from bot.importer.rows import RowError
from storage import imports, people
from storage.people import SlackProfile

MAX_NAME = 200  # Person.name


class ImportPeople:
    def __init__(
        self,
        index: PeopleIndex,
        profiles: dict[str, SlackProfile],
        workspace_id: int | None,
        now: datetime,
    ) -> None:
        self.index = index
        self._profiles = profiles
        self._workspace_id = workspace_id
        self._now = now
        self._matches: dict[str, Match] = {}
        self._ids: dict[str, int] = {}  # written name → person id, once known
        self._by_slack_id: dict[str, int] = {}
        self._created: list[str] = []
        self._new_ids: dict[str, int] = {}

    @classmethod
    def build(
        cls,
        database_people: Iterable,
        slack_members: Iterable[SlackProfile],
        aliases: Iterable[tuple[str, int]],
        workspace_id: int | None,
        now: datetime,
    ) -> ImportPeople:
        """From the database's people (storage.imports.people_rows), the Slack members and
        the names `/team link` linked before."""
        known: dict[str, Candidate] = {}
        unlinked: dict[str, int] = {}
        for row in database_people:
            if row.is_bot or row.deactivated:
                continue
            if row.slack_user_id is None:
                unlinked.setdefault(name_key(row.name), row.id)
            else:
                known[row.slack_user_id] = Candidate(
                    row.slack_user_id, row.name, row.real_name, row.display_name, row.email, row.id
                )
        profiles: dict[str, SlackProfile] = {}
        for profile in slack_members:
            existing = known.get(profile.user_id)
            if profile.is_bot or profile.deactivated:
                known.pop(profile.user_id, None)
                continue
            profiles[profile.user_id] = profile
            known[profile.user_id] = Candidate(
                profile.user_id, profile.name, profile.real_name, profile.display_name, profile.email,
                existing.person_id if existing else None,
            )  # fmt: skip
        alias_ids = {name_key(name): person_id for name, person_id in aliases}
        return cls(PeopleIndex(known.values(), unlinked, alias_ids), profiles, workspace_id, now)

    def bind(self, workspace_id: int) -> None:
        """The workspace people are created in (it may not have existed during pass 1)."""
        self._workspace_id = workspace_id

    def check(self, written: str, how: Callable[[PeopleIndex, str], Match]) -> Match:
        """Who `written` is (first pass). Raises RowError."""
        found = self._matches.get(written)
        if found is None:
            if len(written) > MAX_NAME:
                raise RowError(f"the name is {len(written)} characters long; at most {MAX_NAME}.")
            try:
                found = how(self.index, written)
            except MatchError as error:
                raise RowError(f"user: {error.message}.") from None
            self._matches[written] = found
        return found

    def person_id(
        self, session: Session, written: str, how: Callable[[PeopleIndex, str], Match]
    ) -> int:
        """The person `written` names, created if need be (second pass, inside its
        transaction)."""
        found_id = self._ids.get(written)
        if found_id is not None:
            return found_id
        match = self.check(written, how)
        assert self._workspace_id is not None
        if match.person_id is not None:
            person_id = match.person_id
        elif match.candidate is not None:
            slack_id = match.candidate.slack_user_id
            person_id = (
                self._by_slack_id.get(slack_id)
                or people.upsert_from_slack(
                    session, self._workspace_id, self._profiles[slack_id], self._now
                ).id
            )
            self._by_slack_id[slack_id] = person_id
        else:
            assert match.new_name is not None
            key = name_key(match.new_name)
            person_id = self._new_ids.get(key) or imports.add_unlinked_person(
                session, self._workspace_id, match.new_name, self._now
            )
            if key not in self._new_ids:
                self._new_ids[key] = person_id
                self._created.append(match.new_name)
                self.index.remember(key, person_id)
        self._ids[written] = person_id
        return person_id

    def to_create(self) -> list[str]:
        """The unlinked people pass 2 would create, from pass 1's answers (for --dry-run)."""
        names: dict[str, str] = {}
        for match in self._matches.values():  # in file order: the first spelling is the one stored
            if match.new_name and match.person_id is None:
                names.setdefault(name_key(match.new_name), match.new_name)
        return sorted(names.values(), key=str.casefold)

    def describe(self, report: ImportReport) -> None:
        """Add what happened to people to the report's notes."""
        slack = Counter(m.how for m in self._matches.values() if m.candidate is not None)
        if slack:
            ways = ", ".join(f"{n} by {how}" for how, n in sorted(slack.items()))
            report.notes.append(f"People matched to Slack users: {sum(slack.values())} ({ways}).")
        earlier = sum(
            1 for m in self._matches.values() if m.candidate is None and m.person_id is not None
        )
        if earlier:
            report.notes.append(f"People imported or linked before: {earlier}.")
        if self._created:
            report.notes.append(
                f"New people not in Slack yet (unlinked; their history counts): {len(self._created)} — "
                f'{names_text(sorted(self._created))}. Link each with `/team link "NAME" @user`.'
            )
        linkable = sorted(
            f'/team link "{written}" @{member.handle}'
            for written, m in self._matches.items()
            if m.how == UNLINKED and (member := self.index.slack_member_named(written))
        )
        if linkable:
            report.notes.append(
                f"Unlinked people who match a Slack user now: {names_text(linkable)}."
            )
        ambiguous = sorted({m.new_name or "" for m in self._matches.values() if m.ambiguous})
        if ambiguous:
            report.notes.append(
                f"Names that match several Slack users (imported unlinked): {names_text(ambiguous)}."
            )
