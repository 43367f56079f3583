"""Goal descriptions, audit lines, approval messages and the /goal modal: pure rendering."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.core.metrics import BUILTIN_METRICS, Metric, MetricCatalog, MetricKind
from bot.core.periods import PeriodKind
from bot.core.standings import GoalSpec
from bot.render import goal_modal
from bot.render.goals import (
    APPROVE_ACTION,
    REJECT_ACTION,
    decided_message,
    describe,
    history_line,
    request_message,
    spec_from_state,
    when_text,
)

CATALOG = MetricCatalog()
CALLS = CATALOG.get("calls")
REVENUE = CATALOG.get("revenue")
TODAY = date(2026, 11, 20)
NAMES = {("person", 7): "maria", ("team", 3): "east"}


def spec(**kw):
    base = {
        "id": 12,
        "kind": "individual",
        "metric": "calls",
        "period_kind": PeriodKind.WEEK,
        "target": 60,
        "start": date(2026, 11, 16),
        "person_id": 7,
    }
    base.update(kw)
    return GoalSpec(**base)


@pytest.mark.parametrize(
    ("goal", "metric", "text"),
    [
        (
            spec(stretch_pct=125),
            CALLS,
            "#12 calls 60/week for maria from Mon 16 Nov (stretch 125%)",
        ),
        (
            spec(end=date(2027, 1, 31)),
            CALLS,
            "#12 calls 60/week for maria from Mon 16 Nov to Sun 31 Jan 2027",
        ),
        (
            spec(
                kind="team",
                metric="revenue",
                period_kind=PeriodKind.YEAR,
                target=120_000_000,
                person_id=None,
                team_id=3,
                start=date(2026, 1, 1),
                weights=(Decimal(20), Decimal(25), Decimal(25), Decimal(30)),
            ),
            REVENUE,
            "#12 revenue $1,200,000/year for team east from Thu 1 Jan (weights 20,25,25,30)",
        ),
        (
            spec(
                kind="collective",
                metric="demos",
                target=5,
                person_id=None,
                team_id=3,
                reward="team lunch",
            ),
            CATALOG.get("demos"),
            "#12 demos 5/week each in team east from Mon 16 Nov (reward: team lunch)",
        ),
        (
            spec(kind="ramp", metric="emails", target=50, ramp_last=100, ramp_step=10),
            CATALOG.get("emails"),
            "#12 emails 50 to 100 step 10/week for maria from Mon 16 Nov",
        ),
        (
            spec(
                kind="contest",
                metric="meetings",
                target=None,
                person_id=None,
                team_id=3,
                end=date(2026, 11, 22),
                prize="golf",
            ),
            CATALOG.get("meetings"),
            "#12 meetings contest for team east from Mon 16 Nov to Sun 22 Nov (prize: golf)",
        ),
        (
            spec(metric="revenue", period_kind=PeriodKind.MONTH, target=400_050),
            REVENUE,
            "#12 revenue $4,000.50/month for maria from Mon 16 Nov",
        ),
    ],
)
def test_describe(goal, metric, text):
    assert describe(goal, metric, NAMES, TODAY) == text


def test_describe_without_id_or_known_owner():
    assert describe(spec(), CALLS, {}, TODAY, with_id=False) == "calls 60/week from Mon 16 Nov"


def test_people_text_is_escaped_so_it_cannot_ping():
    goal = spec(kind="collective", person_id=None, team_id=3, reward="<!channel> & pizza")
    text = describe(goal, CALLS, {("team", 3): "<@U1>"}, TODAY)
    assert "<" not in text and "&lt;!channel&gt; &amp; pizza" in text and "team &lt;@U1&gt;" in text


def test_a_stored_state_reads_back_as_the_same_goal():
    state = json.loads(
        json.dumps(
            {
                "id": 12,
                "kind": "team",
                "person_id": None,
                "team_id": 3,
                "metric": "revenue",
                "period": "year",
                "target": 120_000_000,
                "start": "2026-01-01",
                "end": None,
                "stretch_pct": None,
                "weights": "20,25,25,30",
                "reward": None,
                "prize": None,
                "ramp_last": None,
                "ramp_step": None,
                "removed_at": None,
            }
        )
    )
    goal = spec_from_state(state)
    assert (goal.kind, goal.team_id, goal.period_kind, goal.start, goal.weights) == (
        "team",
        3,
        PeriodKind.YEAR,
        date(2026, 1, 1),
        tuple(Decimal(w) for w in (20, 25, 25, 30)),
    )


def _state(**kw):
    base = {
        "id": 12,
        "kind": "individual",
        "person_id": 7,
        "team_id": None,
        "metric": "calls",
        "period": "week",
        "target": 60,
        "start": "2026-11-16",
        "end": None,
    }
    base.update(kw)
    return json.dumps(base)


def _line(action, before=None, after=None, reason=None, subject_id=12):
    return history_line(
        when="Fri 20 Nov 10:00",
        actor="dana",
        action=action,
        subject_id=subject_id,
        before=before,
        after=after,
        reason=reason,
        metric_of=CATALOG.get,
        names=NAMES,
        today=TODAY,
    )


def test_history_lines_say_who_what_before_after_and_why():
    assert (
        _line("goal.create", after=_state())
        == "• Fri 20 Nov 10:00 · dana set #12: calls 60/week for maria from Mon 16 Nov"
    )
    assert _line(
        "goal.end",
        _state(start="2026-11-02"),
        _state(start="2026-11-02", end="2026-11-15"),
        "new plan",
    ) == (
        "• Fri 20 Nov 10:00 · dana ended #12: calls 60/week for maria from Mon 2 Nov → ends Sun 15 Nov — “new plan”"
    )
    assert _line(
        "goal.remove", _state(), _state(removed_at="x", replaced_by=13), "more leads"
    ).endswith(
        "dana removed #12: calls 60/week for maria from Mon 16 Nov → replaced by #13 — “more leads”"
    )
    assert _line("goal.remove", _state(), _state(removed_at="x"), "<!here>").endswith(
        "→ removed — “&lt;!here&gt;”"
    )
    proposal = json.dumps({"goal": json.loads(_state(id=None, target=70)), "status": "pending"})
    assert _line("goal_request.propose", after=proposal, subject_id=4) == (
        "• Fri 20 Nov 10:00 · dana proposed request #4: calls 70/week for maria from Mon 16 Nov"
    )
    assert _line("goal_request.approve", proposal, proposal, subject_id=4).startswith(
        "• Fri 20 Nov 10:00 · dana approved request #4:"
    )


def test_when_text_is_in_the_readers_zone():
    at = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert when_text(at, ZoneInfo("America/New_York"), TODAY) == "Fri 20 Nov 10:00"
    assert when_text(at, ZoneInfo("Asia/Tokyo"), date(2027, 1, 5)) == "Sat 21 Nov 2026 00:00"


def _valid(blocks):
    for block in blocks:
        Block.parse(block).validate_json()


def test_a_request_message_has_both_buttons_carrying_the_request_id():
    text, blocks = request_message("*maria* proposes calls 70/week", ["Proposal · request #4"], 4)
    _valid(blocks)
    assert text == "*maria* proposes calls 70/week"
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"], e["style"]) for e in actions["elements"]] == [
        (APPROVE_ACTION, "4", "primary"),
        (REJECT_ACTION, "4", "danger"),
    ]


def test_long_text_stays_inside_slacks_limits():
    text, blocks = request_message("x" * 5000, ["y" * 5000], 9)
    _valid(blocks)
    assert len(text) <= 3000 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    text, blocks = decided_message("x" * 5000, "✅ Approved by ada.")
    _valid(blocks)
    assert all(b["type"] != "actions" for b in blocks) and text.startswith("✅ Approved by ada.")


def test_the_modal_is_valid_and_caps_its_options():
    many = MetricCatalog(
        list(BUILTIN_METRICS)
        + [Metric(f"m{i}", MetricKind.COUNT, builtin=False) for i in range(120)]
    )
    view = goal_modal.goal_modal(many, [(i, f"team-{i}") for i in range(150)])
    View(**view).validate_json()
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == ["person", "team", "metric", "target", "period", "from", "reason"]
    assert (
        len(blocks["metric"]["element"]["options"]) == 100
        and len(blocks["team"]["element"]["options"]) == 100
    )
    assert blocks["period"]["element"]["initial_option"]["value"] == "week"
    assert [o["value"] for o in blocks["period"]["element"]["options"]] == [
        "day",
        "week",
        "month",
        "quarter",
        "year",
    ]


def test_the_modal_leaves_out_teams_when_there_are_none():
    view = goal_modal.goal_modal(CATALOG, [])
    assert "team" not in [b["block_id"] for b in view["blocks"]]
