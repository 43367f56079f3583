"""`/log calls N` end to end: signed HTTP request → waitress → Bolt → /log → database → reply.

The app runs exactly as in production (`build(settings)` behind `HttpServer`, 8 threads)
against a stand-in Slack Web API. The load comes from `SignedSlackClient` in a separate
process, so the client's Python work does not compete with the server for the GIL (in
production Slack is on another machine). A bare Bolt app on the same server class is the
baseline: everything /log costs on top of it is ours.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bench import seed
from bench.harness import (
    CHECKS_HEADER,
    SERVER_THREADS,
    THREADS,
    LoadProcess,
    Measurement,
    Options,
    Outcome,
    Say,
    Target,
    backend_errors,
    backend_name,
    bare_app,
    check_row,
    finished,
    run_bench,
    run_line,
    serve,
    size_label,
    start_app,
    start_standin,
    tagged,
    upgrade_schema,
)
from bench.latency import (
    LatencyResult,
    Requests,
    details,
    latency_table,
    measure,
    sequential_and_concurrent,
)

RESULTS_NAME = "log_latency.md"
PEOPLE = 200
FIRST_ENTRIES = 1_000
# The live-wins worker looks this often during the run (production: every 5 s).
WINS_TICK_SECONDS = 1.0

# Targets for /log (see README.md).
P50_VS_BARE = 3.0
P99_LIMIT_MS = 50.0
GROWTH_LIMIT = 1.20


@dataclass(frozen=True)
class Plan:
    target_entries: int
    requests: Requests  # per app; a warm-up >= PEOPLE warms every rep

    @classmethod
    def full(cls) -> Plan:
        return cls(
            1_000_000,
            Requests(
                warmup=200, rounds=100, per_round=20, concurrent_rounds=20, concurrent_per_round=100
            ),
        )

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            10_000,
            Requests(
                warmup=200, rounds=15, per_round=20, concurrent_rounds=4, concurrent_per_round=100
            ),
        )


# ---------------------------------------------------------------------------- one backend


BackendResult = LatencyResult


def _tick_live_wins(stack: contextlib.ExitStack, app) -> None:  # type: ignore[no-untyped-def]
    """Celebrations on, as in production: the live-wins worker looks at the new entries
    every WINS_TICK_SECONDS in the app's own process while /log is measured."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(WINS_TICK_SECONDS):
            app.scheduler.celebrations.tick()

    thread = threading.Thread(target=run, name="bench-live-wins", daemon=True)
    thread.start()
    stack.callback(lambda: (stop.set(), thread.join(timeout=30)))


def _prepare(url: str, now: datetime, last_day: date) -> seed.Directory:
    """Schema, people, team and the first FIRST_ENTRIES entries (identical in every database)."""
    upgrade_schema(url)
    directory = seed.seed_directory(url, PEOPLE, now)
    seed.set_team_channel(url, directory.team_id, "CBENCHWINS")
    day_value, at_value = seed.entry_converters(url)
    seed.load_entries(
        url,
        seed.entry_plan(
            workspace_id=directory.workspace_id,
            person_ids=[r.person_id for r in directory.reps],
            days=[last_day],
            total=FIRST_ENTRIES,
            seed=1,
            batch_prefix="s1",
            now=now,
            day_value=day_value,
            at_value=at_value,
        ),
    )
    return directory


def run_backend(backend: str, plan: Plan, load: LoadProcess, say: Say) -> BackendResult:
    from bot.clock import SystemClock, local_today

    result = BackendResult(backend)
    say = tagged(say, backend)
    now = datetime.now(UTC)
    last_day = seed.last_working_day(local_today(SystemClock(), seed.REP_TZ))
    users = tuple(seed.user_id_of(i) for i in range(PEOPLE))
    with backend_errors(result, say), contextlib.ExitStack() as stack:
        standin = start_standin(
            stack, ((u, f"rep{i:04d}", f"Rep {i:04d}") for i, u in enumerate(users))
        )

        # Two databases: one stays at 1,000 entries, the other is topped up to the target,
        # so both can be measured side by side under the same machine conditions.
        small = stack.enter_context(seed.bench_database(backend, seed.PG_DATABASE + "_1k"))
        big = stack.enter_context(seed.bench_database(backend, seed.PG_DATABASE))
        started = time.perf_counter()
        _prepare(small.url, now, last_day)
        directory = _prepare(big.url, now, last_day)
        took = time.perf_counter() - started
        result.seed_seconds.append(
            (f"2 × (schema + {PEOPLE} people + team + {FIRST_ENTRIES:,} entries)", took)
        )
        say(
            f"seeded schema, {PEOPLE} people, team and {FIRST_ENTRIES:,} entries in 2 databases in {took:.1f} s"
        )

        started = time.perf_counter()
        day_value, at_value = seed.entry_converters(big.url)
        history = [d for d in seed.working_days(last_day, 365) if d != last_day]
        added = seed.load_entries(
            big.url,
            seed.entry_plan(
                workspace_id=directory.workspace_id,
                person_ids=[r.person_id for r in directory.reps],
                days=history,
                total=max(0, plan.target_entries - FIRST_ENTRIES),
                seed=2,
                batch_prefix="s2",
                now=now,
                day_value=day_value,
                at_value=at_value,
            ),
        )
        took = time.perf_counter() - started
        n_small, n_big = seed.count_entries(small.url), seed.count_entries(big.url)
        result.seed_seconds.append(
            (f"top-up of {added:,} entries (bulk load, index build, ANALYZE)", took)
        )
        say(
            f"topped up {added:,} entries to {n_big:,} in {took:.1f} s ({added / max(took, 1e-9):,.0f} rows/s)"
        )

        log_texts = tuple(f"calls {n}" for n in range(1, 21))
        targets = [
            Target("bare", serve(stack, bare_app(standin.api_url), None), "/bare", "ok", users)
        ]
        for key, database in (("small", small), ("big", big)):
            app, url = start_app(stack, standin.api_url, database.url)
            _tick_live_wins(stack, app)
            targets.append(Target(key, url, "/log", "Logged", users, log_texts))

        say(f"warming up: {plan.requests.warmup} requests to each app …")
        measure(
            load,
            standin,
            targets,
            plan.requests,
            result,
            say,
            {
                "bare": ("bare Bolt app", None),
                "small": (f"/log @ {n_small:,} entries", n_small),
                "big": (f"/log @ {n_big:,} entries", n_big),
            },
            per="app",
        )
    return result


# ---------------------------------------------------------------------------- report


def report(
    results: list[BackendResult], plan: Plan, quick: bool, seconds: float, loads: list[float]
) -> tuple[str, bool, bool]:
    """The markdown report, whether any request failed or a backend broke, and whether every
    target check passed."""
    lines = [
        "# /log latency",
        "",
        run_line(quick, seconds, loads),
        "",
        f"Per backend the three apps (bare Bolt, /log on a 1k-entry database, /log on a "
        f"{plan.target_entries:,}-entry one) run side by side, each behind waitress with "
        f"{SERVER_THREADS} threads. Each gets {plan.requests.warmup} warm-up requests (every rep once), "
        f"then {plan.requests.sequential:,} sequential requests from one keep-alive client (p50, p99, req/s) "
        f"and {plan.requests.concurrent:,} from {THREADS} client threads (req/s), in rounds that "
        "alternate between the apps so machine noise hits all three alike. Entry counts are at "
        "the start of measuring; each measured /log adds one.",
        "",
    ]
    table, broken = latency_table(results, "Scenario")
    lines += table

    lines += CHECKS_HEADER
    all_pass = True
    for r in results:
        name = backend_name(r.backend)
        rows = list(r.rows.values())
        by_label = {m.label: m for m in rows}
        bare = next((m for m in rows if m.entries is None), None)
        logs = [m for m in rows if m.entries is not None]
        for check, measured, ok in _checks(bare, logs):
            lines.append(check_row(name, check, measured, ok))
            all_pass &= ok
        if r.error or len(by_label) < 3:
            lines.append(check_row(name, "all checks", "incomplete run", False))
            all_pass = False

    lines += details(results, sequential_and_concurrent)
    return finished(lines, broken, all_pass)


def _checks(bare: Measurement | None, logs: list[Measurement]) -> list[tuple[str, str, bool]]:
    checks: list[tuple[str, str, bool]] = []
    if bare is None or not logs:
        return checks
    for m in logs:
        size = size_label(m.entries)
        limit = P50_VS_BARE * bare.p50_ms
        checks.append(
            (
                f"/log p50 ≤ {P50_VS_BARE:g}× bare p50 (@ {size})",
                f"{m.p50_ms:.2f} ms vs {limit:.2f} ms ({m.p50_ms / bare.p50_ms:.1f}×)",
                m.p50_ms <= limit,
            )
        )
    for m in logs:
        checks.append(
            (
                f"/log p99 < {P99_LIMIT_MS:g} ms (@ {size_label(m.entries)})",
                f"{m.p99_ms:.2f} ms",
                m.p99_ms < P99_LIMIT_MS,
            )
        )
    if len(logs) >= 2:
        small, big = logs[0], logs[-1]
        p50_ratio, p99_ratio = big.p50_ms / small.p50_ms, big.p99_ms / small.p99_ms
        checks.append(
            (
                f"p50 and p99 @ {size_label(big.entries)} within {GROWTH_LIMIT - 1:.0%} of @ {size_label(small.entries)}",
                f"p50 {p50_ratio:.2f}×, p99 {p99_ratio:.2f}×",
                p50_ratio <= GROWTH_LIMIT and p99_ratio <= GROWTH_LIMIT,
            )
        )
    return checks


# ---------------------------------------------------------------------------- entry point


def run(options: Options, load: LoadProcess, say: Say) -> Outcome:
    """Seed, measure and report /log on every backend in `options`."""

    def measure(backend: str, plan: Plan) -> BackendResult:
        return run_backend(backend, plan, load, say)

    return run_bench(options, say, "/log", "/log latency", RESULTS_NAME, Plan, measure, report)
