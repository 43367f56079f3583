"""Whose numbers a caller may see: reps their own and their team's boards, managers their
teams, admins everyone. Shared by /progress, /leaderboard and exports."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.errors import PermissionDenied, UserError
from bot.core.team_grammar import team_key
from bot.render.text import who
from handlers import roles
from handlers.identity import Caller
from storage import teams
from storage.models import Person, Team


def team_by_name(session: Session, caller: Caller, name: str, example: str) -> Team:
    team = teams.by_key(session, caller.workspace_id, team_key(name))
    if team is None:
        known = [t.name for t, _ in teams.all_teams(session, caller.workspace_id)]
        listed = f" Teams: {', '.join(known)}." if known else " There are no teams yet."
        raise UserError(f'Unknown team "{name}".{listed}', example)
    return team


def home_team(session: Session, caller: Caller) -> Team | None:
    """The caller's own team, else the first team they manage."""
    team = teams.team_of(session, caller.workspace_id, caller.person_id)
    if team is not None:
        return team
    managed = sorted(teams.managed_team_ids(session, caller.workspace_id, caller.person_id))
    return teams.by_id(session, caller.workspace_id, managed[0]) if managed else None


def require_team_details(session: Session, caller: Caller, team: Team) -> None:
    """Everyone's numbers in a team: its managers and admins."""
    assert team.id is not None
    if not roles.is_manager_of(session, caller, team.id):
        raise PermissionDenied(
            f"Only team {team.name}'s managers and admins see everyone's progress. "
            "Your own is one command away, and the team's leaderboard is open to its members.",
            f"/leaderboard team:{team.name}",
        )


def require_board(session: Session, caller: Caller, team: Team) -> None:
    """A team's leaderboard: its members, its managers and admins."""
    assert team.id is not None
    mine = teams.team_of(session, caller.workspace_id, caller.person_id)
    if (mine is None or mine.id != team.id) and not roles.is_manager_of(session, caller, team.id):
        raise PermissionDenied(
            f"Team {team.name}'s leaderboard is for its members and managers.", "/leaderboard"
        )


def require_person_details(session: Session, caller: Caller, person: Person) -> None:
    assert person.id is not None
    if not roles.may_act_for(session, caller, person.id):
        raise PermissionDenied(
            f"You can see your own progress and, as a manager, your team's — not "
            f"{who(person)}'s.",
            "/progress",
        )
