"""/goal end to end: every form, the governance rules, the modal and the approval buttons."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest

from storage.models import AuditEvent, CustomMetric, Goal, GoalRequest, Team


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def goal(workspace, user_id, text=""):
    return workspace.reply("/goal", user_id, text)


def state(workspace):
    """What any refused command must leave unchanged."""
    return workspace.snapshot(), len(workspace.rows(Goal)), len(workspace.rows(GoalRequest))


def test_set_an_individual_goal_with_stretch(workspace, east):
    reply = goal(
        workspace, east.dana, f"set {_m(workspace, east.maria)} calls 60/week stretch 125%"
    )
    [row] = workspace.rows(Goal)
    assert reply == f"Set #{row.id} calls 60/week for maria from Mon 16 Nov (stretch 125%)."
    assert (
        row.kind,
        row.metric,
        row.period_kind,
        row.target,
        row.start,
        row.end,
        row.stretch_pct,
        row.origin,
    ) == ("individual", "calls", "week", 60, date(2026, 11, 16), None, 125, "set")
    [event] = [e for e in workspace.rows(AuditEvent) if e.subject_type == "goal"]
    assert (event.action, event.subject_id, event.before) == ("goal.create", row.id, None)


def test_set_from_and_to_dates(workspace, east):
    reply = goal(
        workspace,
        east.dana,
        f"set {_m(workspace, east.maria)} demos 5/week from 2026-11-23 to 2027-01-31",
    )
    [row] = workspace.rows(Goal)
    assert reply == f"Set #{row.id} demos 5/week for maria from Mon 23 Nov to Sun 31 Jan 2027."
    assert (row.start, row.end) == (date(2026, 11, 23), date(2027, 1, 31))


def test_set_a_team_total_with_weights(workspace, east):
    reply = goal(workspace, east.dana, "set team:east revenue 1.2m/year weights 20,25,25,30")
    [row] = workspace.rows(Goal)
    assert (
        reply
        == f"Set #{row.id} revenue $1,200,000/year for team east from Thu 1 Jan (weights 20,25,25,30)."
    )
    assert (
        row.kind,
        row.team_id is not None,
        row.person_id,
        row.target,
        row.weights,
        row.start,
    ) == ("team", True, None, 120_000_000, "20,25,25,30", date(2026, 1, 1))


def test_each_is_a_collective_goal_with_a_reward(workspace, east):
    reply = goal(workspace, east.dana, 'each team:east demos 5/week reward "team lunch"')
    [row] = workspace.rows(Goal)
    assert (
        reply
        == f"Set #{row.id} demos 5/week each in team east from Mon 16 Nov (reward: team lunch)."
    )
    assert (row.kind, row.target, row.reward) == ("collective", 5, "team lunch")


def test_ramp_stores_first_last_and_step(workspace, east):
    reply = goal(
        workspace,
        east.dana,
        f"ramp {_m(workspace, east.bo)} emails 50 to 100 step 10 per week from 2026-11-23",
    )
    [row] = workspace.rows(Goal)
    assert reply == f"Set #{row.id} emails 50 to 100 step 10/week for bo from Mon 23 Nov."
    assert (row.kind, row.target, row.ramp_last, row.ramp_step, row.start) == (
        "ramp",
        50,
        100,
        10,
        date(2026, 11, 23),
    )


def test_contest_defaults_to_the_callers_team_and_this_week(workspace, east):
    reply = goal(workspace, east.dana, 'contest meetings week prize "golf"')
    [row] = workspace.rows(Goal)
    assert (
        reply
        == f"Set #{row.id} meetings contest for team east from Mon 16 Nov to Sun 22 Nov (prize: golf)."
    )
    assert (row.kind, row.target, row.start, row.end, row.prize) == (
        "contest",
        None,
        date(2026, 11, 16),
        date(2026, 11, 22),
        "golf",
    )


def test_a_contest_without_a_team_asks_for_one(workspace, east):
    before = state(workspace)
    assert goal(workspace, east.admin, "contest meetings week").startswith(
        "Name the team whose people compete"
    )
    assert state(workspace) == before


# --- plan ------------------------------------------------------------------------------------


def test_plan_with_the_seed_figures(workspace, east):
    reply = goal(workspace, east.maria, "plan 4000/month deal 1000 win 50% demo 30%")
    lines = reply.splitlines()
    assert lines[0] == "*Plan: $4,000 revenue a month*"
    assert lines[1] == "4 deals, 8 demos, 27 calls a month"
    assert lines[2] == "Deal size $1,000 (given) · win rate 50% (given) · demo rate 30% (given)"
    assert "`/goal propose calls 27/month`" in lines[3]
    assert workspace.rows(Goal) == []


def test_plan_apply_sets_three_monthly_goals(workspace, east):
    reply = goal(
        workspace,
        east.dana,
        f"plan 4000/month for {_m(workspace, east.maria)} deal 1000 win 50% demo 30% apply",
    )
    assert "4 deals, 8 demos, 27 calls a month" in reply
    rows = workspace.rows(Goal)
    assert sorted((g.metric, g.target, g.period_kind, g.kind, g.origin, g.start) for g in rows) == [
        ("calls", 27, "month", "individual", "plan", date(2026, 11, 1)),
        ("deals", 4, "month", "individual", "plan", date(2026, 11, 1)),
        ("demos", 8, "month", "individual", "plan", date(2026, 11, 1)),
    ]
    assert f"Set #{rows[0].id} deals 4/month for maria from Sun 1 Nov." in reply


def test_a_rep_may_plan_but_not_apply(workspace, east):
    before = state(workspace)
    reply = goal(workspace, east.maria, "plan 4000/month deal 1000 win 50% demo 30% apply")
    assert reply.startswith("Your goals are set by your manager")
    assert state(workspace) == before


def _log_funnel(workspace, manager, rep, day, calls, demos, deals, revenue):
    workspace.log(
        manager,
        f"{_m(workspace, rep)} calls {calls} demos {demos} deals {deals} revenue {revenue} {day}",
    )


def test_plan_rates_come_from_own_history_else_the_teams(workspace, east):
    _log_funnel(workspace, east.dana, east.maria, "2026-10-05", 100, 30, 6, "6000")
    reply = goal(workspace, east.maria, "plan 4000/month")
    assert "4 deals, 20 demos, 67 calls a month" in reply
    assert (
        "Deal size $1,000 (your history, last 12 months) · win rate 20% (your history, last 12 months)"
        in reply
    )
    # bo has no history of his own: the team's (which is maria's) stands in.
    reply = goal(workspace, east.bo, "plan 4000/month win 40%")
    assert "4 deals, 10 demos, 34 calls a month" in reply
    assert (
        "Deal size $1,000 (team east history, last 12 months) · win rate 40% (given) · demo rate 30% (team east history"
        in reply
    )


def test_plan_without_enough_history_names_the_missing_rate(workspace, east):
    before = state(workspace)
    reply = goal(workspace, east.maria, "plan 4000/month deal 1000 demo 30%")
    assert reply.startswith("Not enough history, yours or the team's, for the win rate")
    assert "demo rate" not in reply.split("\n")[0] and "deal size" not in reply.split("\n")[0]
    assert state(workspace) == before


# --- suggest -----------------------------------------------------------------------------------


def test_suggest_reports_median_and_80th_percentile_of_complete_weeks(workspace, east):
    weeks = [
        "2026-09-21",
        "2026-09-28",
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
    ]
    for day, calls in zip(weeks, [30, 40, 50, 35, 45, 60, 20, 55], strict=True):
        workspace.log(east.dana, f"{_m(workspace, east.maria)} calls {calls} {day}")
    workspace.log(east.maria, "calls 500")  # this week is not complete: left out
    reply = goal(workspace, east.dana, f"suggest {_m(workspace, east.maria)} calls")
    lines = reply.splitlines()
    assert lines[0] == "*Suggested calls target for maria per week*"
    assert (
        lines[1]
        == "Median 43 · 80th percentile 53 — from 8 complete weeks of maria's history (Mon 21 Sep – Sun 15 Nov)."
    )
    assert lines[2] == "Set it: `/goal set @maria calls 43/week` (or 53 to stretch)."
    assert (
        goal(workspace, east.maria, "suggest calls")
        .splitlines()[1]
        .startswith("Median 43 · 80th percentile 53")
    )


def test_suggest_for_someone_else_is_for_managers(workspace, east):
    before = state(workspace)
    reply = goal(workspace, east.maria, f"suggest {_m(workspace, east.bo)} calls")
    assert reply.startswith("You can ask for suggestions for yourself")
    assert state(workspace) == before


def test_suggest_without_history_says_so(workspace, east):
    reply = goal(workspace, east.maria, "suggest demos month")
    assert reply.startswith("maria has no demos in the last 12 complete months")


# --- split -------------------------------------------------------------------------------------


@pytest.fixture
def north(workspace, east):
    reps = [workspace.user(f"rep{i}") for i in range(1, 8)]
    workspace.team(east.admin, f"create north manager {_m(workspace, east.dana)}")
    workspace.team(east.admin, "add north " + " ".join(_m(workspace, r) for r in reps))
    return reps


def test_split_by_history_adds_up_exactly_and_new_reps_get_the_median(workspace, east, north):
    for rep, amount in zip(north[:5], ["10k", "20k", "30k", "15k", "25k"], strict=True):
        workspace.log(east.dana, f"{_m(workspace, rep)} revenue {amount} 2026-08-03")
    reply = goal(workspace, east.dana, "split team:north revenue 300k/quarter by history")
    rows = workspace.rows(Goal)
    assert len(rows) == 7 and sum(g.target for g in rows) == 30_000_000
    assert {g.origin for g in rows} == {"split"} and {g.start for g in rows} == {date(2026, 10, 1)}
    by_person = {g.person_id: g.target for g in rows}
    targets = sorted(by_person.values())
    assert targets[0] in (2_142_857, 2_142_858) and targets[-1] in (6_428_571, 6_428_572)
    assert reply.splitlines()[0] == (
        "Split $300,000 revenue a quarter for team north by history (last 12 quarters) — 7 goals, total $300,000:"
    )
    # Each rep logged in one quarter of the window: their history is that quarter.
    assert reply.count("(team median)") == 2 and reply.count("(history, 1 quarter)") == 5


def test_split_evenly_adds_up_exactly(workspace, east, north):
    goal(workspace, east.dana, "split team:north revenue 300k/quarter by evenly")
    targets = sorted(g.target for g in workspace.rows(Goal))
    assert targets == [4_285_714] * 5 + [4_285_715] * 2
    assert sum(targets) == 30_000_000


def test_split_of_a_team_without_members_is_refused(workspace, east):
    workspace.team(east.admin, f"create south manager {_m(workspace, east.dana)}")
    before = state(workspace)
    reply = goal(workspace, east.dana, "split team:south revenue 300k/quarter by history")
    assert reply.startswith("This team has no members to split the target between")
    assert state(workspace) == before


# --- governance: overlaps, reasons, removal -------------------------------------------------------


def test_an_overlapping_goal_is_refused_naming_the_existing_one(workspace, east):
    maria = _m(workspace, east.maria)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    [first] = workspace.rows(Goal)
    before = state(workspace)
    reply = goal(workspace, east.dana, f"set {maria} calls 70/week")
    assert reply == (
        f"#{first.id} calls 60/week for maria from Mon 16 Nov has started, so changing it needs a reason after `--`. "
        "Nothing was changed.\nExample: `/goal set @maria calls 70/week -- why it changes`"
    )
    assert state(workspace) == before


def test_replacing_a_goal_in_force_with_a_reason_starts_today_and_ends_it_yesterday(
    workspace, east
):
    maria = _m(workspace, east.maria)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    reply = goal(workspace, east.dana, f"set {maria} calls 70/week -- more leads")
    old, new = workspace.rows(Goal)
    assert reply == (
        f"Set #{new.id} calls 70/week for maria from Fri 20 Nov "
        f"(replaces #{old.id} calls 60/week, in force since Mon 16 Nov)."
    )
    assert (old.end, old.removed_at, new.start, new.removed_at, new.target) == (
        date(2026, 11, 19),
        None,
        date(2026, 11, 20),
        None,
        70,
    )
    events = [
        (e.action, e.subject_id, e.reason)
        for e in workspace.rows(AuditEvent)
        if e.subject_type == "goal"
    ]
    assert events[-2:] == [
        ("goal.create", new.id, "more leads"),
        ("goal.end", old.id, "more leads"),
    ]


def test_replacing_an_older_goal_ends_it_the_day_before(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.app.clock.set(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    goal(workspace, east.dana, f"set {maria} demos 5/week")
    workspace.app.clock.set(datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    reply = goal(workspace, east.dana, f"set {maria} demos 6/week -- new quarter plan")
    old, new = workspace.rows(Goal)
    assert (old.start, old.end, old.removed_at, new.start) == (
        date(2026, 11, 2),
        date(2026, 11, 19),
        None,
        date(2026, 11, 20),
    )
    assert f"(replaces #{old.id} demos 5/week, in force since Mon 2 Nov)" in reply
    [ended] = [e for e in workspace.rows(AuditEvent) if e.action == "goal.end"]
    assert (
        '"end": null' in ended.before
        and '"end": "2026-11-19"' in ended.after
        and ended.reason == "new quarter plan"
    )


def test_a_future_overlap_also_needs_a_reason(workspace, east):
    maria = _m(workspace, east.maria)
    goal(workspace, east.dana, f"set {maria} calls 60/week from 2026-12-07")
    before = state(workspace)
    reply = goal(workspace, east.dana, f"set {maria} calls 50/week from 2026-12-07")
    assert "covers the same period, so replacing it needs a reason" in reply
    assert state(workspace) == before


def test_removing_a_started_goal_needs_a_reason(workspace, east):
    goal(workspace, east.dana, f"set {_m(workspace, east.maria)} calls 60/week")
    [row] = workspace.rows(Goal)
    before = state(workspace)
    reply = goal(workspace, east.dana, f"remove {row.id}")
    assert reply == (
        f"#{row.id} calls 60/week for maria from Mon 16 Nov has started, so removing it needs a reason after `--`. "
        f"Nothing was changed.\nExample: `/goal remove {row.id} -- why it goes`"
    )
    assert state(workspace) == before
    assert goal(workspace, east.dana, f"remove {row.id} -- duplicate") == (
        f"Removed #{row.id} calls 60/week for maria as of Fri 20 Nov: it was in force Mon 16 Nov – Thu 19 Nov, "
        "and those days keep it."
    )
    [row] = workspace.rows(Goal)
    assert (row.removed_at, row.end) == (None, date(2026, 11, 19))
    event = workspace.rows(AuditEvent)[-1]
    assert (event.action, event.reason, '"end": null' in event.before) == (
        "goal.end",
        "duplicate",
        True,
    )


def test_a_goal_that_has_not_started_is_removed_without_a_reason(workspace, east):
    goal(workspace, east.dana, f"set {_m(workspace, east.maria)} calls 60/week from 2026-12-07")
    [row] = workspace.rows(Goal)
    assert goal(workspace, east.dana, f"remove {row.id}").startswith(f"Removed #{row.id}")


# --- bad input: every refusal changes nothing ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("set @nobody calls 60/week", "Unknown person @nobody"),
        ("set team:west calls 60/week", 'Unknown team "west". Teams: east.'),
        ("set {maria} callz 60/week", 'Unknown metric "callz"'),
        ("set {maria} calls 0/week", 'A target must be above 0 (got "0").'),
        ("set {maria} calls -5/week", 'A target must be above 0 (got "-5").'),
        (
            "set {maria} calls 60/fortnight",
            'Unknown period "fortnight". Periods: day, week, month, quarter, year.',
        ),
        (
            "ramp {maria} emails 100 to 50 step 10 per week",
            "A ramp from 100 to 50 goes down, so its step must be negative",
        ),
        (
            "plan 4000/month deal 1000 win 150% demo 30%",
            "The win rate must be between 1% and 100% (got 150%).",
        ),
        (
            "plan 4000/month deal 1000 win 50% demo 0.5%",
            "The demo rate must be between 1% and 100%",
        ),
        ("remove 999999 -- typo", "There is no goal #999999 here"),
        ("list @nobody", "Unknown person @nobody"),
        ("history team:west", 'Unknown team "west"'),
        (
            "set team:all calls 600/week",
            '"all" is the whole company, which has no goals or settings of its own',
        ),
        ("each team:all calls 60/week", '"all" is the whole company'),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(workspace, east, text, expected):
    goal(workspace, east.dana, f"set {_m(workspace, east.bo)} calls 60/week")
    before = state(workspace)
    reply = goal(workspace, east.dana, text.format(maria=_m(workspace, east.maria)))
    assert reply.startswith(expected), reply
    assert "\nExample: `/" in reply
    assert state(workspace) == before


def test_a_removed_goal_id_is_unknown(workspace, east):
    goal(workspace, east.dana, f"set {_m(workspace, east.maria)} calls 60/week from 2026-12-07")
    [row] = workspace.rows(Goal)
    goal(workspace, east.dana, f"remove {row.id}")
    before = state(workspace)
    assert goal(workspace, east.dana, f"remove {row.id}").startswith(
        f"There is no goal #{row.id} here"
    )
    assert state(workspace) == before


def test_a_rep_cannot_set_goals_for_anyone(workspace, east):
    before = state(workspace)
    reply = goal(workspace, east.maria, f"set {_m(workspace, east.bo)} calls 60/week")
    assert reply.startswith(
        "Only an admin or a manager of bo's team can set their goals. Nothing was changed."
    )
    assert goal(workspace, east.maria, "set calls 60/week").startswith(
        "Your goals are set by your manager"
    )
    assert goal(workspace, east.maria, "each team:east demos 5/week").startswith(
        "Only an admin or a manager of team east"
    )
    assert state(workspace) == before


def test_a_manager_cannot_set_goals_outside_their_teams(workspace, east):
    outsider = workspace.user("olga")
    workspace.team(east.admin, f"create west manager {_m(workspace, outsider)}")
    before = state(workspace)
    assert goal(workspace, outsider, f"set {_m(workspace, east.maria)} calls 60/week").startswith(
        "Only an admin or a manager of maria's team"
    )
    assert goal(workspace, outsider, "set team:east calls 600/week").startswith(
        "Only an admin or a manager of team east"
    )
    assert state(workspace) == before
    assert goal(workspace, east.admin, f"set {_m(workspace, east.maria)} calls 60/week").startswith(
        "Set #"
    )


# --- list and history ----------------------------------------------------------------------------


def test_list_shows_live_and_coming_goals_with_who_set_them(workspace, east):
    maria = _m(workspace, east.maria)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    goal(workspace, east.admin, f"set {maria} demos 5/week from 2026-12-07")
    goal(
        workspace, east.admin, f"set {maria} emails 40/week from 2026-10-05 to 2026-10-31"
    )  # over already
    calls, demos, _ = workspace.rows(Goal)
    reply = goal(workspace, east.dana, f"list {maria}")
    assert reply.splitlines() == [
        "*Goals for maria* (live and coming)",
        f"• #{calls.id} calls 60/week for maria from Mon 16 Nov — set by dana",
        f"• #{demos.id} demos 5/week for maria from Mon 7 Dec — set by ada",
    ]
    assert goal(workspace, east.maria, "list").splitlines()[1:] == reply.splitlines()[1:]
    before = state(workspace)
    assert goal(workspace, east.maria, f"list {_m(workspace, east.bo)}").startswith(
        "You can see your own goals"
    )
    assert state(workspace) == before


def test_history_lists_versions_then_the_audit_trail_newest_first(workspace, east):
    maria = _m(workspace, east.maria)
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    goal(workspace, east.dana, f"set {maria} calls 70/week -- more leads")
    first, second = workspace.rows(Goal)
    goal(workspace, east.admin, f"remove {second.id} -- wrong metric")
    lines = goal(workspace, east.dana, f"history {maria}").splitlines()
    assert lines[:4] == [
        "*Goal history for maria*",
        "_Versions — which target was in force when:_",
        "*calls per week · maria*",
        f"• #{first.id} calls 60/week · Mon 16 Nov – Thu 19 Nov · set by dana",
    ]
    assert lines[4] == "_Changes, newest first:_"
    assert lines[5] == (
        f"• Fri 20 Nov 10:00 · ada removed #{second.id}: calls 70/week for maria from Fri 20 Nov → removed — “wrong metric”"
    )
    assert lines[6] == (
        f"• Fri 20 Nov 10:00 · dana ended #{first.id}: calls 60/week for maria from Mon 16 Nov → ends Thu 19 Nov, "
        f"replaced by #{second.id} — “more leads”"
    )
    assert (
        lines[7]
        == f"• Fri 20 Nov 10:00 · dana set #{second.id}: calls 70/week for maria from Fri 20 Nov — “more leads”"
    )
    assert (
        lines[8]
        == f"• Fri 20 Nov 10:00 · dana set #{first.id}: calls 60/week for maria from Mon 16 Nov"
    )
    assert len(lines) == 9


def test_history_fits_one_message_and_counts_what_it_leaves_off(workspace, east):
    maria = _m(workspace, east.maria)
    for week in range(16):
        day = date(2027, 1, 4).toordinal() + 7 * week
        goal(
            workspace,
            east.dana,
            f"set {maria} calls 60/week from {date.fromordinal(day).isoformat()} to {date.fromordinal(day + 6).isoformat()}",
        )
    for row in workspace.rows(Goal):
        goal(workspace, east.dana, f"remove {row.id}")
    reply = goal(workspace, east.dana, f"history {maria}")
    lines = reply.splitlines()
    shown = sum(1 for line in lines if line.startswith("• "))
    assert len(reply) < 4000 and 20 <= shown < 32
    assert lines[-1] == f"… and {32 - shown} more changes (the audit trail keeps them all)."


# --- custom metrics ----------------------------------------------------------------------------------


def test_an_admin_adds_a_metric_that_works_at_once(workspace, east):
    reply = goal(workspace, east.admin, "metric add visits alias visit,v")
    assert reply == "Added metric *visits* (count; aliases visit, v). Log it with `/log visits 3`."
    [row] = workspace.rows(CustomMetric)
    assert (row.key, row.kind, row.aliases) == ("visits", "count", "visit,v")
    assert workspace.log(east.maria, "v 3").startswith("Logged 3 visits")
    assert goal(workspace, east.dana, f"set {_m(workspace, east.maria)} visits 10/week").startswith(
        "Set #"
    )
    assert workspace.rows(AuditEvent)[-2].action == "metric.add"


def test_only_admins_add_metrics(workspace, east):
    before = state(workspace)
    assert goal(workspace, east.dana, "metric add visits money").startswith(
        "Only a workspace admin can add metrics."
    )
    assert state(workspace) == before and workspace.rows(CustomMetric) == []


def test_help(workspace, east):
    assert goal(workspace, east.maria, "help").startswith("*Set and manage goals with `/goal`*")


# --- proposals and the approval buttons ----------------------------------------------------------


def _dm_with_buttons(workspace, user_id):
    """The request message Paceline sent `user_id` (the last one), as Slack stores it."""
    [call] = workspace.slack.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params.get("channel") == user_id
            and "goal_request_approve" in str(c.params.get("blocks"))
        ),
    )[-1:]
    message = [m for m in workspace.slack.messages_in("D" + user_id) if m.get("blocks")][-1]
    return call, message


def _click(workspace, action_id, request_id, user_id, message_channel, message_ts):
    response = workspace.client.block_action(
        action_id,
        value=str(request_id),
        user_id=user_id,
        channel_id=message_channel,
        message_ts=message_ts,
        container={"type": "message", "channel_id": message_channel, "message_ts": message_ts},
    )
    assert response.status == 200, response.text
    return response


def _ephemerals(workspace):
    key = workspace.client.response_url.rsplit("/", 1)[-1]
    return [
        c.params.get("text", "") for c in workspace.slack.calls_to("response_url") if c.key == key
    ]


def _updates(workspace, channel):
    return [
        c for c in workspace.slack.calls_to("chat.update") if c.params.get("channel") == channel
    ]


def test_a_proposal_goes_to_the_manager_and_approval_sets_the_goal(workspace, east):
    reply = goal(workspace, east.maria, "propose calls 70/week -- more leads now")
    [request] = workspace.rows(GoalRequest)
    assert reply == (
        f"Proposed calls 70/week from the day it is approved (request #{request.id}). Sent to dana to approve — "
        "you'll get a DM when they decide."
    )
    assert (request.kind, request.status, request.reason) == (
        "proposal",
        "pending",
        "more leads now",
    )
    assert workspace.rows(Goal) == []
    call, message = _dm_with_buttons(workspace, east.dana)
    assert (
        call.params["text"]
        == "*maria* proposes calls 70/week for maria from the day it is approved.\n> more leads now"
    )
    actions = [b for b in call.params["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [
        ("goal_request_approve", str(request.id)),
        ("goal_request_reject", str(request.id)),
    ]
    [request] = workspace.rows(GoalRequest)
    assert request.messages == f'[{{"channel": "D{east.dana}", "ts": "{message["ts"]}"}}]'

    _click(workspace, "goal_request_approve", request.id, east.dana, "D" + east.dana, message["ts"])
    [row] = workspace.rows(Goal)
    assert (row.person_id, row.metric, row.target, row.origin, row.start) == (
        request.person_id,
        "calls",
        70,
        "proposal",
        date(2026, 11, 20),
    )
    [request] = workspace.rows(GoalRequest)
    assert request.status == "approved"
    [update] = _updates(workspace, "D" + east.dana)
    assert update.params["ts"] == message["ts"]
    assert all(b["type"] != "actions" for b in update.params["blocks"])
    assert (
        f"✅ Approved by dana. Set #{row.id} calls 70/week for maria from Fri 20 Nov."
        in update.params["text"]
    )
    [dm] = workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == east.maria
    )
    assert dm.params["text"] == (
        f"Your proposal (request #{request.id}) was approved by dana. Set #{row.id} calls 70/week for maria from Fri 20 Nov."
    )
    actions = [
        e.action for e in workspace.rows(AuditEvent) if e.subject_type in ("goal", "goal_request")
    ]
    assert actions == ["goal_request.propose", "goal.create", "goal_request.approve"]


def test_a_second_click_changes_nothing(workspace, east):
    goal(workspace, east.maria, "propose calls 70/week")
    [request] = workspace.rows(GoalRequest)
    _, message = _dm_with_buttons(workspace, east.dana)
    _click(workspace, "goal_request_approve", request.id, east.dana, "D" + east.dana, message["ts"])
    before = state(workspace)
    _click(workspace, "goal_request_approve", request.id, east.dana, "D" + east.dana, message["ts"])
    _click(workspace, "goal_request_reject", request.id, east.dana, "D" + east.dana, message["ts"])
    assert state(workspace) == before and len(workspace.rows(Goal)) == 1
    assert (
        _ephemerals(workspace)[-2:]
        == [f"Request #{request.id} was already approved by dana — nothing changed."] * 2
    )
    assert len(_updates(workspace, "D" + east.dana)) == 1


def test_a_click_by_someone_who_may_not_decide_is_refused(workspace, east):
    goal(workspace, east.maria, "propose calls 70/week")
    [request] = workspace.rows(GoalRequest)
    _, message = _dm_with_buttons(workspace, east.dana)
    before = state(workspace)
    _click(workspace, "goal_request_approve", request.id, east.bo, "D" + east.dana, message["ts"])
    _click(
        workspace, "goal_request_approve", request.id, east.maria, "D" + east.dana, message["ts"]
    )
    assert state(workspace) == before
    assert workspace.rows(GoalRequest)[0].status == "pending"
    assert _ephemerals(workspace)[-2:] == [
        "Only a manager of the rep's team or an admin can decide this proposal. Nothing was changed.",
        "You can't decide your own request — someone else approves it. Nothing was changed.",
    ]
    assert _updates(workspace, "D" + east.dana) == []


def test_every_copy_is_updated_when_one_manager_rejects(workspace, east):
    eve = workspace.user("eve")
    workspace.team(east.admin, f"manager east {_m(workspace, eve)}")
    reply = goal(workspace, east.maria, "propose calls 90/week")
    assert "Sent to dana, eve to approve" in reply
    [request] = workspace.rows(GoalRequest)
    _, dana_copy = _dm_with_buttons(workspace, east.dana)
    _, eve_copy = _dm_with_buttons(workspace, eve)
    _click(workspace, "goal_request_reject", request.id, eve, "D" + eve, eve_copy["ts"])
    assert workspace.rows(Goal) == [] and workspace.rows(GoalRequest)[0].status == "rejected"
    for channel, copy in (("D" + east.dana, dana_copy), ("D" + eve, eve_copy)):
        [update] = _updates(workspace, channel)
        assert (
            update.params["ts"] == copy["ts"]
            and "❌ Rejected by eve. Nothing changed." in update.params["text"]
        )
    [dm] = workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == east.maria
    )
    assert (
        dm.params["text"]
        == f"Your proposal (request #{request.id}) was rejected by eve. Nothing changed."
    )
    _click(
        workspace, "goal_request_approve", request.id, east.dana, "D" + east.dana, dana_copy["ts"]
    )
    assert (
        _ephemerals(workspace)[-1]
        == f"Request #{request.id} was already rejected by eve — nothing changed."
    )
    assert workspace.rows(Goal) == []


def test_a_rep_outside_any_team_cannot_propose_when_nobody_could_approve(workspace):
    loner = workspace.user("lou")
    reply = goal(workspace, loner, "propose calls 70/week")
    assert reply.startswith("You are not in a team and no admin has used Paceline yet")
    assert workspace.rows(GoalRequest) == []


# --- lowering a started goal with approvals on ------------------------------------------------------


def test_lowering_a_started_goal_waits_for_an_admin(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    [old] = workspace.rows(Goal)
    before_goals = len(workspace.rows(Goal))
    reply = goal(workspace, east.dana, f"set {maria} calls 50/week -- fewer leads in December")
    [request] = workspace.rows(GoalRequest)
    assert reply == (
        f"Lowering #{old.id} calls 60/week for maria from Mon 16 Nov to calls 50/week needs an admin's approval: "
        f"team east has approvals on. Asked ada (request #{request.id}). Nothing changes until one of them approves."
    )
    assert (request.kind, request.goal_id, request.status) == ("lower", old.id, "pending")
    assert len(workspace.rows(Goal)) == before_goals and workspace.rows(Goal)[0].target == 60
    call, message = _dm_with_buttons(workspace, east.admin)
    assert call.params["text"] == (
        f"*dana* asks to lower #{old.id} calls 60/week for maria from Mon 16 Nov to *calls 50/week* from the day it is "
        "approved.\n> fewer leads in December"
    )
    # A manager may not approve a lowering, not even of their own team.
    before = state(workspace)
    _click(
        workspace, "goal_request_approve", request.id, east.dana, "D" + east.admin, message["ts"]
    )
    assert state(workspace) == before
    assert (
        _ephemerals(workspace)[-1]
        == "You can't decide your own request — someone else approves it. Nothing was changed."
    )
    _click(
        workspace, "goal_request_approve", request.id, east.admin, "D" + east.admin, message["ts"]
    )
    old, new = workspace.rows(Goal)
    assert (old.end, old.removed_at) == (date(2026, 11, 19), None) and (
        new.target,
        new.removed_at,
    ) == (50, None)
    [update] = _updates(workspace, "D" + east.admin)
    assert (
        f"✅ Approved by ada. Set #{new.id} calls 50/week for maria from Fri 20 Nov "
        f"(replaces #{old.id} calls 60/week, in force since Mon 16 Nov)." in update.params["text"]
    )
    [dm] = workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == east.dana
    )
    assert dm.params["text"].startswith(
        f"Your request to lower a goal (request #{request.id}) was approved by ada."
    )
    reasons = {
        e.action: e.reason
        for e in workspace.rows(AuditEvent)
        if e.subject_type in ("goal", "goal_request")
    }
    assert reasons["goal.end"] == reasons["goal_request.approve"] == "fewer leads in December"


def test_removing_a_started_goal_waits_for_an_admin(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    [old] = workspace.rows(Goal)
    # Still needs a reason first, and asks nobody without one.
    assert goal(workspace, east.dana, f"remove {old.id}").startswith(
        f"#{old.id} calls 60/week for maria"
    )
    assert workspace.rows(GoalRequest) == []
    reply = goal(workspace, east.dana, f"remove {old.id} -- territory moved")
    [request] = workspace.rows(GoalRequest)
    assert reply == (
        f"Removing #{old.id} calls 60/week for maria from Mon 16 Nov needs an admin's approval: it has started "
        f"and team east has approvals on. Asked ada (request #{request.id}). Nothing changes until one of them approves."
    )
    assert (request.kind, request.goal_id, request.status) == ("remove", old.id, "pending")
    assert workspace.rows(Goal)[0].removed_at is None
    call, message = _dm_with_buttons(workspace, east.admin)
    assert call.params["text"] == (
        f"*dana* asks to remove #{old.id} calls 60/week for maria from Mon 16 Nov, which has started."
        "\n> territory moved"
    )
    eve = workspace.user("eve")
    workspace.team(east.admin, f"manager east {_m(workspace, eve)}")
    before = state(workspace)
    _click(workspace, "goal_request_approve", request.id, eve, "D" + east.admin, message["ts"])
    assert state(workspace) == before
    assert (
        _ephemerals(workspace)[-1]
        == "Only a workspace admin can approve removing a started goal. Nothing was changed."
    )
    _click(
        workspace, "goal_request_approve", request.id, east.admin, "D" + east.admin, message["ts"]
    )
    [removed] = workspace.rows(Goal)
    assert (removed.removed_at, removed.end) == (None, date(2026, 11, 19))
    [update] = _updates(workspace, "D" + east.admin)
    assert f"✅ Approved by ada. Removed #{old.id} calls 60/week for maria" in update.params["text"]
    [dm] = workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == east.dana
    )
    assert dm.params["text"].startswith(
        f"Your request to remove a goal (request #{request.id}) was approved by ada."
    )
    reasons = {
        e.action: e.reason
        for e in workspace.rows(AuditEvent)
        if e.subject_type in ("goal", "goal_request")
    }
    assert reasons["goal.end"] == reasons["goal_request.remove"] == "territory moved"


def test_an_admin_or_a_goal_not_yet_started_is_removed_at_once(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    goal(workspace, east.dana, f"set {maria} emails 50/week from 2026-12-07")
    started, later = workspace.rows(Goal)
    assert goal(workspace, east.dana, f"remove {later.id}").startswith(f"Removed #{later.id}")
    assert goal(workspace, east.admin, f"remove {started.id} -- reorg").startswith(
        f"Removed #{started.id}"
    )
    assert workspace.rows(GoalRequest) == []
    started, later = workspace.rows(Goal)
    assert (started.removed_at, started.end) == (
        None,
        date(2026, 11, 19),
    ) and later.removed_at is not None


def test_another_manager_may_not_approve_a_lowering(workspace, east):
    eve = workspace.user("eve")
    workspace.team(east.admin, f"manager east {_m(workspace, eve)}")
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {_m(workspace, east.maria)} calls 60/week")
    goal(workspace, east.dana, f"set {_m(workspace, east.maria)} calls 50/week -- fewer leads")
    [request] = workspace.rows(GoalRequest)
    _, message = _dm_with_buttons(workspace, east.admin)
    before = state(workspace)
    _click(workspace, "goal_request_approve", request.id, eve, "D" + east.admin, message["ts"])
    assert state(workspace) == before
    assert (
        _ephemerals(workspace)[-1]
        == "Only a workspace admin can approve lowering a started goal. Nothing was changed."
    )


def test_raising_or_an_admin_lowering_needs_no_approval(workspace, east):
    maria = _m(workspace, east.maria)
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {maria} calls 60/week")
    assert goal(workspace, east.dana, f"set {maria} calls 80/week -- more leads").startswith(
        "Set #"
    )
    assert goal(workspace, east.admin, f"set {maria} calls 40/week -- holidays").startswith("Set #")
    assert workspace.rows(GoalRequest) == []
    assert [g.target for g in workspace.rows(Goal) if g.removed_at is None and g.end is None] == [
        40
    ]


def test_a_proposal_that_lowers_a_started_goal_then_waits_for_an_admin(workspace, east):
    workspace.team(east.admin, "set east approvals on")
    goal(workspace, east.dana, f"set {_m(workspace, east.maria)} calls 60/week")
    goal(workspace, east.maria, "propose calls 40/week -- sick leave")
    [proposal] = workspace.rows(GoalRequest)
    _, message = _dm_with_buttons(workspace, east.dana)
    _click(
        workspace, "goal_request_approve", proposal.id, east.dana, "D" + east.dana, message["ts"]
    )
    proposal, lower = workspace.rows(GoalRequest)
    assert (proposal.status, lower.kind, lower.status, lower.reason) == (
        "approved",
        "lower",
        "pending",
        "sick leave",
    )
    assert [g.target for g in workspace.rows(Goal)] == [60]
    [update] = _updates(workspace, "D" + east.dana)
    assert f"now waits for an admin (request #{lower.id})" in update.params["text"]
    _dm_with_buttons(workspace, east.admin)


# --- the modal -------------------------------------------------------------------------------------


def _modal_values(
    person=None, team=None, metric="calls", target="60", period="week", start=None, reason=None
):
    def option(value):
        return {"text": {"type": "plain_text", "text": value}, "value": value} if value else None

    return {
        "person": {"person": {"type": "users_select", "selected_user": person}},
        "team": {"team": {"type": "static_select", "selected_option": option(team)}},
        "metric": {"metric": {"type": "static_select", "selected_option": option(metric)}},
        "target": {"target": {"type": "plain_text_input", "value": target}},
        "period": {"period": {"type": "static_select", "selected_option": option(period)}},
        "from": {"from": {"type": "datepicker", "selected_date": start}},
        "reason": {"reason": {"type": "plain_text_input", "value": reason}},
    }


def _submit(workspace, user_id, view_id, **values):
    response = workspace.client.view_submission(
        "goal_modal", _modal_values(**values), user_id=user_id, view_id=view_id
    )
    assert response.status == 200, response.text
    return response.json() if response.body else {}


def test_goal_without_text_opens_the_modal(workspace, east):
    assert goal(workspace, east.dana) == ""
    [call] = workspace.slack.wait_for(
        "views.open", where=lambda c: "goal_modal" in str(c.params.get("view"))
    )[-1:]
    view = call.params["view"]
    assert view["callback_id"] == "goal_modal"
    assert [b["block_id"] for b in view["blocks"]] == [
        "person",
        "team",
        "metric",
        "target",
        "period",
        "from",
        "reason",
    ]
    assert [o["text"]["text"] for o in view["blocks"][1]["element"]["options"]] == ["east"]


def test_a_rep_gets_pointed_at_propose_instead_of_the_modal(workspace, east):
    assert goal(workspace, east.maria).startswith("Managers set goals; you can propose your own")


def test_a_modal_submission_sets_one_goal_even_when_submitted_twice(workspace, east):
    for _ in range(2):
        assert _submit(workspace, east.dana, "VGOAL1", person=east.maria, target="60") == {}
    [row] = workspace.rows(Goal)
    assert (row.metric, row.target, row.period_kind, row.origin, row.start) == (
        "calls",
        60,
        "week",
        "modal",
        date(2026, 11, 16),
    )
    [dm] = workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == east.dana
    )
    assert dm.params["text"] == f"Set #{row.id} calls 60/week for maria from Mon 16 Nov."
    # Another view is another goal.
    _submit(
        workspace,
        east.dana,
        "VGOAL2",
        person=east.maria,
        metric="demos",
        target="5",
        period="month",
        start="2026-12-01",
    )
    assert [(g.metric, g.start) for g in workspace.rows(Goal)][-1] == ("demos", date(2026, 12, 1))


def test_modal_field_errors_change_nothing(workspace, east):
    goal(workspace, east.dana, f"set {_m(workspace, east.maria)} calls 60/week")
    [existing] = workspace.rows(Goal)
    before = state(workspace)
    assert (
        "person or a team"
        in _submit(workspace, east.dana, "VBAD1", target="60")["errors"]["person"]
    )
    assert _submit(workspace, east.dana, "VBAD2", person=east.maria, target="0")["errors"] == {
        "target": 'A target must be above 0 (got "0").'
    }
    assert _submit(workspace, east.dana, "VBAD3", person=east.maria, target="70")["errors"] == {
        "reason": f"#{existing.id} calls 60/week for maria from Mon 16 Nov has started — give a reason to replace it."
    }
    assert (
        "manager of maria's team"
        in _submit(workspace, east.bo, "VBAD4", person=east.maria)["errors"]["person"]
    )
    assert state(workspace) == before
    _submit(workspace, east.dana, "VOK", person=east.maria, target="70", reason="more leads")
    assert [g.target for g in workspace.rows(Goal) if g.removed_at is None and g.end is None] == [
        70
    ]


def test_a_team_goal_from_the_modal(workspace, east):
    [east_team] = workspace.rows(Team)
    assert (
        _submit(
            workspace,
            east.dana,
            "VTEAM",
            team=str(east_team.id),
            metric="revenue",
            target="$50,000",
            period="month",
        )
        == {}
    )
    [row] = workspace.rows(Goal)
    assert (row.kind, row.team_id, row.target, row.start) == (
        "team",
        east_team.id,
        5_000_000,
        date(2026, 11, 1),
    )


def test_simultaneous_clicks_decide_once(workspace, east):
    eve = workspace.user("eve")
    workspace.team(east.admin, f"manager east {_m(workspace, eve)}")
    goal(workspace, east.maria, "propose calls 70/week")
    [request] = workspace.rows(GoalRequest)
    _, dana_copy = _dm_with_buttons(workspace, east.dana)
    _, eve_copy = _dm_with_buttons(workspace, eve)
    clicks = [(east.dana, dana_copy), (eve, eve_copy)] * 2
    told = len(_ephemerals(workspace))  # /team's outcomes came through the response URL too
    with ThreadPoolExecutor(len(clicks)) as pool:
        list(
            pool.map(
                lambda c: _click(
                    workspace, "goal_request_approve", request.id, c[0], "D" + c[0], c[1]["ts"]
                ),
                clicks,
            )
        )
    assert len(workspace.rows(Goal)) == 1
    assert len([e for e in workspace.rows(AuditEvent) if e.action == "goal_request.approve"]) == 1
    assert len(_updates(workspace, "D" + east.dana)) == len(_updates(workspace, "D" + eve)) == 1
    assert (
        len(_ephemerals(workspace)) - told == 4
    )  # three "already approved", and the decider's reply


def test_simultaneous_modal_submissions_set_one_goal(workspace, east):
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda _: _submit(workspace, east.dana, "VRACE1", person=east.maria, target="60"),
                range(4),
            )
        )
    assert len(workspace.rows(Goal)) == 1
