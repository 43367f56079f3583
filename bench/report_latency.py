"""The reports end to end: `/progress team:Bench` and `/leaderboard` over signed HTTP against a
year of history (1,000,000 entries, 200 reps in one team) with goals, and the number of SQL
statements each command issues with 20 vs 200 reps in the team (it must not grow).

Same machinery as the /log bench (bench/harness.py): the app built as production builds it
behind `HttpServer`, the stand-in Slack Web API, load from a spawned client process in
interleaved rounds. The statement counts come from a `before_cursor_execute` listener on the
app's engine around exactly one command (sent from this process once the load is idle).
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import itertools
import os
import platform
import pstats
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench import seed
from bench.harness import (
    SERVER_THREADS,
    SIGNING_SECRET,
    THREADS,
    LoadProcess,
    LoadSpec,
    Measurement,
    Options,
    Outcome,
    Say,
    StatementLog,
    Target,
    backend_name,
    brief,
    counting_statements,
    measurement,
    reply_problem,
    start_app,
    start_standin,
    table_row,
    write_results,
)

RESULTS_NAME = "report_latency.md"
PEOPLE = 200  # reps in team Bench, the measured one
SMALL_PEOPLE = 20  # reps in team Small, for the statement-count comparison only
P99_LIMIT_MS = 50.0
COUNT_REPEATS = 3  # each statement count is taken this often; the smallest is reported
SETTLE_SECONDS = 0.25  # a command's lazy listeners may still query after the reply

BIG_TEAM, SMALL_TEAM = "Bench", "Small"


@dataclass(frozen=True)
class Plan:
    entries: int  # for team Bench; team Small gets the same per-rep density
    warmup: int  # sequential requests per command before measuring (after the callers' help)
    rounds: int
    per_round: int
    concurrent_rounds: int
    concurrent_per_round: int
    profile_calls: int  # in-process calls per command for the time split (and --profile)

    @property
    def requests(self) -> int:
        return self.rounds * self.per_round

    @property
    def concurrent_requests(self) -> int:
        return self.concurrent_rounds * self.concurrent_per_round

    @classmethod
    def full(cls) -> Plan:
        return cls(1_000_000, 10, 20, 20, 1, 100, 30)

    @classmethod
    def quick(cls) -> Plan:
        return cls(10_000, 5, 5, 20, 1, 100, 10)


@dataclass(frozen=True)
class Command:
    key: str
    command: str
    text: str  # "{team}" is the team's name
    label: str
    caller: str  # "manager" or "reps"
    expect: str  # the reply's first characters, "{team}" the team's name
    contains: tuple[str, ...] = ()


COMMANDS = (
    Command(
        "progress",
        "/progress",
        "team:{team}",
        "/progress team:Bench (manager)",
        "manager",
        "*Team {team} — this week* (week of ",
        (
            " members)",
            "*Revenue (team total)*",
            "👥 *Demos* — everyone",
            "🏁 *Meetings contest* (prize: golf)",
            "*People*\n• ",
        ),
    ),
    Command(
        "board",
        "/leaderboard",
        "",
        "/leaderboard (default: contest metric, this week)",
        "reps",
        "*Meetings leaderboard — team {team}, this week* (week of ",
        ("· prize: golf\n`",),
    ),
    Command(
        "board_pct",
        "/leaderboard",
        "calls month by pct",
        "/leaderboard calls month by pct",
        "reps",
        "*Calls leaderboard by % of target — team {team}, this month* (",
        ("\n`",),
    ),
)


@dataclass
class TeamSeed:
    directory: seed.Directory
    manager_user: str
    manager_id: int

    @property
    def rep_users(self) -> tuple[str, ...]:
        return tuple(r.user_id for r in self.directory.reps)


@dataclass
class Count:
    small: int
    big: int
    small_spread: tuple[int, int]  # min, max over COUNT_REPEATS
    big_spread: tuple[int, int]
    extra: list[tuple[str, int, int]] = field(default_factory=list)  # shape, n @ small, n @ big

    @property
    def ok(self) -> bool:
        return self.small == self.big


@dataclass
class Split:
    """In-process calls of the command's handler (no HTTP, no Bolt)."""

    mean_ms: float
    execute_ms: float  # of which inside cursor.execute (SQLite: also most of the fetching)
    statements: float
    slowest: list[tuple[str, float, int]]  # (statement shape, ms a call, times a call)


@dataclass
class BackendResult:
    backend: str
    rows: list[Measurement] = field(default_factory=list)
    counts: dict[str, Count] = field(default_factory=dict)
    splits: dict[str, Split] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    seed_seconds: list[tuple[str, float]] = field(default_factory=list)
    entries: int = 0
    goals: int = 0
    users_info_calls: int | None = None
    load_average: tuple[float, float] | None = None
    error: str | None = None


# ---------------------------------------------------------------------------- seeding


def goal_rows(
    team: seed.Directory, creator_id: int, week: tuple[date, date], first: date, now: datetime
) -> list[dict[str, Any]]:
    """The goals of one team, the same shape whatever its size: every rep a weekly calls
    goal (every fourth with a 125% stretch), a monthly team-total revenue goal, an
    all-or-nothing weekly demos goal, and a meetings contest for the current week."""

    def goal(**values: Any) -> dict[str, Any]:
        row = {
            "workspace_id": team.workspace_id,
            "person_id": None,
            "team_id": None,
            "target": None,
            "start": first,
            "end": None,
            "stretch_pct": None,
            "weights": None,
            "reward": None,
            "prize": None,
            "ramp_last": None,
            "ramp_step": None,
            "origin": "set",
            "created_by_id": creator_id,
            "created_at": now,
            "removed_at": None,
            "removed_by_id": None,
            "idempotency_key": None,
        }
        row.update(values)
        return row

    rows = [
        goal(
            kind="individual",
            person_id=rep.person_id,
            metric="calls",
            period_kind="week",
            target=500 + 50 * (i % 7),  # the seeded reps log ~650 calls a week
            stretch_pct=125 if i % 4 == 0 else None,
        )
        for i, rep in enumerate(team.reps)
    ]
    rows += [
        goal(
            kind="team",
            team_id=team.team_id,
            metric="revenue",
            period_kind="month",
            target=30_000_000 * len(team.reps),  # $300k a rep, in cents
        ),
        goal(
            kind="collective",
            team_id=team.team_id,
            metric="demos",
            period_kind="week",
            target=14,
            reward="team lunch",
        ),
        goal(
            kind="contest",
            team_id=team.team_id,
            metric="meetings",
            period_kind="week",
            start=week[0],
            end=week[1],
            prize="golf",
        ),
    ]
    return rows


def _seed(url: str, plan: Plan, now: datetime, last_day: date) -> tuple[dict[str, TeamSeed], int]:
    from storage.db import Database

    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()
    big = seed.seed_directory(url, PEOPLE, now)
    small = seed.seed_team(
        url,
        big.workspace_id,
        SMALL_TEAM,
        [(f"US{i:04d}", f"small{i:04d}", f"Small {i:04d}") for i in range(SMALL_PEOPLE)],
        now,
    )
    teams: dict[str, TeamSeed] = {}
    week_start = last_day - timedelta(days=last_day.weekday())
    week = (week_start, week_start + timedelta(days=6))
    first = date(last_day.year - 1, 1, 1)  # every goal runs through the whole history
    goals = 0
    for n, (name, directory) in enumerate(((BIG_TEAM, big), (SMALL_TEAM, small))):
        user = f"UM{n:04d}"
        manager_id = seed.seed_manager(
            url, big.workspace_id, directory.team_id, (user, f"manager{n}", f"Manager {n}"), now
        )
        goals += seed.seed_goals(url, goal_rows(directory, manager_id, week, first, now))
        teams[name] = TeamSeed(directory, user, manager_id)
    return teams, goals


def history_end(last_day: date) -> date:
    """The last day with entries: the later of the current week's Friday and the month's
    last working day. The week and month views then read full periods whatever day the
    bench runs (the worst case: a Friday at the end of a month)."""
    friday = last_day + timedelta(days=4 - last_day.weekday())
    month_end = (last_day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return max(friday, seed.last_working_day(month_end))


def _load_history(
    url: str, teams: dict[str, TeamSeed], plan: Plan, now: datetime, last_day: date
) -> int:
    day_value, at_value = seed.entry_converters(url)
    days = seed.working_days(history_end(last_day), 365)
    plans = [
        seed.entry_plan(
            workspace_id=t.directory.workspace_id,
            person_ids=[r.person_id for r in t.directory.reps],
            days=days,
            total=plan.entries * len(t.directory.reps) // PEOPLE,
            seed=10 + n,
            batch_prefix=f"r{n}",
            now=now,
            day_value=day_value,
            at_value=at_value,
        )
        for n, t in enumerate(teams.values())
    ]
    return seed.load_entries(url, itertools.chain(*plans))


def _team_entries(url: str, team_id: int) -> int:
    import sqlalchemy as sa

    from storage.db import make_engine
    from storage.models import Entry, TeamMember

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.scalar(
                    sa.select(sa.func.count())
                    .select_from(Entry)
                    .join(TeamMember, TeamMember.person_id == Entry.person_id)
                    .where(TeamMember.team_id == team_id)
                )
                or 0
            )
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- measuring


def _targets(url: str, name: str, team: TeamSeed) -> tuple[Target, ...]:
    return tuple(
        Target(
            c.key,
            url,
            c.command,
            c.expect.format(team=name),
            (team.manager_user,) if c.caller == "manager" else team.rep_users,
            (c.text.format(team=name),),
            c.contains,
        )
        for c in COMMANDS
    )


def _one_command(client, name: str, c: Command, user: str) -> str | None:  # type: ignore[no-untyped-def]
    """Send `c` for team `name` as `user`; what is wrong with the reply, if anything."""
    response = client.command(
        c.command, c.text.format(team=name), user_id=user, user_name=user.lower()
    )
    return reply_problem(response, c.expect.format(team=name), c.contains)


def _settle(log: StatementLog) -> None:
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
    app, url: str, teams: dict[str, TeamSeed]
) -> tuple[dict[str, Count], list[str]]:  # type: ignore[no-untyped-def]
    """Per command, the statements of one warm command for team Small and for team Bench."""
    from bot.standin.signed_requests import SignedSlackClient

    counts: dict[str, Count] = {}
    problems: list[str] = []
    with SignedSlackClient(url, SIGNING_SECRET, team_id=seed.TEAM_ID) as client:
        for c in COMMANDS:
            logs: dict[str, list[StatementLog]] = {}
            for name, team in teams.items():
                user = team.manager_user if c.caller == "manager" else team.rep_users[0]
                with counting_statements(app.db) as warm:
                    _one_command(client, name, c, user)  # warms caches and the pool
                    _settle(warm)
                logs[name] = []
                for _ in range(COUNT_REPEATS):
                    with counting_statements(app.db) as log:
                        problem = _one_command(client, name, c, user)
                        _settle(log)
                    logs[name].append(log)
                    if problem:
                        problems.append(
                            f"{c.command} {c.text.format(team=name)} as {user}: {problem}"
                        )
            small = min(logs[SMALL_TEAM], key=lambda g: g.count)
            big = min(logs[BIG_TEAM], key=lambda g: g.count)
            shapes_small, shapes_big = small.shapes(), big.shapes()
            extra = [
                (shape, shapes_small.get(shape, 0), n)
                for shape, n in shapes_big.most_common()
                if n != shapes_small.get(shape, 0)
            ]
            counts[c.key] = Count(
                small.count,
                big.count,
                (min(g.count for g in logs[SMALL_TEAM]), max(g.count for g in logs[SMALL_TEAM])),
                (min(g.count for g in logs[BIG_TEAM]), max(g.count for g in logs[BIG_TEAM])),
                extra,
            )
    return counts, problems


def _command_dict(c: Command, team: TeamSeed, name: str) -> dict[str, str]:
    user = team.manager_user if c.caller == "manager" else team.rep_users[0]
    return {
        "team_id": seed.TEAM_ID,
        "user_id": user,
        "user_name": user.lower(),
        "command": c.command,
        "text": c.text.format(team=name),
    }


def _handler(c: Command):  # type: ignore[no-untyped-def]
    from handlers.commands import leaderboard, progress

    return progress.handle if c.command == "/progress" else leaderboard.handle


def in_process(
    app, team: TeamSeed, calls: int, profile: bool
) -> tuple[dict[str, Split], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Call each command's handler directly `calls` times: mean time, time inside
    cursor.execute, statements; with `profile`, the cProfile top functions too."""
    splits: dict[str, Split] = {}
    profiles: dict[str, str] = {}
    engine = app.db
    for c in COMMANDS:
        handle = _handler(c)
        command = _command_dict(c, team, BIG_TEAM)
        client = app.bolt.client
        handle(app.services, client, command)  # warm
        with counting_statements(engine) as log:
            started = time.perf_counter_ns()
            for _ in range(calls):
                handle(app.services, client, command)
            elapsed = time.perf_counter_ns() - started
        shapes = log.shapes()
        splits[c.key] = Split(
            elapsed / calls / 1e6,
            log.execute_ns / calls / 1e6,
            log.count / calls,
            [
                (shape, ns / calls / 1e6, shapes[shape] // calls)
                for shape, ns in log.execute_ns_by_shape.most_common(2)
            ],
        )
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(calls):
                handle(app.services, client, command)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            out.write(f"# {c.label}: {calls} in-process calls\n")
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(20)
            profiles[c.key] = out.getvalue()
    return splits, profiles


def run_backend(
    backend: str, plan: Plan, options: Options, load: LoadProcess, say: Say
) -> BackendResult:
    from bot.clock import SystemClock, local_today

    result = BackendResult(backend)
    now = datetime.now(UTC)
    last_day = seed.last_working_day(local_today(SystemClock(), seed.REP_TZ))
    users = [(seed.user_id_of(i), f"rep{i:04d}", f"Rep {i:04d}") for i in range(PEOPLE)]
    users += [(f"US{i:04d}", f"small{i:04d}", f"Small {i:04d}") for i in range(SMALL_PEOPLE)]
    users += [(f"UM{n:04d}", f"manager{n}", f"Manager {n}") for n in range(2)]
    try:
        with contextlib.ExitStack() as stack:
            standin = start_standin(stack, users)
            database = stack.enter_context(
                seed.bench_database(backend, seed.PG_DATABASE + "_reports")
            )
            started = time.perf_counter()
            teams, result.goals = _seed(database.url, plan, now, last_day)
            took = time.perf_counter() - started
            result.seed_seconds.append(
                (
                    f"schema, teams {BIG_TEAM} ({PEOPLE} reps) and {SMALL_TEAM} ({SMALL_PEOPLE}), "
                    f"2 managers, {result.goals} goals",
                    took,
                )
            )
            say(f"[{backend}] seeded 2 teams, 2 managers and {result.goals} goals in {took:.1f} s")
            started = time.perf_counter()
            added = _load_history(database.url, teams, plan, now, last_day)
            took = time.perf_counter() - started
            result.entries = _team_entries(database.url, teams[BIG_TEAM].directory.team_id)
            result.seed_seconds.append(
                (
                    f"{added:,} entries, a year to {history_end(last_day)} ({result.entries:,} for team "
                    f"{BIG_TEAM}, the rest for {SMALL_TEAM}; bulk load, index build, ANALYZE)",
                    took,
                )
            )
            say(
                f"[{backend}] loaded {added:,} entries in {took:.1f} s ({added / max(took, 1e-9):,.0f} rows/s)"
            )

            app, url = start_app(stack, standin.api_url, database.url)
            targets = _targets(url, BIG_TEAM, teams[BIG_TEAM])

            loads = [os.getloadavg()[0]]
            # Every caller's first request fills the app's caller cache: a cheap
            # `/leaderboard help` does it, so the real warm-up can be short.
            callers = Target(
                "callers",
                url,
                "/leaderboard",
                "*Rank a team with `/leaderboard`*",
                teams[BIG_TEAM].rep_users + (teams[BIG_TEAM].manager_user,),
                ("help",),
            )
            say(
                f"[{backend}] warming up: /leaderboard help from each of {len(callers.users)} callers, "
                f"then {plan.warmup} requests per command …"
            )
            primed = load.run(LoadSpec((callers,), warmup=len(callers.users)))["callers"]
            if primed.failures:
                result.error = f"{primed.failures} of {primed.sent} `/leaderboard help` warm-ups failed: {primed.samples[:2]}"
            warm = load.run(LoadSpec(targets, warmup=plan.warmup))
            info_before = len(standin.calls_to("users.info"))

            say(f"[{backend}] counting statements: one command, team {SMALL_TEAM} vs {BIG_TEAM} …")
            result.counts, problems = count_statements(app, url, teams)
            for problem in problems:
                say(f"[{backend}] FAILED reply while counting: {problem}")
            if problems:
                result.error = f"{len(problems)} failed replies while counting statements"

            say(
                f"[{backend}] sequential: {plan.requests:,} requests per command in {plan.rounds} interleaved rounds …"
            )
            seq = load.run(LoadSpec(targets, rounds=plan.rounds, per_round=plan.per_round))
            say(
                f"[{backend}] {THREADS} threads: {plan.concurrent_requests:,} requests per command in {plan.concurrent_rounds} interleaved rounds …"
            )
            conc = load.run(
                LoadSpec(
                    targets,
                    warmup=2,
                    rounds=plan.concurrent_rounds,
                    per_round=plan.concurrent_per_round,
                    threads=THREADS,
                )
            )
            result.users_info_calls = len(standin.calls_to("users.info")) - info_before
            loads.append(os.getloadavg()[0])
            result.load_average = (loads[0], loads[1])
            for c in COMMANDS:
                m = measurement(c.label, result.entries, [warm[c.key], seq[c.key], conc[c.key]])
                result.rows.append(m)
                say(f"[{backend}]   {c.label}: {brief(m)}")

            say(
                f"[{backend}] in-process: {plan.profile_calls} handler calls per command{' under cProfile' if options.profile else ''} …"
            )
            result.splits, result.profiles = in_process(
                app, teams[BIG_TEAM], plan.profile_calls, options.profile
            )
            for key, text in result.profiles.items():
                path = write_results(f"report_profile_{backend}_{key}.txt", text)
                say(f"[{backend}]   profile of {key} written to {path}")
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}"
        say(f"[{backend}] ERROR: {result.error}")
        traceback.print_exc()
    return result


# ---------------------------------------------------------------------------- report


def report(
    results: list[BackendResult], plan: Plan, quick: bool, seconds: float, loads: list[float]
) -> tuple[str, bool, bool]:
    entries = next((r.entries for r in results if r.entries), plan.entries)
    lines = [
        "# Report latency: /progress team and /leaderboard",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {'quick smoke run' if quick else 'full run'} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"load average {loads[0]:.2f} before, {loads[-1]:.2f} after · {seconds:.0f} s in all",
        "",
        f"Team {BIG_TEAM}: {PEOPLE} reps with {entries:,} entries over a year that runs to the end "
        "of the current week and month (so this week's and this month's views read full periods, "
        "as on a Friday at month end, whatever day the bench runs); each rep a weekly "
        "calls goal (every fourth with a 125% stretch), a monthly team-total revenue goal, an "
        "all-or-nothing weekly demos goal and a meetings contest this week; one manager. The app "
        f"runs behind waitress with {SERVER_THREADS} threads. Each caller sends `/leaderboard help` "
        f"once (filling the caller cache), each command gets {plan.warmup} "
        f"warm-up requests, then {plan.requests:,} sequential requests from one keep-alive client "
        f"(p50, p99, req/s) and {plan.concurrent_requests:,} from {THREADS} client threads "
        "(req/s), in rounds alternating between the commands. /progress is sent by the team's "
        "manager, /leaderboard by the reps in turn.",
        "",
        "| Backend | Command | p50 ms | p99 ms | req/s (sequential) | req/s (4 threads) | Failures |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    broken = False
    for r in results:
        name = backend_name(r.backend)
        for m in r.rows:
            failed = f"**{m.failures} / {m.requests}**" if m.failures else f"0 / {m.requests:,}"
            lines.append(
                table_row(
                    name,
                    m.label,
                    f"{m.p50_ms:.2f}",
                    f"{m.p99_ms:.2f}",
                    f"{m.rps_seq:,.0f}",
                    f"{m.rps_conc:,.0f}",
                    failed,
                )
            )
            broken |= m.failures > 0
        if r.error:
            lines.append(table_row(name, "**ERROR**", r.error, "", "", "", ""))
            broken = True

    lines += [
        "",
        f"SQL statements of one warm command (BEGIN included), team {SMALL_TEAM} ({SMALL_PEOPLE} reps) "
        f"vs team {BIG_TEAM} ({PEOPLE} reps), same goals:",
        "",
        f"| Backend | Command | statements @ {SMALL_PEOPLE} reps | statements @ {PEOPLE} reps |",
        "|---|---|---:|---:|",
    ]
    labels = {c.key: c.label for c in COMMANDS}
    for r in results:
        for key, count in r.counts.items():
            lines.append(table_row(backend_name(r.backend), labels[key], count.small, count.big))

    lines += ["", "| Backend | Check | Measured | Result |", "|---|---|---|---|"]
    all_pass = True
    for r in results:
        name = backend_name(r.backend)
        for m in r.rows:
            ok = m.p99_ms < P99_LIMIT_MS
            lines.append(
                table_row(
                    name,
                    f"{m.label}: p99 < {P99_LIMIT_MS:g} ms",
                    f"{m.p99_ms:.2f} ms",
                    "PASS" if ok else "**FAIL**",
                )
            )
            all_pass &= ok
        for key, count in r.counts.items():
            lines.append(
                table_row(
                    name,
                    f"{labels[key]}: count({PEOPLE}) == count({SMALL_PEOPLE})",
                    f"{count.big} vs {count.small}",
                    "PASS" if count.ok else "**FAIL**",
                )
            )
            all_pass &= count.ok
        if r.error or len(r.rows) < len(COMMANDS) or len(r.counts) < len(COMMANDS):
            lines.append(table_row(name, "all checks", "incomplete run", "**FAIL**"))
            all_pass = False

    lines += ["", "Details:", ""]
    for r in results:
        name = backend_name(r.backend)
        for what, took in r.seed_seconds:
            lines.append(f"- {name} seeding: {what} in {took:.1f} s")
        for m in r.rows:
            lines.append(
                f"- {name} {m.label}: mean {m.mean_ms:.2f} ms, max {m.max_ms:.1f} ms sequential "
                f"(p99 = the {_ordinal(max(1, -(-m.timed // 100)))} slowest of {m.timed:,}); {THREADS} threads: "
                f"p50 {m.p50_conc_ms:.2f} ms, p99 {m.p99_conc_ms:.2f} ms"
            )
            for sample in m.samples:
                lines.append(f"  - failure: `{sample}`")
        for key, split in r.splits.items():
            lines.append(
                f"- {name} {labels[key]} in-process (handler only, no HTTP/Bolt): {split.mean_ms:.2f} ms "
                f"a call, {split.execute_ms:.2f} ms of it inside cursor.execute, {split.statements:.0f} statements"
            )
            for shape, ms, times in split.slowest:
                lines.append(f"  - {ms:.2f} ms in {times}× `{shape[:110]}…`")
        for key, count in r.counts.items():
            if (
                count.small_spread[0] != count.small_spread[1]
                or count.big_spread[0] != count.big_spread[1]
            ):
                lines.append(
                    f"- {name} {labels[key]}: statement counts varied over {COUNT_REPEATS} repeats "
                    f"(@ {SMALL_PEOPLE}: {count.small_spread[0]}–{count.small_spread[1]}, "
                    f"@ {PEOPLE}: {count.big_spread[0]}–{count.big_spread[1]}); the smallest is shown"
                )
            for shape, n_small, n_big in count.extra[:8]:
                lines.append(f"  - {labels[key]}: {n_small} → {n_big}× `{shape}`")
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


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ---------------------------------------------------------------------------- entry point


def run(options: Options, load: LoadProcess, say: Say) -> Outcome:
    plan = Plan.quick() if options.quick else Plan.full()
    started = time.perf_counter()
    loads = [os.getloadavg()[0]]
    say(
        f"bench: report latency, {'quick' if options.quick else 'full'} run, backends: {', '.join(options.backends)}"
    )
    results = [run_backend(b, plan, options, load, say) for b in options.backends]
    loads.append(os.getloadavg()[0])
    text, broken, all_pass = report(
        results, plan, options.quick, time.perf_counter() - started, loads
    )
    return Outcome("reports", text, write_results(RESULTS_NAME, text), broken, all_pass)
