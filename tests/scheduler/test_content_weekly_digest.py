"""The weekly digest against a real database: one post to the team's channel with totals,
the all-or-nothing goal, the contest board and the hits, then the chart as a second part."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from matplotlib.image import imread
from test_content_seed import Seed

from bot.render.block_limits import check
from bot.render.chart import png_of
from scheduler.messages import Message
from scheduler.runner import JobRunner
from storage import outbox as outbox_rows
from storage import teams
from storage.models import Outbox


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


# Friday 20 November 2026, 16:00 in New York: Mon–Thu are complete, 48 of 60 expected.
FRIDAY = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
MON, TUE = date(2026, 11, 16), date(2026, 11, 17)


def east(seed, channel="CEAST"):
    maria, bo, al = seed.person("maria"), seed.person("bo"), seed.person("al")
    team = seed.team("East", members=[maria, bo, al], channel=channel)
    seed.goal("calls", 60, person=maria, stretch_pct=125)
    seed.goal("calls", 60, person=bo, stretch_pct=125)
    seed.goal("calls", 60, person=al)
    seed.goal("revenue", 500_000, team=team)  # $5,000 a week
    seed.goal("demos", 3, team=team, kind="collective", reward="team lunch")
    seed.goal(
        "meetings", None, team=team, kind="contest", start=MON, end=date(2026, 11, 22), prize="golf"
    )
    seed.log(maria, MON, calls=80, demos=3, meetings=5, revenue=100_000)
    seed.log(bo, MON, calls=61, demos=3, meetings=7, revenue=100_000)
    seed.log(al, TUE, calls=20, demos=1, meetings=7, revenue=100_000)
    return team


def body(message: Message) -> str:
    return "\n".join(
        b["text"]["text"] for b in message.blocks if b["type"] in ("section", "header")
    )


def test_the_digest_reports_totals_collective_contest_and_hits_to_the_channel(seed):
    team = east(seed)
    [post, chart] = seed.build("weekly-digest", team, FRIDAY)

    assert (post.recipient, post.part, chart.recipient, chart.part) == (
        "CEAST",
        "1",
        "CEAST",
        "chart",
    )
    assert check(list(post.blocks)) == []
    assert post.blocks[0]["text"]["text"] == "Team East — week of 16 Nov"
    assert (
        post.blocks[1]["elements"][0]["text"]
        == "Mon 16 Nov – Sun 22 Nov · 3 members · as of Fri 20 Nov 16:00"
    )
    text = body(post)
    # $3,000 of $5,000 with $4,000 expected: 75% of pace → behind.
    assert (
        "⚠️ *Revenue (team total)* ▓▓▓▓▓▓░┃░░ 60% — $3,000 / $5,000 revenue · 60% · behind (expected $4,000)"
        in text
    )
    # 161 of 180 calls with 144 expected (112%: ahead as a sum); maria and bo hit, al at risk.
    assert (
        "🚀 *Calls* (3 rep goals) ▓▓▓▓▓▓▓┃░░ 89% — 161 / 180 calls · 2 of 3 on pace or better"
        in text
    )
    assert (
        "👥 *Demos* — everyone 3 demos/week: 2 of 3 there · still missing: al · reward: team lunch"
        in text
    )
    assert (
        "🏁 *Meetings contest* · prize: golf\n` =1`  al — 7 meetings\n` =1`  bo — 7 meetings\n`  3`  maria — 5 meetings"
        in text
    )
    assert "🏆 *Goal hits* (2): bo (calls 61 / 60 calls), maria (calls 80 / 60 calls)" in text
    assert "🌟 *Stretch hits* (1): maria (calls 80 / 60 calls, stretch 75 calls)" in text
    assert post.text == (
        "Team East — week of 16 Nov: $3,000 / $5,000 revenue (60%) · 161 / 180 calls (89%) · 2 goal hits · 1 stretch hit"
    )

    assert chart.blocks == () and chart.file is not None
    assert chart.file.title == "Team East — week of 16 Nov 2026"
    assert chart.file.filename == "paceline-east-2026-11-16.png"
    assert chart.text == "Team East — week of 16 Nov 2026: each rep's week against target."
    assert imread(io.BytesIO(png_of(chart.file)), format="png").shape[1] == 800


def test_a_team_without_a_channel_still_builds_for_the_sender_to_park(seed):
    team = east(seed, channel=None)
    assert [(m.recipient, m.part) for m in seed.build("weekly-digest", team, FRIDAY)] == [
        ("", "1"),
        ("", "chart"),
    ]


def test_a_team_without_goals_gets_no_digest(seed):
    maria = seed.person("maria")
    team = seed.team("East", members=[maria])
    seed.log(maria, MON, calls=12)
    assert seed.build("weekly-digest", team, FRIDAY) == []


def test_the_runner_puts_both_parts_in_the_outbox_once(seed, running_app):
    """The interface end to end: BUILDERS through the runner into outbox rows."""
    team_id = east(seed)
    db = running_app.paceline.db
    runner = JobRunner(db, running_app.clock, sleep=lambda _s: None)
    with db.read() as session:
        team = teams.by_id(session, seed.ws, team_id)
    first = runner.run_as_of(seed.ws, team, "weekly-digest", FRIDAY)
    again = runner.run_as_of(seed.ws, team, "weekly-digest", FRIDAY)
    assert (first.messages, first.new, again.new) == (2, 2, 0)
    with db.read() as session:
        rows = list(
            session.scalars(
                sa.select(Outbox).where(Outbox.workspace_id == seed.ws).order_by(Outbox.part)
            )
        )
    assert [(r.job, r.period, r.recipient, r.part) for r in rows] == [
        ("weekly-digest", "2026-11-20", "CEAST", "1"), ("weekly-digest", "2026-11-20", "CEAST", "chart"),
    ]  # fmt: skip
    chart = outbox_rows.decode_message(rows[1].payload, rows[1].recipient, rows[1].part)
    assert (
        chart.file is not None
        and png_of(chart.file).startswith(b"\x89PNG")
        and chart.file.content == b""
    )
