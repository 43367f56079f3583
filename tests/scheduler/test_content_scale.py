"""Teams of any size: every message of every job stays within Block Kit's limits for a
500-rep team, and a job's SQL statement count does not grow with the team (one GROUP BY
per question, never one query per rep)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from test_content_seed import Seed

from bot.render.block_limits import MESSAGE_TEXT, check
from bot.render.chart import png_of
from scheduler.messages import JOBS
from storage.db import Database

# Thursday 19 November 2026, 17:00 in New York.
THURSDAY = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)
MON = date(2026, 11, 16)


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


def big_team(seed: Seed, name: str, size: int, prefix: str) -> int:
    """`size` reps, each with a calls goal (half with a stretch), the team's all-or-nothing
    demos, a meetings contest and a revenue total; a spread of statuses, this week and
    in earlier weeks (so the lagging alert reads its history)."""
    reps = seed.many(prefix, size)
    managers = [seed.person(f"{name}-lead"), seed.person(f"{name}-co-lead")]
    team = seed.team(name, members=reps, managers=managers)
    seed.goals_for(reps[::2], "calls", 60, stretch_pct=125)
    seed.goals_for(reps[1::2], "calls", 60)
    seed.goal("demos", 3, team=team, kind="collective", reward="lunch")
    seed.goal(
        "meetings",
        None,
        team=team,
        kind="contest",
        start=MON,
        end=MON + timedelta(days=6),
        prize="golf",
    )
    seed.goal("revenue", 100_000 * size, team=team)
    rows = []
    for i, rep in enumerate(reps):
        rows += [
            (rep, MON, "calls", (i * 7) % 80 + 1),
            (rep, MON, "meetings", i % 9 + 1),
            (rep, MON, "revenue", 50_000),
        ]
        if i % 3:
            rows.append((rep, MON + timedelta(days=1), "demos", i % 4 + 1))
        if i % 5 == 0:
            rows.append((rep, MON + timedelta(days=3), "calls", 1))  # logged today
        rows += [(rep, MON - timedelta(weeks=w), "calls", (i * w) % 70 + 1) for w in (1, 2, 3)]
    seed.log_many(rows)
    return team


def test_a_500_rep_team_stays_within_block_kit_limits_in_every_message(seed):
    team = big_team(seed, "Huge", 500, "a-rather-long-display-name-for-a-sales-rep-number-")
    built = {job: seed.build(job, team, THURSDAY) for job in JOBS}

    for job, messages in built.items():
        for message in messages:
            assert check(list(message.blocks)) == [], (job, message.recipient, message.part)
            assert 0 < len(message.text) <= MESSAGE_TEXT, (job, message.recipient)
            assert message.recipient or job == "weekly-digest"

    assert len(built["nudge"]) == 500
    assert len(built["log-reminder"]) == 400  # a fifth logged today
    alert = built["lagging-alert"]
    assert len(alert) == 2
    lagging = int(alert[0].text.split(": ")[1].split(" reps")[0])
    assert lagging > 30 and f"…and {lagging - 30} more behind or at risk" in str(alert[0].blocks)
    parts = Counter(m.part for m in built["weekly-digest"])
    assert parts["chart"] == 1 and parts["1"] == 1
    digest = "\n".join(str(m.blocks) for m in built["weekly-digest"] if m.part != "chart")
    assert "more" in digest.split("still missing:")[1][:2500]  # the missing list is summarised
    chart = next(m for m in built["weekly-digest"] if m.part == "chart")
    assert chart.file is not None and len(png_of(chart.file)) < 500_000


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    for engine in db.engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in db.engines:
            sa.event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("job", JOBS)
def test_statements_per_team_do_not_grow_with_its_size(seed, running_app, job):
    small = big_team(seed, "Small", 20, "s")
    large = big_team(seed, "Large", 200, "l")
    engine = running_app.paceline.db
    counts, built = {}, {}
    for name, team in (("small", small), ("large", large)):
        with counting(engine) as statements:
            built[name] = seed.build(job, team, THURSDAY)
        counts[name] = statements
    assert built["small"] and built["large"], "both teams produce messages, so every query runs"
    assert len(counts["small"]) == len(counts["large"]), (
        len(counts["small"]),
        len(counts["large"]),
    )
    assert len(counts["large"]) <= 15
