"""When a team's job runs, in pure functions: occurrences of a schedule in the team's zone,
the last one due, the next one, and whether a missed one is still worth running.

A schedule is weekdays plus a wall-clock time in the team's IANA zone. Daylight saving:
a time inside the spring-forward gap runs at the same distance past the change (02:30
becomes 03:30), and a time in the repeated autumn hour runs once, at its first instance.
Each occurrence is named by its team-local date: a job runs at most once a day per team,
and that date is the period part of every delivery key of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.periods import Period, PeriodKind
from bot.core.schedules import JobSchedule

LOOKBACK_DAYS = 8  # far enough back to see last week's run of a weekly job
DIGEST_GRACE = timedelta(days=1)  # SPEC §5: a missed digest is caught up within a day


@dataclass(frozen=True)
class Occurrence:
    job: str
    local_date: date  # the team-local date of the run
    at: datetime  # the instant, UTC

    @property
    def key(self) -> str:
        return self.local_date.isoformat()


def instant(local_date: date, at: time, tz: str) -> datetime:
    """The UTC instant of a wall-clock time on a local date. fold=0 picks the first of a
    repeated autumn time; a spring-forward gap time resolves with the offset before the
    change, which lands the same distance past it."""
    zone = ZoneInfo(tz)
    local = datetime.combine(local_date, at, tzinfo=zone)
    return local.astimezone(UTC)


def occurrence_on(schedule: JobSchedule, local_date: date, tz: str) -> Occurrence | None:
    if not schedule.enabled:
        return None
    assert schedule.days is not None and schedule.at is not None
    if local_date.weekday() not in schedule.days:
        return None
    return Occurrence(schedule.job, local_date, instant(local_date, schedule.at, tz))


def occurrences_between(schedule: JobSchedule, tz: str, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences with start < at <= end, oldest first."""
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found = []
    day = first
    while day <= last:
        occurrence = occurrence_on(schedule, day, tz)
        if occurrence is not None and start < occurrence.at <= end:
            found.append(occurrence)
        day += timedelta(days=1)
    return found


def last_due(schedule: JobSchedule, tz: str, now: datetime) -> Occurrence | None:
    """The latest occurrence at or before `now` within the lookback window."""
    found = occurrences_between(schedule, tz, now - timedelta(days=LOOKBACK_DAYS), now)
    return found[-1] if found else None


def next_after(schedule: JobSchedule, tz: str, now: datetime) -> Occurrence | None:
    found = occurrences_between(schedule, tz, now, now + timedelta(days=LOOKBACK_DAYS))
    return found[0] if found else None


def still_relevant(occurrence: Occurrence, tz: str, now: datetime) -> bool:
    """May a run missed while the app was down still go out at `now`? A digest up to a day
    late; a nudge or an alert while its week lasts (never for a week that is over); a log
    reminder only on its own day."""
    if now < occurrence.at:
        return False
    today = now.astimezone(ZoneInfo(tz)).date()
    if occurrence.job == "weekly-digest":
        return now - occurrence.at <= DIGEST_GRACE
    if occurrence.job == "log-reminder":
        return today == occurrence.local_date
    week = Period.containing(PeriodKind.WEEK, occurrence.local_date)
    return week.start <= today <= week.end
