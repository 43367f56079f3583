"""What the HTTP-latency benches share (bench/log_latency.py, bench/report_latency.py,
bench/regions.py): the measuring of a set of targets (warm-up, then timed sequential and
concurrent rounds from the spawned client), the statements of one warm command for a small
and a big side, the handlers called in-process (time split, cProfile), and the parts of
their reports that read the same: the latency table, the checks and the details.
"""

from __future__ import annotations

import cProfile
import os
import time
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bench import seed
from bench.harness import (
    CHECKS_HEADER,
    SIGNING_SECRET,
    THREADS,
    LoadProcess,
    LoadSpec,
    Measurement,
    Say,
    StatementLog,
    Target,
    TargetResult,
    backend_name,
    brief,
    check_row,
    counting_statements,
    measurement,
    ordinal,
    profile_text,
    seeding_lines,
    table_row,
    write_results,
)

C = TypeVar("C")
Result = TypeVar("Result", bound="LatencyResult")

COUNT_REPEATS = 3  # each statement count is taken this often; the smallest is reported
SETTLE_SECONDS = 0.25  # a command's lazy listeners may still query after the reply


# ---------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Requests:
    """The load on each target: untimed warm-up requests, then timed sequential requests in
    rounds (the targets interleaved, see harness.run_load) and, if any, concurrent ones."""

    warmup: int  # sequential requests per target before measuring
    rounds: int
    per_round: int  # sequential requests per target per round
    concurrent_rounds: int = 0  # none: no concurrent phase
    concurrent_per_round: int = 0  # requests per target per round, across THREADS threads

    @property
    def sequential(self) -> int:
        return self.rounds * self.per_round

    @property
    def concurrent(self) -> int:
        return self.concurrent_rounds * self.concurrent_per_round


@dataclass
class LatencyResult:
    """One backend's run of a latency bench."""

    backend: str
    rows: dict[str, Measurement] = field(default_factory=dict)  # by target key, in order
    seed_seconds: list[tuple[str, float]] = field(default_factory=list)
    users_info_calls: int | None = None
    load_average: tuple[float, float] | None = None
    error: str | None = None


def measure(
    load: LoadProcess,
    standin: Any,
    targets: Sequence[Target],
    requests: Requests,
    result: LatencyResult,
    say: Say,
    labels: Mapping[str, tuple[str, int | None]],
    *,
    per: str = "command",
    prime: Target | None = None,
    before_timing: Callable[[], None] = lambda: None,
    brief_of: Callable[[Measurement], str] = brief,
) -> None:
    """Warm every target up (after one request from each of `prime`'s users, if given), call
    `before_timing`, then send the timed sequential rounds and the concurrent ones; into
    `result`: a Measurement per target (`labels`: its label and entries), the users.info calls
    and the load average while measuring. `say` is tagged with the backend."""
    loads = [os.getloadavg()[0]]
    if prime is not None:
        primed = load.run(LoadSpec((prime,), warmup=len(prime.users)))[prime.key]
        if primed.failures:
            result.error = (
                f"{primed.failures} of {primed.sent} `{prime.command} {prime.texts[0]}` "
                f"warm-ups failed: {primed.samples[:2]}"
            )
    targets = tuple(targets)
    warm = load.run(LoadSpec(targets, warmup=requests.warmup))
    info_before = len(standin.calls_to("users.info"))
    before_timing()
    say(
        f"sequential: {requests.sequential:,} requests per {per} in {requests.rounds} interleaved rounds …"
    )
    seq = load.run(LoadSpec(targets, rounds=requests.rounds, per_round=requests.per_round))
    if requests.concurrent_rounds:
        say(
            f"{THREADS} threads: {requests.concurrent:,} requests per {per} in {requests.concurrent_rounds} interleaved rounds …"
        )
        conc = load.run(
            LoadSpec(
                targets,
                warmup=2,
                rounds=requests.concurrent_rounds,
                per_round=requests.concurrent_per_round,
                threads=THREADS,
            )
        )
    else:
        conc = {t.key: TargetResult() for t in targets}
    result.users_info_calls = len(standin.calls_to("users.info")) - info_before
    loads.append(os.getloadavg()[0])
    result.load_average = (loads[0], loads[1])
    for t in targets:
        label, entries = labels[t.key]
        m = measurement(label, entries, [warm[t.key], seq[t.key], conc[t.key]])
        result.rows[t.key] = m
        say(f"  {label}: {brief_of(m)}")


def slash_command(team_id: str, user: str, command: str, text: str) -> dict[str, str]:
    """What a handler gets from Bolt for a slash command (the fields the handlers read)."""
    return {
        "team_id": team_id,
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
    }


# ---------------------------------------------------------------------------- statement counts


@dataclass
class StatementCount:
    """The statements of one warm command for the small side and the big one (the smallest
    of COUNT_REPEATS each); they must be equal."""

    small: int
    big: int
    small_spread: tuple[int, int]  # min, max over COUNT_REPEATS
    big_spread: tuple[int, int]
    extra: list[tuple[str, int, int]] = field(default_factory=list)  # shape, n small, n big

    @property
    def flat(self) -> bool:
        return self.small == self.big

    @property
    def steady(self) -> bool:
        """Every repeat counted the same, on both sides."""
        return (
            self.small_spread[0] == self.small_spread[1]
            and self.big_spread[0] == self.big_spread[1]
        )

    @classmethod
    def of(cls, small: Sequence[StatementLog], big: Sequence[StatementLog]) -> StatementCount:
        least_small = min(small, key=lambda g: g.count)
        least_big = min(big, key=lambda g: g.count)
        shapes_small, shapes_big = least_small.shapes(), least_big.shapes()
        keys = [s for s, _ in shapes_big.most_common()] + [
            s for s in shapes_small if s not in shapes_big
        ]
        return cls(
            least_small.count,
            least_big.count,
            (min(g.count for g in small), max(g.count for g in small)),
            (min(g.count for g in big), max(g.count for g in big)),
            [
                (shape, shapes_small.get(shape, 0), shapes_big.get(shape, 0))
                for shape in keys
                if shapes_small.get(shape, 0) != shapes_big.get(shape, 0)
            ],
        )


def settle(log: StatementLog) -> None:
    """Wait until no statement came for SETTLE_SECONDS (lazy listeners run after the reply)."""
    seen, quiet_since = log.count, time.monotonic()
    deadline = quiet_since + 5.0
    while time.monotonic() < deadline:
        time.sleep(0.02)
        if log.count != seen:
            seen, quiet_since = log.count, time.monotonic()
        elif time.monotonic() - quiet_since >= SETTLE_SECONDS:
            return


def count_statements(
    result: CountedResult,
    app: Any,
    url: str,
    commands: Mapping[str, C],
    senders: Mapping[str, Callable[[Any, C], str | None]],
    small: str,
    big: str,
    say: Say,
) -> None:
    """Into `result.counts`, per command (`commands` by key), the statements of one warm
    command from each side of `senders` in their order (`senders[side](client, command)`
    sends it to the app at `url` and describes what is wrong with the reply, if anything),
    compared between sides `small` and `big`. A failed reply is said (`say` is tagged) and
    makes `result.error`."""
    from tests.support.signed_requests import SignedSlackClient

    problems: list[str] = []
    with SignedSlackClient(url, SIGNING_SECRET, team_id=seed.TEAM_ID) as client:
        for key, command in commands.items():
            logs: dict[str, list[StatementLog]] = {}
            for side, send in senders.items():
                with counting_statements(app.db) as warm:
                    send(client, command)  # the caller cache, the pool, compiled SQL
                    settle(warm)
                logs[side] = []
                for _ in range(COUNT_REPEATS):
                    with counting_statements(app.db) as log:
                        problem = send(client, command)
                        settle(log)
                    logs[side].append(log)
                    if problem:
                        problems.append(problem)
            result.counts[key] = StatementCount.of(logs[small], logs[big])
    for problem in problems:
        say(f"FAILED reply while counting: {problem}")
    if problems:
        result.error = f"{len(problems)} failed replies while counting statements"


# ---------------------------------------------------------------------------- in-process


@dataclass
class Split:
    """In-process calls of the command's handler (no HTTP, no Bolt)."""

    mean_ms: float
    execute_ms: float  # of which inside cursor.execute (SQLite: also most of the fetching)
    statements: float
    slowest: list[tuple[str, float, int]]  # (statement shape, ms a call, times a call)
    reply_chars: int


def handler_of(command: str):  # type: ignore[no-untyped-def]
    from handlers.commands import leaderboard, progress

    return progress.handle if command == "/progress" else leaderboard.handle


def in_process(
    app: Any,
    commands: Mapping[str, tuple[str, dict[str, str]]],
    calls: int,
    profile: bool,
    *,
    slowest: int,
    title: str,
    top: tuple[int, int],
) -> tuple[dict[str, Split], dict[str, str]]:
    """Each command's handler (`commands`: key → label, slash command) called directly
    `calls` times after one warm call: mean time, time inside cursor.execute, statements and
    the `slowest` statement shapes; with `profile`, as many calls under cProfile, its `top`
    functions (by cumulative, by own time) under `title` (its "{label}" and "{calls}" filled)."""
    splits: dict[str, Split] = {}
    profiles: dict[str, str] = {}
    client = app.bolt.client
    for key, (label, command) in commands.items():
        handle = handler_of(command["command"])
        reply = handle(app.services, client, command)  # warm
        with counting_statements(app.db) as log:
            started = time.perf_counter_ns()
            for _ in range(calls):
                handle(app.services, client, command)
            elapsed = time.perf_counter_ns() - started
        shapes = log.shapes()
        splits[key] = Split(
            elapsed / calls / 1e6,
            log.execute_ns / calls / 1e6,
            log.count / calls,
            [
                (shape, ns / calls / 1e6, shapes[shape] // calls)
                for shape, ns in log.execute_ns_by_shape.most_common(slowest)
            ],
            len(reply),
        )
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(calls):
                handle(app.services, client, command)
            profiler.disable()
            profiles[key] = profile_text(title.format(label=label, calls=calls), [profiler], *top)
    return splits, profiles


def write_profiles(profiles: Mapping[str, str], prefix: str, say: Say) -> None:
    """Each profile to results/`prefix`_`key`.txt; `say` is tagged with the backend."""
    for key, text in profiles.items():
        path = write_results(f"{prefix}_{key}.txt", text)
        say(f"  profile of {key} written to {path}")


# ---------------------------------------------------------------------------- report

Column = tuple[str, Callable[[Measurement], str]]
SEQUENTIAL_AND_CONCURRENT: tuple[Column, ...] = (
    ("p50 ms", lambda m: f"{m.p50_ms:.2f}"),
    ("p99 ms", lambda m: f"{m.p99_ms:.2f}"),
    ("req/s (sequential)", lambda m: f"{m.rps_seq:,.0f}"),
    (f"req/s ({THREADS} threads)", lambda m: f"{m.rps_conc:,.0f}"),
)


def latency_table(
    results: Sequence[LatencyResult],
    what: str,
    columns: Sequence[Column] = SEQUENTIAL_AND_CONCURRENT,
    label: Callable[[Measurement], str] = lambda m: m.label,
) -> tuple[list[str], bool]:
    """The table of every backend's measurements (`what`: the heading of their labels), and
    whether a request failed or a backend broke."""
    lines = [
        table_row("Backend", what, *(heading for heading, _ in columns), "Failures"),
        "|---|---|" + "---:|" * (len(columns) + 1),
    ]
    broken = False
    for r in results:
        name = backend_name(r.backend)
        for m in r.rows.values():
            failed = f"**{m.failures} / {m.requests}**" if m.failures else f"0 / {m.requests:,}"
            lines.append(table_row(name, label(m), *(cell(m) for _, cell in columns), failed))
            broken |= m.failures > 0
        if r.error:
            lines.append(table_row(name, "**ERROR**", r.error, *[""] * len(columns)))
            broken = True
    return lines, broken


def p99_rank(m: Measurement) -> str:
    """Which of the timed requests the p99 is (nearest rank)."""
    return f"p99 = the {ordinal(max(1, -(-m.timed // 100)))} slowest of {m.timed:,}"


def sequential_and_concurrent(m: Measurement, rank: bool = False) -> str:
    """A measurement's detail line (after "- {backend} ")."""
    ranked = f" ({p99_rank(m)})" if rank else ""
    return (
        f"{m.label}: mean {m.mean_ms:.2f} ms, max {m.max_ms:.1f} ms sequential{ranked}; "
        f"{THREADS} threads: p50 {m.p50_conc_ms:.2f} ms, p99 {m.p99_conc_ms:.2f} ms"
    )


def details(
    results: Sequence[Result],
    measured: Callable[[Measurement], str],
    more: Callable[[Result, str], list[str]] = lambda r, name: [],
) -> list[str]:
    """The report's details: per backend its seeding, a line per measurement (`measured`,
    after "- {backend} ") with its failures, `more` (given the backend's name), the users.info
    calls and the load average while measuring."""
    lines = ["", "Details:", ""]
    for r in results:
        name = backend_name(r.backend)
        lines += seeding_lines(name, r.seed_seconds)
        for m in r.rows.values():
            lines.append(f"- {name} {measured(m)}")
            lines += [f"  - failure: `{sample}`" for sample in m.samples]
        lines += more(r, name)
        if r.users_info_calls is not None:
            lines.append(f"- {name}: users.info calls while measuring: {r.users_info_calls}")
        if r.load_average is not None:
            lines.append(
                f"- {name}: load average {r.load_average[0]:.2f} when measuring started, {r.load_average[1]:.2f} when it ended"
            )
    return lines


@dataclass
class CountedResult(LatencyResult):
    """One backend's run of a bench of commands whose statements are counted too."""

    counts: dict[str, StatementCount] = field(default_factory=dict)
    splits: dict[str, Split] = field(default_factory=dict)
    entries: int = 0
    goals: int = 0


def counted_checks(
    results: Sequence[CountedResult],
    labels: Mapping[str, str],
    p99_limit_ms: float,
    flat: str,
    *,
    checked: Container[str] | None = None,
    digits: int = 2,
) -> tuple[list[str], bool]:
    """The checks table: p99 under the limit (for the commands in `checked`, default all),
    statements flat (`flat`: what the check says after the label), and a complete run; and
    whether every check passed. `labels`: how each command key is shown."""
    lines = list(CHECKS_HEADER)
    all_pass = True
    for r in results:
        name = backend_name(r.backend)
        for key, m in r.rows.items():
            if checked is None or key in checked:
                ok = m.p99_ms < p99_limit_ms
                lines.append(
                    check_row(
                        name,
                        f"{labels[key]}: p99 < {p99_limit_ms:g} ms",
                        f"{m.p99_ms:.{digits}f} ms",
                        ok,
                    )
                )
                all_pass &= ok
        for key, count in r.counts.items():
            lines.append(
                check_row(
                    name, f"{labels[key]}: {flat}", f"{count.big} vs {count.small}", count.flat
                )
            )
            all_pass &= count.flat
        if r.error or len(r.rows) < len(labels) or len(r.counts) < len(labels):
            lines.append(check_row(name, "all checks", "incomplete run", False))
            all_pass = False
    return lines, all_pass


def counted_details(
    r: CountedResult,
    name: str,
    labels: Mapping[str, str],
    sides: tuple[str, str],
    *,
    digits: int = 2,
    shape_width: int = 110,
    replies: bool = False,
) -> list[str]:
    """The details of the in-process calls and of the statement counts: per command its time
    split (`digits` decimals; with `replies`, the reply's size) and slowest statements
    (`shape_width` characters), whether its counts varied (`sides`: how the small and the big
    side are named) and the statement shapes whose number differs between the sides."""
    lines = []
    for key, split in r.splits.items():
        reply = f", a {split.reply_chars:,}-character reply" if replies else ""
        lines.append(
            f"- {name} {labels[key]} in-process (handler only, no HTTP/Bolt): {split.mean_ms:.{digits}f} ms "
            f"a call, {split.execute_ms:.{digits}f} ms of it inside cursor.execute, {split.statements:.0f} statements{reply}"
        )
        for shape, ms, times in split.slowest:
            lines.append(f"  - {ms:.2f} ms in {times}× `{shape[:shape_width]}…`")
    for key, count in r.counts.items():
        if not count.steady:
            lines.append(
                f"- {name} {labels[key]}: statement counts varied over {COUNT_REPEATS} repeats "
                f"({sides[0]} {count.small_spread[0]}–{count.small_spread[1]}, "
                f"{sides[1]} {count.big_spread[0]}–{count.big_spread[1]}); the smallest is shown"
            )
        for shape, n_small, n_big in count.extra[:8]:
            lines.append(f"  - {labels[key]}: {n_small} → {n_big}× `{shape}`")
    return lines
