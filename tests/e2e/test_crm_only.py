"""`/team set NAME crm-only METRICS`: metrics only HubSpot records for a team, end to end over
signed HTTP — the setting stored, shown, audited and refused when bad; every typed path of
/log refusing a person's own entry of them (all or nothing), a manager's hand correction
recorded and audited; /log list saying where entries came from; undo never touching synced
entries."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from bot.core.team_grammar import TEAM_HELP
from storage.models import AuditEvent, CustomMetric, Entry, Person, Team, Workspace

CALLS_REFUSED = "Calls come from HubSpot for team east: log them in HubSpot and they show up here within a few minutes."
SET_REPLY = (
    "Team *east*: calls and deals now come only from HubSpot. A rep's own `/log calls 3` is refused — "
    "they log in HubSpot instead; managers can still correct by hand (`/log fix @rep calls 3`), "
    "and every correction is audited."
)
CLEARED_REPLY = (
    "Team *east*: every metric can be logged by hand again. "
    "Entries synced from HubSpot still count, added to the ones typed."
)
SHOWN = "Only from HubSpot: calls, deals (reps cannot /log them; managers can correct by hand)"
TAKES = (
    "crm-only takes any of calls, emails, meetings, demos, opportunities, deals, revenue, or none."
)
EXAMPLE = "\nExample: `/team set east crm-only calls,deals`"
OVERRIDE_NOTE = "Calls come from HubSpot for team east: this entry by hand adds to HubSpot's and is kept in the audit trail."


def _m(workspace, user_id: str) -> str:
    return f"<@{user_id}|{workspace.names[user_id]}>"


def _team(workspace, name: str = "east") -> Team:
    [team] = [t for t in workspace.rows(Team) if t.name == name]
    return team


def _person_id(workspace, user_id: str) -> int:
    [person] = [p for p in workspace.rows(Person) if p.slack_user_id == user_id]
    assert person.id is not None
    return person.id


def _crm_only(workspace, east, metrics: str = "calls,deals") -> None:
    assert workspace.team(east.dana, f"set east crm-only {metrics}").startswith("Team *east*: ")


def _insert(workspace, user_id: str, *, source: str, metric: str = "calls", quantity: int = 4,
            day: date = date(2026, 11, 20), note: str | None = None, enterer: str = "hubspot") -> None:  # fmt: skip
    """An entry as the HubSpot sync (or an import) writes it, straight into the database:
    entered by a bot person with no Slack id."""
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    with workspace.app.paceline.db.write() as session:
        ws = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        bot = session.scalar(
            sa.select(Person.id).where(Person.workspace_id == ws, Person.name == enterer)
        )
        if bot is None:
            person = Person(
                workspace_id=ws, name=enterer, is_bot=True, created_at=now, refreshed_at=now
            )
            session.add(person)
            session.flush()
            bot = person.id
        person_id = session.scalar(
            sa.select(Person.id).where(Person.workspace_id == ws, Person.slack_user_id == user_id)
        )
        object_id = uuid.uuid4().hex[:8]
        session.add(
            Entry(
                workspace_id=ws,
                person_id=person_id,
                metric=metric,
                day=day,
                quantity=quantity,
                note=note,
                source=source,
                batch_id=uuid.uuid4().hex,
                entered_by_id=bot,
                created_at=now,
                external_ref=f"hubspot:calls:{object_id}" if source.startswith("hubspot") else None,
            )  # fmt: skip
        )


def _values(**amounts: str) -> dict:
    values = {
        f"metric:{k}": {"amount": {"type": "plain_text_input", "value": v}}
        for k, v in amounts.items()
    }
    values["day"] = {"day": {"type": "datepicker", "selected_date": "2026-11-20"}}
    return values


# --- the setting ---------------------------------------------------------------------------------


def test_crm_only_is_stored_in_catalog_order_shown_audited_and_cleared(workspace, east):
    assert workspace.team(east.dana, "set east crm-only Deals, dials") == SET_REPLY
    team = _team(workspace)
    assert team.crm_only == "calls,deals"
    event = workspace.rows(AuditEvent)[-1]
    assert (event.action, event.subject_id, event.actor_id) == (
        "team.set.crm-only",
        team.id,
        _person_id(workspace, east.dana),
    )
    assert (
        json.loads(event.before)["crm_only"] == ""
        and json.loads(event.after)["crm_only"] == "calls,deals"
    )
    assert SHOWN in workspace.team(east.dana, "show east").splitlines()

    assert workspace.team(east.admin, "set east crm_only none") == CLEARED_REPLY
    assert _team(workspace).crm_only == ""
    assert "Only from HubSpot" not in workspace.team(east.admin, "show east")
    assert workspace.team(east.admin, "set east crm-only OFF") == CLEARED_REPLY
    assert [e.action for e in workspace.rows(AuditEvent)].count("team.set.crm-only") == 3


def test_revenue_alone_reads_as_one_thing(workspace, east):
    assert workspace.team(east.dana, "set east crm-only rev") == (
        "Team *east*: revenue now comes only from HubSpot. A rep's own `/log revenue $500` is refused — "
        "they log in HubSpot instead; managers can still correct by hand (`/log fix @rep revenue $500`), "
        "and every correction is audited."
    )
    assert _team(workspace).crm_only == "revenue"


def test_help_names_the_setting(workspace, east):
    assert "`/team set east crm-only calls,deals`" in TEAM_HELP
    assert "crm-only calls,deals" in workspace.team(east.dana, "help")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("set east crm-only", "Name the metrics that come only from HubSpot — any of calls, emails, meetings, "
                              "demos, opportunities, deals, revenue — or none to clear it."),
        ("set east crm-only proposals", f"HubSpot does not sync proposals, so they cannot come only from it — {TAKES}"),
        ("set east crm-only calls,proposal", f"HubSpot does not sync proposals, so they cannot come only from it — {TAKES}"),
        ("set east crm-only nps", f'"nps" is not a metric HubSpot syncs. {TAKES}'),
        ("set east crm-only cals", f'"cals" is not a metric HubSpot syncs. Did you mean calls? {TAKES}'),
        ("set east crm-only calls none", "`none` stands alone — write crm-only none to clear it, or list the metrics."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_an_example_and_changes_nothing(workspace, east, text, message):
    _crm_only(workspace, east, "demos")
    before = workspace.snapshot()
    assert workspace.team(east.dana, text) == message + EXAMPLE
    assert workspace.snapshot() == before
    assert _team(workspace).crm_only == "demos"


def test_a_custom_metric_cannot_be_crm_only(workspace, east):
    with workspace.app.paceline.db.write() as session:
        ws = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        session.add(CustomMetric(workspace_id=ws, key="nps", aliases="score", cap=1000,
                                 created_at=datetime(2026, 11, 1, tzinfo=UTC)))  # fmt: skip
    assert workspace.log(east.maria, "nps 3").startswith(
        "Logged 3 nps"
    )  # a metric of the workspace
    before = workspace.snapshot()
    assert (
        workspace.team(east.dana, "set east crm-only calls,nps")
        == f'"nps" is not a metric HubSpot syncs. {TAKES}{EXAMPLE}'
    )
    assert workspace.snapshot() == before
    assert _team(workspace).crm_only == ""


def test_only_admins_and_the_teams_managers_may_set_it(workspace, east):
    before = workspace.snapshot()
    assert workspace.team(east.maria, "set east crm-only calls").startswith(
        "Only workspace admins and team managers can use /team."
    )
    lee = workspace.user("lee")
    workspace.team(east.admin, f"create west manager {_m(workspace, lee)}")
    before = workspace.snapshot()
    assert workspace.team(lee, "set east crm-only calls") == (
        "Only an admin or a manager of team east can do that.\nExample: `/team show east`"
    )
    assert workspace.snapshot() == before
    assert _team(workspace).crm_only == ""
    assert workspace.team(east.admin, "set east crm-only calls").startswith(
        "Team *east*: calls now come only"
    )


# --- /log refused for one's own numbers -------------------------------------------------------------


def test_a_reps_own_log_of_a_crm_only_metric_is_refused(workspace, east):
    _crm_only(workspace, east)
    before = workspace.snapshot()
    assert workspace.log(east.maria, "calls 3") == CALLS_REFUSED
    assert workspace.log(east.maria, "1 deal yesterday -- Acme") == (
        "Deals come from HubSpot for team east: log them in HubSpot and they show up here within a few minutes."
    )
    assert workspace.snapshot() == before


def test_a_reps_fix_of_a_crm_only_metric_is_refused(workspace, east):
    _crm_only(workspace, east)
    _insert(workspace, east.maria, source="hubspot", quantity=4)
    before = workspace.snapshot()
    assert workspace.log(east.maria, "fix calls 3") == (
        f"{CALLS_REFUSED} If HubSpot's number is wrong, a manager of east can correct it by hand."
    )
    assert workspace.snapshot() == before


def test_several_metrics_with_one_crm_only_store_nothing(workspace, east):
    _crm_only(workspace, east)
    before = workspace.snapshot()
    reply = workspace.log(east.maria, "calls 3 demos 2 revenue 1.2k yesterday")
    assert reply == (
        f"{CALLS_REFUSED} Nothing was logged, not even demos and revenue: a /log is stored whole or not at all."
        "\nExample: `/log demos 2 revenue $1,200 2026-11-19`"
    )
    assert workspace.snapshot() == before
    # The example logs the rest.
    assert workspace.log(east.maria, "demos 2 revenue $1,200 2026-11-19").startswith(
        "Logged 2 demos · $1,200 revenue on Thu 19 Nov."
    )
    two = workspace.log(east.maria, "deals 1 calls 2 meetings 1")
    assert two.startswith(
        "Deals and calls come from HubSpot for team east: log them in HubSpot and they show up here "
        "within a few minutes. Nothing was logged, not even meetings:"
    )
    assert two.endswith("\nExample: `/log meetings 1`")


def test_revenue_refused_reads_as_one_thing(workspace, east):
    _crm_only(workspace, east, "revenue")
    assert workspace.log(east.maria, "revenue $500") == (
        "Revenue comes from HubSpot for team east: log it in HubSpot and it shows up here within a few minutes."
    )
    assert workspace.entries() == []


def test_a_manager_logging_their_own_numbers_in_the_team_is_refused_too(workspace, east):
    workspace.team(east.admin, f"add east {_m(workspace, east.dana)}")
    _crm_only(workspace, east)
    assert workspace.log(east.dana, "calls 3") == CALLS_REFUSED
    assert workspace.log(east.dana, f"{_m(workspace, east.dana)} calls 3") == CALLS_REFUSED
    assert workspace.entries() == []


def test_the_log_modal_refuses_under_the_crm_only_field(workspace, east):
    _crm_only(workspace, east)
    before = workspace.snapshot()
    response = workspace.client.view_submission(
        "log_modal", _values(calls="3", demos="2"), user_id=east.maria, view_id="VCRMONLY1"
    )
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {"metric:calls": CALLS_REFUSED}
    assert workspace.snapshot() == before
    # Without it, the rest logs.
    response = workspace.client.view_submission(
        "log_modal", _values(demos="2"), user_id=east.maria, view_id="VCRMONLY2"
    )
    assert response.status == 200
    assert [(e.metric, e.quantity) for e in workspace.entries()] == [("demos", 2)]


# --- a manager's correction by hand --------------------------------------------------------------


def test_a_manager_may_log_and_fix_for_a_rep_and_it_is_audited(workspace, east):
    _crm_only(workspace, east)
    maria = _person_id(workspace, east.maria)
    dana = _person_id(workspace, east.dana)
    reply = workspace.log(east.dana, f"{_m(workspace, east.maria)} calls 3 demos 1")
    assert reply.startswith("Logged 3 calls · 1 demo for maria on Fri 20 Nov.\n")
    assert reply.endswith("\n" + OVERRIDE_NOTE)
    assert sorted((e.metric, e.quantity, e.person_id, e.entered_by_id) for e in workspace.entries()) == [
        ("calls", 3, maria, dana), ("demos", 1, maria, dana),
    ]  # fmt: skip
    [event] = [e for e in workspace.rows(AuditEvent) if e.action == "entry.crm_override"]
    assert (event.actor_id, event.subject_type, event.subject_id) == (dana, "person", maria)
    after = json.loads(event.after)
    assert {k: after[k] for k in ("metric", "quantity", "day", "person_id", "team", "command")} == {
        "metric": "calls", "quantity": 3, "day": "2026-11-20", "person_id": maria, "team": "east", "command": "log",
    }  # fmt: skip
    assert after["batch_id"] == workspace.entries()[0].batch_id

    _insert(workspace, east.maria, source="hubspot", quantity=4)
    fixed = workspace.log(east.dana, f"fix {_m(workspace, east.maria)} calls 5")
    assert fixed.startswith("Set maria's calls for Fri 20 Nov to 5 calls (was 7 calls).\n")
    assert fixed.endswith("\n" + OVERRIDE_NOTE)
    overrides = [e for e in workspace.rows(AuditEvent) if e.action == "entry.crm_override"]
    assert len(overrides) == 2
    fix_after = json.loads(overrides[-1].after)
    assert {k: fix_after[k] for k in ("metric", "quantity", "total", "day", "person_id", "command")} == {
        "metric": "calls", "quantity": -2, "total": 5, "day": "2026-11-20", "person_id": maria, "command": "fix",
    }  # fmt: skip
    assert json.loads(overrides[-1].before) == {"total": 7}
    assert "entries.fix" in [e.action for e in workspace.rows(AuditEvent)]


def test_an_admin_may_log_for_a_rep_and_it_is_audited(workspace, east):
    _crm_only(workspace, east)
    reply = workspace.log(east.admin, f"{_m(workspace, east.bo)} deals 1")
    assert reply.startswith("Logged 1 deal for bo on Fri 20 Nov.")
    assert [(e.metric, e.quantity) for e in workspace.entries()] == [("deals", 1)]
    [event] = [e for e in workspace.rows(AuditEvent) if e.action == "entry.crm_override"]
    assert json.loads(event.after)["metric"] == "deals"
    assert event.subject_id == _person_id(workspace, east.bo)


def test_metrics_not_crm_only_log_without_an_override_event(workspace, east):
    _crm_only(workspace, east)
    assert (
        workspace.log(east.maria, "demos 2") == "Logged 2 demos on Fri 20 Nov.\nThis week: 2 demos"
    )
    reply = workspace.log(east.dana, f"{_m(workspace, east.maria)} meetings 1")
    assert "HubSpot" not in reply
    assert not [e for e in workspace.rows(AuditEvent) if e.action == "entry.crm_override"]


# --- unaffected -----------------------------------------------------------------------------------


def test_a_team_without_the_setting_and_a_person_on_no_team_are_unaffected(workspace, east):
    _crm_only(workspace, east)
    lee, kim, solo = workspace.user("lee"), workspace.user("kim"), workspace.user("solo")
    workspace.team(east.admin, f"create west manager {_m(workspace, lee)}")
    workspace.team(east.admin, f"add west {_m(workspace, kim)}")
    assert workspace.log(kim, "calls 3") == "Logged 3 calls on Fri 20 Nov.\nThis week: 3 calls"
    assert workspace.log(kim, "fix calls 5").startswith(
        "Set calls for Fri 20 Nov to 5 calls (was 3 calls)."
    )
    assert workspace.log(solo, "deals 1").startswith("Logged 1 deal on Fri 20 Nov.")
    assert not [e for e in workspace.rows(AuditEvent) if e.action == "entry.crm_override"]
    # Cleared: east's reps log calls again, and synced ones add up with them.
    _insert(workspace, east.maria, source="hubspot", quantity=4)
    workspace.team(east.dana, "set east crm-only none")
    assert (
        workspace.log(east.maria, "calls 3") == "Logged 3 calls on Fri 20 Nov.\nThis week: 7 calls"
    )


# --- /log list and undo ---------------------------------------------------------------------------


def test_list_marks_synced_and_imported_entries_and_keeps_typed_lines(workspace, east):
    workspace.log(east.maria, "calls 3 2026-11-18 -- old week")
    _insert(workspace, east.maria, source="import", metric="deals", quantity=1, day=date(2026, 11, 19),
            note="CRM Acme", enterer="paceline-import")  # fmt: skip
    _insert(workspace, east.maria, source="hubspot", quantity=4, note="Call with Acme")
    _insert(workspace, east.maria, source="hubspot-backfill", metric="meetings", quantity=2)
    workspace.log(east.dana, f"{_m(workspace, east.maria)} demos 1 -- Acme")
    assert workspace.log(east.maria, "list") == (
        "*Your entries (most recent)*, newest first:\n"
        "• Fri 20 Nov · 1 demo — Acme (logged by dana)\n"
        "• Fri 20 Nov · 2 meetings · from HubSpot\n"
        "• Fri 20 Nov · 4 calls · from HubSpot — Call with Acme\n"
        "• Thu 19 Nov · 1 deal · imported — CRM Acme\n"
        "• Wed 18 Nov · 3 calls — old week"
    )


def test_a_long_list_stays_within_one_reply(workspace, east):
    for i in range(25):
        _insert(workspace, east.maria, source="hubspot", quantity=1 + i, note="n" * 500)
    reply = workspace.log(east.maria, "list")
    assert len(reply) <= 4000
    assert reply.splitlines()[1] == f"• Fri 20 Nov · 25 calls · from HubSpot — {'n' * 500}"
    assert reply.endswith(
        "more entries — narrow it with `/log list 2026-11-20` or `/log list week`"
    )


def test_undo_never_removes_synced_entries(workspace, east):
    _crm_only(workspace, east)
    workspace.log(east.maria, "demos 2")
    _insert(workspace, east.maria, source="hubspot", quantity=4)  # newer than the rep's /log
    _insert(workspace, east.maria, source="hubspot-backfill", metric="deals", quantity=1)
    assert workspace.log(east.maria, "undo") == (
        "Undid your /log for Fri 20 Nov: 2 demos.\nThis week now: 0 demos"
    )
    assert sorted((e.metric, e.source) for e in workspace.entries()) == [
        ("calls", "hubspot"),
        ("deals", "hubspot-backfill"),
    ]
    assert (
        workspace.log(east.maria, "undo")
        == "Nothing to undo: you have no /log entries left to remove."
    )
    assert all(e.external_ref and e.deleted_at is None for e in workspace.entries())
