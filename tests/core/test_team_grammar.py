from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import UserError
from bot.core.mentions import ChannelRef, UserRef
from bot.core.team_grammar import (
    JOBS,
    SUBCOMMANDS,
    TEAM_HELP,
    TeamAdd,
    TeamCreate,
    TeamHelp,
    TeamList,
    TeamManager,
    TeamRemoveMember,
    TeamSchedule,
    TeamSet,
    TeamShow,
    TeamStartDate,
    format_celebrate_min,
    parse_team,
    parse_weekdays,
    team_key,
)

MARIA = UserRef(None, "maria")
BO = UserRef(None, "bo")


def error_of(text) -> UserError:
    with pytest.raises(UserError) as caught:
        parse_team(text)
    assert "Example: `/team" in caught.value.text
    return caught.value


# --- create ---------------------------------------------------------------------------------


def test_create_with_every_option():
    command = parse_team(
        "create east #sales-east manager @maria tz america/new_york workweek sun-thu holidays us"
    )
    assert command == TeamCreate(
        name="east",
        channel=ChannelRef(None, "sales-east"),
        manager=MARIA,
        tz="America/New_York",
        workweek=(0, 1, 2, 3, 6),
        holidays="US",
    )


def test_create_minimal_and_escaped_and_prefixed():
    assert parse_team("create east") == TeamCreate("east")
    assert parse_team("create team:East <#C1|sales> manager <@U9|maria>") == TeamCreate(
        "East", ChannelRef("C1", "sales"), UserRef("U9", "maria")
    )
    assert parse_team("create east holidays DE tz UTC").tz == "UTC"
    assert parse_team("create east channel none").channel is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("create", "Name the new team."),
        (
            'create "East Coast"',
            '"East Coast" is not a team name — use 1 to 40 letters, digits, -, _ or . (no spaces).',
        ),
        (
            "create " + "a" * 41,
            f'"{"a" * 40}…" is not a team name — use 1 to 40 letters, digits, '
            "-, _ or . (no spaces).",
        ),
        (
            "create ---",
            '"---" is not a team name — use 1 to 40 letters, digits, -, _ or . (no spaces).',
        ),
        ("create none", '"none" is reserved — choose another team name.'),
        ("create east @maria", "Write `manager @maria` to make them the manager."),
        ("create east manager", "`manager` needs a value after it."),
        ("create east manager bob", '"bob" is not a person — mention them: @maria.'),
        ("create east #a #b", "`channel` is given twice."),
        (
            "create east colour red",
            'Unknown option "colour" — options: #channel, manager @person, '
            "tz ZONE, workweek mon-fri, holidays CC.",
        ),
        (
            "create east tz Mars/Base",
            'Unknown time zone "Mars/Base" — use an IANA name such as '
            "America/New_York or Europe/Berlin.",
        ),
    ],
)
def test_create_errors(text, message):
    assert error_of(text).message == message


def test_team_names():
    name = "a" * 40
    assert parse_team(f"create {name}").name == name
    assert parse_team("create Sales.EMEA_north-2").name == "Sales.EMEA_north-2"
    assert parse_team("create München").name == "München"


def test_team_key_compares_case_insensitively():
    assert team_key("East") == team_key("team:EAST") == team_key("east") == "east"
    assert team_key("Straße") == team_key("STRASSE")


# --- people ---------------------------------------------------------------------------------


def test_add_members():
    assert parse_team("add east @bo @maria") == TeamAdd("east", (BO, MARIA))
    assert parse_team("add east <@U1|bo>, <@U2> and @bo <@U1>") == TeamAdd(
        "east", (UserRef("U1", "bo"), UserRef("U2", None), BO)
    )
    assert error_of("add east").message == "Mention the people to add."
    assert error_of("add east bo").message == '"bo" is not a person — mention them: @bo.'
    assert error_of("add").message == "Name the team."


def test_remove_member():
    assert parse_team("remove team:east @bo") == TeamRemoveMember("east", BO)
    assert error_of("remove east @bo @maria").message == (
        "Mention one person to remove (one at a time)."
    )


def test_managers():
    assert parse_team("manager east @maria") == TeamManager("east", MARIA, False)
    assert parse_team("manager east add @maria") == TeamManager("east", MARIA, False)
    assert parse_team("manager east remove <@U9>") == TeamManager("east", UserRef("U9", None), True)
    assert error_of("manager east").message == (
        "Mention one manager at a time (`remove` before them to remove)."
    )


def test_start_date():
    assert parse_team("start @bo 2026-11-02") == TeamStartDate(BO, date(2026, 11, 2))
    assert parse_team("start 2026-11-02 <@U1|bo>") == TeamStartDate(
        UserRef("U1", "bo"), date(2026, 11, 2)
    )
    assert error_of("start @bo 2026-02-30").message == (
        '"2026-02-30" is not a real date — February 2026 has 28 days.'
    )
    assert error_of("start @bo monday").message == '"monday" is not a date — write YYYY-MM-DD.'
    assert error_of("start bo 2026-11-02").message == "Mention the person whose start date this is."
    assert error_of("start @bo").message == "Mention the person and give their start date."


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("set east channel #sales-east", "channel", ChannelRef(None, "sales-east")),
        ("set east channel <#C1|sales>", "channel", ChannelRef("C1", "sales")),
        ("set east channel none", "channel", None),
        ("set east tz Europe/Berlin", "tz", "Europe/Berlin"),
        ("set east timezone europe/berlin", "tz", "Europe/Berlin"),
        ("set east workweek mon-fri", "workweek", (0, 1, 2, 3, 4)),
        ("set east workweek sun-thu", "workweek", (0, 1, 2, 3, 6)),
        ("set east workweek fri-mon", "workweek", (0, 4, 5, 6)),
        ("set east workweek mon,tue,thu", "workweek", (0, 1, 3)),
        ("set east workweek mon, Tuesday, thu", "workweek", (0, 1, 3)),
        ("set east workweek sat", "workweek", (5,)),
        ("set east holidays de", "holidays", "DE"),
        ("set east holidays GB", "holidays", "GB"),
        ("set east holidays none", "holidays", None),
        ("set east thresholds 110,90,75", "thresholds", (110, 90, 75)),
        ("set east thresholds 120%, 95%, 80%", "thresholds", (120, 95, 80)),
        ("set east thresholds 500,2,1", "thresholds", (500, 2, 1)),
        ("set east approvals on", "approvals", True),
        ("set east approvals OFF", "approvals", False),
        ("set east parent americas", "parent", "americas"),
        ("set east parent team:Americas", "parent", "Americas"),
        ("set east parent none", "parent", None),
        ("set east name East-Coast", "name", "East-Coast"),
    ],
)
def test_settings(text, key, value):
    assert parse_team(text) == TeamSet("east", key, value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "set east",
            "Name the team and a setting: channel, tz, workweek, holidays, thresholds, "
            "approvals, celebrate, celebrate-min, hours, crm-only, parent, name.",
        ),
        (
            "set east colour red",
            'Unknown setting "colour" — settings: channel, tz, workweek, '
            "holidays, thresholds, approvals, celebrate, celebrate-min, hours, crm-only, parent, name.",
        ),
        ("set east tz", "Give a value for tz."),
        (
            "set east tz Mars/Base",
            'Unknown time zone "Mars/Base" — use an IANA name such as '
            "America/New_York or Europe/Berlin.",
        ),
        (
            "set east tz Berlin",
            'Unknown time zone "Berlin" — use an IANA name such as '
            "America/New_York or Europe/Berlin. Did you mean Europe/Berlin?",
        ),
        (
            "set east tz localtime",
            'Unknown time zone "localtime" — use an IANA name such as '
            "America/New_York or Europe/Berlin.",
        ),
        ("set east tz Europe/Berlin now", 'tz takes one value — "now" is extra.'),
        ("set east channel sales", '"sales" is not a channel — write #channel-name.'),
        (
            "set east workweek funday",
            '"funday" is not a day — use mon, tue, wed, thu, fri, sat, '
            "sun, a range such as mon-fri, weekdays or daily.",
        ),
        ("set east workweek ,", "Name at least one day, such as mon-fri or mon,wed."),
        (
            "set east workweek mon-",
            '"mon-" is not a day — use mon, tue, wed, thu, fri, sat, sun, '
            "a range such as mon-fri, weekdays or daily.",
        ),
        (
            "set east holidays XX",
            'Unknown holiday calendar "XX" — use a country code such as US, GB or DE, or none.',
        ),
        (
            "set east thresholds 110,90",
            '"110,90" is not three percentages — give ahead, on pace and behind.',
        ),
        (
            "set east thresholds a,b,c",
            '"a,b,c" is not three percentages — give ahead, on pace and behind.',
        ),
        (
            "set east thresholds 90,110,75",
            "Thresholds must go down: ahead above on pace above behind.",
        ),
        (
            "set east thresholds 110,90,90",
            "Thresholds must go down: ahead above on pace above behind.",
        ),
        ("set east thresholds 600,90,75", "Each threshold must be between 1 and 500 (%)."),
        ("set east thresholds 110,90,0", "Each threshold must be between 1 and 500 (%)."),
        ("set east approvals maybe", 'approvals is on or off, not "maybe".'),
        ("set east parent EAST", "A team cannot be its own parent."),
        ("set east name East Coast", 'name takes one value — "Coast" is extra.'),
    ],
)
def test_setting_errors(text, message):
    assert error_of(text).message == message


# --- live wins ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("set east celebrate deals,hits,team", "celebrate", "deals,hits,team"),
        ("set east celebrate team,deals,hits", "celebrate", "deals,hits,team"),
        ("set east celebrate team, deals", "celebrate", "deals,team"),
        ("set east celebrate hits ,team", "celebrate", "hits,team"),
        ("set east celebrate Deals", "celebrate", "deals"),
        ("set east celebrate deal,hit", "celebrate", "deals,hits"),
        ("set east celebrate hits,hits", "celebrate", "hits"),
        ("set east celebrate all", "celebrate", "deals,hits,team"),
        ("set east celebrate all,team", "celebrate", "deals,hits,team"),
        ("set east celebrate on", "celebrate", "hits,team"),
        ("set east celebrate ON", "celebrate", "hits,team"),
        ("set east celebrate off", "celebrate", "off"),
        ("set east celebrate none", "celebrate", "off"),
        ("set east celebrations team", "celebrate", "team"),
        ("set east celebrate-min $5,000", "celebrate-min", 500_000),
        ("set east celebrate-min 5000", "celebrate-min", 500_000),
        ("set east celebrate-min 4.5k", "celebrate-min", 450_000),
        ("set east celebrate-min $1.2M", "celebrate-min", 120_000_000),
        ("set east celebrate-min $99.50", "celebrate-min", 9_950),
        ("set east celebrate-min $10,000,000", "celebrate-min", 1_000_000_000),
        ("set east celebrate_min 1", "celebrate-min", 100),
        ("set east celebrate-min 0", "celebrate-min", None),
        ("set east celebrate-min $0", "celebrate-min", None),
        ("set east celebrate-min none", "celebrate-min", None),
        ("set east celebrate-min off", "celebrate-min", None),
        ("set east hours 08:00-19:00", "hours", "08:00-19:00"),
        ("set east hours 8-19", "hours", "08:00-19:00"),
        ("set east hours 8:00-19:00", "hours", "08:00-19:00"),
        ("set east hours 08:00–19:00", "hours", "08:00-19:00"),
        ("set east hours 8am-7pm", "hours", "08:00-19:00"),
        ("set east hours 8am - 7pm", "hours", "08:00-19:00"),
        ("set east hours 9:30 am to 5 pm", "hours", "09:30-17:00"),
        ("set east work-hours 7-22", "hours", "07:00-22:00"),
        ("set east hours any", "hours", "any"),
        ("set east hours off", "hours", "any"),
        ("set east hours none", "hours", "any"),
        ("set east hours 24h", "hours", "any"),
    ],
)
def test_live_wins_settings(text, key, value):
    assert parse_team(text) == TeamSet("east", key, value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "set east celebrate wins",
            '"wins" is not something to celebrate — use deals, hits, team (any of them, '
            "such as hits,team), all, on or off.",
        ),
        (
            "set east celebrate deals,hits,birthdays",
            '"birthdays" is not something to celebrate — use deals, hits, team (any of them, '
            "such as hits,team), all, on or off.",
        ),
        (
            "set east celebrate off,deals",
            "`off` stands alone — write celebrate off, or list what to celebrate.",
        ),
        (
            "set east celebrate on,deals",
            "`on` stands alone — write celebrate on, or list what to celebrate.",
        ),
        ("set east celebrate ,", "Name what to celebrate: deals, hits, team, all, on or off."),
        ("set east celebrate", "Give a value for celebrate."),
        ("set east celebrate-min", "Give a value for celebrate-min."),
        ("set east celebrate-min lots", '"lots" is not an amount of money.'),
        ("set east celebrate-min -5", '"-5" is negative — celebrate-min must be $0 or more.'),
        (
            "set east celebrate-min $5.555",
            '"$5.555" has more than two decimals — money goes to the cent.',
        ),
        (
            "set east celebrate-min 5x",
            '"5x" has an unknown suffix "x" — use k for thousands or m for millions (4.5k, 1.2m).',
        ),
        ("set east celebrate-min 5 000", 'celebrate-min takes one value — "000" is extra.'),
        (
            "set east celebrate-min $10,000,000.01",
            '"$10,000,000.01" is more than any deal can be: one entry holds at most $10,000,000. '
            "To post no deals, leave deals out: celebrate hits,team.",
        ),
        ("set east hours", "Give a value for hours."),
        (
            "set east hours 19-8",
            "19:00-08:00 runs overnight — hours are one span within a day, start before end, "
            "such as 08:00-19:00 (24-hour times; or 8am-7pm); any posts at any hour.",
        ),
        (
            "set east hours 9-9",
            "09:00-09:00 is empty — give a start before the end, such as 08:00-19:00, "
            "or any for no quiet hours.",
        ),
        (
            "set east hours 25-26",
            '"25" is not a time of day — hours run 00 to 23 and minutes 00 to 59.',
        ),
        (
            "set east hours 8-24:00",
            '"24:00" is not a time of day — hours run 00 to 23 and minutes 00 to 59 '
            "(end by 23:59, or use any for no quiet hours).",
        ),
        (
            "set east hours 13pm-2pm",
            '"13pm" is not a time of day — with am or pm, hours run 1 to 12 and minutes 00 to 59.',
        ),
        (
            "set east hours daytime",
            '"daytime" is not a range of hours — write start-end, such as 08:00-19:00, 8-19 '
            "or 8am-7pm, or any for no quiet hours.",
        ),
    ],
)
def test_live_wins_setting_errors(text, message):
    error = error_of(text)
    assert error.message == message
    # The example the error gives works.
    example = error.text.split("Example: `", 1)[1].rstrip("`")
    assert isinstance(parse_team(example.removeprefix("/team ")), TeamSet)


def test_help_text_names_the_live_wins_settings():
    for word in ("celebrate deals,hits,team", "celebrate-min $5,000", "hours 08:00-19:00"):
        assert word in TEAM_HELP


@given(
    st.lists(st.sampled_from(["deals", "hits", "team"]), min_size=1, unique=True),
    st.sampled_from([",", ", ", " ,"]),
)
def test_celebrate_any_subset_in_any_order(kinds, comma):
    text = "set east celebrate " + comma.join(kinds)
    stored = parse_team(text).value
    assert stored == ",".join(kind for kind in ("deals", "hits", "team") if kind in kinds)


@given(st.integers(min_value=1, max_value=10_000_000 * 100))
def test_celebrate_min_reads_back_what_show_writes(cents):
    assert parse_team(f"set east celebrate-min {format_celebrate_min(cents)}").value == cents


# --- schedules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schedule east nudge wed 10:00", TeamSchedule("east", "nudge", (2,), time(10, 0))),
        ("schedule east nudge Wednesday 9:05", TeamSchedule("east", "nudge", (2,), time(9, 5))),
        (
            "schedule east lagging-alert thu at 09:00",
            TeamSchedule("east", "lagging-alert", (3,), time(9, 0)),
        ),
        (
            "schedule east weekly-digest mon,wed 16:00",
            TeamSchedule("east", "weekly-digest", (0, 2), time(16, 0)),
        ),
        (
            "schedule east weekly_digest mon, wed 16:00",
            TeamSchedule("east", "weekly-digest", (0, 2), time(16, 0)),
        ),
        (
            "schedule east log-reminder daily 17:00",
            TeamSchedule("east", "log-reminder", (0, 1, 2, 3, 4, 5, 6), time(17, 0)),
        ),
        (
            "schedule east log-reminder weekdays 23:59",
            TeamSchedule("east", "log-reminder", (0, 1, 2, 3, 4), time(23, 59)),
        ),
        ("schedule east nudge mon 00:00", TeamSchedule("east", "nudge", (0,), time(0, 0))),
        ("schedule east log-reminder off", TeamSchedule("east", "log-reminder", None, None)),
    ],
)
def test_schedules(text, expected):
    assert parse_team(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "schedule east nudge fri 25:00",
            '"25:00" is not a time of day — hours run 00 to 23 and minutes 00 to 59.',
        ),
        (
            "schedule east nudge fri 10:60",
            '"10:60" is not a time of day — hours run 00 to 23 and minutes 00 to 59.',
        ),
        (
            "schedule east nudge fri 9",
            '"9" is not a time — use 24-hour HH:MM, such as 09:00 or 17:30.',
        ),
        (
            "schedule east nudge fri 9am",
            '"9am" is not a time — use 24-hour HH:MM, such as 09:00 or 17:30.',
        ),
        (
            "schedule east nudge 9am",
            '"9am" is not a time — use 24-hour HH:MM, such as 09:00 or 17:30.',
        ),
        ("schedule east nudge fri", "Give a time after the days, as 24-hour HH:MM."),
        (
            "schedule east nudge 10:00",
            "Give the days before the time: mon…sun, mon,wed, weekdays or daily.",
        ),
        ("schedule east nudge", "Give days and a time, or off."),
        (
            "schedule east nudge someday 10:00",
            '"someday" is not a day — use mon, tue, wed, thu, '
            "fri, sat, sun, a range such as mon-fri, weekdays "
            "or daily.",
        ),
        (
            "schedule east standup fri 10:00",
            'Unknown job "standup" — jobs: nudge, lagging-alert, weekly-digest, log-reminder.',
        ),
        (
            "schedule east",
            "Name the team and a job: nudge, lagging-alert, weekly-digest, log-reminder.",
        ),
    ],
)
def test_schedule_errors(text, message):
    assert error_of(text).message == message


# --- show, list, help, unknown --------------------------------------------------------------


def test_show_list_help():
    assert parse_team("show") == TeamShow(None)
    assert parse_team("show team:east") == TeamShow("east")
    assert parse_team("list") == TeamList()
    assert parse_team("") == TeamHelp()
    assert parse_team("   ") == TeamHelp()
    assert parse_team("help") == TeamHelp()
    assert error_of("show east west").message == 'Show one team at a time — "west" is extra.'
    assert error_of("list all").message == '`/team list` takes nothing more — "all" is extra.'


def test_unknown_subcommand_lists_the_subcommands():
    assert error_of("dance").message == (
        'Unknown /team command "dance" — use one of: create, add, remove, manager, set, '
        "schedule, start, link, fiscal-year, show, list, help."
    )


def test_too_long():
    assert error_of("show " + "x" * 3995).message == (
        "That command is too long (4,000 characters; at most 1,000)."
    )


def test_help_text_mentions_every_subcommand_and_job():
    for word in SUBCOMMANDS[:-1]:
        assert f"/team {word}" in TEAM_HELP
    for job in JOBS:
        assert job in TEAM_HELP


# --- properties -----------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "create",
        "add",
        "remove",
        "manager",
        "set",
        "schedule",
        "start",
        "show",
        "list",
        "help",
        "east",
        "team:east",
        "none",
        "@maria",
        "<@U1|bo>",
        "#sales",
        "<#C1>",
        "tz",
        "Europe/Berlin",
        "Mars/Base",
        "workweek",
        "mon-fri",
        "sun-thu",
        "mon,",
        "wed",
        "holidays",
        "US",
        "XX",
        "thresholds",
        "110,90,75",
        "approvals",
        "on",
        "celebrate",
        "celebrate-min",
        "hours",
        "deals,hits",
        "$5,000",
        "8am-7pm",
        "19-8",
        "parent",
        "name",
        "channel",
        "nudge",
        "weekly-digest",
        "off",
        "daily",
        "10:00",
        "25:00",
        "9am",
        "2026-11-02",
        "2026-02-30",
        "📞",
        "مكالمات",
        '"x y"',
        "a" * 41,
    ]
)
COMMANDISH = st.lists(WORDS, max_size=9).map(" ".join)


@given(st.one_of(st.text(), COMMANDISH))
def test_any_text_gives_a_command_or_a_user_error_with_an_example(text):
    try:
        parse_team(text)
    except UserError as error:
        assert error.text.strip()
        assert "\nExample: `/team" in error.text


DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@given(
    st.sampled_from(JOBS),
    st.sets(st.integers(min_value=0, max_value=6), min_size=1),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_schedule_round_trip(job, days, at):
    text = f"schedule team:east {job} {','.join(DAY_NAMES[d] for d in days)} {at:%H:%M}"
    assert parse_team(text) == TeamSchedule("east", job, tuple(sorted(days)), at)


@given(st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=6))
def test_weekday_ranges_wrap_around(first, last):
    days = parse_weekdays(
        f"{DAY_NAMES[first]}-{DAY_NAMES[last]}", "/team set east workweek mon-fri"
    )
    assert len(days) == (last - first) % 7 + 1
    assert first in days and last in days


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=3, max_size=3, unique=True))
def test_thresholds_round_trip(limits):
    limits = sorted(limits, reverse=True)
    command = parse_team(f"set east thresholds {','.join(map(str, limits))}")
    assert command == TeamSet("east", "thresholds", tuple(limits))
