"""The live-wins worker (scheduler/celebrations.py) on the jobs bench's world: how long one
tick takes when reps of many teams have just logged, and when nothing is new.

Each team has the report bench's goals (weekly calls per rep, a monthly revenue team goal,
an all-or-nothing demos goal, a contest) and 13 weeks of entries. A tick after five reps
of every team logged calls works out each team's wins (one team report per goal period
kind) and records them; the next tick, with nothing new, should cost next to nothing. The
/log bench runs the worker alongside /log (every second) for the /log side of it.
"""

from __future__ import annotations

import contextlib
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import sqlalchemy as sa

from bench import jobs, seed
from bench.harness import (
    Options,
    Outcome,
    Say,
    backend_name,
    counting_statements,
    table_row,
    write_results,
)

RESULTS_NAME = "live_wins.md"
LOGGERS_PER_TEAM = 5
TICK_LIMIT_SECONDS = 5.0  # a tick must end before the next one is due


@dataclass
class Row:
    label: str
    seconds: float
    statements: int
    teams: int


@dataclass
class BackendResult:
    backend: str
    rows: list[Row] = field(default_factory=list)
    setup: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None


def _log_calls(url: str, world: jobs.World, at: datetime) -> int:
    """Five reps of every team log 3 calls (enough for some to cross their weekly goal)."""
    engine = seed.make_engine(url)
    try:
        with engine.begin() as conn:
            reps = conn.execute(
                sa.text(
                    "SELECT m.person_id, m.team_id FROM team_member m WHERE m.workspace_id = :ws ORDER BY m.team_id, m.person_id"
                ),
                {"ws": world.workspace_id},
            ).all()
            chosen: dict[int, list[int]] = {}
            for person_id, team_id in reps:
                chosen.setdefault(team_id, [])
                if len(chosen[team_id]) < LOGGERS_PER_TEAM:
                    chosen[team_id].append(person_id)
            rows = [
                {
                    "workspace_id": world.workspace_id,
                    "person_id": person_id,
                    "metric": "calls",
                    "day": world.friday,
                    "quantity": 30,
                    "kind": "log",
                    "source": "slack",
                    "batch_id": uuid.uuid4().hex,
                    "entered_by_id": person_id,
                    "created_at": at,
                }  # fmt: skip
                for people in chosen.values()
                for person_id in people
            ]
            from storage.models import Entry

            conn.execute(sa.insert(Entry), rows)
            return len(rows)
    finally:
        engine.dispose()


def run_backend(backend: str, plan: jobs.Plan, say: Say) -> BackendResult:
    from bot.clock import FixedClock
    from scheduler.celebrations import CelebrationWorker
    from storage.db import Database

    result = BackendResult(backend)
    now = datetime.now(UTC)
    try:
        with contextlib.ExitStack() as stack:
            database = stack.enter_context(seed.bench_database(backend, seed.PG_DATABASE + "_wins"))
            started = time.perf_counter()
            world = jobs.seed_world(database.url, plan, now, say)
            result.setup.append((f"{len(world.teams) + 1} teams, {world.entries:,} entries, {world.goals:,} goals",
                                 time.perf_counter() - started))  # fmt: skip
            # Friday noon UTC is Friday in every zone of the bench (New York, Berlin, Sydney).
            at = datetime.combine(world.friday, clock_time(12), UTC)
            clock = FixedClock(at)
            db = Database(database.url)
            stack.callback(db.dispose)
            worker = CelebrationWorker(db, clock)
            worker.tick()  # the first look only saves where it starts
            clock.advance(timedelta(seconds=1))
            logged = _log_calls(database.url, world, clock.now())
            say(f"[{backend}] {logged:,} reps of {len(world.teams) + 1} teams logged")
            for label in (
                f"{logged:,} reps in {len(world.teams) + 1} teams just logged",
                "nothing new (the next tick)",
            ):
                with counting_statements(db.engine) as statements:
                    started = time.perf_counter()
                    ticked = worker.tick()
                    took = time.perf_counter() - started
                result.rows.append(Row(label, took, statements.count, ticked.teams))
                say(
                    f"[{backend}]   tick, {label}: {took * 1000:.0f} ms, {statements.count} statements, {ticked.teams} teams"
                )
                clock.advance(timedelta(seconds=5))
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        say(f"[{backend}] ERROR: {result.error}")
        traceback.print_exc()
    return result


def report(results: list[BackendResult], plan: jobs.Plan) -> tuple[str, bool, bool]:
    lines = [
        "# Live wins: one tick of the worker",
        "",
        f"{plan.teams} teams of {plan.team_size} reps and one of {plan.big_team_size}, each with the report bench's goals "
        f"and {plan.weeks} weeks of entries; {LOGGERS_PER_TEAM} reps of every team log 30 calls, then the worker ticks "
        f"twice. Target: a tick under {TICK_LIMIT_SECONDS:.0f} s (the next one is due then).",
        "",
        table_row("backend", "tick", "seconds", "statements", "teams looked at"),
        table_row("---", "---", "---:", "---:", "---:"),
    ]
    all_pass, broken = True, False
    for result in results:
        if result.error:
            broken = True
            lines.append(
                table_row(backend_name(result.backend), f"ERROR: {result.error}", "", "", "")
            )
            continue
        for row in result.rows:
            lines.append(
                table_row(
                    backend_name(result.backend),
                    row.label,
                    f"{row.seconds:.3f}",
                    row.statements,
                    row.teams,
                )
            )
            all_pass &= row.seconds < TICK_LIMIT_SECONDS
    lines += ["", "Set-up:", ""]
    for result in results:
        for label, seconds in result.setup:
            lines.append(f"- {backend_name(result.backend)}: {label} in {seconds:.1f} s")
    return "\n".join(lines) + "\n", all_pass, broken


def run(options: Options, load: object, say: Say) -> Outcome:
    plan = jobs.Plan.quick() if options.quick else jobs.Plan.full()
    results = [run_backend(backend, plan, say) for backend in options.backends]
    text, all_pass, broken = report(results, plan)
    path = write_results(RESULTS_NAME, text)
    return Outcome("live wins", text, path, broken, all_pass)
