"""Whose a goal is and who may set it. A goal belongs to a person or a team; the owner's
time zone decides its "today" (when it starts, whether it has started), and their team
decides who governs it.

Kept apart from the writing rules so that every path names an owner the same way (a bot
or a deactivated person has no goals) and `/goal`, its modal and plans ask the same
question of who may set one: admins anyone's, managers their teams' and their members'; a
rep only proposes their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.clock import Clock, local_today
from bot.core.errors import PermissionDenied, UserError
from bot.render.text import escape
from bot.services import reports
from bot.services.people import Caller
from storage import people, teams
from storage.models import Goal, Person, Team
from storage.rows import persisted_id


@dataclass(frozen=True)
class Owner:
    """A goal's owner: a person or a team, with what governance needs of it."""

    person: Person | None
    team: Team | None  # the team itself, or the person's team (managers, approvals)

    @property
    def is_team(self) -> bool:
        return self.person is None

    @property
    def name(self) -> str:
        if self.person is not None:
            return reports.display_name(self.person)
        assert self.team is not None
        return f"team {self.team.name}"

    @property
    def tz(self) -> str | None:
        if self.person is not None:
            return self.person.tz
        assert self.team is not None
        return self.team.tz

    @property
    def command_name(self) -> str:
        """How a command example names the owner: `@maria` or `team:east`."""
        if self.person is not None:
            return f"@{self.person.name}"
        assert self.team is not None
        return f"team:{self.team.name}"

    def today(self, clock: Clock) -> date:
        """ "Today" where the owner is: a goal starts and is "started" in their time."""
        return local_today(clock, self.tz)

    def names(self) -> dict[tuple[str, int], str]:
        found: dict[tuple[str, int], str] = {}
        if self.person is not None and self.person.id is not None:
            found[("person", self.person.id)] = reports.display_name(self.person)
        if self.team is not None and self.team.id is not None:
            found[("team", self.team.id)] = self.team.name
        return found


def person_owner(session: Session, person: Person) -> Owner:
    person_id = persisted_id(person)
    if person.is_bot or person.deactivated:
        what = "a bot" if person.is_bot else "deactivated"
        raise UserError(
            f"{reports.display_name(person)} is {what} and cannot have goals.", "/goal list"
        )
    return Owner(person, teams.team_of(session, person.workspace_id, person_id))


def team_owner(team: Team) -> Owner:
    return Owner(None, team)


def owner_of_goal(session: Session, workspace_id: int, goal: Goal) -> Owner:
    if goal.person_id is not None:
        person = people.by_id(session, workspace_id, goal.person_id)
        assert person is not None
        return Owner(person, teams.team_of(session, workspace_id, goal.person_id))
    assert goal.team_id is not None
    team = teams.by_id(session, workspace_id, goal.team_id)
    assert team is not None
    return Owner(None, team)


def require_may_set(session: Session, caller: Caller, owner: Owner, example: str) -> None:
    """Admins set goals for anyone; managers for their teams and their members; reps propose."""
    if caller.is_admin:
        return
    managed = teams.governed_team_ids(session, caller.workspace_id, caller.person_id)
    if owner.team is not None and owner.team.id in managed:
        return
    if owner.person is not None and owner.person.id == caller.person_id:
        raise PermissionDenied(
            "Your goals are set by your manager — propose one and they approve it.",
            "/goal propose calls 60/week -- I have more leads now",
        )
    if owner.person is not None:
        raise PermissionDenied(
            f"Only an admin or a manager of {escape(owner.name)}'s team can set their goals. "
            "Nothing was changed.",
            example,
        )
    raise PermissionDenied(
        f"Only an admin or a manager of {escape(owner.name)} can set its goals. Nothing was changed.",
        example,
    )
