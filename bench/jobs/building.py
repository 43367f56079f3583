"""Building the scheduled jobs as the scheduler fires them: by cohort (the teams of one zone,
which share the default schedules), calling the batch builders
(`scheduler.content.BATCH_BUILDERS`) directly in a read session per cohort and job, as
`JobRunner.run_cohort` does before it enqueues, with the SQL statements of each build
counted; the digest charts the builder leaves to the sender, drawn on their own; and the
whole `JobRunner.run_cohort` path (build, record each team's run, enqueue)."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bench.harness import counting_statements
from bench.jobs.seeding import BenchTeam, World
from bot.render.chart import png_of

if TYPE_CHECKING:  # the app's modules load lazily, as in the other benches
    from scheduler.content import BatchBuilder
    from scheduler.messages import Message
    from storage.db import Database

TARGET_JOBS = ("weekly-digest", "nudge", "lagging-alert")  # what "building everything" is
EXTRA_JOBS = ("log-reminder",)  # built and shown too, outside the target
BUILD_LIMIT_SECONDS = 10.0


@dataclass
class JobBuild:
    """One job built for every timed team, cohort by cohort (the teams the scheduler fires
    together: same zone, same instant), one read session each, as JobRunner.run_cohort."""

    job: str
    teams: int = 0
    messages: int = 0
    seconds: float = 0.0  # wall time of the loop over the cohorts
    execute_seconds: float = 0.0  # of which inside cursor.execute
    chart_seconds: float = 0.0  # of which drawing the digest's chart (render_chart)
    cohort_ms: list[float] = field(default_factory=list)
    cohort_teams: list[int] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # statements per timed cohort
    small_count: int = 0  # statements for one small team built alone
    big_count: int = 0  # statements for the big team built alone
    warm_seconds: float = 0.0  # the first build in the process (big team, untimed)
    small_shapes: Counter[str] = field(default_factory=Counter)  # one small team alone
    slowest: list[tuple[str, float, int]] = field(default_factory=list)  # shape, s in SQL, times
    big_shapes: Counter[str] = field(default_factory=Counter)

    @property
    def count_range(self) -> tuple[int, int]:
        return (min(self.counts), max(self.counts)) if self.counts else (0, 0)

    @property
    def counts_ok(self) -> bool:
        """As many statements for the big team as for a small one, and for a whole cohort
        of small teams as for one: they grow with neither reps nor teams."""
        low, high = self.count_range
        return bool(self.counts) and low == high == self.small_count == self.big_count

    def grown_shapes(self) -> list[tuple[str, int, int]]:
        """Statement shapes whose number differs between a 20-rep and the big team."""
        shapes = set(self.small_shapes) | set(self.big_shapes)
        return sorted(
            (s, self.small_shapes[s], self.big_shapes[s])
            for s in shapes
            if self.small_shapes[s] != self.big_shapes[s]
        )


def _batch_builder(job: str) -> BatchBuilder:
    from scheduler.content import BATCH_BUILDERS

    return BATCH_BUILDERS[job]


def cohorts_of(chosen: Sequence[BenchTeam]) -> list[list[BenchTeam]]:
    """The teams the scheduler fires together: every bench team has the same schedule, so
    those of one zone (one instant) make one cohort."""
    found: dict[tuple[str, datetime], list[BenchTeam]] = {}
    for team in chosen:
        found.setdefault((team.tz, team.at), []).append(team)
    return list(found.values())


def build_cohort(
    db: Database, workspace_id: int, cohort: Sequence[BenchTeam], job: str
) -> dict[int, list[Message]]:
    """What JobRunner.run_cohort does before it enqueues: the teams' rows and the job's
    messages for all of them, in one read session."""
    from storage import teams

    with db.read() as session:
        rows = teams.by_ids(session, workspace_id, [team.team_id for team in cohort])
        assert len(rows) == len(cohort)
        return _batch_builder(job)(session, workspace_id, rows, cohort[0].at)


def build_one(db: Database, workspace_id: int, team: BenchTeam, job: str) -> list[Message]:
    """One team built alone (a cohort of one)."""
    return build_cohort(db, workspace_id, [team], job)[team.team_id]


@contextlib.contextmanager
def timing_calls(owners: Sequence[Any], name: str) -> Iterator[list[float]]:
    """Sum the seconds spent in function `name` of each module in `owners` that has one
    (the function itself, and modules that imported it by name) inside the block; the
    attributes are put back afterwards. Measures, changes nothing."""
    spent = [0.0]

    def timed(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return call

    wrapped = [(m, getattr(m, name)) for m in owners if callable(getattr(m, name, None))]
    for module, original in wrapped:
        setattr(module, name, timed(original))
    try:
        yield spent
    finally:
        for module, original in wrapped:
            setattr(module, name, original)


def _chart_modules() -> list[Any]:
    """Where the digest's chart may be drawn: bot.render.chart, and the digest builder
    when it imports `render_chart` itself (it drew the PNG while building, once)."""
    from bot.render import chart
    from scheduler.content import weekly_digest

    return [chart, weekly_digest]


def build_job(
    db: Database, world: World, job: str, keep: bool = False
) -> tuple[JobBuild, dict[int, list[Message]]]:
    """Warm up on the big team, count its statements and a small team's, then build every
    timed team cohort by cohort; the messages per team id when `keep`."""
    result = JobBuild(job, teams=len(world.teams))
    started = time.perf_counter()
    build_one(db, world.workspace_id, world.big, job)
    result.warm_seconds = time.perf_counter() - started
    with counting_statements(db) as log:
        build_one(db, world.workspace_id, world.big, job)
    result.big_count, result.big_shapes = log.count, log.shapes()
    with counting_statements(db) as log:
        build_one(db, world.workspace_id, world.teams[0], job)
    result.small_count, result.small_shapes = log.count, log.shapes()
    kept: dict[int, list[Message]] = {}
    with (
        timing_calls(_chart_modules(), "render_chart") as chart,
        counting_statements(db) as log,
    ):
        loop_started = time.perf_counter()
        for cohort in cohorts_of(world.teams):
            before = log.count
            started = time.perf_counter()
            built = build_cohort(db, world.workspace_id, cohort, job)
            result.cohort_ms.append((time.perf_counter() - started) * 1e3)
            result.cohort_teams.append(len(cohort))
            result.counts.append(log.count - before)
            result.messages += sum(len(messages) for messages in built.values())
            if keep:
                kept.update(built)
        result.seconds = time.perf_counter() - loop_started
    result.execute_seconds = log.execute_ns / 1e9
    shapes = log.shapes()
    result.slowest = [
        (shape, ns / 1e9, shapes[shape]) for shape, ns in log.execute_ns_by_shape.most_common(3)
    ]
    result.chart_seconds = chart[0]
    return result, kept


@dataclass
class DeferredCharts:
    """Digest charts the builder left to the sender (their data, not a PNG): drawn here
    one after another, as the sender would draw them before each upload."""

    charts: int = 0
    seconds: float = 0.0


def draw_deferred_charts(built: dict[int, list[Message]]) -> DeferredCharts:
    files = [
        m.file
        for found in built.values()
        for m in found
        if m.file is not None and not m.file.content and getattr(m.file, "chart", None)
    ]
    result = DeferredCharts(len(files))
    started = time.perf_counter()
    for file in files:
        png_of(file)
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class RunnerJob:
    job: str
    seconds: float = 0.0
    messages: int = 0
    new: int = 0  # rows the runs put in the outbox


def run_jobs(db: Database, world: World, jobs: Sequence[str]) -> list[RunnerJob]:
    """The scheduler's own path for every timed cohort and job: JobRunner.run_cohort builds
    the cohort's teams together, then records each team's run and enqueues its messages in
    one write transaction."""
    from bot.clock import SystemClock
    from scheduler.runner import JobRunner
    from scheduler.timing import Occurrence

    runner = JobRunner(db, SystemClock())
    found = []
    for job in jobs:
        result = RunnerJob(job)
        started = time.perf_counter()
        for cohort in cohorts_of(world.teams):
            occurrence = Occurrence(job, world.friday, cohort[0].at)
            runs = runner.run_cohort(
                world.workspace_id, [team.team_id for team in cohort], occurrence
            )
            assert len(runs) == len(cohort)
            result.messages += sum(run.messages for run in runs)
            result.new += sum(run.new for run in runs)
        result.seconds = time.perf_counter() - started
        found.append(result)
    return found


def shown_range(bounds: tuple[int, int]) -> str:
    low, high = bounds
    return str(low) if low == high else f"{low}–{high}"
