"""Goal versions end to end: a change ends the version in force the day before the new one
starts, days that have ended keep their version, approvals take effect when decided, only
an admin may reach back with `from`, and `/goal history` lists the versions.

The clock moves between steps: `at(workspace, 2026, 11, 2)` is 10:00 in New York that day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from storage.models import AuditEvent, Goal, GoalRequest


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def goal(workspace, user_id, text=""):
    return workspace.reply("/goal", user_id, text)


def at(workspace, year, month, day):
    workspace.app.clock.set(datetime(year, month, day, 15, 0, tzinfo=UTC))


def state(workspace):
    return workspace.snapshot(), len(workspace.rows(Goal)), len(workspace.rows(GoalRequest))


def spans(workspace, **match):
    """(target, start, end, removed) of the goal rows matching `match`, oldest first."""
    return [
        (g.target, g.start, g.end, g.removed_at is not None)
        for g in workspace.rows(Goal)
        if all(getattr(g, k) == v for k, v in match.items())
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


def _approve(workspace, request_id, user_id):
    message = _request_dm(workspace, user_id)
    response = workspace.client.block_action(
        "goal_request_approve",
        value=str(request_id),
        user_id=user_id,
        channel_id="D" + user_id,
        message_ts=message["ts"],
        container={"type": "message", "channel_id": "D" + user_id, "message_ts": message["ts"]},
    )
    assert response.status == 200, response.text


def _ephemerals(workspace):
    key = workspace.client.response_url.rsplit("/", 1)[-1]
    return [
        c.params.get("text", "") for c in workspace.slack.calls_to("response_url") if c.key == key
    ]


def _update_text(workspace, user_id):
    [update] = [
        c
        for c in workspace.slack.calls_to("chat.update")
        if c.params.get("channel") == "D" + user_id
    ]
    return update.params["text"]


def _dm_to(workspace, user_id, containing):
    [dm] = workspace.slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params.get("channel") == user_id and containing in c.params.get("text", "")
        ),
    )
    return dm.params["text"]


# --- replacing ------------------------------------------------------------------------------------


def test_replacing_a_goal_in_force_without_from_starts_today_and_keeps_the_ended_days(
    workspace, east
):
    maria = _m(workspace, east.maria)
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    at(workspace, 2026, 11, 20)
    reply = goal(workspace, east.dana, f"set {maria} calls 70/week -- more leads")
    old, new = workspace.rows(Goal)
    assert reply == (
        f"Set #{new.id} calls 70/week for maria from Fri 20 Nov (replaces #{old.id} calls 60/week, in force since Mon 2 Nov)."
    )
    # Not the start of the week (Mon 16 Nov): Mon–Thu have ended under 60/week and keep it.
    assert spans(workspace) == [
        (60, date(2026, 11, 2), date(2026, 11, 19), False),
        (70, date(2026, 11, 20), None, False),
    ]
    ended = [e for e in workspace.rows(AuditEvent) if e.action == "goal.end"]
    assert [(e.subject_id, e.reason, json.loads(e.after)["replaced_by"]) for e in ended] == [
        (old.id, "more leads", new.id)
    ]


def test_a_first_goal_still_starts_with_the_current_period(workspace, east):
    """Nothing of that goal was in force: the documented default, the start of the period."""
    reply = goal(workspace, east.dana, f"set {_m(workspace, east.maria)} demos 5/week")
    [row] = workspace.rows(Goal)
    assert (row.start, row.end) == (date(2026, 11, 16), None)
    assert reply == f"Set #{row.id} demos 5/week for maria from Mon 16 Nov."


def test_a_goal_set_after_one_that_ended_this_period_starts_the_day_after_it(workspace, east):
    maria = _m(workspace, east.maria)
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week to 2026-11-17")
    at(workspace, 2026, 11, 20)
    reply = goal(workspace, east.dana, f"set {maria} calls 50/week")
    assert spans(workspace) == [
        (60, date(2026, 11, 2), date(2026, 11, 17), False),
        (50, date(2026, 11, 18), None, False),
    ]
    assert "from Wed 18 Nov." in reply


def test_today_is_the_owners_local_date(workspace, east):
    kai = workspace.user("kai", tz="Asia/Tokyo")  # Fri 20 Nov 15:00 UTC is Sat 21 Nov in Tokyo
    workspace.team(east.admin, f"add east {_m(workspace, kai)}")
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {_m(workspace, kai)} calls 60/week")
    at(workspace, 2026, 11, 20)
    goal(workspace, east.dana, f"set {_m(workspace, kai)} calls 70/week -- more leads")
    assert spans(workspace) == [
        (60, date(2026, 11, 2), date(2026, 11, 20), False),
        (70, date(2026, 11, 21), None, False),
    ]


def test_to_date_on_a_started_goal_keeps_its_past(workspace, east):
    maria = _m(workspace, east.maria)
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    at(workspace, 2026, 11, 20)
    reply = goal(
        workspace, east.dana, f"set {maria} calls 60/week to 2026-12-31 -- the territory closes"
    )
    assert spans(workspace) == [
        (60, date(2026, 11, 2), date(2026, 11, 19), False),
        (60, date(2026, 11, 20), date(2026, 12, 31), False),
    ]
    assert "from Fri 20 Nov to Thu 31 Dec (replaces" in reply


def test_ending_a_started_goal_sooner_waits_for_an_admin_like_lowering_it(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    at(workspace, 2026, 11, 20)
    before = len(workspace.rows(Goal))
    reply = goal(
        workspace, east.dana, f"set {maria} calls 60/week to 2026-12-31 -- the territory closes"
    )
    [request] = workspace.rows(GoalRequest)
    assert (request.kind, request.status) == ("lower", "pending")
    assert "to calls 60/week until Thu 31 Dec needs an admin's approval" in reply
    assert len(workspace.rows(Goal)) == before


# --- removing -------------------------------------------------------------------------------------


def test_removing_a_started_goal_ends_it_yesterday_and_keeps_its_past(workspace, east):
    maria = _m(workspace, east.maria)
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    [row] = workspace.rows(Goal)
    at(workspace, 2026, 11, 20)
    reply = goal(workspace, east.dana, f"remove {row.id} -- territory moved")
    assert reply == (
        f"Removed #{row.id} calls 60/week for maria as of Fri 20 Nov: it was in force Mon 2 Nov – Thu 19 Nov, "
        "and those days keep it."
    )
    assert spans(workspace) == [(60, date(2026, 11, 2), date(2026, 11, 19), False)]
    event = workspace.rows(AuditEvent)[-1]
    assert (event.action, event.reason, json.loads(event.after)["removal"]) == (
        "goal.end",
        "territory moved",
        True,
    )
    # It has ended: there is nothing left to remove, and nothing changes.
    before = state(workspace)
    assert goal(workspace, east.dana, f"remove {row.id} -- again").startswith(
        f"#{row.id} calls 60/week for maria from Mon 2 Nov to Thu 19 Nov has ended."
    )
    assert state(workspace) == before
    assert f"#{row.id}" not in goal(workspace, east.dana, f"list {maria}")


def test_a_goal_that_starts_today_or_later_is_removed(workspace, east):
    maria = _m(workspace, east.maria)
    goal(workspace, east.dana, f"set {maria} calls 60/week from 2026-11-20")
    goal(workspace, east.dana, f"set {maria} demos 5/week from 2026-12-07")
    today, later = workspace.rows(Goal)
    assert (
        goal(workspace, east.dana, f"remove {today.id} -- typo")
        == f"Removed #{today.id} calls 60/week for maria from Fri 20 Nov."
    )
    assert goal(workspace, east.dana, f"remove {later.id}").startswith(f"Removed #{later.id}")
    assert all(g.removed_at is not None and g.end is None for g in workspace.rows(Goal))


def test_an_approved_removal_ends_the_goal_the_day_before_the_decision(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    [row] = workspace.rows(Goal)
    at(workspace, 2026, 11, 20)
    goal(workspace, east.dana, f"remove {row.id} -- territory moved")
    [request] = workspace.rows(GoalRequest)
    assert spans(workspace) == [
        (60, date(2026, 11, 2), None, False)
    ]  # nothing changes until approved
    at(workspace, 2026, 11, 24)
    _approve(workspace, request.id, east.admin)
    assert spans(workspace) == [(60, date(2026, 11, 2), date(2026, 11, 23), False)]
    said = f"Removed #{row.id} calls 60/week for maria as of Tue 24 Nov: it was in force Mon 2 Nov – Mon 23 Nov"
    assert said in _update_text(workspace, east.admin)
    assert said in _dm_to(workspace, east.dana, "was approved by ada")
    assert said in _ephemerals(workspace)[-1]


# --- approvals take effect when decided -------------------------------------------------------------


def test_a_stale_proposal_approved_weeks_later_starts_on_the_decision_day_and_keeps_the_managers_version(
    workspace, east
):
    maria = _m(workspace, east.maria)
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    at(workspace, 2026, 11, 4)
    goal(workspace, east.maria, "propose calls 70/week -- more leads")
    [request] = workspace.rows(GoalRequest)
    at(workspace, 2026, 11, 16)
    goal(workspace, east.dana, f"set {maria} calls 65/week stretch 125% -- pipeline review")
    at(workspace, 2026, 11, 18)
    workspace.log(east.maria, "calls 82 2026-11-17")  # a stretch hit under the manager's version
    first, managers = workspace.rows(Goal)
    at(workspace, 2026, 12, 3)
    _approve(workspace, request.id, east.dana)
    first, managers, proposed = workspace.rows(Goal)
    # The manager's version keeps its days (and its stretch); the proposal starts on the decision day.
    assert [
        (g.target, g.stretch_pct, g.start, g.end, g.removed_at) for g in (first, managers, proposed)
    ] == [
        (60, None, date(2026, 11, 2), date(2026, 11, 15), None),
        (65, 125, date(2026, 11, 16), date(2026, 12, 2), None),
        (70, None, date(2026, 12, 3), None, None),
    ]
    assert proposed.origin == "proposal"
    said = (
        f"Set #{proposed.id} calls 70/week for maria from Thu 3 Dec "
        f"(replaces #{managers.id} calls 65/week, in force since Mon 16 Nov)."
    )
    assert _ephemerals(workspace)[-1] == f"✅ Approved by dana. {said}"
    assert _update_text(workspace, east.dana).startswith(f"✅ Approved by dana. {said}")
    assert _dm_to(workspace, east.maria, "was approved") == (
        f"Your proposal (request #{request.id}) was approved by dana. {said}"
    )
    lines = goal(workspace, east.dana, f"history {maria}").splitlines()
    assert lines[2:6] == [
        "*calls per week · maria*",
        f"• #{first.id} calls 60/week · Mon 2 Nov – Sun 15 Nov · set by dana",
        f"• #{managers.id} calls 65/week (stretch 125%) · Mon 16 Nov – Wed 2 Dec · set by dana — “pipeline review”",
        f"• #{proposed.id} calls 70/week · Thu 3 Dec onwards · in force · set by dana, proposed and approved — “more leads”",
    ]


def test_an_approved_lowering_applies_from_the_decision_day_and_every_message_says_so(
    workspace, east
):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    [old] = workspace.rows(Goal)
    goal(workspace, east.dana, f"set {maria} calls 50/week -- fewer leads in December")
    [request] = workspace.rows(GoalRequest)
    message = _request_dm(workspace, east.admin)
    assert message["text"].endswith(
        "to *calls 50/week* from the day it is approved.\n> fewer leads in December"
    )
    at(workspace, 2026, 11, 24)
    _approve(workspace, request.id, east.admin)
    old, new = workspace.rows(Goal)
    assert spans(workspace) == [
        (60, date(2026, 11, 16), date(2026, 11, 23), False),
        (50, date(2026, 11, 24), None, False),
    ]
    said = f"Set #{new.id} calls 50/week for maria from Tue 24 Nov (replaces #{old.id} calls 60/week, in force since Mon 16 Nov)."
    assert _ephemerals(workspace)[-1] == f"✅ Approved by ada. {said}"  # the approver's reply
    assert said in _update_text(workspace, east.admin)  # the request message, updated
    assert _dm_to(workspace, east.dana, "was approved by ada").endswith(said)  # the requester's DM


def test_an_approval_keeps_a_later_start_the_request_named(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    goal(workspace, east.dana, f"set {maria} calls 50/week from 2026-12-07 -- holidays")
    [request] = workspace.rows(GoalRequest)
    assert _request_dm(workspace, east.admin)["text"].endswith(
        "to *calls 50/week* from Mon 7 Dec.\n> holidays"
    )
    at(workspace, 2026, 11, 24)
    _approve(workspace, request.id, east.admin)
    assert spans(workspace) == [
        (60, date(2026, 11, 16), date(2026, 12, 6), False),
        (50, date(2026, 12, 7), None, False),
    ]


# --- only an admin reaches back ---------------------------------------------------------------------


def test_a_past_from_is_for_admins_and_is_audited_as_backdated(workspace, east):
    maria = _m(workspace, east.maria)
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    at(workspace, 2026, 11, 20)
    before = state(workspace)
    reply = goal(
        workspace, east.dana, f"set {maria} calls 70/week from 2026-11-09 -- correcting the record"
    )
    assert reply == (
        "`from 2026-11-09` is in the past (today is Fri 20 Nov for maria). Days that have ended keep the goal that "
        "was in force on them, so only an admin can start a goal in the past — give today or a later day, or leave "
        "`from` out. Nothing was changed.\nExample: `/goal set @maria calls 70/week from 2026-11-20`"
    )
    assert goal(
        workspace,
        east.dana,
        f"ramp {_m(workspace, east.bo)} emails 50 to 100 step 10 per week from yesterday",
    ).startswith("`from 2026-11-19` is in the past")
    assert state(workspace) == before

    reply = goal(
        workspace, east.admin, f"set {maria} calls 70/week from 2026-11-09 -- correcting the record"
    )
    old, new = workspace.rows(Goal)
    assert (
        reply
        == f"Set #{new.id} calls 70/week for maria from Mon 9 Nov (replaces #{old.id} calls 60/week, in force since Mon 2 Nov)."
    )
    assert spans(workspace) == [
        (60, date(2026, 11, 2), date(2026, 11, 8), False),
        (70, date(2026, 11, 9), None, False),
    ]
    events = {
        e.action: e
        for e in workspace.rows(AuditEvent)
        if e.subject_type == "goal" and e.subject_id in (old.id, new.id)
    }
    assert json.loads(events["goal.create"].after)["backdated"] is True
    assert json.loads(events["goal.end"].after)["backdated"] is True
    assert events["goal.create"].reason == "correcting the record"
    history = goal(workspace, east.dana, f"history {maria}")
    assert (
        f"ada set #{new.id}: calls 70/week for maria from Mon 9 Nov (backdated) — “correcting the record”"
        in history
    )


def test_a_from_of_today_or_later_is_for_managers_too(workspace, east):
    maria = _m(workspace, east.maria)
    assert goal(workspace, east.dana, f"set {maria} calls 60/week from 2026-11-20").startswith(
        "Set #"
    )
    assert goal(workspace, east.dana, f"set {maria} demos 5/week from today").startswith("Set #")
    assert [(g.metric, g.start) for g in workspace.rows(Goal)] == [
        ("calls", date(2026, 11, 20)),
        ("demos", date(2026, 11, 20)),
    ]


# --- history ------------------------------------------------------------------------------------------


def test_history_lists_each_goals_versions_with_dates_who_and_why(workspace, east):
    maria, bo = _m(workspace, east.maria), _m(workspace, east.bo)
    at(workspace, 2026, 11, 2)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    goal(workspace, east.dana, "set team:east revenue 100k/month")
    at(workspace, 2026, 11, 20)
    goal(workspace, east.admin, f"set {maria} calls 70/week -- more leads")
    goal(workspace, east.dana, f"set {maria} calls 80/week from 2026-12-07 -- December push")
    goal(workspace, east.dana, f"set {bo} demos 5/week")
    calls60, revenue, calls70, calls80, demos = workspace.rows(Goal)
    lines = goal(workspace, east.dana, "history team:east").splitlines()
    versions = lines[: lines.index("_Changes, newest first:_")]
    assert versions == [
        "*Goal history for team east*",
        "_Versions — which target was in force when:_",
        "*revenue per month · team east*",
        f"• #{revenue.id} revenue $100,000/month · Sun 1 Nov onwards · in force · set by dana",
        "*demos per week · bo*",
        f"• #{demos.id} demos 5/week · Mon 16 Nov onwards · in force · set by dana",
        "*calls per week · maria*",
        f"• #{calls60.id} calls 60/week · Mon 2 Nov – Thu 19 Nov · set by dana",
        f"• #{calls70.id} calls 70/week · Fri 20 Nov – Sun 6 Dec · in force · set by ada — “more leads”",
        f"• #{calls80.id} calls 80/week · Mon 7 Dec onwards · coming · set by dana — “December push”",
    ]
    changes = lines[len(versions) + 1 :]
    assert (
        changes[0]
        == f"• Fri 20 Nov 10:00 · dana set #{demos.id}: demos 5/week for bo from Mon 16 Nov"
    )
    assert changes[1] == (
        f"• Fri 20 Nov 10:00 · dana ended #{calls70.id}: calls 70/week for maria from Fri 20 Nov → ends Sun 6 Dec, "
        f"replaced by #{calls80.id} — “December push”"
    )
    assert len(changes) == 7  # five goals set, two ended


def test_history_of_many_versions_fits_one_message_leaving_out_the_oldest(workspace, east):
    maria = _m(workspace, east.maria)
    for day in range(2, 32):  # a new daily target every day of December
        at(workspace, 2026, 12, day)
        goal(
            workspace,
            east.dana,
            f"set {maria} calls {10 + day}/day -- day {day}: the pipeline grew again this morning",
        )
    reply = goal(workspace, east.dana, f"history {maria}")
    lines = reply.splitlines()
    assert len(reply) < 4000
    versions = lines[: lines.index("_Changes, newest first:_")]
    shown = [line for line in versions if line.startswith("• #")]
    assert versions[2] == "*calls per day · maria*"
    assert versions[3] == f"… and {30 - len(shown)} earlier versions" and len(shown) >= 10
    # The newest days are kept, ending with the version in force today.
    assert (
        shown[-1].startswith("• #")
        and "calls 41/day · Thu 31 Dec onwards · in force · set by dana — “day 31:" in shown[-1]
    )
    assert "calls 40/day · Wed 30 Dec · set by dana" in shown[-2]
    changes = [line for line in lines[len(versions) :] if line.startswith("• ")]
    assert lines[-1] == f"… and {59 - len(changes)} more changes (the audit trail keeps them all)."
