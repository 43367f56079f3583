"""/team: admins and managers shape teams. parse → authorize → act → render."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.core.crm_only import crm_only_keys, names_text
from bot.core.dates import format_day
from bot.core.errors import PermissionDenied, UserError
from bot.core.mentions import ChannelRef, UserRef
from bot.core.schedules import (
    DEFAULT_SCHEDULES,
    JobSchedule,
    days_text,
    decode_days,
    encode_days,
    stored_schedule,
)
from bot.core.team_grammar import (
    TEAM_HELP,
    TeamAdd,
    TeamCreate,
    TeamFiscalYear,
    TeamHelp,
    TeamLink,
    TeamList,
    TeamManager,
    TeamRemoveMember,
    TeamSchedule,
    TeamSet,
    TeamShow,
    TeamStartDate,
    format_celebrate_min,
    month_name,
    parse_team,
    team_key,
)
from bot.core.team_tree import TeamNode, TeamTree
from bot.core.work_hours import CELEBRATE_KINDS, WorkHours, celebrate_kinds, celebrate_setting
from bot.crm import links as crm_links
from bot.importer.matching import name_key
from bot.render.block_limits import REPLY_TEXT, fit_reply
from bot.render.text import escape, who
from bot.services import access, later
from bot.services.context import Services
from bot.services.people import Caller
from storage import audit, imports, people, teams, workspaces
from storage.models import CrmOwner, Person, Team

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def team_command(ack: Ack, command: dict, client: WebClient, context: BoltContext) -> None:
        with later.answering(context):
            reply = handle(services, client, command)
        ack(text=reply)

    app.command("/team")(ack=team_command, lazy=[later.run])


def handle(services: Services, client: WebClient, command: dict) -> str:
    """The answer to one /team. A command naming people Paceline has never seen needs a
    users.info for each (25 of them take seconds): it is answered "⏳ Adding 25 people…" at
    once, after the checks that need no Slack, and the outcome follows through the
    response URL once the look-ups are done."""
    try:
        caller = services.directory.caller(
            client, command["team_id"], command["user_id"], command.get("enterprise_id")
        )
        parsed = parse_team(command.get("text") or "")
        if isinstance(parsed, TeamHelp):
            return TEAM_HELP
        with services.db.read() as session:
            if not access.is_admin_or_any_manager(session, caller):
                raise PermissionDenied(
                    "Only workspace admins and team managers can use /team. "
                    "Ask your manager to add you to a team; you can log right away.",
                    "/log calls 12",
                )
        unknown = services.directory.unknown(caller.workspace_id, _people_named(parsed))
        if unknown and later.deferring():
            working = _check_before_lookups(services, caller, parsed, len(unknown))

            def finish(client: WebClient, respond: Respond | None) -> None:
                try:
                    outcome = _outcome(services, client, caller, parsed)
                except Exception:  # the database, most likely: say so rather than nothing
                    log.exception("a /team command failed after its answer")
                    outcome = f"⚠️ Paceline could not finish this just now. {FINISH_AGAIN}"
                if not later.tell(respond, outcome):
                    client.chat_postMessage(channel=caller.slack_user_id, text=outcome)

            later.after_answer(finish)
            return working
        return _outcome(services, client, caller, parsed)
    except UserError as error:
        return error.text


SCHEDULE_AFFECTING = (TeamCreate, TeamSet, TeamSchedule)
FINISH_AGAIN = "`/team show` says what is in place; try again in a minute."


def _outcome(services: Services, client: WebClient, caller: Caller, parsed: object) -> str:
    try:
        reply = _act(services, client, caller, parsed)
    except UserError as error:
        return error.text
    if isinstance(parsed, SCHEDULE_AFFECTING):
        # New team, new zone or new times: the scheduler re-plans now, not at its next sweep.
        services.schedule_changed()
    return reply


def _people_named(cmd: object) -> list[UserRef]:
    match cmd:
        case TeamCreate(manager=manager):
            return [manager] if manager else []
        case TeamAdd(users=users):
            return list(users)
        case TeamRemoveMember(user=user) | TeamManager(user=user) | TeamStartDate(user=user) | TeamLink(user=user):
            return [user]
    return []


def _check_before_lookups(services: Services, caller: Caller, cmd: object, lookups: int) -> str:
    """Refuse now what needs no Slack (an unknown team, a missing right); else the answer
    to give while the people are looked up."""
    match cmd:
        case TeamCreate():
            access.require_admin(caller, "create teams", "/team create east #sales-east manager @dana")
            _channel_id(cmd.channel)
            with services.db.read() as session:
                if teams.by_key(session, caller.workspace_id, team_key(cmd.name)) is not None:
                    raise UserError(f'A team named "{cmd.name}" already exists.', f"/team show {cmd.name}")
            return f"⏳ Creating team *{cmd.name}* — looking its manager up in Slack; the result follows here."
        case TeamAdd():
            with services.db.read() as session:
                team = _team(session, caller, cmd.name)
            named = len(set(cmd.users))
            people_text = "1 person" if named == 1 else f"{named} people"
            them = "them" if lookups == named else f"{lookups} of them"
            return f"⏳ Adding {people_text} to team *{team.name}* — looking {them} up in Slack; the result follows here."
        case TeamRemoveMember() | TeamManager():
            with services.db.read() as session:
                team = _team(session, caller, cmd.name)
            return f"⏳ Team *{team.name}*: looking {cmd.user.display} up in Slack — the result follows here."
        case TeamLink():
            example = f'/team link "{escape(cmd.name)}" @maria'
            with services.db.read() as session:
                # A HubSpot owner's link is checked against the person named, once looked up.
                if _has_unlinked(session, caller.workspace_id, cmd.name) or crm_links.owner_named(session, caller.workspace_id, cmd.name) is None:
                    _require_link_right(session, caller, _unlinked(session, caller.workspace_id, cmd.name, example))
            return f"⏳ Linking {escape(cmd.name)} — looking {cmd.user.display} up in Slack; the result follows here."
    return f"⏳ Looking {', '.join(ref.display for ref in _people_named(cmd))} up in Slack — the result follows here."


def _act(services: Services, client: WebClient, caller: Caller, cmd: object) -> str:
    ws = caller.workspace_id
    now = services.clock.now()
    match cmd:
        case TeamCreate():
            access.require_admin(caller, "create teams", "/team create east #sales-east manager @dana")
            manager = _person(services, client, ws, cmd.manager) if cmd.manager else None
            with services.db.write() as session:
                if teams.by_key(session, ws, team_key(cmd.name)) is not None:
                    raise UserError(f'A team named "{cmd.name}" already exists.', f"/team show {cmd.name}")
                team = Team(
                    workspace_id=ws,
                    name=cmd.name,
                    name_key=team_key(cmd.name),
                    channel_id=_channel_id(cmd.channel),
                    channel_name=cmd.channel.name if cmd.channel else None,
                    tz=cmd.tz or caller.tz or "UTC",
                    workweek=encode_days(cmd.workweek) if cmd.workweek else "0,1,2,3,4",
                    holidays_country=cmd.holidays,
                    created_at=now,
                )
                session.add(team)
                session.flush()
                if manager is not None:
                    teams.add_manager(session, ws, team.id, manager.id, now)
                _audit(session, caller, now, "team.create", team.id, after=_team_state(team))
            extra = f" with manager {_name(manager)}" if manager else ""
            return f"Created team *{team.name}*{extra}. Add people with `/team add {team.name} @maria @bo`."
        case TeamAdd():
            _check_team(services, caller, cmd.name)
            added_people = [_person(services, client, ws, ref) for ref in cmd.users]
            with services.db.write() as session:
                team = _team(session, caller, cmd.name)
                added = []
                for person in added_people:
                    current = teams.team_of(session, ws, person.id)
                    if current is not None and current.id == team.id:
                        continue
                    if current is not None:
                        raise UserError(
                            f"{_name(person)} is already in team {current.name} — a rep belongs to one team. "
                            "Nothing was changed.",
                            f"/team remove {current.name} @{person.name}",
                        )
                    teams.add_member(session, ws, team.id, person.id, now)
                    _audit(session, caller, now, "team.add_member", team.id, after={"person_id": person.id})
                    added.append(_name(person))
            if not added:
                return f"Everyone you named is already in team {team.name}."
            return f"Added {', '.join(added)} to team *{team.name}*."
        case TeamRemoveMember():
            _check_team(services, caller, cmd.name)
            person = _person(services, client, ws, cmd.user)
            with services.db.write() as session:
                team = _team(session, caller, cmd.name)
                if not teams.remove_member(session, ws, team.id, person.id):
                    raise UserError(f"{_name(person)} is not in team {team.name}.", f"/team show {team.name}")
                _audit(session, caller, now, "team.remove_member", team.id, before={"person_id": person.id})
            return f"Removed {_name(person)} from team *{team.name}*. Their history stays."
        case TeamManager():
            _check_team(services, caller, cmd.name)
            person = _person(services, client, ws, cmd.user)
            with services.db.write() as session:
                team = _team(session, caller, cmd.name)
                if cmd.remove:
                    if not teams.remove_manager(session, ws, team.id, person.id):
                        raise UserError(f"{_name(person)} is not a manager of {team.name}.", f"/team show {team.name}")
                    _audit(session, caller, now, "team.remove_manager", team.id, before={"person_id": person.id})
                    return f"{_name(person)} no longer manages *{team.name}*."
                if not teams.add_manager(session, ws, team.id, person.id, now):
                    return f"{_name(person)} already manages *{team.name}*."
                _audit(session, caller, now, "team.add_manager", team.id, after={"person_id": person.id})
            return f"{_name(person)} now manages *{team.name}*."
        case TeamSet():
            with services.db.write() as session:
                team = _team(session, caller, cmd.name)
                before = _team_state(team)
                shown = _apply_setting(session, caller, team, cmd.key, cmd.value)
                _audit(session, caller, now, f"team.set.{cmd.key}", team.id, before=before, after=_team_state(team))
            if cmd.key in LIVE_WINS_SETTINGS:
                return _live_wins_reply(team, cmd.key)
            if cmd.key == "crm-only":
                services.forget_crm_only(ws)
                return _crm_only_reply(team)
            return f"Team *{team.name}*: {cmd.key} set to {shown}."
        case TeamSchedule():
            with services.db.write() as session:
                team = _team(session, caller, cmd.name)
                at = cmd.at.strftime("%H:%M") if cmd.at else None
                days = encode_days(cmd.days) if cmd.days else None
                before = _schedule_of(session, team, cmd.job)
                teams.set_schedule(session, ws, team.id, cmd.job, days, at, now)
                after = JobSchedule(cmd.job, cmd.days, cmd.at)
                _audit(session, caller, now, "team.schedule", team.id, before={"schedule": before.describe()}, after={"schedule": after.describe()})
            when = f"{days_text(cmd.days)} at {at} ({team.tz})" if after.enabled else "off"
            return f"Team *{team.name}*: {cmd.job} is now {when}."
        case TeamStartDate():
            person = _person(services, client, ws, cmd.user)
            with services.db.write() as session:
                team = teams.team_of(session, ws, person.id)
                if not caller.is_admin and (team is None or not access.is_manager_of(session, caller, team.id)):
                    raise PermissionDenied(f"Only an admin or {_name(person)}'s manager can set their start date.", "/team start @maria 2026-11-02")
                row = people.by_id(session, ws, person.id)
                before = {"start_date": row.start_date}
                people.set_start_date(session, row, cmd.day)
                _audit(session, caller, now, "person.start_date", None, before=before, after={"person_id": person.id, "start_date": cmd.day}, subject_type="person")
            return f"{_name(person)} starts on {format_day(cmd.day, caller.today(services.clock))}: targets prorate from then."
        case TeamFiscalYear(month=month):
            access.require_admin(caller, "set the fiscal year", "/team fiscal-year feb")
            with services.db.write() as session:
                before = workspaces.set_fiscal_year_start_month(session, ws, month)
                _audit(session, caller, now, "workspace.fiscal_year", ws, before={"start_month": before},
                       after={"start_month": month}, subject_type="workspace")
            name = month_name(month).capitalize()
            return (
                f"The fiscal year now starts in {name}: quarters and years in goals, /progress and "
                f"/leaderboard follow it{' (FY labels name the year it ends in)' if month != 1 else ''}."
            )
        case TeamLink():
            return _link(services, client, caller, cmd, now)
        case TeamShow():
            with services.db.read() as session:
                if cmd.name is None:
                    # Their own team, else the highest team they manage (a region's manager: the region).
                    team = access.home_team(session, caller)
                    if team is None:
                        return _list_text(session, ws)
                else:
                    team = _team(session, caller, cmd.name, need_manager=False)
                return _show_text(session, team)
        case TeamList():
            with services.db.read() as session:
                return _list_text(session, ws)
    raise AssertionError(f"unhandled /team form: {cmd!r}")


def _link(services: Services, client: WebClient, caller: Caller, cmd: TeamLink, now: datetime) -> str:
    """Merge an imported, unlinked person into a Slack user's person: entries, goals, time
    off, team membership and manager roles move; the audit event remembers the name, so a
    later import of the same file finds the linked person."""
    ws = caller.workspace_id
    example = f'/team link "{escape(cmd.name)}" @maria'
    with services.db.read() as session:
        owner = crm_links.owner_named(session, ws, cmd.name) if not _has_unlinked(session, ws, cmd.name) else None
        if owner is None:
            source = _unlinked(session, ws, cmd.name, example)
            _require_link_right(session, caller, source)
    if owner is not None:
        return _link_owner(services, client, caller, cmd, owner, now)
    target = _person(services, client, ws, cmd.user)
    if target.slack_user_id is None:
        raise UserError(f"{cmd.user.display} is not a Slack user — pick them from Slack's @ list.", example)
    with services.db.write() as session:
        # Again inside the write: another link may have taken the person meanwhile.
        source = _unlinked(session, ws, cmd.name, example)
        _require_link_right(session, caller, source)
        source_team = teams.team_of(session, ws, source.id)
        target_team = teams.team_of(session, ws, target.id)
        if source_team is not None and target_team is not None and source_team.id != target_team.id:
            raise UserError(
                f"{_name(target)} is in team {target_team.name} and {escape(source.name)} in team {source_team.name} — "
                "a rep belongs to one team. Nothing was changed.",
                f"/team remove {target_team.name} @{target.name}",
            )
        before = {"person_id": source.id, "name": source.name, "team_id": source_team.id if source_team else None}
        merged = imports.merge_person(session, ws, source.id, target.id)
        after = {"person_id": target.id, "slack_user_id": target.slack_user_id, "entries": merged.entries,
                 "goals": merged.goals, "time_off": merged.time_off, "team_id": merged.team_id, "managed": merged.managed}
        audit.record(session, workspace_id=ws, at=now, actor_id=caller.person_id, action=imports.LINK_ACTION,
                     subject_type="person", subject_id=target.id, before=before, after=after)
        team = teams.team_of(session, ws, target.id)
    moved = [f"{merged.entries:,} entr{'y' if merged.entries == 1 else 'ies'}"]
    moved += [f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((merged.goals, "goal"), (merged.managed, "managed team")) if n]
    where = f" They are in team *{team.name}*." if team is not None else ""
    return f"Linked {escape(source.name)} to {_name(target)}: {', '.join(moved)} moved to them.{where}"


def _link_owner(services: Services, client: WebClient, caller: Caller, cmd: TeamLink, owner: CrmOwner, now: datetime) -> str:
    """A HubSpot owner the sync matched to nobody (or to the wrong person) becomes this Slack
    user: their synced objects' entries are derived for them at once."""
    ws = caller.workspace_id
    label = escape(crm_links.owner_text(owner))
    target = _person(services, client, ws, cmd.user)
    if target.slack_user_id is None:
        raise UserError(f"{cmd.user.display} is not a Slack user — pick them from Slack's @ list.", f'/team link "{escape(cmd.name)}" @maria')
    with services.db.read() as session:
        _require_link_right(session, caller, target)
    moved = crm_links.link_owner(services.db, services.clock, ws, owner.owner_id, target.id, caller.person_id, now)
    return (f"Linked HubSpot owner {label} to {_name(target)}: {moved:,} entr{'y' if moved == 1 else 'ies'} from HubSpot "
            "now count for them, and their HubSpot activity will from now on.")  # fmt: skip


def _has_unlinked(session: Session, workspace_id: int, name: str) -> bool:
    wanted = name_key(name)
    return any(name_key(p.name) == wanted for p in imports.unlinked_people(session, workspace_id))


def _unlinked(session: Session, workspace_id: int, name: str, example: str) -> Person:
    wanted = name_key(name)
    found = [p for p in imports.unlinked_people(session, workspace_id) if name_key(p.name) == wanted]
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(f"{len(found)} unlinked people are called {escape(name)}: ask an admin to merge them first.", example)
    # Imported names are file data: escaped, so a name holding <!channel> pings nobody.
    names = [escape(p.name) for p in imports.unlinked_people(session, workspace_id)]
    if not names:
        raise UserError(
            f'There is no unlinked person named "{escape(name)}" — nobody imported is waiting to be linked.', "/team list"
        )
    shown = ", ".join(names[:15]) + (f" and {len(names) - 15} more" if len(names) > 15 else "")
    raise UserError(f'There is no unlinked person named "{escape(name)}". Unlinked people: {shown}.', example)


def _require_link_right(session: Session, caller: Caller, person: Person) -> None:
    """Admins, and managers of the team the person is in (or of a team they manage)."""
    if caller.is_admin:
        return
    member_of = teams.team_of(session, caller.workspace_id, person.id)
    team_ids = teams.managed_team_ids(session, caller.workspace_id, person.id)
    if member_of is not None:
        team_ids.add(member_of.id)
    if not any(access.is_manager_of(session, caller, team_id) for team_id in team_ids):
        where = f"team {member_of.name}" if member_of is not None else "their team"
        raise PermissionDenied(f"Only an admin or a manager of {where} can link {escape(person.name)}.", "/team show")


def _apply_setting(session: Session, caller: Caller, team: Team, key: str, value: object) -> str:
    if key == "channel":
        channel = value if isinstance(value, ChannelRef) else None
        team.channel_id, team.channel_name = _channel_id(channel), channel.name if channel else None
        return _channel_text(team)
    if key == "tz":
        team.tz = str(value)
        return team.tz
    if key == "workweek":
        team.workweek = encode_days(value)  # type: ignore[arg-type]
        return days_text(value)  # type: ignore[arg-type]
    if key == "holidays":
        team.holidays_country = value  # type: ignore[assignment]
        return team.holidays_country or "none"
    if key == "thresholds":
        team.threshold_ahead, team.threshold_on_pace, team.threshold_behind = value  # type: ignore[misc]
        return f"ahead ≥{team.threshold_ahead}% · on pace ≥{team.threshold_on_pace}% · behind ≥{team.threshold_behind}%"
    if key == "approvals":
        team.approvals = bool(value)
        return "on" if team.approvals else "off"
    if key == "celebrate":
        team.celebrate = str(value)
        return team.celebrate
    if key == "celebrate-min":
        team.celebrate_min = value  # type: ignore[assignment]
        return str(team.celebrate_min)
    if key == "hours":
        team.work_hours = str(value)
        return team.work_hours
    if key == "crm-only":
        team.crm_only = str(value or "")
        return team.crm_only or "none"
    if key == "parent":
        return _set_parent(session, caller, team, None if value is None else str(value))
    if key == "name":
        access.require_admin(caller, "rename teams", f"/team set {team.name} name east-1")
        new_name = str(value)
        existing = teams.by_key(session, team.workspace_id, team_key(new_name))
        if existing is not None and existing.id != team.id:
            raise UserError(f'A team named "{new_name}" already exists.', f"/team show {new_name}")
        team.name, team.name_key = new_name, team_key(new_name)
        return new_name
    raise UserError(f'Unknown setting "{key}".', f"/team set {team.name} tz America/New_York")


# A reply names at most this many teams (an unknown parent's "Teams: …", /team show's
# sub-teams), then counts the rest: 60 names of 40 characters leave room for the rest.
MAX_NAMED_TEAMS = 60


def _set_parent(session: Session, caller: Caller, team: Team, name: str | None) -> str:
    """Put `team` under the team named `name` (None: at the top). One read of the tree
    answers the loop and who may: admins anywhere; a manager moves a team they manage from
    a parent they manage to another team they manage (or one below it). Raises UserError,
    changing nothing, for an unknown team, a loop or a missing right."""
    assert team.id is not None
    ws = team.workspace_id
    tree = teams.tree(session, ws)
    mine = None if caller.is_admin else tree.governed(teams.managed_team_ids(session, ws, caller.person_id))
    old = tree.parent(team.id)
    candidate = _parent_candidate(tree, team.id, mine)
    move_example = f"/team set {team.name} parent {candidate}" if candidate else None
    if name is None:
        if mine is not None:
            raise PermissionDenied(
                f"Only a workspace admin can make {team.name} a top-level team: the company's shape is theirs.",
                move_example or f"/team show {team.name}",
            )
        team.parent_id = None
        return "none"
    parent = teams.by_key(session, ws, team_key(name))
    if parent is None or parent.id not in tree:
        raise UserError(
            f'Unknown team "{name}": there is no such team to put {team.name} under.{_teams_named(tree)}',
            move_example or f"/team create {name}",
        )
    assert parent.id is not None
    if parent.id == team.id:
        raise UserError("A team cannot be its own parent.", f"/team set {team.name} parent none")
    if tree.would_loop(team.id, parent.id):
        above = tree.ancestors(parent.id)
        chain = [team.id, *reversed(above[: above.index(team.id)]), parent.id]
        raise UserError(
            f"{parent.name} is under {team.name} already ({' › '.join(tree.name(t) for t in chain)}): "
            "a team cannot be inside its own sub-team — teams cannot nest in a loop. Nothing was changed.",
            f"/team set {parent.name} parent {old.name if old else 'none'}",
        )
    if mine is not None:
        if parent.id not in mine:
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
    team.parent_id = parent.id
    return parent.name


def _parent_candidate(tree: TeamTree, team_id: int, allowed: set[int] | None) -> str | None:
    """A team `team_id` could move under, for an example: not itself nor below it, nor its
    parent now; for a manager, one of theirs."""
    below = set(tree.subtree(team_id))
    now = tree.parent(team_id)
    for _, candidate in tree.outline():
        if candidate not in below and (allowed is None or candidate in allowed) and (now is None or candidate != now.id):
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


# Live wins (posts to the team's channel): their replies say what the team now posts.
LIVE_WINS_SETTINGS = ("celebrate", "celebrate-min", "hours")
_KIND_NAMES = {"deals": "deals", "hits": "hits", "team": "team goals"}


def _live_wins_reply(team: Team, key: str) -> str:
    kinds = celebrate_kinds(team.celebrate)
    if key == "celebrate":
        if not kinds:
            return f"Team *{team.name}*: live wins off."
        named = [_KIND_NAMES[kind] for kind in CELEBRATE_KINDS if kind in kinds]
        if "deals" in kinds and team.celebrate_min is not None:
            named[0] = f"deals from {format_celebrate_min(team.celebrate_min)}"
        what = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
        if not team.channel_id:
            return (
                f"Team *{team.name}* now celebrates {what} — posts need a channel: "
                f"`/team set {team.name} channel #…`."
            )
        return f"Team *{team.name}* now celebrates {what} in {_channel_text(team)}."
    if key == "celebrate-min":
        if team.celebrate_min is None:
            reply = f"Team *{team.name}*: a post for every deal."
        else:
            reply = f"Team *{team.name}*: deal posts from {format_celebrate_min(team.celebrate_min)}."
        if "deals" not in kinds:
            with_deals = celebrate_setting(kinds | {"deals"})
            reply += f" Deals are not celebrated now: `/team set {team.name} celebrate {with_deals}` turns them on."
        return reply
    hours = WorkHours.from_setting(team.work_hours)
    when = "at any hour" if hours is None else f"between {hours.start:%H:%M} and {hours.end:%H:%M} ({team.tz})"
    reply = f"Team *{team.name}* posts live wins {when}."
    if not kinds:
        reply += f" Live wins are off now: `/team set {team.name} celebrate on` turns them on."
    return reply


def _live_wins_text(team: Team) -> str:
    """/team show's line: what is celebrated, from what deal amount, in which hours."""
    kinds = celebrate_kinds(team.celebrate)
    parts = [", ".join(_KIND_NAMES[kind] for kind in CELEBRATE_KINDS if kind in kinds) or "off"]
    minimum = format_celebrate_min(team.celebrate_min) if team.celebrate_min is not None else None
    parts.append(f"deals from {minimum}" if minimum else "every deal")
    hours = WorkHours.from_setting(team.work_hours)
    parts.append(f"hours {hours.setting}" if hours else "any hour")
    text = f"Live wins: {' · '.join(parts)}"
    if kinds and not team.channel_id:
        text += f" (no channel: posts need `/team set {team.name} channel #…`)"
    return text


def _crm_only_reply(team: Team) -> str:
    keys = crm_only_keys(team.crm_only)
    if not keys:
        return (
            f"Team *{team.name}*: every metric can be logged by hand again. "
            "Entries synced from HubSpot still count, added to the ones typed."
        )
    what = names_text(keys)
    first = f"{keys[0]} {'$500' if keys[0] == 'revenue' else '3'}"
    return (
        f"Team *{team.name}*: {what} now come{'s' if keys == ('revenue',) else ''} only from HubSpot. "
        f"A rep's own `/log {first}` is refused — they log in HubSpot instead; managers can still "
        f"correct by hand (`/log fix @rep {first}`), and every correction is audited."
    )


def _crm_only_text(team: Team) -> str | None:
    """/team show's line, when the team has metrics that only HubSpot records."""
    keys = crm_only_keys(team.crm_only)
    if not keys:
        return None
    return f"Only from HubSpot: {', '.join(keys)} (reps cannot /log them; managers can correct by hand)"


def _check_team(services: Services, caller: Caller, name: str) -> None:
    """Name the unknown team or the missing right before any Slack look-up of people."""
    with services.db.read() as session:
        _team(session, caller, name)


def _team(session: Session, caller: Caller, name: str, need_manager: bool = True) -> Team:
    team = teams.by_key(session, caller.workspace_id, team_key(name))
    if team is None:
        known = [t.name for t, _ in teams.all_teams(session, caller.workspace_id)]
        listed = f" Teams: {', '.join(known)}." if known else " There are no teams yet."
        raise UserError(f'Unknown team "{name}".{listed}', "/team create east #sales-east")
    if need_manager:
        access.require_manager_of(session, caller, team, f"/team show {team.name}")
    return team


def _person(services: Services, client: WebClient, workspace_id: int, ref: UserRef) -> Person:
    person = services.directory.resolve(client, workspace_id, ref)
    if person.is_bot or person.deactivated:
        kind = "a bot" if person.is_bot else "deactivated"
        raise UserError(f"{_name(person)} is {kind} and cannot be on a team.", "/team add east @maria")
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
    row = teams.schedules(session, team.workspace_id, team.id).get(job)
    return stored_schedule(job, (row.days, row.at_time) if row else None)


# /team show names at most this many members (a message holds some 60 long names); the
# rest are counted, and SHOW_REST says where everyone is.
MAX_SHOWN_MEMBERS = 500
SHOW_REST = "`/progress export` has everyone with goals or activity in a CSV"


def _show_text(session: Session, team: Team) -> str:
    assert team.id is not None
    managers = teams.managers(session, team.workspace_id, team.id)
    members = teams.members(session, team.workspace_id, team.id)
    tree, counts = _tree_of(teams.all_teams(session, team.workspace_id))
    schedules = [_schedule_of(session, team, job).describe() for job in DEFAULT_SCHEDULES]
    crm_only = _crm_only_text(team)
    # Members last: one message whatever the team's size, the names that do not fit counted.
    return fit_reply(
        [
            f"*Team {team.name}* · {_channel_text(team)} · {team.tz} · {days_text(decode_days(team.workweek) or ())}"
            f" · holidays {team.holidays_country or 'none'}",
            f"Managers: {', '.join(_name(p) for p in managers) or 'none'}",
            f"Thresholds: ahead ≥{team.threshold_ahead}% · on pace ≥{team.threshold_on_pace}% · "
            f"behind ≥{team.threshold_behind}% · approvals {'on' if team.approvals else 'off'}",
            _live_wins_text(team),
            *([crm_only] if crm_only else []),
            _parent_text(tree, team.id),
            _sub_teams_text(tree, counts, team.id),
            f"Schedules: {' · '.join(schedules)}",
            f"Members ({len(members)}): " + ("" if members else "none yet"),
        ],
        [_name(p) for p in members[:MAX_SHOWN_MEMBERS]],
        SHOW_REST,
        total=len(members),
        counted="members",
        sep=", ",
    )


def _tree_of(rows: list[tuple[Team, int]]) -> tuple[TeamTree, dict[int, int]]:
    """teams.all_teams() as a tree, and each team's own member count."""
    tree = TeamTree(TeamNode(t.id, t.name, t.parent_id) for t, _ in rows if t.id is not None)
    return tree, {t.id: n for t, n in rows if t.id is not None}


def _people_count(tree: TeamTree, counts: dict[int, int], team_id: int) -> int:
    """Members of the team and of every team below it (a person is on one team at most)."""
    return sum(counts.get(t, 0) for t in tree.subtree(team_id))


def _people_text(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def _parent_text(tree: TeamTree, team_id: int) -> str:
    """`Parent team: emea`; deeper down, the whole way from the top (`americas › emea`)."""
    above = tree.ancestors(team_id)
    if not above:
        return "Parent team: none"
    text = f"Parent team: {tree.name(above[0])}"
    if len(above) > 1:
        text += f" ({' › '.join(tree.name(t) for t in reversed(above))})"
    return text


def _sub_teams_text(tree: TeamTree, counts: dict[int, int], team_id: int) -> str:
    """`Sub-teams: dustin, melvin (2 sub-teams) · 19 people in all`: the teams right below,
    and everyone in the team and below it."""
    children = tree.children(team_id)
    if not children:
        return "Sub-teams: none"
    named = []
    for child in children[:MAX_NAMED_TEAMS]:
        below = len(tree.children(child.id))
        named.append(f"{child.name} ({below} sub-team{'s' if below != 1 else ''})" if below else child.name)
    if len(children) > MAX_NAMED_TEAMS:
        named.append(f"and {len(children) - MAX_NAMED_TEAMS} more")
    people_in_all = _people_count(tree, counts, team_id)
    return f"Sub-teams: {', '.join(named)} · {_people_text(people_in_all)} in all, sub-teams included"


LIST_REST = "`/team show NAME` shows a team with its sub-teams"


def _list_text(session: Session, workspace_id: int) -> str:
    """Every team, parents before their sub-teams (indented, by name). A team with sub-teams
    also counts them and everyone below it. Too long for one message: the deepest levels
    go first (their parents' lines still count them), then the last teams."""
    rows = teams.all_teams(session, workspace_id)
    if not rows:
        return "No teams yet. Create one with `/team create east #sales-east manager @dana`."
    by_id = {team.id: team for team, _ in rows}
    tree, counts = _tree_of(rows)
    if not any(tree.has_children(t) for t in tree.nodes):
        outline = [(0, team.id) for team, _ in rows]  # a flat list: as it always was, by name
    else:
        outline = tree.outline()
    lines = [(depth, _list_line(tree, counts, by_id[t], depth)) for depth, t in outline]
    head = ["*Teams*"]
    total = len(lines)
    for deepest in range(max(depth for depth, _ in lines), 0, -1):
        kept = [line for depth, line in lines if depth <= deepest]
        reply = "\n".join([*head, *kept])
        if len(kept) < total:
            reply += f"\n… and {total - len(kept):,} more teams — {LIST_REST}"
        if len(reply) <= REPLY_TEXT:
            return reply
    return fit_reply(head, [line for depth, line in lines if depth == 0], LIST_REST, total=total, counted="teams")


def _list_line(tree: TeamTree, counts: dict[int, int], team: Team, depth: int) -> str:
    assert team.id is not None
    n = counts.get(team.id, 0)
    parts = [f"{n} member{'s' if n != 1 else ''}"]
    below = len(tree.children(team.id))
    if below:
        parts.append(f"{below} sub-team{'s' if below != 1 else ''}")
        parts.append(_people_text(_people_count(tree, counts, team.id)))
    parts.append(_channel_text(team))
    bullet = "•" if depth == 0 else "◦"
    return f"{'    ' * depth}{bullet} {team.name} — {' · '.join(parts)}"


def _channel_text(team: Team) -> str:
    if team.channel_id:
        return f"<#{team.channel_id}>"
    return "no channel"


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
