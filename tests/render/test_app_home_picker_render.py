"""App Home's period picker and figures without goals, rendered from standings (no
database): the select's options and initial choice, a rep's own totals, and each team
member's totals within the 100-block limit for any team size."""

from __future__ import annotations

from datetime import date

import pytest
from test_render_home import texts, within_limits

from bot.core.calendars import WorkCalendar
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.standings import GoalSpec, PersonFacts, TeamFacts, team_standings
from bot.render.app_home import (
    HOME_PERIOD_ACTION,
    Home,
    ManagerPart,
    RepPart,
    TeamPart,
    home_blocks,
)

CATALOG = MetricCatalog()
TODAY = date(2017, 12, 29)
QUARTER = Period.containing(PeriodKind.QUARTER, TODAY)
FACTS = TeamFacts(WorkCalendar(), today=TODAY)
FIGURES = {"opportunities": 44, "deals": 12, "revenue": 3_120_450}  # revenue in cents


def home(view=QUARTER, rep=None, manager=None):
    return Home(
        person_id=1, name="melvin", view=view, today=TODAY, catalog=CATALOG, updated="Fri 29 Dec 10:00",
        rep=rep, manager=manager, entries=(), may_propose=rep is not None,
    )  # fmt: skip


def team(size: int, with_goals: int = 0):
    """`size` reps, the first `with_goals` with a calls goal; everyone logged FIGURES."""
    members = [PersonFacts(i, f"rep{i:04d}") for i in range(1, size + 1)]
    goals = [GoalSpec(10_000 + i, "individual", "calls", PeriodKind.QUARTER, 600, date(2017, 1, 1), person_id=i)
             for i in range(1, with_goals + 1)]  # fmt: skip
    report = team_standings(
        team_name="east", view=QUARTER, team=FACTS, goals=goals, members=members, totals={}
    )
    return report, {p.id: dict(FIGURES) for p in members}


@pytest.mark.parametrize("kind", ["week", "month", "quarter", "year"])
def test_the_picker_shows_the_period_the_home_shows(kind):
    blocks = home_blocks(
        home(Period.containing(PeriodKind(kind), TODAY), rep=RepPart((), None, None))
    )
    within_limits(blocks)
    [picker] = [b for b in blocks if b.get("block_id") == "home_period"]
    [select] = picker["elements"]
    assert (select["type"], select["action_id"]) == ("static_select", HOME_PERIOD_ACTION)
    assert [o["value"] for o in select["options"]] == ["week", "month", "quarter", "year"]
    assert select["initial_option"]["value"] == kind
    assert blocks.index(picker) == 2  # right under the buttons


def test_a_reps_figures_read_as_progress_says_them():
    body = texts(home_blocks(home(rep=RepPart((), None, None, FIGURES))))
    assert (
        "*Your goals — this quarter* (2017-Q4)\nThis quarter: 44 opportunities · 12 deals · $31,204.50 revenue"
        in body
    )
    assert "No goals this quarter yet." in body


def test_no_figures_line_without_activity():
    assert "This quarter:" not in texts(home_blocks(home(rep=RepPart((), None, None))))


@pytest.mark.parametrize("size", [200, 1000])
def test_a_big_team_without_goals_shows_twenty_people_and_a_pointer(size):
    report, figures = team(size)
    blocks = home_blocks(
        home(
            manager=ManagerPart((TeamPart("east", size, report, figures),), (), 0, all_teams=False)
        )
    )
    within_limits(blocks)
    body = texts(blocks)
    assert f"*Logged this quarter without a goal* ({size})" in body
    assert "• *rep0001* — 44 opportunities · 12 deals · $31,204.50 revenue" in body
    assert body.count("• *rep") == 20
    assert f"…and {size - 20} more: `/progress export this quarter` has everyone." in body


def test_goal_lines_come_first_and_share_the_twenty_lines_with_figures():
    report, figures = team(40, with_goals=15)
    blocks = home_blocks(
        home(manager=ManagerPart((TeamPart("east", 40, report, figures),), (), 0, all_teams=False))
    )
    within_limits(blocks)
    body = texts(blocks)
    assert "*Everyone, worst first* (15 with goals this quarter)" in body
    assert "*Logged this quarter without a goal* (25)" in body
    assert body.count("• *rep") == 5 and "• *rep0016* —" in body  # the goal-less ones, by name
    assert "• *rep0001* —" not in body  # people with goals keep their goal line only
    assert "…and 20 more: `/progress export this quarter` has everyone." in body
    assert body.index("*Everyone, worst first*") < body.index(
        "*Logged this quarter without a goal*"
    )
