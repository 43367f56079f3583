"""The jobs bench's seeding and build on a tiny world (6 teams of 4 reps in 3 zones, one of
40): every job issues as many SQL statements for the big team as for a small one, and for
a cohort of two teams as for one, on SQLite and PostgreSQL. bench/jobs.py measures the same
at 20 vs 200 reps and cohorts of about 167 teams, with the timings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bench import jobs, seed
from scheduler.timing import instant
from storage.db import Database

TINY = jobs.Plan(teams=6, team_size=4, big_team_size=40, weeks=3)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest) -> Iterator[tuple[jobs.World, Database]]:
    if request.param == "postgresql" and not os.environ.get("PACELINE_TEST_POSTGRES_URL"):
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is required in CI: PACELINE_TEST_POSTGRES_URL is not set")
        pytest.skip("PACELINE_TEST_POSTGRES_URL is not set")
    with seed.bench_database(request.param, seed.PG_DATABASE + "_jobs_test") as database:
        seeded = jobs.seed_world(database.url, TINY, datetime.now(UTC))
        db = Database(database.url)
        try:
            yield seeded, db
        finally:
            db.dispose()


def test_the_world_is_seeded_as_planned(world: tuple[jobs.World, Database]) -> None:
    seeded, _db = world
    assert [t.reps for t in seeded.teams] == [TINY.team_size] * TINY.teams
    assert seeded.big.reps == TINY.big_team_size
    assert {t.tz for t in seeded.teams} == set(jobs.ZONES)
    # Every rep has an entry on every working day, a few a day.
    working_days = 5 * TINY.weeks
    reps = TINY.reps + TINY.big_team_size
    assert seeded.entries == reps * working_days * jobs.ENTRIES_PER_REP_DAY
    assert seeded.friday.weekday() == 4
    for team in [*seeded.teams, seeded.big]:
        assert team.at == instant(seeded.friday, jobs.RUN_AT, team.tz)


@pytest.mark.parametrize("job", jobs.TARGET_JOBS + jobs.EXTRA_JOBS)
def test_statements_per_team_do_not_grow_with_the_team(
    world: tuple[jobs.World, Database], job: str
) -> None:
    seeded, db = world
    build, kept = jobs.build_job(db, seeded, job, keep=True)
    assert build.cohort_teams == [2, 2, 2]
    assert build.counts_ok, (
        f"{job}: {build.counts} statements for {TINY.team_size}-rep teams, "
        f"{build.big_count} for {TINY.big_team_size} reps; differing: {build.grown_shapes()}"
    )
    messages: dict[str, Any] = {m.recipient: m for found in kept.values() for m in found}
    if job == "nudge":  # what the delivery bench sends: one DM per rep
        assert len(messages) == build.messages == TINY.reps
    if job == "weekly-digest":  # each team's chart is drawn, and timed, here or later
        deferred = jobs.draw_deferred_charts(kept)
        assert build.chart_seconds > 0 or deferred.charts == TINY.teams
        assert deferred.seconds > 0 or build.chart_seconds > 0


def test_the_run_instant_is_the_last_friday_afternoon_everywhere() -> None:
    now = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # a Tuesday
    assert jobs.last_friday(now).isoformat() == "2026-11-20"
    # Friday 20 November, 20:00 UTC: 16:00 has passed in Sydney and Berlin, not New York.
    assert jobs.last_friday(datetime(2026, 11, 20, 20, 0, tzinfo=UTC)).isoformat() == "2026-11-13"
