"""`/log calls N` end to end: signed HTTP request → waitress → Bolt → /log → database → reply.

The app runs exactly as in production (`build(settings)` behind `HttpServer`, 8 threads)
against a stand-in Slack Web API. The load comes from `SignedSlackClient` in a separate
process, so the client's Python work does not compete with the server for the GIL (in
production Slack is on another machine). A bare Bolt app on the same server class is the
baseline: everything /log costs on top of it is ours.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import itertools
import math
import multiprocessing
import os
import platform
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from bench import seed
from bot.standin.signed_requests import HttpResponse, SignedSlackClient

RESULTS = Path(__file__).parent / "results" / "log_latency.md"
SIGNING_SECRET = secrets.token_hex(16)
THREADS = 4  # client threads in the concurrent phase
SERVER_THREADS = 8
PEOPLE = 200
FIRST_ENTRIES = 1_000

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


# ---------------------------------------------------------------------------- load generator
# Runs in a spawned child process (see LoadProcess); must stay importable and picklable.


@dataclass(frozen=True)
class Target:
    key: str
    url: str
    command: str  # "/log" or "/bare"
    expect: str  # every reply's text must start with this


@dataclass(frozen=True)
class LoadSpec:
    targets: tuple[Target, ...]
    users: tuple[str, ...]
    warmup: int = 0  # untimed sequential requests per target (per thread when threads > 1)
    rounds: int = 0
    per_round: int = 0  # timed requests per target per round, across all threads
    threads: int = 1


@dataclass
class TargetResult:
    latencies_ns: list[int] = field(default_factory=list)
    elapsed_ns: int = 0  # wall time of this target's timed rounds
    sent: int = 0  # every request, warm-ups included
    failures: int = 0
    samples: list[str] = field(default_factory=list)  # a few failure descriptions


def run_load(spec: LoadSpec) -> dict[str, TargetResult]:
    """Send the requests; per target, the latency of each timed one and their wall time.

    Timed requests come in rounds: each round sends `per_round` requests to every target in
    turn (the order rotating), so a slow spell on the machine hits every target alike and the
    ratios between them (/log vs bare, 1M vs 1k) stay fair."""
    secret = _CHILD_SECRET[0]
    clients = {t.key: SignedSlackClient(t.url, secret, team_id=seed.TEAM_ID) for t in spec.targets}
    results = {t.key: TargetResult() for t in spec.targets}
    counters = {t.key: itertools.count() for t in spec.targets}
    lock = threading.Lock()

    def send(target: Target) -> int:
        i = next(counters[target.key])
        user = spec.users[i % len(spec.users)]
        text = f"calls {1 + i % 20}" if target.command == "/log" else ""
        started = time.perf_counter_ns()
        try:
            response = clients[target.key].command(
                target.command, text, user_id=user, user_name=user.lower()
            )
            problem = _problem(response, target.expect)
        except Exception as error:  # a timeout or reset is a failed request, not a crash
            problem = f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter_ns() - started
        result = results[target.key]
        with lock:
            result.sent += 1
            if problem is not None:
                result.failures += 1
                if len(result.samples) < 5:
                    result.samples.append(f"{target.command} as {user}: {problem}")
        return elapsed

    n = len(spec.targets)
    schedule = [spec.targets[(r + k) % n] for r in range(spec.rounds) for k in range(n)]
    try:
        if spec.threads <= 1:
            for target in spec.targets:
                for _ in range(spec.warmup):
                    send(target)
            for target in schedule:
                result = results[target.key]
                started = time.perf_counter_ns()
                for _ in range(spec.per_round):
                    result.latencies_ns.append(send(target))
                result.elapsed_ns += time.perf_counter_ns() - started
            return results

        barrier = threading.Barrier(spec.threads + 1)
        shares = [
            spec.per_round // spec.threads + (w < spec.per_round % spec.threads)
            for w in range(spec.threads)
        ]

        def worker(w: int) -> None:
            for target in spec.targets:  # opens this thread's keep-alive connections
                for _ in range(spec.warmup):
                    send(target)
            for target in schedule:
                latencies = results[target.key].latencies_ns
                barrier.wait()
                for _ in range(shares[w]):
                    latencies.append(send(target))
                barrier.wait()

        workers = [
            threading.Thread(target=worker, args=(w,), daemon=True) for w in range(spec.threads)
        ]
        for thread in workers:
            thread.start()
        for target in schedule:
            barrier.wait()
            started = time.perf_counter_ns()
            barrier.wait()
            results[target.key].elapsed_ns += time.perf_counter_ns() - started
        for thread in workers:
            thread.join()
        return results
    finally:
        for client in clients.values():
            client.close()


def _problem(response: HttpResponse, expect: str) -> str | None:
    if response.status != 200:
        return f"HTTP {response.status}: {response.text[:200]!r}"
    text = response.text
    if response.headers.get("content-type", "").startswith("application/json"):
        with contextlib.suppress(ValueError):
            text = str(response.json().get("text", ""))
    if not text.startswith(expect):
        return f"reply does not start with {expect!r}: {text[:200]!r}"
    return None


# The child learns this run's signing secret from its initializer.
_CHILD_SECRET: list[str] = [SIGNING_SECRET]


def _init_child(secret: str) -> None:
    _CHILD_SECRET[0] = secret


class LoadProcess:
    """One spawned client process for the whole run (spawn, not fork: the parent has
    server threads whose locks a fork would copy mid-use)."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_child,
            initargs=(SIGNING_SECRET,),
        )

    def run(self, spec: LoadSpec) -> dict[str, TargetResult]:
        return self._pool.submit(run_load, spec).result(timeout=1200)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------- measurement


@dataclass
class Measurement:
    label: str
    entries: int | None  # None for the bare app
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    rps_seq: float
    rps_conc: float
    p50_conc_ms: float
    p99_conc_ms: float
    requests: int
    failures: int
    samples: list[str]


def percentile(values_ns: list[int], pct: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values_ns:
        return math.nan
    ordered = sorted(values_ns)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1] / 1e6


def _measurement(label: str, entries: int | None, parts: list[TargetResult]) -> Measurement:
    _warm, seq, conc = parts
    lat = seq.latencies_ns
    return Measurement(
        label=label,
        entries=entries,
        p50_ms=percentile(lat, 50),
        p99_ms=percentile(lat, 99),
        mean_ms=sum(lat) / len(lat) / 1e6 if lat else math.nan,
        max_ms=max(lat) / 1e6 if lat else math.nan,
        rps_seq=len(lat) / (seq.elapsed_ns / 1e9) if seq.elapsed_ns else math.nan,
        rps_conc=len(conc.latencies_ns) / (conc.elapsed_ns / 1e9) if conc.elapsed_ns else math.nan,
        p50_conc_ms=percentile(conc.latencies_ns, 50),
        p99_conc_ms=percentile(conc.latencies_ns, 99),
        requests=sum(p.sent for p in parts),
        failures=sum(p.failures for p in parts),
        samples=[s for p in parts for s in p.samples][:5],
    )


def bare_app(api_url: str):  # type: ignore[no-untyped-def]
    """The baseline: a Bolt app configured for speed whose command only acks."""
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    bare = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token="xoxb-bench", base_url=api_url),
        process_before_response=True,
    )

    @bare.command("/bare")
    def bare_command(ack: Ack) -> None:
        ack("ok")

    return bare


# ---------------------------------------------------------------------------- one backend


@dataclass
class BackendResult:
    backend: str
    rows: list[Measurement] = field(default_factory=list)
    seed_seconds: list[tuple[str, float]] = field(default_factory=list)
    users_info_calls: int | None = None
    load_average: tuple[float, float] | None = None
    error: str | None = None


def _prepare(url: str, now: datetime, last_day: date) -> seed.Directory:
    """Schema, people, team and the first FIRST_ENTRIES entries (identical in every database)."""
    from storage.db import Database

    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()
    directory = seed.seed_directory(url, PEOPLE, now)
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


def run_backend(
    backend: str, plan: Plan, load: LoadProcess, say: Callable[[str], None]
) -> BackendResult:
    from bot.app import build
    from bot.clock import SystemClock, local_today
    from bot.config import Settings
    from bot.server import HttpServer, wsgi_app
    from bot.standin.slack_api import StandInSlack

    result = BackendResult(backend)
    now = datetime.now(UTC)
    last_day = seed.last_working_day(local_today(SystemClock(), seed.REP_TZ))
    users = tuple(seed.user_id_of(i) for i in range(PEOPLE))
    try:
        with contextlib.ExitStack() as stack:
            standin = StandInSlack(team_id=seed.TEAM_ID, team_name="Bench Co").start()
            stack.callback(standin.stop)
            for i, user in enumerate(users):
                standin.add_user(user, f"rep{i:04d}", real_name=f"Rep {i:04d}", tz=seed.REP_TZ)

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

            def serve(bolt, db) -> str:  # type: ignore[no-untyped-def]
                server = HttpServer(
                    wsgi_app(bolt, db), host="127.0.0.1", port=0, threads=SERVER_THREADS
                ).start()
                stack.callback(server.stop)
                return server.url

            targets = [Target("bare", serve(bare_app(standin.api_url), None), "/bare", "ok")]
            for key, database in (("small", small), ("big", big)):
                settings = Settings(
                    bot_token="xoxb-bench",
                    signing_secret=SIGNING_SECRET,
                    database_url=database.url,
                    slack_api_url=standin.api_url,
                )
                app = build(settings)  # exactly as production: migrations (a no-op here) first
                stack.callback(app.db.dispose)
                targets.append(Target(key, serve(app.bolt, app.db), "/log", "Logged"))

            loads = [os.getloadavg()[0]]
            say(f"[{backend}] warming up: {plan.warmup} requests to each app …")
            warm = load.run(LoadSpec(tuple(targets), users, warmup=plan.warmup))
            info_before = len(standin.calls_to("users.info"))
            say(
                f"[{backend}] sequential: {plan.requests:,} requests per app in {plan.rounds} interleaved rounds …"
            )
            seq = load.run(
                LoadSpec(tuple(targets), users, rounds=plan.rounds, per_round=plan.per_round)
            )
            say(
                f"[{backend}] {THREADS} threads: {plan.concurrent_requests:,} requests per app in {plan.concurrent_rounds} interleaved rounds …"
            )
            conc = load.run(
                LoadSpec(
                    tuple(targets),
                    users,
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
                m = _measurement(label, entries, parts)
                result.rows.append(m)
                say(f"[{backend}]   {label}: {_brief(m)}")
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        say(f"[{backend}] ERROR: {result.error}")
        traceback.print_exc()
    return result


def _brief(m: Measurement) -> str:
    text = (
        f"p50 {m.p50_ms:.2f} ms, p99 {m.p99_ms:.2f} ms, {m.rps_seq:,.0f} req/s sequential, "
        f"{m.rps_conc:,.0f} req/s with {THREADS} threads (p50 {m.p50_conc_ms:.1f} / p99 {m.p99_conc_ms:.1f} ms)"
    )
    if m.failures:
        text += f" — {m.failures} FAILED"
    return text


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
        name = _backend_name(r.backend)
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
        name = _backend_name(r.backend)
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
        name = _backend_name(r.backend)
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
        size = _size(m.entries)
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
                f"/log p99 < {P99_LIMIT_MS:g} ms (@ {_size(m.entries)})",
                f"{m.p99_ms:.2f} ms",
                m.p99_ms < P99_LIMIT_MS,
            )
        )
    if len(logs) >= 2:
        small, big = logs[0], logs[-1]
        p50_ratio, p99_ratio = big.p50_ms / small.p50_ms, big.p99_ms / small.p99_ms
        checks.append(
            (
                f"p50 and p99 @ {_size(big.entries)} within {GROWTH_LIMIT - 1:.0%} of @ {_size(small.entries)}",
                f"p50 {p50_ratio:.2f}×, p99 {p99_ratio:.2f}×",
                p50_ratio <= GROWTH_LIMIT and p99_ratio <= GROWTH_LIMIT,
            )
        )
    return checks


def _size(entries: int | None) -> str:
    if entries is None:
        return "–"
    if entries >= 1_000_000:
        return f"{entries / 1_000_000:.3g}M"
    return f"{entries / 1_000:.3g}k"


def _backend_name(backend: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)


# ---------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 10,000 entries, fewer requests"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "all"), default="all")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target check fails too"
    )
    args = parser.parse_args(argv)

    plan = Plan.quick() if args.quick else Plan.full()
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"{time.perf_counter() - started:6.1f}s  {text}", flush=True)

    loads = [os.getloadavg()[0]]
    say(
        f"bench: /log latency, {'quick' if args.quick else 'full'} run, backends: {', '.join(backends)}"
    )
    load = LoadProcess()
    results: list[BackendResult] = []
    try:
        for backend in backends:
            results.append(run_backend(backend, plan, load, say))
    finally:
        load.close()
    loads.append(os.getloadavg()[0])

    text, broken, all_pass = report(results, plan, args.quick, time.perf_counter() - started, loads)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print()
    print(text)
    print(
        f"(written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS})"
    )
    leftovers = [
        t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()
    ]
    if leftovers:
        print(f"note: threads still alive at exit: {', '.join(leftovers)}", file=sys.stderr)
    if broken:
        print(
            "\n"
            + "!" * 72
            + "\n!!! BENCH FAILED: some requests failed or a backend broke; see above. !!!\n"
            + "!" * 72,
            file=sys.stderr,
        )
        return 1
    if not all_pass:
        print("Some /log targets were missed (FAIL rows above).", file=sys.stderr)
        return 1 if args.strict else 0
    return 0
