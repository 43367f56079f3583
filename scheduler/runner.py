"""Running one team's job for one occurrence: build its messages, then record the run and
put the messages in the outbox in one transaction.

Two processes may build the same run at once (wasted work, nothing worse): the run's row
and the outbox keys are unique, so only one set of messages exists. A process that dies
while building leaves nothing behind, and the next sweep builds the run again.

A weekly job posts in a team-local week at most once per day of its schedule
(scheduler.timing.week_has_room): a scheduled run of a week that already has them is
neither built nor recorded, checked again under the team's lock when it is recorded. The
sweep catches up runs missed while the app was down — never ones from before the team
existed (a team created on Thursday gets no catch-up of that week's Wednesday nudge).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.clock import Clock, zone
from bot.core.schedules import DEFAULT_SCHEDULES, stored_schedule
from scheduler.messages import DeliveryKey, Message, Outgoing
from scheduler.timing import (
    LOOKBACK_DAYS,
    MAX_MOVE_DAYS,
    WEEKLY_JOBS,
    Occurrence,
    last_due,
    still_relevant,
    team_calendar,
    week_has_room,
    week_of,
)
from storage import job_runs, outbox, teams
from storage.db import Database
from storage.models import Team
from storage.rows import persisted_id

if TYPE_CHECKING:  # the content modules import much more, and only when a job first runs
    from scheduler.content import BatchBuilder, Builder

log = logging.getLogger(__name__)

DB_ATTEMPTS = 5  # a locked or briefly unreachable database is retried this often
DB_BACKOFF_SECONDS = 0.2
# Teams built in one go at most: a bigger cohort is built in slices, so one build's
# statements, memory and failure stay bounded however many teams share a schedule.
MAX_BUILD_TEAMS = 250


@dataclass(frozen=True)
class RunResult:
    job: str
    workspace_id: int
    team_id: int
    team_name: str
    occurrence: Occurrence
    messages: int  # what the job built
    new: int  # of them, not in the outbox before
    ran_before: bool  # the occurrence had already run (another process, or earlier)
    holiday: bool = False  # not run: `jobs run` without `--at` on one of the team's holidays
    full_week: bool = False  # not run: the job has posted this week as often as its schedule says

    def describe(self) -> str:
        when = self.occurrence.local_date.strftime("%a %d %b %Y")
        if self.full_week:
            return f"{self.job} for team {self.team_name} ({when}): not run, it has already posted that week."
        if self.holiday:
            return (
                f"{self.job} for team {self.team_name} ({when}): not run, a holiday for the team "
                "(`--at` runs it anyway)."
            )
        if self.ran_before and not self.new:
            return f"{self.job} for team {self.team_name} ({when}) had already run: nothing new to send."
        return (
            f"{self.job} for team {self.team_name} ({when}): {self.messages} message(s), "
            f"{self.new} new, {self.messages - self.new} already in the outbox."
        )


def _batch_builders() -> Mapping[str, BatchBuilder]:
    from scheduler.content import BATCH_BUILDERS

    return BATCH_BUILDERS


def _one_by_one(builders: Mapping[str, Builder]) -> dict[str, BatchBuilder]:
    from scheduler.content import one_by_one

    return {job: one_by_one(builder) for job, builder in builders.items()}


class JobRunner:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        builders: Mapping[str, Builder] | None = None,
        on_enqueued: Callable[[], None] = lambda: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`builders` replaces the jobs' content with single-team builders (tests), run team
        by team; by default teams that fire together are built together."""
        self.db = db
        self.clock = clock
        self._batch_builders = _one_by_one(builders) if builders is not None else None
        self.on_enqueued = on_enqueued
        self.sleep = sleep

    @property
    def batch_builders(self) -> Mapping[str, BatchBuilder]:
        return self._batch_builders if self._batch_builders is not None else _batch_builders()

    def run(
        self, workspace_id: int, team_id: int, occurrence: Occurrence, *, manual: bool = False
    ) -> RunResult | None:
        """Build and enqueue one occurrence. A scheduled run that finds the occurrence already
        recorded enqueues nothing; a manual run (`jobs run`) enqueues what is missing, so it
        re-sends nothing already in the outbox. None when the team no longer exists."""
        found = self.run_cohort(workspace_id, [team_id], occurrence, manual=manual)
        return found[0] if found else None

    def run_cohort(
        self,
        workspace_id: int,
        team_ids: Sequence[int],
        occurrence: Occurrence,
        *,
        manual: bool = False,
    ) -> list[RunResult]:
        """run() for several teams of one workspace sharing the occurrence (teams that fire
        together): built together, with one statement per question for all of them, then
        recorded and enqueued team by team. Teams that no longer exist are left out. More than
        MAX_BUILD_TEAMS teams are built in slices of that many."""
        return [
            result
            for first in range(0, len(team_ids), MAX_BUILD_TEAMS)
            for result in self._run_slice(
                workspace_id, team_ids[first : first + MAX_BUILD_TEAMS], occurrence, manual
            )
        ]

    def _run_slice(
        self, workspace_id: int, team_ids: Sequence[int], occurrence: Occurrence, manual: bool
    ) -> list[RunResult]:
        for attempt in range(1, DB_ATTEMPTS + 1):
            try:
                return self._run_cohort_once(workspace_id, team_ids, occurrence, manual)
            except OperationalError as error:
                if attempt == DB_ATTEMPTS:
                    raise
                wait = DB_BACKOFF_SECONDS * 2 ** (attempt - 1)
                log.warning(
                    "database error in %s for %d team(s), retrying in %.1fs: %s",
                    occurrence.job,
                    len(team_ids),
                    wait,
                    type(error.orig).__name__,
                )
                self.sleep(wait)
        return []  # pragma: no cover - the loop returns or raises

    def _run_cohort_once(
        self, workspace_id: int, team_ids: Sequence[int], occurrence: Occurrence, manual: bool
    ) -> list[RunResult]:
        build_many = self.batch_builders[occurrence.job]
        with self.db.read() as session:
            chosen = teams.by_ids(session, workspace_id, list(team_ids))
            if not manual and occurrence.job in WEEKLY_JOBS:
                # Not built at all for a team whose week has all its runs (a schedule changed
                # after this week's run); _record checks again under the team's lock.
                full = self._full_week(
                    session, workspace_id, [t.id for t in chosen if t.id is not None], occurrence
                )
                if full:
                    log.info(
                        "%s (%s) for teams %s: already posted that week",
                        occurrence.job,
                        occurrence.key,
                        sorted(full),
                    )
                chosen = [team for team in chosen if team.id not in full]
                if not chosen:
                    return []
            try:
                built = build_many(session, workspace_id, chosen, occurrence.built_at)
            except OperationalError:
                raise
            except Exception:
                if len(chosen) < 2:
                    raise
                # One team's bad data must not cost the others their posts: team by team,
                # the failing ones are logged and left for the next sweep.
                log.exception(
                    "%s for %d teams failed together; building them one by one",
                    occurrence.job,
                    len(chosen),
                )
                built = self._one_team_at_a_time(
                    session, build_many, workspace_id, chosen, occurrence
                )
        results = [
            self._record(workspace_id, team, occurrence, built[team.id], manual)
            for team in chosen
            if team.id in built
        ]
        if any(result.new for result in results):
            self.on_enqueued()
        return results

    @staticmethod
    def _one_team_at_a_time(
        session: Session,
        build_many: BatchBuilder,
        workspace_id: int,
        chosen: Sequence[Team],
        occurrence: Occurrence,
    ) -> dict[int, list[Message]]:
        built: dict[int, list[Message]] = {}
        for team in chosen:
            try:
                built.update(build_many(session, workspace_id, [team], occurrence.built_at))
            except OperationalError:
                raise
            except Exception:
                log.exception("%s for team %s failed", occurrence.job, team.id)
        return built

    @staticmethod
    def _full_week(
        session: Session, workspace_id: int, team_ids: list[int], occurrence: Occurrence
    ) -> set[int]:
        """The teams whose week of `occurrence` already has as many runs of the job (other
        than this occurrence) as their schedule, as it is now, has days. Two statements."""
        job = occurrence.job
        week = week_of(occurrence.local_date)
        rows = job_runs.schedule_rows(session, workspace_id, team_ids, job)
        ran = job_runs.run_dates(session, workspace_id, team_ids, job, week.start, week.end)
        return {
            team_id
            for team_id in team_ids
            if not week_has_room(
                occurrence, stored_schedule(job, rows.get(team_id)), ran.get(team_id, ())
            )
        }

    def _record(
        self,
        workspace_id: int,
        team: Team,
        occurrence: Occurrence,
        built: list[Message],
        manual: bool,
    ) -> RunResult:
        """Record the team's run and put its messages in the outbox, in one transaction."""
        team_id = persisted_id(team)
        items = [
            Outgoing(
                workspace_id,
                DeliveryKey(occurrence.job, team_id, occurrence.key, m.recipient, m.part),
                m,
            )
            for m in built
        ]
        now = self.clock.now()
        with self.db.write() as session:
            if not manual and occurrence.job in WEEKLY_JOBS:
                # Under the team's lock another process's run of the same week is either
                # committed (and counted) or waits for this one.
                job_runs.lock_team(session, workspace_id, team_id)
                if self._full_week(session, workspace_id, [team_id], occurrence):
                    return RunResult(
                        occurrence.job,
                        workspace_id,
                        team_id,
                        team.name,
                        occurrence,
                        len(items),
                        0,
                        False,
                        full_week=True,
                    )
            first = job_runs.claim_run(
                session,
                workspace_id,
                team_id,
                occurrence.job,
                occurrence.key,
                occurrence.at,
                now,
                len(items),
            )
            if not first and not manual:
                return RunResult(
                    occurrence.job,
                    workspace_id,
                    team_id,
                    team.name,
                    occurrence,
                    len(items),
                    0,
                    True,
                )
            new = outbox.enqueue(session, items, now)
            if manual:
                new += outbox.requeue(session, workspace_id, [i.key.text() for i in items], now)
        log.info(
            "%s for team %s (%s): %d messages, %d new",
            occurrence.job,
            team_id,
            occurrence.key,
            len(items),
            new,
        )
        return RunResult(
            occurrence.job, workspace_id, team_id, team.name, occurrence, len(items), new, not first
        )

    def run_as_of(
        self, workspace_id: int, team: Team, job: str, at: datetime, *, skip_holidays: bool = False
    ) -> RunResult | None:
        """`paceline jobs run JOB --at …`: the occurrence is the team-local date of `at`.
        With `skip_holidays` (`jobs run` without `--at`, i.e. now) nothing runs on a day
        that is one of the team's holidays, as for scheduled runs."""
        found = self.run_teams_as_of([team], job, at, skip_holidays=skip_holidays)
        return found[0] if found else None

    def run_teams_as_of(
        self, chosen: Sequence[Team], job: str, at: datetime, *, skip_holidays: bool = False
    ) -> list[RunResult]:
        """run_as_of() for several teams (`paceline jobs run JOB` without `--team`): teams of
        one workspace whose local date of `at` is the same are built together. Results in
        the teams' order; with `skip_holidays`, a team whose local date of `at` is one of its
        holidays gets a `holiday` result and nothing is built for it."""
        groups: dict[tuple[int, date], list[int]] = defaultdict(list)
        found: dict[int, RunResult] = {}
        for team in chosen:
            if team.id is None:
                continue
            local_date = at.astimezone(zone(team.tz)).date()
            if skip_holidays and team_calendar(team.workweek, team.holidays_country).is_holiday(
                local_date
            ):
                occurrence = Occurrence(job, local_date, at)
                found[team.id] = RunResult(
                    job,
                    team.workspace_id,
                    team.id,
                    team.name,
                    occurrence,
                    0,
                    0,
                    False,
                    holiday=True,
                )
                continue
            groups[(team.workspace_id, local_date)].append(team.id)
        found.update(
            (result.team_id, result)
            for (workspace_id, local_date), team_ids in groups.items()
            for result in self.run_cohort(
                workspace_id, team_ids, Occurrence(job, local_date, at), manual=True
            )
        )
        return [found[team.id] for team in chosen if team.id in found]

    def sweep(
        self, now: datetime | None = None, workspace_ids: list[int] | None = None
    ) -> list[RunResult]:
        """Run every occurrence that is due, not yet run, and still relevant: catches up runs
        missed while the app was down, lost in a daylight-saving gap, or skipped by
        APScheduler's misfire rule, and runs the ones a holiday moved to the team's next
        working day (on each team's calendar, scheduler.timing.on_calendar). Not caught
        up: a run from before the team was created (it was never missed), and a weekly
        job's run in a week that already has its runs (a schedule changed within the
        week). Two statements to find them whatever the team count."""
        now = now or self.clock.now()
        with self.db.read() as session:
            scheduled = job_runs.scheduled_teams(session, workspace_ids)
            # A moved run is recorded at its moved instant, within the lookback of the one
            # below; the earlier bound is for `done` to see any run of an occurrence, and
            # every run of the week of one (7 days more).
            done = job_runs.runs_since(
                session, now - timedelta(days=LOOKBACK_DAYS + MAX_MOVE_DAYS + 8), workspace_ids
            )
        ran: dict[tuple[int, int, str], set[date]] = defaultdict(set)
        for workspace_id, team_id, job, key in done:
            ran[(workspace_id, team_id, job)].add(date.fromisoformat(key))
        # Teams due for the same occurrence of a job are built together.
        due: dict[tuple[int, Occurrence], list[int]] = defaultdict(list)
        for entry in scheduled:
            team = entry.team
            team_id = persisted_id(team)
            calendar = team_calendar(team.workweek, team.holidays_country)
            created = _aware(team.created_at)
            for job in DEFAULT_SCHEDULES:
                schedule = stored_schedule(job, entry.rows.get(job))
                occurrence = last_due(schedule, team.tz, now, calendar)
                if occurrence is None or (team.workspace_id, team_id, job, occurrence.key) in done:
                    continue
                if occurrence.at < created:
                    continue  # before the team existed: nothing was missed
                if not week_has_room(occurrence, schedule, ran[(team.workspace_id, team_id, job)]):
                    continue
                if still_relevant(occurrence, team.tz, now):
                    due[(team.workspace_id, occurrence)].append(team_id)
        results = []
        for (workspace_id, occurrence), team_ids in due.items():
            try:
                results.extend(self.run_cohort(workspace_id, team_ids, occurrence))
            except Exception:
                # One cohort's failure must not stop the others' posts.
                log.exception("%s for teams %s failed", occurrence.job, team_ids)
        return results


def _aware(value: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite returns them naive)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
