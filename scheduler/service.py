"""APScheduler 3.x wiring: one cron job per cohort (the teams of a workspace with the same
job, schedule and zone, which fire at the same instant and are built together), a sweep
that catches up missed runs, and the sender's thread.

A holiday of the team (scheduler.timing.on_calendar) makes its cohort's cron firing post
nothing; the run it moves to the team's next working day is one more APScheduler job, a
date trigger at the moved instant, planned by every sync() (the sweep runs it too, should
that trigger be missed).

APScheduler only decides *when* to look. Exactly-once comes from the database (the run's
row, the outbox keys, the sender's claims), because APScheduler's job store cannot be
shared between processes and its cron triggers fire twice in a repeated autumn hour.
Every process keeps its own in-memory job store, built from the teams' schedules.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from bot.core.calendars import WorkCalendar
from bot.core.schedules import DEFAULT_SCHEDULES, JobSchedule, stored_schedule
from scheduler.celebrations import CelebrationWorker
from scheduler.runner import JobRunner
from scheduler.timing import (
    LOOKBACK_DAYS,
    Occurrence,
    last_due,
    next_posting,
    occurrence_on,
    on_calendar,
    runs_between,
    still_relevant,
    team_calendar,
)
from storage import job_runs
from storage.db import Database
from storage.rows import persisted_id

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
CELEBRATION_TICK_SECONDS = 5  # a win posts within its batching minute plus this  # also picks up /team schedule changes made through another instance
# A cron run that starts this late is still run by APScheduler (its default of 1 s would
# drop it silently); anything later is the sweep's to catch up.
MISFIRE_GRACE_SECONDS = 300
# Day names APScheduler's cron understands, Monday = 0 as in our schedules.
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PlannedJob:
    """One APScheduler job: a team's job on its schedule, in its zone, on its calendar."""

    job_id: str
    workspace_id: int
    team_id: int
    job: str
    schedule: JobSchedule
    tz: str
    calendar: WorkCalendar = WorkCalendar()

    def trigger(self) -> CronTrigger:
        assert self.schedule.days is not None and self.schedule.at is not None
        return CronTrigger(
            day_of_week=",".join(CRON_DAYS[d] for d in sorted(self.schedule.days)),
            hour=self.schedule.at.hour,
            minute=self.schedule.at.minute,
            timezone=self.tz,
        )


def job_id(workspace_id: int, team_id: int, job: str) -> str:
    # Stable ids: a team's plan is looked up by it.
    return f"paceline:{workspace_id}:{team_id}:{job}"


@dataclass(frozen=True)
class Cohort:
    """Teams of one workspace whose job fires at the same wall-clock time in the same zone,
    on the same calendar (work week and holidays, so holidays move them together): one
    APScheduler job, one build with one statement per question for all of them."""

    cohort_id: str
    plan: PlannedJob  # the first team's plan: what the cohort shares is the same in each
    team_ids: tuple[int, ...]


def cohort_id(plan: PlannedJob) -> str:
    schedule = plan.schedule
    assert schedule.days is not None and schedule.at is not None
    days = "".join(str(d) for d in sorted(schedule.days))
    calendar = plan.calendar
    worked = "".join(str(d) for d in calendar.workweek)
    return (
        f"paceline:{plan.workspace_id}:{plan.job}:{plan.tz}:{days}:{schedule.at.strftime('%H%M')}"
        f":{worked}:{calendar.country or '-'}"
    )


def moved_id(cid: str, key: str) -> str:
    """The APScheduler job of a cohort's run moved by a holiday, named by its occurrence."""
    return f"{cid}:moved:{key}"


def cohorts(plans: list[PlannedJob]) -> dict[str, Cohort]:
    grouped: dict[str, list[PlannedJob]] = {}
    for plan in plans:
        grouped.setdefault(cohort_id(plan), []).append(plan)
    return {
        cid: Cohort(cid, found[0], tuple(sorted(p.team_id for p in found)))
        for cid, found in grouped.items()
    }


def planned_jobs(db: Database) -> list[PlannedJob]:
    with db.read() as session:
        scheduled = job_runs.scheduled_teams(session)
    found = []
    for entry in scheduled:
        team = entry.team
        team_id = persisted_id(team)
        calendar = team_calendar(team.workweek, team.holidays_country)
        for job in DEFAULT_SCHEDULES:
            schedule = stored_schedule(job, entry.rows.get(job))
            if schedule.enabled:
                found.append(PlannedJob(
                    job_id(team.workspace_id, team_id, job), team.workspace_id, team_id, job, schedule, team.tz, calendar
                ))  # fmt: skip
    return found


class SchedulerService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        runner: JobRunner,
        sender: object | None = None,
        *,
        celebrations: CelebrationWorker | None = None,
        crm_sync: Callable[[], None] | None = None,
        crm_minutes: int = 0,
    ) -> None:
        self.db = db
        # The CRM sync of every connected workspace (bot.crm), every `crm_minutes` (0: off).
        self.crm_sync = crm_sync
        self.crm_minutes = crm_minutes
        self.clock = clock
        self.runner = runner
        self.sender = sender
        self.celebrations = celebrations
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                "coalesce": True,
                "max_instances": 1,
            },
        )
        self._planned: dict[str, PlannedJob] = {}  # by job_id(): each team's job
        self._cohorts: dict[str, Cohort] = {}  # by cohort_id(): what APScheduler runs
        self._moved: set[str] = set()  # moved_id()s of the date jobs planned for moved runs
        self._sync_lock = threading.Lock()
        self._stop = threading.Event()
        self._sender_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, *, paused: bool = False) -> None:
        """Plan every team's jobs, catch up missed runs (at once, in the sweep job), start
        the sender. `paused` plans without firing (tests, `jobs list`)."""
        self.sync()
        self.scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=SWEEP_SECONDS),
            id="paceline:sweep",
            replace_existing=True,
            next_run_time=None if paused else datetime.now(UTC),
        )
        if self.celebrations is not None:
            self.scheduler.add_job(
                self.celebrate, IntervalTrigger(seconds=CELEBRATION_TICK_SECONDS), id="paceline:celebrations",
                replace_existing=True, next_run_time=None if paused else datetime.now(UTC),
            )  # fmt: skip
        if self.crm_sync is not None and self.crm_minutes > 0:
            self.scheduler.add_job(
                self.sync_crm, IntervalTrigger(minutes=self.crm_minutes), id="paceline:crm",
                replace_existing=True, next_run_time=None if paused else datetime.now(UTC),
            )  # fmt: skip
        self.scheduler.start(paused=paused)
        if self.sender is not None and not paused:
            self._sender_thread = threading.Thread(
                target=self.sender.run,
                args=(self._stop,),
                name="paceline-sender",
                daemon=True,  # type: ignore[attr-defined]
            )
            self._sender_thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.sender is not None:
            self.sender.wake()  # type: ignore[attr-defined]
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self._sender_thread is not None:
            self._sender_thread.join(timeout=30)

    # ------------------------------------------------------------------ planning

    def sync(self) -> None:
        """Make APScheduler's jobs match the teams' schedules: called at start, after a
        /team change in this process, and by every sweep (changes made elsewhere)."""
        with self._sync_lock:
            planned = planned_jobs(self.db)
            wanted = cohorts(planned)
            for stale in set(self._cohorts) - set(wanted):
                if self.scheduler.get_job(stale) is not None:
                    self.scheduler.remove_job(stale)
                del self._cohorts[stale]
            for cid, cohort in wanted.items():
                if cid not in self._cohorts:
                    # The trigger is all in the id; members are read at fire time.
                    self.scheduler.add_job(
                        self.fire_cohort, cohort.plan.trigger(), args=(cid,), id=cid,
                        name=f"{cohort.plan.job} {cohort.plan.tz} {cohort.plan.schedule.describe()}", replace_existing=True,
                    )  # fmt: skip
                self._cohorts[cid] = cohort
            self._planned = {plan.job_id: plan for plan in planned}
            self._plan_moved_runs(self.clock.now())

    def _plan_moved_runs(self, now: datetime) -> None:
        """A date job for each cohort's coming run that a holiday moved (within the lookback
        window ahead, and the misfire grace behind, so a trigger a moment late is not taken
        away); ones no longer wanted (calendar or schedule changed) are removed. One that
        has fired is gone from APScheduler and is not planned again (should it have been
        missed, the sweep runs it)."""
        wanted: dict[str, tuple[str, Occurrence]] = {}
        start, horizon = (
            now - timedelta(seconds=MISFIRE_GRACE_SECONDS),
            now + timedelta(days=LOOKBACK_DAYS),
        )
        for cid, cohort in self._cohorts.items():
            plan = cohort.plan
            for run in runs_between(plan.schedule, plan.tz, start, horizon, plan.calendar):
                if run.moved:
                    wanted[moved_id(cid, run.key)] = (cid, run)
        for stale in self._moved - set(wanted):
            if self.scheduler.get_job(stale) is not None:
                self.scheduler.remove_job(stale)
        for mid, (cid, run) in wanted.items():
            if mid not in self._moved:
                self.scheduler.add_job(
                    self.fire_moved, DateTrigger(run_date=run.at, timezone=UTC), args=(cid, run.key), id=mid,
                    name=f"{run.job} {self._cohorts[cid].plan.tz} moved from {run.key}", replace_existing=True,
                )  # fmt: skip
        self._moved = set(wanted)

    def scheduled_job(self, workspace_id: int, team_id: int, job: str) -> Job | None:
        """The APScheduler job that runs this team's job (its cohort's), if it is on."""
        plan = self._planned.get(job_id(workspace_id, team_id, job))
        return self.scheduler.get_job(cohort_id(plan)) if plan is not None else None

    def moved_job(self, workspace_id: int, team_id: int, job: str, occurrence: date) -> Job | None:
        """The APScheduler job that runs this team's occurrence of `job` moved by a holiday."""
        plan = self._planned.get(job_id(workspace_id, team_id, job))
        if plan is None:
            return None
        return self.scheduler.get_job(moved_id(cohort_id(plan), occurrence.isoformat()))

    def next_run(self, workspace_id: int, team_id: int, job: str) -> datetime | None:
        """When the team's job next posts: holidays skipped or moved as on its calendar, and
        a weekly job's run in a week that already has its runs passed over."""
        plan = self._planned.get(job_id(workspace_id, team_id, job))
        if plan is None:
            return None
        now = self.clock.now()
        with self.db.read() as session:
            ran = job_runs.run_dates(
                session,
                workspace_id,
                [team_id],
                job,
                (now - timedelta(days=LOOKBACK_DAYS)).date(),
                (now + timedelta(days=2 * LOOKBACK_DAYS)).date(),
            )
        upcoming, _ = next_posting(plan.schedule, plan.tz, now, plan.calendar, ran.get(team_id, ()))
        return upcoming.at if upcoming is not None else None

    # ------------------------------------------------------------------ running

    def fire_cohort(self, cid: str) -> None:
        """A cohort's cron trigger fired: run the occurrence it stands for (the latest one
        due) for all its teams."""
        cohort = self._cohorts.get(cid)
        if cohort is None:
            return
        plan, now = cohort.plan, self.clock.now()
        # A trigger may fire a moment early by our clock; look a minute ahead for it.
        scheduled = last_due(plan.schedule, plan.tz, now + timedelta(minutes=1))
        occurrence = (
            on_calendar(scheduled, plan.schedule, plan.tz, plan.calendar)
            if scheduled is not None
            else None
        )
        if occurrence is None or occurrence.moved:
            # A holiday: nothing today; a moved run has its own date job (and the sweep).
            if scheduled is not None:
                log.info(
                    "%s for teams %s: %s is a holiday", plan.job, cohort.team_ids, scheduled.key
                )
            return
        self._run(cohort, occurrence, now)

    def fire_moved(self, cid: str, key: str) -> None:
        """The date job of a run a holiday moved: run it for the cohort's teams, if it is
        still the run their calendar and schedule give for that occurrence."""
        cohort = self._cohorts.get(cid)
        if cohort is None:
            return
        plan, now = cohort.plan, self.clock.now()
        scheduled = occurrence_on(plan.schedule, date.fromisoformat(key), plan.tz)
        occurrence = (
            on_calendar(scheduled, plan.schedule, plan.tz, plan.calendar)
            if scheduled is not None
            else None
        )
        if occurrence is None or not occurrence.moved or occurrence.at > now + timedelta(minutes=1):
            return
        self._run(cohort, occurrence, now)

    def _run(self, cohort: Cohort, occurrence: Occurrence, now: datetime) -> None:
        plan = cohort.plan
        if not still_relevant(occurrence, plan.tz, max(now, occurrence.at)):
            return
        try:
            self.runner.run_cohort(plan.workspace_id, cohort.team_ids, occurrence)
        except Exception:
            log.exception(
                "%s for teams %s failed; the sweep will try again", plan.job, cohort.team_ids
            )
        self._wake_sender()

    def sweep(self) -> None:
        try:
            self.sync()
            if self.runner.sweep(self.clock.now()):
                self._wake_sender()
        except Exception:
            log.exception("scheduler sweep failed; the next one will try again")

    def celebrate(self) -> None:
        """One look for live wins (scheduler/celebrations.py)."""
        if self.celebrations is None:
            return
        try:
            self.celebrations.tick()
        except Exception:
            log.exception("live wins tick failed; the next one will try again")

    def sync_crm(self) -> None:
        """One CRM sync of each connected workspace; its notices go out at once."""
        if self.crm_sync is None:
            return
        try:
            self.crm_sync()
            self._wake_sender()
        except Exception:
            log.exception("CRM sync failed; the next one will try again")

    def _wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()  # type: ignore[attr-defined]
