"""The `/team` command grammar: teams, their people, settings and job schedules.

Pure: settings values are validated and typed here (zones against the tz database, holiday
calendars against the `holidays` package); whether the caller may change them is the
handler's business.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from functools import cache

import holidays

from bot.core.amounts import format_amount, parse_amount
from bot.core.crm_only import CRM_METRICS, CRM_METRICS_TEXT, crm_only_setting
from bot.core.dates import parse_iso_date, weekday_index
from bot.core.errors import UserError
from bot.core.mentions import (
    ChannelRef,
    UserRef,
    clean_word,
    parse_channel_ref,
    parse_user_ref,
    shorten,
    tokenize,
    unquote,
)
from bot.core.metrics import MONEY_CAP_CENTS, Metric, MetricCatalog, MetricKind
from bot.core.work_hours import (
    CELEBRATE_DEFAULT,
    CELEBRATE_KINDS,
    CELEBRATE_OFF,
    celebrate_setting,
    parse_work_hours,
)

MAX_TEXT_CHARS = 1000
MAX_TEAM_NAME = 40
MAX_PERSON_NAME = 200
JOBS = ("nudge", "lagging-alert", "weekly-digest", "log-reminder")
SUBCOMMANDS = (
    "create", "add", "remove", "manager", "set", "schedule", "start", "link", "fiscal-year", "show", "list", "help",
)  # fmt: skip
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
SETTINGS = (
    "channel", "tz", "workweek", "holidays", "thresholds", "approvals", "celebrate", "celebrate-min",
    "hours", "crm-only", "parent", "name",
)  # fmt: skip
_SETTING_ALIASES = {
    "timezone": "tz", "zone": "tz", "work-week": "workweek", "holiday": "holidays",
    "celebrations": "celebrate", "celebrate_min": "celebrate-min", "celebrate-from": "celebrate-min",
    "work-hours": "hours", "work_hours": "hours", "workhours": "hours",
    "crm_only": "crm-only", "crmonly": "crm-only",
}  # fmt: skip
# Settings whose value may be typed with spaces (`110, 90, 75`, `8am - 7pm`): the words join.
_JOINED_SETTINGS = {
    "workweek": "",
    "thresholds": "",
    "celebrate": "",
    "hours": " ",
    "crm-only": ",",
}
_CELEBRATE_ALIASES = {"deal": "deals", "hit": "hits", "goals": "hits", "teams": "team"}
# The smallest deal worth a post: money as /log reads it, up to the largest loggable amount.
# (Read with a cap far above that, so going over it is explained here, not as "per entry".)
_CELEBRATE_MIN = Metric(
    "celebrate-min", MetricKind.MONEY, cap=MONEY_CAP_CENTS * 1000, builtin=False
)
# crm-only reads metric names as /log does (aliases too): the built-in metrics are the ones
# HubSpot syncs, so a workspace's custom metrics need not be known to refuse them.
_BUILTIN_CATALOG = MetricCatalog()
_CRM_NAMES = {
    name.lower(): metric.key
    for metric in _BUILTIN_CATALOG.metrics
    if metric.key in CRM_METRICS
    for name in (metric.key, *metric.aliases)
}
_CRM_ONLY_TAKES = f"crm-only takes any of {CRM_METRICS_TEXT}, or none."
_CREATE_OPTIONS = ("#channel", "manager @person", "tz ZONE", "workweek mon-fri", "holidays CC")
_NONE_WORDS = ("none", "off")
_TEAM_PREFIX = "team:"
# Any script's letters and digits, plus `-`, `_` and `.`: names appear in `team:NAME` and
# must survive being one word.
_TEAM_NAME = re.compile(rf"[\w.\-]{{1,{MAX_TEAM_NAME}}}")
# An `_` with no letter or digit on one side could open or close italics in a message.
_LOOSE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_EVERY_DAY = tuple(range(7))
_NAMED_DAY_SETS = {"daily": _EVERY_DAY, "everyday": _EVERY_DAY, "weekdays": (0, 1, 2, 3, 4)}
# Zones that exist in the database but are not places: a team must name a real one.
_NOT_PLACES = {"localtime", "Factory", "posixrules"}

TEAM_HELP = """\
*Manage teams with `/team`*
`/team create east #sales-east manager @maria tz America/New_York workweek mon-fri holidays US`
`/team add east @bo @li` — add members (a person belongs to one team)
`/team remove east @bo` — remove a member
`/team manager east @maria` — add a manager; `/team manager east remove @maria` removes one
`/team set east tz Europe/Berlin` — settings: channel #name|none, tz ZONE, workweek mon-fri|sun-thu|mon,tue,thu,
  holidays CC|none, thresholds 110,90,75 (ahead, on pace, behind in %), approvals on|off, name NEW,
  parent NAME|none (the team above: its managers manage this team too)
`/team set east celebrate deals,hits,team` — live wins in the team's channel: any of deals, hits, team (goals), or all, on, off;
  `celebrate-min $5,000` posts deals from that amount (none: every deal); `hours 08:00-19:00` when posts go out (any: any hour)
`/team set east crm-only calls,deals` — those metrics come only from HubSpot: a rep's own `/log calls` is refused,
  managers can still correct by hand (audited); any of calls, emails, meetings, demos, opportunities, deals, revenue; none clears it
`/team schedule east nudge wed 10:00` — jobs: nudge, lagging-alert, weekly-digest, log-reminder;
  days: mon…sun, mon,wed, weekdays or daily; `/team schedule east log-reminder off` turns one off
`/team start @bo 2026-11-02` — a person's start date, for joiners mid-period
`/team link "Bo Smith" @bo` — link a person imported from a CRM file to their Slack user: their history and team move to them (also a HubSpot owner the sync matched to nobody)
`/team fiscal-year feb` — the month the workspace's fiscal year starts (admins; default jan)
`/team show east`, `/team list` — settings, people and sub-teams of one team, or all teams as a tree
Team names: up to 40 letters, digits, `-`, `_` or `.`; `team:east` works too.
"""

TeamSettingValue = ChannelRef | str | int | tuple[int, ...] | bool | None


@dataclass(frozen=True)
class TeamCreate:
    name: str
    channel: ChannelRef | None = None
    manager: UserRef | None = None
    tz: str | None = None
    workweek: tuple[int, ...] | None = None
    holidays: str | None = None


@dataclass(frozen=True)
class TeamAdd:
    name: str
    users: tuple[UserRef, ...]


@dataclass(frozen=True)
class TeamRemoveMember:
    name: str
    user: UserRef


@dataclass(frozen=True)
class TeamManager:
    name: str
    user: UserRef
    remove: bool = False


@dataclass(frozen=True)
class TeamSet:
    """One setting. `value` by key: channel → ChannelRef|None, tz → str, workweek →
    tuple of weekdays (Mon=0), holidays → str|None, thresholds → (ahead, on pace, behind),
    approvals → bool, celebrate → "deals,hits,team" (a subset, in that order) or "off",
    celebrate-min → cents or None (every deal), hours → "HH:MM-HH:MM" or "any",
    crm-only → "calls,deals" (metrics HubSpot syncs, in the catalog's order) or "" (none),
    parent → str|None, name → str."""

    name: str
    key: str
    value: TeamSettingValue


@dataclass(frozen=True)
class TeamSchedule:
    """A job's weekly schedule in the team's time zone; days and at are None for off."""

    name: str
    job: str
    days: tuple[int, ...] | None
    at: time | None


@dataclass(frozen=True)
class TeamStartDate:
    user: UserRef
    day: date


@dataclass(frozen=True)
class TeamLink:
    """Link an unlinked (imported) person, named as the import wrote them, to a Slack user."""

    name: str
    user: UserRef


@dataclass(frozen=True)
class TeamShow:
    name: str | None = None


@dataclass(frozen=True)
class TeamList:
    pass


@dataclass(frozen=True)
class TeamHelp:
    pass


@dataclass(frozen=True)
class TeamFiscalYear:
    """The workspace's fiscal year start month (1 = January: calendar quarters and years)."""

    month: int


TeamCommand = (
    TeamCreate | TeamAdd | TeamRemoveMember | TeamManager | TeamSet | TeamSchedule
    | TeamStartDate | TeamFiscalYear | TeamLink | TeamShow | TeamList | TeamHelp
)  # fmt: skip


def team_key(name: str) -> str:
    """The form team names are compared and stored uniquely by: `East`, `team:EAST` → `east`."""
    name = name.strip()
    if name[: len(_TEAM_PREFIX)].lower() == _TEAM_PREFIX:
        name = name[len(_TEAM_PREFIX) :]
    return unicodedata.normalize("NFKC", name).casefold()


def parse_team(text: str) -> TeamCommand:
    """Parse the text after `/team`. Raises UserError, naming the problem and an example."""
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise UserError(
            f"That command is too long ({len(text):,} characters; at most {MAX_TEXT_CHARS:,}).",
            "/team show east",
        )
    tokens = [word for word in (clean_word(t) for t in tokenize(text)) if word]
    if not tokens or tokens[0].lower() in ("help", "?"):
        return TeamHelp()
    verb, args = tokens[0].lower(), tokens[1:]
    parsers: dict[str, Callable[[list[str]], TeamCommand]] = {
        "create": _parse_create,
        "add": _parse_add,
        "remove": _parse_remove,
        "manager": _parse_manager,
        "set": _parse_set,
        "schedule": _parse_schedule,
        "start": _parse_start,
        "fiscal-year": _parse_fiscal_year,
        "link": _parse_link,
        "show": _parse_show,
        "list": _parse_list,
    }
    if verb not in parsers:
        raise UserError(
            f'Unknown /team command "{shorten(tokens[0])}" — use one of: {", ".join(SUBCOMMANDS)}.',
            "/team show east",
        )
    return parsers[verb](args)


def parse_team_name(token: str, example: str) -> str:
    """A team name as written (case kept), without a `team:` prefix."""
    name = unquote(token.strip())
    if name[: len(_TEAM_PREFIX)].lower() == _TEAM_PREFIX:
        name = name[len(_TEAM_PREFIX) :]
    if not _TEAM_NAME.fullmatch(name) or not any(ch.isalnum() for ch in name):
        raise UserError(
            f'"{shorten(unquote(token))}" is not a team name — use 1 to {MAX_TEAM_NAME} letters, '
            "digits, -, _ or . (no spaces).",
            example,
        )
    if _LOOSE_UNDERSCORE.search(name):
        raise UserError(
            f'"{shorten(unquote(token))}" is not a team name — put _ only between letters or digits '
            "(east_1), where Slack cannot take it for italics.",
            example,
        )
    if name.lower() in _NONE_WORDS:
        raise UserError(f'"{name}" is reserved — choose another team name.', example)
    return name


def parse_time_zone(value: str, example: str) -> str:
    """The canonical IANA name for a zone, matched case-insensitively (`europe/berlin`)."""
    zones = _zones_by_lower_name()
    found = zones.get(value.strip().lower())
    if found:
        return found
    message = (
        f'Unknown time zone "{shorten(value)}" — use an IANA name such as America/New_York '
        "or Europe/Berlin."
    )
    # People often type just the city; the database names it after a region.
    city = value.strip().lower().replace(" ", "_")
    matches = sorted(zone for lower, zone in zones.items() if lower.rsplit("/", 1)[-1] == city)
    if matches:
        message += f" Did you mean {matches[0]}?"
    raise UserError(message, example)


def parse_holiday_country(value: str, example: str) -> str | None:
    """An upper-case country code the `holidays` package knows, or None for `none`/`off`."""
    code = value.strip()
    if code.lower() in _NONE_WORDS:
        return None
    if code.upper() not in _holiday_countries():
        raise UserError(
            f'Unknown holiday calendar "{shorten(code)}" — use a country code such as US, GB '
            "or DE, or none.",
            example,
        )
    return code.upper()


def parse_weekdays(value: str, example: str) -> tuple[int, ...]:
    """`mon-fri`, `sun-thu` (ranges wrap), `mon,tue,thu`, `weekdays`, `daily` → sorted Mon=0."""
    parts = [part for part in re.split(r"[,\s]+", value.strip().lower()) if part]
    if not parts:
        raise UserError("Name at least one day, such as mon-fri or mon,wed.", example)
    days: set[int] = set()
    for part in parts:
        if part in _NAMED_DAY_SETS:
            days.update(_NAMED_DAY_SETS[part])
            continue
        first, dash, last = part.partition("-")
        start, end = weekday_index(first), weekday_index(last) if dash else weekday_index(first)
        if start is None or end is None:
            raise UserError(
                f'"{shorten(part)}" is not a day — use mon, tue, wed, thu, fri, sat, sun, '
                "a range such as mon-fri, weekdays or daily.",
                example,
            )
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    return tuple(sorted(days))


def parse_clock(token: str, example: str) -> time:
    """A 24-hour `HH:MM` time of day."""
    text = token.strip()
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise UserError(
            f'"{shorten(text)}" is not a time — use 24-hour HH:MM, such as 09:00 or 17:30.',
            example,
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise UserError(
            f'"{text}" is not a time of day — hours run 00 to 23 and minutes 00 to 59.', example
        )
    return time(hour, minute)


def parse_thresholds(value: str, example: str) -> tuple[int, int, int]:
    """`110,90,75`: the ahead, on-pace and behind limits in % of expected pace."""
    parts = [part.strip().removesuffix("%") for part in value.split(",")]
    if len(parts) != 3 or not all(re.fullmatch(r"[0-9]{1,3}", part) for part in parts):
        raise UserError(
            f'"{shorten(value)}" is not three percentages — give ahead, on pace and behind.',
            example,
        )
    ahead, on_pace, behind = (int(part) for part in parts)
    if not all(1 <= limit <= 500 for limit in (ahead, on_pace, behind)):
        raise UserError("Each threshold must be between 1 and 500 (%).", example)
    if not ahead > on_pace > behind:
        raise UserError("Thresholds must go down: ahead above on pace above behind.", example)
    return ahead, on_pace, behind


def parse_celebrate(value: str, example: str) -> str:
    """`deals,hits,team` (any of them, any order), `all`, `on` (hits,team) or `off`/`none` →
    the stored form: the kinds in canonical order, or "off"."""
    words = [word for word in re.split(r"[,\s]+", value.strip().lower()) if word]
    if not words:
        raise UserError(
            f"Name what to celebrate: {', '.join(CELEBRATE_KINDS)}, all, on or off.", example
        )
    if len(words) == 1 and words[0] in _NONE_WORDS:
        return CELEBRATE_OFF
    if len(words) == 1 and words[0] == "on":
        return CELEBRATE_DEFAULT
    kinds: set[str] = set()
    for word in words:
        kind = _CELEBRATE_ALIASES.get(word, word)
        if kind == "all":
            kinds.update(CELEBRATE_KINDS)
        elif kind in CELEBRATE_KINDS:
            kinds.add(kind)
        elif kind in (*_NONE_WORDS, "on"):
            raise UserError(
                f"`{word}` stands alone — write celebrate {word}, or list what to celebrate.",
                example,
            )
        else:
            raise UserError(
                f'"{shorten(word)}" is not something to celebrate — use {", ".join(CELEBRATE_KINDS)} '
                "(any of them, such as hits,team), all, on or off.",
                example,
            )
    return celebrate_setting(kinds)


def parse_celebrate_min(value: str, example: str) -> int | None:
    """The smallest revenue a deal post needs, in cents (`$5,000`, `5k`); None for every deal
    (`0`, `none`, `off`)."""
    if value.strip().lower() in (*_NONE_WORDS, "any"):
        return None
    cents = parse_amount(value, _CELEBRATE_MIN, allow_zero=True, example=example)
    if cents > MONEY_CAP_CENTS:
        raise UserError(
            f'"{shorten(value.strip())}" is more than any deal can be: one entry holds at most '
            f"{format_amount(MONEY_CAP_CENTS, _CELEBRATE_MIN)}. To post no deals, "
            "leave deals out: celebrate hits,team.",
            example,
        )
    return cents or None


def parse_crm_only(value: str, example: str) -> str:
    """`calls,deals` (any of the metrics HubSpot syncs, by name or alias, any order) →
    the stored form: their keys in the catalog's order; `none`/`off` → ""."""
    words = [word for word in re.split(r"[,\s]+", value.strip()) if word]
    if not words:
        raise UserError(
            f"Name the metrics that come only from HubSpot — any of {CRM_METRICS_TEXT} — or none to clear it.",
            example,
        )
    if len(words) == 1 and words[0].lower() in _NONE_WORDS:
        return ""
    keys: set[str] = set()
    for word in words:
        lower = word.lower()
        if lower in _NONE_WORDS:
            raise UserError(
                f"`{lower}` stands alone — write crm-only {lower} to clear it, or list the metrics.",
                example,
            )
        if lower in _CRM_NAMES:
            keys.add(_CRM_NAMES[lower])
            continue
        known = _BUILTIN_CATALOG.lookup(lower)
        if known is not None:
            raise UserError(
                f"HubSpot does not sync {known.key}, so they cannot come only from it — {_CRM_ONLY_TAKES}",
                example,
            )
        close = difflib.get_close_matches(lower, list(_CRM_NAMES), n=1, cutoff=0.6)
        hint = f" Did you mean {_CRM_NAMES[close[0]]}?" if close else ""
        raise UserError(
            f'"{shorten(word)}" is not a metric HubSpot syncs.{hint} {_CRM_ONLY_TAKES}', example
        )
    return crm_only_setting(keys)


def format_celebrate_min(cents: int) -> str:
    """`$5,000`: the form parse_celebrate_min reads back."""
    return format_amount(cents, _CELEBRATE_MIN)


def _parse_create(args: list[str]) -> TeamCreate:
    example = "/team create east #sales-east manager @maria tz America/New_York"
    if not args:
        raise UserError("Name the new team.", example)
    name = parse_team_name(args[0], example)
    found: dict[str, object] = {}
    rest = iter(args[1:])
    value: str | None
    for token in rest:
        word = token.lower()
        option = _SETTING_ALIASES.get(word, word)
        if parse_channel_ref(token):
            option, value = "channel", token
        elif option in ("channel", "manager", "tz", "workweek", "holidays"):
            value = next(rest, None)
            if value is None:
                raise UserError(f"`{word}` needs a value after it.", example)
        elif parse_user_ref(token):
            raise UserError(f"Write `manager {shorten(token)}` to make them the manager.", example)
        else:
            raise UserError(
                f'Unknown option "{shorten(token)}" — options: {", ".join(_CREATE_OPTIONS)}.',
                example,
            )
        if option in found:
            raise UserError(f"`{option}` is given twice.", example)
        found[option] = _create_value(option, value, example)
    return TeamCreate(name, **found)  # type: ignore[arg-type]


def _create_value(option: str, value: str, example: str) -> object:
    if option == "manager":
        user = parse_user_ref(value)
        if user is None:
            raise UserError(f'"{shorten(value)}" is not a person — mention them: @maria.', example)
        return user
    return _setting_value(option, value, example, own_name=None)


def _parse_add(args: list[str]) -> TeamAdd:
    example = "/team add east @bo @li"
    name, users = _name_and_users(args, example)
    if not users:
        raise UserError("Mention the people to add.", example)
    return TeamAdd(name, users)


def _parse_remove(args: list[str]) -> TeamRemoveMember:
    example = "/team remove east @bo"
    name, users = _name_and_users(args, example)
    if len(users) != 1:
        raise UserError("Mention one person to remove (one at a time).", example)
    return TeamRemoveMember(name, users[0])


def _parse_manager(args: list[str]) -> TeamManager:
    example = "/team manager east @maria"
    remove = False
    if len(args) > 1 and args[1].lower() in ("add", "remove"):
        remove = args[1].lower() == "remove"
        args = args[:1] + args[2:]
    name, users = _name_and_users(args, example)
    if len(users) != 1:
        raise UserError("Mention one manager at a time (`remove` before them to remove).", example)
    return TeamManager(name, users[0], remove)


def _parse_set(args: list[str]) -> TeamSet:
    example = "/team set east tz Europe/Berlin"
    if len(args) < 2:
        raise UserError(f"Name the team and a setting: {', '.join(SETTINGS)}.", example)
    name = parse_team_name(args[0], example)
    key = _SETTING_ALIASES.get(args[1].lower(), args[1].lower())
    if key not in SETTINGS:
        raise UserError(
            f'Unknown setting "{shorten(args[1])}" — settings: {", ".join(SETTINGS)}.', example
        )
    example = _SETTING_EXAMPLES[key]
    if len(args) < 3:
        if key == "crm-only":
            parse_crm_only("", example)  # raises, naming the metrics it takes
        raise UserError(f"Give a value for {key}.", example)
    # Lists may be typed with spaces after the commas (`110, 90, 75`); other values are one word.
    if key in _JOINED_SETTINGS:
        value = _JOINED_SETTINGS[key].join(args[2:])
    elif len(args) == 3:
        value = args[2]
    else:
        raise UserError(f'{key} takes one value — "{shorten(args[3])}" is extra.', example)
    return TeamSet(name, key, _setting_value(key, value, example, own_name=name))


_SETTING_EXAMPLES = {
    "channel": "/team set east channel #sales-east",
    "tz": "/team set east tz Europe/Berlin",
    "workweek": "/team set east workweek mon-fri",
    "holidays": "/team set east holidays US",
    "thresholds": "/team set east thresholds 110,90,75",
    "approvals": "/team set east approvals on",
    "celebrate": "/team set east celebrate deals,hits,team",
    "celebrate-min": "/team set east celebrate-min $5,000",
    "hours": "/team set east hours 08:00-19:00",
    "crm-only": "/team set east crm-only calls,deals",
    "parent": "/team set east parent americas",
    "name": "/team set east name east-coast",
}


def _setting_value(key: str, value: str, example: str, own_name: str | None) -> TeamSettingValue:
    if key == "channel":
        if value.lower() in _NONE_WORDS:
            return None
        channel = parse_channel_ref(value)
        if channel is None:
            raise UserError(f'"{shorten(value)}" is not a channel — write #channel-name.', example)
        return channel
    if key == "tz":
        return parse_time_zone(value, example)
    if key == "workweek":
        return parse_weekdays(value, example)
    if key == "holidays":
        return parse_holiday_country(value, example)
    if key == "thresholds":
        return parse_thresholds(value, example)
    if key == "approvals":
        if value.lower() in ("on", "yes", "true"):
            return True
        if value.lower() in ("off", "no", "false"):
            return False
        raise UserError(f'approvals is on or off, not "{shorten(value)}".', example)
    if key == "celebrate":
        return parse_celebrate(value, example)
    if key == "celebrate-min":
        return parse_celebrate_min(value, example)
    if key == "hours":
        return parse_work_hours(value, example)
    if key == "crm-only":
        return parse_crm_only(value, example)
    if key == "parent":
        if value.lower() in _NONE_WORDS:
            return None
        parent = parse_team_name(value, example)
        if own_name is not None and team_key(parent) == team_key(own_name):
            raise UserError("A team cannot be its own parent.", f"/team set {own_name} parent none")
        return parent
    return parse_team_name(value, example)  # name: a rename


def _parse_schedule(args: list[str]) -> TeamSchedule:
    example = "/team schedule east nudge wed 10:00"
    if len(args) < 2:
        raise UserError(f"Name the team and a job: {', '.join(JOBS)}.", example)
    name = parse_team_name(args[0], example)
    job = args[1].lower().replace("_", "-")
    if job not in JOBS:
        raise UserError(f'Unknown job "{shorten(args[1])}" — jobs: {", ".join(JOBS)}.', example)
    when = [token for token in args[2:] if token.lower() != "at"]
    if len(when) == 1 and when[0].lower() in _NONE_WORDS:
        return TeamSchedule(name, job, None, None)
    example = f"/team schedule {name} {job} wed 10:00"
    if not when:
        raise UserError("Give days and a time, or off.", example)
    if len(when) == 1 and _CLOCK.fullmatch(when[0]):
        raise UserError(
            "Give the days before the time: mon…sun, mon,wed, weekdays or daily.", example
        )
    if not _CLOCK.fullmatch(when[-1]) and _is_day_list(when[-1]):
        raise UserError("Give a time after the days, as 24-hour HH:MM.", example)
    if len(when) == 1:
        parse_clock(when[0], example)  # raises, saying what a time looks like
    at = parse_clock(when[-1], example)
    days = parse_weekdays(",".join(when[:-1]), example)
    return TeamSchedule(name, job, days, at)


def _parse_start(args: list[str]) -> TeamStartDate:
    example = "/team start @bo 2026-11-02"
    if len(args) != 2:
        raise UserError("Mention the person and give their start date.", example)
    user_first = parse_user_ref(args[0])
    user = user_first or parse_user_ref(args[1])
    day_token = args[1] if user_first else args[0]
    if user is None:
        raise UserError("Mention the person whose start date this is.", example)
    day = parse_iso_date(day_token, example)
    if day is None:
        raise UserError(f'"{shorten(day_token)}" is not a date — write YYYY-MM-DD.', example)
    return TeamStartDate(user, day)


def _parse_fiscal_year(args: list[str]) -> TeamFiscalYear:
    example = "/team fiscal-year feb"
    if len(args) != 1:
        raise UserError("Give the month the fiscal year starts in, as a name or a number.", example)
    word = args[0].lower()
    if word.isdigit() and 1 <= int(word) <= 12:
        return TeamFiscalYear(int(word))
    for number, name in enumerate(_MONTHS, start=1):
        if len(word) >= 3 and name.startswith(word[:3]) and month_name(number).startswith(word):
            return TeamFiscalYear(number)
    raise UserError(f'"{shorten(args[0])}" is not a month — use jan…dec or 1…12.', example)


def _parse_link(args: list[str]) -> TeamLink:
    example = '/team link "Bo Smith" @bo'
    if len(args) < 2:
        raise UserError("Name the imported person, then mention their Slack user.", example)
    user = parse_user_ref(args[-1])
    if user is None:
        raise UserError(
            f'"{shorten(args[-1])}" is not a person — end with the Slack user to link: @bo.',
            example,
        )
    if any(parse_user_ref(token) for token in args[:-1]):
        raise UserError("Mention one Slack user, after the imported person's name.", example)
    # The name may be quoted ("Bo Smith") or not (Bo Smith): imported names have spaces.
    name = " ".join(" ".join(unquote(token).split()) for token in args[:-1]).strip()
    if not name:
        raise UserError("Name the imported person, as the import wrote them.", example)
    if len(name) > MAX_PERSON_NAME:
        raise UserError(
            f"That name is {len(name)} characters long; names have at most {MAX_PERSON_NAME}.",
            example,
        )
    return TeamLink(name, user)


def month_name(number: int) -> str:
    """English, not strftime's %B, which follows the process locale."""
    return ("january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december")[number - 1]  # fmt: skip


def _parse_show(args: list[str]) -> TeamShow:
    example = "/team show east"
    if len(args) > 1:
        raise UserError(f'Show one team at a time — "{shorten(args[1])}" is extra.', example)
    return TeamShow(parse_team_name(args[0], example) if args else None)


def _parse_list(args: list[str]) -> TeamList:
    if args:
        raise UserError(
            f'`/team list` takes nothing more — "{shorten(args[0])}" is extra.', "/team list"
        )
    return TeamList()


def _name_and_users(args: list[str], example: str) -> tuple[str, tuple[UserRef, ...]]:
    if not args:
        raise UserError("Name the team.", example)
    name = parse_team_name(args[0], example)
    users: list[UserRef] = []
    seen: set[tuple[str | None, str | None]] = set()
    for token in args[1:]:
        # Tolerate `@bo, @li and @kim`.
        token = token.rstrip(",")
        if token.lower() in ("", "and", "&"):
            continue
        user = parse_user_ref(token)
        if user is None:
            raise UserError(f'"{shorten(token)}" is not a person — mention them: @bo.', example)
        identity = (user.user_id, None) if user.user_id else (None, (user.name or "").casefold())
        if identity not in seen:
            seen.add(identity)
            users.append(user)
    return name, tuple(users)


def _is_day_list(token: str) -> bool:
    try:
        parse_weekdays(token, "")
    except UserError:
        return False
    return True


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {
        zone.lower(): zone for zone in zoneinfo.available_timezones() if zone not in _NOT_PLACES
    }


@cache
def _holiday_countries() -> frozenset[str]:
    return frozenset(code.upper() for code in holidays.list_supported_countries())
