"""Schedule changes within a week, and teams created mid-week: a weekly job (nudge, lagging
alert, digest) posts in a team-local week at most as often as its schedule has days — once
for a one-day schedule — whatever `/team schedule` does during the week; a team gets no
catch-up of runs from before it existed; log reminders stay once a day. Driven by an
injected clock through the cron firing, the catch-up sweep and `paceline jobs run`, on
SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from test_runner import Builders, service_for

from bot.core.schedules import DEFAULT_SCHEDULES, JobSchedule
from scheduler import jobs_cli
from scheduler.runner import JobRunner
from scheduler.timing import Occurrence, runs_a_week, week_has_room
from storage.models import JobRun, Outbox, Team, Workspace

NY = "America/New_York"
NEW_YORK = ZoneInfo(NY)
JOBS = ("nudge", "lagging-alert", "weekly-digest", "log-reminder")


def ny(*args: int) -> datetime:
    """A New York wall-clock time as a UTC instant."""
    return datetime(*args, tzinfo=NEW_YORK).astimezone(UTC)


def nudge(day: date, hour: int = 10) -> Occurrence:
    return Occurrence("nudge", day, ny(day.year, day.month, day.day, hour))


# ---------------------------------------------------------------------------- the rule, pure


def test_a_one_day_weekly_job_has_room_for_one_run_a_week():
    wednesday = DEFAULT_SCHEDULES["nudge"]
    thursday = JobSchedule("nudge", (3,), time(10, 0))
    assert runs_a_week(wednesday) == 1
    # Ran Wednesday 2 Dec; moved to Thursday: Thursday's is a second run of the week.
    assert not week_has_room(nudge(date(2026, 12, 3)), thursday, {date(2026, 12, 2)})
    # The same occurrence again is not "another" run (its name keeps it once).
    assert week_has_room(nudge(date(2026, 12, 2)), wednesday, {date(2026, 12, 2)})
    # Next week is a new week; last Sunday belongs to last week.
    assert week_has_room(
        nudge(date(2026, 12, 10)), thursday, {date(2026, 12, 2), date(2026, 12, 6)}
    )
    assert not week_has_room(nudge(date(2026, 12, 10)), thursday, {date(2026, 12, 7)})


def test_several_days_a_week_have_room_for_one_run_each_and_off_for_none():
    mon_wed = JobSchedule("nudge", (0, 2), time(10, 0))
    assert runs_a_week(mon_wed) == 2
    assert week_has_room(nudge(date(2026, 12, 2)), mon_wed, {date(2026, 11, 30)})
    assert not week_has_room(
        nudge(date(2026, 12, 3)), mon_wed, {date(2026, 11, 30), date(2026, 12, 2)}
    )
    off = JobSchedule("nudge", None, None)
    assert runs_a_week(off) == 0 and not week_has_room(nudge(date(2026, 12, 2)), off, set())


def test_a_digest_moved_into_the_next_week_counts_in_its_own_week_and_reminders_are_daily():
    digest = DEFAULT_SCHEDULES["weekly-digest"]
    christmas = Occurrence("weekly-digest", date(2026, 12, 25), ny(2026, 12, 28, 16), moved=True)
    assert week_has_room(christmas, digest, {date(2026, 12, 28)})
    assert not week_has_room(
        Occurrence("weekly-digest", date(2027, 1, 1), ny(2027, 1, 1, 16)),
        digest,
        {date(2026, 12, 28)},
    )
    reminder = JobSchedule("log-reminder", (0, 1, 2, 3, 4), time(17, 0))
    week = {date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)}
    assert week_has_room(
        Occurrence("log-reminder", date(2026, 12, 3), ny(2026, 12, 3, 17)), reminder, week
    )


# ---------------------------------------------------------------------------- the service


@pytest.fixture
def sws(workspace):
    """Team east (New York, no holiday calendar), created Fri 20 Nov 2026, nudges only."""
    admin = workspace.user("ada", admin=True)
    workspace.team(admin, f"create east <#CEAST01|sales-east> tz {NY}")
    for job in JOBS:
        if job != "nudge":
            workspace.team(admin, f"schedule east {job} off")
    with workspace.app.paceline.db.read() as session:
        workspace.id = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
    workspace.admin = admin
    yield workspace
    with workspace.app.paceline.db.write() as session:
        session.execute(sa.delete(Outbox).where(Outbox.workspace_id == workspace.id))


def team_id(ws, name: str) -> int:
    return next(t.id for t in ws.rows(Team) if t.name == name)


def runs(ws, team: str = "east") -> list[tuple[str, str, datetime]]:
    """(job, occurrence, recorded run instant in New York) of the team's runs."""
    wanted = team_id(ws, team)
    return sorted(
        (r.job, r.occurrence, _aware(r.scheduled_for).astimezone(NEW_YORK).replace(tzinfo=None))
        for r in ws.rows(JobRun)
        if r.team_id == wanted
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def schedule(ws, service, text: str, at: datetime) -> None:
    """`/team schedule …` at `at`, then the service re-plans (as after a /team change)."""
    ws.app.clock.set(at)
    reply = ws.team(ws.admin, f"schedule {text}")
    assert " is now " in reply, reply
    service.sync()


def fire(service, ws, job: str, at: datetime, team: str = "east") -> None:
    """The team's cohort's cron trigger firing at `at` by the injected clock."""
    ws.app.clock.set(at)
    scheduled = service.scheduled_job(ws.id, team_id(ws, team), job)
    scheduled.func(*scheduled.args)


def sweep(service, ws, *instants: datetime) -> None:
    """The service's sweep at each instant, kept to this workspace (the database is shared)."""
    for at in instants:
        ws.app.clock.set(at)
        service.sync()
        service.runner.sweep(at, workspace_ids=[ws.id])


def test_a_nudge_moved_to_a_later_day_after_it_ran_posts_no_second_nudge_that_week(sws):
    ws = sws
    service = service_for(ws, Builders())
    ws.app.clock.set(ny(2026, 12, 2, 9))
    service.sync()
    try:
        fire(service, ws, "nudge", ny(2026, 12, 2, 10))  # Wednesday 10:00: this week's nudge
        assert runs(ws) == [("nudge", "2026-12-02", datetime(2026, 12, 2, 10))]
        # Wednesday afternoon: nudges move to Thursdays. Thursday's cron firing and every
        # sweep until the week ends post nothing.
        schedule(ws, service, "east nudge thu 10:00", ny(2026, 12, 2, 14))
        assert service.next_run(ws.id, team_id(ws, "east"), "nudge") == ny(2026, 12, 10, 10)
        out = io.StringIO()
        jobs_cli.list_jobs(service, out, workspace=ws.team_id)
        assert "next Thu 10 Dec 10:00 EST (Thu 03 Dec not: that week has posted)" in out.getvalue()
        fire(service, ws, "nudge", ny(2026, 12, 3, 10))
        sweep(service, ws, ny(2026, 12, 3, 10, 1), ny(2026, 12, 4, 12), ny(2026, 12, 6, 23, 59))
        # Moved to Monday on Thursday: Monday's has passed, and the week has its nudge.
        schedule(ws, service, "east nudge mon 10:00", ny(2026, 12, 3, 15))
        sweep(service, ws, ny(2026, 12, 3, 15, 1), ny(2026, 12, 5, 9))
        assert runs(ws) == [("nudge", "2026-12-02", datetime(2026, 12, 2, 10))]
        # Next week is a new week: Monday's runs.
        fire(service, ws, "nudge", ny(2026, 12, 7, 10))
        assert runs(ws)[-1] == ("nudge", "2026-12-07", datetime(2026, 12, 7, 10))
        assert len(ws.rows(Outbox)) == 2
    finally:
        service.stop()


def test_a_nudge_moved_to_an_earlier_day_before_it_ran_runs_there_once(sws):
    ws = sws
    service = service_for(ws, Builders())
    try:
        # Monday: Wednesday's nudge moves to Tuesday. It runs Tuesday, once.
        schedule(ws, service, "east nudge tue 10:00", ny(2026, 11, 30, 12))
        fire(service, ws, "nudge", ny(2026, 12, 1, 10))
        sweep(service, ws, ny(2026, 12, 1, 10, 1), ny(2026, 12, 2, 10, 1))
        # Back to Wednesday on Tuesday afternoon: Wednesday's would be a second nudge.
        schedule(ws, service, "east nudge wed 10:00", ny(2026, 12, 1, 15))
        fire(service, ws, "nudge", ny(2026, 12, 2, 10))
        sweep(service, ws, ny(2026, 12, 2, 10, 1), ny(2026, 12, 4, 12))
        assert runs(ws) == [("nudge", "2026-12-01", datetime(2026, 12, 1, 10))]
        assert len(ws.rows(Outbox)) == 1
    finally:
        service.stop()


def test_a_schedule_moved_to_a_day_that_has_passed_before_the_weeks_run_catches_it_up_once(sws):
    ws = sws
    service = service_for(ws, Builders())
    try:
        schedule(ws, service, "east nudge fri 10:00", ny(2026, 11, 29, 12))
        # Thursday: Fridays become Wednesdays. The week has had no nudge: it goes out now, once.
        schedule(ws, service, "east nudge wed 10:00", ny(2026, 12, 3, 12))
        sweep(service, ws, ny(2026, 12, 3, 12, 1), ny(2026, 12, 4, 10, 1), ny(2026, 12, 6, 12))
        assert runs(ws) == [("nudge", "2026-12-02", datetime(2026, 12, 2, 10))]
        assert [r.job for r in ws.rows(JobRun)] == ["nudge"]
    finally:
        service.stop()


def test_a_team_created_on_thursday_gets_no_catch_up_of_that_weeks_earlier_jobs(sws):
    ws = sws
    service = service_for(ws, Builders())
    ws.app.clock.set(ny(2026, 12, 3, 12))  # Thursday noon
    ws.team(ws.admin, f"create west <#CWEST01|sales-west> tz {NY}")
    schedule(ws, service, "west nudge mon,wed 10:00", ny(2026, 12, 3, 12, 5))
    schedule(ws, service, "west log-reminder weekdays 11:00", ny(2026, 12, 3, 12, 6))
    try:
        # Monday's and Wednesday's nudges, Thursday 09:00's alert and 11:00's reminder were
        # before west existed: the sweep posts none of them.
        sweep(service, ws, ny(2026, 12, 3, 12, 7), ny(2026, 12, 3, 20), ny(2026, 12, 4, 9))
        assert runs(ws, "west") == []
        # What comes after it existed runs: Friday's reminder and digest, then next week's.
        sweep(
            service,
            ws,
            ny(2026, 12, 4, 11),
            ny(2026, 12, 4, 16),
            ny(2026, 12, 7, 10),
            ny(2026, 12, 9, 10),
            ny(2026, 12, 10, 9),
        )
        assert runs(ws, "west") == [
            ("lagging-alert", "2026-12-10", datetime(2026, 12, 10, 9)),
            ("log-reminder", "2026-12-04", datetime(2026, 12, 4, 11)),
            ("nudge", "2026-12-07", datetime(2026, 12, 7, 10)),
            ("nudge", "2026-12-09", datetime(2026, 12, 9, 10)),
            ("weekly-digest", "2026-12-04", datetime(2026, 12, 4, 16)),
        ]
    finally:
        service.stop()


def test_a_schedule_of_several_days_posts_once_a_day_and_a_change_adds_no_extra_run(sws):
    ws = sws
    service = service_for(ws, Builders())
    try:
        schedule(ws, service, "east nudge mon,wed 10:00", ny(2026, 11, 29, 12))
        sweep(service, ws, ny(2026, 11, 30, 10), ny(2026, 12, 2, 10))
        # Wednesday afternoon: Mondays and Thursdays. The week has had its two.
        schedule(ws, service, "east nudge mon,thu 10:00", ny(2026, 12, 2, 14))
        sweep(service, ws, ny(2026, 12, 3, 10), ny(2026, 12, 3, 12))
        # Thursday: three days a week from now on, so Friday's is the week's third.
        schedule(ws, service, "east nudge mon,wed,fri 10:00", ny(2026, 12, 3, 15))
        sweep(service, ws, ny(2026, 12, 4, 10))
        assert [key for _, key, _ in runs(ws)] == ["2026-11-30", "2026-12-02", "2026-12-04"]
    finally:
        service.stop()


def test_log_reminders_stay_once_a_day_through_schedule_changes(sws):
    ws = sws
    service = service_for(ws, Builders())
    try:
        schedule(ws, service, "east nudge off", ny(2026, 11, 29, 12))
        schedule(ws, service, "east log-reminder weekdays 17:00", ny(2026, 11, 29, 12, 1))
        sweep(service, ws, ny(2026, 11, 30, 17))
        # Monday evening, after Monday's reminder: 19:00 from now on. Not a second Monday one.
        schedule(ws, service, "east log-reminder weekdays 19:00", ny(2026, 11, 30, 18))
        sweep(
            service,
            ws,
            ny(2026, 11, 30, 19),
            ny(2026, 12, 1, 19),
            ny(2026, 12, 2, 19),
            ny(2026, 12, 3, 19),
            ny(2026, 12, 4, 19),
        )
        assert runs(ws) == [
            ("log-reminder", "2026-11-30", datetime(2026, 11, 30, 17)),
            ("log-reminder", "2026-12-01", datetime(2026, 12, 1, 19)),
            ("log-reminder", "2026-12-02", datetime(2026, 12, 2, 19)),
            ("log-reminder", "2026-12-03", datetime(2026, 12, 3, 19)),
            ("log-reminder", "2026-12-04", datetime(2026, 12, 4, 19)),
        ]
    finally:
        service.stop()


def test_a_christmas_digest_moved_to_monday_counts_in_its_own_week(sws):
    ws = sws
    ws.team(ws.admin, "set east holidays US")
    service = service_for(ws, Builders())
    try:
        schedule(ws, service, "east nudge off", ny(2026, 12, 20, 12))
        schedule(ws, service, "east weekly-digest fri 16:00", ny(2026, 12, 20, 12, 1))
        # Fri 25 Dec: nothing; its digest posts Mon 28 Dec 16:00 for the week of 21 Dec.
        sweep(service, ws, ny(2026, 12, 25, 16, 1), ny(2026, 12, 28, 16))
        # Monday evening, digests move to Tuesdays: the week of 28 Dec has had none yet.
        schedule(ws, service, "east weekly-digest tue 10:00", ny(2026, 12, 28, 17))
        sweep(service, ws, ny(2026, 12, 29, 10), ny(2026, 12, 29, 12))
        # Tuesday afternoon to Wednesday: that week has its digest.
        schedule(ws, service, "east weekly-digest wed 10:00", ny(2026, 12, 29, 15))
        sweep(service, ws, ny(2026, 12, 30, 10), ny(2026, 12, 30, 12))
        assert runs(ws) == [
            ("weekly-digest", "2026-12-25", datetime(2026, 12, 28, 16)),
            ("weekly-digest", "2026-12-29", datetime(2026, 12, 29, 10)),
        ]
    finally:
        service.stop()


def test_two_processes_recording_two_runs_of_one_week_post_once(sws):
    """One process builds Wednesday's nudge while another (which already had Thursday's
    schedule) records Thursday's: the first finds the week taken when it records."""
    ws = sws
    east = team_id(ws, "east")
    other = JobRunner(ws.app.paceline.db, ws.app.clock, builders=Builders(), sleep=lambda _s: None)
    results = []

    class Racing(Builders):
        def build(self, session, workspace_id, team, at):
            if not results:
                results.append(other.run(ws.id, east, nudge(date(2026, 12, 3))))
            return super().build(session, workspace_id, team, at)

    first = JobRunner(ws.app.paceline.db, ws.app.clock, builders=Racing(), sleep=lambda _s: None)
    ws.app.clock.set(ny(2026, 12, 3, 10))
    late = first.run(ws.id, east, nudge(date(2026, 12, 2)))
    assert results[0].new == 1
    assert (late.full_week, late.new) == (True, 0)
    assert (
        late.describe()
        == "nudge for team east (Wed 02 Dec 2026): not run, it has already posted that week."
    )
    assert [key for _, key, _ in runs(ws)] == ["2026-12-03"]
    assert len(ws.rows(Outbox)) == 1
    # A scheduled run for the week is not even built now.
    again = Builders()
    assert (
        JobRunner(ws.app.paceline.db, ws.app.clock, builders=again).run(
            ws.id, east, nudge(date(2026, 12, 4))
        )
        is None
    )
    assert again.builds == 0


def test_jobs_run_by_hand_is_the_operators_and_not_held_to_the_week(sws):
    ws = sws
    service = service_for(ws, Builders())
    east = next(t for t in ws.rows(Team) if t.name == "east")
    service.runner.sweep(ny(2026, 12, 2, 10), workspace_ids=[ws.id])
    [result] = service.runner.run_teams_as_of([east], "nudge", ny(2026, 12, 3, 15))
    assert (result.new, result.full_week) == (1, False)
    assert [key for _, key, _ in runs(ws)] == ["2026-12-02", "2026-12-03"]
