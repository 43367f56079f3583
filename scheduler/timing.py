"""When a team's job runs, in pure functions: occurrences of a schedule in the team's zone,
the last one due, the next one, and whether a missed one is still worth running.

A schedule is weekdays plus a wall-clock time in the team's IANA zone. Daylight saving:
a time inside the spring-forward gap runs at the same distance past the change (02:30
becomes 03:30), and a time in the repeated autumn hour runs once, at its first instance.
Each occurrence is named by its team-local date: a job runs at most once a day per team,
and that date is the period part of every delivery key of the run.

Holidays (the team's `WorkCalendar`): an occurrence scheduled on one of the team's holidays
posts nothing that day. A nudge, lagging alert or weekly digest moves to the schedule's
time on the team's next working day, keeping its name (so the moved run and the original
are one run: exactly once holds by the same keys); a log reminder is skipped. A nudge or
alert whose next working day is in a later week is skipped (it is about the current week);
a digest moved into a later week still reports on its own week, built as of that week's
last moment. A day outside the work week that the team scheduled a job on is not a
holiday: the job runs there as scheduled. `runs_between`, `last_due` and `next_after`
with a calendar give the runs as they happen; without one, the occurrences as scheduled.

A weekly job (nudge, lagging alert, digest) posts in a team-local week at most as often as
its schedule has days — once for the default one-day schedules — whatever happens to the
schedule during the week (`week_has_room`): moved from Wednesday to Thursday after
Wednesday's run, it does not post again on Thursday. The week is the one the run is about:
the week of its scheduled date (a digest moved into the next week counts in its own week).
A log reminder is daily: once per team-local day, by its name alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.calendars import MON_FRI, WorkCalendar
from bot.core.periods import Period, PeriodKind
from bot.core.schedules import JobSchedule, decode_days

LOOKBACK_DAYS = 8  # far enough back to see last week's run of a weekly job
DIGEST_GRACE = timedelta(days=1)  # SPEC §5: a missed digest is caught up within a day
# How far a holiday may push a run: the next working day is looked for this many days on;
# a team with no working day in that span gets no run for the occurrence.
MAX_MOVE_DAYS = 14
# Jobs that move to the next working day when scheduled on a holiday (the log reminder,
# about "today", is skipped instead).
MOVABLE_JOBS = ("nudge", "lagging-alert", "weekly-digest")
# Jobs about the week: each posts in a team-local week at most once per day of its
# schedule (the log reminder is about the day, and runs once per day).
WEEKLY_JOBS = ("nudge", "lagging-alert", "weekly-digest")


@dataclass(frozen=True)
class Occurrence:
    job: str
    local_date: date  # the team-local date it was scheduled for: its name (key) and period
    at: datetime  # the instant it runs, UTC: the scheduled one, or a holiday's moved one
    # The instant its content is built as of, when not `at`: a digest moved past the end of
    # its week is built as of that week's last moment, so it still reports on its own week.
    as_of: datetime | None = None
    moved: bool = False  # scheduled on a holiday, run on the next working day

    @property
    def key(self) -> str:
        return self.local_date.isoformat()

    @property
    def built_at(self) -> datetime:
        """The instant the job's builder reads the team as of."""
        return self.as_of or self.at


def team_calendar(workweek: str | None, country: str | None) -> WorkCalendar:
    """A team's working calendar from its stored work week and holiday country, as
    bot.services.reports.team_facts builds it."""
    return WorkCalendar(workweek=decode_days(workweek) or MON_FRI, country=country)


def week_of(local_date: date) -> Period:
    """The Monday–Sunday week containing a team-local date."""
    return Period.containing(PeriodKind.WEEK, local_date)


def week_end_instant(local_date: date, tz: str) -> datetime:
    """The last second of the team-local week containing `local_date` (Sunday 23:59:59), UTC."""
    return instant(week_of(local_date).end + timedelta(days=1), time(0, 0), tz) - timedelta(
        seconds=1
    )


def next_working_day(calendar: WorkCalendar, day: date) -> date | None:
    """The first day after `day` that the team works (work week, not a holiday), within
    MAX_MOVE_DAYS."""
    for ahead in range(1, MAX_MOVE_DAYS + 1):
        candidate = day + timedelta(days=ahead)
        if calendar.is_workday(candidate):
            return candidate
    return None


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


def on_calendar(
    occurrence: Occurrence, schedule: JobSchedule, tz: str, calendar: WorkCalendar | None
) -> Occurrence | None:
    """The run a scheduled occurrence stands for on the team's calendar: itself, unless its
    date is one of the team's holidays. Then a log reminder is skipped (None); a nudge,
    alert or digest runs at the schedule's time on the next working day, under its own
    name. Skipped too: a nudge or alert whose next working day is in a later week (its week
    has ended), and a moved run overtaken by a later occurrence of the job in its week on
    or before the day it would move to (that one reports on the same week, later)."""
    if calendar is None or not calendar.is_holiday(occurrence.local_date):
        return occurrence
    if occurrence.job not in MOVABLE_JOBS or schedule.at is None:
        return None
    day = next_working_day(calendar, occurrence.local_date)
    if day is None:
        return None
    week = week_of(occurrence.local_date)
    if day > week.end and occurrence.job != "weekly-digest":
        return None
    later = occurrence.local_date + timedelta(days=1)
    while later <= min(day, week.end):
        if occurrence_on(schedule, later, tz) is not None:
            return None
        later += timedelta(days=1)
    as_of = week_end_instant(occurrence.local_date, tz) if day > week.end else None
    return replace(occurrence, at=instant(day, schedule.at, tz), as_of=as_of, moved=True)


def runs_between(
    schedule: JobSchedule,
    tz: str,
    start: datetime,
    end: datetime,
    calendar: WorkCalendar | None = None,
) -> list[Occurrence]:
    """The runs with start < at <= end, in the order they run: the occurrences on the
    team's calendar (holidays moved or skipped), or as scheduled without a calendar."""
    if calendar is None:
        return occurrences_between(schedule, tz, start, end)
    # A run moved by a holiday was scheduled up to MAX_MOVE_DAYS (and an hour's daylight
    # saving) before it runs.
    scheduled = occurrences_between(schedule, tz, start - timedelta(days=MAX_MOVE_DAYS + 1), end)
    found = [run for o in scheduled if (run := on_calendar(o, schedule, tz, calendar)) is not None]
    return sorted(
        (run for run in found if start < run.at <= end), key=lambda run: (run.at, run.local_date)
    )


def occurrences_between(
    schedule: JobSchedule, tz: str, start: datetime, end: datetime
) -> list[Occurrence]:
    """Occurrences as scheduled with start < at <= end, oldest first."""
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


def last_due(
    schedule: JobSchedule, tz: str, now: datetime, calendar: WorkCalendar | None = None
) -> Occurrence | None:
    """The latest run at or before `now` within the lookback window (on the team's
    calendar when given, else as scheduled)."""
    found = runs_between(schedule, tz, now - timedelta(days=LOOKBACK_DAYS), now, calendar)
    return found[-1] if found else None


def next_after(
    schedule: JobSchedule, tz: str, now: datetime, calendar: WorkCalendar | None = None
) -> Occurrence | None:
    found = runs_between(schedule, tz, now, now + timedelta(days=LOOKBACK_DAYS), calendar)
    return found[0] if found else None


def runs_a_week(schedule: JobSchedule) -> int:
    """How often a weekly job may post in one team-local week: once per day of its
    schedule (each weekday is in a Monday–Sunday week once); never when it is off."""
    return len(set(schedule.days or ())) if schedule.enabled else 0


def week_has_room(occurrence: Occurrence, schedule: JobSchedule, ran: Iterable[date]) -> bool:
    """May this run of the team's job post, given the scheduled dates (occurrence names) of
    the job's runs already recorded for the team? A weekly job: only while its week (the
    week of the occurrence's scheduled date) has fewer other runs than its schedule, as it
    is now, has days — so a schedule changed within the week never posts a second time
    for the week. A log reminder: always (it is daily; its name keeps it to once a day)."""
    if occurrence.job not in WEEKLY_JOBS:
        return True
    week = week_of(occurrence.local_date)
    others = {day for day in ran if week.start <= day <= week.end and day != occurrence.local_date}
    return len(others) < runs_a_week(schedule)


def next_posting(
    schedule: JobSchedule,
    tz: str,
    now: datetime,
    calendar: WorkCalendar | None,
    ran: Iterable[date],
) -> tuple[Occurrence | None, Occurrence | None]:
    """The next run after `now` that will post, given the scheduled dates of the job's runs
    already recorded for the team, and the first one passed over because its week already
    has its runs (None when none is): `jobs list` and `next_run` show what will happen."""
    ran = set(ran)
    skipped = None
    upcoming = next_after(schedule, tz, now, calendar)
    for _ in range(3):  # a week after a full one has no runs yet
        if upcoming is None or week_has_room(upcoming, schedule, ran):
            return upcoming, skipped
        skipped = skipped or upcoming
        after = max(upcoming.at, week_end_instant(upcoming.local_date, tz))
        upcoming = next_after(schedule, tz, after, calendar)
    return None, skipped


def still_relevant(occurrence: Occurrence, tz: str, now: datetime) -> bool:
    """May a run missed while the app was down still go out at `now`? A digest up to a day
    late; a nudge or an alert while its week lasts (never for a week that is over); a log
    reminder only on its own day. A run moved by a holiday is late from its moved instant."""
    if now < occurrence.at:
        return False
    today = now.astimezone(ZoneInfo(tz)).date()
    if occurrence.job == "weekly-digest":
        return now - occurrence.at <= DIGEST_GRACE
    if occurrence.job == "log-reminder":
        return today == occurrence.local_date
    week = Period.containing(PeriodKind.WEEK, occurrence.local_date)
    return week.start <= today <= week.end
