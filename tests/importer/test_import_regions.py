"""`paceline import crm … --teams` and the team tree (issue #13, item 8): regional offices
become parent teams of the managers' teams, and a re-import changes nothing a person set by
hand — a team moved or taken out of its region, a rep moved to another team — while its
report says what it left. Both databases."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.importer.cli import ImportOptions, import_crm
from storage.models import AuditEvent, Person, Team, TeamManager, TeamMember

CRM = Path(__file__).resolve().parents[1] / "data" / "crm"
PIPELINE, TEAMS = CRM / "sales_pipeline.csv", CRM / "sales_teams.csv"
DARCEL = "Darcel Schlecht"  # in the files; matched to the Slack user `darcel`
# The tree the shared team list makes: sales_teams.csv's offices over its managers' teams.
REGIONS = {
    "central": None, "east": None, "west": None,
    "dustin": "central", "melvin": "central", "cara": "east", "rocco": "east", "celia": "west", "summer": "west",
}  # fmt: skip


def _import(workspace, slack, teams_file: Path = TEAMS):
    report = import_crm(
        workspace.app.paceline.db, WebClient(token="xoxb-test-token", base_url=slack.api_url), PIPELINE, teams_file,
        ImportOptions(workspace=workspace.team_id, tz="America/New_York"), workspace.app.clock, io.StringIO(),
    )  # fmt: skip
    assert not report.rejected, report.text()
    return report


def _state(workspace) -> dict:
    """Each team's parent, who is in which team, who manages which, and how many audit events."""
    with workspace.app.paceline.db.read() as session:
        ws = workspace._workspace_id(session)
        teams = {t.id: t for t in session.scalars(sa.select(Team).where(Team.workspace_id == ws))}

        def pairs(link) -> set[tuple[str, str]]:
            rows = session.execute(
                sa.select(link.team_id, Person.name)
                .join(Person, Person.id == link.person_id)
                .where(link.workspace_id == ws)
            )
            return {(teams[team_id].name, name) for team_id, name in rows}

        audits = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.workspace_id == ws)
        )
        return {
            "parents": {
                t.name: teams[t.parent_id].name if t.parent_id else None for t in teams.values()
            },
            "members": pairs(TeamMember),
            "managers": pairs(TeamManager),
            "audit_events": audits,
        }


def _notes(report) -> list[str]:
    return [line.strip() for line in report.text().splitlines() if line.startswith("  Team")]


@pytest.fixture
def people(workspace):
    """An admin, Darcel (a rep in Melvin's team, matched by real name) and Rhea, a Slack user
    who is made manager of the central region after the import."""
    return (
        workspace.user("ada", admin=True),
        workspace.user("darcel", real_name=DARCEL),
        workspace.user("rhea"),
    )


def test_regions_are_parents_and_a_reimport_keeps_what_people_changed_by_hand(
    workspace, slack, people
):
    ada, darcel, rhea = people
    first = _import(workspace, slack)
    assert _notes(first) == [
        "Teams created: central, east, west, dustin, melvin, cara, rocco, celia, summer.",
        "Team members added: 35.",
    ]
    state = _state(workspace)
    assert state["parents"] == REGIONS
    assert (
        ("melvin", "darcel") in state["members"],
        ("melvin", "Melvin Marxen") in state["managers"],
    ) == (True, True)
    listed = workspace.team(ada, "list")
    assert (
        "• central — 0 members · 2 sub-teams · 11 people · no channel\n    ◦ dustin — 5 members · no channel\n"
        in listed
    )

    # By hand: central's new manager moves Darcel from melvin to dustin (both below central);
    # an admin takes dustin out of central and moves cara from east to west.
    assert workspace.team(ada, f"manager central <@{rhea}>") == "rhea now manages *central*."
    assert workspace.team(rhea, f"remove melvin <@{darcel}>").startswith(
        "Removed darcel from team *melvin*."
    )
    assert workspace.team(rhea, f"add dustin <@{darcel}>") == "Added darcel to team *dustin*."
    assert workspace.team(ada, "set dustin parent none") == "Team *dustin*: parent set to none."
    assert workspace.team(ada, "set cara parent west") == "Team *cara*: parent set to west."
    by_hand = _state(workspace)
    assert by_hand["parents"] == {**REGIONS, "dustin": None, "cara": "west"}
    assert ("dustin", "darcel") in by_hand["members"] and ("melvin", "darcel") not in by_hand[
        "members"
    ]

    again = _import(workspace, slack)
    assert _state(workspace) == by_hand
    assert "Nothing new: all" in again.text()
    assert _notes(again) == [
        "Teams: all 9 were there already.",
        "Teams left where they are (an import moves no team that exists; `/team set NAME parent OFFICE` moves one): "
        "dustin (top level; the file says central), cara (in west; the file says east).",
    ]
    assert (
        f"Left in the team they are in (a rep belongs to one team): {DARCEL} (in dustin)."
        in again.text()
    )


def test_a_reimport_puts_a_team_it_creates_under_its_region_and_moves_no_other(
    workspace, slack, people, tmp_path
):
    ada, _, _ = people
    # A team an admin made before the first import, with the name the import gives Dustin's.
    assert workspace.team(ada, "create dustin").startswith("Created team *dustin*")
    first = _import(workspace, slack)
    assert (
        _notes(first)[0]
        == "Teams created: central, east, west, melvin, cara, rocco, celia, summer."
    )
    assert _state(workspace)["parents"] == {**REGIONS, "dustin": None}
    assert "dustin (top level; the file says central)." in _notes(first)[-1]

    assert workspace.team(ada, "set melvin parent west") == "Team *melvin*: parent set to west."
    grown = tmp_path / "sales_teams.csv"
    grown.write_text(TEAMS.read_text() + "Pat Newrep,Nora Newman,West\n")
    before = _state(workspace)
    again = _import(workspace, slack, grown)
    after = _state(workspace)
    assert after["parents"] == {**before["parents"], "nora": "west"}
    assert after["members"] == before["members"] | {("nora", "Pat Newrep")}
    assert after["managers"] == before["managers"] | {("nora", "Nora Newman")}
    assert _notes(again) == [
        "Teams created: nora.",
        "Team members added: 1.",
        "Teams left where they are (an import moves no team that exists; `/team set NAME parent OFFICE` moves one): "
        "dustin (top level; the file says central), melvin (in west; the file says central).",
    ]


def test_a_reimport_does_not_put_back_a_rep_or_a_manager_a_person_removed(workspace, slack, people):
    ada, darcel, _ = people
    _import(workspace, slack)
    assert workspace.team(ada, f"remove melvin <@{darcel}>").startswith(
        "Removed darcel from team *melvin*."
    )
    with workspace.app.paceline.db.read() as session:
        melvin_id = session.scalar(
            sa.select(Person.slack_user_id).where(Person.name == "Melvin Marxen")
        )
    assert melvin_id is None  # imported, not a Slack user: removed through the database below
    with workspace.app.paceline.db.write() as session:
        ws = workspace._workspace_id(session)
        team = session.scalar(sa.select(Team).where(Team.workspace_id == ws, Team.name == "melvin"))
        person = session.scalar(
            sa.select(Person).where(Person.workspace_id == ws, Person.name == "Melvin Marxen")
        )
        from storage import audit, teams

        assert teams.remove_manager(session, ws, team.id, person.id)
        audit.record(session, workspace_id=ws, at=workspace.app.clock.now(), actor_id=None, action="team.remove_manager",
                     subject_type="team", subject_id=team.id, before={"person_id": person.id})  # fmt: skip
    by_hand = _state(workspace)
    assert ("melvin", "darcel") not in by_hand["members"] and (
        "melvin",
        "Melvin Marxen",
    ) not in by_hand["managers"]

    again = _import(workspace, slack)
    after = _state(workspace)
    assert (after["members"], after["managers"]) == (by_hand["members"], by_hand["managers"])
    assert (
        "Left as a person set them (taken off a team by hand; `/team add` or `/team manager` puts them back): "
        f"Melvin Marxen (manager of melvin), {DARCEL} (off every team)."
    ) in again.text()

    # Put back by hand: then the import leaves Darcel where she is.
    assert workspace.team(ada, f"add melvin <@{darcel}>") == "Added darcel to team *melvin*."
    _import(workspace, slack)
    assert ("melvin", "darcel") in _state(workspace)["members"]
