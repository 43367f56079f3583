"""/team link: a person imported from a CRM file (no Slack user yet) merged into a Slack
user's person, end to end: their history, team and manager roles move with them."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from slack_sdk import WebClient

from bot.importer.cli import ImportOptions, import_crm
from storage.models import AuditEvent, Entry, Person, Workspace

PIPELINE = """opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
A1,Moses Frase,GTX Basic,Cancity,Won,1/5/2017,2/1/2017,1000
A2,Moses Frase,GTX Basic,Cancity,Engaging,1/6/2017,,
B1,Anna Snelling,MG Special,Codehow,Won,1/5/2017,2/3/2017,55
C1,Violet Mclelland,MG Special,Codehow,Won,1/5/2017,2/3/2017,70
"""
TEAMS = """sales_agent,manager,regional_office
Moses Frase,Dustin Brinkmann,Central
Anna Snelling,Dustin Brinkmann,Central
Violet Mclelland,Cara Losch,East
"""


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def run_import(workspace, tmp_path):
    (tmp_path / "pipeline.csv").write_text(PIPELINE)
    (tmp_path / "teams.csv").write_text(TEAMS)
    client = WebClient(token="xoxb-test-token", base_url=workspace.slack.api_url)
    app = workspace.app
    return import_crm(app.paceline.db, client, tmp_path / "pipeline.csv", tmp_path / "teams.csv",
                      ImportOptions(workspace=workspace.team_id), app.clock, io.StringIO())  # fmt: skip


@pytest.fixture
def crm(workspace, tmp_path):
    """Dustin is a Slack user (matched by real name, so he manages team dustin); Moses, Anna,
    Violet and Cara are not, so they come in unlinked. Moses's Slack account is `moses`."""
    people = {
        "admin": workspace.user("ada", admin=True),
        "dustin": workspace.user("dustin", real_name="Dustin Brinkmann"),
        "moses": workspace.user("moses"),
        "rep": workspace.user("rita"),
        "bot": workspace.user("helper", is_bot=True),
    }
    report = run_import(workspace, tmp_path)
    assert not report.rejected, report.text()
    return people


def person_named(workspace, name):
    with workspace.app.paceline.db.read() as session:
        return session.scalar(
            sa.select(Person)
            .join(Workspace)
            .where(Workspace.slack_team_id == workspace.team_id, Person.name == name)
        )


def test_a_manager_links_an_imported_rep_and_their_history_follows(workspace, crm, tmp_path):
    reply = workspace.team(crm["dustin"], f'link "Moses Frase" {_m(workspace, crm["moses"])}')
    assert (
        reply == "Linked Moses Frase to moses: 4 entries moved to them. They are in team *dustin*."
    )
    assert person_named(workspace, "Moses Frase") is None
    moses = person_named(workspace, "moses")
    assert sorted(e.metric for e in workspace.entries() if e.person_id == moses.id) == [
        "deals",
        "opportunities",
        "opportunities",
        "revenue",
    ]
    assert "Members (2): Anna Snelling, moses" in workspace.team(crm["dustin"], "show dustin")
    progress = workspace.reply("/progress", crm["dustin"], f"{_m(workspace, crm['moses'])} 2017-02")
    assert "Logged: 1 deal · $1,000 revenue." in progress
    [event] = [e for e in workspace.rows(AuditEvent) if e.action == "person.link"]
    assert (
        event.subject_id == moses.id
        and '"name": "Moses Frase"' in event.before
        and '"entries": 4' in event.after
    )
    # Plain @name works too (the console types it), and the name need not be quoted.
    workspace.log(crm["rep"], "help")  # rita has used Paceline, so her handle is known
    assert workspace.team(crm["dustin"], "link Anna Snelling @rita").startswith(
        "Linked Anna Snelling to rita: 3 entries"
    )


def test_importing_again_after_a_link_finds_the_linked_person(workspace, crm, tmp_path):
    workspace.team(crm["dustin"], f'link "Moses Frase" {_m(workspace, crm["moses"])}')
    before = (len(workspace.entries()), len(workspace.rows(Person)))
    again = run_import(workspace, tmp_path)
    assert again.rows_imported == 0 and "People imported or linked before: 4." in again.text()
    assert (len(workspace.entries()), len(workspace.rows(Person))) == before
    assert person_named(workspace, "Moses Frase") is None


def test_an_admin_links_an_imported_manager_and_the_team_follows(workspace, crm):
    cara = workspace.user("cara", real_name="Cara L.")
    reply = workspace.team(crm["admin"], f"link Cara Losch {_m(workspace, cara)}")
    assert reply == "Linked Cara Losch to cara: 0 entries, 1 managed team moved to them."
    assert "Managers: cara" in workspace.team(crm["admin"], "show cara")
    # Now a manager, Cara may link her own rep.
    violet = workspace.user("violet")
    assert workspace.team(cara, f'link "violet mclelland" {_m(workspace, violet)}').startswith(
        "Linked Violet Mclelland to violet"
    )


def test_only_admins_and_the_persons_managers_may_link(workspace, crm):
    other = workspace.user("olga")
    workspace.team(crm["admin"], f"create other manager {_m(workspace, other)}")
    snapshot = workspace.snapshot()
    assert workspace.team(other, f'link "Moses Frase" {_m(workspace, crm["moses"])}') == (
        "Only an admin or a manager of team dustin can link Moses Frase.\nExample: `/team show`"
    )
    assert workspace.team(
        crm["rep"], f'link "Moses Frase" {_m(workspace, crm["moses"])}'
    ).startswith("Only workspace admins and team managers can use /team.")
    assert workspace.snapshot() == snapshot and person_named(workspace, "Moses Frase") is not None


def test_link_errors_say_what_to_do(workspace, crm):
    dustin, admin = crm["dustin"], crm["admin"]
    snapshot = workspace.snapshot()
    unknown = workspace.team(dustin, f'link "Moses Fraser" {_m(workspace, crm["moses"])}')
    assert unknown.startswith(
        'There is no unlinked person named "Moses Fraser". Unlinked people: Anna Snelling, Cara Losch, Moses Frase, Violet Mclelland.'
    )
    assert workspace.team(dustin, "link Moses Frase") == (
        '"Frase" is not a person — end with the Slack user to link: @bo.\nExample: `/team link "Bo Smith" @bo`'
    )
    bot = workspace.team(dustin, f'link "Moses Frase" {_m(workspace, crm["bot"])}')
    assert bot.startswith("helper is a bot and cannot be on a team.")
    # A Slack user already in another team cannot take an imported rep of this one.
    workspace.team(admin, f"create west manager {_m(workspace, admin)}")
    workspace.team(admin, f"add west {_m(workspace, crm['moses'])}")
    snapshot = workspace.snapshot()
    clash = workspace.team(dustin, f'link "Moses Frase" {_m(workspace, crm["moses"])}')
    assert clash == (
        "moses is in team west and Moses Frase in team dustin — a rep belongs to one team. Nothing was changed.\n"
        "Example: `/team remove west @moses`"
    )
    assert workspace.snapshot() == snapshot
    with workspace.app.paceline.db.read() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Entry)
                .where(Entry.person_id == person_named(workspace, "Moses Frase").id)
            )
            == 4
        )
