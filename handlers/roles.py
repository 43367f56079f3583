"""Role checks shared by every command and button: admin, manager of a team, rep."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.errors import PermissionDenied
from handlers.identity import Caller
from storage import teams
from storage.models import Team


def is_manager_of(session: Session, caller: Caller, team_id: int) -> bool:
    return caller.is_admin or team_id in teams.governed_team_ids(session, caller.workspace_id, caller.person_id)


def may_act_for(session: Session, caller: Caller, person_id: int) -> bool:
    """Admins act for anyone; managers for members of their teams; reps for themselves."""
    if caller.is_admin or person_id == caller.person_id:
        return True
    team = teams.team_of(session, caller.workspace_id, person_id)
    return team is not None and team.id in teams.governed_team_ids(
        session, caller.workspace_id, caller.person_id
    )


def is_admin_or_any_manager(session: Session, caller: Caller) -> bool:
    return caller.is_admin or bool(teams.governed_team_ids(session, caller.workspace_id, caller.person_id))


def require_manager_of(session: Session, caller: Caller, team: Team, example: str) -> None:
    assert team.id is not None
    if not is_manager_of(session, caller, team.id):
        raise PermissionDenied(
            f"Only an admin or a manager of team {team.name} can do that.", example
        )


def require_admin(caller: Caller, what: str, example: str) -> None:
    if not caller.is_admin:
        raise PermissionDenied(f"Only a workspace admin can {what}.", example)
