"""The nudge DM and the log reminder, rendered from standings (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.calendars import WorkCalendar
from bot.core.metrics import MetricCatalog
from bot.core.pace import PaceStatus
from bot.core.periods import Period, PeriodKind
from bot.core.standings import GoalSpec, PersonFacts, TeamFacts, person_standing
from bot.render.block_limits import check
from bot.render.nudge import (
    LOG_OPEN_ACTION,
    encouragement,
    log_reminder_message,
    nudge_message,
    overall_status,
)

CATALOG = MetricCatalog()
WEEK = Period.containing(PeriodKind.WEEK, date(2026, 11, 16))
WED = TeamFacts(WorkCalendar(), today=date(2026, 11, 18))  # Mon, Tue completed: expected 24 of 60


def standing(
    actual, *, metric="calls", target=60, kind="individual", goal_id=1, start=date(2026, 1, 1)
):
    spec = GoalSpec(
        goal_id,
        kind,
        metric,
        PeriodKind.WEEK,
        target,
        start,
        person_id=1 if kind != "collective" else None,
        team_id=7,
    )
    return person_standing(spec, PersonFacts(1, "maria"), WEEK, WED, actual)


@pytest.mark.parametrize(
    ("actuals", "status", "line"),
    [
        (
            (60, 5),
            PaceStatus.HIT,
            "Every goal hit already 🎉 — anything more this week is a bonus.",
        ),
        ((30, 5), PaceStatus.AHEAD, "You're ahead of pace 🚀 — keep it rolling."),
        ((24, 5), PaceStatus.ON_PACE, "Right on pace ✅ — keep the rhythm going."),
        (
            (20, 5),
            PaceStatus.BEHIND,
            "A little behind — 14 calls a day gets you there. You've got this 💪",
        ),
        (
            (10, 5),
            PaceStatus.AT_RISK,
            "Still time to turn it around — 17 calls a day closes the gap. Need a hand? Ask your manager.",
        ),
    ],
)
def test_encouragement_follows_the_most_urgent_goal(actuals, status, line):
    calls, demos = actuals
    found = [standing(calls), standing(demos, metric="demos", target=5, goal_id=2)]
    assert overall_status(found) is status
    assert encouragement(found, CATALOG) == line


def test_a_goal_not_started_yet_does_not_set_the_tone_unless_all_are():
    later = standing(0, start=date(2026, 11, 20), goal_id=3)
    assert later.pace.status is PaceStatus.NOT_STARTED
    assert overall_status([later, standing(30)]) is PaceStatus.AHEAD
    assert (
        encouragement([later], CATALOG)
        == "The week is just starting — a strong first day sets the pace."
    )


def test_nudge_shows_each_goal_with_status_numbers_needed_per_day_and_bar():
    found = [standing(20), standing(2, metric="demos", target=5, kind="collective", goal_id=2)]
    text, blocks = nudge_message("Maria <Sales>", "East", found, CATALOG, WEEK, date(2026, 11, 18))
    assert check(blocks) == []
    assert (
        blocks[0]["text"]["text"]
        == "*Hi Maria &lt;Sales&gt;, here's this week so far* (week of Mon 16 Nov, team East)"
    )
    calls = blocks[1]["text"]["text"]
    assert calls.startswith("⚠️ *Calls* ▓▓▓┃░░░░░░ 33% — 20 / 60 calls · 33% · behind (expected 24)")
    assert "14 calls/day to hit it (3 days left)" in calls
    assert blocks[2]["text"]["text"].startswith(
        "✅ *Demos* (team: everyone) ▓▓▓┃░░░░░░ 40% — 2 / 5 demos · 40% · on pace"
    )
    assert "A little behind — 14 calls a day gets you there" in blocks[-1]["elements"][0]["text"]
    assert text.startswith(
        "Your week so far: calls 20 / 60 (behind); demos 2 / 5 (on pace). A little behind"
    )


def test_many_goals_stay_within_the_block_limit():
    found = [standing(20, metric=f"metric{i}", goal_id=i) for i in range(80)]
    text, blocks = nudge_message("maria", "East", found, CATALOG, WEEK, date(2026, 11, 18))
    assert check(blocks) == [] and len(blocks) == 50
    assert blocks[-2]["text"]["text"] == "…and 33 more goals: `/progress` shows them all."
    assert len(text) <= 3000


def test_log_reminder_is_one_line_with_a_log_button_for_its_day():
    text, blocks = log_reminder_message(date(2026, 11, 20))
    assert text == "Nothing logged today (Fri 20 Nov) yet — add your numbers before you sign off."
    assert check(blocks) == [] and len(blocks) == 1
    button = blocks[0]["accessory"]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        LOG_OPEN_ACTION,
        "2026-11-20",
        "Log",
    )
    assert LOG_OPEN_ACTION == "paceline_log_open"


def test_one_goal_hit_and_another_far_from_it_is_not_every_goal_hit():
    # Monday: nothing is expected yet; calls are hit, demos 5 of 30 — not "every goal hit".
    monday = TeamFacts(WorkCalendar(), today=date(2026, 11, 16))
    calls = person_standing(
        GoalSpec(1, "individual", "calls", PeriodKind.WEEK, 60, date(2026, 1, 1), person_id=1),
        PersonFacts(1, "maria"),
        WEEK,
        monday,
        60,
    )
    demos = person_standing(
        GoalSpec(2, "individual", "demos", PeriodKind.WEEK, 30, date(2026, 1, 1), person_id=1),
        PersonFacts(1, "maria"),
        WEEK,
        monday,
        5,
    )
    assert overall_status([calls, demos]) is PaceStatus.AHEAD
    assert "Every goal hit" not in encouragement([calls, demos], CATALOG)
    unstarted = person_standing(
        GoalSpec(3, "individual", "demos", PeriodKind.WEEK, 30, date(2026, 1, 1), person_id=1),
        PersonFacts(1, "maria"),
        WEEK,
        monday,
        0,
    )
    assert overall_status([calls, unstarted]) is PaceStatus.NOT_STARTED


def test_a_one_deal_week_asks_for_one_more_deal_not_a_deal_a_day():
    deals = person_standing(
        GoalSpec(1, "individual", "deals", PeriodKind.WEEK, 2, date(2026, 1, 1), person_id=1),
        PersonFacts(1, "maria"),
        WEEK,
        TeamFacts(WorkCalendar(), today=date(2026, 11, 19)),
        0,
    )
    # Expected after Mon–Wed: 1.2, shown 1 → at risk; 2 to go over 2 days left.
    assert deals.pace.status is PaceStatus.AT_RISK
    assert (
        encouragement([deals], CATALOG)
        == "Still time to turn it around — 2 more deals to hit it. Need a hand? Ask your manager."
    )
    one = person_standing(
        GoalSpec(1, "individual", "deals", PeriodKind.WEEK, 1, date(2026, 1, 1), person_id=1),
        PersonFacts(1, "maria"),
        WEEK,
        TeamFacts(WorkCalendar(), today=date(2026, 11, 20)),
        0,
    )
    assert "1 more deal to hit it" in encouragement([one], CATALOG)
