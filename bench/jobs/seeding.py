"""The jobs bench's world: one workspace, the plan's teams of reps (and one big team for the
statement counts) with a manager and a channel each, the report bench's goals scaled to this
history, and `Plan.weeks` weeks of entries ending on the latest Friday whose 16:00 has passed
in every zone."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa

from bench import directory, seed
from bench.harness import Say, upgrade_schema
from bench.report_latency import goal_rows

ZONES = ("America/New_York", "Europe/Berlin", "Australia/Sydney")
RUN_AT = clock_time(16)  # Friday 16:00 team-local: the weekly digest's default slot
ENTRIES_PER_REP_DAY = 4  # a few /log entries a rep and working day
# report_latency.goal_rows sizes its targets for that bench's density (1,000,000 entries,
# 200 reps, 261 working days); scaled to this one, reps land ahead, on pace and behind.
REPORT_DENSITY = 1_000_000 / (200 * 261)
SCALED_KINDS = ("individual", "team")


@dataclass(frozen=True)
class Plan:
    teams: int
    team_size: int = 20
    big_team_size: int = 200  # one more team, for the statement counts only
    weeks: int = 13
    profile_teams: int = 50  # teams built per job under cProfile
    profile_nudges: int = 2_000  # nudges delivered under cProfile

    @property
    def reps(self) -> int:
        return self.teams * self.team_size

    @classmethod
    def full(cls) -> Plan:
        return cls(teams=500)

    @classmethod
    def quick(cls) -> Plan:
        return cls(teams=50, profile_teams=20, profile_nudges=500)


@dataclass(frozen=True)
class BenchTeam:
    team_id: int
    name: str
    tz: str
    reps: int
    at: datetime  # the run's instant: Friday 16:00 in the team's zone


@dataclass
class World:
    workspace_id: int
    friday: date
    teams: list[BenchTeam]  # the plan's teams, timed
    big: BenchTeam  # big_team_size reps, counted only
    goals: int = 0
    entries: int = 0
    seconds: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class _Spec:
    index: int
    size: int

    @property
    def name(self) -> str:
        return f"jobs{self.index:04d}"

    @property
    def tz(self) -> str:
        return ZONES[self.index % len(ZONES)]

    def rep_user(self, i: int) -> str:
        return f"UR{self.index:04d}{i:03d}"

    @property
    def manager_user(self) -> str:
        return f"UM{self.index:04d}"


def last_friday(now: datetime) -> date:
    """The latest Friday whose 16:00 has passed in every zone of the bench."""
    from scheduler.timing import instant

    day = now.date() - timedelta(days=(now.weekday() - 4) % 7)
    while any(instant(day, RUN_AT, tz) > now for tz in ZONES):
        day -= timedelta(days=7)
    return day


def seed_world(url: str, plan: Plan, now: datetime, say: Say = lambda _: None) -> World:
    """Schema, one workspace, the plan's teams (and the big one) with a manager each, the
    report bench's goals per team, and `plan.weeks` weeks of entries ending on Friday."""
    from scheduler.timing import instant

    friday = last_friday(now)
    specs = [_Spec(i, plan.team_size) for i in range(plan.teams)]
    specs.append(_Spec(plan.teams, plan.big_team_size))
    started = time.perf_counter()
    upgrade_schema(url)
    workspace_id, directories, managers = _seed_directory(url, specs, now)
    week_start = friday - timedelta(days=4)
    first = week_start - timedelta(weeks=plan.weeks - 1)
    rows = [
        row
        for spec in specs
        for row in _scaled(
            goal_rows(
                directories[spec.index],
                managers[spec.index],
                (week_start, week_start + timedelta(days=6)),
                first,
                now,
            )
        )
    ]
    goals = seed.seed_goals(url, rows)
    teams = [
        BenchTeam(directories[s.index].team_id, s.name, s.tz, s.size, instant(friday, RUN_AT, s.tz))
        for s in specs
    ]
    world = World(workspace_id, friday, teams[:-1], teams[-1], goals)
    people = sum(s.size + 1 for s in specs)
    world.seconds.append(
        (
            f"schema, {len(specs)} teams, {people:,} people (reps and a manager a team), {goals:,} goals",
            time.perf_counter() - started,
        )
    )
    say(f"seeded {len(specs)} teams, {people:,} people and {goals:,} goals")
    started = time.perf_counter()
    world.entries = _load_entries(url, world, directories, first, friday, now)
    took = time.perf_counter() - started
    world.seconds.append(
        (
            f"{world.entries:,} entries, {ENTRIES_PER_REP_DAY} a rep and working day from {first} to {friday} "
            "(bulk load, index build, ANALYZE)",
            took,
        )
    )
    say(f"loaded {world.entries:,} entries in {took:.1f} s")
    return world


def _scaled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    factor = ENTRIES_PER_REP_DAY / REPORT_DENSITY
    for row in rows:
        if row["kind"] in SCALED_KINDS:
            row["target"] = max(1, round(row["target"] * factor))
    return rows


def _person(workspace_id: int, user: str, name: str, tz: str, now: datetime) -> dict[str, Any]:
    return directory.person_row(workspace_id, (user, name, name.title()), tz, now)


def _team(workspace_id: int, spec: _Spec, now: datetime) -> dict[str, Any]:
    return directory.team_row(
        workspace_id,
        spec.name,
        spec.tz,
        now,
        channel_id=f"CJ{spec.index:06d}",
        channel_name=f"sales-{spec.name}",
    )


def _seed_directory(
    url: str, specs: Sequence[_Spec], now: datetime
) -> tuple[int, dict[int, seed.Directory], dict[int, int]]:
    """The workspace, every person, team, membership and manager in one transaction, a
    few executemany statements whatever the size; (workspace id, directories, manager ids)."""
    from storage.db import make_engine
    from storage.models import Person, Team, TeamManager, TeamMember

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            workspace_id = directory.add_workspace(conn, seed.TEAM_ID, "Bench Co", now)
            people = [
                _person(workspace_id, s.rep_user(i), f"rep{s.index:04d}-{i:03d}", s.tz, now)
                for s in specs
                for i in range(s.size)
            ]
            people += [
                _person(workspace_id, s.manager_user, f"manager{s.index:04d}", s.tz, now)
                for s in specs
            ]
            conn.execute(sa.insert(Person), people)
            ids = directory.person_ids(conn, workspace_id)
            conn.execute(sa.insert(Team), [_team(workspace_id, s, now) for s in specs])
            team_ids = directory.team_ids(conn, workspace_id)
            directories = {
                s.index: seed.Directory(
                    workspace_id,
                    team_ids[s.name],
                    [
                        seed.Rep(ids[s.rep_user(i)], s.rep_user(i), f"rep{s.index:04d}-{i:03d}")
                        for i in range(s.size)
                    ],
                )
                for s in specs
            }
            directory.add_links(
                conn,
                TeamMember,
                workspace_id,
                ((d.team_id, r.person_id) for d in directories.values() for r in d.reps),
                now,
            )
            managers = {s.index: ids[s.manager_user] for s in specs}
            directory.add_links(
                conn,
                TeamManager,
                workspace_id,
                ((directories[i].team_id, pid) for i, pid in managers.items()),
                now,
            )
            return workspace_id, directories, managers
    finally:
        engine.dispose()


def _load_entries(
    url: str,
    world: World,
    directories: dict[int, seed.Directory],
    first: date,
    friday: date,
    now: datetime,
) -> int:
    day_value, at_value = seed.entry_converters(url)
    days = seed.working_days(friday, (friday - first).days + 1)
    person_ids = [r.person_id for d in directories.values() for r in d.reps]
    plan = seed.entry_plan(
        workspace_id=world.workspace_id,
        person_ids=person_ids,
        days=days,
        total=len(person_ids) * len(days) * ENTRIES_PER_REP_DAY,
        seed=40,
        batch_prefix="j",
        now=now,
        day_value=day_value,
        at_value=at_value,
    )
    return seed.load_entries(url, plan)
