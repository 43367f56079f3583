"""Live wins: what a team celebrates, and the hours its channel may be posted to.

Pure. `Team.celebrate` is a comma list of CELEBRATE_KINDS in that order, or "off";
`Team.work_hours` is a local "HH:MM-HH:MM" in the team's time zone, or "any".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.mentions import shorten

CELEBRATE_KINDS = ("deals", "hits", "team")
CELEBRATE_OFF = "off"
CELEBRATE_DEFAULT = "hits,team"
ANY_HOURS = "any"
DEFAULT_WORK_HOURS = "08:00-19:00"
ANY_HOURS_WORDS = ("any", "off", "none", "24h", "24/7", "always")

_STORED = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")
_CLOCK = r"(?P<{0}h>[0-9]{{1,2}})(?::(?P<{0}m>[0-9]{{2}}))?\s*(?P<{0}ap>[ap]\.?m\.?)?"
_RANGE = re.compile(
    _CLOCK.format("s") + r"\s*(?:-|–|—|to|till|until)\s*" + _CLOCK.format("e"), re.IGNORECASE
)


@dataclass(frozen=True)
class WorkHours:
    """One span of local wall-clock time each day: [start, end), start before end."""

    start: time
    end: time

    @classmethod
    def from_setting(cls, value: str) -> WorkHours | None:
        """The stored `Team.work_hours` ("08:00-19:00"); None for "any" (no quiet hours).
        A value that is neither raises ValueError."""
        if value.strip().lower() == ANY_HOURS:
            return None
        match = _STORED.fullmatch(value.strip())
        if match is None:
            raise ValueError(f"not a work-hours setting: {value!r}")
        sh, sm, eh, em = (int(part) for part in match.groups())
        start, end = time(sh, sm), time(eh, em)
        if not start < end:
            raise ValueError(f"work hours must start before they end: {value!r}")
        return cls(start, end)

    @property
    def setting(self) -> str:
        """The stored form, "08:00-19:00"."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, wall: time) -> bool:
        """Whether a local wall-clock time of day is within the hours."""
        return self.start <= wall.replace(tzinfo=None, fold=0) < self.end


def parse_work_hours(text: str, example: str) -> str:
    """`08:00-19:00`, `8-19`, `8:00–19:00`, `8am-7pm`, `9:30 am to 5 pm` → "HH:MM-HH:MM";
    `any`, `off`, `none`, `24h` → "any". One span within a day: start before end."""
    value = " ".join(text.split())
    if value.lower() in ANY_HOURS_WORDS:
        return ANY_HOURS
    match = _RANGE.fullmatch(value)
    if match is None:
        raise UserError(
            f'"{shorten(value)}" is not a range of hours — write start-end, such as '
            "08:00-19:00, 8-19 or 8am-7pm, or any for no quiet hours.",
            example,
        )
    start = _clock(match, "s", value, example)
    end = _clock(match, "e", value, example)
    if start == end:
        raise UserError(
            f"{start:%H:%M}-{end:%H:%M} is empty — give a start before the end, such as "
            "08:00-19:00, or any for no quiet hours.",
            example,
        )
    if start > end:
        raise UserError(
            f"{start:%H:%M}-{end:%H:%M} runs overnight — hours are one span within a day, "
            "start before end, such as 08:00-19:00 (24-hour times; or 8am-7pm); any posts at any hour.",
            example,
        )
    return WorkHours(start, end).setting


def _clock(match: re.Match[str], side: str, value: str, example: str) -> time:
    hour, minute = int(match[f"{side}h"]), int(match[f"{side}m"] or 0)
    meridiem = (match[f"{side}ap"] or "").lower().replace(".", "")
    shown = match[f"{side}h"] + (f":{match[f'{side}m']}" if match[f"{side}m"] else "") + meridiem
    if meridiem:
        if not 1 <= hour <= 12 or minute > 59:
            raise UserError(
                f'"{shown}" is not a time of day — with am or pm, hours run 1 to 12 '
                "and minutes 00 to 59.",
                example,
            )
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23 or minute > 59:
        ends_at_midnight = side == "e" and hour == 24 and minute == 0
        raise UserError(
            f'"{shown}" is not a time of day — hours run 00 to 23 and minutes 00 to 59'
            + (" (end by 23:59, or use any for no quiet hours)." if ends_at_midnight else "."),
            example,
        )
    return time(hour, minute)


def is_open(at: datetime, tz: str, hours: WorkHours | None) -> bool:
    """Whether an aware instant falls within the hours, in the zone's local time."""
    return hours is None or hours.contains(at.astimezone(ZoneInfo(tz)).time())


def next_open(at: datetime, tz: str, hours: WorkHours | None) -> datetime:
    """`at` (aware) when it is within the hours, else the next instant they open, as aware
    UTC: today's start if before it, else a later day's.

    Days follow the zone's calendar, so a daylight-saving change moves the UTC instant, not
    the local time. The hours open where the wall clock reaches the start — on a fall-back
    day a start inside the repeated hour is reached twice — or where a clock change jumps
    into them: a start the clocks skip (02:30 on a spring-forward day) opens at the first
    instant after the gap, 03:00.
    """
    if at.tzinfo is None:
        raise ValueError("next_open needs an aware datetime")
    at = at.astimezone(UTC)
    if is_open(at, tz, hours):
        return at
    assert hours is not None
    zone = ZoneInfo(tz)
    first = _next_start(at, hours, zone)
    # A clock change before that start may jump the wall clock into the hours.
    for change in _changes(at, first, zone):
        if is_open(change, tz, hours):
            return change
    return first


def _next_start(at: datetime, hours: WorkHours, zone: ZoneInfo) -> datetime:
    """The first instant at or after `at` whose wall-clock time is the start."""
    today = at.astimezone(zone).date()
    found = []
    # From the day before: a clock change at midnight can take the wall clock back a day.
    for offset in range(-1, 5):
        wall = datetime.combine(today + timedelta(days=offset), hours.start)
        for fold in (0, 1):
            instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
            # A time the clocks skip has no instant (the change itself is the opening).
            if instant >= at and instant.astimezone(zone).replace(tzinfo=None) == wall:
                found.append(instant)
    if found:
        return min(found)
    raise AssertionError(f"no {hours.start} within five days of {at} in {zone}")  # pragma: no cover


def _changes(start: datetime, end: datetime, zone: ZoneInfo) -> list[datetime]:
    """The instants in (start, end) where the zone's UTC offset changes, to the second:
    offsets are compared an hour apart (zones change them at most once in that time)."""
    changes = []
    low = start
    while low < end:
        high = min(low + _STEP, end)
        if high.astimezone(zone).utcoffset() != low.astimezone(zone).utcoffset():
            changes.append(_change_between(low, high, zone))
        low = high
    return changes


_STEP = timedelta(hours=1)


def _change_between(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """The first whole second in (low, high] with high's offset (tzdata changes fall on
    whole seconds)."""
    after = high.astimezone(zone).utcoffset()
    lo, hi = math.floor(low.timestamp()), math.ceil(high.timestamp())
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == after:
            hi = middle
        else:
            lo = middle
    return datetime.fromtimestamp(hi, UTC)


def celebrate_kinds(value: str) -> frozenset[str]:
    """The kinds of win a stored `Team.celebrate` names: "hits,team" → {"hits", "team"};
    "off" (or nothing) → empty. Words that are not kinds are ignored."""
    words = {word.strip().lower() for word in value.split(",")}
    return frozenset(word for word in words if word in CELEBRATE_KINDS)


def celebrate_setting(kinds: frozenset[str] | set[str]) -> str:
    """The stored form of a set of kinds, in canonical order; "off" when empty."""
    known = [kind for kind in CELEBRATE_KINDS if kind in kinds]
    return ",".join(known) if known else CELEBRATE_OFF
