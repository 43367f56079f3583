"""App Home and the CSV export of a region (issue #13): a parent team's card and its team goal
count everyone below it; a region's manager exports every team below, each person once.
Signed HTTP, both databases."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.e2e.test_app_home import _export_rows, latest_home, lines, open_home


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


@pytest.fixture
def region(workspace):
    """central (manager rhea; team goal 100 calls/week) over dustin (maria, bo; manager dana)
    and melvin (cy); east (zed) stands apart."""
    ada = workspace.user("ada", admin=True)
    rhea, dana = workspace.user("rhea"), workspace.user("dana")
    maria, bo, cy, zed = (workspace.user(n) for n in ("maria", "bo", "cy", "zed"))
    workspace.team(ada, f"create central manager {_m(workspace, rhea)}")
    workspace.team(ada, f"create dustin manager {_m(workspace, dana)}")
    workspace.team(ada, "create melvin")
    workspace.team(ada, "create east")
    workspace.team(ada, "set dustin parent central")
    workspace.team(ada, "set melvin parent central")
    workspace.team(ada, f"add dustin {_m(workspace, maria)} {_m(workspace, bo)}")
    workspace.team(ada, f"add melvin {_m(workspace, cy)}")
    workspace.team(ada, f"add east {_m(workspace, zed)}")
    assert workspace.reply("/goal", rhea, "set team:central calls 100/week").startswith("Set")
    for user, calls in ((maria, 12), (bo, 8), (cy, 20), (zed, 50)):
        workspace.log(user, f"calls {calls}")
    return SimpleNamespace(ada=ada, rhea=rhea, dana=dana, maria=maria, bo=bo, cy=cy, zed=zed)


def test_a_regions_card_counts_everyone_below_it_as_progress_does(workspace, region):
    open_home(workspace, region.rhea)
    shown = lines(latest_home(workspace, region.rhea))
    # 12 + 8 (dustin) + 20 (melvin) = 40 of central's 100; east's 50 is not central's.
    total = "🔴 *Calls (team total)* ▓▓▓▓░░░┃░░ 40% — 40 / 100 calls · 40% · at risk (expected 80)"
    cards = [line for line in shown if line.startswith("*Team ")]
    assert cards == [
        "*Team central* — 3 people in 2 teams · 0 behind or at risk",
        "*Team dustin* — 2 members · 0 behind or at risk",
        "*Team melvin* — 1 member · 0 behind or at risk",
    ]
    assert shown[shown.index(cards[0]) + 1] == total
    assert "40 / 100 calls · 40% · at risk" in workspace.reply(
        "/progress", region.rhea, "team:central"
    )
    # dustin's manager sees dustin only: nothing above it.
    open_home(workspace, region.dana)
    assert [
        line for line in lines(latest_home(workspace, region.dana)) if line.startswith("*Team ")
    ] == ["*Team dustin* — 2 members · 0 behind or at risk"]


def test_a_regions_export_has_its_team_goal_over_everyone_and_each_person_once(workspace, region):
    exported = _export_rows(workspace, region.rhea)
    team_rows = [r for r in exported if r["Goal kind"] == "team total"]
    assert [(r["Team"], r["Actual"]) for r in team_rows] == [("central", "40")]
    people = [(r["Person"], r["Team"]) for r in exported if r["Person"]]
    assert sorted(people) == [("bo", "dustin"), ("cy", "melvin"), ("maria", "dustin")]
    assert {r["Person"] for r in _export_rows(workspace, region.dana) if r["Person"]} == {
        "maria",
        "bo",
    }


def test_a_regions_manager_acts_for_everyone_below_and_a_sub_teams_manager_not_for_a_sibling(
    workspace, region
):
    before = len(workspace.entries())
    assert workspace.reply("/log", region.rhea, f"{_m(workspace, region.cy)} calls 3").startswith(
        "Logged 3 calls for cy"
    )
    assert workspace.reply(
        "/goal", region.rhea, f"set {_m(workspace, region.maria)} calls 60/week"
    ).startswith("Set")
    refused = workspace.reply("/log", region.dana, f"{_m(workspace, region.cy)} calls 3")
    assert "cy" in refused and not refused.startswith("Logged"), refused
    assert not workspace.reply(
        "/goal", region.dana, f"set {_m(workspace, region.cy)} calls 60/week"
    ).startswith("Set")
    assert not workspace.reply(
        "/log", region.rhea, f"{_m(workspace, region.zed)} calls 3"
    ).startswith("Logged")
    assert len(workspace.entries()) == before + 1
