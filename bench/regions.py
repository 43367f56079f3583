"""Regions and the whole company (issue #13): `/leaderboard revenue quarter team:all`, the
team-vs-team boards (`by team`, `by team leaves`, `by team pct`), a region rolled up
(`team:region-1`) and a region's details (`/progress team:region-1 quarter`), over signed HTTP,
for a company of 2,000 reps in 100 teams under 10 regions with 5,000,000 entries over two
years; and the SQL statements of each command for that company and for a small twin company
(2 regions, 4 teams, 20 reps) in the same database: they must be equal.

Same machinery as the reports bench (bench/report_latency.py, bench/harness.py): the app built
as production builds it behind `HttpServer`, the stand-in Slack Web API, load from the spawned
client process in interleaved rounds, statements counted with a `before_cursor_execute`
listener on the app's engines around exactly one command sent from this process.
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

import sqlalchemy as sa

from bench import seed
from bench.harness import (
    SERVER_THREADS,
    SIGNING_SECRET,
    LoadProcess,
    LoadSpec,
    Measurement,
    Options,
    Outcome,
    Say,
    StatementLog,
    Target,
    TargetResult,
    backend_name,
    counting_statements,
    measurement,
    reply_problem,
    reply_text,
    start_app,
    start_standin,
    table_row,
    write_results,
)

RESULTS_NAME = "regions.md"
P99_LIMIT_MS = 100.0  # for team:all and by team (the target); the others are shown
COUNT_REPEATS = 3  # each statement count is taken this often; the smallest is reported
SETTLE_SECONDS = 0.25  # /progress's lazy listener may still run after the reply
HISTORY_DAYS = 730  # two years of working days, ending with the current quarter
TWIN_TEAM_ID = "T_TWIN"  # the small twin company's Slack workspace (statement counts only)
REGION = "region-1"  # the region the region commands name (in both companies)


# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Shape:
    regions: int
    teams_per_region: int
    reps_per_team: int
    entries: int

    @property
    def teams(self) -> int:
        return self.regions * self.teams_per_region

    @property
    def reps(self) -> int:
        return self.teams * self.reps_per_team

    def describe(self) -> str:
        return f"{self.reps:,} reps in {self.teams} teams under {self.regions} regions"


@dataclass(frozen=True)
class Plan:
    company: Shape  # the measured company (Slack workspace T_BENCH)
    twin: Shape  # the small company the statement counts compare with
    warmup: int  # sequential requests per command before measuring
    rounds: int
    per_round: int
    profile_calls: int  # in-process handler calls per command for the time split

    @property
    def requests(self) -> int:
        return self.rounds * self.per_round

    @classmethod
    def full(cls) -> Plan:
        return cls(Shape(10, 10, 20, 5_000_000), _twin(Shape(10, 10, 20, 5_000_000)), 3, 10, 20, 10)

    @classmethod
    def quick(cls) -> Plan:
        return cls(Shape(2, 5, 20, 50_000), _twin(Shape(2, 5, 20, 50_000)), 2, 5, 10, 5)


def _twin(company: Shape) -> Shape:
    """2 regions of 2 teams of 5 reps, with the company's entries per rep."""
    return Shape(2, 2, 5, company.entries * (2 * 2 * 5) // company.reps)


@dataclass(frozen=True)
class Command:
    key: str
    command: str
    text: str
    expect: str  # the reply's first characters ("{region}": the region's name)
    contains: tuple[str, ...] = ()
    checked: bool = False  # p99 < P99_LIMIT_MS is a target (else shown only)

    @property
    def label(self) -> str:
        return f"{self.command} {self.text}"


_RANKED = ("\n`  1`  ",)  # a first row
COMMANDS = (
    Command(
        "all",
        "/leaderboard",
        "revenue quarter team:all",
        "*Revenue leaderboard — the company, this quarter* (",
        _RANKED,
        checked=True,
    ),
    Command(
        "by_team",
        "/leaderboard",
        "revenue quarter by team",
        "*Revenue leaderboard — teams of the company, this quarter* (",
        _RANKED,
        checked=True,
    ),
    Command(
        "leaves",
        "/leaderboard",
        "revenue quarter by team leaves",
        "*Revenue leaderboard — every team without sub-teams of the company, this quarter* (",
        _RANKED,
    ),
    Command(
        "by_team_pct",
        "/leaderboard",
        "revenue quarter by team pct",
        "*Revenue leaderboard by % of team goal — teams of the company, this quarter* (",
        _RANKED,
    ),
    Command(
        "region",
        "/leaderboard",
        f"revenue quarter team:{REGION}",
        f"*Revenue leaderboard — team {REGION}, this quarter* (",
        _RANKED,
    ),
    Command(
        "progress_region",
        "/progress",
        f"team:{REGION} quarter",
        f"*Team {REGION} — this quarter* (",
        (" people in ", "*Revenue (team total)*", "*People*\n• "),
    ),
)


# ---------------------------------------------------------------------------- seeding


@dataclass
class LeafTeam:
    team_id: int
    name: str
    region_id: int
    reps: list[seed.Rep]


@dataclass
class Company:
    slack_team_id: str
    workspace_id: int
    admin_user: str
    admin_id: int
    regions: list[tuple[int, str]]  # (team id, name)
    leaves: list[LeafTeam]
    people: int  # everyone seeded: reps, managers, the admin

    @property
    def rep_ids(self) -> list[int]:
        return [r.person_id for leaf in self.leaves for r in leaf.reps]


def _users(
    letter: str, shape: Shape
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]], tuple[str, str, str]]:
    """(reps, managers — the regions' then the teams' —, admin) as (Slack id, name, real
    name); `letter` keeps the two companies' people apart."""
    reps = [
        (f"U{letter}{i:04d}", f"rep-{letter.lower()}{i:04d}", f"Rep {letter}{i:04d}")
        for i in range(shape.reps)
    ]
    managers = [
        (f"U{letter}M{i:03d}", f"manager-{letter.lower()}{i:03d}", f"Manager {letter}{i:03d}")
        for i in range(shape.regions + shape.teams)
    ]
    return reps, managers, (f"U{letter}A000", f"admin-{letter.lower()}", f"Admin {letter}")


def all_users(plan: Plan) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for letter, shape in (("B", plan.company), ("C", plan.twin)):
        reps, managers, admin = _users(letter, shape)
        found += reps + managers + [admin]
    return found


def _person(
    workspace_id: int, user: tuple[str, str, str], now: datetime, admin: bool = False
) -> dict[str, Any]:
    user_id, name, real_name = user
    return {
        "workspace_id": workspace_id,
        "slack_user_id": user_id,
        "name": name,
        "real_name": real_name,
        "display_name": name,
        "tz": seed.REP_TZ,
        "slack_admin": admin,
        "is_bot": False,
        "deactivated": False,
        "created_at": now,
        "refreshed_at": now,  # fresh: no users.info refresh
    }


def _team(workspace_id: int, name: str, parent_id: int | None, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "name": name,
        "name_key": name,
        "parent_id": parent_id,
        "tz": seed.REP_TZ,
        "workweek": "0,1,2,3,4",
        "threshold_ahead": 110,
        "threshold_on_pace": 90,
        "threshold_behind": 75,
        "approvals": False,
        "created_at": now,
    }


def region_name(r: int) -> str:
    return f"region-{r + 1}"


def leaf_name(r: int, t: int) -> str:
    return f"r{r + 1}-team-{t + 1:02d}"


def seed_company(
    url: str, slack_team_id: str, name: str, letter: str, shape: Shape, now: datetime
) -> Company:
    """A workspace whose teams form a tree: `shape.regions` top-level teams, each with
    `teams_per_region` teams of `reps_per_team` reps; a manager on every team (regions
    included, not members) and an admin on no team. A few executemany statements in one
    transaction, whatever the size."""
    from storage.db import make_engine
    from storage.models import Person, Team, TeamManager, TeamMember, Workspace

    reps, managers, admin = _users(letter, shape)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            workspace_id = conn.execute(
                sa.insert(Workspace).values(slack_team_id=slack_team_id, name=name, created_at=now)
            ).inserted_primary_key[0]
            people = [_person(workspace_id, u, now) for u in reps + managers]
            people.append(_person(workspace_id, admin, now, admin=True))
            conn.execute(sa.insert(Person), people)
            ids = dict(
                conn.execute(
                    sa.select(Person.slack_user_id, Person.id).where(
                        Person.workspace_id == workspace_id
                    )
                ).all()
            )
            conn.execute(
                sa.insert(Team),
                [_team(workspace_id, region_name(r), None, now) for r in range(shape.regions)],
            )
            team_ids = dict(
                conn.execute(
                    sa.select(Team.name_key, Team.id).where(Team.workspace_id == workspace_id)
                ).all()
            )
            regions = [(team_ids[region_name(r)], region_name(r)) for r in range(shape.regions)]
            conn.execute(
                sa.insert(Team),
                [
                    _team(workspace_id, leaf_name(r, t), regions[r][0], now)
                    for r in range(shape.regions)
                    for t in range(shape.teams_per_region)
                ],
            )
            team_ids = dict(
                conn.execute(
                    sa.select(Team.name_key, Team.id).where(Team.workspace_id == workspace_id)
                ).all()
            )
            leaves: list[LeafTeam] = []
            users = iter(reps)
            for r in range(shape.regions):
                for t in range(shape.teams_per_region):
                    mine = [next(users) for _ in range(shape.reps_per_team)]
                    leaves.append(
                        LeafTeam(
                            team_ids[leaf_name(r, t)],
                            leaf_name(r, t),
                            regions[r][0],
                            [seed.Rep(ids[u], u, n) for u, n, _ in mine],
                        )
                    )
            link = {"workspace_id": workspace_id, "added_at": now}
            conn.execute(
                sa.insert(TeamMember),
                [
                    {"team_id": leaf.team_id, "person_id": rep.person_id, **link}
                    for leaf in leaves
                    for rep in leaf.reps
                ],
            )
            managed = [team_id for team_id, _ in regions] + [leaf.team_id for leaf in leaves]
            conn.execute(
                sa.insert(TeamManager),
                [
                    {"team_id": team_id, "person_id": ids[user[0]], **link}
                    for team_id, user in zip(managed, managers, strict=True)
                ],
            )
            return Company(
                slack_team_id, workspace_id, admin[0], ids[admin[0]], regions, leaves, len(people)
            )
    finally:
        engine.dispose()


def quarter_revenue_per_rep(shape: Shape, days: int) -> float:
    """The revenue (cents) the entry generator gives a rep in a quarter of ~65 working days,
    on average: its share of entries times the mean amount."""
    mix = seed._METRIC_MIX  # the generator's own mix, so the targets follow it
    weight = sum(w for _, w, _, _ in mix)
    share, mean = next((w / weight, (low + high) / 2) for m, w, low, high in mix if m == "revenue")
    return shape.entries / shape.reps / days * 65 * share * mean


def goal_rows(
    company: Company, shape: Shape, days: int, first: date, now: datetime
) -> list[dict[str, Any]]:
    """Quarterly revenue goals: every rep an individual one (85–115 % of what the history
    gives a rep, so reps land ahead and behind), every other team a team-total one, every
    region one (95 % of its people's)."""
    per_rep = quarter_revenue_per_rep(shape, days)

    def goal(**values: Any) -> dict[str, Any]:
        row = {
            "workspace_id": company.workspace_id,
            "person_id": None,
            "team_id": None,
            "metric": "revenue",
            "period_kind": "quarter",
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
            "created_by_id": company.admin_id,
            "created_at": now,
            "removed_at": None,
            "removed_by_id": None,
            "idempotency_key": None,
        }
        row.update(values)
        return row

    def dollars(cents: float) -> int:
        return max(100, round(cents / 100_000) * 100_000)  # whole thousands of dollars

    rows = [
        goal(kind="individual", person_id=pid, target=dollars(per_rep * (0.85 + 0.03 * (i % 11))))
        for i, pid in enumerate(company.rep_ids)
    ]
    rows += [
        goal(kind="team", team_id=leaf.team_id, target=dollars(per_rep * len(leaf.reps)))
        for i, leaf in enumerate(company.leaves)
        if i % 2 == 0
    ]
    rows += [
        goal(
            kind="team",
            team_id=region_id,
            target=dollars(
                0.95
                * per_rep
                * sum(len(x.reps) for x in company.leaves if x.region_id == region_id)
            ),
        )
        for region_id, _ in company.regions
    ]
    return rows


def history_end(today: date) -> date:
    """The last working day of the current (calendar) quarter: the quarter's views read a
    full quarter whatever day the bench runs (the worst case, its last day)."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    nxt = date(today.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return seed.last_working_day(nxt - timedelta(days=1))


@dataclass
class World:
    company: Company
    twin: Company
    entries: int  # the company's
    goals: int
    seconds: list[tuple[str, float]] = field(default_factory=list)


def seed_world(url: str, plan: Plan, now: datetime, today: date, say: Say) -> World:
    from storage.db import Database

    started = time.perf_counter()
    db = Database(url)
    try:
        db.upgrade()
    finally:
        db.dispose()
    company = seed_company(url, seed.TEAM_ID, "Bench Co", "B", plan.company, now)
    twin = seed_company(url, TWIN_TEAM_ID, "Twin Co", "C", plan.twin, now)
    end = history_end(today)
    days = seed.working_days(end, HISTORY_DAYS)
    goals = seed.seed_goals(
        url,
        goal_rows(company, plan.company, len(days), days[0], now)
        + goal_rows(twin, plan.twin, len(days), days[0], now),
    )
    took = time.perf_counter() - started
    world = World(company, twin, 0, goals)
    world.seconds.append(
        (
            f"schema, the company ({plan.company.describe()}, {company.people:,} people with managers and "
            f"the admin) and its twin ({plan.twin.describe()}), {goals:,} goals",
            took,
        )
    )
    say(f"seeded the company, its twin and {goals:,} goals in {took:.1f} s")

    started = time.perf_counter()
    day_value, at_value = seed.entry_converters(url)
    plans = [
        seed.entry_plan(
            workspace_id=c.workspace_id,
            person_ids=c.rep_ids,
            days=days,
            total=shape.entries,
            seed=30 + n,
            batch_prefix=f"g{n}",
            now=now,
            day_value=day_value,
            at_value=at_value,
        )
        for n, (c, shape) in enumerate(((company, plan.company), (twin, plan.twin)))
    ]
    added = seed.load_entries(url, itertools.chain(*plans))
    took = time.perf_counter() - started
    world.entries = plan.company.entries
    world.seconds.append(
        (
            f"{added:,} entries ({plan.company.entries:,} the company's, the rest the twin's), "
            f"{days[0]} to {end} (bulk load, index build, ANALYZE)",
            took,
        )
    )
    say(f"loaded {added:,} entries in {took:.1f} s ({added / max(took, 1e-9):,.0f} rows/s)")
    return world


# ---------------------------------------------------------------------------- measuring


@dataclass
class Count:
    twin: int
    company: int
    twin_spread: tuple[int, int]
    company_spread: tuple[int, int]
    extra: list[tuple[str, int, int]] = field(default_factory=list)  # shape, n @ twin, n @ company

    @property
    def flat(self) -> bool:
        return self.twin == self.company


@dataclass
class Split:
    """In-process calls of the command's handler (no HTTP, no Bolt)."""

    mean_ms: float
    execute_ms: float
    statements: float
    slowest: list[tuple[str, float, int]]  # (statement shape, ms a call, times a call)
    reply_chars: int


@dataclass
class BackendResult:
    backend: str
    rows: dict[str, Measurement] = field(default_factory=dict)
    counts: dict[str, Count] = field(default_factory=dict)
    splits: dict[str, Split] = field(default_factory=dict)
    samples: dict[str, str] = field(default_factory=dict)  # a reply's first lines
    seed_seconds: list[tuple[str, float]] = field(default_factory=list)
    entries: int = 0
    goals: int = 0
    users_info_calls: int | None = None
    load_average: tuple[float, float] | None = None
    error: str | None = None


def _targets(url: str, company: Company) -> tuple[Target, ...]:
    return tuple(
        Target(c.key, url, c.command, c.expect, (company.admin_user,), (c.text,), c.contains)
        for c in COMMANDS
    )


def _settle(log: StatementLog) -> None:
    seen, quiet_since = log.count, time.monotonic()
    deadline = quiet_since + 5.0
    while time.monotonic() < deadline:
        time.sleep(0.02)
        if log.count != seen:
            seen, quiet_since = log.count, time.monotonic()
        elif time.monotonic() - quiet_since >= SETTLE_SECONDS:
            return


def _send(client, c: Command, company: Company) -> str | None:  # type: ignore[no-untyped-def]
    """Send `c` as the company's admin; what is wrong with the reply, if anything."""
    user = company.admin_user
    response = client.command(
        c.command, c.text, user_id=user, user_name=user.lower(), team_id=company.slack_team_id
    )
    return reply_problem(response, c.expect, c.contains)


def count_statements(app, url: str, world: World) -> tuple[dict[str, Count], list[str]]:  # type: ignore[no-untyped-def]
    """Per command, the statements of one warm command by the admin of the twin and of the
    company (the same text: both have a region-1)."""
    from bot.standin.signed_requests import SignedSlackClient

    counts: dict[str, Count] = {}
    problems: list[str] = []
    with SignedSlackClient(url, SIGNING_SECRET, team_id=seed.TEAM_ID) as client:
        for c in COMMANDS:
            logs: dict[str, list[StatementLog]] = {}
            for which, company in (("twin", world.twin), ("company", world.company)):
                with counting_statements(app.db) as warm:
                    _send(client, c, company)  # the caller cache, the pool, compiled SQL
                    _settle(warm)
                logs[which] = []
                for _ in range(COUNT_REPEATS):
                    with counting_statements(app.db) as log:
                        problem = _send(client, c, company)
                        _settle(log)
                    logs[which].append(log)
                    if problem:
                        problems.append(f"{c.label} in {company.slack_team_id}: {problem}")
            small = min(logs["twin"], key=lambda g: g.count)
            big = min(logs["company"], key=lambda g: g.count)
            shapes_small, shapes_big = small.shapes(), big.shapes()
            keys = list(shapes_big) + [s for s in shapes_small if s not in shapes_big]
            extra = [
                (shape, shapes_small.get(shape, 0), shapes_big.get(shape, 0))
                for shape in keys
                if shapes_small.get(shape, 0) != shapes_big.get(shape, 0)
            ]
            counts[c.key] = Count(
                small.count,
                big.count,
                (min(g.count for g in logs["twin"]), max(g.count for g in logs["twin"])),
                (min(g.count for g in logs["company"]), max(g.count for g in logs["company"])),
                extra,
            )
    return counts, problems


def _handler(c: Command):  # type: ignore[no-untyped-def]
    from handlers.commands import leaderboard, progress

    return progress.handle if c.command == "/progress" else leaderboard.handle


def in_process(
    app, company: Company, calls: int, profile: bool
) -> tuple[dict[str, Split], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Each command's handler called directly `calls` times by the admin: mean time, time
    inside cursor.execute, statements; with `profile`, cProfile's top functions too."""
    splits: dict[str, Split] = {}
    profiles: dict[str, str] = {}
    for c in COMMANDS:
        handle = _handler(c)
        command = {
            "team_id": company.slack_team_id,
            "user_id": company.admin_user,
            "user_name": company.admin_user.lower(),
            "command": c.command,
            "text": c.text,
        }
        client = app.bolt.client
        reply = handle(app.services, client, command)  # warm
        with counting_statements(app.db) as log:
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
                for shape, ns in log.execute_ns_by_shape.most_common(3)
            ],
            len(reply),
        )
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(calls):
                handle(app.services, client, command)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            out.write(f"# {c.label}: {calls} in-process calls by the admin\n")
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            profiles[c.key] = out.getvalue()
    return splits, profiles


def run_backend(
    backend: str, plan: Plan, options: Options, load: LoadProcess, say: Say
) -> BackendResult:
    from bot.clock import SystemClock, local_today
    from bot.standin.signed_requests import SignedSlackClient

    result = BackendResult(backend)
    now = datetime.now(UTC)
    today = local_today(SystemClock(), seed.REP_TZ)
    try:
        with contextlib.ExitStack() as stack:
            standin = start_standin(stack, all_users(plan))
            database = stack.enter_context(
                seed.bench_database(backend, seed.PG_DATABASE + "_regions")
            )
            world = seed_world(
                database.url, plan, now, today, lambda text: say(f"[{backend}] {text}")
            )
            result.seed_seconds, result.entries, result.goals = (
                world.seconds,
                world.entries,
                world.goals,
            )

            app, url = start_app(stack, standin.api_url, database.url)
            targets = _targets(url, world.company)
            loads = [os.getloadavg()[0]]
            say(f"[{backend}] warming up: {plan.warmup} requests per command …")
            warm = load.run(LoadSpec(targets, warmup=plan.warmup))
            info_before = len(standin.calls_to("users.info"))
            with SignedSlackClient(url, SIGNING_SECRET, team_id=seed.TEAM_ID) as client:
                for c in COMMANDS:  # what the replies look like, for the report
                    response = client.command(c.command, c.text, user_id=world.company.admin_user)
                    result.samples[c.key] = "\n".join(reply_text(response).splitlines()[:4])

            say(
                f"[{backend}] counting statements: one command, twin ({plan.twin.describe()}) vs company …"
            )
            result.counts, problems = count_statements(app, url, world)
            for problem in problems:
                say(f"[{backend}] FAILED reply while counting: {problem}")
            if problems:
                result.error = f"{len(problems)} failed replies while counting statements"
            for c in COMMANDS:
                count = result.counts[c.key]
                say(
                    f"[{backend}]   {c.label}: {count.twin} vs {count.company} statements{'' if count.flat else ' — NOT FLAT'}"
                )

            say(
                f"[{backend}] sequential: {plan.requests:,} requests per command in {plan.rounds} interleaved rounds …"
            )
            seq = load.run(LoadSpec(targets, rounds=plan.rounds, per_round=plan.per_round))
            result.users_info_calls = len(standin.calls_to("users.info")) - info_before
            loads.append(os.getloadavg()[0])
            result.load_average = (loads[0], loads[1])
            for c in COMMANDS:
                m = measurement(c.label, result.entries, [warm[c.key], seq[c.key], TargetResult()])
                result.rows[c.key] = m
                failed = f" — {m.failures} FAILED" if m.failures else ""
                say(
                    f"[{backend}]   {c.label}: p50 {m.p50_ms:.1f} ms, p99 {m.p99_ms:.1f} ms, max {m.max_ms:.1f} ms{failed}"
                )

            say(
                f"[{backend}] in-process: {plan.profile_calls} handler calls per command"
                f"{' and as many under cProfile' if options.profile else ''} …"
            )
            result.splits, profiles = in_process(
                app, world.company, plan.profile_calls, options.profile
            )
            for c in COMMANDS:
                s = result.splits[c.key]
                say(
                    f"[{backend}]   {c.label}: {s.mean_ms:.1f} ms a call, {s.execute_ms:.1f} ms in cursor.execute"
                )
            for key, text in profiles.items():
                path = write_results(f"regions_profile_{backend}_{key}.txt", text)
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
    company, twin = plan.company, plan.twin
    lines = [
        "# Regions and the company: team:all, by team, a region (issue #13)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {'quick smoke run' if quick else 'full run'} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"load average {loads[0]:.2f} before, {loads[-1]:.2f} after · {seconds:.0f} s in all",
        "",
        f"The company: {company.describe()} ({company.teams_per_region} teams of {company.reps_per_team} "
        f"a region), a manager on every team and region, an admin on no team; {company.entries:,} entries "
        f"over two years ending with the current quarter's last working day (so this quarter is read in "
        "full, whatever day the bench runs); quarterly revenue goals for every rep, every other team and "
        f"every region. The app runs behind waitress with {SERVER_THREADS} threads; every command is sent "
        f"by the admin, {plan.warmup} warm-up requests each, then {plan.requests:,} sequential requests "
        "from one keep-alive client in rounds alternating between the commands.",
        "",
        "| Backend | Command | p50 ms | p99 ms | mean ms | max ms | req/s | Failures |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    broken = False
    for r in results:
        name = backend_name(r.backend)
        for c in COMMANDS:
            m = r.rows.get(c.key)
            if m is None:
                continue
            failed = f"**{m.failures} / {m.requests}**" if m.failures else f"0 / {m.requests:,}"
            lines.append(
                table_row(
                    name,
                    f"`{c.label}`",
                    f"{m.p50_ms:.1f}",
                    f"{m.p99_ms:.1f}",
                    f"{m.mean_ms:.1f}",
                    f"{m.max_ms:.1f}",
                    f"{m.rps_seq:,.1f}",
                    failed,
                )  # fmt: skip
            )
            broken |= m.failures > 0
        if r.error:
            lines.append(table_row(name, "**ERROR**", r.error, "", "", "", "", ""))
            broken = True

    lines += [
        "",
        f"SQL statements of one warm command by the admin (BEGIN included): the twin company "
        f"({twin.describe()}; its {REGION}: {twin.teams_per_region} teams, "
        f"{twin.teams_per_region * twin.reps_per_team} reps) vs the company ({company.describe()}; its "
        f"{REGION}: {company.teams_per_region} teams, {company.teams_per_region * company.reps_per_team} reps):",
        "",
        f"| Backend | Command | statements @ {twin.reps} reps, {twin.teams} teams | "
        f"statements @ {company.reps:,} reps, {company.teams} teams | flat |",
        "|---|---|---:|---:|---|",
    ]
    for r in results:
        for c in COMMANDS:
            count = r.counts.get(c.key)
            if count is not None:
                lines.append(
                    table_row(
                        backend_name(r.backend),
                        f"`{c.label}`",
                        count.twin,
                        count.company,
                        "yes" if count.flat else "**no**",
                    )
                )

    lines += ["", "| Backend | Check | Measured | Result |", "|---|---|---|---|"]
    all_pass = True
    for r in results:
        name = backend_name(r.backend)
        for c in COMMANDS:
            m = r.rows.get(c.key)
            if m is None or not c.checked:
                continue
            ok = m.p99_ms < P99_LIMIT_MS
            lines.append(
                table_row(
                    name,
                    f"`{c.label}`: p99 < {P99_LIMIT_MS:g} ms",
                    f"{m.p99_ms:.1f} ms",
                    "PASS" if ok else "**FAIL**",
                )
            )
            all_pass &= ok
        for c in COMMANDS:
            count = r.counts.get(c.key)
            if count is None:
                continue
            lines.append(
                table_row(
                    name,
                    f"`{c.label}`: statements flat ({company.reps:,} vs {twin.reps} reps)",
                    f"{count.company} vs {count.twin}",
                    "PASS" if count.flat else "**FAIL**",
                )
            )
            all_pass &= count.flat
        if r.error or len(r.rows) < len(COMMANDS) or len(r.counts) < len(COMMANDS):
            lines.append(table_row(name, "all checks", "incomplete run", "**FAIL**"))
            all_pass = False

    lines += ["", "Details:", ""]
    for r in results:
        name = backend_name(r.backend)
        for what, took in r.seed_seconds:
            lines.append(f"- {name} seeding: {what} in {took:.1f} s")
        for c in COMMANDS:
            m = r.rows.get(c.key)
            if m is not None:
                lines.append(
                    f"- {name} `{c.label}`: p99 = the {_ordinal(max(1, -(-m.timed // 100)))} slowest of {m.timed:,}"
                )
                for sample in m.samples:
                    lines.append(f"  - failure: `{sample}`")
        for c in COMMANDS:
            split = r.splits.get(c.key)
            if split is None:
                continue
            lines.append(
                f"- {name} `{c.label}` in-process (handler only, no HTTP/Bolt): {split.mean_ms:.1f} ms a call, "
                f"{split.execute_ms:.1f} ms of it inside cursor.execute, {split.statements:.0f} statements, "
                f"a {split.reply_chars:,}-character reply"
            )
            for shape, ms, times in split.slowest:
                lines.append(f"  - {ms:.2f} ms in {times}× `{shape[:120]}…`")
        for c in COMMANDS:
            count = r.counts.get(c.key)
            if count is None:
                continue
            if (
                count.twin_spread[0] != count.twin_spread[1]
                or count.company_spread[0] != count.company_spread[1]
            ):
                lines.append(
                    f"- {name} `{c.label}`: statement counts varied over {COUNT_REPEATS} repeats "
                    f"(twin {count.twin_spread[0]}–{count.twin_spread[1]}, company "
                    f"{count.company_spread[0]}–{count.company_spread[1]}); the smallest is shown"
                )
            for shape, n_small, n_big in count.extra[:8]:
                lines.append(f"  - `{c.label}`: {n_small} → {n_big}× `{shape}`")
        if r.users_info_calls is not None:
            lines.append(f"- {name}: users.info calls while measuring: {r.users_info_calls}")
        if r.load_average is not None:
            lines.append(
                f"- {name}: load average {r.load_average[0]:.2f} when measuring started, {r.load_average[1]:.2f} when it ended"
            )
    shown = next((r.samples for r in results if r.samples), {})
    if shown:
        lines += ["", "The replies' first lines (the first backend run):", ""]
        for c in COMMANDS:
            if c.key in shown:
                lines += [f"`{c.label}`:", "", "```", shown[c.key], "```", ""]
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
        f"bench: regions and the company, {'quick' if options.quick else 'full'} run "
        f"({plan.company.describe()}, {plan.company.entries:,} entries), backends: {', '.join(options.backends)}"
    )
    results = [run_backend(b, plan, options, load, say) for b in options.backends]
    loads.append(os.getloadavg()[0])
    text, broken, all_pass = report(
        results, plan, options.quick, time.perf_counter() - started, loads
    )
    return Outcome("regions", text, write_results(RESULTS_NAME, text), broken, all_pass)
