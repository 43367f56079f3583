"""App Home's blocks, rendered from standings (no database): each part, the order a
manager reads people in, and the 100-block limit for any team size or number of teams."""

from __future__ import annotations

from datetime import date

import pytest
from slack_sdk.models.views import View

from bot.core.calendars import WorkCalendar
from bot.core.metrics import MetricCatalog
from bot.core.periods import Period, PeriodKind
from bot.core.ranking import Entry as RankEntry
from bot.core.ranking import rank
from bot.core.standings import ContestStanding, GoalSpec, PersonFacts, TeamFacts, team_standings
from bot.render.app_home import (
    MAX_HOME_BLOCKS,
    Home,
    ManagerPart,
    PendingRequest,
    RecentEntry,
    RepPart,
    TeamPart,
    entry_text,
    home_blocks,
    home_view,
    more_teams_text,
    person_line,
    propose_modal,
    worst_first,
)
from bot.render.block_limits import check
from bot.render.standing_lines import contest_line

CATALOG = MetricCatalog()
CALLS = CATALOG.lookup("calls")
WEEK = Period.containing(PeriodKind.WEEK, date(2026, 11, 16))
FRIDAY = date(2026, 11, 20)
FACTS = TeamFacts(WorkCalendar(), today=FRIDAY)  # Mon–Thu done: pace expects 48 of 60


def team(size: int, name: str = "east", calls: dict[int, int] | None = None, first_id: int = 1):
    """`size` reps, each with 60 calls a week (calls[i] logged, else 0), an all-or-nothing
    5 demos and a meetings contest."""
    ids = range(first_id, first_id + size)
    members = [PersonFacts(i, f"rep{i:04d}") for i in ids]
    goals = [
        *(
            GoalSpec(
                10_000 + i,
                "individual",
                "calls",
                PeriodKind.WEEK,
                60,
                date(2026, 1, 1),
                person_id=i,
            )
            for i in ids
        ),
        GoalSpec(
            1,
            "collective",
            "demos",
            PeriodKind.WEEK,
            5,
            date(2026, 1, 1),
            team_id=7,
            reward="pizza",
        ),
        GoalSpec(
            2,
            "contest",
            "meetings",
            PeriodKind.WEEK,
            None,
            WEEK.start,
            WEEK.end,
            team_id=7,
            prize="golf",
        ),
        GoalSpec(
            3, "team", "revenue", PeriodKind.WEEK, 500_000 * size, date(2026, 1, 1), team_id=7
        ),
    ]
    totals = {}
    for i in ids:
        totals[(i, "calls")] = (calls or {}).get(i, 48)
        totals[(i, "demos")] = 5
        totals[(i, "meetings")] = i % 7
        totals[(i, "revenue")] = 300_000
    return team_standings(
        team_name=name, view=WEEK, team=FACTS, goals=goals, members=members, totals=totals
    )


def home(rep=None, manager=None, entries=(), notice=None, person_id=1):
    return Home(
        person_id=person_id,
        name="maria",
        view=WEEK,
        today=FRIDAY,
        catalog=CATALOG,
        updated="Fri 20 Nov 10:00",
        rep=rep,
        manager=manager,
        entries=tuple(entries),
        may_propose=rep is not None,
        notice=notice,
    )


def texts(blocks):
    found = []
    for block in blocks:
        if block["type"] in ("section", "header"):
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found += [e["text"] for e in block["elements"]]
    return "\n".join(found)


def within_limits(blocks):
    assert len(blocks) <= MAX_HOME_BLOCKS
    assert check(blocks, max_blocks=MAX_HOME_BLOCKS) == []
    View(type="home", blocks=blocks).validate_json()


def entry(i: int, **kw) -> RecentEntry:
    values = {
        "id": i,
        "day": FRIDAY,
        "metric": CALLS,
        "quantity": 12,
        "kind": "log",
        "note": None,
        "for_name": None,
    }
    return RecentEntry(**(values | kw))


# --- the rep's part -------------------------------------------------------------------------------


def test_a_rep_sees_their_goals_team_and_entries_with_undo_buttons():
    report = team(3, calls={1: 40})
    mine = tuple(s for s in [*report.members, *report.collectives[0].members] if s.owner_id == 1)
    blocks = home_blocks(
        home(RepPart(mine, "east", report), entries=[entry(7), entry(6, note="<!channel> Acme")])
    )
    within_limits(blocks)
    body = texts(blocks)
    assert "⚠️ *Calls* ▓▓▓▓▓▓░┃░░ 66% — 40 / 60 calls · 66% · behind (expected 48)" in body
    assert "20 calls/day to hit it (1 day left) · forecast 50 calls" in body
    assert (
        "🏁 *Meetings contest* (prize: golf): 1 rep0003 3 meetings · 2 rep0002 2 meetings · 3 rep0001 1 meeting"
        " · you rank 3 of 3 with 1 meeting"
    ) in body
    assert (
        "👥 *Demos* — everyone 5 demos/week: 3 of 3 there · 🏆 everyone there · reward: pizza"
        in body
    )
    undo = [b for b in blocks if b.get("accessory", {}).get("action_id") == "home_undo_entry"]
    assert [(b["accessory"]["value"], b["text"]["text"]) for b in undo] == [
        ("7", "Fri 20 Nov · 12 calls"),
        ("6", "Fri 20 Nov · 12 calls — &lt;!channel&gt; Acme"),
    ]
    assert undo[0]["accessory"]["confirm"]["title"]["text"] == "Undo this entry?"
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["home_log", "home_propose_goal"]


def test_a_rep_with_many_goals_sees_ten_and_a_pointer():
    report = team(15, calls={i: 10 for i in range(1, 16)})
    blocks = home_blocks(home(RepPart(report.members, "east", report)))
    within_limits(blocks)
    assert "…and 5 more goals: `/progress` shows them all." in texts(blocks)


def test_a_rep_outside_a_team_and_without_anything():
    body = texts(home_blocks(home(RepPart((), None, None))))
    assert "No goals this week yet." in body
    assert "You are not on a team yet" in body
    assert "Nothing logged yet" in body


def test_contest_lines_are_the_podium_and_where_the_person_ranks():
    spec = GoalSpec(
        2, "contest", "meetings", PeriodKind.WEEK, None, WEEK.start, WEEK.end, team_id=7
    )
    board = ContestStanding(
        spec,
        tuple(rank([RankEntry("1", "al", 5), RankEntry("2", "bo", 5), RankEntry("3", "cy", 1)])),
    )
    podium = "🏁 *Meetings contest*: =1 al 5 meetings · =1 bo 5 meetings · 3 cy 1 meeting"
    assert contest_line(board, CATALOG) == podium
    assert contest_line(board, CATALOG, 1) == podium + " · you rank =1 of 3 with 5 meetings"
    assert contest_line(board, CATALOG, 3) == podium + " · you rank 3 of 3 with 1 meeting"
    assert contest_line(board, CATALOG, 9) == podium + " · you are not in it"


def test_entry_texts():
    assert (
        entry_text(entry(1, kind="fix", quantity=2, note="fix: 10 → 12"), FRIDAY)
        == "Fri 20 Nov · calls fixed (10 → 12)"
    )
    assert entry_text(entry(1, for_name="bo <3"), FRIDAY) == "Fri 20 Nov · 12 calls for bo &lt;3"
    assert (
        entry_text(entry(1, quantity=1, day=date(2025, 12, 31)), FRIDAY)
        == "Wed 31 Dec 2025 · 1 call"
    )


# --- the manager's part ----------------------------------------------------------------------------


def test_people_are_ordered_worst_first_then_by_name():
    report = team(4, calls={1: 48, 2: 10, 3: 40, 4: 10})
    order = [report.member_names[pid] for pid, _ in worst_first(report)]
    assert order == ["rep0002", "rep0004", "rep0003", "rep0001"]
    _, goals = worst_first(report)[0]
    assert person_line("rep0002", goals) == (
        "🔴 *rep0002* — calls ▓░░░░░░┃░░ 16% at risk · demos (everyone) ▓▓▓▓▓▓▓▓▓▓ 100% hit"
    )


@pytest.mark.parametrize("size", [200, 1000])
def test_a_big_team_is_summarised_within_100_blocks(size):
    report = team(size, calls={i: 10 for i in range(1, size + 1, 2)})
    part = ManagerPart((TeamPart("east", size, report),), (), 0, all_teams=False)
    blocks = home_blocks(home(manager=part))
    within_limits(blocks)
    body = texts(blocks)
    assert f"*Team east* — {size} members · {size // 2} behind or at risk" in body
    assert f"…and {size - 20} more: `/progress team:east`" in body
    assert f"…and {size // 2 - 10} more" in body  # the names of who is behind


def test_three_teams_each_in_full():
    parts = tuple(
        TeamPart(n, 30, team(30, n, first_id=100 * k + 1))
        for k, n in enumerate(("central", "north", "south"))
    )
    blocks = home_blocks(home(manager=ManagerPart(parts, (), 0, all_teams=False)))
    within_limits(blocks)
    body = texts(blocks)
    for name in ("central", "north", "south"):
        assert (
            f"*Team {name}* — 30 members" in body
            and f"…and 10 more: `/progress team:{name}`" in body
        )
    assert "More teams" not in body


def test_many_teams_fit_by_summarising_the_rest():
    parts = tuple(
        TeamPart(
            f"team{k:02d}", 50, team(50, f"team{k:02d}", first_id=100 * k + 1) if k < 8 else None
        )
        for k in range(150)
    )
    pending = tuple(
        PendingRequest(i, f"*rep* proposes calls {60 + i}/week.", f"Proposal · request #{i}")
        for i in range(1, 6)
    )
    report = team(3)
    everything = home(
        RepPart(report.members, "east", report),
        ManagerPart(parts, pending, 12, all_teams=True),
        entries=[entry(i) for i in range(5)],
        notice="↩️ Undid Fri 20 Nov · 12 calls.",
    )
    blocks = home_blocks(everything)
    within_limits(blocks)
    body = texts(blocks)
    assert "*All teams* (you are an admin)" in body
    assert "*Team team00*" in body
    assert "*More teams*\n• *team" in body
    assert "more teams: `/progress team:NAME`" in body
    assert (
        "*Waiting for your decision* (12)" in body and "…and 7 more — each is in your DMs" in body
    )
    approve = [
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "goal_request_approve"
    ]
    assert [e["value"] for e in approve] == ["1", "2", "3", "4", "5"]
    assert home_view(everything)["type"] == "home"


def test_more_teams_text_fits_one_section():
    parts = [TeamPart("x" * 80 + str(k), 3, None) for k in range(200)]
    found = more_teams_text(parts)
    assert len(found) <= 3000 and found.endswith("more teams: `/progress team:NAME`")


def test_an_admin_without_teams_is_told_how_to_make_one():
    body = texts(home_blocks(home(manager=ManagerPart((), (), 0, all_teams=True))))
    assert "No teams yet: `/team create east` makes one." in body


# --- the propose form -----------------------------------------------------------------------------------


def test_the_propose_form_is_the_goal_modal_without_owner_and_start():
    view = propose_modal(CATALOG)
    View(**view).validate_json()
    assert view["callback_id"] == "home_propose_modal"
    assert [b["block_id"] for b in view["blocks"]] == ["metric", "target", "period", "reason"]
    assert view["blocks"][-1]["label"]["text"] == "Why"
