"""When jobs run: the team's wall clock across daylight-saving changes, and which missed
runs are still worth catching up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.schedules import DEFAULT_SCHEDULES, JobSchedule
from scheduler.timing import (
    Occurrence,
    instant,
    last_due,
    next_after,
    occurrences_between,
    still_relevant,
)

NY, SYDNEY = "America/New_York", "Australia/Sydney"
NUDGE = DEFAULT_SCHEDULES["nudge"]  # Wed 10:00
DIGEST = DEFAULT_SCHEDULES["weekly-digest"]  # Fri 16:00
DAILY = tuple(range(7))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_new_york_nudge_keeps_ten_oclock_across_the_autumn_change():
    # DST ends Sunday 1 November 2026: 10:00 is 14:00 UTC before, 15:00 UTC after.
    found = occurrences_between(NUDGE, NY, utc(2026, 10, 26), utc(2026, 11, 9))
    assert [(o.local_date, o.at) for o in found] == [
        (date(2026, 10, 28), utc(2026, 10, 28, 14)),
        (date(2026, 11, 4), utc(2026, 11, 4, 15)),
    ]


def test_new_york_spring_change():
    # DST starts Sunday 8 March 2026.
    found = occurrences_between(NUDGE, NY, utc(2026, 3, 2), utc(2026, 3, 16))
    assert [o.at for o in found] == [utc(2026, 3, 4, 15), utc(2026, 3, 11, 14)]


def test_sydney_digest_keeps_four_pm_across_both_changes():
    # Sydney: DST starts Sunday 4 October 2026 (+10 → +11), ends Sunday 5 April 2026.
    spring = occurrences_between(DIGEST, SYDNEY, utc(2026, 9, 28), utc(2026, 10, 12))
    assert [o.at for o in spring] == [utc(2026, 10, 2, 6), utc(2026, 10, 9, 5)]
    autumn = occurrences_between(DIGEST, SYDNEY, utc(2026, 3, 29), utc(2026, 4, 13))
    assert [o.at for o in autumn] == [utc(2026, 4, 3, 5), utc(2026, 4, 10, 6)]
    # Friday 16:00 in Sydney is still Friday there, though Friday 05:00 UTC.
    assert [o.local_date.weekday() for o in spring + autumn] == [4, 4, 4, 4]


def test_a_time_in_the_spring_gap_runs_once_just_after_it():
    schedule = JobSchedule("log-reminder", DAILY, time(2, 30))
    found = occurrences_between(schedule, NY, utc(2026, 3, 7, 12), utc(2026, 3, 9, 12))
    on_the_day = [o for o in found if o.local_date == date(2026, 3, 8)]
    # 02:30 does not exist on 8 March; it runs at 03:30 EDT (07:30 UTC), once.
    assert [o.at for o in on_the_day] == [utc(2026, 3, 8, 7, 30)]


def test_a_time_in_the_repeated_autumn_hour_runs_once_at_its_first_instance():
    schedule = JobSchedule("log-reminder", DAILY, time(1, 30))
    found = occurrences_between(schedule, NY, utc(2026, 10, 31, 12), utc(2026, 11, 2, 12))
    on_the_day = [o for o in found if o.local_date == date(2026, 11, 1)]
    assert [o.at for o in on_the_day] == [utc(2026, 11, 1, 5, 30)]  # 01:30 EDT, not 01:30 EST


def test_instant_is_utc():
    assert instant(date(2026, 7, 1), time(9, 0), SYDNEY) == utc(2026, 6, 30, 23)


def test_last_due_and_next_after():
    now = utc(2026, 11, 26, 12)  # Thursday
    assert last_due(NUDGE, NY, now) == Occurrence(
        "nudge", date(2026, 11, 25), utc(2026, 11, 25, 15)
    )
    assert next_after(NUDGE, NY, now) == Occurrence(
        "nudge", date(2026, 12, 2), utc(2026, 12, 2, 15)
    )
    # Exactly at the time counts as due, not as next.
    assert last_due(NUDGE, NY, utc(2026, 11, 25, 15)).local_date == date(2026, 11, 25)
    assert next_after(NUDGE, NY, utc(2026, 11, 25, 15)).local_date == date(2026, 12, 2)


def test_a_disabled_schedule_never_runs():
    off = DEFAULT_SCHEDULES["log-reminder"]
    assert last_due(off, NY, utc(2026, 11, 26)) is None
    assert next_after(off, NY, utc(2026, 11, 26)) is None


def test_a_week_that_spans_two_months():
    # Week of Mon 30 Nov – Sun 6 Dec 2026: the nudge is on Wed 2 Dec, still that week.
    occurrence = next_after(NUDGE, NY, utc(2026, 11, 30, 12))
    assert occurrence.local_date == date(2026, 12, 2)
    assert still_relevant(occurrence, NY, utc(2026, 12, 6, 23))  # Sunday evening in New York
    assert not still_relevant(occurrence, NY, utc(2026, 12, 7, 5, 1))  # Monday 00:01 there


@pytest.mark.parametrize(
    ("late", "relevant"),
    [
        (timedelta(0), True),
        (timedelta(hours=23, minutes=59), True),
        (timedelta(days=1, minutes=1), False),
    ],
)
def test_a_digest_is_caught_up_within_a_day(late, relevant):
    occurrence = Occurrence("weekly-digest", date(2026, 11, 20), utc(2026, 11, 20, 21))
    assert still_relevant(occurrence, NY, occurrence.at + late) is relevant


def test_a_nudge_is_caught_up_while_its_week_lasts_never_after():
    occurrence = Occurrence("nudge", date(2026, 11, 25), utc(2026, 11, 25, 15))
    assert still_relevant(occurrence, NY, utc(2026, 11, 29, 12))  # Sunday
    assert not still_relevant(occurrence, NY, utc(2026, 11, 30, 12))  # next Monday
    assert not still_relevant(occurrence, NY, utc(2026, 11, 25, 14))  # not due yet


def test_a_log_reminder_only_on_its_own_day_in_the_teams_zone():
    occurrence = Occurrence(
        "log-reminder", date(2026, 11, 25), utc(2026, 11, 25, 22)
    )  # 17:00 New York
    assert still_relevant(occurrence, NY, utc(2026, 11, 26, 4, 59))  # 23:59 there
    assert not still_relevant(occurrence, NY, utc(2026, 11, 26, 5, 0))
    assert not still_relevant(
        occurrence, SYDNEY, utc(2026, 11, 26, 4)
    )  # 15:00 on the 26th in Sydney
