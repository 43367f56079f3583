"""`/log calls N` end to end: signed HTTP request → waitress → Bolt → /log → database → reply.

The app runs exactly as in production (`build(settings)` behind `HttpServer`, 8 threads)
against a stand-in Slack Web API. The load comes from `SignedSlackClient` in a separate
process, so the client's Python work does not compete with the server for the GIL (in
production Slack is on another machine). A bare Bolt app on the same server class is the
baseline: everything /log costs on top of it is ours.
"""

from __future__ import annotations

import contextlib
import os
import platform
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bench import seed
from bench.harness import (
    SERVER_THREADS,
    THREADS,
    LoadProcess,
    LoadSpec,
    Measurement,
    Options,
    Outcome,
    Say,
    Target,
    backend_name,
    bare_app,
    brief,
    measurement,
    serve,
    size_label,
    start_app,
    start_standin,
    write_results,
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
    warmup: int  # sequential requests per target before measuring; >= PEOPLE warms every rep
    rounds: int  # the measured requests come in rounds, targets interleaved (see run_load)
    per_round: int  # sequential requests per target per round
    concurrent_rounds: int
    concurrent_per_round: int  # requests per target per round, across THREADS threads

    @property
    def requests(self) -> int:
        return self.rounds * self.per_round

    @property
    def concurrent_requests(self) -> int:
        return self.concurrent_rounds * self.concurrent_per_round

    @classmethod
    def full(cls) -> Plan:
        return cls(
            1_000_000,
            warmup=200,
            rounds=100,
            per_round=20,
            concurrent_rounds=20,
            concurrent_per_round=100,
        )

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            10_000,
            warmup=200,
            rounds=15,
            per_round=20,
            concurrent_rounds=4,
            concurrent_per_round=100,
        )


# ---------------------------------------------------------------------------- one backend


@dataclass
class BackendResult:
    backend: str
    rows: list[Measurement] = field(default_factory=list)
    seed_seconds: list[tuple[str, float]] = field(default_factory=list)
    users_info_calls: int | None = None
    load_average: tuple[float, float] | None = None
    error: str | None = None


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
    from storage.db import Database

    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()
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
    now = datetime.now(UTC)
    last_day = seed.last_working_day(local_today(SystemClock(), seed.REP_TZ))
    users = tuple(seed.user_id_of(i) for i in range(PEOPLE))
    try:
        with contextlib.ExitStack() as stack:
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
                f"[{backend}] seeded schema, {PEOPLE} people, team and {FIRST_ENTRIES:,} entries in 2 databases in {took:.1f} s"
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
                f"[{backend}] topped up {added:,} entries to {n_big:,} in {took:.1f} s ({added / max(took, 1e-9):,.0f} rows/s)"
            )

            log_texts = tuple(f"calls {n}" for n in range(1, 21))
            targets = [
                Target("bare", serve(stack, bare_app(standin.api_url), None), "/bare", "ok", users)
            ]
            for key, database in (("small", small), ("big", big)):
                app, url = start_app(stack, standin.api_url, database.url)
                _tick_live_wins(stack, app)
                targets.append(Target(key, url, "/log", "Logged", users, log_texts))

            loads = [os.getloadavg()[0]]
            say(f"[{backend}] warming up: {plan.warmup} requests to each app …")
            warm = load.run(LoadSpec(tuple(targets), warmup=plan.warmup))
            info_before = len(standin.calls_to("users.info"))
            say(
                f"[{backend}] sequential: {plan.requests:,} requests per app in {plan.rounds} interleaved rounds …"
            )
            seq = load.run(LoadSpec(tuple(targets), rounds=plan.rounds, per_round=plan.per_round))
            say(
                f"[{backend}] {THREADS} threads: {plan.concurrent_requests:,} requests per app in {plan.concurrent_rounds} interleaved rounds …"
            )
            conc = load.run(
                LoadSpec(
                    tuple(targets),
                    warmup=2,
                    rounds=plan.concurrent_rounds,
                    per_round=plan.concurrent_per_round,
                    threads=THREADS,
                )
            )
            result.users_info_calls = len(standin.calls_to("users.info")) - info_before
            loads.append(os.getloadavg()[0])
            result.load_average = (loads[0], loads[1])

            labels = {
                "bare": ("bare Bolt app", None),
                "small": (f"/log @ {n_small:,} entries", n_small),
                "big": (f"/log @ {n_big:,} entries", n_big),
            }
            for target in targets:
                label, entries = labels[target.key]
                parts = [warm[target.key], seq[target.key], conc[target.key]]
                m = measurement(label, entries, parts)
                result.rows.append(m)
                say(f"[{backend}]   {label}: {brief(m)}")
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        say(f"[{backend}] ERROR: {result.error}")
        traceback.print_exc()
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
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {'quick smoke run' if quick else 'full run'} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"load average {loads[0]:.2f} before, {loads[-1]:.2f} after · {seconds:.0f} s in all",
        "",
        f"Per backend the three apps (bare Bolt, /log on a 1k-entry database, /log on a "
        f"{plan.target_entries:,}-entry one) run side by side, each behind waitress with "
        f"{SERVER_THREADS} threads. Each gets {plan.warmup} warm-up requests (every rep once), "
        f"then {plan.requests:,} sequential requests from one keep-alive client (p50, p99, req/s) "
        f"and {plan.concurrent_requests:,} from {THREADS} client threads (req/s), in rounds that "
        "alternate between the apps so machine noise hits all three alike. Entry counts are at "
        "the start of measuring; each measured /log adds one.",
        "",
        "| Backend | Scenario | p50 ms | p99 ms | req/s (sequential) | req/s (4 threads) | Failures |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    broken = False
    for r in results:
        name = backend_name(r.backend)
        for m in r.rows:
            failed = f"**{m.failures} / {m.requests}**" if m.failures else f"0 / {m.requests:,}"
            lines.append(
                f"| {name} | {m.label} | {m.p50_ms:.2f} | {m.p99_ms:.2f} | {m.rps_seq:,.0f} | "
                f"{m.rps_conc:,.0f} | {failed} |"
            )
            broken |= m.failures > 0
        if r.error:
            lines.append(f"| {name} | **ERROR** | {r.error} | | | | |")
            broken = True

    lines += ["", "| Backend | Check | Measured | Result |", "|---|---|---|---|"]
    all_pass = True
    for r in results:
        name = backend_name(r.backend)
        by_label = {m.label: m for m in r.rows}
        bare = next((m for m in r.rows if m.entries is None), None)
        logs = [m for m in r.rows if m.entries is not None]
        for check, measured, ok in _checks(bare, logs):
            lines.append(f"| {name} | {check} | {measured} | {'PASS' if ok else '**FAIL**'} |")
            all_pass &= ok
        if r.error or len(by_label) < 3:
            lines.append(f"| {name} | all checks | incomplete run | **FAIL** |")
            all_pass = False

    lines += ["", "Details:", ""]
    for r in results:
        name = backend_name(r.backend)
        for what, took in r.seed_seconds:
            lines.append(f"- {name} seeding: {what} in {took:.1f} s")
        for m in r.rows:
            lines.append(
                f"- {name} {m.label}: mean {m.mean_ms:.2f} ms, max {m.max_ms:.1f} ms sequential; "
                f"{THREADS} threads: p50 {m.p50_conc_ms:.2f} ms, p99 {m.p99_conc_ms:.2f} ms"
            )
            for sample in m.samples:
                lines.append(f"  - failure: `{sample}`")
        if r.users_info_calls is not None:
            lines.append(f"- {name}: users.info calls while measuring: {r.users_info_calls}")
        if r.load_average is not None:
            lines.append(
                f"- {name}: load average {r.load_average[0]:.2f} when measuring started, {r.load_average[1]:.2f} when it ended"
            )
    if broken:
        lines += [
            "",
            "**WARNING: requests FAILED or a backend broke — the numbers above are not valid.**",
        ]
    return "\n".join(lines) + "\n", broken, all_pass


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
    plan = Plan.quick() if options.quick else Plan.full()
    started = time.perf_counter()
    loads = [os.getloadavg()[0]]
    say(
        f"bench: /log latency, {'quick' if options.quick else 'full'} run, backends: {', '.join(options.backends)}"
    )
    results = [run_backend(backend, plan, load, say) for backend in options.backends]
    loads.append(os.getloadavg()[0])
    text, broken, all_pass = report(
        results, plan, options.quick, time.perf_counter() - started, loads
    )
    return Outcome("/log", text, write_results(RESULTS_NAME, text), broken, all_pass)
