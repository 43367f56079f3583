"""What every benchmark shares: the spawned load-generating client, interleaved measurement
rounds, percentiles, the apps behind `HttpServer`, statement counting, cProfile text, report
helpers and the entry point's frame (`run_bench`).

The load comes from `SignedSlackClient` in a separate process (spawned once per run), so the
client's Python work does not compete with the server for the GIL — in production Slack is
on another machine. Latency is measured around each request with `time.perf_counter_ns`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import cProfile
import io
import itertools
import math
import multiprocessing
import os
import platform
import pstats
import re
import secrets
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bench import seed
from tests.support.signed_requests import HttpResponse, SignedSlackClient

SIGNING_SECRET = secrets.token_hex(16)
THREADS = 4  # client threads in the concurrent phases
SERVER_THREADS = 8
RESULTS_DIR = Path(__file__).parent / "results"

Say = Callable[[str], None]
R = TypeVar("R")
P = TypeVar("P", covariant=True)


def tagged(say: Say, backend: str) -> Say:
    """`say`, each line prefixed with the backend: "[sqlite] …"."""
    return lambda text: say(f"[{backend}] {text}")


# ---------------------------------------------------------------------------- load generator
# Runs in a spawned child process (see LoadProcess); must stay importable and picklable.


@dataclass(frozen=True)
class Target:
    """One app and one command. Request i is sent as users[i % len] with texts[i % len]."""

    key: str
    url: str
    command: str  # "/log", "/progress", "/bare" …
    expect: str  # every reply's text must start with this
    users: tuple[str, ...]
    texts: tuple[str, ...] = ("",)
    contains: tuple[str, ...] = ()  # … and contain each of these


@dataclass(frozen=True)
class LoadSpec:
    targets: tuple[Target, ...]
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
    ratios between them stay fair."""
    secret = _CHILD_SECRET[0]
    clients = {t.key: SignedSlackClient(t.url, secret, team_id=seed.TEAM_ID) for t in spec.targets}
    results = {t.key: TargetResult() for t in spec.targets}
    counters = {t.key: itertools.count() for t in spec.targets}
    lock = threading.Lock()

    def send(target: Target) -> int:
        i = next(counters[target.key])
        user = target.users[i % len(target.users)]
        text = target.texts[i % len(target.texts)]
        started = time.perf_counter_ns()
        try:
            response = clients[target.key].command(
                target.command, text, user_id=user, user_name=user.lower()
            )
            problem = reply_problem(response, target.expect, target.contains)
        except Exception as error:  # a timeout or reset is a failed request, not a crash
            problem = f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter_ns() - started
        result = results[target.key]
        with lock:
            result.sent += 1
            if problem is not None:
                result.failures += 1
                if len(result.samples) < 5:
                    result.samples.append(f"{target.command} {text} as {user}: {problem}")
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


def reply_text(response: HttpResponse) -> str:
    """What Slack would show: Bolt answers a text-only ack as text/plain, one with blocks as JSON."""
    text = response.text
    if response.headers.get("content-type", "").startswith("application/json"):
        with contextlib.suppress(ValueError):
            text = str(response.json().get("text", ""))
    return text


def reply_problem(
    response: HttpResponse, expect: str, contains: tuple[str, ...] = ()
) -> str | None:
    if response.status != 200:
        return f"HTTP {response.status}: {response.text[:200]!r}"
    text = reply_text(response)
    if not text.startswith(expect):
        return f"reply does not start with {expect!r}: {text[:200]!r}"
    for part in contains:
        if part not in text:
            return f"reply lacks {part!r}: {text[:200]!r}"
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
    timed: int = 0  # sequential timed requests (p99 is their ceil(1%)-th slowest)


def percentile(values_ns: list[int], pct: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values_ns:
        return math.nan
    ordered = sorted(values_ns)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1] / 1e6


def measurement(label: str, entries: int | None, parts: list[TargetResult]) -> Measurement:
    """From a target's [warm-up, sequential, concurrent] results."""
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
        timed=len(lat),
    )


def brief(m: Measurement) -> str:
    text = (
        f"p50 {m.p50_ms:.2f} ms, p99 {m.p99_ms:.2f} ms, {m.rps_seq:,.0f} req/s sequential, "
        f"{m.rps_conc:,.0f} req/s with {THREADS} threads (p50 {m.p50_conc_ms:.1f} / p99 {m.p99_conc_ms:.1f} ms)"
    )
    if m.failures:
        text += f" — {m.failures} FAILED"
    return text


# ---------------------------------------------------------------------------- apps


def start_standin(stack: contextlib.ExitStack, users: Iterable[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    """The stand-in Slack Web API with `users` (Slack id, name, real name) registered, in
    the reps' time zone; stopped by `stack`."""
    from tests.support.slack_api import StandInSlack

    standin = StandInSlack(team_id=seed.TEAM_ID, team_name="Bench Co").start()
    stack.callback(standin.stop)
    for user, name, real_name in users:
        standin.add_user(user, name, real_name=real_name, tz=seed.REP_TZ)
    return standin


def serve(stack: contextlib.ExitStack, bolt, db) -> str:  # type: ignore[no-untyped-def]
    """`bolt` behind waitress on a free loopback port, as production serves it; its URL."""
    from bot.server import HttpServer, wsgi_app

    server = HttpServer(
        wsgi_app(bolt, db), host="127.0.0.1", port=0, threads=SERVER_THREADS
    ).start()
    stack.callback(server.stop)
    return server.url


def start_app(stack: contextlib.ExitStack, api_url: str, database_url: str):  # type: ignore[no-untyped-def]
    """The real app, built exactly as production builds it (migrations — a no-op here —
    first), behind its own server. Returns (Paceline, url)."""
    from bot.app import build
    from bot.config import Settings

    settings = Settings(
        bot_token="xoxb-bench",
        signing_secret=SIGNING_SECRET,
        database_url=database_url,
        slack_api_url=api_url,
    )
    app = build(settings)
    stack.callback(app.db.dispose)
    return app, serve(stack, app.bolt, app.db)


def upgrade_schema(url: str) -> None:
    """The app's migrations on a fresh bench database: the schema every bench seeds into."""
    from storage.db import Database

    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()


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


# ---------------------------------------------------------------------------- statement counts


@dataclass
class StatementLog:
    """The SQL statements one engine sent to the database (BEGIN/COMMIT included when the
    driver sends them as statements, as SQLite's BEGIN is here), and the time spent inside
    `cursor.execute` (for SQLite most of the fetching too: it steps rows lazily)."""

    statements: list[str] = field(default_factory=list)
    execute_ns: int = 0
    execute_ns_by_shape: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.statements)

    def shapes(self) -> Counter[str]:
        """Statements with literals and IN-lists folded, so one query per rep shows up as a
        single shape with a large count."""
        return Counter(_shape(s) for s in self.statements)


def _shape(sql: str) -> str:
    sql = " ".join(sql.split())
    sql = re.sub(r"\((?:\s*(?:\?|%\([^)]*\)s|\$\d+|'[^']*'|\d+)\s*,?)+\)", "(…)", sql)
    sql = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
    return sql[:160]


@contextlib.contextmanager
def counting_statements(target) -> Iterator[StatementLog]:  # type: ignore[no-untyped-def]
    """Every statement `target` executes inside the block, from any thread: an engine (and
    engines derived from it with `execution_options`), or a Database (all its engines)."""
    import sqlalchemy as sa

    log = StatementLog()
    lock = threading.Lock()
    key = object()

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        conn.info[key] = time.perf_counter_ns()
        with lock:
            log.statements.append(statement)

    def after(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        started = conn.info.pop(key, None)
        if started is not None:
            took = time.perf_counter_ns() - started
            with lock:
                log.execute_ns += took
                log.execute_ns_by_shape[_shape(statement)] += took

    engines = getattr(target, "engines", None) or (target,)
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield log
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", before)
            sa.event.remove(engine, "after_cursor_execute", after)


# ---------------------------------------------------------------------------- profiles


def profile_text(
    title: str, profiles: Sequence[cProfile.Profile], cumulative: int = 35, tottime: int = 25
) -> str:
    """cProfile's top functions of `profiles` together (say one per thread), by cumulative
    and by own time, under a `# title` line."""
    out = io.StringIO()
    stats = pstats.Stats(profiles[0], stream=out)
    for more in profiles[1:]:
        stats.add(more)
    stats.strip_dirs()
    out.write(f"# {title}\n")
    stats.sort_stats("cumulative").print_stats(cumulative)
    stats.sort_stats("tottime").print_stats(tottime)
    return out.getvalue()


# ---------------------------------------------------------------------------- report helpers


def size_label(entries: int | None) -> str:
    if entries is None:
        return "–"
    if entries >= 1_000_000:
        return f"{entries / 1_000_000:.3g}M"
    return f"{entries / 1_000:.3g}k"


def backend_name(backend: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(backend, backend)


def write_results(name: str, text: str) -> Path:
    path = RESULTS_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def shown_path(path: Path) -> Path:
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def run_line(quick: bool, seconds: float, loads: Sequence[float]) -> str:
    """A report's second line: when, which run, the machine, its load and the time taken."""
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {'quick smoke run' if quick else 'full run'} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"load average {loads[0]:.2f} before, {loads[-1]:.2f} after · {seconds:.0f} s in all"
    )


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


CHECKS_HEADER = ("", "| Backend | Check | Measured | Result |", "|---|---|---|---|")


def check_row(name: str, check: str, measured: str, ok: bool) -> str:
    """A row of a report's checks table (after CHECKS_HEADER)."""
    return table_row(name, check, measured, "PASS" if ok else "**FAIL**")


def seeding_lines(name: str, seconds: Iterable[tuple[str, float]]) -> list[str]:
    """The details' lines of what seeding backend `name` took."""
    return [f"- {name} seeding: {what} in {took:.1f} s" for what, took in seconds]


REQUESTS_FAILED = (
    "**WARNING: requests FAILED or a backend broke — the numbers above are not valid.**"
)


def finished(
    lines: Sequence[str], broken: bool, all_pass: bool, warning: str = REQUESTS_FAILED
) -> tuple[str, bool, bool]:
    """A bench's `report` result: the markdown (with `warning` last when broken), whether a
    request failed or a backend broke, and whether every target check passed."""
    if broken:
        lines = [*lines, "", warning]
    return "\n".join(lines) + "\n", broken, all_pass


def fail_banner(what: str) -> str:
    line = f"!!! {what} FAILED: some requests failed or a backend broke; see above. !!!"
    return "\n" + "!" * len(line) + "\n" + line + "\n" + "!" * len(line)


@dataclass(frozen=True)
class Options:
    """What `python -m bench` was asked for."""

    quick: bool = False
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    profile: bool = False


class Breakable(Protocol):
    backend: str
    error: str | None


@contextlib.contextmanager
def backend_errors(result: Breakable, say: Say) -> Iterator[None]:
    """Around one backend's run: an exception becomes `result.error` (said, its traceback
    printed), so a broken backend does not hide the other's numbers. `say` is tagged."""
    try:
        yield
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        say(f"ERROR: {result.error}")
        traceback.print_exc()


@dataclass
class Outcome:
    """What one benchmark hands back to `python -m bench`."""

    name: str
    text: str
    path: Path
    broken: bool  # a request failed or a backend broke: the numbers are not valid
    all_pass: bool  # every target check passed


def table_row(*cells: Any) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


class Plans(Protocol[P]):
    """A bench's plan class: its quick (smoke) and full sizes."""

    def quick(self) -> P: ...

    def full(self) -> P: ...


def run_bench(
    options: Options,
    say: Say,
    name: str,
    title: str,
    results_name: str,
    plans: Plans[P],
    measure: Callable[[str, P], R],
    report: Callable[[list[R], P, bool, float, list[float]], tuple[str, bool, bool]],
    detail: Callable[[P], str] = lambda plan: "",
) -> Outcome:
    """A bench's `run`: the quick or full plan, `measure` each backend of `options` in turn,
    then `report` the results (with the seconds taken and the load average before and after),
    written to results/`results_name`."""
    plan = plans.quick() if options.quick else plans.full()
    started = time.perf_counter()
    loads = [os.getloadavg()[0]]
    more = detail(plan)
    say(
        f"bench: {title}, {'quick' if options.quick else 'full'} run"
        f"{f' ({more})' if more else ''}, backends: {', '.join(options.backends)}"
    )
    results = [measure(backend, plan) for backend in options.backends]
    loads.append(os.getloadavg()[0])
    text, broken, all_pass = report(
        results, plan, options.quick, time.perf_counter() - started, loads
    )
    return Outcome(name, text, write_results(results_name, text), broken, all_pass)
