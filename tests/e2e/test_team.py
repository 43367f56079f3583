"""/team end to end: every form, every refusal, and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest

from storage.models import AuditEvent, Person, Team, TeamSchedule


@pytest.fixture
def admin(workspace):
    return workspace.user("ada", admin=True)


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def test_create_with_every_option_shows_them_all(workspace, admin):
    dana = workspace.user("dana")
    reply = workspace.team(
        admin,
        f"create East <#C0EAST|sales-east> manager {_m(workspace, dana)} tz Europe/Berlin workweek sun-thu holidays DE",
    )
    assert reply.startswith("Created team *East* with manager dana.")
    [team] = workspace.rows(Team)
    assert (team.channel_id, team.tz, team.workweek, team.holidays_country) == (
        "C0EAST",
        "Europe/Berlin",
        "0,1,2,3,6",
        "DE",
    )
    shown = workspace.team(admin, "show east")
    assert (
        shown.splitlines()[0] == "*Team East* · <#C0EAST> · Europe/Berlin · Sun–Thu · holidays DE"
    )
    assert "Managers: dana" in shown
    assert (
        "Schedules: nudge Wed 10:00 · lagging-alert Thu 09:00 · weekly-digest Fri 16:00 · log-reminder off"
        in shown
    )


def test_a_new_team_takes_the_creators_time_zone_and_defaults(workspace):
    admin = workspace.user("ada", admin=True, tz="Australia/Sydney")
    workspace.team(admin, "create west")
    [team] = workspace.rows(Team)
    assert (team.tz, team.workweek, team.channel_id, team.approvals) == (
        "Australia/Sydney",
        "0,1,2,3,4",
        None,
        False,
    )


def test_add_remove_and_list_members(workspace, admin):
    maria, bo = workspace.user("maria"), workspace.user("bo")
    workspace.team(admin, "create east")
    assert (
        workspace.team(admin, f"add east {_m(workspace, maria)} {_m(workspace, bo)}")
        == "Added maria, bo to team *east*."
    )
    assert "Members (2): bo, maria" in workspace.team(admin, "show east")
    assert workspace.team(admin, "list") == "*Teams*\n• east — 2 members · no channel"
    assert workspace.team(admin, f"remove east {_m(workspace, bo)}").startswith(
        "Removed bo from team *east*."
    )
    assert "Members (1): maria" in workspace.team(admin, "show east")
    actions = [a.action for a in workspace.rows(AuditEvent)]
    assert actions == ["team.create", "team.add_member", "team.add_member", "team.remove_member"]


def test_a_rep_belongs_to_one_team_and_a_failed_add_changes_nothing(workspace, admin):
    maria, bo = workspace.user("maria"), workspace.user("bo")
    workspace.team(admin, "create east")
    workspace.team(admin, "create west")
    workspace.team(admin, f"add west {_m(workspace, bo)}")
    before = workspace.snapshot()
    reply = workspace.team(admin, f"add east {_m(workspace, maria)} {_m(workspace, bo)}")
    assert "bo is already in team west" in reply and "Example: `/team remove west @bo`" in reply
    assert workspace.snapshot() == before
    assert "Members (0)" in workspace.team(admin, "show east")


def test_managers_manage_their_own_team_only(workspace, admin):
    dana, maria, bo = workspace.user("dana"), workspace.user("maria"), workspace.user("bo")
    workspace.team(admin, f"create east manager {_m(workspace, dana)}")
    workspace.team(admin, "create west")
    assert workspace.team(dana, f"add east {_m(workspace, maria)}") == "Added maria to team *east*."
    assert workspace.team(dana, "schedule east nudge tue 09:30").startswith(
        "Team *east*: nudge is now Tue at 09:30"
    )
    before = workspace.snapshot()
    refused = workspace.team(dana, f"add west {_m(workspace, bo)}")
    assert refused.startswith("Only an admin or a manager of team west can do that.")
    assert "Only a workspace admin can create teams." in workspace.team(dana, "create north")
    assert workspace.snapshot() == before


def test_manager_add_and_remove(workspace, admin):
    dana = workspace.user("dana")
    workspace.team(admin, "create east")
    assert (
        workspace.team(admin, f"manager east {_m(workspace, dana)}") == "dana now manages *east*."
    )
    assert (
        workspace.team(admin, f"manager east {_m(workspace, dana)}")
        == "dana already manages *east*."
    )
    assert "Managers: dana" in workspace.team(admin, "show east")
    assert (
        workspace.team(admin, f"manager east remove {_m(workspace, dana)}")
        == "dana no longer manages *east*."
    )
    assert "Managers: none" in workspace.team(admin, "show east")


def test_a_rep_cannot_use_team(workspace, admin):
    workspace.team(admin, "create east")
    maria = workspace.user("maria")
    for text in ("list", "show east", "create west", f"add east {_m(workspace, maria)}"):
        before = workspace.snapshot()
        reply = workspace.team(maria, text)
        assert reply.startswith("Only workspace admins and team managers can use /team.")
        assert workspace.snapshot() == before
    assert "/team create" in workspace.team(maria, "help")


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("set east tz America/Chicago", ("tz", "America/Chicago")),
        ("set east workweek mon-thu", ("workweek", "0,1,2,3")),
        ("set east holidays us", ("holidays_country", "US")),
        ("set east holidays none", ("holidays_country", None)),
        ("set east channel <#C0NEW|new-east>", ("channel_id", "C0NEW")),
        ("set east approvals on", ("approvals", True)),
        ("set east thresholds 120,95,80", ("threshold_behind", 80)),
        ("set east name East-1", ("name", "East-1")),
    ],
)
def test_settings_are_stored_and_audited(workspace, admin, text, stored):
    workspace.team(admin, "create east holidays GB")
    reply = workspace.team(admin, text)
    assert reply.startswith("Team *")
    [team] = workspace.rows(Team)
    assert getattr(team, stored[0]) == stored[1]
    event = workspace.rows(AuditEvent)[-1]
    assert event.action.startswith("team.set.") and event.before != event.after


def test_parent_teams_cannot_loop(workspace, admin):
    workspace.team(admin, "create emea")
    workspace.team(admin, "create east")
    assert workspace.team(admin, "set east parent emea") == "Team *east*: parent set to emea."
    assert "Parent team: emea" in workspace.team(admin, "show east")
    before = workspace.snapshot()
    assert "cannot nest in a loop" in workspace.team(admin, "set emea parent east")
    assert workspace.snapshot() == before


def test_schedule_changes_are_stored(workspace, admin):
    workspace.team(admin, "create east tz America/New_York")
    assert workspace.team(admin, "schedule east weekly-digest fri 15:30") == (
        "Team *east*: weekly-digest is now Fri at 15:30 (America/New_York)."
    )
    assert workspace.team(admin, "schedule east log-reminder weekdays 17:00").startswith(
        "Team *east*: log-reminder is now Mon–Fri at 17:00"
    )
    assert workspace.team(admin, "schedule east nudge off") == "Team *east*: nudge is now off."
    rows = {r.job: (r.days, r.at_time, r.enabled) for r in workspace.rows(TeamSchedule)}
    assert rows == {
        "weekly-digest": ("4", "15:30", True),
        "log-reminder": ("0,1,2,3,4", "17:00", True),
        "nudge": (None, None, False),
    }
    assert (
        "nudge off · lagging-alert Thu 09:00 · weekly-digest Fri 15:30 · log-reminder Mon–Fri 17:00"
        in workspace.team(admin, "show east")
    )


def test_start_date_is_set_for_mid_period_joiners(workspace, admin):
    maria = workspace.user("maria")
    workspace.team(admin, f"create east manager {_m(workspace, admin)}")
    workspace.team(admin, f"add east {_m(workspace, maria)}")
    assert workspace.team(admin, f"start {_m(workspace, maria)} 2026-11-16").startswith(
        "maria starts on Mon 16 Nov"
    )
    person = [p for p in workspace.rows(Person) if p.slack_user_id == maria][0]
    assert person.start_date == date(2026, 11, 16)


BAD_TEAM_INPUT = [
    ("create east", "already exists"),
    ("create EAST", "already exists"),
    ("add nowhere <@U1|x>", 'Unknown team "nowhere". Teams: east.'),
    ("create west tz Mars/Base", 'Unknown time zone "Mars/Base"'),
    ("set east tz Nowhere/City", "Unknown time zone"),
    ("set east holidays XX", "XX"),
    ("set east thresholds 90,110,75", "thresholds"),
    ("set east workweek funday", "funday"),
    ("schedule east nudge fri 25:00", "25:00"),
    ("schedule east nudge fri 9", '"9" is not a time'),
    ("schedule east standup fri 09:00", "standup"),
    ("frobnicate", "frobnicate"),
    ("create " + "x" * 4000, "too long"),
    ("create 🚀team", "🚀team"),
]


@pytest.mark.parametrize(
    ("text", "mentions"), BAD_TEAM_INPUT, ids=[t[:24] for t, _ in BAD_TEAM_INPUT]
)
def test_bad_team_input_gets_a_specific_error_and_changes_nothing(workspace, admin, text, mentions):
    workspace.team(admin, "create east")
    before = workspace.snapshot()
    reply = workspace.team(admin, text)
    assert mentions in reply, reply
    assert "Example: `/team" in reply
    assert workspace.snapshot() == before


def test_bots_and_deactivated_people_cannot_join(workspace, admin):
    workspace.team(admin, "create east")
    robot = workspace.user("robot", is_bot=True)
    gone = workspace.user("gone", deleted=True)
    assert "robot is a bot" in workspace.team(admin, f"add east {_m(workspace, robot)}")
    assert "gone is deactivated" in workspace.team(admin, f"add east {_m(workspace, gone)}")


def test_an_unknown_slack_user_is_reported(workspace, admin):
    workspace.team(admin, "create east")
    reply = workspace.team(admin, "add east <@UNOBODY99|ghost>")
    assert "Slack could not find <@UNOBODY99> (user_not_found)" in reply


def test_a_second_workspace_sees_nothing_of_the_first(workspace, admin, running_app, slack):
    from tests.conftest import SIGNING_SECRET, SlackWorkspace
    from tests.support.signed_requests import SignedSlackClient

    maria = workspace.user("maria")
    workspace.team(admin, f"create east manager {_m(workspace, admin)}")
    workspace.team(admin, f"add east {_m(workspace, maria)}")
    workspace.log(maria, "calls 12")

    other_client = SignedSlackClient(
        running_app.url, SIGNING_SECRET, team_id="T0OTHER" + workspace.team_id[-4:]
    )
    other = SlackWorkspace(other_client.team_id, running_app, slack, other_client)
    try:
        other_admin = other.user("olga", admin=True)
        assert other.team(other_admin, "list").startswith("No teams yet.")
        assert other.team(other_admin, "show east").startswith('Unknown team "east"')
        # The same Slack user id in another workspace is another person with no history.
        other.names[maria] = "maria"
        assert other.log(maria, "list").startswith("No entries")
        assert other.log(maria, "calls 1").endswith("This week: 1 call")
        assert other.team(other_admin, "create east").startswith("Created team *east*")
        assert len(workspace.rows(Team)) == 1 and len(other.rows(Team)) == 1
        assert [e.quantity for e in workspace.entries()] == [12]
    finally:
        other_client.close()


def test_the_fiscal_year_start_shapes_quarters_everywhere(workspace, admin):
    maria = workspace.user("maria")
    before = workspace.snapshot()
    workspace.team(admin, f"create east manager {_m(workspace, admin)}")
    workspace.team(admin, f"add east {_m(workspace, maria)}")
    assert workspace.team(admin, "fiscal-year feb").startswith(
        "The fiscal year now starts in February"
    )
    # With a February start, FY2027 runs Feb 2026 – Jan 2027: 20 Nov 2026 is in its Q4.
    assert "(FY2027-Q4)" in workspace.reply("/progress", maria, "quarter")
    assert workspace.rows(AuditEvent)[-1].action == "workspace.fiscal_year"
    assert len(workspace.rows(AuditEvent)) > before[1]


def test_only_admins_set_the_fiscal_year(workspace, admin):
    dana = workspace.user("dana")
    workspace.team(admin, f"create east manager {_m(workspace, dana)}")
    before = workspace.snapshot()
    assert workspace.team(dana, "fiscal-year apr").startswith(
        "Only a workspace admin can set the fiscal year."
    )
    assert workspace.snapshot() == before
    assert "Example: `/team fiscal-year feb`" in workspace.team(admin, "fiscal-year 13")
