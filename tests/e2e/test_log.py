"""/log end to end: signed HTTP requests to the running app, replies and stored rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage.models import AuditEvent, TimeOff


def test_log_calls_stores_the_entry_and_replies_with_the_week_total(workspace):
    maria = workspace.user("maria")
    assert workspace.log(maria, "calls 12") == "Logged 12 calls on Fri 20 Nov.\nThis week: 12 calls"
    [entry] = workspace.entries()
    assert (entry.metric, entry.quantity, entry.day, entry.source) == (
        "calls",
        12,
        date(2026, 11, 20),
        "slack",
    )
    assert entry.entered_by_id == entry.person_id


def test_amount_first_and_aliases_are_the_same_command(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 12")
    reply = workspace.log(maria, "8 Dials")
    assert reply == "Logged 8 calls on Fri 20 Nov.\nThis week: 20 calls"
    assert [e.quantity for e in workspace.entries()] == [12, 8]


def test_several_metrics_are_stored_together(workspace):
    maria = workspace.user("maria")
    reply = workspace.log(maria, "calls 12 demos 2 meetings 1")
    assert reply.startswith("Logged 12 calls · 2 demos · 1 meeting on Fri 20 Nov.")
    rows = workspace.entries()
    assert sorted((e.metric, e.quantity) for e in rows) == [
        ("calls", 12),
        ("demos", 2),
        ("meetings", 1),
    ]
    assert len({e.batch_id for e in rows}) == 1


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("calls 3 yesterday", date(2026, 11, 19)),
        ("calls 3 mon", date(2026, 11, 16)),
        ("calls 3 fri", date(2026, 11, 20)),
        ("demos 2 2026-11-02", date(2026, 11, 2)),
    ],
)
def test_date_words_pick_the_persons_local_day(workspace, text, day):
    maria = workspace.user("maria")
    workspace.log(maria, text)
    assert workspace.entries()[0].day == day


def test_a_past_week_reply_names_that_week(workspace):
    maria = workspace.user("maria")
    reply = workspace.log(maria, "calls 3 2026-11-10")
    assert reply == "Logged 3 calls on Tue 10 Nov.\nWeek of Mon 9 Nov: 3 calls"


@pytest.mark.parametrize(
    ("text", "cents", "shown"),
    [
        ("revenue $4,500 -- Acme renewal", 450_000, "$4,500 revenue"),
        ("rev 4.5k", 450_000, "$4,500 revenue"),
        ("revenue $4,500.50", 450_050, "$4,500.50 revenue"),
        ("$ 1.2m", 120_000_000, "$1,200,000 revenue"),
    ],
)
def test_money_is_stored_in_cents(workspace, text, cents, shown):
    maria = workspace.user("maria")
    reply = workspace.log(maria, text)
    assert reply.startswith(f"Logged {shown} on Fri 20 Nov.")
    assert workspace.entries()[0].quantity == cents


def test_a_note_after_double_dash_is_kept_verbatim(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "revenue $4,500 -- Acme renewal 🎉 שלום")
    assert workspace.entries()[0].note == "Acme renewal 🎉 שלום"


def test_the_day_is_the_persons_own_local_date(workspace):
    # 23:30 on Sunday 1 November in New York (the day daylight saving ended) is already
    # Monday in UTC and Monday afternoon in Sydney.
    workspace.app.clock.set(datetime(2026, 11, 2, 4, 30, tzinfo=UTC))
    new_york = workspace.user("ny", tz="America/New_York")
    sydney = workspace.user("syd", tz="Australia/Sydney")
    assert "on Sun 1 Nov" in workspace.log(new_york, "calls 1")
    assert "on Mon 2 Nov" in workspace.log(sydney, "calls 1")
    by_person = {e.person_id: e.day for e in workspace.entries()}
    assert sorted(by_person.values()) == [date(2026, 11, 1), date(2026, 11, 2)]


def test_a_week_spanning_two_months_adds_both_months_days(workspace):
    workspace.app.clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # Wed 2 Dec
    maria = workspace.user("maria")
    workspace.log(maria, "calls 5 2026-11-30")
    assert workspace.log(maria, "calls 7 2026-12-01").endswith("This week: 12 calls")


def test_yesterday_on_new_years_day_is_last_year(workspace):
    workspace.app.clock.set(datetime(2027, 1, 1, 15, 0, tzinfo=UTC))  # Fri 1 Jan 2027
    maria = workspace.user("maria")
    reply = workspace.log(maria, "calls 4 yesterday")
    assert workspace.entries()[0].day == date(2026, 12, 31)
    assert reply.endswith("This week: 4 calls")  # the ISO week of 28 Dec – 3 Jan


def test_daylight_saving_week_still_has_seven_local_days(workspace):
    # New York springs forward on Sun 14 March 2027: that week is still Mon 8 – Sun 14.
    workspace.app.clock.set(
        datetime(2027, 3, 14, 16, 0, tzinfo=UTC)
    )  # Sun 14 Mar, after the switch
    maria = workspace.user("maria")
    workspace.log(maria, "calls 2 2027-03-08")
    assert workspace.log(maria, "calls 3").endswith("This week: 5 calls")


def test_users_info_is_called_once_per_new_person(workspace):
    maria = workspace.user("maria")
    for _ in range(3):
        workspace.log(maria, "calls 1")
    looked_up = [c for c in workspace.slack.calls_to("users.info") if c.params.get("user") == maria]
    assert len(looked_up) == 1


# --- undo, fix, list, off, help ---------------------------------------------------------


def test_undo_removes_the_last_log_then_the_one_before_and_keeps_history(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 10")
    workspace.log(maria, "calls 2 demos 1")
    assert workspace.log(maria, "undo") == (
        "Undid your /log for Fri 20 Nov: 2 calls · 1 demo.\nThis week now: 10 calls · 0 demos"
    )
    assert [(e.metric, e.quantity) for e in workspace.entries()] == [("calls", 10)]
    assert "10 calls" in workspace.log(maria, "undo")
    assert workspace.entries() == []
    assert (
        workspace.log(maria, "undo") == "Nothing to undo: you have no /log entries left to remove."
    )
    every_row = workspace.entries(live_only=False)
    assert len(every_row) == 3 and all(e.deleted_at is not None for e in every_row)
    assert [a.action for a in workspace.rows(AuditEvent)] == ["entries.undo", "entries.undo"]


def test_fix_makes_the_days_total_exact_with_a_correction_entry(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 12")
    workspace.log(maria, "calls 3 yesterday")
    reply = workspace.log(maria, "fix calls 10")
    assert reply == "Set calls for Fri 20 Nov to 10 calls (was 12 calls).\nThis week: 13 calls"
    fix = workspace.entries()[-1]
    assert (fix.kind, fix.quantity, fix.day) == ("fix", -2, date(2026, 11, 20))
    [event] = workspace.rows(AuditEvent)
    assert (
        event.action == "entries.fix"
        and '"total": 12' in event.before
        and '"total": 10' in event.after
    )
    assert workspace.log(maria, "fix calls 3 yesterday").startswith(
        "Calls for Thu 19 Nov are already 3 calls"
    )
    assert len(workspace.entries()) == 3


def test_undo_after_fix_restores_the_previous_total(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 12")
    workspace.log(maria, "fix calls 10")
    assert workspace.log(maria, "undo").endswith("This week now: 12 calls")


def test_list_shows_entries_newest_first(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 3 2026-11-02 -- old week")
    workspace.log(maria, "calls 5 yesterday")
    workspace.log(maria, "demos 1 -- Acme")
    assert workspace.log(maria, "list") == (
        "*Your entries (most recent)*, newest first:\n"
        "• Fri 20 Nov · 1 demo — Acme\n"
        "• Thu 19 Nov · 5 calls\n"
        "• Mon 2 Nov · 3 calls — old week"
    )
    week = workspace.log(maria, "list week")
    assert "this week" in week and "Mon 2 Nov" not in week and "Thu 19 Nov" in week
    day = workspace.log(maria, "list 2026-11-02")
    assert "Mon 2 Nov · 3 calls" in day and "Acme" not in day
    assert workspace.log(maria, "list 2026-11-03").startswith("No entries for Tue 3 Nov.")


def test_time_off_is_recorded_with_its_reason(workspace):
    maria = workspace.user("maria")
    reply = workspace.log(maria, "off 2026-12-24..2026-12-31 -- family")
    assert reply.startswith("Time off recorded for you: Thu 24 Dec – Thu 31 Dec (8 days).")
    [row] = workspace.rows(TimeOff)
    assert (row.start, row.end, row.reason) == (date(2026, 12, 24), date(2026, 12, 31), "family")


def test_help_lists_every_form(workspace):
    maria = workspace.user("maria")
    text = workspace.log(maria, "help")
    for form in ("/log calls 12", "undo", "fix", "list", "off", "--"):
        assert form in text


# --- on behalf of someone ------------------------------------------------------------------


def _team_with(workspace, manager, *members):
    admin = workspace.user("admin", admin=True)
    workspace.team(admin, f"create east manager <@{manager}|mgr>")
    workspace.team(admin, "add east " + " ".join(f"<@{m}|{workspace.names[m]}>" for m in members))
    return admin


def test_a_manager_logs_for_a_member_of_their_team(workspace):
    dana, maria = workspace.user("dana"), workspace.user("maria")
    _team_with(workspace, dana, maria)
    reply = workspace.log(dana, f"<@{maria}|maria> calls 12")
    assert reply == "Logged 12 calls for maria on Fri 20 Nov.\nThis week: 12 calls"
    [entry] = workspace.entries()
    assert entry.person_id != entry.entered_by_id
    # The manager's undo removes what the manager entered.
    assert "for maria" in workspace.log(dana, "undo")


def test_an_admin_logs_for_anyone(workspace):
    admin, maria = workspace.user("boss", admin=True), workspace.user("maria")
    assert workspace.log(admin, f"<@{maria}|maria> demos 1").startswith("Logged 1 demo for maria")


def test_an_env_admin_is_an_admin(workspace):
    from tests.conftest import ENV_ADMIN

    workspace.slack.add_user(ENV_ADMIN, "envadmin", team_id=workspace.team_id)
    workspace.names[ENV_ADMIN] = "envadmin"
    maria = workspace.user("maria")
    assert workspace.log(ENV_ADMIN, f"<@{maria}|maria> calls 1").startswith(
        "Logged 1 call for maria"
    )


def test_a_rep_cannot_log_for_someone_else(workspace):
    maria, bo = workspace.user("maria"), workspace.user("bo")
    before = workspace.snapshot()
    reply = workspace.log(maria, f"<@{bo}|bo> calls 12")
    assert reply.startswith("You can only log for yourself or members of teams you manage")
    assert "Example: `" in reply
    assert workspace.snapshot() == before


def test_a_manager_cannot_log_for_someone_outside_their_teams(workspace):
    dana, maria, stranger = workspace.user("dana"), workspace.user("maria"), workspace.user("zed")
    _team_with(workspace, dana, maria)
    before = workspace.snapshot()
    assert "not on a team you manage" in workspace.log(dana, f"<@{stranger}|zed> calls 1")
    assert workspace.snapshot() == before


def test_managers_may_backdate_past_the_window_and_reps_may_not(workspace):
    dana, maria = workspace.user("dana"), workspace.user("maria")
    _team_with(workspace, dana, maria)
    before = workspace.snapshot()
    refused = workspace.log(maria, "calls 2 2026-10-01")
    assert "31 days" in refused and "Example:" in refused
    assert workspace.snapshot() == before
    assert workspace.log(dana, f"<@{maria}|maria> calls 2 2026-10-01").startswith(
        "Logged 2 calls for maria"
    )


# --- bad input: a clear error with an example, and nothing stored ----------------------------

BAD_INPUT = [
    ("cals 12", "did you mean calls?"),
    ("calls", "calls"),
    ("12", "12"),
    ("calls 12 13", "13"),
    ("calls 0", "0"),
    ("calls -3", "-3"),
    ("calls 2.5", "2.5"),
    ("calls 1001", "1,000"),
    ("revenue $4,50,0", "$4,50,0"),
    ("revenue 4kk", "4kk"),
    ("revenue 20m", "10,000,000"),
    ("calls 12 2026-11-21", "future"),
    ("calls 12 2026-02-30", "2026-02-30"),
    ("calls 12 calls 3", "calls"),
    ("calls " + "1" * 4000, "too long"),
    ("📞 12", "Unknown metric"),
    ("مكالمات 12", "Unknown metric"),
]


@pytest.mark.parametrize(("text", "mentions"), BAD_INPUT, ids=[t[:20] for t, _ in BAD_INPUT])
def test_bad_input_gets_a_specific_error_and_stores_nothing(workspace, text, mentions):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 1")
    before = workspace.snapshot()
    reply = workspace.log(maria, text)
    assert mentions in reply
    assert "Example: `/" in reply
    assert workspace.snapshot() == before


def test_one_bad_metric_in_a_multi_metric_log_stores_none_of_them(workspace):
    maria = workspace.user("maria")
    reply = workspace.log(maria, "calls 12 demoz 2")
    assert 'Unknown metric "demoz"' in reply
    assert workspace.entries() == []


# --- the modal -------------------------------------------------------------------------------


def _open_modal(workspace, user):
    workspace.slack.clear()
    assert workspace.log(user, "") == ""
    [call] = workspace.slack.wait_for("views.open")
    return call.params["view"], call.params["trigger_id"]


def _values(**amounts):
    values = {
        f"metric:{k}": {"amount": {"type": "plain_text_input", "value": v}}
        for k, v in amounts.items()
    }
    values["day"] = {
        "day": {"type": "datepicker", "selected_date": amounts.pop("_day", "2026-11-20")}
    }
    return values


def test_log_without_text_opens_the_modal(workspace):
    maria = workspace.user("maria")
    view, trigger_id = _open_modal(workspace, maria)
    assert trigger_id
    assert view["callback_id"] == "log_modal"
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert block_ids[0] == "day" and "metric:calls" in block_ids and "metric:revenue" in block_ids
    assert view["blocks"][0]["element"]["initial_date"] == "2026-11-20"


def test_a_modal_submission_logs_once_even_when_submitted_twice(workspace):
    maria = workspace.user("maria")
    _open_modal(workspace, maria)
    values = _values(calls="12", revenue="$1,200")
    for _ in range(2):
        response = workspace.client.view_submission(
            "log_modal", values, user_id=maria, view_id="VDOUBLE1"
        )
        assert response.status == 200
    assert sorted((e.metric, e.quantity, e.source) for e in workspace.entries()) == [
        ("calls", 12, "slack"),
        ("revenue", 120_000, "slack"),
    ]
    [dm] = workspace.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == maria
    )
    assert dm.params["text"].startswith("Logged 12 calls · $1,200 revenue on Fri 20 Nov.")


def test_an_empty_modal_submission_is_refused_in_the_modal(workspace):
    maria = workspace.user("maria")
    response = workspace.client.view_submission(
        "log_modal", _values(), user_id=maria, view_id="VEMPTY1"
    )
    body = response.json()
    assert body["response_action"] == "errors"
    assert "at least one number" in body["errors"]["metric:calls"]
    assert workspace.entries() == []


def test_a_bad_number_in_the_modal_names_the_field_and_stores_nothing(workspace):
    maria = workspace.user("maria")
    response = workspace.client.view_submission(
        "log_modal", _values(calls="12", demos="2.5"), user_id=maria, view_id="VBAD1"
    )
    body = response.json()
    assert list(body["errors"]) == ["metric:demos"]
    assert workspace.entries() == []


def test_a_future_day_in_the_modal_is_refused(workspace):
    maria = workspace.user("maria")
    values = _values(calls="3")
    values["day"]["day"]["selected_date"] = "2026-11-25"
    body = workspace.client.view_submission(
        "log_modal", values, user_id=maria, view_id="VFUT1"
    ).json()
    assert "future" in body["errors"]["day"]
    assert workspace.entries() == []


# --- signatures ------------------------------------------------------------------------------


def test_a_bad_signature_is_rejected_and_nothing_is_stored(workspace):
    maria = workspace.user("maria")
    response = workspace.command("/log", maria, "calls 12", secret="0" * 32)
    assert response.status == 401
    assert workspace.entries() == []


def test_a_stale_request_is_rejected(workspace):
    import time

    maria = workspace.user("maria")
    response = workspace.command("/log", maria, "calls 12", timestamp=int(time.time()) - 600)
    assert response.status == 401
    assert workspace.entries() == []


def test_notes_are_escaped_when_echoed_so_they_never_ping(workspace):
    maria = workspace.user("maria")
    workspace.log(maria, "calls 1 -- tell <!channel> & <@U123>")
    assert workspace.entries()[0].note == "tell <!channel> & <@U123>"
    listed = workspace.log(maria, "list")
    assert "<!channel>" not in listed and "&lt;!channel&gt; &amp; &lt;@U123&gt;" in listed


def test_a_single_number_modal_submitted_twice_logs_once(workspace):
    # One metric takes the single-statement path, where the repeated key must still be caught.
    maria = workspace.user("maria")
    for _ in range(2):
        response = workspace.client.view_submission(
            "log_modal", _values(calls="7"), user_id=maria, view_id="VONE1"
        )
        assert response.status == 200
    assert [(e.metric, e.quantity) for e in workspace.entries()] == [("calls", 7)]
