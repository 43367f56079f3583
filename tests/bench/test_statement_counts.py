"""The reports issue a fixed number of SQL statements whatever the team's size: one GROUP BY
per question, never one query per rep. A correctness property (bench/report_latency.py
measures the same at 20 vs 200 reps, with the timings); here 5 vs 50 members, on SQLite and
PostgreSQL, through the running app."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from bench.harness import StatementLog, counting_statements
from storage.models import Goal, Person, Team, Workspace

SIZES = {"small": 5, "large": 50}


def _m(workspace, user_id: str) -> str:
    return f"<@{user_id}|{workspace.names[user_id]}>"


def _goals(workspace, team_name: str, reps: list[str], manager: str) -> None:
    """Every rep a weekly calls goal (some with a stretch), a team-total revenue goal, an
    all-or-nothing demos goal and a meetings contest this week: the same for any size."""
    with workspace.app.paceline.db.write() as session:
        ws = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        team_id = session.scalar(
            sa.select(Team.id).where(Team.workspace_id == ws, Team.name_key == team_name)
        )
        ids = dict(
            session.execute(
                sa.select(Person.slack_user_id, Person.id).where(Person.workspace_id == ws)
            ).all()
        )
        common = {
            "workspace_id": ws,
            "created_by_id": ids[manager],
            "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        }
        for i, rep in enumerate(reps):
            session.add(
                Goal(
                    kind="individual",
                    person_id=ids[rep],
                    metric="calls",
                    period_kind="week",
                    target=60,
                    stretch_pct=125 if i % 2 else None,
                    start=date(2026, 1, 1),
                    **common,
                )
            )
        session.add(
            Goal(
                kind="team",
                team_id=team_id,
                metric="revenue",
                period_kind="month",
                target=10_000_000,
                start=date(2026, 1, 1),
                **common,
            )
        )
        session.add(
            Goal(
                kind="collective",
                team_id=team_id,
                metric="demos",
                period_kind="week",
                target=2,
                reward="team lunch",
                start=date(2026, 1, 1),
                **common,
            )
        )
        session.add(
            Goal(
                kind="contest",
                team_id=team_id,
                metric="meetings",
                period_kind="week",
                target=None,
                prize="golf",
                start=date(2026, 11, 16),
                end=date(2026, 11, 22),
                **common,
            )
        )


def _count(workspace, command: str, user: str, text: str) -> tuple[int, StatementLog]:
    """Statements of one warm command, including what its lazy listeners run after the reply."""
    engine = workspace.app.paceline.db
    workspace.reply(command, user, text)  # warm: caller and catalogue caches, the pool
    counts = []
    for _ in range(2):  # the smaller of two: a cache may expire between the calls
        with counting_statements(engine) as log:
            reply = workspace.reply(command, user, text)
            seen, quiet = -1, 0
            while quiet < 5:  # until 5 polls (0.1 s) without a new statement
                time.sleep(0.02)
                quiet = quiet + 1 if log.count == seen else 0
                seen = log.count
        counts.append(log)
    assert not reply.startswith(("Unknown", "Only", "You are not")), reply
    best = min(counts, key=lambda g: g.count)
    return best.count, best


@pytest.fixture
def teams(workspace):
    admin = workspace.user("ada", admin=True)
    found = {}
    for name, size in SIZES.items():
        manager = workspace.user(f"{name}-lead")
        reps = [workspace.user(f"{name}{i:02d}") for i in range(size)]
        workspace.team(admin, f"create {name} manager {_m(workspace, manager)} tz America/New_York")
        for chunk in range(0, size, 10):  # a command holds at most 1,000 characters
            mentions = " ".join(_m(workspace, r) for r in reps[chunk : chunk + 10])
            reply = workspace.team(admin, f"add {name} {mentions}")
            assert reply.startswith("Added "), reply
        _goals(workspace, name, reps, manager)
        for i, rep in enumerate(reps):
            workspace.log(rep, f"calls {10 + i} demos {i % 3} meetings {i % 4} revenue {100 + i}")
        found[name] = (manager, reps)
    return found


COMMANDS = [
    ("/progress", "team:{team}", "manager"),
    ("/leaderboard", "", "rep"),
    ("/leaderboard", "calls month by pct", "rep"),
    ("/leaderboard", "team:{team}", "manager"),
]


def test_report_statements_do_not_grow_with_the_team(workspace, teams):
    grew = []
    for command, text, caller in COMMANDS:
        counts, logs = {}, {}
        for name, (manager, reps) in teams.items():
            user = manager if caller == "manager" else reps[0]
            counts[name], logs[name] = _count(workspace, command, user, text.format(team=name))
        if counts["large"] != counts["small"]:
            small, large = logs["small"].shapes(), logs["large"].shapes()
            changed = {s: (small.get(s, 0), n) for s, n in large.items() if n != small.get(s, 0)}
            grew.append(
                f"{command} {text.format(team='NAME')}: {counts['small']} statements at {SIZES['small']} members, "
                f"{counts['large']} at {SIZES['large']}; changed: {changed}"
            )
    assert not grew, "\n".join(grew)
