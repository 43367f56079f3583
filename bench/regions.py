"""Regions and the whole company (issue #13): `/leaderboard revenue quarter team:all`, the
team-vs-team boards (`by team`, `by team leaves`, `by team pct`), a region rolled up
(`team:region-1`) and a region's details (`/progress team:region-1 quarter`), over signed HTTP,
for a company of 2,000 reps in 100 teams under 10 regions with 5,000,000 entries over two
years; and the SQL statements of each command for that company and for a small twin company
(2 regions, 4 teams, 20 reps) in the same database: they must be equal.

Same machinery as the reports bench (bench/latency.py, bench/harness.py): the app built
as production builds it behind `HttpServer`, the stand-in Slack Web API, load from the spawned
client process in interleaved rounds, statements counted with a `before_cursor_execute`
listener on the app's engines around exactly one command sent from this process.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench import directory, latency, seed
from bench.harness import (
    SERVER_THREADS,
    SIGNING_SECRET,
    LoadProcess,
    Options,
    Outcome,
    Say,
    Target,
    backend_errors,
    backend_name,
    finished,
    reply_problem,
    reply_text,
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
    p99_rank,
    slash_command,
    write_profiles,
)

RESULTS_NAME = "regions.md"
P99_LIMIT_MS = 100.0  # for team:all and by team (the target); the others are shown
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
    requests: Requests  # per command, sequential only
    profile_calls: int  # in-process handler calls per command for the time split

    @classmethod
    def full(cls) -> Plan:
        return cls(
            Shape(10, 10, 20, 5_000_000),
            _twin(Shape(10, 10, 20, 5_000_000)),
            Requests(3, 10, 20),
            10,
        )

    @classmethod
    def quick(cls) -> Plan:
        return cls(Shape(2, 5, 20, 50_000), _twin(Shape(2, 5, 20, 50_000)), Requests(2, 5, 10), 5)


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

    @property
    def shown(self) -> str:
        """The label as the report shows it."""
        return f"`{self.label}`"


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


def _team(workspace_id: int, name: str, parent_id: int | None, now: datetime) -> dict[str, Any]:
    return directory.team_row(workspace_id, name, seed.REP_TZ, now, parent_id=parent_id)


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
    from storage.models import Person, Team, TeamManager, TeamMember

    reps, managers, admin = _users(letter, shape)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            workspace_id = directory.add_workspace(conn, slack_team_id, name, now)
            people = [
                directory.person_row(workspace_id, u, seed.REP_TZ, now) for u in reps + managers
            ]
            people.append(directory.person_row(workspace_id, admin, seed.REP_TZ, now, admin=True))
            conn.execute(sa.insert(Person), people)
            ids = directory.person_ids(conn, workspace_id)
            conn.execute(
                sa.insert(Team),
                [_team(workspace_id, region_name(r), None, now) for r in range(shape.regions)],
            )
            team_ids = directory.team_ids(conn, workspace_id)
            regions = [(team_ids[region_name(r)], region_name(r)) for r in range(shape.regions)]
            conn.execute(
                sa.insert(Team),
                [
                    _team(workspace_id, leaf_name(r, t), regions[r][0], now)
                    for r in range(shape.regions)
                    for t in range(shape.teams_per_region)
                ],
            )
            team_ids = directory.team_ids(conn, workspace_id)
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
            directory.add_links(
                conn,
                TeamMember,
                workspace_id,
                ((leaf.team_id, rep.person_id) for leaf in leaves for rep in leaf.reps),
                now,
            )
            managed = [team_id for team_id, _ in regions] + [leaf.team_id for leaf in leaves]
            directory.add_links(
                conn,
                TeamManager,
                workspace_id,
                ((team_id, ids[user[0]]) for team_id, user in zip(managed, managers, strict=True)),
                now,
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
        return directory.goal_row(
            company.workspace_id,
            company.admin_id,
            first,
            now,
            metric="revenue",
            period_kind="quarter",
            **values,
        )

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
    started = time.perf_counter()
    upgrade_schema(url)
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
class BackendResult(CountedResult):
    samples: dict[str, str] = field(default_factory=dict)  # a reply's first lines


def _targets(url: str, company: Company) -> tuple[Target, ...]:
    return tuple(
        Target(c.key, url, c.command, c.expect, (company.admin_user,), (c.text,), c.contains)
        for c in COMMANDS
    )


def _send(client, c: Command, company: Company) -> str | None:  # type: ignore[no-untyped-def]
    """Send `c` as the company's admin; what is wrong with the reply, if anything."""
    user = company.admin_user
    response = client.command(
        c.command, c.text, user_id=user, user_name=user.lower(), team_id=company.slack_team_id
    )
    problem = reply_problem(response, c.expect, c.contains)
    return problem and f"{c.label} in {company.slack_team_id}: {problem}"


def run_backend(
    backend: str, plan: Plan, options: Options, load: LoadProcess, say: Say
) -> BackendResult:
    from bot.clock import SystemClock, local_today
    from tests.support.signed_requests import SignedSlackClient

    result = BackendResult(backend)
    say = tagged(say, backend)
    now = datetime.now(UTC)
    today = local_today(SystemClock(), seed.REP_TZ)
    with backend_errors(result, say), contextlib.ExitStack() as stack:
        standin = start_standin(stack, all_users(plan))
        database = stack.enter_context(seed.bench_database(backend, seed.PG_DATABASE + "_regions"))
        world = seed_world(database.url, plan, now, today, say)
        result.seed_seconds, result.entries, result.goals = (
            world.seconds,
            world.entries,
            world.goals,
        )

        app, url = start_app(stack, standin.api_url, database.url)

        def sample_and_count() -> None:
            with SignedSlackClient(url, SIGNING_SECRET, team_id=seed.TEAM_ID) as client:
                for c in COMMANDS:  # what the replies look like, for the report
                    response = client.command(c.command, c.text, user_id=world.company.admin_user)
                    result.samples[c.key] = "\n".join(reply_text(response).splitlines()[:4])
            say(f"counting statements: one command, twin ({plan.twin.describe()}) vs company …")
            # The same text for both: both have a region-1.
            latency.count_statements(
                result,
                app,
                url,
                {c.key: c for c in COMMANDS},
                {
                    "twin": lambda client, c: _send(client, c, world.twin),
                    "company": lambda client, c: _send(client, c, world.company),
                },
                "twin",
                "company",
                say,
            )
            for c in COMMANDS:
                count = result.counts[c.key]
                say(
                    f"  {c.label}: {count.small} vs {count.big} statements{'' if count.flat else ' — NOT FLAT'}"
                )

        say(f"warming up: {plan.requests.warmup} requests per command …")
        measure(
            load,
            standin,
            _targets(url, world.company),
            plan.requests,
            result,
            say,
            {c.key: (c.label, result.entries) for c in COMMANDS},
            before_timing=sample_and_count,
            brief_of=lambda m: (
                f"p50 {m.p50_ms:.1f} ms, p99 {m.p99_ms:.1f} ms, max {m.max_ms:.1f} ms"
                + (f" — {m.failures} FAILED" if m.failures else "")
            ),
        )

        say(
            f"in-process: {plan.profile_calls} handler calls per command"
            f"{' and as many under cProfile' if options.profile else ''} …"
        )
        result.splits, profiles = in_process(
            app,
            {
                c.key: (
                    c.label,
                    slash_command(
                        world.company.slack_team_id, world.company.admin_user, c.command, c.text
                    ),
                )
                for c in COMMANDS
            },
            plan.profile_calls,
            options.profile,
            slowest=3,
            title="{label}: {calls} in-process calls by the admin",
            top=(40, 25),
        )
        for c in COMMANDS:
            s = result.splits[c.key]
            say(f"  {c.label}: {s.mean_ms:.1f} ms a call, {s.execute_ms:.1f} ms in cursor.execute")
        write_profiles(profiles, f"regions_profile_{backend}", say)
    return result


# ---------------------------------------------------------------------------- report


def report(
    results: list[BackendResult], plan: Plan, quick: bool, seconds: float, loads: list[float]
) -> tuple[str, bool, bool]:
    company, twin = plan.company, plan.twin
    lines = [
        "# Regions and the company: team:all, by team, a region (issue #13)",
        "",
        run_line(quick, seconds, loads),
        "",
        f"The company: {company.describe()} ({company.teams_per_region} teams of {company.reps_per_team} "
        f"a region), a manager on every team and region, an admin on no team; {company.entries:,} entries "
        f"over two years ending with the current quarter's last working day (so this quarter is read in "
        "full, whatever day the bench runs); quarterly revenue goals for every rep, every other team and "
        f"every region. The app runs behind waitress with {SERVER_THREADS} threads; every command is sent "
        f"by the admin, {plan.requests.warmup} warm-up requests each, then {plan.requests.sequential:,} sequential requests "
        "from one keep-alive client in rounds alternating between the commands.",
        "",
    ]
    table, broken = latency_table(
        results,
        "Command",
        (
            ("p50 ms", lambda m: f"{m.p50_ms:.1f}"),
            ("p99 ms", lambda m: f"{m.p99_ms:.1f}"),
            ("mean ms", lambda m: f"{m.mean_ms:.1f}"),
            ("max ms", lambda m: f"{m.max_ms:.1f}"),
            ("req/s", lambda m: f"{m.rps_seq:,.1f}"),
        ),
        label=lambda m: f"`{m.label}`",
    )
    lines += table
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
    labels = {c.key: c.shown for c in COMMANDS}
    for r in results:
        for key, count in r.counts.items():
            lines.append(
                table_row(
                    backend_name(r.backend),
                    labels[key],
                    count.small,
                    count.big,
                    "yes" if count.flat else "**no**",
                )
            )

    checks, all_pass = counted_checks(
        results,
        labels,
        P99_LIMIT_MS,
        f"statements flat ({company.reps:,} vs {twin.reps} reps)",
        checked={c.key for c in COMMANDS if c.checked},
        digits=1,
    )
    lines += checks
    lines += details(
        results,
        lambda m: f"`{m.label}`: {p99_rank(m)}",
        lambda r, name: counted_details(
            r, name, labels, ("twin", "company"), digits=1, shape_width=120, replies=True
        ),
    )
    shown = next((r.samples for r in results if r.samples), {})
    if shown:
        lines += ["", "The replies' first lines (the first backend run):", ""]
        for c in COMMANDS:
            if c.key in shown:
                lines += [f"{c.shown}:", "", "```", shown[c.key], "```", ""]
    return finished(lines, broken, all_pass)


# ---------------------------------------------------------------------------- entry point


def run(options: Options, load: LoadProcess, say: Say) -> Outcome:
    def measure(backend: str, plan: Plan) -> BackendResult:
        return run_backend(backend, plan, options, load, say)

    def detail(plan: Plan) -> str:
        return f"{plan.company.describe()}, {plan.company.entries:,} entries"

    return run_bench(
        options,
        say,
        "regions",
        "regions and the company",
        RESULTS_NAME,
        Plan,
        measure,
        report,
        detail,
    )
