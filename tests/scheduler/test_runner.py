"""Running team jobs: once per occurrence across processes, catch-up after downtime, retries
when the database blips, and APScheduler planned in each team's zone, re-planned by /team."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from bot.app import sender_client
from scheduler.messages import Message
from scheduler.runner import JobRunner
from scheduler.sender import Sender
from scheduler.service import SchedulerService
from scheduler.timing import Occurrence
from storage.models import JobRun, Outbox, Team, Workspace

NY, SYDNEY = "America/New_York", "Australia/Sydney"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _channel_post(session, workspace_id, team, at):
    return [Message(team.channel_id or "", f"{team.name} as of {at.isoformat()}")]


class Builders(dict):
    """Fake job content: one channel post per run, counting the builds."""

    def __init__(self, fail_first: int = 0, error: Exception | None = None) -> None:
        super().__init__()
        self.builds = 0
        self.fail_first = fail_first
        self.error = error
        for job in ("nudge", "lagging-alert", "weekly-digest", "log-reminder"):
            self[job] = self.build

    def build(self, session, workspace_id, team, at):
        self.builds += 1
        if self.builds <= self.fail_first:
            raise self.error or OperationalError("SELECT 1", {}, Exception("database is locked"))
        return _channel_post(session, workspace_id, team, at)


@pytest.fixture
def ws(workspace):
    admin = workspace.user("ada", admin=True)
    workspace.team(admin, f"create east <#CEAST01|sales-east> tz {NY}")
    workspace.team(admin, f"create sydney tz {SYDNEY}")
    with workspace.app.paceline.db.read() as session:
        workspace.id = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        workspace.teams = {
            t.name: t
            for t in session.scalars(sa.select(Team).where(Team.workspace_id == workspace.id))
        }
    workspace.admin = admin
    yield workspace
    # The database outlives the test: rows left due here would be delivered (and parked,
    # some teams have no channel) by the next test whose sender delivers everything due.
    with workspace.app.paceline.db.write() as session:
        session.execute(sa.delete(Outbox).where(Outbox.workspace_id == workspace.id))


def service_for(ws, builders, sleeps=None) -> SchedulerService:
    app = ws.app.paceline
    record = sleeps.append if sleeps is not None else lambda _s: None
    client = sender_client(app.settings)
    sender = Sender(
        app.db, lambda _w: client, ws.app.clock, owner="test", workspace_ids=[ws.id], sleep=record
    )
    runner = JobRunner(
        app.db, ws.app.clock, builders=builders, on_enqueued=sender.wake, sleep=record
    )
    return SchedulerService(app.db, ws.app.clock, runner, sender)


def recording_cohorts(service: SchedulerService) -> list[tuple[Occurrence, tuple[int, ...]]]:
    """Every run_cohort call the service's runner makes from now on: (occurrence, team ids)."""
    calls: list[tuple[Occurrence, tuple[int, ...]]] = []
    run_cohort = service.runner.run_cohort

    def record(workspace_id, team_ids, occurrence, **kw):  # type: ignore[no-untyped-def]
        calls.append((occurrence, tuple(team_ids)))
        return run_cohort(workspace_id, team_ids, occurrence, **kw)

    service.runner.run_cohort = record  # type: ignore[method-assign]
    return calls


def runs(ws) -> list[tuple[str, str, str]]:
    names = {t.id: t.name for t in ws.rows(Team)}
    return sorted((names[r.team_id], r.job, r.occurrence) for r in ws.rows(JobRun))


def test_two_processes_run_an_occurrence_once(ws):
    builders = Builders()
    first, second = service_for(ws, builders), service_for(ws, builders)
    east = ws.teams["east"]
    occurrence = Occurrence("weekly-digest", date(2026, 11, 20), utc(2026, 11, 20, 21))
    a = first.runner.run(ws.id, east.id, occurrence)
    b = second.runner.run(ws.id, east.id, occurrence)
    assert (a.new, a.ran_before) == (1, False)
    assert (b.new, b.ran_before) == (0, True)
    assert [(o.delivery_key, o.status) for o in ws.rows(Outbox)] == [
        (f"weekly-digest|{east.id}|2026-11-20|CEAST01|", "pending")
    ]
    assert runs(ws) == [("east", "weekly-digest", "2026-11-20")]


def test_sweep_catches_up_what_is_still_relevant_after_downtime(ws):
    # Down since Tuesday; back on Thursday 26 Nov 2026 at 12:00 UTC (07:00 New York, 23:00 Sydney).
    builders = Builders()
    service = service_for(ws, builders)
    results = service.runner.sweep(utc(2026, 11, 26, 12), workspace_ids=[ws.id])
    # New York: Wednesday's nudge is still this week; Thursday's 09:00 alert is not due yet
    # there; last Friday's digest is six days late. Sydney: its Thursday 09:00 alert is due.
    assert runs(ws) == [
        ("east", "nudge", "2026-11-25"),
        ("sydney", "lagging-alert", "2026-11-26"),
        ("sydney", "nudge", "2026-11-25"),
    ]
    assert len(results) == 3
    # A second sweep (or another process's) finds them done.
    assert service.runner.sweep(utc(2026, 11, 26, 12, 1), workspace_ids=[ws.id]) == []
    assert builders.builds == 3


def test_a_digest_is_caught_up_within_a_day_and_a_nudge_never_after_its_week(ws):
    service = service_for(ws, Builders())
    ws.team(ws.admin, "schedule sydney nudge off")
    ws.team(ws.admin, "schedule sydney lagging-alert off")
    ws.team(ws.admin, "schedule sydney weekly-digest off")
    # Saturday 28 Nov 2026 15:00 UTC = 10:00 Saturday in New York: Friday 16:00's digest is 18 h late.
    service.runner.sweep(utc(2026, 11, 28, 15), workspace_ids=[ws.id])
    assert runs(ws) == [
        ("east", "lagging-alert", "2026-11-26"),
        ("east", "nudge", "2026-11-25"),
        ("east", "weekly-digest", "2026-11-27"),
    ]
    # Monday: last week's nudge and alert are over and are not sent.
    ws.team(ws.admin, "schedule east weekly-digest off")
    assert service.runner.sweep(utc(2026, 11, 30, 15), workspace_ids=[ws.id]) == []


def test_a_database_blip_during_a_run_is_retried_with_backoff(ws):
    sleeps: list[float] = []
    builders = Builders(fail_first=2)
    service = service_for(ws, builders, sleeps)
    east = ws.teams["east"]
    result = service.runner.run(
        ws.id, east.id, Occurrence("nudge", date(2026, 11, 25), utc(2026, 11, 25, 15))
    )
    assert result.new == 1 and builders.builds == 3
    assert sleeps == [0.2, 0.4]


def test_a_run_that_crashes_while_building_leaves_nothing_and_runs_again(ws):
    builders = Builders(fail_first=1, error=RuntimeError("killed"))
    service = service_for(ws, builders)
    ws.team(ws.admin, "schedule sydney nudge off")
    ws.team(ws.admin, "schedule sydney lagging-alert off")
    with pytest.raises(RuntimeError):
        service.runner.run(
            ws.id,
            ws.teams["east"].id,
            Occurrence("nudge", date(2026, 11, 25), utc(2026, 11, 25, 15)),
        )
    assert ws.rows(JobRun) == [] and ws.rows(Outbox) == []
    service.runner.sweep(utc(2026, 11, 25, 16), workspace_ids=[ws.id])
    assert runs(ws) == [("east", "nudge", "2026-11-25")]
    assert len(ws.rows(Outbox)) == 1


def test_apscheduler_fires_at_each_teams_wall_clock_and_team_schedule_replans_it(ws):
    app = ws.app.paceline
    service = service_for(ws, Builders())
    ws.app.clock.set(utc(2026, 10, 28, 16))  # Wednesday, after New York's 10:00 nudge
    service.start(paused=True)
    app.services.schedule_changed = service.sync
    try:
        east, sydney = ws.teams["east"], ws.teams["sydney"]
        trigger = service.scheduled_job(ws.id, east.id, "nudge").trigger
        # New York's next two Wednesdays straddle the end of daylight saving (1 Nov).
        first = trigger.get_next_fire_time(None, utc(2026, 10, 28, 16))
        second = trigger.get_next_fire_time(first, first)
        assert (first.astimezone(UTC), second.astimezone(UTC)) == (
            utc(2026, 11, 4, 15),
            utc(2026, 11, 11, 15),
        )
        assert first.hour == second.hour == 10
        digest = service.scheduled_job(ws.id, sydney.id, "weekly-digest").trigger
        # Sydney: Friday 16:00 AEDT (UTC+11).
        assert digest.get_next_fire_time(None, utc(2026, 10, 28, 16)).astimezone(UTC) == utc(
            2026, 10, 30, 5
        )
        assert service.scheduled_job(ws.id, east.id, "log-reminder") is None
        # /team schedule takes effect without a restart.
        ws.team(ws.admin, "schedule east nudge tue 09:30")
        ws.team(ws.admin, "schedule east log-reminder weekdays 17:00")
        assert service.next_run(ws.id, east.id, "nudge") == datetime(
            2026, 11, 3, 9, 30, tzinfo=trigger.timezone
        )
        assert service.next_run(ws.id, east.id, "nudge").astimezone(UTC) == utc(2026, 11, 3, 14, 30)
        assert service.scheduled_job(ws.id, east.id, "log-reminder") is not None
        ws.team(ws.admin, "set east tz Europe/Berlin")
        assert service.next_run(ws.id, east.id, "nudge").astimezone(UTC) == utc(2026, 11, 3, 8, 30)
    finally:
        app.services.schedule_changed = lambda: None
        service.stop()


def test_a_cron_firing_twice_in_the_repeated_autumn_hour_runs_once(ws):
    builders = Builders()
    service = service_for(ws, builders)
    ws.team(ws.admin, "schedule east log-reminder daily 01:30")
    service.sync()
    east = ws.teams["east"]
    # APScheduler 3 fires at 01:30 EDT and again at 01:30 EST on Sunday 1 November 2026.
    for instant in (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)):
        ws.app.clock.set(instant)
        reminder = service.scheduled_job(ws.id, east.id, "log-reminder")
        reminder.func(*reminder.args)
    assert runs(ws) == [("east", "log-reminder", "2026-11-01")]
    assert builders.builds == 2 and len(ws.rows(Outbox)) == 1


def test_teams_with_the_same_job_schedule_and_zone_fire_as_one_cohort(ws):
    ws.team(ws.admin, "create north tz America/New_York")
    service = service_for(ws, Builders())
    calls = recording_cohorts(service)
    service.start(paused=True)
    try:
        with ws.app.paceline.db.read() as session:
            north = session.scalar(
                sa.select(Team).where(Team.workspace_id == ws.id, Team.name == "north")
            )
        east, sydney = ws.teams["east"], ws.teams["sydney"]
        nudge = service.scheduled_job(ws.id, east.id, "nudge")
        assert service.scheduled_job(ws.id, north.id, "nudge") is nudge
        assert service.scheduled_job(ws.id, sydney.id, "nudge") is not nudge
        # Wednesday 25 November 2026, 10:00 in New York: one build for both teams.
        ws.app.clock.set(utc(2026, 11, 25, 15))
        nudge.func(*nudge.args)
        assert [(occurrence.job, ids) for occurrence, ids in calls] == [
            ("nudge", tuple(sorted((east.id, north.id))))
        ]
        assert runs(ws) == [("east", "nudge", "2026-11-25"), ("north", "nudge", "2026-11-25")]
        # Another schedule takes a team out of the cohort, without a restart.
        ws.team(ws.admin, "schedule north nudge tue 09:30")
        service.sync()
        assert service.scheduled_job(ws.id, north.id, "nudge") is not service.scheduled_job(
            ws.id, east.id, "nudge"
        )
        assert service.scheduled_job(ws.id, east.id, "nudge").args == nudge.args
    finally:
        service.stop()


def test_one_teams_failure_does_not_cost_the_others_in_its_cohort_their_posts(ws):
    ws.team(ws.admin, "create north tz America/New_York")

    def build(session, workspace_id, team, at):
        if team.name == "east":
            raise RuntimeError("bad data")
        return _channel_post(session, workspace_id, team, at)

    service = service_for(
        ws, dict.fromkeys(("nudge", "lagging-alert", "weekly-digest", "log-reminder"), build)
    )
    ws.team(ws.admin, "schedule sydney nudge off")
    ws.team(ws.admin, "schedule sydney lagging-alert off")
    results = service.runner.sweep(utc(2026, 11, 25, 16), workspace_ids=[ws.id])
    assert [(r.team_name, r.job) for r in results] == [("north", "nudge")]
    assert runs(ws) == [("north", "nudge", "2026-11-25")]
    assert len(ws.rows(Outbox)) == 1


def test_a_cohort_bigger_than_a_build_is_built_in_slices(ws, monkeypatch):
    from scheduler import runner as runner_module

    for name in ("north", "south"):
        ws.team(ws.admin, f"create {name} tz America/New_York")
    service = service_for(ws, Builders())
    built_together: list[list[str]] = []

    def build_many(session, workspace_id, chosen, at):
        built_together.append([team.name for team in chosen])
        return {team.id: _channel_post(session, workspace_id, team, at) for team in chosen}

    service.runner._batch_builders = {"nudge": build_many}
    monkeypatch.setattr(runner_module, "MAX_BUILD_TEAMS", 2)
    with ws.app.paceline.db.read() as session:
        ids = sorted(
            session.scalars(sa.select(Team.id).where(Team.workspace_id == ws.id, Team.tz == NY))
        )
    results = service.runner.run_cohort(
        ws.id, ids, Occurrence("nudge", date(2026, 11, 25), utc(2026, 11, 25, 15))
    )
    assert [len(names) for names in built_together] == [2, 1]
    assert sorted(r.team_name for r in results) == ["east", "north", "south"]
    assert len(ws.rows(Outbox)) == 3


def test_jobs_run_without_a_team_builds_the_teams_of_one_local_date_together(ws):
    ws.team(ws.admin, "create north tz America/New_York")
    service = service_for(ws, Builders())
    calls = recording_cohorts(service)
    chosen = sorted(ws.rows(Team), key=lambda t: t.name)  # east, north, sydney
    # Wednesday 25 November, 20:00 UTC: 15:00 Wednesday in New York, 07:00 Thursday in Sydney.
    results = service.runner.run_teams_as_of(chosen, "nudge", utc(2026, 11, 25, 20))
    east, north, sydney = (t.id for t in chosen)
    assert sorted((occurrence.key, ids) for occurrence, ids in calls) == [
        ("2026-11-25", (east, north)),
        ("2026-11-26", (sydney,)),
    ]
    assert [r.team_name for r in results] == ["east", "north", "sydney"]
    assert all(r.new == 1 for r in results)
