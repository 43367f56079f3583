"""Jobs on a team's holidays: nothing is posted on the holiday; a nudge, lagging alert or
weekly digest runs once at its usual local time on the team's next working day (a digest
still reports on its own week, a nudge or alert whose week has ended is skipped); a log
reminder is skipped. Driven by an injected clock, through the cron firing, the moved run's
date job, the catch-up sweep and `paceline jobs run`, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from test_content_seed import Seed
from test_runner import service_for

from bot.core.schedules import DEFAULT_SCHEDULES, JobSchedule
from scheduler import jobs_cli
from scheduler.messages import Message
from scheduler.runner import JobRunner
from scheduler.timing import (
    Occurrence,
    last_due,
    next_after,
    on_calendar,
    runs_between,
    still_relevant,
    team_calendar,
)
from storage import outbox as outbox_rows
from storage.models import JobRun, Outbox, Team, Workspace

NY = "America/New_York"
NEW_YORK = ZoneInfo(NY)
US = team_calendar("0,1,2,3,4", "US")
NO_HOLIDAYS = team_calendar("0,1,2,3,4", None)
NUDGE = DEFAULT_SCHEDULES["nudge"]  # Wed 10:00
ALERT = DEFAULT_SCHEDULES["lagging-alert"]  # Thu 09:00
DIGEST = DEFAULT_SCHEDULES["weekly-digest"]  # Fri 16:00
JOBS = ("nudge", "lagging-alert", "weekly-digest", "log-reminder")


def ny(*args: int) -> datetime:
    """A New York wall-clock time as a UTC instant."""
    return datetime(*args, tzinfo=NEW_YORK).astimezone(UTC)


def runs_in(
    schedule: JobSchedule, start: datetime, end: datetime, calendar=US
) -> list[tuple[str, datetime, bool]]:
    """(occurrence key, New York run time, moved) of the runs in [start, end)."""
    return [
        (r.key, r.at.astimezone(NEW_YORK).replace(tzinfo=None), r.moved)
        for r in runs_between(schedule, NY, start - timedelta(microseconds=1), end, calendar)
    ]


# ---------------------------------------------------------------------------- pure timing


def test_thanksgiving_moves_the_thursday_alert_to_friday_at_nine():
    week = (ny(2026, 11, 23), ny(2026, 11, 30))
    assert runs_in(ALERT, *week) == [("2026-11-26", datetime(2026, 11, 27, 9, 0), True)]
    # The rest of the week is untouched: Wednesday's nudge, Friday's digest.
    assert runs_in(NUDGE, *week) == [("2026-11-25", datetime(2026, 11, 25, 10, 0), False)]
    assert runs_in(DIGEST, *week) == [("2026-11-27", datetime(2026, 11, 27, 16, 0), False)]
    # Thursday 09:00 is not a run; the alert builds as of Friday 09:00, in its own week.
    assert last_due(ALERT, NY, ny(2026, 11, 26, 9, 1), US).key == "2026-11-19"
    moved = last_due(ALERT, NY, ny(2026, 11, 27, 9, 0), US)
    assert (moved.key, moved.at, moved.built_at, moved.moved) == (
        "2026-11-26",
        ny(2026, 11, 27, 9),
        ny(2026, 11, 27, 9),
        True,
    )
    assert next_after(ALERT, NY, ny(2026, 11, 25, 12), US) == moved
    # Without the calendar, the schedule as it was.
    assert runs_in(ALERT, *week, calendar=None) == [
        ("2026-11-26", datetime(2026, 11, 26, 9, 0), False)
    ]
    assert runs_in(ALERT, *week, calendar=NO_HOLIDAYS) == [
        ("2026-11-26", datetime(2026, 11, 26, 9, 0), False)
    ]


def test_a_wednesday_nudge_on_veterans_day_moves_to_thursday():
    assert runs_in(NUDGE, ny(2026, 11, 9), ny(2026, 11, 16)) == [
        ("2026-11-11", datetime(2026, 11, 12, 10, 0), True)
    ]


def test_a_monday_nudge_on_labor_day_moves_to_tuesday():
    monday = JobSchedule("nudge", (0,), time(10, 0))
    assert runs_in(monday, ny(2026, 9, 7), ny(2026, 9, 14)) == [
        ("2026-09-07", datetime(2026, 9, 8, 10, 0), True)
    ]


def test_christmas_and_new_year_digests_move_to_monday_and_keep_their_own_weeks():
    found = runs_between(DIGEST, NY, ny(2026, 12, 21), ny(2027, 1, 10), US)
    assert [(r.key, r.at, r.as_of, r.moved) for r in found] == [
        # Fri 25 Dec → Mon 28 Dec 16:00, built as of the last second of Sun 27 Dec.
        ("2026-12-25", ny(2026, 12, 28, 16), ny(2026, 12, 27, 23, 59, 59), True),
        # Fri 1 Jan 2027 → Mon 4 Jan 16:00, the week of Mon 28 Dec – Sun 3 Jan.
        ("2027-01-01", ny(2027, 1, 4, 16), ny(2027, 1, 3, 23, 59, 59), True),
        ("2027-01-08", ny(2027, 1, 8, 16), None, False),
    ]
    # Caught up like any digest: within a day of the moved instant.
    christmas = found[0]
    assert still_relevant(christmas, NY, ny(2026, 12, 29, 15, 59))
    assert not still_relevant(christmas, NY, ny(2026, 12, 29, 16, 1))
    assert not still_relevant(christmas, NY, ny(2026, 12, 28, 15, 59))


def test_independence_day_observed_moves_the_digest_and_skips_a_friday_nudge_and_alert():
    week = (ny(2026, 6, 29), ny(2026, 7, 13))
    assert runs_in(DIGEST, *week) == [
        ("2026-07-03", datetime(2026, 7, 6, 16, 0), True),
        ("2026-07-10", datetime(2026, 7, 10, 16, 0), False),
    ]
    # A nudge or an alert is about the week it is in: moved to Monday it would be about a
    # week that has ended, so it is skipped.
    for job in ("nudge", "lagging-alert"):
        friday = JobSchedule(job, (4,), time(9, 0))
        assert runs_in(friday, *week) == [("2026-07-10", datetime(2026, 7, 10, 9, 0), False)]
    assert (
        runs_in(JobSchedule("nudge", (4,), time(9, 0)), *week, calendar=None)[0][0] == "2026-07-03"
    )


def test_a_log_reminder_on_a_holiday_is_skipped_not_moved():
    weekdays = JobSchedule("log-reminder", (0, 1, 2, 3, 4), time(17, 0))
    assert [key for key, _, _ in runs_in(weekdays, ny(2026, 11, 23), ny(2026, 11, 30))] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-27",
    ]
    assert last_due(weekdays, NY, ny(2026, 11, 26, 23), US).key == "2026-11-25"
    scheduled = Occurrence("log-reminder", date(2026, 11, 26), ny(2026, 11, 26, 17))
    assert on_calendar(scheduled, weekdays, NY, US) is None


def test_a_moved_run_overtaken_by_the_jobs_own_run_that_week_is_dropped():
    # Nudges on Monday and Tuesday: Labor Day's would move onto Tuesday's, which says the same.
    twice = JobSchedule("nudge", (0, 1), time(10, 0))
    assert runs_in(twice, ny(2026, 9, 7), ny(2026, 9, 14)) == [
        ("2026-09-08", datetime(2026, 9, 8, 10, 0), False)
    ]
    # A digest moved into the next week is not the next week's own digest: both run.
    mon_fri = JobSchedule("weekly-digest", (0, 4), time(16, 0))
    assert runs_in(mon_fri, ny(2026, 12, 25), ny(2026, 12, 29)) == [
        ("2026-12-25", datetime(2026, 12, 28, 16, 0), True),
        ("2026-12-28", datetime(2026, 12, 28, 16, 0), False),
    ]


def test_a_day_the_team_scheduled_outside_its_work_week_is_not_a_holiday():
    # A Mon–Fri team that chose a Saturday digest gets it on Saturday, as before…
    saturday = JobSchedule("weekly-digest", (5,), time(10, 0))
    assert runs_in(saturday, ny(2026, 11, 23), ny(2026, 11, 30)) == [
        ("2026-11-28", datetime(2026, 11, 28, 10, 0), False)
    ]
    # …unless that Saturday is a holiday (Independence Day, Sat 4 Jul 2026): then the
    # holiday rule, next working day Mon 6 Jul, still for the week of 29 Jun.
    [moved] = runs_between(saturday, NY, ny(2026, 7, 1), ny(2026, 7, 8), US)
    assert (moved.key, moved.at, moved.as_of) == (
        "2026-07-04",
        ny(2026, 7, 6, 10),
        ny(2026, 7, 5, 23, 59, 59),
    )
    # A team working Sun–Thu: Thanksgiving's alert moves to its next working day, Sunday
    # 29 Nov, still the Monday–Sunday week of 23 Nov (weeks are Monday–Sunday whatever
    # the work week); the Friday and Saturday it does not work are passed over.
    sun_thu = team_calendar("6,0,1,2,3", "US")
    assert runs_in(ALERT, ny(2026, 11, 23), ny(2026, 11, 30), calendar=sun_thu) == [
        ("2026-11-26", datetime(2026, 11, 29, 9, 0), True),
    ]


# ---------------------------------------------------------------------------- the service


class Recorder(dict):
    """Fake job content: one channel post per run, recording (team, job, built as of)."""

    def __init__(self) -> None:
        super().__init__()
        self.built: list[tuple[str, str, datetime]] = []
        for job in JOBS:
            self[job] = self._builder(job)

    def _builder(self, job):
        def build(session, workspace_id, team, at):
            self.built.append((team.name, job, at))
            return [Message(team.channel_id or "", f"{team.name} {job} as of {at.isoformat()}")]

        return build


@pytest.fixture
def hws(workspace):
    """East (New York, US holidays) and north (New York, no holiday calendar): the same
    zone and schedules, different calendars. Created on 1 June 2026, before every holiday
    the tests visit (a team gets no runs from before it existed)."""
    admin = workspace.user("ada", admin=True)
    now = workspace.app.clock.now()
    workspace.app.clock.set(ny(2026, 6, 1, 9))
    workspace.team(admin, f"create east <#CEAST01|sales-east> tz {NY}")
    workspace.team(admin, f"create north <#CNORTH1|sales-north> tz {NY}")
    workspace.app.clock.set(now)
    reply = workspace.team(admin, "set east holidays US")
    with workspace.app.paceline.db.read() as session:
        workspace.id = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        workspace.teams = {
            t.name: t
            for t in session.scalars(sa.select(Team).where(Team.workspace_id == workspace.id))
        }
    assert workspace.teams["east"].holidays_country == "US", reply
    assert workspace.teams["north"].holidays_country is None
    workspace.admin = admin
    yield workspace
    with workspace.app.paceline.db.write() as session:
        session.execute(sa.delete(Outbox).where(Outbox.workspace_id == workspace.id))


def runs(ws) -> list[tuple[str, str, str, datetime]]:
    """(team, job, occurrence, recorded run instant in New York) of every run."""
    names = {t.id: t.name for t in ws.rows(Team)}
    return sorted(
        (
            names[r.team_id],
            r.job,
            r.occurrence,
            _aware(r.scheduled_for).astimezone(NEW_YORK).replace(tzinfo=None),
        )
        for r in ws.rows(JobRun)
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def outbox_keys(ws) -> list[str]:
    return sorted(o.delivery_key for o in ws.rows(Outbox))


def only(ws, *jobs: str) -> None:
    for job in JOBS:
        if job not in jobs:
            for team in ("east", "north"):
                ws.team(ws.admin, f"schedule {team} {job} off")


def fire(service, ws, team: str, job: str, at: datetime) -> None:
    """The team's cohort's cron trigger firing at `at` by the injected clock."""
    ws.app.clock.set(at)
    scheduled = service.scheduled_job(ws.id, ws.teams[team].id, job)
    scheduled.func(*scheduled.args)


def sweep(service, ws, at: datetime) -> None:
    """The service's sweep at `at`, kept to this workspace (the database is shared)."""
    ws.app.clock.set(at)
    service.sync()
    service.runner.sweep(at, workspace_ids=[ws.id])


def test_thanksgiving_alert_posts_nothing_on_the_day_and_once_on_friday_at_nine(hws):
    ws = hws
    only(ws, "lagging-alert")
    recorder = Recorder()
    service = service_for(ws, recorder)
    east, north = ws.teams["east"], ws.teams["north"]
    ws.app.clock.set(ny(2026, 11, 25, 12))  # Wednesday
    service.start(paused=True)
    try:
        # Same zone and schedule, different calendars: two cohorts.
        assert service.scheduled_job(ws.id, east.id, "lagging-alert") is not service.scheduled_job(
            ws.id, north.id, "lagging-alert"
        )
        assert service.next_run(ws.id, east.id, "lagging-alert") == ny(2026, 11, 27, 9)
        assert service.next_run(ws.id, north.id, "lagging-alert") == ny(2026, 11, 26, 9)
        moved = service.moved_job(ws.id, east.id, "lagging-alert", date(2026, 11, 26))
        assert moved is not None and moved.next_run_time == ny(2026, 11, 27, 9)
        assert service.moved_job(ws.id, north.id, "lagging-alert", date(2026, 11, 26)) is None

        # Thanksgiving 09:00: north's alert goes out, east's does not; nor does the sweep post it.
        fire(service, ws, "east", "lagging-alert", ny(2026, 11, 26, 9))
        fire(service, ws, "north", "lagging-alert", ny(2026, 11, 26, 9))
        sweep(service, ws, ny(2026, 11, 26, 9, 1))
        sweep(service, ws, ny(2026, 11, 26, 23, 59))
        assert runs(ws) == [("north", "lagging-alert", "2026-11-26", datetime(2026, 11, 26, 9, 0))]

        # Friday 09:00: the moved run's date job runs it, under Thursday's name, as of Friday.
        ws.app.clock.set(ny(2026, 11, 27, 9))
        moved.func(*moved.args)
        assert runs(ws) == [
            ("east", "lagging-alert", "2026-11-26", datetime(2026, 11, 27, 9, 0)),
            ("north", "lagging-alert", "2026-11-26", datetime(2026, 11, 26, 9, 0)),
        ]
        assert [(team, at) for team, _, at in recorder.built] == [
            ("north", ny(2026, 11, 26, 9)),
            ("east", ny(2026, 11, 27, 9)),
        ]
        # A second firing, the sweep, and a restarted process find it done.
        moved.func(*moved.args)
        sweep(service, ws, ny(2026, 11, 27, 9, 1))
        restarted = service_for(ws, recorder)
        assert restarted.runner.sweep(ny(2026, 11, 27, 9, 5), workspace_ids=[ws.id]) == []
        # Sorted as text, like outbox_keys: team 99 and team 100 sort either way round.
        assert outbox_keys(ws) == sorted(
            [
                f"lagging-alert|{east.id}|2026-11-26|CEAST01|",
                f"lagging-alert|{north.id}|2026-11-26|CNORTH1|",
            ]
        )
    finally:
        service.stop()


def test_the_sweep_runs_a_moved_run_once_when_the_app_was_down_at_its_time(hws):
    ws = hws
    only(ws, "lagging-alert")
    recorder = Recorder()
    first, second = service_for(ws, recorder), service_for(ws, recorder)
    # Down from Thursday morning until Friday 11:00: both instances sweep on the way up.
    for service in (first, second, first):
        service.runner.sweep(ny(2026, 11, 27, 11), workspace_ids=[ws.id])
    assert runs(ws) == [
        ("east", "lagging-alert", "2026-11-26", datetime(2026, 11, 27, 9, 0)),
        ("north", "lagging-alert", "2026-11-26", datetime(2026, 11, 26, 9, 0)),
    ]
    # East's alert is built as of its moved instant, north's (late) as of Thursday's.
    assert sorted((team, at) for team, _, at in recorder.built) == [
        ("east", ny(2026, 11, 27, 9)),
        ("north", ny(2026, 11, 26, 9)),
    ]
    assert len(ws.rows(Outbox)) == 2


def test_christmas_and_new_year_digests_post_once_on_monday_for_their_own_weeks(hws):
    """Sweeping every 20 minutes from Christmas Eve to Tuesday 5 January, with a second
    instance sweeping too and a restart on the Monday, as the sweep catches everything."""
    ws = hws
    only(ws, "weekly-digest")
    recorder = Recorder()
    east, north = ws.teams["east"], ws.teams["north"]
    instances = [service_for(ws, recorder), service_for(ws, recorder)]
    at = ny(2026, 12, 24, 0)
    while at <= ny(2027, 1, 5, 23):
        for service in instances:
            service.runner.sweep(at, workspace_ids=[ws.id])
        if at == ny(2026, 12, 28, 16):
            instances[0] = service_for(ws, recorder)  # a restart just as the moved run is due
        at += timedelta(minutes=20)
    assert runs(ws) == [
        ("east", "weekly-digest", "2026-12-25", datetime(2026, 12, 28, 16, 0)),
        ("east", "weekly-digest", "2027-01-01", datetime(2027, 1, 4, 16, 0)),
        ("north", "weekly-digest", "2026-12-25", datetime(2026, 12, 25, 16, 0)),
        ("north", "weekly-digest", "2027-01-01", datetime(2027, 1, 1, 16, 0)),
    ]
    east_built = [at for team, _, at in recorder.built if team == "east"]
    assert east_built == [ny(2026, 12, 27, 23, 59, 59), ny(2027, 1, 3, 23, 59, 59)]
    assert outbox_keys(ws) == sorted(
        f"weekly-digest|{team.id}|{key}|{channel}|"
        for team, channel in ((east, "CEAST01"), (north, "CNORTH1"))
        for key in ("2026-12-25", "2027-01-01")
    )


def test_a_monday_nudge_on_labor_day_and_a_wednesday_nudge_on_veterans_day(hws):
    ws = hws
    only(ws, "nudge")
    ws.team(ws.admin, "schedule east nudge mon 10:00")
    recorder = Recorder()
    service = service_for(ws, recorder)
    # Labor Day (Mon 7 Sep 2026): nothing all day, nor on Tuesday before 10:00.
    for at in (ny(2026, 9, 7, 10, 1), ny(2026, 9, 7, 23), ny(2026, 9, 8, 9, 59)):
        assert service.runner.sweep(at, workspace_ids=[ws.id]) == []
    service.runner.sweep(ny(2026, 9, 8, 10), workspace_ids=[ws.id])
    service.runner.sweep(ny(2026, 9, 8, 12), workspace_ids=[ws.id])
    assert [r for r in runs(ws) if r[0] == "east"] == [
        ("east", "nudge", "2026-09-07", datetime(2026, 9, 8, 10, 0))
    ]
    # Back to Wednesdays: Veterans Day (Wed 11 Nov 2026) moves to Thursday 10:00.
    ws.team(ws.admin, "schedule east nudge wed 10:00")
    ws.app.clock.set(ny(2026, 11, 10, 12))
    service.sync()
    assert service.next_run(ws.id, ws.teams["east"].id, "nudge") == ny(2026, 11, 12, 10)
    fire(service, ws, "east", "nudge", ny(2026, 11, 11, 10))
    assert [r for r in runs(ws) if r[0] == "east"][1:] == []
    moved = service.moved_job(ws.id, ws.teams["east"].id, "nudge", date(2026, 11, 11))
    ws.app.clock.set(ny(2026, 11, 12, 10))
    moved.func(*moved.args)
    service.runner.sweep(ny(2026, 11, 12, 10, 30), workspace_ids=[ws.id])
    assert [r for r in runs(ws) if r[0] == "east"] == [
        ("east", "nudge", "2026-09-07", datetime(2026, 9, 8, 10, 0)),
        ("east", "nudge", "2026-11-11", datetime(2026, 11, 12, 10, 0)),
    ]


def test_a_nudge_and_alert_moved_past_their_week_are_skipped(hws):
    """Independence Day observed (Fri 3 Jul 2026) with Friday nudge and alert: Monday is a
    new week; the digest still posts on Monday, for the week of 29 June."""
    ws = hws
    ws.team(ws.admin, "schedule east nudge fri 09:00")
    ws.team(ws.admin, "schedule east lagging-alert fri 09:30")
    only(ws, "nudge", "lagging-alert", "weekly-digest")
    for job in ("nudge", "lagging-alert", "weekly-digest"):
        ws.team(ws.admin, f"schedule north {job} off")
    recorder = Recorder()
    service = service_for(ws, recorder)
    at = ny(2026, 7, 3, 0)
    while at <= ny(2026, 7, 7, 0):
        service.runner.sweep(at, workspace_ids=[ws.id])
        at += timedelta(minutes=30)
    assert runs(ws) == [("east", "weekly-digest", "2026-07-03", datetime(2026, 7, 6, 16, 0))]
    assert [at for _, _, at in recorder.built] == [ny(2026, 7, 5, 23, 59, 59)]


def test_log_reminders_are_skipped_on_a_holiday(hws):
    ws = hws
    only(ws, "log-reminder")
    ws.team(ws.admin, "schedule east log-reminder weekdays 17:00")
    service = service_for(ws, Recorder())
    service.sync()
    fire(service, ws, "east", "log-reminder", ny(2026, 11, 26, 17))  # Thanksgiving
    at = ny(2026, 11, 25, 16)
    while at <= ny(2026, 11, 28, 12):
        service.runner.sweep(at, workspace_ids=[ws.id])
        at += timedelta(minutes=30)
    assert runs(ws) == [
        ("east", "log-reminder", "2026-11-25", datetime(2026, 11, 25, 17, 0)),
        ("east", "log-reminder", "2026-11-27", datetime(2026, 11, 27, 17, 0)),
    ]
    assert service.moved_job(ws.id, ws.teams["east"].id, "log-reminder", date(2026, 11, 26)) is None


def test_jobs_run_now_skips_a_team_on_its_holiday_and_an_explicit_at_runs_it_once(hws):
    ws = hws
    only(ws, "lagging-alert")
    service = service_for(ws, Recorder())
    ws.app.clock.set(ny(2026, 11, 26, 11))  # Thanksgiving
    now = jobs_cli.run_jobs(
        service, "lagging-alert", team_name=None, at_text=None, workspace=ws.team_id, deliver=False
    )
    assert [(r.team_name, r.holiday, r.new) for r in now.results] == [
        ("east", True, 0),
        ("north", False, 1),
    ]
    assert now.results[0].describe() == (
        "lagging-alert for team east (Thu 26 Nov 2026): not run, a holiday for the team (`--at` runs it anyway)."
    )
    assert [r[:3] for r in runs(ws)] == [("north", "lagging-alert", "2026-11-26")]
    # `--at` is the operator's instant: it runs, under the occurrence's own name…
    forced = jobs_cli.run_jobs(
        service,
        "lagging-alert",
        team_name="east",
        at_text="2026-11-26T11:00-05:00",
        workspace=ws.team_id,
        deliver=False,
    )
    assert [(r.team_name, r.holiday, r.new) for r in forced.results] == [("east", False, 1)]
    # …so Friday's moved run finds it done: the original and the moved run never both post.
    assert service.runner.sweep(ny(2026, 11, 27, 9, 1), workspace_ids=[ws.id]) == []
    assert [r[:3] for r in runs(ws)] == [
        ("east", "lagging-alert", "2026-11-26"),
        ("north", "lagging-alert", "2026-11-26"),
    ]
    assert len(ws.rows(Outbox)) == 2


def test_jobs_list_shows_the_moved_run(hws):
    ws = hws
    service = service_for(ws, Recorder())
    ws.app.clock.set(ny(2026, 11, 25, 12))
    out = io.StringIO()
    jobs_cli.list_jobs(service, out, workspace=ws.team_id)
    east, north = out.getvalue().split("Team north")
    assert "next Fri 27 Nov 09:00 EST (holiday Thu 26 Nov)" in east
    assert "next Thu 26 Nov 09:00 EST" in north and "holiday" not in north


# ---------------------------------------------------------------------------- real content


@pytest.fixture
def seed(running_app):
    found = Seed(running_app.paceline.db)
    yield found
    with running_app.paceline.db.write() as session:
        session.execute(sa.delete(Outbox).where(Outbox.workspace_id == found.ws))


def _posts(db, workspace_id: int) -> dict[tuple[str, str], Message]:
    with db.read() as session:
        rows = list(session.scalars(sa.select(Outbox).where(Outbox.workspace_id == workspace_id)))
    return {
        (r.period, r.part): outbox_rows.decode_message(r.payload, r.recipient, r.part) for r in rows
    }


@pytest.mark.parametrize(
    ("friday", "monday", "week", "before", "after"),
    [
        # Christmas: week of Mon 21 – Sun 27 Dec, posted Mon 28 Dec.
        (date(2026, 12, 25), date(2026, 12, 28), "21 Dec", date(2026, 12, 14), date(2026, 12, 28)),
        # New Year: week of Mon 28 Dec – Sun 3 Jan, posted Mon 4 Jan 2027.
        (date(2027, 1, 1), date(2027, 1, 4), "28 Dec", date(2026, 12, 21), date(2027, 1, 4)),
        # Independence Day observed: week of Mon 29 Jun – Sun 5 Jul, posted Mon 6 Jul.
        (date(2026, 7, 3), date(2026, 7, 6), "29 Jun", date(2026, 6, 22), date(2026, 7, 6)),
    ],
)
def test_a_moved_digest_reports_on_its_own_week(
    seed, running_app, friday, monday, week, before, after
):
    db = running_app.paceline.db
    maria = seed.person("maria")
    seed.team("East", members=[maria], holidays="US")
    seed.goal("calls", 60, person=maria)
    own_monday = friday - timedelta(days=4)
    seed.log(maria, own_monday, calls=30)
    seed.log(maria, friday + timedelta(days=1), calls=5)  # the Saturday of its week counts
    seed.log(maria, before, calls=400)  # the week before and the week it is posted in do not
    seed.log(maria, after, calls=400)
    runner = JobRunner(db, running_app.clock, sleep=lambda _s: None)
    due = datetime.combine(monday, time(16, 0), tzinfo=NEW_YORK).astimezone(UTC)

    assert runner.sweep(due - timedelta(minutes=1), workspace_ids=[seed.ws]) == []
    [result] = runner.sweep(due, workspace_ids=[seed.ws])
    assert (result.job, result.occurrence.key, result.messages) == (
        "weekly-digest",
        friday.isoformat(),
        2,
    )
    assert runner.sweep(due + timedelta(hours=1), workspace_ids=[seed.ws]) == []

    posts = _posts(db, seed.ws)
    assert sorted(posts) == [(friday.isoformat(), "1"), (friday.isoformat(), "chart")]
    post = posts[(friday.isoformat(), "1")]
    assert post.blocks[0]["text"]["text"] == f"Team East — week of {week}"
    sunday = friday + timedelta(days=2)
    assert post.blocks[1]["elements"][0]["text"].endswith(
        f"as of {sunday:%a} {sunday.day} {sunday:%b} 23:59"
    )
    assert "35 / " in post.text and "400" not in post.text
    chart = posts[(friday.isoformat(), "chart")].file
    assert chart is not None and chart.filename == f"paceline-east-{own_monday.isoformat()}.png"
