"""APScheduler 3.x wiring: one cron job per cohort (the teams of a workspace with the same
job, schedule and zone, which fire at the same instant and are built together), a sweep
that catches up missed runs, and the sender's thread.

APScheduler only decides *when* to look. Exactly-once comes from the database (the run's
row, the outbox keys, the sender's claims), because APScheduler's job store cannot be
shared between processes and its cron triggers fire twice in a repeated autumn hour.
Every process keeps its own in-memory job store, built from the teams' schedules.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from bot.core.schedules import DEFAULT_SCHEDULES, JobSchedule, stored_schedule
from scheduler.runner import JobRunner
from scheduler.timing import last_due, still_relevant
from storage import job_runs
from storage.db import Database

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60  # also picks up /team schedule changes made through another instance
# A cron run that starts this late is still run by APScheduler (its default of 1 s would
# drop it silently); anything later is the sweep's to catch up.
MISFIRE_GRACE_SECONDS = 300
# Day names APScheduler's cron understands, Monday = 0 as in our schedules.
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PlannedJob:
    """One APScheduler job: a team's job on its schedule, in its zone."""

    job_id: str
    workspace_id: int
    team_id: int
    job: str
    schedule: JobSchedule
    tz: str

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
    """Teams of one workspace whose job fires at the same wall-clock time in the same zone:
    one APScheduler job, one build with one statement per question for all of them."""

    cohort_id: str
    plan: PlannedJob  # the first team's plan: what the cohort shares is the same in each
    team_ids: tuple[int, ...]


def cohort_id(plan: PlannedJob) -> str:
    schedule = plan.schedule
    assert schedule.days is not None and schedule.at is not None
    days = "".join(str(d) for d in sorted(schedule.days))
    return f"paceline:{plan.workspace_id}:{plan.job}:{plan.tz}:{days}:{schedule.at.strftime('%H%M')}"


def cohorts(plans: list[PlannedJob]) -> dict[str, Cohort]:
    grouped: dict[str, list[PlannedJob]] = {}
    for plan in plans:
        grouped.setdefault(cohort_id(plan), []).append(plan)
    return {cid: Cohort(cid, found[0], tuple(sorted(p.team_id for p in found))) for cid, found in grouped.items()}


def planned_jobs(db: Database) -> list[PlannedJob]:
    with db.read() as session:
        scheduled = job_runs.scheduled_teams(session)
    found = []
    for entry in scheduled:
        team = entry.team
        assert team.id is not None
        for job in DEFAULT_SCHEDULES:
            schedule = stored_schedule(job, entry.rows.get(job))
            if schedule.enabled:
                found.append(PlannedJob(job_id(team.workspace_id, team.id, job), team.workspace_id, team.id, job, schedule, team.tz))
    return found


class SchedulerService:
    def __init__(self, db: Database, clock: Clock, runner: JobRunner, sender: object | None = None) -> None:
        self.db = db
        self.clock = clock
        self.runner = runner
        self.sender = sender
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1},
        )
        self._planned: dict[str, PlannedJob] = {}  # by job_id(): each team's job
        self._cohorts: dict[str, Cohort] = {}  # by cohort_id(): what APScheduler runs
        self._sync_lock = threading.Lock()
        self._stop = threading.Event()
        self._sender_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, *, paused: bool = False) -> None:
        """Plan every team's jobs, catch up missed runs (at once, in the sweep job), start
        the sender. `paused` plans without firing (tests, `jobs list`)."""
        self.sync()
        self.scheduler.add_job(
            self.sweep, IntervalTrigger(seconds=SWEEP_SECONDS), id="paceline:sweep",
            replace_existing=True, next_run_time=None if paused else datetime.now(UTC),
        )
        self.scheduler.start(paused=paused)
        if self.sender is not None and not paused:
            self._sender_thread = threading.Thread(
                target=self.sender.run, args=(self._stop,), name="paceline-sender", daemon=True  # type: ignore[attr-defined]
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

    def scheduled_job(self, workspace_id: int, team_id: int, job: str) -> Job | None:
        """The APScheduler job that runs this team's job (its cohort's), if it is on."""
        plan = self._planned.get(job_id(workspace_id, team_id, job))
        return self.scheduler.get_job(cohort_id(plan)) if plan is not None else None

    def next_run(self, workspace_id: int, team_id: int, job: str) -> datetime | None:
        plan = self._planned.get(job_id(workspace_id, team_id, job))
        if plan is None:
            return None
        return plan.trigger().get_next_fire_time(None, self.clock.now())

    # ------------------------------------------------------------------ running

    def fire_cohort(self, cid: str) -> None:
        """A cohort's cron trigger fired: run the occurrence it stands for (the latest one
        due) for all its teams."""
        cohort = self._cohorts.get(cid)
        if cohort is None:
            return
        plan, now = cohort.plan, self.clock.now()
        # A trigger may fire a moment early by our clock; look a minute ahead for it.
        occurrence = last_due(plan.schedule, plan.tz, now + timedelta(minutes=1))
        if occurrence is None or not still_relevant(occurrence, plan.tz, max(now, occurrence.at)):
            return
        try:
            self.runner.run_cohort(plan.workspace_id, cohort.team_ids, occurrence)
        except Exception:
            log.exception("%s for teams %s failed; the sweep will try again", plan.job, cohort.team_ids)
        self._wake_sender()

    def sweep(self) -> None:
        try:
            self.sync()
            if self.runner.sweep(self.clock.now()):
                self._wake_sender()
        except Exception:
            log.exception("scheduler sweep failed; the next one will try again")

    def _wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()  # type: ignore[attr-defined]
