"""Who may do what: role checks shared by every command and button (admin, manager of a
team, rep), and whose numbers a caller may see: reps their own and the boards of the teams
they belong to (their team, the teams above it, the company), managers the teams they
manage and everything below them, admins everyone. Shared by every command, /progress,
/leaderboard and exports."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.core.errors import PermissionDenied, UserError
from bot.core.team_grammar import team_key
from bot.core.team_tree import TeamTree
from bot.render.text import escape, who
from bot.services import reports
from bot.services.people import Caller
from storage import teams
from storage.models import Person, Team
from storage.rows import persisted_id


def is_manager_of(session: Session, caller: Caller, team_id: int) -> bool:
    return caller.is_admin or team_id in teams.governed_team_ids(
        session, caller.workspace_id, caller.person_id
    )


def may_act_for(session: Session, caller: Caller, person_id: int) -> bool:
    """Admins act for anyone; managers for members of their teams; reps for themselves."""
    if caller.is_admin or person_id == caller.person_id:
        return True
    team = teams.team_of(session, caller.workspace_id, person_id)
    return team is not None and team.id in teams.governed_team_ids(
        session, caller.workspace_id, caller.person_id
    )


def is_admin_or_any_manager(session: Session, caller: Caller) -> bool:
    return caller.is_admin or bool(
        teams.governed_team_ids(session, caller.workspace_id, caller.person_id)
    )


def require_manager_of(session: Session, caller: Caller, team: Team, example: str) -> None:
    if not is_manager_of(session, caller, persisted_id(team)):
        raise PermissionDenied(
            f"Only an admin or a manager of team {team.name} can do that.", example
        )


def require_admin(caller: Caller, what: str, example: str) -> None:
    if not caller.is_admin:
        raise PermissionDenied(f"Only a workspace admin can {what}.", example)


def team_by_name(session: Session, caller: Caller, name: str, example: str) -> Team:
    """A stored team; `team:all` (the company) is refused here with what to use instead."""
    team = teams.by_key(session, caller.workspace_id, team_key(name))
    if team is None and reports.is_company_name(session, caller.workspace_id, name):
        raise UserError(
            f'"{escape(name)}" is the whole company, which has no goals or settings of its own: name a team, '
            "or cascade a company number down to the teams and reps.",
            "/goal cascade team:all revenue 12m/year by history",
        )
    if team is None:
        known = [t.name for t, _ in teams.all_teams(session, caller.workspace_id)]
        listed = f" Teams: {', '.join(known)}." if known else " There are no teams yet."
        raise UserError(f'Unknown team "{name}".{listed}', example)
    return team


def scope_by_name(session: Session, caller: Caller, name: str, example: str) -> reports.Scope:
    """A team and everything below it; `all` (or the workspace's name) the company."""
    team = teams.by_key(session, caller.workspace_id, team_key(name))
    if team is None and reports.is_company_name(session, caller.workspace_id, name):
        return reports.company_scope(session, caller.workspace_id)
    return reports.team_scope(
        session, caller.workspace_id, team or team_by_name(session, caller, name, example)
    )


def home_team(session: Session, caller: Caller, tree: TeamTree | None = None) -> Team | None:
    """The caller's own team, else the highest team they manage."""
    team = teams.team_of(session, caller.workspace_id, caller.person_id)
    if team is not None:
        return team
    managed = teams.managed_team_ids(session, caller.workspace_id, caller.person_id)
    if not managed:
        return None
    tops = (tree or teams.tree(session, caller.workspace_id)).topmost(managed)
    return teams.by_id(session, caller.workspace_id, (tops or sorted(managed))[0])


def home_scope(session: Session, caller: Caller) -> reports.Scope | None:
    """The caller's own team, else the highest team they manage, else the company for an
    admin; None for a rep on no team."""
    tree = teams.tree(session, caller.workspace_id)
    team = home_team(session, caller, tree)
    if team is not None:
        return reports.team_scope(session, caller.workspace_id, team, tree)
    return (
        reports.team_scope(
            session,
            caller.workspace_id,
            reports.company_team(session, caller.workspace_id, tree),
            tree,
        )
        if caller.is_admin
        else None
    )


def require_scope_details(session: Session, caller: Caller, scope: reports.Scope) -> None:
    """Everyone's numbers under a team: managers at or above it and admins; the company's:
    admins."""
    if scope.is_company:
        if not caller.is_admin:
            raise PermissionDenied(
                "Only workspace admins see everyone's progress in the company. The company's board is open to everyone.",
                "/leaderboard revenue quarter team:all",
            )
        return
    _refuse_above(session, caller, scope, "/progress")
    require_team_details(session, caller, scope.team)


def _refuse_above(session: Session, caller: Caller, scope: reports.Scope, command: str) -> None:
    """A sub-team's manager asking for a team above theirs: say which teams they do see."""
    if caller.is_admin or scope.is_company:
        return
    managed = teams.managed_team_ids(session, caller.workspace_id, caller.person_id)
    if scope.team.id in scope.tree.governed(managed):
        return
    below = [t for t in scope.tree.topmost(managed) if t in scope.team_ids]
    if below:
        names = ", ".join(scope.tree.name(t) for t in below)
        raise PermissionDenied(
            f"You manage {names}, which is under {scope.team.name}: you see {names} and the teams below it, "
            f"not {scope.team.name}. Nothing above your team is shown.",
            f"{command} team:{scope.tree.name(below[0])}",
        )


def require_scope_board(session: Session, caller: Caller, scope: reports.Scope) -> None:
    """A board: the people it counts (members of the team or of any team below it), its
    managers and those of the teams above it, admins. A sub-team's manager who is not a
    member sees no board above their team."""
    if caller.is_admin:
        return
    mine = teams.team_of(session, caller.workspace_id, caller.person_id)
    if mine is not None and mine.id in scope.team_ids:
        return
    if scope.is_company:
        managed = teams.managed_team_ids(session, caller.workspace_id, caller.person_id)
        if managed and set(scope.tree.topmost(managed)) >= {n.id for n in scope.tree.roots()}:
            return
        raise PermissionDenied(
            "The company's board is for the people on its teams and admins.", "/leaderboard"
        )
    _refuse_above(session, caller, scope, "/leaderboard")
    require_board(session, caller, scope.team)


def require_team_details(session: Session, caller: Caller, team: Team) -> None:
    """Everyone's numbers in a team: its managers and admins."""
    if not is_manager_of(session, caller, persisted_id(team)):
        raise PermissionDenied(
            f"Only team {team.name}'s managers and admins see everyone's progress. "
            "Your own is one command away, and the team's leaderboard is open to its members.",
            f"/leaderboard team:{team.name}",
        )


def require_board(session: Session, caller: Caller, team: Team) -> None:
    """A team's leaderboard: its members, its managers and admins."""
    team_id = persisted_id(team)
    mine = teams.team_of(session, caller.workspace_id, caller.person_id)
    if (mine is None or mine.id != team_id) and not is_manager_of(session, caller, team_id):
        raise PermissionDenied(
            f"Team {team.name}'s leaderboard is for its members and managers.", "/leaderboard"
        )


def require_person_details(session: Session, caller: Caller, person: Person) -> None:
    if not may_act_for(session, caller, persisted_id(person)):
        raise PermissionDenied(
            f"You can see your own progress and, as a manager, your team's — not {who(person)}'s.",
            "/progress",
        )
