"""/team: admins and managers shape teams. parse → service (bot/services/teams.py) → render."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.core.crm_only import crm_only_keys, names_text
from bot.core.dates import format_day
from bot.core.errors import UserError
from bot.core.mentions import UserRef
from bot.core.schedules import days_text, decode_days
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
)
from bot.core.team_tree import TeamNode, TeamTree
from bot.core.work_hours import CELEBRATE_KINDS, WorkHours, celebrate_kinds, celebrate_setting
from bot.crm import links as crm_links
from bot.render.block_limits import REPLY_TEXT, fit_reply
from bot.render.text import escape, who
from bot.services import later, teams
from bot.services.context import Services
from bot.services.people import Caller
from bot.services.records import Person, Team
from bot.services.teams import MAX_NAMED_TEAMS

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
        teams.require_team_rights(services, caller)
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


FINISH_AGAIN = "`/team show` says what is in place; try again in a minute."


def _outcome(services: Services, client: WebClient, caller: Caller, parsed: object) -> str:
    try:
        return _act(services, client, caller, parsed)
    except UserError as error:
        return error.text


def _people_named(cmd: object) -> list[UserRef]:
    match cmd:
        case TeamCreate(manager=manager):
            return [manager] if manager else []
        case TeamAdd(users=users):
            return list(users)
        case (
            TeamRemoveMember(user=user)
            | TeamManager(user=user)
            | TeamStartDate(user=user)
            | TeamLink(user=user)
        ):
            return [user]
    return []


def _check_before_lookups(services: Services, caller: Caller, cmd: object, lookups: int) -> str:
    """Refuse now what needs no Slack (an unknown team, a missing right); else the answer
    to give while the people are looked up."""
    match cmd:
        case TeamCreate():
            teams.check_create(services, caller, cmd)
            return f"⏳ Creating team *{cmd.name}* — looking its manager up in Slack; the result follows here."
        case TeamAdd():
            team = teams.managed_team(services, caller, cmd.name)
            named = len(set(cmd.users))
            people_text = "1 person" if named == 1 else f"{named} people"
            them = "them" if lookups == named else f"{lookups} of them"
            return f"⏳ Adding {people_text} to team *{team.name}* — looking {them} up in Slack; the result follows here."
        case TeamRemoveMember() | TeamManager():
            team = teams.managed_team(services, caller, cmd.name)
            return f"⏳ Team *{team.name}*: looking {cmd.user.display} up in Slack — the result follows here."
        case TeamLink():
            crm_links.check_link(services, caller, cmd.name)
            return f"⏳ Linking {escape(cmd.name)} — looking {cmd.user.display} up in Slack; the result follows here."
    return f"⏳ Looking {', '.join(ref.display for ref in _people_named(cmd))} up in Slack — the result follows here."


def _act(services: Services, client: WebClient, caller: Caller, cmd: object) -> str:
    match cmd:
        case TeamCreate():
            created = teams.create(services, client, caller, cmd)
            team = created.team
            extra = f" with manager {_name(created.manager)}" if created.manager else ""
            return f"Created team *{team.name}*{extra}. Add people with `/team add {team.name} @maria @bo`."
        case TeamAdd():
            result = teams.add_members(services, client, caller, cmd)
            if not result.added:
                return f"Everyone you named is already in team {result.team.name}."
            return (
                f"Added {', '.join(_name(p) for p in result.added)} to team *{result.team.name}*."
            )
        case TeamRemoveMember():
            removed = teams.remove_member(services, client, caller, cmd)
            return f"Removed {_name(removed.person)} from team *{removed.team.name}*. Their history stays."
        case TeamManager():
            change = teams.set_manager(services, client, caller, cmd)
            if change.removed:
                return f"{_name(change.person)} no longer manages *{change.team.name}*."
            if not change.changed:
                return f"{_name(change.person)} already manages *{change.team.name}*."
            return f"{_name(change.person)} now manages *{change.team.name}*."
        case TeamSet():
            setting = teams.set_setting(services, caller, cmd)
            team = setting.team
            if cmd.key in LIVE_WINS_SETTINGS:
                return _live_wins_reply(team, cmd.key)
            if cmd.key == "crm-only":
                return _crm_only_reply(team)
            return f"Team *{team.name}*: {cmd.key} set to {_setting_text(setting, cmd.key, cmd.value)}."
        case TeamSchedule():
            changed = teams.set_schedule(services, caller, cmd)
            team = changed.team
            if changed.schedule.enabled:
                assert cmd.days is not None and cmd.at is not None
                when = f"{days_text(cmd.days)} at {cmd.at.strftime('%H:%M')} ({team.tz})"
            else:
                when = "off"
            return f"Team *{team.name}*: {cmd.job} is now {when}."
        case TeamStartDate():
            person = teams.set_start_date(services, client, caller, cmd)
            return f"{_name(person)} starts on {format_day(cmd.day, caller.today(services.clock))}: targets prorate from then."
        case TeamFiscalYear(month=month):
            teams.set_fiscal_year(services, caller, month)
            name = month_name(month).capitalize()
            return (
                f"The fiscal year now starts in {name}: quarters and years in goals, /progress and "
                f"/leaderboard follow it{' (FY labels name the year it ends in)' if month != 1 else ''}."
            )
        case TeamLink():
            return _linked_text(crm_links.link(services, client, caller, cmd))
        case TeamShow():
            shown = teams.show(services, caller, cmd.name)
            return _list_text(shown) if isinstance(shown, teams.TeamListing) else _show_text(shown)
        case TeamList():
            return _list_text(teams.listing(services, caller))
    raise AssertionError(f"unhandled /team form: {cmd!r}")


def _setting_text(setting: teams.SettingChanged, key: str, value: object) -> str:
    """What a setting other than live wins and crm-only is now, for `… set to X.`"""
    team = setting.team
    match key:
        case "channel":
            return _channel_text(team)
        case "tz":
            return team.tz
        case "workweek":
            return days_text(value)  # type: ignore[arg-type]
        case "holidays":
            return team.holidays_country or "none"
        case "thresholds":
            return f"ahead ≥{team.threshold_ahead}% · on pace ≥{team.threshold_on_pace}% · behind ≥{team.threshold_behind}%"
        case "approvals":
            return "on" if team.approvals else "off"
        case "parent":
            return setting.parent_name or "none"
        case "name":
            return team.name
    raise AssertionError(f"unhandled /team set key: {key!r}")


def _linked_text(linked: teams.PersonLinked | teams.OwnerLinked) -> str:
    if isinstance(linked, teams.OwnerLinked):
        moved = linked.moved
        return (f"Linked HubSpot owner {escape(linked.owner_label)} to {_name(linked.target)}: {moved:,} entr{'y' if moved == 1 else 'ies'} from HubSpot "
                "now count for them, and their HubSpot activity will from now on.")  # fmt: skip
    merged = linked.merged
    moved_text = [f"{merged.entries:,} entr{'y' if merged.entries == 1 else 'ies'}"]
    moved_text += [
        f"{n} {what}{'s' if n != 1 else ''}"
        for n, what in ((merged.goals, "goal"), (merged.managed, "managed team"))
        if n
    ]
    where = f" They are in team *{linked.team.name}*." if linked.team is not None else ""
    return f"Linked {escape(linked.source.name)} to {_name(linked.target)}: {', '.join(moved_text)} moved to them.{where}"


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
            reply = (
                f"Team *{team.name}*: deal posts from {format_celebrate_min(team.celebrate_min)}."
            )
        if "deals" not in kinds:
            with_deals = celebrate_setting(kinds | {"deals"})
            reply += f" Deals are not celebrated now: `/team set {team.name} celebrate {with_deals}` turns them on."
        return reply
    hours = WorkHours.from_setting(team.work_hours)
    when = (
        "at any hour"
        if hours is None
        else f"between {hours.start:%H:%M} and {hours.end:%H:%M} ({team.tz})"
    )
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


# /team show names at most this many members (a message holds some 60 long names); the
# rest are counted, and SHOW_REST says where everyone is.
MAX_SHOWN_MEMBERS = 500
SHOW_REST = "`/progress export` has everyone with goals or activity in a CSV"


def _show_text(details: teams.TeamDetails) -> str:
    team, managers, members = details.team, details.managers, details.members
    assert team.id is not None
    tree, counts = _tree_of(details.all_teams)
    schedules = [schedule.describe() for schedule in details.schedules]
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
    """Every team with its member count as a tree, and each team's own member count."""
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
        named.append(
            f"{child.name} ({below} sub-team{'s' if below != 1 else ''})" if below else child.name
        )
    if len(children) > MAX_NAMED_TEAMS:
        named.append(f"and {len(children) - MAX_NAMED_TEAMS} more")
    people_in_all = _people_count(tree, counts, team_id)
    return (
        f"Sub-teams: {', '.join(named)} · {_people_text(people_in_all)} in all, sub-teams included"
    )


LIST_REST = "`/team show NAME` shows a team with its sub-teams"


def _list_text(listing: teams.TeamListing) -> str:
    """Every team, parents before their sub-teams (indented, by name). A team with sub-teams
    also counts them and everyone below it. Too long for one message: the deepest levels
    go first (their parents' lines still count them), then the last teams."""
    rows = listing.all_teams
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
    return fit_reply(
        head, [line for depth, line in lines if depth == 0], LIST_REST, total=total, counted="teams"
    )


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
