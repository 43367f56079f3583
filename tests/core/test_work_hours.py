"""Live wins' pure rules: what a team celebrates and when its channel may be posted to."""

from datetime import UTC, datetime, time, timedelta, timezone
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import UserError
from bot.core.work_hours import (
    CELEBRATE_KINDS,
    WorkHours,
    celebrate_kinds,
    celebrate_setting,
    is_open,
    next_open,
    parse_work_hours,
)

EXAMPLE = "/team set east hours 08:00-19:00"
NY, BERLIN = "America/New_York", "Europe/Berlin"
DAY = WorkHours(time(8), time(19))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- parse_work_hours -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("08:00-19:00", "08:00-19:00"),
        ("8-19", "08:00-19:00"),
        ("8:00-19:00", "08:00-19:00"),
        ("08:00–19:00", "08:00-19:00"),  # an en dash
        ("08:00—19:00", "08:00-19:00"),  # an em dash
        ("8am-7pm", "08:00-19:00"),
        ("8AM-7PM", "08:00-19:00"),
        ("8 am - 7 pm", "08:00-19:00"),
        ("9:30am to 5:15pm", "09:30-17:15"),
        ("8a.m.-7p.m.", "08:00-19:00"),
        ("12am-12pm", "00:00-12:00"),
        ("12pm-11:59pm", "12:00-23:59"),
        ("0-23:59", "00:00-23:59"),
        ("7:05-7:06", "07:05-07:06"),
        ("any", "any"),
        ("ANY", "any"),
        ("off", "any"),
        ("none", "any"),
        ("24h", "any"),
    ],
)
def test_work_hours_forms(text, stored):
    assert parse_work_hours(text, EXAMPLE) == stored


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "19-8",
            "19:00-08:00 runs overnight — hours are one span within a day, start before end, "
            "such as 08:00-19:00 (24-hour times; or 8am-7pm); any posts at any hour.",
        ),
        (
            "22:00-06:00",
            "22:00-06:00 runs overnight — hours are one span within a day, start before end, "
            "such as 08:00-19:00 (24-hour times; or 8am-7pm); any posts at any hour.",
        ),
        (
            "8-8",
            "08:00-08:00 is empty — give a start before the end, such as 08:00-19:00, "
            "or any for no quiet hours.",
        ),
        (
            "8-24",
            '"24" is not a time of day — hours run 00 to 23 and minutes 00 to 59 '
            "(end by 23:59, or use any for no quiet hours).",
        ),
        (
            "8:60-19",
            '"8:60" is not a time of day — hours run 00 to 23 and minutes 00 to 59.',
        ),
        (
            "13pm-2pm",
            '"13pm" is not a time of day — with am or pm, hours run 1 to 12 and minutes 00 to 59.',
        ),
        (
            "0am-7pm",
            '"0am" is not a time of day — with am or pm, hours run 1 to 12 and minutes 00 to 59.',
        ),
        (
            "soon",
            '"soon" is not a range of hours — write start-end, such as 08:00-19:00, 8-19 '
            "or 8am-7pm, or any for no quiet hours.",
        ),
        (
            "08:00",
            '"08:00" is not a range of hours — write start-end, such as 08:00-19:00, 8-19 '
            "or 8am-7pm, or any for no quiet hours.",
        ),
        (
            "8.30-17.30",
            '"8.30-17.30" is not a range of hours — write start-end, such as 08:00-19:00, 8-19 '
            "or 8am-7pm, or any for no quiet hours.",
        ),
        (
            "08:00-19:00-20:00",
            '"08:00-19:00-20:00" is not a range of hours — write start-end, such as '
            "08:00-19:00, 8-19 or 8am-7pm, or any for no quiet hours.",
        ),
    ],
)
def test_work_hours_errors(text, message):
    with pytest.raises(UserError) as caught:
        parse_work_hours(text, EXAMPLE)
    assert caught.value.message == message
    assert caught.value.text.endswith(f"Example: `{EXAMPLE}`")
    assert parse_work_hours(EXAMPLE.split()[-1], EXAMPLE) == "08:00-19:00"


MINUTES = st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
SPANS = st.tuples(MINUTES, MINUTES).filter(lambda span: span[0] < span[1])


@given(SPANS)
def test_work_hours_round_trip(span):
    start, end = span
    stored = parse_work_hours(f"{start:%H:%M}-{end:%H:%M}", EXAMPLE)
    assert stored == f"{start:%H:%M}-{end:%H:%M}"
    hours = WorkHours.from_setting(stored)
    assert hours == WorkHours(start, end)
    assert hours.setting == stored
    # The unpadded and 12-hour forms mean the same.
    assert parse_work_hours(f"{start.hour}:{start:%M}–{end.hour}:{end:%M}", EXAMPLE) == stored
    assert parse_work_hours(f"{start:%I:%M%p}-{end:%I:%M%p}".lower(), EXAMPLE) == stored


# --- WorkHours.from_setting -----------------------------------------------------------------


def test_from_setting():
    assert WorkHours.from_setting("08:00-19:00") == DAY
    assert WorkHours.from_setting("00:00-23:59") == WorkHours(time(0), time(23, 59))
    assert WorkHours.from_setting("any") is None
    for bad in ("8-19", "19:00-08:00", "08:00-08:00", "25:00-26:00", "", "always"):
        with pytest.raises(ValueError):
            WorkHours.from_setting(bad)


def test_contains_is_half_open():
    assert DAY.contains(time(8)) and DAY.contains(time(18, 59, 59, 999999))
    assert not DAY.contains(time(7, 59, 59)) and not DAY.contains(time(19))


# --- next_open ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "tz", "hours", "expected"),
    [
        # Within: at itself. Exactly at the start is within; exactly at the end is not.
        (utc(2026, 6, 10, 15), NY, DAY, utc(2026, 6, 10, 15)),
        (utc(2026, 6, 10, 12), NY, DAY, utc(2026, 6, 10, 12)),  # 08:00 EDT
        (utc(2026, 6, 10, 22, 59, 59), NY, DAY, utc(2026, 6, 10, 22, 59, 59)),
        (utc(2026, 6, 10, 23), NY, DAY, utc(2026, 6, 11, 12)),  # 19:00 EDT → tomorrow 08:00
        (utc(2026, 6, 10, 11, 59, 59), NY, DAY, utc(2026, 6, 10, 12)),  # 07:59:59 → 08:00
        (utc(2026, 6, 11, 3), NY, DAY, utc(2026, 6, 11, 12)),  # 23:00 EDT the day before
        # New York springs forward on Sun 14 Mar 2027, 02:00 EST → 03:00 EDT.
        (utc(2027, 3, 14, 5), NY, DAY, utc(2027, 3, 14, 12)),  # 00:00 EST → 08:00 EDT
        (utc(2027, 3, 14, 0, 30), NY, DAY, utc(2027, 3, 14, 12)),  # Sat 19:30 EST
        (utc(2027, 3, 13, 12), NY, DAY, utc(2027, 3, 13, 13)),  # Sat 07:00 EST → 08:00 EST
        (utc(2027, 3, 14, 23), NY, DAY, utc(2027, 3, 15, 12)),  # 19:00 EDT
        # A start the clocks skip opens when they jump: 03:00 EDT.
        (utc(2027, 3, 14, 5), NY, WorkHours(time(2, 30), time(5)), utc(2027, 3, 14, 7)),
        (utc(2027, 3, 14, 5), NY, WorkHours(time(2), time(9)), utc(2027, 3, 14, 7)),
        # Hours wholly inside the gap do not happen that day.
        (utc(2027, 3, 14, 5), NY, WorkHours(time(2), time(2, 30)), utc(2027, 3, 15, 6)),
        # New York falls back on Sun 1 Nov 2026, 02:00 EDT → 01:00 EST.
        (utc(2026, 11, 1, 3), NY, DAY, utc(2026, 11, 1, 13)),  # Sat 23:00 EDT → 08:00 EST
        (utc(2026, 10, 31, 23), NY, DAY, utc(2026, 11, 1, 13)),  # Sat 19:00 EDT
        (utc(2026, 11, 1, 23, 59), NY, DAY, utc(2026, 11, 1, 23, 59)),  # 18:59 EST
        (utc(2026, 11, 2, 0), NY, DAY, utc(2026, 11, 2, 13)),  # 19:00 EST
        # A start in the repeated hour opens the first time round, and again the second.
        (utc(2026, 11, 1, 4), NY, WorkHours(time(1, 30), time(5)), utc(2026, 11, 1, 5, 30)),
        (utc(2026, 11, 1, 6, 15), NY, WorkHours(time(1, 30), time(5)), utc(2026, 11, 1, 6, 30)),
        # Falling back can jump the clock into the hours: 01:59 EDT → 01:00 EST.
        (utc(2026, 11, 1, 5, 45), NY, WorkHours(time(0), time(1, 30)), utc(2026, 11, 1, 6)),
        # Berlin springs forward on Sun 29 Mar 2026 (02:00 CET → 03:00 CEST), falls back
        # on Sun 25 Oct 2026 (03:00 CEST → 02:00 CET).
        (utc(2026, 3, 29, 0), BERLIN, DAY, utc(2026, 3, 29, 6)),
        (utc(2026, 3, 28, 18), BERLIN, DAY, utc(2026, 3, 29, 6)),  # Sat 19:00 CET
        (utc(2026, 3, 29, 0, 30), BERLIN, WorkHours(time(2, 15), time(4)), utc(2026, 3, 29, 1)),
        (utc(2026, 10, 24, 20), BERLIN, DAY, utc(2026, 10, 25, 7)),  # 08:00 CET
        (utc(2026, 10, 25, 6, 59), BERLIN, DAY, utc(2026, 10, 25, 7)),
        (utc(2026, 10, 25, 17, 59), BERLIN, DAY, utc(2026, 10, 25, 17, 59)),
        (utc(2026, 10, 25, 18), BERLIN, DAY, utc(2026, 10, 26, 7)),
        # No quiet hours.
        (utc(2026, 6, 10, 3), NY, None, utc(2026, 6, 10, 3)),
    ],
)
def test_next_open(at, tz, hours, expected):
    found = next_open(at, tz, hours)
    assert found == expected
    assert found.tzinfo is UTC


def test_next_open_takes_any_aware_time_and_answers_in_utc():
    berlin = datetime(2026, 6, 10, 6, 0, tzinfo=ZoneInfo(BERLIN))
    assert next_open(berlin, BERLIN, DAY) == utc(2026, 6, 10, 6)
    assert next_open(berlin, BERLIN, DAY).tzinfo is UTC
    offset = datetime(2026, 6, 10, 20, 0, tzinfo=timezone(timedelta(hours=-4)))  # 20:00 EDT
    assert next_open(offset, NY, DAY) == utc(2026, 6, 11, 12)
    assert next_open(offset, NY, None) == utc(2026, 6, 11, 0)
    with pytest.raises(ValueError):
        next_open(datetime(2026, 6, 10, 12), NY, DAY)


def test_is_open():
    assert is_open(utc(2026, 6, 10, 12), NY, DAY)
    assert not is_open(utc(2026, 6, 10, 23), NY, DAY)
    assert is_open(utc(2026, 6, 10, 3), NY, None)


ZONES = st.sampled_from(
    [
        NY,
        BERLIN,
        "UTC",
        "Asia/Kolkata",
        "Australia/Sydney",
        "Australia/Lord_Howe",  # a half-hour change
        "America/Santiago",  # changes at midnight
        "America/Havana",  # changes at midnight, into the day before
        "Pacific/Chatham",
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
# Instants near the changes above, where mistakes hide.
NEAR_CHANGES = st.sampled_from(
    [utc(2027, 3, 14, 7), utc(2026, 11, 1, 6), utc(2026, 3, 29, 1), utc(2026, 10, 25, 1),
     utc(2026, 4, 5, 4), utc(2026, 9, 6, 4), utc(2026, 3, 8, 5), utc(2026, 11, 1, 5)]
).flatmap(
    lambda change: st.integers(min_value=-36 * 3600, max_value=36 * 3600).map(
        lambda seconds: change + timedelta(seconds=seconds)
    )
)  # fmt: skip


def _within(instant: datetime, tz: str, hours: WorkHours) -> bool:
    """The oracle, written apart from the module: the local wall clock in [start, end)."""
    wall = instant.astimezone(ZoneInfo(tz)).time().replace(fold=0)
    return hours.start <= wall < hours.end


@settings(max_examples=300, deadline=None)
@given(st.one_of(INSTANTS, NEAR_CHANGES), ZONES, SPANS)
def test_next_open_is_the_first_instant_within_the_hours(at, tz, span):
    hours = WorkHours(*span)
    found = next_open(at, tz, hours)
    assert found >= at
    assert found.tzinfo is UTC
    assert _within(found, tz, hours)
    if found == at:
        return
    assert not _within(at, tz, hours)
    assert found - at < timedelta(days=3)
    # Hours open on a whole minute (start times and the zones' changes are whole minutes),
    # so every instant within them before `found` would show at a minute boundary.
    minute = (at + timedelta(minutes=1)).replace(second=0, microsecond=0)
    while minute < found:
        assert not _within(minute, tz, hours), minute
        minute += timedelta(minutes=1)
    assert not _within(found - timedelta(microseconds=1), tz, hours)


@given(st.one_of(INSTANTS, NEAR_CHANGES), ZONES)
def test_no_quiet_hours_is_now(at, tz):
    assert next_open(at, tz, None) == at


# --- celebrate ------------------------------------------------------------------------------


def test_celebrate_kinds():
    assert celebrate_kinds("hits,team") == frozenset({"hits", "team"})
    assert celebrate_kinds("deals,hits,team") == frozenset(CELEBRATE_KINDS)
    assert celebrate_kinds("deals") == frozenset({"deals"})
    assert celebrate_kinds("off") == frozenset()
    assert celebrate_kinds("") == frozenset()
    assert celebrate_kinds(" Deals , hits,bogus") == frozenset({"deals", "hits"})


SUBSETS = [frozenset(c) for n in range(4) for c in combinations(CELEBRATE_KINDS, n)]


@pytest.mark.parametrize("kinds", SUBSETS, ids=lambda k: ",".join(sorted(k)) or "off")
def test_celebrate_setting_round_trips(kinds):
    stored = celebrate_setting(kinds)
    assert celebrate_kinds(stored) == kinds
    assert stored == (",".join(k for k in CELEBRATE_KINDS if k in kinds) or "off")
    assert len(stored) <= 40  # Team.celebrate's column
