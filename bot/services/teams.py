"""/team's use cases: create teams, change their settings, schedules, members and managers,
set start dates and the fiscal year, link imported people (bot/crm/links.py tells them from
HubSpot owners, and links those), and read what /team show and /team list draw. Each authorizes (creating, renaming and top-level moves are
for admins; the rest for a team's managers), writes in one transaction with its audit event
and returns the records its reply is drawn from."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.errors import PermissionDenied, UserError
from bot.core.mentions import ChannelRef, UserRef
from bot.core.schedules import DEFAULT_SCHEDULES, JobSchedule, encode_days, stored_schedule
from bot.core.team_grammar import (
    TeamAdd,
    TeamCreate,
    TeamLink,
    TeamManager,
    TeamRemoveMember,
    TeamSchedule,
    TeamSet,
    TeamStartDate,
    team_key,
)
from bot.core.team_tree import TeamTree
from bot.importer.matching import name_key
from bot.render.text import escape, who
from bot.services import access
from bot.services.context import Services
from bot.services.people import Caller
from storage import audit, imports, people, teams, workspaces
from storage.imports import Merged
from storage.models import Person, Team
from storage.rows import persisted_id

# A reply names at most this many teams (an unknown parent's "Teams: …", /team show's
# sub-teams), then counts the rest: 60 names of 40 characters leave room for the rest.
MAX_NAMED_TEAMS = 60


@dataclass(frozen=True)
class Created:
    team: Team
    manager: Person | None


@dataclass(frozen=True)
class MembersAdded:
    team: Team
    added: list[Person]  # those not in the team before


@dataclass(frozen=True)
class MemberRemoved:
    team: Team
    person: Person


@dataclass(frozen=True)
class ManagerChanged:
    team: Team
    person: Person
    removed: bool
    changed: bool  # False: they already managed it


@dataclass(frozen=True)
class SettingChanged:
    team: Team  # as it is now
    parent_name: str | None = None  # `parent`: the team it is now under (None: the top)


@dataclass(frozen=True)
class ScheduleChanged:
    team: Team
    schedule: JobSchedule


@dataclass(frozen=True)
class PersonLinked:
    source: Person  # the imported person, merged away
    target: Person
    merged: Merged
    team: Team | None  # the target's team now


@dataclass(frozen=True)
class OwnerLinked:
    owner_label: str  # HubSpot's name, email and owner id (their text: escape it)
    target: Person
    moved: int  # entries added, moved or removed


@dataclass(frozen=True)
class TeamDetails:
    """What /team show draws: the team, its people, every team (for the tree) and its jobs."""

    team: Team
    managers: list[Person]
    members: list[Person]
    all_teams: list[tuple[Team, int]]  # every team with its own member count
    schedules: list[JobSchedule]


@dataclass(frozen=True)
class TeamListing:
    all_teams: list[tuple[Team, int]]  # every team with its own member count, by name


def require_team_rights(services: Services, caller: Caller) -> None:
    """/team beyond help is for admins and managers."""
    with services.db.read() as session:
        if not access.is_admin_or_any_manager(session, caller):
            raise PermissionDenied(
                "Only workspace admins and team managers can use /team. "
                "Ask your manager to add you to a team; you can log right away.",
                "/log calls 12",
            )


def check_create(services: Services, caller: Caller, cmd: TeamCreate) -> None:
    """What refuses a team's creation before its manager is looked up in Slack."""
    access.require_admin(caller, "create teams", "/team create east #sales-east manager @dana")
    _channel_id(cmd.channel)
    with services.db.read() as session:
        if teams.by_key(session, caller.workspace_id, team_key(cmd.name)) is not None:
            raise UserError(f'A team named "{cmd.name}" already exists.', f"/team show {cmd.name}")


def managed_team(services: Services, caller: Caller, name: str) -> Team:
    """The team named, when the caller manages it: the unknown team or the missing right is
    named before any Slack look-up of people."""
    with services.db.read() as session:
        return _team(session, caller, name)


def check_link_person(session: Session, caller: Caller, name: str) -> None:
    """What refuses linking the imported person `name` before the Slack user is looked up:
    nobody (or several) of that name waiting to be linked, or a missing right."""
    example = f'/team link "{escape(name)}" @maria'
    require_link_right(session, caller, _unlinked(session, caller.workspace_id, name, example))


def create(services: Services, client: WebClient, caller: Caller, cmd: TeamCreate) -> Created:
    ws = caller.workspace_id
    now = services.clock.now()
    access.require_admin(caller, "create teams", "/team create east #sales-east manager @dana")
    manager = _person(services, client, ws, cmd.manager) if cmd.manager else None
    with services.db.write() as session:
        if teams.by_key(session, ws, team_key(cmd.name)) is not None:
            raise UserError(f'A team named "{cmd.name}" already exists.', f"/team show {cmd.name}")
        team = teams.create_team(
            session,
            ws,
            name=cmd.name,
            name_key=team_key(cmd.name),
            channel_id=_channel_id(cmd.channel),
            channel_name=cmd.channel.name if cmd.channel else None,
            tz=cmd.tz or caller.tz or "UTC",
            workweek=encode_days(cmd.workweek) if cmd.workweek else "0,1,2,3,4",
            holidays_country=cmd.holidays,
            now=now,
        )
        team_id = persisted_id(team)
        if manager is not None:
            teams.add_manager(session, ws, team_id, persisted_id(manager), now)
        _audit(session, caller, now, "team.create", team_id, after=_team_state(team))
    # A new team: the scheduler plans its jobs now, not at its next sweep.
    services.schedule_changed()
    return Created(team, manager)


def add_members(
    services: Services, client: WebClient, caller: Caller, cmd: TeamAdd
) -> MembersAdded:
    ws = caller.workspace_id
    now = services.clock.now()
    with _changing_people(services, client, caller, cmd.name, cmd.users) as (
        session,
        team,
        added_people,
    ):
        team_id = persisted_id(team)
        added: list[Person] = []
        for person in added_people:
            person_id = persisted_id(person)
            current = teams.team_of(session, ws, person_id)
            if current is not None and current.id == team_id:
                continue
            if current is not None:
                raise UserError(
                    f"{_name(person)} is already in team {current.name} — a rep belongs to one team. "
                    "Nothing was changed.",
                    f"/team remove {current.name} @{person.name}",
                )
            teams.add_member(session, ws, team_id, person_id, now)
            _audit(session, caller, now, "team.add_member", team_id, after={"person_id": person_id})
            added.append(person)
    return MembersAdded(team, added)


def remove_member(
    services: Services, client: WebClient, caller: Caller, cmd: TeamRemoveMember
) -> MemberRemoved:
    ws = caller.workspace_id
    now = services.clock.now()
    with _changing_people(services, client, caller, cmd.name, [cmd.user]) as (
        session,
        team,
        [person],
    ):
        person_id = persisted_id(person)
        team_id = persisted_id(team)
        if not teams.remove_member(session, ws, team_id, person_id):
            raise UserError(
                f"{_name(person)} is not in team {team.name}.", f"/team show {team.name}"
            )
        _audit(session, caller, now, "team.remove_member", team_id, before={"person_id": person_id})
    return MemberRemoved(team, person)


def set_manager(
    services: Services, client: WebClient, caller: Caller, cmd: TeamManager
) -> ManagerChanged:
    ws = caller.workspace_id
    now = services.clock.now()
    with _changing_people(services, client, caller, cmd.name, [cmd.user]) as (
        session,
        team,
        [person],
    ):
        person_id = persisted_id(person)
        team_id = persisted_id(team)
        if cmd.remove:
            if not teams.remove_manager(session, ws, team_id, person_id):
                raise UserError(
                    f"{_name(person)} is not a manager of {team.name}.", f"/team show {team.name}"
                )
            _audit(
                session,
                caller,
                now,
                "team.remove_manager",
                team_id,
                before={"person_id": person_id},
            )
            return ManagerChanged(team, person, removed=True, changed=True)
        if not teams.add_manager(session, ws, team_id, person_id, now):
            return ManagerChanged(team, person, removed=False, changed=False)
        _audit(session, caller, now, "team.add_manager", team_id, after={"person_id": person_id})
    return ManagerChanged(team, person, removed=False, changed=True)


def set_setting(services: Services, caller: Caller, cmd: TeamSet) -> SettingChanged:
    ws = caller.workspace_id
    now = services.clock.now()
    with services.db.write() as session:
        team = _team(session, caller, cmd.name)
        before = _team_state(team)
        values, parent_name = _new_values(session, caller, team, cmd.key, cmd.value)
        teams.update_team(session, team, values)
        _audit(
            session,
            caller,
            now,
            f"team.set.{cmd.key}",
            team.id,
            before=before,
            after=_team_state(team),
        )
    if cmd.key == "crm-only":
        services.forget_crm_only(ws)
    # A new zone or work week moves job times: the scheduler re-plans now.
    services.schedule_changed()
    return SettingChanged(team, parent_name)


def set_schedule(services: Services, caller: Caller, cmd: TeamSchedule) -> ScheduleChanged:
    now = services.clock.now()
    with services.db.write() as session:
        team = _team(session, caller, cmd.name)
        team_id = persisted_id(team)
        at = cmd.at.strftime("%H:%M") if cmd.at else None
        days = encode_days(cmd.days) if cmd.days else None
        before = _schedule_of(session, team, cmd.job)
        teams.set_schedule(session, caller.workspace_id, team_id, cmd.job, days, at, now)
        after = JobSchedule(cmd.job, cmd.days, cmd.at)
        _audit(
            session,
            caller,
            now,
            "team.schedule",
            team_id,
            before={"schedule": before.describe()},
            after={"schedule": after.describe()},
        )
    # New times: the scheduler re-plans now, not at its next sweep.
    services.schedule_changed()
    return ScheduleChanged(team, after)


def set_start_date(
    services: Services, client: WebClient, caller: Caller, cmd: TeamStartDate
) -> Person:
    """Admins, and the person's managers; returns the person."""
    ws = caller.workspace_id
    now = services.clock.now()
    person = _person(services, client, ws, cmd.user)
    person_id = persisted_id(person)
    with services.db.write() as session:
        team = teams.team_of(session, ws, person_id)
        if not caller.is_admin and (
            team is None or not access.is_manager_of(session, caller, persisted_id(team))
        ):
            raise PermissionDenied(
                f"Only an admin or {_name(person)}'s manager can set their start date.",
                "/team start @maria 2026-11-02",
            )
        row = people.by_id(session, ws, person_id)
        assert row is not None
        before = {"start_date": row.start_date}
        people.set_start_date(session, row, cmd.day)
        _audit(
            session,
            caller,
            now,
            "person.start_date",
            None,
            before=before,
            after={"person_id": person_id, "start_date": cmd.day},
            subject_type="person",
        )
    return person


def set_fiscal_year(services: Services, caller: Caller, month: int) -> None:
    """Admins only: the workspace's quarters and years start in `month`."""
    ws = caller.workspace_id
    now = services.clock.now()
    access.require_admin(caller, "set the fiscal year", "/team fiscal-year feb")
    with services.db.write() as session:
        before = workspaces.set_fiscal_year_start_month(session, ws, month)
        _audit(session, caller, now, "workspace.fiscal_year", ws, before={"start_month": before},
               after={"start_month": month}, subject_type="workspace")  # fmt: skip


def show(services: Services, caller: Caller, name: str | None) -> TeamDetails | TeamListing:
    """The team named (anyone may look); no name: their own team, else the highest team they
    manage (a region's manager: the region), else every team."""
    with services.db.read() as session:
        if name is None:
            team = access.home_team(session, caller)
            if team is None:
                return TeamListing(teams.all_teams(session, caller.workspace_id))
        else:
            team = _team(session, caller, name, need_manager=False)
        team_id = persisted_id(team)
        return TeamDetails(
            team,
            managers=teams.managers(session, team.workspace_id, team_id),
            members=teams.members(session, team.workspace_id, team_id),
            all_teams=teams.all_teams(session, team.workspace_id),
            schedules=[_schedule_of(session, team, job) for job in DEFAULT_SCHEDULES],
        )


def listing(services: Services, caller: Caller) -> TeamListing:
    with services.db.read() as session:
        return TeamListing(teams.all_teams(session, caller.workspace_id))


def link_person(
    services: Services, client: WebClient, caller: Caller, cmd: TeamLink
) -> PersonLinked:
    """Merge an imported, unlinked person into a Slack user's person: entries, goals, time
    off, team membership and manager roles move; the audit event remembers the name, so a
    later import of the same file finds the linked person. The caller has checked the name
    and the right (check_link_person); both are checked again inside the write."""
    ws = caller.workspace_id
    now = services.clock.now()
    example = f'/team link "{escape(cmd.name)}" @maria'
    target = linked_user(services, client, caller, cmd)
    target_id = persisted_id(target)
    with services.db.write() as session:
        # Again inside the write: another link may have taken the person meanwhile.
        source = _unlinked(session, ws, cmd.name, example)
        source_id = persisted_id(source)
        require_link_right(session, caller, source)
        source_team = teams.team_of(session, ws, source_id)
        target_team = teams.team_of(session, ws, target_id)
        if source_team is not None and target_team is not None and source_team.id != target_team.id:
            raise UserError(
                f"{_name(target)} is in team {target_team.name} and {escape(source.name)} in team {source_team.name} — "
                "a rep belongs to one team. Nothing was changed.",
                f"/team remove {target_team.name} @{target.name}",
            )
        before = {
            "person_id": source_id,
            "name": source.name,
            "team_id": source_team.id if source_team else None,
        }
        merged = imports.merge_person(session, ws, source_id, target_id)
        after = {"person_id": target_id, "slack_user_id": target.slack_user_id, "entries": merged.entries,
                 "goals": merged.goals, "time_off": merged.time_off, "team_id": merged.team_id, "managed": merged.managed}  # fmt: skip
        audit.record(session, workspace_id=ws, at=now, actor_id=caller.person_id, action=imports.LINK_ACTION,
                     subject_type="person", subject_id=target_id, before=before, after=after)  # fmt: skip
        team = teams.team_of(session, ws, target_id)
    return PersonLinked(source, target, merged, team)


def linked_user(services: Services, client: WebClient, caller: Caller, cmd: TeamLink) -> Person:
    """The Slack user `/team link NAME @user` links NAME to."""
    target = _person(services, client, caller.workspace_id, cmd.user)
    if target.slack_user_id is None:
        raise UserError(
            f"{cmd.user.display} is not a Slack user — pick them from Slack's @ list.",
            f'/team link "{escape(cmd.name)}" @maria',
        )
    return target


def has_unlinked(session: Session, workspace_id: int, name: str) -> bool:
    """Whether an imported person waiting to be linked has this name."""
    wanted = name_key(name)
    return any(name_key(p.name) == wanted for p in imports.unlinked_people(session, workspace_id))


def _unlinked(session: Session, workspace_id: int, name: str, example: str) -> Person:
    wanted = name_key(name)
    found = [
        p for p in imports.unlinked_people(session, workspace_id) if name_key(p.name) == wanted
    ]
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(
            f"{len(found)} unlinked people are called {escape(name)}: ask an admin to merge them first.",
            example,
        )
    # Imported names are file data: escaped, so a name holding <!channel> pings nobody.
    names = [escape(p.name) for p in imports.unlinked_people(session, workspace_id)]
    if not names:
        raise UserError(
            f'There is no unlinked person named "{escape(name)}" — nobody imported is waiting to be linked.',
            "/team list",
        )
    shown = ", ".join(names[:15]) + (f" and {len(names) - 15} more" if len(names) > 15 else "")
    raise UserError(
        f'There is no unlinked person named "{escape(name)}". Unlinked people: {shown}.', example
    )


def require_link_right(session: Session, caller: Caller, person: Person) -> None:
    """Admins, and managers of the team the person is in (or of a team they manage)."""
    if caller.is_admin:
        return
    person_id = persisted_id(person)
    member_of = teams.team_of(session, caller.workspace_id, person_id)
    team_ids = teams.managed_team_ids(session, caller.workspace_id, person_id)
    if member_of is not None:
        team_ids.add(persisted_id(member_of))
    if not any(access.is_manager_of(session, caller, team_id) for team_id in team_ids):
        where = f"team {member_of.name}" if member_of is not None else "their team"
        raise PermissionDenied(
            f"Only an admin or a manager of {where} can link {escape(person.name)}.", "/team show"
        )


def _new_values(
    session: Session, caller: Caller, team: Team, key: str, value: object
) -> tuple[dict[str, object], str | None]:
    """The team's columns a setting changes, checked; and for `parent`, the new parent's name."""
    if key == "channel":
        channel = value if isinstance(value, ChannelRef) else None
        return {
            "channel_id": _channel_id(channel),
            "channel_name": channel.name if channel else None,
        }, None
    if key == "tz":
        return {"tz": str(value)}, None
    if key == "workweek":
        return {"workweek": encode_days(value)}, None  # type: ignore[arg-type]
    if key == "holidays":
        return {"holidays_country": value}, None
    if key == "thresholds":
        ahead, on_pace, behind = cast(tuple[int, int, int], value)
        return {
            "threshold_ahead": ahead,
            "threshold_on_pace": on_pace,
            "threshold_behind": behind,
        }, None
    if key == "approvals":
        return {"approvals": bool(value)}, None
    if key == "celebrate":
        return {"celebrate": str(value)}, None
    if key == "celebrate-min":
        return {"celebrate_min": value}, None
    if key == "hours":
        return {"work_hours": str(value)}, None
    if key == "crm-only":
        return {"crm_only": str(value or "")}, None
    if key == "parent":
        parent_id, parent_name = _parent(
            session, caller, team, None if value is None else str(value)
        )
        return {"parent_id": parent_id}, parent_name
    if key == "name":
        access.require_admin(caller, "rename teams", f"/team set {team.name} name east-1")
        new_name = str(value)
        existing = teams.by_key(session, team.workspace_id, team_key(new_name))
        if existing is not None and existing.id != team.id:
            raise UserError(f'A team named "{new_name}" already exists.', f"/team show {new_name}")
        return {"name": new_name, "name_key": team_key(new_name)}, None
    raise UserError(f'Unknown setting "{key}".', f"/team set {team.name} tz America/New_York")


def _parent(
    session: Session, caller: Caller, team: Team, name: str | None
) -> tuple[int | None, str | None]:
    """The team to put `team` under (its id and name; None: at the top). One read of the tree
    answers the loop and who may: admins anywhere; a manager moves a team they manage from
    a parent they manage to another team they manage (or one below it). Raises UserError,
    changing nothing, for an unknown team, a loop or a missing right."""
    team_id = persisted_id(team)
    ws = team.workspace_id
    tree = teams.tree(session, ws)
    mine = (
        None
        if caller.is_admin
        else tree.governed(teams.managed_team_ids(session, ws, caller.person_id))
    )
    old = tree.parent(team_id)
    candidate = _parent_candidate(tree, team_id, mine)
    move_example = f"/team set {team.name} parent {candidate}" if candidate else None
    if name is None:
        if mine is not None:
            raise PermissionDenied(
                f"Only a workspace admin can make {team.name} a top-level team: the company's shape is theirs.",
                move_example or f"/team show {team.name}",
            )
        return None, None
    parent = teams.by_key(session, ws, team_key(name))
    if parent is None or parent.id not in tree:
        raise UserError(
            f'Unknown team "{name}": there is no such team to put {team.name} under.{_teams_named(tree)}',
            move_example or f"/team create {name}",
        )
    parent_id = persisted_id(parent)
    if parent_id == team_id:
        raise UserError("A team cannot be its own parent.", f"/team set {team.name} parent none")
    if tree.would_loop(team_id, parent_id):
        above = tree.ancestors(parent_id)
        chain = [team_id, *reversed(above[: above.index(team_id)]), parent_id]
        raise UserError(
            f"{parent.name} is under {team.name} already ({' › '.join(tree.name(t) for t in chain)}): "
            "a team cannot be inside its own sub-team — teams cannot nest in a loop. Nothing was changed.",
            f"/team set {parent.name} parent {old.name if old else 'none'}",
        )
    if mine is not None:
        if parent_id not in mine:
            raise PermissionDenied(
                f"You can move {team.name} only under a team you manage (or one below it), and you do not "
                f"manage {parent.name}: an admin can make that move.",
                move_example or f"/team show {team.name}",
            )
        if old is not None and old.id not in mine:
            raise PermissionDenied(
                f"{team.name} is in {old.name}, which you do not manage: only an admin or a manager of "
                f"{old.name} can move it out.",
                f"/team show {team.name}",
            )
    return parent_id, parent.name


def _parent_candidate(tree: TeamTree, team_id: int, allowed: set[int] | None) -> str | None:
    """A team `team_id` could move under, for an example: not itself nor below it, nor its
    parent now; for a manager, one of theirs."""
    below = set(tree.subtree(team_id))
    now = tree.parent(team_id)
    for _, candidate in tree.outline():
        if (
            candidate not in below
            and (allowed is None or candidate in allowed)
            and (now is None or candidate != now.id)
        ):
            return tree.name(candidate)
    return None


def _teams_named(tree: TeamTree) -> str:
    names = sorted((node.name for node in tree.nodes.values()), key=lambda n: (n.lower(), n))
    if not names:
        return " There are no teams yet."
    shown = ", ".join(names[:MAX_NAMED_TEAMS])
    if len(names) > MAX_NAMED_TEAMS:
        shown += f" and {len(names) - MAX_NAMED_TEAMS} more (`/team list`)"
    return f" Teams: {shown}."


def _team(session: Session, caller: Caller, name: str, need_manager: bool = True) -> Team:
    team = teams.by_key(session, caller.workspace_id, team_key(name))
    if team is None:
        known = [t.name for t, _ in teams.all_teams(session, caller.workspace_id)]
        listed = f" Teams: {', '.join(known)}." if known else " There are no teams yet."
        raise UserError(f'Unknown team "{name}".{listed}', "/team create east #sales-east")
    if need_manager:
        access.require_manager_of(session, caller, team, f"/team show {team.name}")
    return team


@contextmanager
def _changing_people(
    services: Services, client: WebClient, caller: Caller, name: str, users: Sequence[UserRef]
) -> Iterator[tuple[Session, Team, list[Person]]]:
    """A change to who is in or manages the team named: the team and the caller's right are
    checked before Slack is asked about `users`, then the team is read again in the write the
    block runs in (it may have gone meanwhile). Yields the session, the team and the people."""
    managed_team(services, caller, name)
    people_found = [_person(services, client, caller.workspace_id, ref) for ref in users]
    with services.db.write() as session:
        yield session, _team(session, caller, name), people_found


def _person(services: Services, client: WebClient, workspace_id: int, ref: UserRef) -> Person:
    person = services.directory.resolve(client, workspace_id, ref)
    if person.is_bot or person.deactivated:
        kind = "a bot" if person.is_bot else "deactivated"
        raise UserError(
            f"{_name(person)} is {kind} and cannot be on a team.", "/team add east @maria"
        )
    return person


def _channel_id(channel: ChannelRef | None) -> str | None:
    if channel is None:
        return None
    if not channel.channel_id:
        raise UserError(
            f"Pick #{channel.name} from Slack's channel list so Paceline gets its id.",
            "/team set east channel #sales-east",
        )
    return channel.channel_id


def _schedule_of(session: Session, team: Team, job: str) -> JobSchedule:
    row = teams.schedules(session, team.workspace_id, persisted_id(team)).get(job)
    return stored_schedule(job, (row.days, row.at_time) if row else None)


def _name(person: Person | None) -> str:
    return who(person, fallback="nobody")


def _team_state(team: Team) -> dict:
    return {
        "name": team.name,
        "channel_id": team.channel_id,
        "tz": team.tz,
        "workweek": team.workweek,
        "holidays": team.holidays_country,
        "parent_id": team.parent_id,
        "thresholds": [team.threshold_ahead, team.threshold_on_pace, team.threshold_behind],
        "approvals": team.approvals,
        "celebrate": team.celebrate,
        "celebrate_min": team.celebrate_min,
        "work_hours": team.work_hours,
        "crm_only": team.crm_only,
    }


def _audit(
    session: Session,
    caller: Caller,
    now: datetime,
    action: str,
    subject_id: int | None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    subject_type: str = "team",
) -> None:
    audit.record(
        session,
        workspace_id=caller.workspace_id,
        at=now,
        actor_id=caller.person_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=before,
        after=after,
    )
