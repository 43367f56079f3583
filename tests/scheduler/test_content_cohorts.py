"""Teams that fire together (same workspace, job, schedule and zone) are built together:
each gets exactly the messages it would get alone, with one statement per question for all
of them, whatever the number of teams."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_content_scale import MON, THURSDAY, big_team, counting
from test_content_seed import Seed

from scheduler.content import BATCH_BUILDERS
from scheduler.messages import JOBS, Message
from storage import teams

# Monday 23 November 2026, 09:00 in Sydney: still Sunday 22 November, 17:00, in New York,
# so the same instant falls in two different weeks.
SYDNEY_MONDAY = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
SYD_MON = MON + timedelta(days=7)


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


def build_together(
    seed: Seed, job: str, team_ids: list[int], at: datetime
) -> dict[int, list[Message]]:
    with seed.db.read() as session:
        chosen = teams.by_ids(session, seed.ws, team_ids)
        return BATCH_BUILDERS[job](session, seed.ws, chosen, at)


def mixed_teams(seed: Seed) -> list[int]:
    """Teams unlike each other: two big ones in New York, a small one in Sydney (another
    week as of the same instant) with a contest over two weeks and time off, one without
    managers, one without goals."""
    east = big_team(seed, "East", 12, "e")
    west = big_team(seed, "West", 9, "w")
    lead, reps = seed.person("syd-lead"), [seed.person(f"syd-{i}") for i in range(4)]
    sydney = seed.team(
        "Sydney", members=reps, managers=[lead], tz="Australia/Sydney", channel="CSYD"
    )
    seed.goals_for(reps, "calls", 30)
    seed.goal(
        "meetings", None, team=sydney, kind="contest", start=MON, end=SYD_MON + timedelta(days=6)
    )
    seed.off(reps[0], SYD_MON, SYD_MON + timedelta(days=2))
    seed.log_many(
        [(r, SYD_MON, "calls", 4 * i + 1) for i, r in enumerate(reps[:3])]
    )  # the last one: reminded
    seed.log_many([(r, MON + timedelta(days=i), "meetings", i + 1) for i, r in enumerate(reps)])
    unmanaged = seed.team("Unmanaged", members=[seed.person("lone")])
    seed.goal("calls", 10, person=seed.person("lone-2"))
    seed.goal("demos", 5, team=unmanaged)
    idle = seed.team("Idle", members=[seed.person("idle-rep")], managers=[seed.person("idle-lead")])
    return [east, west, sydney, unmanaged, idle]


@pytest.mark.parametrize("job", JOBS)
def test_teams_built_together_get_exactly_what_each_gets_alone(seed, job):
    team_ids = mixed_teams(seed)
    together = build_together(seed, job, team_ids, SYDNEY_MONDAY)
    alone = {team_id: seed.build(job, team_id, SYDNEY_MONDAY) for team_id in team_ids}
    assert together == alone
    assert sum(len(found) for found in together.values()) > 0


@pytest.mark.parametrize("job", JOBS)
def test_statements_for_teams_built_together_do_not_grow_with_the_number_of_teams(
    seed, running_app, job
):
    small = [big_team(seed, f"Small{i}", 5, f"s{i}-") for i in range(2)]
    more = [big_team(seed, f"More{i}", 8, f"m{i}-") for i in range(5)]
    db = running_app.paceline.db
    with counting(db) as two:
        few = build_together(seed, job, small, THURSDAY)
    with counting(db) as seven:
        many = build_together(seed, job, small + more, THURSDAY)
    assert all(few.values()) and all(many.values()), (
        "every team produces messages, so every query runs"
    )
    assert len(two) == len(seven), (len(two), len(seven))
    assert len(seven) <= 10
