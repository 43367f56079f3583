"""App Home end to end: the app_home_opened event publishes each person's view (a rep's
goals, team standing and last entries; a manager's approvals and teams), its buttons act
with the same permissions as the commands, and a change elsewhere refreshes it."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from bot.console.render import Names, render_blocks
from bot.render.app_home import MAX_HOME_BLOCKS
from bot.render.block_limits import check
from storage.models import AuditEvent, Goal, GoalRequest, Person


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


@pytest.fixture
def east(workspace):
    """Team east in New York (it is Fri 20 Nov, 10:00 there): manager dana, reps maria and bo.
    maria has 60 calls a week and has logged 40 of them (Mon–Thu); everyone owes 5 demos a
    week (all or nothing); a meetings contest runs this week."""
    admin = workspace.user("ada", admin=True)
    dana, maria, bo = workspace.user("dana"), workspace.user("maria"), workspace.user("bo")
    workspace.team(admin, f"create east manager {_m(workspace, dana)} tz America/New_York")
    workspace.team(admin, f"add east {_m(workspace, maria)} {_m(workspace, bo)}")
    workspace.reply("/goal", dana, f"set {_m(workspace, maria)} calls 60/week")
    workspace.reply("/goal", dana, 'each team:east demos 5/week reward "pizza"')
    workspace.reply("/goal", dana, 'contest meetings week team:east prize "golf"')
    for day in ("mon", "tue", "wed", "thu"):
        workspace.log(maria, f"calls 10 {day}")
    workspace.log(maria, "meetings 5 demos 5 thu -- Acme")
    workspace.log(bo, "meetings 9 demos 2")
    return SimpleNamespace(admin=admin, dana=dana, maria=maria, bo=bo)


# --- helpers ------------------------------------------------------------------------------------


def open_home(workspace, user_id, tab="home"):
    """Open the Home tab as Slack does; the view the app published for it."""
    before = len(_publishes(workspace, user_id))
    response = workspace.client.event(
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id,
            "tab": tab,
            "event_ts": "1.0",
        }
    )
    assert response.status == 200, response.text
    found = _publishes(workspace, user_id)
    return found[-1]["view"] if len(found) > before else None


def _publishes(workspace, user_id):
    return [
        c.params
        for c in workspace.slack.calls_to("views.publish")
        if c.params.get("user_id") == user_id
    ]


def latest_home(workspace, user_id, count=1):
    """The last view published for `user_id`, waiting (without sleeping) for at least
    `count` publishes: refreshes after a change run off the request thread."""
    workspace.slack.wait_for(
        "views.publish", count=count, where=lambda c: c.params.get("user_id") == user_id
    )
    return _publishes(workspace, user_id)[-1]["view"]


def lines(view):
    return render_blocks(view["blocks"], Names())


def text(view):
    return "\n".join(lines(view))


def click(workspace, user_id, action_id, value=""):
    response = workspace.client.block_action(
        action_id, value=value, user_id=user_id, view={"id": "VHOME" + user_id, "type": "home"}
    )
    assert response.status == 200, response.text
    return response


def buttons(view, action_id):
    found = []
    for block in view["blocks"]:
        elements = (
            block.get("elements", [])
            if block["type"] == "actions"
            else [block.get("accessory") or {}]
        )
        found += [e for e in elements if e.get("action_id") == action_id]
    return found


def add_members(workspace, admin, team, users):
    for start in range(0, len(users), 25):  # a command holds at most 1,000 characters
        reply = workspace.team(
            admin, f"add {team} " + " ".join(_m(workspace, u) for u in users[start : start + 25])
        )
        assert reply.startswith("Added"), reply


def state(workspace):
    return (
        workspace.snapshot(),
        len(workspace.rows(Goal)),
        [r.status for r in workspace.rows(GoalRequest)],
    )


# --- what each person sees ----------------------------------------------------------------------


def test_a_reps_home_shows_goals_with_pace_team_standing_and_last_entries(workspace, east):
    view = open_home(workspace, east.maria)
    assert view["type"] == "home"
    assert check(view["blocks"], max_blocks=MAX_HOME_BLOCKS) == []
    shown = lines(view)
    assert shown[:5] == [
        "Paceline — maria",
        "================",
        "[ Log activity ]  [ Propose a goal ]",
        "[ This week ▾ ]",
        "This week (week of Mon 16 Nov) · updated Fri 20 Nov 10:00",
    ]
    body = text(view)
    # Fri 10:00: Mon–Thu are done, so pace expects 48 of 60; one day is left.
    assert (
        "⚠️ *Calls* ▓▓▓▓▓▓░┃░░ 66% — 40 / 60 calls · 66% · behind (expected 48)\n"
        "      20 calls/day to hit it (1 day left) · forecast 50 calls"
    ) in body
    assert "🏆 *Demos* (team: everyone) ▓▓▓▓▓▓▓▓▓▓ 100% — 5 / 5 demos · 100% · hit" in body
    assert "*Team east*" in body
    assert (
        "🏁 *Meetings contest* (prize: golf): 1 bo 9 meetings · 2 maria 5 meetings · you rank 2 of 2 with 5 meetings"
        in body
    )
    assert (
        "👥 *Demos* — everyone 5 demos/week: 1 of 2 there · still missing: bo · reward: pizza"
        in body
    )
    entries = shown[shown.index("*Your last entries*") + 1 :][:5]
    assert entries == [
        "Thu 19 Nov · 5 demos — Acme   [ Undo ]",
        "Thu 19 Nov · 5 meetings — Acme   [ Undo ]",
        "Thu 19 Nov · 10 calls   [ Undo ]",
        "Wed 18 Nov · 10 calls   [ Undo ]",
        "Tue 17 Nov · 10 calls   [ Undo ]",
    ]
    live = {(e.metric, e.day.isoformat(), e.quantity): e.id for e in workspace.entries()}
    undo_values = [b["value"] for b in buttons(view, "home_undo_entry")]
    assert undo_values == [
        str(live[("demos", "2026-11-19", 5)]),
        str(live[("meetings", "2026-11-19", 5)]),
        str(live[("calls", "2026-11-19", 10)]),
        str(live[("calls", "2026-11-18", 10)]),
        str(live[("calls", "2026-11-17", 10)]),
    ]
    # A rep sees no manager buttons and no one else's numbers.
    assert buttons(view, "home_set_goal") == buttons(view, "home_export") == []
    assert "Everyone, worst first" not in body


def test_the_messages_tab_publishes_nothing(workspace, east):
    assert open_home(workspace, east.maria, tab="messages") is None
    assert _publishes(workspace, east.maria) == []


def test_a_managers_home_shows_the_team_worst_first_and_what_waits_for_them(workspace, east):
    workspace.reply("/goal", east.bo, "propose calls 70/week -- new territory")
    [request] = workspace.rows(GoalRequest)
    view = open_home(workspace, east.dana)
    assert check(view["blocks"], max_blocks=MAX_HOME_BLOCKS) == []
    shown = lines(view)
    assert shown[2] == "[ Log activity ]  [ Set a goal ]  [ Export CSV ]"
    body = text(view)
    assert "*Your goals" not in body  # dana manages and is on no team
    assert "*Waiting for your decision* (1)" in body
    assert (
        "*bo* proposes calls 70/week for bo from the day it is approved.\n> new territory" in body
    )
    assert f"Proposal · request #{request.id}" in body
    assert [b["value"] for b in buttons(view, "goal_request_approve")] == [str(request.id)]
    assert [b["value"] for b in buttons(view, "goal_request_reject")] == [str(request.id)]
    people = shown[shown.index("*Everyone, worst first* (2 with goals this week)") + 1 :][:2]
    # bo has 2 of the 4 demos pace expects by now (at risk); maria is behind on calls.
    assert people == [
        "🔴 *bo* — demos (everyone) ▓▓▓▓░░░┃░░ 40% at risk",
        "⚠️ *maria* — calls ▓▓▓▓▓▓░┃░░ 66% behind · demos (everyone) ▓▓▓▓▓▓▓▓▓▓ 100% hit",
    ]
    assert "*Team east* — 2 members · 2 behind or at risk" in body
    assert "⚠️ Behind or at risk: bo, maria" in body
    assert "🏁 *Meetings contest* (prize: golf): 1 bo 9 meetings · 2 maria 5 meetings" in body


def test_an_admin_who_manages_nothing_sees_every_team(workspace, east):
    workspace.team(east.admin, "create west")
    view = open_home(workspace, east.admin)
    body = text(view)
    assert "*All teams* (you are an admin)" in body
    assert "*Team east* — 2 members · 2 behind or at risk" in body
    assert "*Team west* — 0 members · 0 behind or at risk" in body
    assert "*Your goals" not in body


# --- Undo -----------------------------------------------------------------------------------------


def test_undo_from_home_removes_exactly_that_entry_and_republishes(workspace, east):
    view = open_home(workspace, east.maria)
    wed = next(
        e for e in workspace.entries() if e.metric == "calls" and e.day.isoformat() == "2026-11-18"
    )
    assert str(wed.id) in [b["value"] for b in buttons(view, "home_undo_entry")]
    before = {e.id for e in workspace.entries()}
    click(workspace, east.maria, "home_undo_entry", str(wed.id))
    assert before - {e.id for e in workspace.entries()} == {wed.id}
    [gone] = [e for e in workspace.entries(live_only=False) if e.id == wed.id]
    assert gone.deleted_at is not None and gone.deleted_by_id is not None
    [event] = [e for e in workspace.rows(AuditEvent) if e.action == "entries.undo"]
    assert (event.subject_type, event.subject_id) == ("entry", wed.id)
    body = text(latest_home(workspace, east.maria))
    assert "↩️ Undid Wed 18 Nov · 10 calls." in body
    assert "30 / 60 calls · 50% · at risk (expected 48)" in body
    assert "Wed 18 Nov · 10 calls" not in body.split("*Your last entries*")[1]
    assert "Mon 16 Nov · 10 calls   [ Undo ]" in body  # the next one moved up

    # A double click: nothing more changes, and the Home says so.
    snapshot = workspace.snapshot()
    click(workspace, east.maria, "home_undo_entry", str(wed.id))
    assert workspace.snapshot() == snapshot
    assert "Already undone: Wed 18 Nov · 10 calls — nothing changed." in text(
        latest_home(workspace, east.maria)
    )


def test_a_rep_cannot_undo_someone_elses_entry(workspace, east):
    open_home(workspace, east.bo)
    marias = next(e for e in workspace.entries() if e.metric == "calls")
    snapshot = workspace.snapshot()
    click(workspace, east.bo, "home_undo_entry", str(marias.id))
    click(workspace, east.bo, "home_undo_entry", "not-a-number")
    click(workspace, east.bo, "home_undo_entry", "999999999")
    assert workspace.snapshot() == snapshot
    notices = [lines(p["view"])[2] for p in _publishes(workspace, east.bo)[-3:]]
    assert notices == [
        "⛔ You can only undo entries you logged yourself — nothing changed.",
        "⛔ That button is not an entry any more — nothing changed.",
        "⛔ That entry is unknown here — nothing changed.",
    ]


def test_a_manager_cannot_undo_a_reps_own_entry_but_can_undo_what_they_logged_for_them(
    workspace, east
):
    workspace.log(east.dana, f"{_m(workspace, east.bo)} calls 7")
    view = open_home(workspace, east.dana)
    [mine] = [e for e in workspace.entries() if e.quantity == 7]
    assert (
        lines(view)[lines(view).index("*Your last entries*") + 1]
        == "Fri 20 Nov · 7 calls for bo   [ Undo ]"
    )
    bos_own = next(e for e in workspace.entries() if e.metric == "meetings" and e.quantity == 9)
    snapshot = workspace.snapshot()
    click(workspace, east.dana, "home_undo_entry", str(bos_own.id))
    assert workspace.snapshot() == snapshot
    click(workspace, east.dana, "home_undo_entry", str(mine.id))
    assert mine.id not in {e.id for e in workspace.entries()}
    assert "↩️ Undid Fri 20 Nov · 7 calls for bo." in text(latest_home(workspace, east.dana))


# --- Log, Propose, Set a goal, Export -------------------------------------------------------------------


def test_the_log_button_opens_the_log_modal_and_its_submission_refreshes_home(workspace, east):
    open_home(workspace, east.maria)
    workspace.slack.clear()
    click(workspace, east.maria, "home_log")
    [opened] = workspace.slack.calls_to("views.open")
    assert opened.params["trigger_id"]
    assert opened.params["view"]["callback_id"] == "log_modal"
    day = next(b for b in opened.params["view"]["blocks"] if b["block_id"] == "day")
    assert day["element"]["initial_date"] == "2026-11-20"
    response = workspace.client.view_submission(
        "log_modal",
        {"metric:calls": {"amount": {"type": "plain_text_input", "value": "8"}}},
        user_id=east.maria,
        view_id="VLOGHOME1",
    )
    assert response.status == 200
    assert sum(e.quantity for e in workspace.entries() if e.metric == "calls") == 48
    body = text(latest_home(workspace, east.maria))
    assert "48 / 60 calls · 80% · on pace (expected 48)" in body
    assert "Fri 20 Nov · 8 calls   [ Undo ]" in body


def test_the_propose_button_opens_a_form_that_proposes_once(workspace, east):
    open_home(workspace, east.bo)
    workspace.slack.clear()
    click(workspace, east.bo, "home_propose_goal")
    [opened] = workspace.slack.calls_to("views.open")
    form = opened.params["view"]
    assert form["callback_id"] == "home_propose_modal"
    assert [b["block_id"] for b in form["blocks"]] == ["metric", "target", "period", "reason"]
    values = {
        "metric": {"metric": {"type": "static_select", "selected_option": {"value": "calls"}}},
        "target": {"target": {"type": "plain_text_input", "value": "70"}},
        "period": {"period": {"type": "static_select", "selected_option": {"value": "week"}}},
        "reason": {"reason": {"type": "plain_text_input", "value": "new territory"}},
    }
    for _ in range(2):  # Slack may deliver a submission twice
        assert (
            workspace.client.view_submission(
                "home_propose_modal", values, user_id=east.bo, view_id="VPROP1"
            ).status
            == 200
        )
    [request] = workspace.rows(GoalRequest)
    assert (request.kind, request.status, request.reason) == (
        "proposal",
        "pending",
        "new territory",
    )
    [dm] = workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == east.bo
    )
    assert dm.params["text"] == (
        f"Proposed calls 70/week from the day it is approved (request #{request.id}). Sent to dana to approve — "
        "you'll get a DM when they decide."
    )
    workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == east.dana
    )
    bad = dict(values, target={"target": {"type": "plain_text_input", "value": "-3"}})
    answer = workspace.client.view_submission(
        "home_propose_modal", bad, user_id=east.bo, view_id="VPROP2"
    ).json()
    assert answer["response_action"] == "errors" and "above 0" in answer["errors"]["target"]


def test_set_a_goal_opens_the_goal_modal_for_managers_only(workspace, east):
    workspace.team(east.admin, "create west")
    workspace.slack.clear()
    click(workspace, east.dana, "home_set_goal")
    [opened] = workspace.slack.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == "goal_modal"
    team = next(b for b in opened.params["view"]["blocks"] if b["block_id"] == "team")
    assert [o["text"]["text"] for o in team["element"]["options"]] == ["east"]  # not west
    click(workspace, east.maria, "home_set_goal")
    assert len(workspace.slack.calls_to("views.open")) == 1
    assert lines(latest_home(workspace, east.maria))[2] == (
        "⛔ Managers set goals — *Propose a goal* and your manager approves it."
    )


def _export_rows(workspace, user_id):
    workspace.slack.clear()
    click(workspace, user_id, "home_export")
    [done] = workspace.slack.wait_for("files.completeUploadExternal", timeout=10)
    assert done.params["channel_id"] == "D" + user_id
    [upload] = workspace.slack.calls_to("files.upload_url")
    return list(csv.DictReader(io.StringIO(upload.body.decode("utf-8").lstrip("\ufeff"))))


def test_export_sends_the_managers_teams_only_and_a_rep_only_their_own_rows(workspace, east):
    zed = workspace.user("zed")
    workspace.team(east.admin, f"create west {_m(workspace, zed)}")
    workspace.team(east.admin, f"add west {_m(workspace, zed)}")
    workspace.log(zed, "calls 3")
    assert {r["Person"] for r in _export_rows(workspace, east.dana)} == {"maria", "bo"}
    assert {r["Person"] for r in _export_rows(workspace, east.bo)} == {"bo"}
    assert "📎 This month's CSV is in your DM from Paceline." in text(
        latest_home(workspace, east.bo)
    )


def test_a_double_click_on_export_sends_one_file(workspace, east):
    workspace.slack.clear()
    click(workspace, east.dana, "home_export")
    click(workspace, east.dana, "home_export")
    workspace.slack.wait_for("files.completeUploadExternal", timeout=10)
    notices = {
        "📎 This month's CSV is in your DM from Paceline.",
        "📎 Your export is already on its way to your DM.",
    }
    workspace.slack.wait_for(
        "views.publish",
        count=2,
        where=lambda c: (
            c.params.get("user_id") == east.dana and lines(c.params["view"])[2] in notices
        ),
    )
    assert len(workspace.slack.calls_to("files.completeUploadExternal")) == 1
    assert sorted(lines(p["view"])[2] for p in _publishes(workspace, east.dana)) == sorted(notices)


# --- approvals from Home ---------------------------------------------------------------------------------


def _proposal(workspace, east):
    workspace.reply("/goal", east.bo, "propose calls 70/week")
    [request] = workspace.rows(GoalRequest)
    [dm] = workspace.slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params.get("channel") == east.dana
            and "goal_request_approve" in str(c.params.get("blocks"))
        ),
    )
    return request, dm


def test_approving_from_home_sets_the_goal_updates_the_dms_and_refreshes_home(workspace, east):
    request, _ = _proposal(workspace, east)
    view = open_home(workspace, east.dana)
    assert "*Waiting for your decision* (1)" in text(view)
    click(workspace, east.dana, "goal_request_approve", str(request.id))
    assert workspace.rows(GoalRequest)[0].status == "approved"
    assert [
        (g.metric, g.target, g.origin)
        for g in workspace.rows(Goal)
        if g.person_id == request.person_id
    ] == [("calls", 70, "proposal")]
    [update] = [
        c
        for c in workspace.slack.calls_to("chat.update")
        if c.params.get("channel") == "D" + east.dana
    ]
    assert "✅ Approved by dana." in update.params["text"]
    workspace.slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params.get("channel") == east.bo
            and "was approved by dana" in c.params.get("text", "")
        ),
    )
    body = text(latest_home(workspace, east.dana))
    assert "Waiting for your decision" not in body
    # bo's new goal applies from the day of the decision (today), with nothing logged.
    assert "calls ░░░░░░░░░░ 0% not started" in body


def test_a_second_click_from_home_changes_nothing(workspace, east):
    request, _ = _proposal(workspace, east)
    click(workspace, east.dana, "goal_request_approve", str(request.id))
    before = state(workspace)
    click(workspace, east.dana, "goal_request_reject", str(request.id))
    assert state(workspace) == before
    assert (
        lines(latest_home(workspace, east.dana))[2]
        == f"Request #{request.id} was already approved by dana — nothing changed."
    )


def test_a_rep_cannot_approve_from_home(workspace, east):
    request, _ = _proposal(workspace, east)
    before = state(workspace)
    click(workspace, east.maria, "goal_request_approve", str(request.id))
    click(workspace, east.bo, "goal_request_approve", str(request.id))
    assert state(workspace) == before and workspace.rows(GoalRequest)[0].status == "pending"
    assert lines(latest_home(workspace, east.maria))[2] == (
        "Only a manager of the rep's team or an admin can decide this proposal. Nothing was changed."
    )
    assert lines(latest_home(workspace, east.bo))[2] == (
        "You can't decide your own request — someone else approves it. Nothing was changed."
    )
    assert [
        c
        for c in workspace.slack.calls_to("chat.update")
        if c.params.get("channel") == "D" + east.dana
    ] == []


def test_a_manager_cannot_decide_for_another_team(workspace, east):
    wes, zed = workspace.user("wes"), workspace.user("zed")
    workspace.team(east.admin, f"create west manager {_m(workspace, wes)}")
    workspace.team(east.admin, f"add west {_m(workspace, zed)}")
    workspace.reply("/goal", zed, "propose calls 50/week")
    [request] = workspace.rows(GoalRequest)
    assert "Waiting for your decision" not in text(open_home(workspace, east.dana))
    before = state(workspace)
    click(workspace, east.dana, "goal_request_approve", str(request.id))
    assert state(workspace) == before
    assert (
        "Only a manager of the rep's team or an admin"
        in lines(latest_home(workspace, east.dana))[2]
    )
    assert "*Team west*" not in text(latest_home(workspace, east.dana))


# --- refreshes after changes elsewhere --------------------------------------------------------------------


def test_home_is_refreshed_after_log_undo_and_fix(workspace, east):
    open_home(workspace, east.maria)
    workspace.log(east.maria, "calls 5")
    assert "45 / 60 calls · 75% · on pace (expected 48)" in text(
        latest_home(workspace, east.maria, count=2)
    )
    workspace.log(east.maria, "undo")
    assert "40 / 60 calls · 66% · behind (expected 48)" in text(
        latest_home(workspace, east.maria, count=3)
    )
    workspace.log(east.maria, "fix calls 20 thu")
    body = text(latest_home(workspace, east.maria, count=4))
    assert "50 / 60 calls · 83% · on pace (expected 48)" in body
    assert "Thu 19 Nov · calls fixed (10 → 20)   [ Undo ]" in body


def test_a_goal_set_for_someone_refreshes_their_home(workspace, east):
    open_home(workspace, east.bo)
    workspace.reply("/goal", east.dana, f"set {_m(workspace, east.bo)} calls 30/week")
    body = text(latest_home(workspace, east.bo, count=2))
    assert "*Calls* ░░░░░░░┃░░ 0% — 0 / 30 calls · 0% · at risk (expected 24)" in body


def test_a_decision_in_the_dm_refreshes_the_deciders_and_the_requesters_home(workspace, east):
    request, _ = _proposal(workspace, east)
    assert "*Waiting for your decision* (1)" in text(open_home(workspace, east.dana))
    open_home(workspace, east.bo)
    message = [m for m in workspace.slack.messages_in("D" + east.dana) if m.get("blocks")][-1]
    response = workspace.client.block_action(
        "goal_request_approve",
        value=str(request.id),
        user_id=east.dana,
        channel_id="D" + east.dana,
        message_ts=message["ts"],
        container={"type": "message", "channel_id": "D" + east.dana, "message_ts": message["ts"]},
    )
    assert response.status == 200
    assert "Waiting for your decision" not in text(latest_home(workspace, east.dana, count=2))
    # The approved goal applies from today, the day of the decision: one day of 70/week.
    assert "*Calls* ░░░░░░░░░░ 0% — 0 / 14 calls · 0% · not started" in text(
        latest_home(workspace, east.bo, count=2)
    )


def test_people_who_never_opened_home_are_not_published_to(workspace, east):
    workspace.log(east.maria, "calls 5")
    workspace.reply("/goal", east.dana, f"set {_m(workspace, east.bo)} calls 30/week")
    assert _publishes(workspace, east.maria) == _publishes(workspace, east.bo) == []


# --- any team size: within 100 blocks ---------------------------------------------------------------------


def test_a_manager_of_200_reps_gets_a_summarised_home_within_100_blocks(workspace):
    admin = workspace.user("ada", admin=True)
    boss = workspace.user("boss")
    reps = [workspace.user(f"rep{i:03d}") for i in range(200)]
    workspace.team(admin, f"create big manager {_m(workspace, boss)}")
    add_members(workspace, admin, "big", reps)
    workspace.reply("/goal", boss, "each team:big calls 20/week")
    workspace.log(reps[0], "calls 30")
    view = open_home(workspace, boss)
    assert check(view["blocks"], max_blocks=MAX_HOME_BLOCKS) == []
    body = text(view)
    assert "*Team big* — 200 members · 199 behind or at risk" in body
    assert "…and 180 more: `/progress team:big`" in body
    assert "⚠️ Behind or at risk: rep001, rep002" in body and "…and 189 more" in body
    # A rep of that team sees the team's all-or-nothing status without everyone's names.
    rep_view = open_home(workspace, reps[0])
    assert check(rep_view["blocks"], max_blocks=MAX_HOME_BLOCKS) == []
    assert "👥 *Calls* — everyone 20 calls/week: 1 of 200 there · still missing: rep001" in text(
        rep_view
    )


def test_a_manager_of_three_teams_sees_each_within_100_blocks(workspace):
    admin = workspace.user("ada", admin=True)
    boss = workspace.user("boss")
    for name in ("north", "south", "central"):
        members = [workspace.user(f"{name}{i}") for i in range(30)]
        workspace.team(admin, f"create {name} manager {_m(workspace, boss)}")
        add_members(workspace, admin, name, members)
        workspace.reply("/goal", boss, f"each team:{name} demos 3/week")
        workspace.reply("/goal", boss, f"set team:{name} revenue 50k/month")
    view = open_home(workspace, boss)
    assert (
        len(view["blocks"]) <= MAX_HOME_BLOCKS
        and check(view["blocks"], max_blocks=MAX_HOME_BLOCKS) == []
    )
    body = text(view)
    for name in ("central", "north", "south"):
        assert f"*Team {name}* — 30 members · 30 behind or at risk" in body
        assert f"…and 10 more: `/progress team:{name}`" in body
    assert body.index("*Team central*") < body.index("*Team north*") < body.index("*Team south*")
    assert "*Revenue (team total)*" in body


def test_a_homes_statements_do_not_grow_with_team_size(workspace):
    """A fixed number of SQL statements whatever the team's size (the reports' property)."""
    from bench.harness import counting_statements
    from bot.services.app_home import load_home

    admin = workspace.user("ada", admin=True)
    paceline = workspace.app.paceline
    counts = {}
    for name, size in (("small", 3), ("large", 30)):
        boss = workspace.user(f"{name}-boss")
        reps = [workspace.user(f"{name}{i:02d}") for i in range(size)]
        workspace.team(admin, f"create {name} manager {_m(workspace, boss)}")
        add_members(workspace, admin, name, reps)
        workspace.reply("/goal", boss, f"each team:{name} demos 3/week")
        workspace.reply("/goal", boss, f"contest meetings week team:{name}")
        for rep in reps:
            workspace.reply("/goal", boss, f"set {_m(workspace, rep)} calls 60/week")
            workspace.log(rep, "calls 5 meetings 1")
        for who in (boss, reps[0]):
            caller = paceline.services.directory.caller(
                paceline.bolt.client, workspace.team_id, who
            )
            load_home(paceline.services, caller)  # warm the caches
            with counting_statements(paceline.db) as log:
                load_home(paceline.services, caller)
            counts[(name, who == boss)] = log.count
    assert counts[("small", True)] == counts[("large", True)]
    assert counts[("small", False)] == counts[("large", False)]


# --- the period picker ------------------------------------------------------------------------------------


def choose_period(workspace, user_id, value, selected=True):
    """Pick a period in the Home's select, as Slack sends it (static_select, selected_option)."""
    action = {"type": "static_select", "action_id": "home_period", "block_id": "home_period"}
    if selected:
        action["selected_option"] = {
            "text": {"type": "plain_text", "text": str(value)},
            "value": value,
        }
    response = workspace.client.block_action(
        "home_period",
        user_id=user_id,
        view={"id": "VHOME" + user_id, "type": "home"},
        block_id="home_period",
        action=action,
    )
    assert response.status == 200, response.text
    return response


def picker(view):
    [select] = buttons(view, "home_period")
    assert select["type"] == "static_select"
    return select


def stored_periods(workspace):
    return {p.slack_user_id: p.home_period for p in workspace.rows(Person)}


def test_the_period_picker_offers_week_month_quarter_and_year(workspace, east):
    select = picker(open_home(workspace, east.maria))
    assert [(o["value"], o["text"]["text"]) for o in select["options"]] == [
        ("week", "This week"), ("month", "This month"), ("quarter", "This quarter"), ("year", "This year"),
    ]  # fmt: skip
    assert select["initial_option"]["value"] == "week"


def test_choosing_quarter_shows_the_quarter_and_is_remembered(workspace, east):
    workspace.log(east.maria, "calls 7 2026-10-30")  # in the quarter, not in this week or month
    week = text(open_home(workspace, east.maria))
    assert "This week: 40 calls · 5 meetings · 5 demos" in week
    choose_period(workspace, east.maria, "quarter")
    view = latest_home(workspace, east.maria, count=2)
    assert picker(view)["initial_option"]["value"] == "quarter"
    shown = lines(view)
    assert shown[4] == "This quarter (2026-Q4) · updated Fri 20 Nov 10:00"
    body = text(view)
    assert (
        "*Your goals — this quarter* (2026-Q4)\nThis quarter: 47 calls · 5 meetings · 5 demos"
        in body
    )
    assert "47 / " in body  # maria's weekly calls goal, seen over the quarter
    assert stored_periods(workspace)[east.maria] == "quarter"
    # Opening Home again (another day, another instance) keeps the quarter.
    again = open_home(workspace, east.maria)
    assert picker(again)["initial_option"]["value"] == "quarter"
    assert "This quarter: 47 calls · 5 meetings · 5 demos" in text(again)
    # Someone else's Home is unaffected.
    assert picker(open_home(workspace, east.bo))["initial_option"]["value"] == "week"
    assert stored_periods(workspace)[east.bo] is None


def test_a_managers_teams_follow_the_chosen_period(workspace, east):
    workspace.log(east.bo, "calls 3 2026-11-02")  # this month, not this week
    week = text(open_home(workspace, east.dana))
    assert "*Everyone, worst first* (2 with goals this week)" in week
    choose_period(workspace, east.dana, "month")
    view = latest_home(workspace, east.dana, count=2)
    assert picker(view)["initial_option"]["value"] == "month"
    assert lines(view)[4] == "This month (Nov 2026) · updated Fri 20 Nov 10:00"
    body = text(view)
    assert "*Everyone, worst first* (2 with goals this month)" in body
    # maria's 60 calls a week since Mon 16 Nov owe 132 this month (11 working days): 40 is 30%.
    assert "⚠️ *maria* — calls ▓▓▓┃░░░░░░ 30% behind" in body
    assert "66% behind" in week and "66% behind" not in body
    assert stored_periods(workspace)[east.dana] == "month"


def test_an_unknown_period_changes_nothing(workspace, east):
    choose_period(workspace, east.maria, "quarter")
    latest_home(workspace, east.maria)
    before = stored_periods(workspace), workspace.snapshot()
    for bad in ("fortnight", "day", "", "QUARTER; drop table person"):
        choose_period(workspace, east.maria, bad)
    choose_period(workspace, east.maria, None, selected=False)
    assert (stored_periods(workspace), workspace.snapshot()) == before
    published = latest_home(workspace, east.maria, count=6)
    assert len(_publishes(workspace, east.maria)) == 6  # each click re-published the Home
    assert picker(published)["initial_option"]["value"] == "quarter"
    assert lines(published)[4].startswith("This quarter (2026-Q4)")


def test_a_period_choice_only_changes_the_clickers_own_home(workspace, east):
    choose_period(workspace, east.dana, "year")
    latest_home(workspace, east.dana)
    periods = stored_periods(workspace)
    assert periods[east.dana] == "year"
    assert periods[east.maria] is periods[east.bo] is periods[east.admin] is None
    assert _publishes(workspace, east.maria) == _publishes(workspace, east.bo) == []
    assert picker(open_home(workspace, east.maria))["initial_option"]["value"] == "week"


def test_the_home_period_column_exists_after_the_migrations(running_app):
    """The app's database was upgraded to head at start (SQLite and PostgreSQL), through
    0006, which adds the nullable person.home_period."""
    import sqlalchemy as sa
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    engine = running_app.paceline.db.engine
    with engine.connect() as conn:
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns("person")}
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert columns["home_period"]["nullable"] is True
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert version == script.get_current_head()
    assert script.get_revision("0006").down_revision == "0005"
    assert "0006" in {r.revision for r in script.iterate_revisions(version, "base")}


# --- refreshes after plans, splits and removals -------------------------------------------------------------


def test_goal_plan_apply_refreshes_the_owners_home(workspace, east):
    assert "*Deals*" not in text(open_home(workspace, east.bo))
    reply = workspace.reply(
        "/goal",
        east.dana,
        f"plan 4000/month for {_m(workspace, east.bo)} deal 1000 win 50% demo 30% apply",
    )
    assert "Set #" in reply
    body = text(latest_home(workspace, east.bo, count=2))
    assert "*Deals*" in body and "*Calls*" in body


def test_goal_split_refreshes_each_members_home(workspace, east):
    open_home(workspace, east.bo)
    open_home(workspace, east.maria)
    reply = workspace.reply(
        "/goal", east.dana, "split team:east calls 100/week by evenly -- new split"
    )
    assert reply.startswith("Split 100 calls"), reply
    assert "0 / 50 calls" in text(latest_home(workspace, east.bo, count=2))
    # maria's 60/week stays on Mon–Thu (4 × 12); her 50/week share starts today (10).
    assert "40 / 58 calls" in text(latest_home(workspace, east.maria, count=2))


def test_goal_remove_refreshes_the_owners_home(workspace, east):
    assert "40 / 60 calls" in text(open_home(workspace, east.maria))
    [goal] = [g for g in workspace.rows(Goal) if g.metric == "calls" and g.kind == "individual"]
    assert workspace.reply("/goal", east.dana, f"remove {goal.id} -- duplicate").startswith(
        f"Removed #{goal.id}"
    )
    body = text(latest_home(workspace, east.maria, count=2))
    assert "40 / 60 calls" not in body
    assert "This week: 40 calls" in body  # the figures stay
