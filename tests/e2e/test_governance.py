"""Goal governance end to end: who decides a request follows the rep's team *now*, and
every path that ends or lowers a started goal — `/goal set … to DATE`, the `/goal` modal,
`/goal remove`, approving a proposal, `plan … apply`, `split`, ramps — waits for an admin in
a team with approvals on when a non-admin makes it. Nothing changes until then.

The clock moves between steps: `at(workspace, 2026, 11, 2)` is 10:00 in New York that day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from storage import app_home as home_storage
from storage import people, teams
from storage.models import AuditEvent, Goal, GoalRequest, Workspace


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def goal(workspace, user_id, text=""):
    return workspace.reply("/goal", user_id, text)


def at(workspace, year, month, day):
    workspace.app.clock.set(datetime(year, month, day, 15, 0, tzinfo=UTC))


def state(workspace):
    """What a refused change must leave as it was: every row count, each goal's dates and
    each request's status."""
    return (
        workspace.snapshot(),
        [(g.id, g.target, g.start, g.end, g.removed_at) for g in workspace.rows(Goal)],
        [(r.id, r.kind, r.status) for r in workspace.rows(GoalRequest)],
    )


def spans(workspace):
    """(kind, target, start, end) of the goal rows in force or coming, oldest first."""
    return [
        (g.kind, g.target, g.start, g.end) for g in workspace.rows(Goal) if g.removed_at is None
    ]


def _request_dm(workspace, user_id):
    """The last request message with buttons Paceline sent `user_id`, as Slack stores it."""
    workspace.slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params.get("channel") == user_id
            and "goal_request_approve" in str(c.params.get("blocks"))
        ),
    )
    return [m for m in workspace.slack.messages_in("D" + user_id) if m.get("blocks")][-1]


def click(workspace, user_id, request_id, action="goal_request_approve", on=None):
    """A click on Approve (or Reject) by `user_id` on a copy of the request's DM — `on`:
    (channel, message) of the one they hold, else their own DM channel; returns the
    ephemeral note they get."""
    told = len(workspace.told())
    channel, ts = (on[0], on[1]["ts"]) if on else ("D" + user_id, "1700000000.000100")
    response = workspace.client.block_action(
        action,
        value=str(request_id),
        user_id=user_id,
        channel_id=channel,
        message_ts=ts,
        container={"type": "message", "channel_id": channel, "message_ts": ts},
    )
    assert response.status == 200, response.text
    key = workspace.client.response_url.rsplit("/", 1)[-1]
    found = workspace.slack.wait_for("response_url", count=told + 1, where=lambda c: c.key == key)
    return found[told].params.get("text", "")


def waiting_for(workspace, user_id):
    """The ids of the requests a manager's App Home lists as waiting for their decision."""
    with workspace.app.paceline.db.read() as session:
        ws = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        person = people.by_slack_id(session, ws, user_id)
        managed = teams.managed_team_ids(session, ws, person.id)
        rows, _ = home_storage.pending_for_decider(session, ws, person.id, managed, False, 10)
    return [r.id for r in rows]


@pytest.fixture
def org(workspace):
    """Teams east (manager dana) and west (manager wes); maria and bo in east. Everyone has
    used Paceline once, so naming them needs no Slack look-up."""
    admin = workspace.user("ada", admin=True)
    dana, wes = workspace.user("dana"), workspace.user("wes")
    maria, bo = workspace.user("maria"), workspace.user("bo")
    for user in (admin, dana, wes, maria, bo):
        goal(workspace, user, "help")
    workspace.team(admin, f"create east manager {_m(workspace, dana)}")
    workspace.team(admin, f"create west manager {_m(workspace, wes)}")
    assert workspace.team(admin, f"add east {_m(workspace, maria)} {_m(workspace, bo)}").startswith(
        "Added"
    )
    return SimpleNamespace(admin=admin, dana=dana, wes=wes, maria=maria, bo=bo)


def move(workspace, org, user_id, to=None):
    """Move a rep out of east (and into team `to`), as an admin does with /team."""
    assert workspace.team(org.admin, f"remove east {_m(workspace, user_id)}").startswith("Removed")
    if to is not None:
        assert workspace.team(org.admin, f"add {to} {_m(workspace, user_id)}").startswith("Added")


# --- item 12: who decides follows the rep's team now ------------------------------------------------


def test_a_moved_reps_proposal_is_decided_by_the_new_teams_managers_not_the_old(workspace, org):
    goal(workspace, org.maria, "propose calls 70/week -- more leads now")
    [request] = workspace.rows(GoalRequest)
    east_copy = ("D" + org.dana, _request_dm(workspace, org.dana))
    assert (
        waiting_for(workspace, org.dana) == [request.id] and waiting_for(workspace, org.wes) == []
    )

    move(workspace, org, org.maria, to="west")
    # East's manager still holds the DM with buttons; clicking them changes nothing.
    before = state(workspace)
    refusal = (
        "maria has moved from team east to team west since proposing this, so only a manager of west or an "
        "admin can decide it now. Nothing was changed."
    )
    assert click(workspace, org.dana, request.id, on=east_copy) == refusal
    assert click(workspace, org.dana, request.id, "goal_request_reject", on=east_copy) == refusal
    assert state(workspace) == before
    # The request now waits on west's manager's Home, no longer on east's.
    assert waiting_for(workspace, org.dana) == [] and waiting_for(workspace, org.wes) == [
        request.id
    ]

    said = click(workspace, org.wes, request.id)
    [row] = workspace.rows(Goal)
    assert (row.person_id, row.target, row.origin, row.start) == (
        request.person_id,
        70,
        "proposal",
        date(2026, 11, 20),
    )
    assert said == f"✅ Approved by wes. Set #{row.id} calls 70/week for maria from Fri 20 Nov."
    [decided] = workspace.rows(GoalRequest)
    assert decided.status == "approved"
    # The copy east's manager holds shows the outcome, without buttons.
    update = workspace.slack.wait_for(
        "chat.update", where=lambda c: c.params.get("channel") == "D" + org.dana
    )[-1]
    assert "Approved by wes" in update.params["text"] and "goal_request_approve" not in str(
        update.params.get("blocks")
    )


def test_a_proposal_of_a_rep_who_left_every_team_is_for_the_admins(workspace, org):
    goal(workspace, org.maria, "propose calls 70/week")
    [request] = workspace.rows(GoalRequest)
    east_copy = ("D" + org.dana, _request_dm(workspace, org.dana))
    move(workspace, org, org.maria)
    before = state(workspace)
    assert click(workspace, org.dana, request.id, on=east_copy) == (
        "maria is no longer in team east, so only a workspace admin can decide this proposal now. Nothing was changed."
    )
    assert click(workspace, org.wes, request.id) == (
        "maria is no longer in team east, so only a workspace admin can decide this proposal now. Nothing was changed."
    )
    assert state(workspace) == before
    assert click(workspace, org.admin, request.id).startswith("✅ Approved by ada. Set #")
    assert [r.status for r in workspace.rows(GoalRequest)] == ["approved"]


def test_a_rep_who_joined_a_team_since_proposing_is_decided_by_its_managers(workspace, org):
    # bo proposes while in no team (the admins decide), then joins west: west's manager decides.
    move(workspace, org, org.bo)
    goal(workspace, org.bo, "propose demos 5/week")
    [request] = workspace.rows(GoalRequest)
    assert request.team_id is None
    assert workspace.team(org.admin, f"add west {_m(workspace, org.bo)}").startswith("Added")
    assert click(workspace, org.wes, request.id).startswith("✅ Approved by wes. Set #")


def test_a_moved_reps_proposal_that_lowers_follows_the_new_teams_approvals(workspace, org):
    # East has approvals off, west on: approved by west's manager, a lowering still waits for an admin.
    workspace.team(org.admin, "set west approvals on")
    goal(workspace, org.dana, f"set {_m(workspace, org.maria)} calls 60/week")
    goal(workspace, org.maria, "propose calls 40/week -- sick leave")
    proposal = workspace.rows(GoalRequest)[0]
    move(workspace, org, org.maria, to="west")
    said = click(workspace, org.wes, proposal.id)
    proposal, lower = workspace.rows(GoalRequest)
    assert (proposal.status, lower.kind, lower.status) == ("approved", "lower", "pending")
    assert f"now waits for an admin (request #{lower.id})" in said
    assert [g.target for g in workspace.rows(Goal)] == [60]
    # The lowering goes to the admins; west's manager, who asked for it by approving, may not approve it.
    _request_dm(workspace, org.admin)
    assert click(workspace, org.wes, lower.id) == (
        "You can't decide your own request — someone else approves it. Nothing was changed."
    )
    assert click(workspace, org.admin, lower.id).startswith("✅ Approved by ada. Set #")


# --- item 13: every path that ends or lowers a started goal --------------------------------------------


@pytest.fixture
def started(workspace, org):
    """East with approvals on and maria's calls 60/week in force since Mon 2 Nov; today is
    Fri 20 Nov."""
    workspace.team(org.admin, "set east approvals on")
    at(workspace, 2026, 11, 2)
    goal(workspace, org.dana, f"set {_m(workspace, org.maria)} calls 60/week")
    at(workspace, 2026, 11, 20)
    [org.goal] = workspace.rows(Goal)
    return org


def _asks_an_admin(workspace, org, reply, before):
    """The change became a pending request to the admins and changed no goal."""
    [request] = workspace.rows(GoalRequest)
    assert (request.kind, request.status) in (("lower", "pending"), ("remove", "pending")), reply
    assert "needs an admin's approval" in reply and f"(request #{request.id})" in reply, reply
    assert [(g.id, g.target, g.start, g.end, g.removed_at) for g in workspace.rows(Goal)] == before[
        1
    ]
    _request_dm(workspace, org.admin)
    return request


def test_set_to_today_on_a_started_goal_waits_for_an_admin(workspace, started):
    org = started
    before = state(workspace)
    reply = goal(
        workspace,
        org.dana,
        f"set {_m(workspace, org.maria)} calls 60/week to 2026-11-20 -- the territory closes",
    )
    request = _asks_an_admin(workspace, org, reply, before)
    assert (
        f"Lowering #{org.goal.id} calls 60/week for maria from Mon 2 Nov to calls 60/week until Fri 20 Nov"
        in reply
    )
    # Once approved, it ends: the old version yesterday, the new one today.
    click(workspace, org.admin, request.id)
    assert spans(workspace) == [
        ("individual", 60, date(2026, 11, 2), date(2026, 11, 19)),
        ("individual", 60, date(2026, 11, 20), date(2026, 11, 20)),
    ]


def test_set_to_a_later_day_with_from_on_a_started_goal_waits_for_an_admin(workspace, started):
    org = started
    before = state(workspace)
    reply = goal(
        workspace,
        org.dana,
        f"set {_m(workspace, org.maria)} calls 60/week from 2026-11-23 to 2026-11-29 -- last week in the territory",
    )
    _asks_an_admin(workspace, org, reply, before)


def test_the_modal_lowering_a_started_goal_waits_for_an_admin(workspace, started):
    org = started
    before = state(workspace)
    values = {
        "person": {"person": {"type": "users_select", "selected_user": org.maria}},
        "team": {"team": {"type": "static_select", "selected_option": None}},
        "metric": {
            "metric": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "calls"},
                    "value": "calls",
                },
            }
        },
        "target": {"target": {"type": "plain_text_input", "value": "45"}},
        "period": {
            "period": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "week"},
                    "value": "week",
                },
            }
        },
        "from": {"from": {"type": "datepicker", "selected_date": None}},
        "reason": {"reason": {"type": "plain_text_input", "value": "fewer leads"}},
    }
    response = workspace.client.view_submission(
        "goal_modal", values, user_id=org.dana, view_id="VLOWER"
    )
    assert response.status == 200, response.text
    assert (response.json() if response.body else {}) == {}
    [dm] = workspace.slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params.get("channel") == org.dana and "Lowering" in c.params.get("text", "")
        ),
    )
    _asks_an_admin(workspace, org, dm.params["text"], before)


def test_remove_of_a_started_goal_waits_for_an_admin(workspace, started):
    org = started
    before = state(workspace)
    reply = goal(workspace, org.dana, f"remove {org.goal.id} -- territory moved")
    request = _asks_an_admin(workspace, org, reply, before)
    assert request.kind == "remove"


def test_a_proposal_that_lowers_approved_by_the_manager_then_waits_for_an_admin(workspace, started):
    org = started
    goal(workspace, org.maria, "propose calls 40/week -- sick leave")
    [proposal] = workspace.rows(GoalRequest)
    before = [(g.id, g.target, g.start, g.end, g.removed_at) for g in workspace.rows(Goal)]
    said = click(workspace, org.dana, proposal.id)
    proposal, lower = workspace.rows(GoalRequest)
    assert (proposal.status, lower.kind, lower.status) == ("approved", "lower", "pending")
    assert f"now waits for an admin (request #{lower.id})" in said
    assert [(g.id, g.target, g.start, g.end, g.removed_at) for g in workspace.rows(Goal)] == before


def test_a_split_that_lowers_a_started_goal_is_refused_whole(workspace, started):
    org = started
    before = state(workspace)
    # bo's share would be a new goal, maria's lowers hers (60 → 50): nothing is written.
    reply = goal(workspace, org.dana, "split team:east calls 100/week by evenly -- new quota")
    assert reply.startswith(
        f"Lowering #{org.goal.id} calls 60/week for maria from Mon 2 Nov needs an admin's approval"
    )
    assert state(workspace) == before
    # An admin's split applies at once.
    assert goal(
        workspace, org.admin, "split team:east calls 100/week by evenly -- new quota"
    ).startswith("Split")
    assert sorted(
        g.target for g in workspace.rows(Goal) if g.removed_at is None and g.end is None
    ) == [50, 50]


def test_plan_apply_never_replaces_a_started_goal(workspace, started):
    org = started
    at(workspace, 2026, 11, 2)
    goal(workspace, org.dana, f"set {_m(workspace, org.maria)} calls 200/month")
    at(workspace, 2026, 11, 20)
    before = state(workspace)
    reply = goal(
        workspace,
        org.dana,
        f"plan 4000/month for {_m(workspace, org.maria)} deal 1000 win 50% demo 30% apply",
    )
    assert "Remove it first (with a reason)" in reply
    assert state(workspace) == before


@pytest.mark.parametrize(
    ("command", "asks"),
    [
        # Starts at the target in force but comes down.
        ("ramp {maria} calls 60 to 30 step -10 per week -- slower season", True),
        # Starts lower, whatever it reaches later.
        ("ramp {maria} calls 40 to 80 step 10 per week -- ramping back", True),
        # Never asks less: set at once.
        ("ramp {maria} calls 60 to 90 step 10 per week -- more leads", False),
    ],
)
def test_a_ramp_over_a_started_goal_waits_for_an_admin_when_it_asks_less(
    workspace, started, command, asks
):
    org = started
    before = state(workspace)
    reply = goal(workspace, org.dana, command.format(maria=_m(workspace, org.maria)))
    if asks:
        _asks_an_admin(workspace, org, reply, before)
        assert (
            "to calls 60 to 30 step -10/week" in reply or "to calls 40 to 80 step 10/week" in reply
        )
    else:
        assert reply.startswith("Set #"), reply
        assert workspace.rows(GoalRequest) == []


@pytest.mark.parametrize(
    ("command", "asks"),
    [
        # Maria's ramp is at 50 this week (30, 40, 50 … 90): 60 flat is more now, less from
        # the week it would have passed 60.
        ("set {maria} calls 60/week -- flat quota", True),
        ("set {maria} calls 90/week -- flat quota", False),
        # A faster ramp to the same top never asks less; one that stops at 80 does.
        ("ramp {maria} calls 50 to 90 step 20 per week -- faster", False),
        ("ramp {maria} calls 50 to 80 step 10 per week -- capped", True),
    ],
)
def test_a_change_over_a_started_ramp_is_lowering_when_it_asks_less_in_any_week(
    workspace, org, command, asks
):
    workspace.team(org.admin, "set east approvals on")
    at(workspace, 2026, 11, 2)
    goal(workspace, org.dana, f"ramp {_m(workspace, org.maria)} calls 30 to 90 step 10 per week")
    at(workspace, 2026, 11, 20)
    before = state(workspace)
    reply = goal(workspace, org.dana, command.format(maria=_m(workspace, org.maria)))
    if asks:
        _asks_an_admin(workspace, org, reply, before)
    else:
        assert reply.startswith("Set #"), reply
        assert workspace.rows(GoalRequest) == []


def test_an_admin_never_waits(workspace, started):
    org = started
    maria = _m(workspace, org.maria)
    assert goal(
        workspace, org.admin, f"ramp {maria} calls 60 to 30 step -10 per week -- slower season"
    ).startswith("Set #")
    assert goal(
        workspace, org.admin, f"set {maria} calls 30/week to 2026-11-27 -- wind down"
    ).startswith("Set #")
    assert workspace.rows(GoalRequest) == []
    events = [e.action for e in workspace.rows(AuditEvent) if e.subject_type == "goal"]
    assert events.count("goal.create") == 3
