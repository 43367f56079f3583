"""The nudge job against a real database (SQLite and PostgreSQL): who gets a DM and exactly
what it says, from the one pace engine."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from test_content_seed import Seed

from bot.render.block_limits import check


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


# Wednesday 18 November 2026, 10:00 in New York: Monday and Tuesday are complete.
WEDNESDAY = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
MON, TUE = date(2026, 11, 16), date(2026, 11, 17)


def by_recipient(messages):
    found = {m.recipient: m for m in messages}
    assert len(found) == len(messages), "one DM per person"
    return found


def test_each_rep_with_a_goal_this_week_gets_one_dm_with_status_numbers_and_encouragement(seed):
    maria, bo, al, cy = (seed.person(n) for n in ("maria", "bo", "al", "cy"))
    robo = seed.person("robo", bot=True)
    gone = seed.person("gone", deactivated=True)
    imported = seed.person("imported", slack=False)
    newbie = seed.person("newbie")
    team = seed.team("East", members=[maria, bo, al, cy, robo, gone, imported, newbie])
    for person in (maria, al, robo, gone, imported):
        seed.goal("calls", 60, person=person)
    seed.goal("calls", 50, person=bo)
    seed.goal("calls", 60, person=newbie, start=date(2026, 11, 23))  # starts next week
    seed.off(al, MON, date(2026, 11, 20))  # away every working day this week
    seed.log(maria, MON, calls=12)
    seed.log(maria, TUE, calls=8)
    seed.log(bo, MON, calls=40)

    messages = by_recipient(seed.build("nudge", team, WEDNESDAY))

    assert set(messages) == {seed.slack_id(maria), seed.slack_id(bo)}
    to_maria = messages[seed.slack_id(maria)]
    assert check(list(to_maria.blocks)) == [] and to_maria.file is None and to_maria.part == ""
    # 20 of the 24 expected after two of five days: 83% → behind; (60 − 20) / 3 days = 14.
    assert to_maria.text == (
        "Your week so far: calls 20 / 60 (behind). A little behind — 14 calls a day gets you there. You've got this 💪"
    )
    assert (
        to_maria.blocks[0]["text"]["text"]
        == "*Hi maria, here's this week so far* (week of Mon 16 Nov, team East)"
    )
    assert to_maria.blocks[1]["text"]["text"] == (
        "⚠️ *Calls* ▓▓▓┃░░░░░░ 33% — 20 / 60 calls · 33% · behind (expected 24)\n"
        "      14 calls/day to hit it (3 days left) · forecast 50 calls"
    )
    to_bo = messages[seed.slack_id(bo)]
    assert (
        "🚀 *Calls* ▓▓▓┃▓▓▓▓░░ 80% — 40 / 50 calls · 80% · ahead (expected 20)"
        in to_bo.blocks[1]["text"]["text"]
    )
    assert to_bo.text.endswith("You're ahead of pace 🚀 — keep it rolling.")


def test_everyone_shares_an_all_or_nothing_goal(seed):
    maria, cy = seed.person("maria"), seed.person("cy")
    team = seed.team("East", members=[maria, cy])
    seed.goal("calls", 60, person=maria)
    seed.goal("demos", 5, team=team, kind="collective", reward="lunch")
    seed.log(maria, MON, calls=30, demos=2)

    messages = by_recipient(seed.build("nudge", team, WEDNESDAY))

    # cy has no goal of their own, but is part of the team's all-or-nothing demos.
    to_cy = messages[seed.slack_id(cy)]
    assert [b["text"]["text"].split(" ▓")[0].split(" ░")[0] for b in to_cy.blocks[1:-1]] == [
        "🔴 *Demos* (team: everyone)"
    ]
    assert "0 / 5 demos · 0% · at risk (expected 2)" in to_cy.blocks[1]["text"]["text"]
    to_maria = messages[seed.slack_id(maria)]
    assert to_maria.blocks[1]["text"]["text"].startswith(
        "🚀 *Calls* ▓▓▓┃▓░░░░░ 50% — 30 / 60 calls · 50% · ahead"
    )
    assert to_maria.blocks[2]["text"]["text"].startswith(
        "✅ *Demos* (team: everyone) ▓▓▓┃░░░░░░ 40% — 2 / 5 demos · 40% · on pace (expected 2)"
    )
    # The tone follows the most urgent goal: demos on pace, calls ahead.
    assert to_maria.text.endswith("Right on pace ✅ — keep the rhythm going.")


def test_a_monthly_goal_in_a_week_that_spans_two_months(seed):
    """Mon 30 Nov – Sun 6 Dec with US holidays (docs/pace.md): Monday is worth 2,100 / 19
    November days, Tuesday to Friday 4 × 2,100 / 22 December days: 492 for the week."""
    maria = seed.person("maria")
    team = seed.team("East", members=[maria], holidays="US")
    seed.goal("calls", 2100, person=maria, period="month")
    seed.log(maria, date(2026, 11, 29), calls=500)  # Sunday: last week
    seed.log(maria, date(2026, 11, 30), calls=110)  # November, this week
    seed.log(maria, date(2026, 12, 1), calls=100)  # December, this week

    [message] = seed.build("nudge", team, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))

    # Expected after Mon and Tue is their own days: 2,100/19 + 2,100/22 = 206;
    # 210 is 102% of it → on pace; forecast 210 / 206 × 492.3 = 502.
    assert (
        message.blocks[0]["text"]["text"]
        == "*Hi maria, here's this week so far* (week of Mon 30 Nov, team East)"
    )
    assert message.blocks[1]["text"]["text"] == (
        "✅ *Calls* ▓▓▓▓┃░░░░░ 42% — 210 / 492 calls · 42% · on pace (expected 206)\n"
        "      94 calls/day to hit it (3 days left) · forecast 502 calls"
    )


def test_a_team_without_goals_gets_no_nudges(seed):
    maria = seed.person("maria")
    team = seed.team("East", members=[maria])
    seed.log(maria, MON, calls=12)
    assert seed.build("nudge", team, WEDNESDAY) == []
