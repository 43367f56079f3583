"""The managers' lagging alert, rendered from standings (no database)."""

from __future__ import annotations

from datetime import date

from bot.core.calendars import WorkCalendar
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import GoalSpec, PersonFacts, TeamFacts, person_standing
from bot.render.block_limits import check
from bot.render.lagging_alert import (
    MAX_REPS,
    LaggingGoal,
    LaggingRep,
    alert_message,
    all_clear_message,
    rep_line,
    weeks_text,
)

CATALOG = MetricCatalog()
WEEK = Period.containing(PeriodKind.WEEK, date(2026, 11, 16))
THU = TeamFacts(WorkCalendar(), today=date(2026, 11, 19))  # expected 36 of 60


def lagging(actual, weeks=1, metric="calls", target=60, name="bo", person_id=2):
    spec = GoalSpec(
        1, "individual", metric, PeriodKind.WEEK, target, date(2026, 1, 1), person_id=person_id
    )
    return LaggingGoal(
        person_standing(spec, PersonFacts(person_id, name), WEEK, THU, actual), weeks
    )


def test_weeks_text():
    assert [weeks_text(n) for n in (1, 2, 8, 9)] == [
        "first week behind", "2 weeks in a row", "8 weeks in a row", "9+ weeks in a row",
    ]  # fmt: skip


def test_a_rep_line_has_bar_gap_needed_per_day_and_streak():
    rep = LaggingRep(2, "bo", (lagging(10, weeks=3), lagging(1, weeks=1, metric="demos", target=5)))
    assert rep_line(rep, CATALOG) == (
        "🔴 *bo* — calls ▓░░░░┃░░░░ 16% — 10 / 60 calls · at risk · gap 26 calls (expected 36) · "
        "needs 25 calls/day · 3 weeks in a row\n"
        "      demos ▓▓░░░┃░░░░ 20% — 1 / 5 demos · at risk · gap 2 demos (expected 3) · needs 2 demos/day · first week behind"
    )


def test_alert_lists_reps_in_the_given_order_and_names_them_in_the_text():
    reps = [
        LaggingRep(2, "bo", (lagging(10, weeks=3),)),
        LaggingRep(3, "maria", (lagging(30, name="maria", person_id=3),)),
    ]
    text, blocks = alert_message("East", WEEK, date(2026, 11, 19), reps, CATALOG)
    assert check(blocks) == []
    assert (
        blocks[0]["text"]["text"]
        == "*Team East: 2 reps behind or at risk* — week of Mon 16 Nov, as of Thu 19 Nov"
    )
    body = blocks[1]["text"]["text"]
    assert body.index("*bo*") < body.index("*maria*") and "⚠️ *maria* — calls" in body
    assert text == "Team East: 2 reps behind or at risk this week — bo (calls), maria (calls)"


def test_a_long_list_is_summarised_within_the_limits():
    reps = [
        LaggingRep(i, f"rep-{i:03d}-" + "x" * 60, (lagging(5, weeks=9, name=f"r{i}", person_id=i),))
        for i in range(500)
    ]
    text, blocks = alert_message("East", WEEK, date(2026, 11, 19), reps, CATALOG)
    assert check(blocks) == [] and len(text) <= 3000
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert body.count("9+ weeks in a row") == MAX_REPS
    assert (
        f"…and {500 - MAX_REPS} more behind or at risk: `/progress team:East` lists everyone."
        in body
    )


def test_all_clear_is_short_and_says_how_many_it_looked_at():
    text, blocks = all_clear_message("East", WEEK, date(2026, 11, 19), 12)
    assert (
        text
        == "All clear on team East: none of its 12 reps with goals is behind or at risk (week of Mon 16 Nov)."
    )
    assert check(blocks) == [] and len(blocks) == 2
    assert all_clear_message("East", WEEK, date(2026, 11, 19), 0)[0].startswith(
        "All clear on team East: no rep has a goal"
    )


def test_a_lagging_line_never_says_gap_0_or_expected_0():
    # Status compares with the expected shown, so whoever is behind or at risk is behind by
    # at least one unit, and a small goal early in the week is not "at risk (expected 0)".
    for actual, target in ((0, 1), (1, 2), (0, 2), (2, 5), (1, 5), (3, 7)):
        for today in (
            date(2026, 11, 17),
            date(2026, 11, 18),
            date(2026, 11, 19),
            date(2026, 11, 20),
        ):
            spec = GoalSpec(
                1, "individual", "demos", PeriodKind.WEEK, target, date(2026, 1, 1), person_id=2
            )
            pace = person_standing(
                spec, PersonFacts(2, "bo"), WEEK, TeamFacts(WorkCalendar(), today=today), actual
            ).pace
            if pace.status.value in ("behind", "at risk"):
                assert pace.gap_to_expected > 0 and pace.expected > 0, (actual, target, today, pace)
