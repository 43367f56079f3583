"""The lagging alert against a real database: which reps are flagged, their gap, what they
need per day and how many weeks in a row they have been behind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from test_content_seed import Seed

from bot.render.block_limits import check


@pytest.fixture
def seed(running_app) -> Seed:
    return Seed(running_app.paceline.db)


# Thursday 19 November 2026, 09:00 in New York: Mon–Wed are complete, 36 of 60 expected.
THURSDAY = datetime(2026, 11, 19, 14, 0, tzinfo=UTC)
MON = date(2026, 11, 16)


def weeks_ago(n: int) -> date:
    return MON - timedelta(weeks=n)


def east(seed):
    people = {n: seed.person(n) for n in ("dana", "eve", "maria", "bo", "al", "cy")}
    people["old"] = seed.person("old-manager", deactivated=True)
    team = seed.team(
        "East",
        members=[people[n] for n in ("maria", "bo", "al", "cy")],
        managers=[people["dana"], people["eve"], people["old"]],
    )
    for rep in ("maria", "bo", "al", "cy"):
        seed.goal("calls", 60, person=people[rep])
    return team, people


def test_managers_get_the_reps_behind_with_gap_needed_per_day_and_weeks_in_a_row(seed):
    team, p = east(seed)
    seed.log(p["maria"], MON, calls=30)  # 30 of 36: 83% → behind
    seed.log(p["bo"], MON, calls=10)  # 10 of 36: 28% → at risk
    seed.log(p["cy"], MON, calls=40)  # ahead
    seed.off(
        p["al"], date(2026, 11, 19), date(2026, 11, 20)
    )  # 0 of 36, but off for the rest of the week
    # Maria's last weeks: 40 (at risk), 50 (behind), 60 (hit); bo's last week was fine.
    for weeks, calls in ((1, 40), (2, 50), (3, 60)):
        seed.log(p["maria"], weeks_ago(weeks), calls=calls)
    seed.log(p["bo"], weeks_ago(1) + timedelta(days=4), calls=60)

    messages = seed.build("lagging-alert", team, THURSDAY)

    # The two active managers, the same alert each; not the deactivated one.
    assert sorted(m.recipient for m in messages) == sorted(
        [seed.slack_id(p["dana"]), seed.slack_id(p["eve"])]
    )
    assert messages[0].text == messages[1].text and messages[0].blocks == messages[1].blocks
    alert = messages[0]
    assert check(list(alert.blocks)) == []
    assert alert.text == "Team East: 2 reps behind or at risk this week — bo (calls), maria (calls)"
    assert (
        alert.blocks[0]["text"]["text"]
        == "*Team East: 2 reps behind or at risk* — week of Mon 16 Nov, as of Thu 19 Nov"
    )
    assert alert.blocks[1]["text"]["text"] == (
        "🔴 *bo* — calls ▓░░░░┃░░░░ 16% — 10 / 60 calls · at risk · gap 26 calls (expected 36) · "
        "needs 25 calls/day · first week behind\n"
        "⚠️ *maria* — calls ▓▓▓▓▓┃░░░░ 50% — 30 / 60 calls · behind · gap 6 calls (expected 36) · "
        "needs 15 calls/day · 3 weeks in a row"
    )


def test_nobody_behind_is_a_short_all_clear(seed):
    team, p = east(seed)
    for rep in ("maria", "bo", "cy"):
        seed.log(p[rep], MON, calls=36)
    seed.off(p["al"], MON, date(2026, 11, 20))  # nothing owed this week

    messages = seed.build("lagging-alert", team, THURSDAY)

    assert len(messages) == 2
    assert (
        messages[0].text
        == "All clear on team East: none of its 3 reps with goals is behind or at risk (week of Mon 16 Nov)."
    )
    assert check(list(messages[0].blocks)) == [] and len(messages[0].blocks) == 2


def test_a_team_without_managers_gets_no_alert(seed):
    maria = seed.person("maria")
    team = seed.team("East", members=[maria])
    seed.goal("calls", 60, person=maria)
    assert seed.build("lagging-alert", team, THURSDAY) == []


def test_once_the_week_is_over_time_off_no_longer_hides_a_miss(seed):
    team, p = east(seed)
    for rep in ("maria", "bo", "cy"):
        seed.log(p[rep], MON, calls=60)
    seed.off(p["al"], date(2026, 11, 19), date(2026, 11, 20))
    # Saturday: al owed 36 for Mon–Wed and logged nothing; the team has no day left either.
    [first, _] = seed.build("lagging-alert", team, datetime(2026, 11, 21, 15, 0, tzinfo=UTC))
    assert first.text == "Team East: 1 rep behind or at risk this week — al (calls)"
    assert (
        "0 / 36 calls · at risk · gap 36 calls (expected 36) · needs 36 calls/day"
        in first.blocks[1]["text"]["text"]
    )


def test_a_rep_behind_on_the_all_or_nothing_goal_is_flagged_with_its_streak(seed):
    dana, maria = seed.person("dana"), seed.person("maria")
    team = seed.team("East", members=[maria], managers=[dana])
    seed.goal("demos", 5, team=team, kind="collective")
    seed.log(maria, weeks_ago(1), demos=2)  # last week ended at 40%: at risk

    [alert] = seed.build("lagging-alert", team, THURSDAY)

    assert (
        "🔴 *maria* — demos (team: everyone) ░░░░░┃░░░░ 0% — 0 / 5 demos · at risk"
        in alert.blocks[1]["text"]["text"]
    )
    assert alert.blocks[1]["text"]["text"].endswith("needs 3 demos/day · 9+ weeks in a row")
