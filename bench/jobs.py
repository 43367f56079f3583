"""Scheduled jobs at scale (issue #4, speed): 10,000 reps in 500 teams with 13 weeks of
history, on SQLite and PostgreSQL.

1. **Build.** Every team's weekly digest, nudges and lagging alert at Friday 16:00 in the
   team's zone, built as the scheduler fires them: by cohort (the teams of one zone, which
   share the default schedules), calling the batch builders
   (`scheduler.content.BATCH_BUILDERS`) directly, each cohort and job in a read session of
   its own, as `JobRunner.run_cohort` does before it enqueues; then the whole
   `JobRunner.run_cohort` path (build, record each team's run, enqueue). The SQL statements
   of each build are counted: a 200-rep team must issue as many as a 20-rep one, and a
   cohort of 167 teams as many as one team. Digest charts the builder leaves to the sender are drawn afterwards and
   timed on their own.
2. **Delivery.** One nudge per rep (the nudge builder's own messages) enqueued and delivered
   by `scheduler.sender.Sender` (its default concurrency) to the stand-in Slack answering
   every call in 5 ms, against the ideal nudges × 5 ms / concurrency. The stand-in runs in
   a spawned process, as Slack runs on other machines; a second delivery with the stand-in
   in this process shows what sharing the GIL with it costs. Every delivery key must reach
   the stand-in exactly once and every outbox row end `sent`.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import multiprocessing
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bench import directory, seed
from bench.harness import (
    CHECKS_HEADER,
    Options,
    Outcome,
    Say,
    backend_errors,
    backend_name,
    check_row,
    counting_statements,
    finished,
    profile_text,
    run_bench,
    run_line,
    seeding_lines,
    table_row,
    tagged,
    upgrade_schema,
    write_results,
)
from bench.report_latency import goal_rows

if TYPE_CHECKING:  # the app's modules load lazily, as in the other benches
    from bot.standin.slack_api import StandInSlack
    from scheduler.content import BatchBuilder
    from scheduler.messages import Message, Outgoing
    from scheduler.sender import Sender
    from storage.db import Database

RESULTS_NAME = "jobs.md"
ZONES = ("America/New_York", "Europe/Berlin", "Australia/Sydney")
TARGET_JOBS = ("weekly-digest", "nudge", "lagging-alert")  # what "building everything" is
EXTRA_JOBS = ("log-reminder",)  # built and shown too, outside the target
RUN_AT = clock_time(16)  # Friday 16:00 team-local: the weekly digest's default slot
BUILD_LIMIT_SECONDS = 10.0
DELIVERY_RATIO_LIMIT = 1.5
SLACK_LATENCY_SECONDS = 0.005
ENTRIES_PER_REP_DAY = 4  # a few /log entries a rep and working day
# report_latency.goal_rows sizes its targets for that bench's density (1,000,000 entries,
# 200 reps, 261 working days); scaled to this one, reps land ahead, on pace and behind.
REPORT_DENSITY = 1_000_000 / (200 * 261)
SCALED_KINDS = ("individual", "team")
OWNER = "bench-jobs"
BARE = "own process, no sender: the posts alone (baseline)"
# What the bench measures, for the code state in the report.
MEASURED_CODE = ("scheduler", "storage", "bot/render", "bot/core", "bot/services/reports.py")


@dataclass(frozen=True)
class Plan:
    teams: int
    team_size: int = 20
    big_team_size: int = 200  # one more team, for the statement counts only
    weeks: int = 13
    profile_teams: int = 50  # teams built per job under cProfile
    profile_nudges: int = 2_000  # nudges delivered under cProfile

    @property
    def reps(self) -> int:
        return self.teams * self.team_size

    @classmethod
    def full(cls) -> Plan:
        return cls(teams=500)

    @classmethod
    def quick(cls) -> Plan:
        return cls(teams=50, profile_teams=20, profile_nudges=500)


# ---------------------------------------------------------------------------- seeding


@dataclass(frozen=True)
class BenchTeam:
    team_id: int
    name: str
    tz: str
    reps: int
    at: datetime  # the run's instant: Friday 16:00 in the team's zone


@dataclass
class World:
    workspace_id: int
    friday: date
    teams: list[BenchTeam]  # the plan's teams, timed
    big: BenchTeam  # big_team_size reps, counted only
    goals: int = 0
    entries: int = 0
    seconds: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class _Spec:
    index: int
    size: int

    @property
    def name(self) -> str:
        return f"jobs{self.index:04d}"

    @property
    def tz(self) -> str:
        return ZONES[self.index % len(ZONES)]

    def rep_user(self, i: int) -> str:
        return f"UR{self.index:04d}{i:03d}"

    @property
    def manager_user(self) -> str:
        return f"UM{self.index:04d}"


def last_friday(now: datetime) -> date:
    """The latest Friday whose 16:00 has passed in every zone of the bench."""
    from scheduler.timing import instant

    day = now.date() - timedelta(days=(now.weekday() - 4) % 7)
    while any(instant(day, RUN_AT, tz) > now for tz in ZONES):
        day -= timedelta(days=7)
    return day


def seed_world(url: str, plan: Plan, now: datetime, say: Say = lambda _: None) -> World:
    """Schema, one workspace, the plan's teams (and the big one) with a manager each, the
    report bench's goals per team, and `plan.weeks` weeks of entries ending on Friday."""
    from scheduler.timing import instant

    friday = last_friday(now)
    specs = [_Spec(i, plan.team_size) for i in range(plan.teams)]
    specs.append(_Spec(plan.teams, plan.big_team_size))
    started = time.perf_counter()
    upgrade_schema(url)
    workspace_id, directories, managers = _seed_directory(url, specs, now)
    week_start = friday - timedelta(days=4)
    first = week_start - timedelta(weeks=plan.weeks - 1)
    rows = [
        row
        for spec in specs
        for row in _scaled(
            goal_rows(
                directories[spec.index],
                managers[spec.index],
                (week_start, week_start + timedelta(days=6)),
                first,
                now,
            )
        )
    ]
    goals = seed.seed_goals(url, rows)
    teams = [
        BenchTeam(directories[s.index].team_id, s.name, s.tz, s.size, instant(friday, RUN_AT, s.tz))
        for s in specs
    ]
    world = World(workspace_id, friday, teams[:-1], teams[-1], goals)
    people = sum(s.size + 1 for s in specs)
    world.seconds.append(
        (
            f"schema, {len(specs)} teams, {people:,} people (reps and a manager a team), {goals:,} goals",
            time.perf_counter() - started,
        )
    )
    say(f"seeded {len(specs)} teams, {people:,} people and {goals:,} goals")
    started = time.perf_counter()
    world.entries = _load_entries(url, world, directories, first, friday, now)
    took = time.perf_counter() - started
    world.seconds.append(
        (
            f"{world.entries:,} entries, {ENTRIES_PER_REP_DAY} a rep and working day from {first} to {friday} "
            "(bulk load, index build, ANALYZE)",
            took,
        )
    )
    say(f"loaded {world.entries:,} entries in {took:.1f} s")
    return world


def _scaled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    factor = ENTRIES_PER_REP_DAY / REPORT_DENSITY
    for row in rows:
        if row["kind"] in SCALED_KINDS:
            row["target"] = max(1, round(row["target"] * factor))
    return rows


def _person(workspace_id: int, user: str, name: str, tz: str, now: datetime) -> dict[str, Any]:
    return directory.person_row(workspace_id, (user, name, name.title()), tz, now)


def _team(workspace_id: int, spec: _Spec, now: datetime) -> dict[str, Any]:
    return directory.team_row(
        workspace_id,
        spec.name,
        spec.tz,
        now,
        channel_id=f"CJ{spec.index:06d}",
        channel_name=f"sales-{spec.name}",
    )


def _seed_directory(
    url: str, specs: Sequence[_Spec], now: datetime
) -> tuple[int, dict[int, seed.Directory], dict[int, int]]:
    """The workspace, every person, team, membership and manager in one transaction, a
    few executemany statements whatever the size; (workspace id, directories, manager ids)."""
    from storage.db import make_engine
    from storage.models import Person, Team, TeamManager, TeamMember

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            workspace_id = directory.add_workspace(conn, seed.TEAM_ID, "Bench Co", now)
            people = [
                _person(workspace_id, s.rep_user(i), f"rep{s.index:04d}-{i:03d}", s.tz, now)
                for s in specs
                for i in range(s.size)
            ]
            people += [
                _person(workspace_id, s.manager_user, f"manager{s.index:04d}", s.tz, now)
                for s in specs
            ]
            conn.execute(sa.insert(Person), people)
            ids = directory.person_ids(conn, workspace_id)
            conn.execute(sa.insert(Team), [_team(workspace_id, s, now) for s in specs])
            team_ids = directory.team_ids(conn, workspace_id)
            directories = {
                s.index: seed.Directory(
                    workspace_id,
                    team_ids[s.name],
                    [
                        seed.Rep(ids[s.rep_user(i)], s.rep_user(i), f"rep{s.index:04d}-{i:03d}")
                        for i in range(s.size)
                    ],
                )
                for s in specs
            }
            directory.add_links(
                conn,
                TeamMember,
                workspace_id,
                ((d.team_id, r.person_id) for d in directories.values() for r in d.reps),
                now,
            )
            managers = {s.index: ids[s.manager_user] for s in specs}
            directory.add_links(
                conn,
                TeamManager,
                workspace_id,
                ((directories[i].team_id, pid) for i, pid in managers.items()),
                now,
            )
            return workspace_id, directories, managers
    finally:
        engine.dispose()


def _load_entries(
    url: str,
    world: World,
    directories: dict[int, seed.Directory],
    first: date,
    friday: date,
    now: datetime,
) -> int:
    day_value, at_value = seed.entry_converters(url)
    days = seed.working_days(friday, (friday - first).days + 1)
    person_ids = [r.person_id for d in directories.values() for r in d.reps]
    plan = seed.entry_plan(
        workspace_id=world.workspace_id,
        person_ids=person_ids,
        days=days,
        total=len(person_ids) * len(days) * ENTRIES_PER_REP_DAY,
        seed=40,
        batch_prefix="j",
        now=now,
        day_value=day_value,
        at_value=at_value,
    )
    return seed.load_entries(url, plan)


# ---------------------------------------------------------------------------- build


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


def build_cohort(db: Database, workspace_id: int, cohort: Sequence[BenchTeam], job: str) -> dict[int, list[Message]]:
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
        file.png()  # type: ignore[attr-defined]  # ChartFile.png() where charts are deferred
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
            runs = runner.run_cohort(world.workspace_id, [team.team_id for team in cohort], occurrence)
            assert len(runs) == len(cohort)
            result.messages += sum(run.messages for run in runs)
            result.new += sum(run.new for run in runs)
        result.seconds = time.perf_counter() - started
        found.append(result)
    return found


# ---------------------------------------------------------------------------- stand-in Slack


@dataclass(frozen=True)
class Received:
    """What the stand-in Slack got: the delivery key of every chat.postMessage, and the
    most posts it was answering at once."""

    keys: list[str]
    arrivals: list[float]  # when each post arrived (time.time), in order
    calls: int
    max_in_flight: int
    cpu_seconds: float  # CPU time of the stand-in's process so far (all its threads)


def received_by(standin: StandInSlack) -> Received:
    keys, arrivals = [], []
    for call in standin.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        keys.append(str((metadata.get("event_payload") or {}).get("key", "")))
        arrivals.append(call.at)
    return Received(
        keys,
        arrivals,
        len(standin.calls),
        standin.max_in_flight("chat.postMessage"),
        time.process_time(),
    )


def _serve_standin(conn: Connection, latency: float) -> None:
    """The spawned stand-in's process: serve until told to stop, report on request."""
    from bot.standin.slack_api import StandInSlack

    standin = StandInSlack(team_id=seed.TEAM_ID, team_name="Bench Co").start()
    standin.latency = latency
    try:
        conn.send(standin.api_url)
        while conn.recv() == "report":
            conn.send(received_by(standin))
    finally:
        standin.stop()


class StandIn:
    """The stand-in Slack on 127.0.0.1, answering every call `latency` seconds late, in a
    spawned process (`own_process`) or in this one."""

    def __init__(self, latency: float, own_process: bool) -> None:
        self._local: StandInSlack | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        if own_process:
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe()
            self._process = context.Process(
                target=_serve_standin, args=(child, latency), name="bench-standin", daemon=True
            )
            self._process.start()
            child.close()
            self.api_url: str = self._conn.recv()
        else:
            from bot.standin.slack_api import StandInSlack

            self._local = StandInSlack(team_id=seed.TEAM_ID, team_name="Bench Co").start()
            self._local.latency = latency
            self.api_url = self._local.api_url

    def received(self) -> Received:
        if self._local is not None:
            return received_by(self._local)
        self._conn.send("report")
        return self._conn.recv()

    def close(self) -> None:
        if self._local is not None:
            self._local.stop()
            return
        assert self._process is not None
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._conn.close()


# ---------------------------------------------------------------------------- delivery


@dataclass
class Delivery:
    where: str  # where the stand-in ran
    nudges: int
    concurrency: int
    enqueue_seconds: float = 0.0
    seconds: float = 0.0
    sent: int = 0  # the sender's own count
    statuses: dict[str, int] = field(default_factory=dict)  # outbox rows by status after
    posts: int = 0  # chat.postMessage calls the stand-in got
    duplicates: int = 0  # posts beyond the first of a key
    missing: int = 0  # keys enqueued that never reached the stand-in
    unexpected: int = 0  # keys the stand-in got that were never enqueued
    max_in_flight: int = 0
    statements: int = 0
    cpu_seconds: float = 0.0  # this process (sender, database driver; stand-in if here)
    standin_cpu_seconds: float | None = None  # the stand-in's own process, when it has one
    post_seconds: float = 0.0  # chat.postMessage calls' wall time, summed over the workers
    tenths: list[float] = field(default_factory=list)  # seconds each tenth of the posts took
    slowest: list[tuple[str, float, int]] = field(default_factory=list)  # shape, s in SQL, times

    @property
    def ideal(self) -> float:
        return self.nudges * SLACK_LATENCY_SECONDS / self.concurrency

    @property
    def ratio(self) -> float:
        return self.seconds / self.ideal if self.ideal else float("nan")

    @property
    def mean_in_flight(self) -> float:
        """Posts under way at an average moment (Little's law): what the concurrency
        achieved, against the sender's `concurrency`."""
        return self.post_seconds / self.seconds if self.seconds else 0.0

    @property
    def all_sent(self) -> bool:
        return self.statuses.get("sent", 0) == self.nudges == sum(self.statuses.values())

    @property
    def exact(self) -> bool:
        return (
            self.all_sent
            and self.posts == self.nudges
            and not (self.duplicates or self.missing or self.unexpected)
        )


def nudge_items(world: World, built: dict[int, list[Message]]) -> list[Outgoing]:
    """The nudge builder's messages as outbox items, keyed as JobRunner keys them."""
    from scheduler.messages import DeliveryKey, Outgoing

    period = world.friday.isoformat()
    return [
        Outgoing(
            world.workspace_id,
            DeliveryKey("nudge", team_id, period, message.recipient, message.part),
            message,
        )
        for team_id, messages in built.items()
        for message in messages
    ]


def _refill_outbox(db: Database, items: Sequence[Outgoing]) -> float:
    """An outbox holding exactly `items`, pending and due; seconds the enqueue took."""
    from storage import outbox
    from storage.models import Outbox

    with db.write() as session:
        session.execute(sa.delete(Outbox))
    started = time.perf_counter()
    with db.write() as session:
        added = outbox.enqueue(session, items, datetime.now(UTC))
    took = time.perf_counter() - started
    assert added == len(items), f"enqueued {added} of {len(items)}"
    if db.is_sqlite:
        with db.engine.connect() as conn:  # statistics for the claim queries' planner
            conn.exec_driver_sql("ANALYZE outbox")
            conn.commit()
    else:
        # The rows the previous run left were just deleted: VACUUM clears them from the
        # table and its indexes (as autovacuum soon would), so each delivery starts alike
        # rather than claiming through the last one's dead index entries.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) outbox")
    return took


def _timed_client(api_url: str) -> Any:
    """The sender's WebClient (no retry handlers: the sender owns every retry) that also
    sums the wall time of its chat.postMessage calls, seen from the sender's side."""
    from bot.slack_http import KeepAliveWebClient

    class TimedClient(KeepAliveWebClient):
        posts = 0
        post_seconds = 0.0
        _lock = threading.Lock()

        def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802 (slack_sdk's name)
            started = time.perf_counter()
            try:
                return super().chat_postMessage(**kwargs)
            finally:
                took = time.perf_counter() - started
                with self._lock:
                    self.posts += 1
                    self.post_seconds += took

    client = TimedClient(token="xoxb-bench", base_url=api_url, timeout=10)
    client.retry_handlers = []
    return client


def _sender(db: Database, client: Any) -> Sender:
    from bot.clock import SystemClock
    from scheduler.sender import Sender

    return Sender(db, lambda _workspace_id: client, SystemClock(), owner=OWNER)


def deliver(db: Database, items: Sequence[Outgoing], own_process: bool) -> Delivery:
    """Enqueue `items`, deliver them all with the Sender, and check what Slack got."""
    from storage.models import Outbox

    standin = StandIn(SLACK_LATENCY_SECONDS, own_process)
    try:
        client = _timed_client(standin.api_url)
        sender = _sender(db, client)
        result = Delivery(
            "own process" if own_process else "this process", len(items), sender.concurrency
        )
        result.enqueue_seconds = _refill_outbox(db, items)
        idle = standin.received().cpu_seconds
        with counting_statements(db) as log:
            cpu, started = time.process_time(), time.perf_counter()
            stats = sender.deliver_due()
            result.seconds = time.perf_counter() - started
            result.cpu_seconds = time.process_time() - cpu
        result.statements, result.sent = log.count, stats.sent
        result.post_seconds = client.post_seconds
        shapes = log.shapes()
        result.slowest = [
            (shape, ns / 1e9, shapes[shape]) for shape, ns in log.execute_ns_by_shape.most_common(4)
        ]
        received = standin.received()
        if own_process:
            result.standin_cpu_seconds = received.cpu_seconds - idle
    finally:
        standin.close()
    with db.read() as session:
        result.statuses = dict(
            session.execute(sa.select(Outbox.status, sa.func.count()).group_by(Outbox.status)).all()  # type: ignore[arg-type]
        )
    _tally(result, items, received)
    return result


def _tally(result: Delivery, items: Sequence[Outgoing], received: Received) -> None:
    """What the stand-in got against what was enqueued."""
    expected = {item.key.text() for item in items}
    seen = Counter(received.keys)
    result.posts = len(received.keys)
    result.duplicates = sum(n - 1 for n in seen.values() if n > 1)
    result.missing = len(expected - set(seen))
    result.unexpected = len(set(seen) - expected)
    result.max_in_flight = received.max_in_flight
    result.tenths = tenths(received.arrivals)


def post_bare(items: Sequence[Outgoing], concurrency: int) -> Delivery:
    """The HTTP path alone, the floor under the sender's time: the same posts, with the
    same metadata, from `concurrency` threads sharing the same kind of WebClient, to a
    stand-in in its own process; no sender, no outbox, no database."""
    from concurrent.futures import ThreadPoolExecutor

    from scheduler.sender import EVENT_TYPE

    standin = StandIn(SLACK_LATENCY_SECONDS, own_process=True)
    try:
        client = _timed_client(standin.api_url)
        result = Delivery(BARE, len(items), concurrency)

        def post(item: Outgoing) -> None:
            message = item.message
            client.chat_postMessage(
                channel=message.recipient,
                text=message.text,
                blocks=list(message.blocks) or None,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": item.key.text()}},
            )

        idle = standin.received().cpu_seconds
        cpu, started = time.process_time(), time.perf_counter()
        with ThreadPoolExecutor(concurrency, thread_name_prefix="bench-post") as pool:
            for _ in pool.map(post, items):
                pass
        result.seconds = time.perf_counter() - started
        result.cpu_seconds = time.process_time() - cpu
        result.post_seconds = client.post_seconds
        received = standin.received()
        result.standin_cpu_seconds = received.cpu_seconds - idle
    finally:
        standin.close()
    _tally(result, items, received)
    return result


def tenths(arrivals: Sequence[float]) -> list[float]:
    """Seconds between the first post of each tenth of the posts and the first of the next
    (the last tenth: to its last post): a sender that slows down as the outbox fills up
    shows rising numbers."""
    ordered = sorted(arrivals)
    if len(ordered) < 20:
        return []
    bounds = [len(ordered) * k // 10 for k in range(10)] + [len(ordered) - 1]
    return [ordered[bounds[k + 1]] - ordered[bounds[k]] for k in range(10)]


# ---------------------------------------------------------------------------- profiles


@contextlib.contextmanager
def profiling_all_threads(
    timer: Callable[[], float] | None = None,
) -> Iterator[list[cProfile.Profile]]:
    """cProfile in this thread and in every thread started inside the block (the sender's
    workers): `threading.setprofile` hands each new thread a profiler of its own."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def new() -> cProfile.Profile:
        return cProfile.Profile(timer) if timer else cProfile.Profile()

    def start(_frame: Any, _event: str, _arg: Any) -> None:
        profile = new()
        with lock:
            profiles.append(profile)
        profile.enable()  # replaces this hook, for this thread only

    main = new()
    profiles.append(main)
    threading.setprofile(start)
    main.enable()
    try:
        yield profiles
    finally:
        main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]


def profile_build(db: Database, world: World, job: str, teams: int) -> str:
    sample = world.teams[:teams]
    with profiling_all_threads() as profiles:
        for cohort in cohorts_of(sample):
            build_cohort(db, world.workspace_id, cohort, job)
    return profile_text(f"{job}: built for {len(sample)} teams (by cohort) under cProfile", profiles)


def profile_delivery(db: Database, items: Sequence[Outgoing], cpu: bool) -> str:
    """The sender's threads under cProfile: wall time (waits included), or with `cpu` each
    thread's own CPU time (`time.thread_time`), which leaves the waits out."""
    standin = StandIn(SLACK_LATENCY_SECONDS, own_process=True)
    try:
        sender = _sender(db, _timed_client(standin.api_url))
        _refill_outbox(db, items)
        with profiling_all_threads(time.thread_time if cpu else None) as profiles:
            sender.deliver_due()
    finally:
        standin.close()
    clock = "CPU time of each thread (time.thread_time)" if cpu else "wall time"
    return profile_text(
        f"delivery of {len(items):,} nudges, sender threads included, stand-in in its own "
        f"process; {clock}",
        profiles,
    )


# ---------------------------------------------------------------------------- one backend


@dataclass
class BackendResult:
    backend: str
    world: World | None = None
    builds: list[JobBuild] = field(default_factory=list)
    runner: list[RunnerJob] = field(default_factory=list)
    deferred: DeferredCharts | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    baseline: Delivery | None = None  # the posts without the sender (post_bare)
    profiles: list[str] = field(default_factory=list)  # paths written
    load_average: tuple[float, float] | None = None
    error: str | None = None

    def target_builds(self) -> list[JobBuild]:
        return [b for b in self.builds if b.job in TARGET_JOBS]

    @property
    def build_seconds(self) -> float:
        return sum(b.seconds for b in self.target_builds())

    @property
    def build_ok(self) -> bool:
        return (
            len(self.target_builds()) == len(TARGET_JOBS)
            and self.build_seconds < BUILD_LIMIT_SECONDS
        )

    @property
    def honest_delivery(self) -> Delivery | None:
        return next((d for d in self.deliveries if d.where == "own process"), None)

    @property
    def delivery_ok(self) -> bool:
        d = self.honest_delivery
        return d is not None and d.ratio <= DELIVERY_RATIO_LIMIT


def run_backend(backend: str, plan: Plan, options: Options, say: Say) -> BackendResult:
    from storage.db import Database

    result = BackendResult(backend)
    loads = [os.getloadavg()[0]]
    say = tagged(say, backend)
    with (
        backend_errors(result, say),
        seed.bench_database(backend, seed.PG_DATABASE + "_jobs") as database,
    ):
        world = seed_world(database.url, plan, datetime.now(UTC), say)
        result.world = world
        db = Database(database.url)
        # As the app does once it is built (bot.app.build): long-lived objects out of the
        # cyclic collector's full passes.
        gc.collect()
        gc.freeze()
        try:
            _measure(db, world, plan, options, result, say)
        finally:
            db.dispose()
    loads.append(os.getloadavg()[0])
    result.load_average = (loads[0], loads[1])
    return result


def _measure(
    db: Database, world: World, plan: Plan, options: Options, result: BackendResult, say: Say
) -> None:
    built: dict[str, dict[int, list[Message]]] = {}
    for job in TARGET_JOBS + EXTRA_JOBS:
        say(f"building {job} for {len(world.teams)} teams …")
        build, built[job] = build_job(db, world, job, keep=job in ("nudge", "weekly-digest"))
        result.builds.append(build)
        # The messages kept for the delivery below are the bench's, not the builder's (the
        # runner enqueues each team's and drops them): out of the collector's full passes,
        # or they slow every job timed after them.
        gc.collect()
        gc.freeze()
        say(
            f"  {job}: {build.seconds:.2f} s, {build.messages:,} messages in {len(build.counts)} cohorts, "
            f"statements {build.small_count} for a team of {plan.team_size} reps, {build.big_count} of "
            f"{plan.big_team_size}, {_range(build.count_range)} per cohort"
        )
    say(f"building everything (digest, nudges, alerts): {result.build_seconds:.2f} s")
    digests = built.pop("weekly-digest")
    result.deferred = draw_deferred_charts(digests)
    sample = dict(list(digests.items())[: plan.profile_teams])  # for the profile, if any
    del digests
    if result.deferred.charts:
        say(
            f"drawing the {result.deferred.charts} digest charts the builder left to the sender: "
            f"{result.deferred.seconds:.2f} s"
        )
    say(f"JobRunner.run for {len(world.teams)} teams × {len(TARGET_JOBS)} jobs (build + enqueue) …")
    result.runner = run_jobs(db, world, TARGET_JOBS)
    say(
        f"  {sum(r.seconds for r in result.runner):.2f} s, {sum(r.new for r in result.runner):,} rows enqueued"
    )
    items = nudge_items(world, built["nudge"])
    for own_process in (True, False):
        where = "its own process" if own_process else "this process"
        say(f"delivering {len(items):,} nudges, stand-in Slack in {where} …")
        delivery = deliver(db, items, own_process)
        result.deliveries.append(delivery)
        say(
            f"  {delivery.seconds:.2f} s vs ideal {delivery.ideal:.2f} s ({delivery.ratio:.2f}×), "
            f"{delivery.posts:,} posts, {delivery.duplicates} duplicates, {delivery.missing} missing"
        )
    concurrency = result.deliveries[0].concurrency
    say(
        f"posting the same {len(items):,} nudges from {concurrency} threads, no sender (baseline) …"
    )
    result.baseline = post_bare(items, concurrency)
    say(f"  {result.baseline.seconds:.2f} s ({result.baseline.ratio:.2f}× the ideal)")
    _profiles(db, world, plan, options, result, items, sample, say)


def _profiles(
    db: Database,
    world: World,
    plan: Plan,
    options: Options,
    result: BackendResult,
    items: Sequence[Outgoing],
    digests: dict[int, list[Message]],
    say: Say,
) -> None:
    """cProfile what missed its target (everything with --profile), after measuring: the
    builds, the charts left to the sender (when build and charts together miss the build
    target) and the delivery."""
    jobs = [b.job for b in result.target_builds()] if options.profile or not result.build_ok else []
    for job in jobs:
        say(f"profiling {job} over {plan.profile_teams} teams …")
        text = profile_build(db, world, job, plan.profile_teams)
        result.profiles.append(str(write_results(f"jobs_profile_{result.backend}_{job}.txt", text)))
    charts = result.deferred.seconds if result.deferred else 0.0
    if charts and (options.profile or result.build_seconds + charts >= BUILD_LIMIT_SECONDS):
        say(f"profiling the drawing of {len(digests)} digest charts …")
        with profiling_all_threads() as profiles:
            drawn = draw_deferred_charts(digests)
        text = profile_text(f"{drawn.charts} digest charts drawn from their data", profiles)
        name = f"jobs_profile_{result.backend}_digest_charts.txt"
        result.profiles.append(str(write_results(name, text)))
    if options.profile or not result.delivery_ok:
        count = min(plan.profile_nudges, len(items))
        for cpu in (False, True):
            say(f"profiling the delivery of {count:,} nudges ({'CPU' if cpu else 'wall'} time) …")
            text = profile_delivery(db, items[:count], cpu)
            name = f"jobs_profile_{result.backend}_delivery{'_cpu' if cpu else ''}.txt"
            result.profiles.append(str(write_results(name, text)))


def _range(bounds: tuple[int, int]) -> str:
    low, high = bounds
    return str(low) if low == high else f"{low}–{high}"


# ---------------------------------------------------------------------------- report


def report(
    results: list[BackendResult], plan: Plan, quick: bool, seconds: float, loads: list[float]
) -> tuple[str, bool, bool]:
    lines = _header(plan, quick, seconds, loads)
    lines += _build_table(results, plan)
    lines += _delivery_table(results)
    checks, all_pass = _checks(results, plan)
    lines += checks
    lines += _details(results, plan)
    return finished(
        lines,
        any(r.error for r in results),
        all_pass,
        "**WARNING: a backend broke — its numbers are missing or not valid.**",
    )


def code_state() -> str:
    """The commit measured, and the measured code's files changed since (read-only git)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False
        )
        return done.stdout.rstrip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--", *MEASURED_CODE).splitlines()
    except (OSError, subprocess.SubprocessError):
        return "code: unknown (no git)"
    edited = sorted(line[3:] for line in changed if not line.startswith("??"))
    new = sum(1 for line in changed if line.startswith("??"))
    text = f"code: commit {commit or '?'}"
    if edited:
        text += f", with uncommitted changes to {', '.join(edited)}"
    if new:
        text += f", and {new} new file(s) under {', '.join(MEASURED_CODE)}"
    return text


def _header(plan: Plan, quick: bool, seconds: float, loads: list[float]) -> list[str]:
    return [
        "# Scheduled jobs: building and delivering at scale",
        "",
        run_line(quick, seconds, loads),
        "",
        code_state(),
        "",
        f"{plan.reps:,} reps in {plan.teams} teams of {plan.team_size} (one manager each, a channel, "
        f"zones {', '.join(ZONES)} in turn) with {plan.weeks} weeks of entries "
        f"({ENTRIES_PER_REP_DAY} a rep and working day) and the report bench's goals per team: "
        "a weekly calls goal per rep (every fourth with a stretch), a team-total revenue goal, "
        "an all-or-nothing demos goal and a meetings contest this week. Each team's jobs are "
        "built as of Friday 16:00 in its own zone, by cohort (the teams of one zone, fired "
        "together by the scheduler), calling `scheduler.content.BATCH_BUILDERS` directly in one "
        "read session per cohort and job (the teams' rows, then the batch builder: what "
        "`JobRunner.run_cohort` does before it enqueues), after one untimed warm-up build. "
        "Statements are counted per build, BEGIN included: each cohort, one "
        f"{plan.team_size}-rep team alone and one extra team of {plan.big_team_size} reps alone "
        "(same goals). Delivery: one nudge per rep, the nudge "
        "builder's own messages, enqueued and delivered by `Sender` (default concurrency, a "
        f"`WebClient` with `retry_handlers = []`) to the stand-in Slack answering in "
        f"{SLACK_LATENCY_SECONDS * 1000:g} ms; ideal = nudges × {SLACK_LATENCY_SECONDS * 1000:g} ms "
        "÷ concurrency.",
    ]


def _build_table(results: list[BackendResult], plan: Plan) -> list[str]:
    lines = [
        "",
        f"| Backend | Job | Teams | Messages | Seconds | ms per cohort (mean / max) | in SQL | drawing the chart | "
        f"Statements: one team of {plan.team_size} reps / each cohort | one team of {plan.big_team_size} reps |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        name = backend_name(r.backend)
        for b in r.builds:
            label = b.job if b.job in TARGET_JOBS else f"{b.job} (not in the target)"
            lines.append(
                table_row(
                    name,
                    label,
                    b.teams,
                    f"{b.messages:,}",
                    f"{b.seconds:.2f}",
                    f"{_mean(b.cohort_ms):.0f} / {max(b.cohort_ms, default=0):.0f}",
                    f"{b.execute_seconds:.2f} s",
                    f"{b.chart_seconds:.2f} s" if b.chart_seconds else "–",
                    f"{b.small_count} / {_range(b.count_range)}",
                    b.big_count,
                )
            )
        targets = r.target_builds()
        if targets:
            lines.append(
                table_row(
                    name,
                    "**everything: digest + nudges + alerts**",
                    targets[0].teams,
                    f"{sum(b.messages for b in targets):,}",
                    f"**{r.build_seconds:.2f}**",
                    f"{sum(_mean(b.cohort_ms) for b in targets):.0f} / –",
                    f"{sum(b.execute_seconds for b in targets):.2f} s",
                    f"{sum(b.chart_seconds for b in targets):.2f} s",
                    "",
                    "",
                )
            )
        if r.deferred and r.deferred.charts:
            lines.append(
                table_row(
                    name,
                    "weekly-digest charts, left by the builder to the sender (not in the build): "
                    "drawn one after another",
                    r.deferred.charts,
                    "",
                    f"{r.deferred.seconds:.2f}",
                    f"{r.deferred.seconds / r.deferred.charts * 1000:.1f} / –",
                    "",
                    f"{r.deferred.seconds:.2f} s",
                    "",
                    "",
                )
            )
        if r.runner:
            lines.append(
                table_row(
                    name,
                    "JobRunner.run_cohort, same three jobs (build + record each team's run + enqueue): "
                    + ", ".join(f"{j.job} {j.seconds:.2f} s" for j in r.runner),
                    len(r.world.teams) if r.world else "",
                    f"{sum(j.new for j in r.runner):,} enqueued",
                    f"{sum(j.seconds for j in r.runner):.2f}",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )
        if r.error:
            lines.append(table_row(name, "**ERROR**", r.error, *[""] * 8))
    return lines


def _delivery_table(results: list[BackendResult]) -> list[str]:
    lines = [
        "",
        "| Backend | Stand-in Slack in | Nudges | Seconds | Ideal s | Ratio | Posts/s | "
        "Duplicates | Missing | Outbox rows sent | Posts in flight (mean / most) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for d in r.deliveries + ([r.baseline] if r.baseline else []):
            lines.append(
                table_row(
                    backend_name(r.backend),
                    d.where + (" (the measured one)" if d.where == "own process" else ""),
                    f"{d.nudges:,}",
                    f"{d.seconds:.2f}",
                    f"{d.ideal:.2f}",
                    f"{d.ratio:.2f}×",
                    f"{d.nudges / d.seconds:,.0f}" if d.seconds else "–",
                    d.duplicates,
                    d.missing,
                    f"{d.statuses.get('sent', 0):,} / {sum(d.statuses.values()):,}"
                    if d.statuses
                    else "–",
                    f"{d.mean_in_flight:.1f} / {d.max_in_flight} of {d.concurrency}",
                )
            )
    return lines


def _checks(results: list[BackendResult], plan: Plan) -> tuple[list[str], bool]:
    lines = list(CHECKS_HEADER)
    all_pass = True

    def check(name: str, what: str, measured: str, ok: bool) -> None:
        nonlocal all_pass
        lines.append(check_row(name, what, measured, ok))
        all_pass &= ok

    for r in results:
        name = backend_name(r.backend)
        check(
            name,
            f"building everything < {BUILD_LIMIT_SECONDS:g} s",
            f"{r.build_seconds:.2f} s",
            r.build_ok,
        )
        for b in r.target_builds():
            check(
                name,
                f"{b.job}: statements for one team @ {plan.big_team_size} reps == @ {plan.team_size} reps == for each cohort",
                f"{b.big_count} vs {b.small_count} vs {_range(b.count_range)}",
                b.counts_ok,
            )
        d = r.honest_delivery
        check(
            name,
            f"delivery ≤ {DELIVERY_RATIO_LIMIT:g}× ideal (stand-in in its own process)",
            f"{d.seconds:.2f} s vs {d.ideal:.2f} s ({d.ratio:.2f}×)" if d else "not run",
            r.delivery_ok,
        )
        for d in r.deliveries:
            check(
                name,
                f"exactly once, stand-in in {d.where}: each key once, every row sent",
                f"{d.duplicates} duplicates, {d.missing} missing, {d.unexpected} unexpected, "
                f"{d.statuses.get('sent', 0):,} of {d.nudges:,} rows sent",
                d.exact,
            )
        if r.error or not r.deliveries:
            check(name, "all checks", "incomplete run", False)
    return lines, all_pass


def _details(results: list[BackendResult], plan: Plan) -> list[str]:
    lines = ["", "Details:", ""]
    for r in results:
        name = backend_name(r.backend)
        if r.world:
            lines.append(
                f"- {name}: history ends Friday {r.world.friday}; jobs built as of 16:00 there, team-local"
            )
            lines += seeding_lines(name, r.world.seconds)
        if r.target_builds():
            chart = sum(b.chart_seconds for b in r.target_builds())
            lines.append(
                f"- {name}: building everything took {r.build_seconds:.2f} s, {chart:.2f} s of it "
                f"drawing the digests' charts (`render_chart`): {r.build_seconds - chart:.2f} s without them"
            )
        if r.deferred and r.deferred.charts:
            lines.append(
                f"- {name}: the digest builder leaves its chart to the sender (the PNG is drawn "
                f"before each upload): drawing the {r.deferred.charts} charts took "
                f"{r.deferred.seconds:.2f} s more, outside the build; with them everything "
                f"would take {r.build_seconds + r.deferred.seconds:.2f} s"
            )
        for b in r.builds:
            lines.append(
                f"- {name} {b.job}: first build in the process (warm-up, {plan.big_team_size}-rep team) "
                f"{b.warm_seconds * 1000:.0f} ms"
            )
            for shape, small, big in b.grown_shapes()[:8]:
                lines.append(f"  - statements that differ: {small} → {big}× `{shape}`")
            for shape, took, times in b.slowest:
                lines.append(
                    f"  - {took:.2f} s inside cursor.execute in {times:,}× `{shape[:120]}…`"
                )
        for d in r.deliveries:
            lines.append(
                f"- {name} delivery, stand-in in {d.where}: enqueue {d.enqueue_seconds:.2f} s (one "
                f"transaction); {d.statements:,} SQL statements while delivering "
                f"({d.statements / max(d.nudges, 1):.1f} a nudge); sender counted {d.sent:,} sent; "
                f"outbox after: {dict(sorted(d.statuses.items()))}; a post took "
                f"{d.post_seconds / max(d.nudges, 1) * 1000:.1f} ms on average from the sender's side "
                f"(the stand-in waits {SLACK_LATENCY_SECONDS * 1000:g} ms); CPU while delivering: "
                f"{_cpu(d)}"
            )
            if d.tenths:
                lines.append(
                    f"  - seconds per tenth of the posts ({d.nudges // 10:,} each), first to last: "
                    + ", ".join(f"{t:.2f}" for t in d.tenths)
                )
            for shape, took, times in d.slowest:
                lines.append(
                    f"  - {took:.2f} s inside cursor.execute in {times:,}× `{shape[:120]}…`"
                )
        if r.baseline:
            b = r.baseline
            lines.append(
                f"- {name} baseline, the posts alone from {b.concurrency} threads (no sender, no "
                f"database): {b.seconds:.2f} s ({b.ratio:.2f}× the ideal); a post took "
                f"{b.post_seconds / max(b.nudges, 1) * 1000:.1f} ms on average; {b.duplicates} "
                f"duplicates, {b.missing} missing; CPU: {_cpu(b)}"
            )
        for path in r.profiles:
            lines.append(f"- {name} profile written to {path}")
        if r.load_average is not None:
            lines.append(
                f"- {name}: load average {r.load_average[0]:.2f} before, {r.load_average[1]:.2f} after"
            )
    return lines


def _cpu(d: Delivery) -> str:
    per = 1000 / max(d.nudges, 1)
    text = (
        f"this process {d.cpu_seconds:.2f} s ({d.cpu_seconds / max(d.seconds, 1e-9):.0%} of the "
        f"wall time, {d.cpu_seconds * per:.2f} ms a nudge)"
    )
    if d.standin_cpu_seconds is not None:
        text += (
            f", the stand-in's process {d.standin_cpu_seconds:.2f} s "
            f"({d.standin_cpu_seconds * per:.2f} ms a post)"
        )
    return text


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# ---------------------------------------------------------------------------- entry point


def run(options: Options, load: object, say: Say) -> Outcome:
    """`python -m bench --only jobs`; `load` (the HTTP load process) is not used."""

    def measure(backend: str, plan: Plan) -> BackendResult:
        return run_backend(backend, plan, options, say)

    def detail(plan: Plan) -> str:
        return f"{plan.reps:,} reps in {plan.teams} teams"

    return run_bench(
        options, say, "jobs", "scheduled jobs", RESULTS_NAME, Plan, measure, report, detail
    )
