"""The reports end to end: `/progress team:Bench` and `/leaderboard` over signed HTTP against a
year of history (1,000,000 entries, 200 reps in one team) with goals, and the number of SQL
statements each command issues with 20 vs 200 reps in the team (it must not grow).

Same machinery as the /log bench (bench/harness.py, bench/latency.py): the app built as production builds it
behind `HttpServer`, the stand-in Slack Web API, load from a spawned client process in
interleaved rounds. The statement counts come from a `before_cursor_execute` listener on the
app's engine around exactly one command (sent from this process once the load is idle).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench import latency, seed
from bench.directory import goal_row
from bench.harness import (
    SERVER_THREADS,
    THREADS,
    LoadProcess,
    Options,
    Outcome,
    Say,
    Target,
    backend_errors,
    backend_name,
    finished,
    reply_problem,
    run_bench,
    run_line,
    start_app,
    start_standin,
    table_row,
    tagged,
    upgrade_schema,
)
from bench.latency import (
    CountedResult,
    Requests,
    counted_checks,
    counted_details,
    details,
    in_process,
    latency_table,
    measure,
    sequential_and_concurrent,
    slash_command,
    write_profiles,
)

RESULTS_NAME = "report_latency.md"
PEOPLE = 200  # reps in team Bench, the measured one
SMALL_PEOPLE = 20  # reps in team Small, for the statement-count comparison only
P99_LIMIT_MS = 50.0

BIG_TEAM, SMALL_TEAM = "Bench", "Small"


@dataclass(frozen=True)
class Plan:
    entries: int  # for team Bench; team Small gets the same per-rep density
    requests: Requests  # per command (its warm-up after the callers' help)
    profile_calls: int  # in-process calls per command for the time split (and --profile)

    @classmethod
    def full(cls) -> Plan:
        return cls(1_000_000, Requests(10, 20, 20, 1, 100), 30)

    @classmethod
    def quick(cls) -> Plan:
        return cls(10_000, Requests(5, 5, 20, 1, 100), 10)


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
class BackendResult(CountedResult):
    profiles: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------- seeding


def goal_rows(
    team: seed.Directory, creator_id: int, week: tuple[date, date], first: date, now: datetime
) -> list[dict[str, Any]]:
    """The goals of one team, the same shape whatever its size: every rep a weekly calls
    goal (every fourth with a 125% stretch), a monthly team-total revenue goal, an
    all-or-nothing weekly demos goal, and a meetings contest for the current week."""

    def goal(**values: Any) -> dict[str, Any]:
        return goal_row(team.workspace_id, creator_id, first, now, **values)

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
    upgrade_schema(url)
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


def _caller(c: Command, team: TeamSeed) -> str:
    return team.manager_user if c.caller == "manager" else team.rep_users[0]


def _one_command(client, name: str, c: Command, user: str) -> str | None:  # type: ignore[no-untyped-def]
    """Send `c` for team `name` as `user`; what is wrong with the reply, if anything."""
    text = c.text.format(team=name)
    response = client.command(c.command, text, user_id=user, user_name=user.lower())
    problem = reply_problem(response, c.expect.format(team=name), c.contains)
    return problem and f"{c.command} {text} as {user}: {problem}"


def run_backend(
    backend: str, plan: Plan, options: Options, load: LoadProcess, say: Say
) -> BackendResult:
    from bot.clock import SystemClock, local_today

    result = BackendResult(backend)
    say = tagged(say, backend)
    now = datetime.now(UTC)
    last_day = seed.last_working_day(local_today(SystemClock(), seed.REP_TZ))
    users = [(seed.user_id_of(i), f"rep{i:04d}", f"Rep {i:04d}") for i in range(PEOPLE)]
    users += [(f"US{i:04d}", f"small{i:04d}", f"Small {i:04d}") for i in range(SMALL_PEOPLE)]
    users += [(f"UM{n:04d}", f"manager{n}", f"Manager {n}") for n in range(2)]
    with backend_errors(result, say), contextlib.ExitStack() as stack:
        standin = start_standin(stack, users)
        database = stack.enter_context(seed.bench_database(backend, seed.PG_DATABASE + "_reports"))
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
        say(f"seeded 2 teams, 2 managers and {result.goals} goals in {took:.1f} s")
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
        say(f"loaded {added:,} entries in {took:.1f} s ({added / max(took, 1e-9):,.0f} rows/s)")

        app, url = start_app(stack, standin.api_url, database.url)
        big = teams[BIG_TEAM]

        def count() -> None:
            say(f"counting statements: one command, team {SMALL_TEAM} vs {BIG_TEAM} …")
            senders = {
                name: lambda client, c, name=name, team=team: _one_command(
                    client, name, c, _caller(c, team)
                )
                for name, team in teams.items()
            }
            latency.count_statements(
                result, app, url, {c.key: c for c in COMMANDS}, senders, SMALL_TEAM, BIG_TEAM, say
            )

        # Every caller's first request fills the app's caller cache: a cheap
        # `/leaderboard help` does it, so the real warm-up can be short.
        callers = Target(
            "callers",
            url,
            "/leaderboard",
            "*Rank a team with `/leaderboard`*",
            big.rep_users + (big.manager_user,),
            ("help",),
        )
        say(
            f"warming up: /leaderboard help from each of {len(callers.users)} callers, "
            f"then {plan.requests.warmup} requests per command …"
        )
        measure(
            load,
            standin,
            _targets(url, BIG_TEAM, big),
            plan.requests,
            result,
            say,
            {c.key: (c.label, result.entries) for c in COMMANDS},
            prime=callers,
            before_timing=count,
        )

        say(
            f"in-process: {plan.profile_calls} handler calls per command{' under cProfile' if options.profile else ''} …"
        )
        result.splits, result.profiles = in_process(
            app,
            {
                c.key: (
                    c.label,
                    slash_command(
                        seed.TEAM_ID, _caller(c, big), c.command, c.text.format(team=BIG_TEAM)
                    ),
                )
                for c in COMMANDS
            },
            plan.profile_calls,
            options.profile,
            slowest=2,
            title="{label}: {calls} in-process calls",
            top=(30, 20),
        )
        write_profiles(result.profiles, f"report_profile_{backend}", say)
    return result


# ---------------------------------------------------------------------------- report


def report(
    results: list[BackendResult], plan: Plan, quick: bool, seconds: float, loads: list[float]
) -> tuple[str, bool, bool]:
    entries = next((r.entries for r in results if r.entries), plan.entries)
    lines = [
        "# Report latency: /progress team and /leaderboard",
        "",
        run_line(quick, seconds, loads),
        "",
        f"Team {BIG_TEAM}: {PEOPLE} reps with {entries:,} entries over a year that runs to the end "
        "of the current week and month (so this week's and this month's views read full periods, "
        "as on a Friday at month end, whatever day the bench runs); each rep a weekly "
        "calls goal (every fourth with a 125% stretch), a monthly team-total revenue goal, an "
        "all-or-nothing weekly demos goal and a meetings contest this week; one manager. The app "
        f"runs behind waitress with {SERVER_THREADS} threads. Each caller sends `/leaderboard help` "
        f"once (filling the caller cache), each command gets {plan.requests.warmup} "
        f"warm-up requests, then {plan.requests.sequential:,} sequential requests from one keep-alive client "
        f"(p50, p99, req/s) and {plan.requests.concurrent:,} from {THREADS} client threads "
        "(req/s), in rounds alternating between the commands. /progress is sent by the team's "
        "manager, /leaderboard by the reps in turn.",
        "",
    ]
    table, broken = latency_table(results, "Command")
    lines += table
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

    checks, all_pass = counted_checks(
        results, labels, P99_LIMIT_MS, f"count({PEOPLE}) == count({SMALL_PEOPLE})"
    )
    lines += checks
    lines += details(
        results,
        lambda m: sequential_and_concurrent(m, rank=True),
        lambda r, name: counted_details(r, name, labels, (f"@ {SMALL_PEOPLE}:", f"@ {PEOPLE}:")),
    )
    return finished(lines, broken, all_pass)


# ---------------------------------------------------------------------------- entry point


def run(options: Options, load: LoadProcess, say: Say) -> Outcome:
    def measure(backend: str, plan: Plan) -> BackendResult:
        return run_backend(backend, plan, options, load, say)

    return run_bench(options, say, "reports", "report latency", RESULTS_NAME, Plan, measure, report)
