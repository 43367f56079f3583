"""/team and the team tree (issue #13, items 1 and 8): `/team set NAME parent …` with its
refusals and rights, `/team list` as a tree, `/team show` with parent and sub-teams. Over
signed HTTP, on SQLite and PostgreSQL; every refusal changes nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bot.render.block_limits import REPLY_TEXT
from storage.models import AuditEvent, Team
from tests.conftest import DEFAULT_NOW


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def _parents(workspace) -> dict[str, str | None]:
    """Each team's name → its parent's name."""
    rows = workspace.rows(Team)
    names = {t.id: t.name for t in rows}
    return {t.name: names.get(t.parent_id) for t in rows}


def _state(workspace):
    return workspace.snapshot(), _parents(workspace)


@pytest.fixture
def org(workspace):
    """dustin and melvin under central; east on its own. carl manages central and dustin
    (dustin made first, so its id is the lower), dustin manages dustin, melvin melvin, dana
    dustin and east. Members: anna and cecily in dustin, jon in melvin, bo in east."""
    w = workspace
    ada = w.user("ada", admin=True)
    carl, dustin, melvin, dana = w.user("carl"), w.user("dustin"), w.user("melvin"), w.user("dana")
    anna, cecily, jon, bo = w.user("anna"), w.user("cecily"), w.user("jon"), w.user("bo")
    w.team(ada, f"create dustin manager {_m(w, dustin)}")
    w.team(ada, f"create central manager {_m(w, carl)}")
    w.team(ada, f"create melvin manager {_m(w, melvin)}")
    w.team(ada, f"create east manager {_m(w, dana)}")
    w.team(ada, f"manager dustin {_m(w, carl)}")
    w.team(ada, f"manager dustin {_m(w, dana)}")
    w.team(ada, f"add dustin {_m(w, anna)} {_m(w, cecily)}")
    w.team(ada, f"add melvin {_m(w, jon)}")
    w.team(ada, f"add east {_m(w, bo)}")
    assert w.team(ada, "set dustin parent central") == "Team *dustin*: parent set to central."
    assert w.team(ada, "set melvin parent central") == "Team *melvin*: parent set to central."
    return SimpleNamespace(ada=ada, carl=carl, dustin=dustin, melvin=melvin, dana=dana)


# --- /team list -------------------------------------------------------------------------------


def test_list_shows_parents_before_their_indented_sub_teams(workspace, org):
    assert workspace.team(org.ada, "list") == (
        "*Teams*\n"
        "• central — 0 members · 2 sub-teams · 3 people · no channel\n"
        "    ◦ dustin — 2 members · no channel\n"
        "    ◦ melvin — 1 member · no channel\n"
        "• east — 1 member · no channel"
    )
    workspace.team(org.ada, "create north")
    workspace.team(org.ada, "set north parent melvin")
    workspace.team(org.ada, "set central channel <#C0CENTRAL|central>")
    assert workspace.team(org.ada, "list") == (
        "*Teams*\n"
        "• central — 0 members · 2 sub-teams · 3 people · <#C0CENTRAL>\n"
        "    ◦ dustin — 2 members · no channel\n"
        "    ◦ melvin — 1 member · 1 sub-team · 1 person · no channel\n"
        "        ◦ north — 0 members · no channel\n"
        "• east — 1 member · no channel"
    )


def _add_teams(workspace, rows: list[tuple[str, str | None]]) -> None:
    """Teams straight into the database (name, parent's name), parents first: building 150
    teams through /team would take as many commands."""
    db = workspace.app.paceline.db
    with db.write() as session:
        ws = workspace._workspace_id(session)
        ids: dict[str, int] = {}
        for name, parent in rows:
            team = Team(
                workspace_id=ws,
                name=name,
                name_key=name.lower(),
                parent_id=ids.get(parent),
                created_at=DEFAULT_NOW,
            )
            session.add(team)
            session.flush()
            ids[name] = team.id


def _long(prefix: str, i: int) -> str:
    return f"{prefix}-{i:03d}-" + "x" * (40 - len(prefix) - 5)


def test_a_list_of_123_teams_in_a_tree_keeps_the_regions_and_counts_the_rest(workspace):
    ada = workspace.user("ada", admin=True)
    workspace.team(ada, "create hq")
    regions = ["central", "east", "west"]
    _add_teams(
        workspace,
        [(r, None) for r in regions] + [(_long(r, i), r) for r in regions for i in range(40)],
    )
    reply = workspace.team(ada, "list")
    assert len(reply) <= REPLY_TEXT
    assert reply.splitlines() == [
        "*Teams*",
        "• central — 0 members · 40 sub-teams · 0 people · no channel",
        "• east — 0 members · 40 sub-teams · 0 people · no channel",
        "• hq — 0 members · no channel",
        "• west — 0 members · 40 sub-teams · 0 people · no channel",
        "… and 120 more teams — `/team show NAME` shows a team with its sub-teams",
    ]
    shown = workspace.team(ada, "show east")
    assert len(shown) <= REPLY_TEXT
    assert f"Sub-teams: {_long('east', 0)}, {_long('east', 1)}, " in shown
    assert f"{_long('east', 39)} · 0 people in all, sub-teams included" in shown


def test_a_flat_list_of_150_teams_shows_the_first_and_counts_the_rest(workspace):
    ada = workspace.user("ada", admin=True)
    workspace.team(ada, "create hq")
    _add_teams(workspace, [(_long("team", i), None) for i in range(150)])
    reply = workspace.team(ada, "list")
    lines = reply.splitlines()
    assert len(reply) <= REPLY_TEXT and lines[0] == "*Teams*"
    assert lines[1:3] == [
        "• hq — 0 members · no channel",
        f"• {_long('team', 0)} — 0 members · no channel",
    ]
    shown = sum(1 for line in lines if line.startswith("• "))
    assert (
        lines[-1]
        == f"… and {151 - shown} more teams — `/team show NAME` shows a team with its sub-teams"
    )


# --- /team show -------------------------------------------------------------------------------


def test_show_names_the_parent_the_sub_teams_and_everyone_below(workspace, org):
    central = workspace.team(org.ada, "show central")
    assert (
        "Parent team: none\nSub-teams: dustin, melvin · 3 people in all, sub-teams included\n"
        in central
    )
    assert "Members (0): none yet" in central
    dustin = workspace.team(org.ada, "show dustin")
    assert "Parent team: central\nSub-teams: none\n" in dustin
    assert "Members (2): anna, cecily" in dustin
    workspace.team(org.ada, "create north")
    workspace.team(org.ada, "set north parent melvin")
    assert "Parent team: melvin (central › melvin)\nSub-teams: none\n" in workspace.team(
        org.ada, "show north"
    )
    assert "Sub-teams: dustin, melvin (1 sub-team) · 3 people in all" in workspace.team(
        org.ada, "show central"
    )


def test_show_without_a_name_is_the_highest_team_a_manager_on_no_team_manages(workspace, org):
    # carl manages dustin (the lower id) and central, above it: central is his.
    assert workspace.team(org.carl, "show").startswith("*Team central* ·")
    assert workspace.team(org.melvin, "show").startswith("*Team melvin* ·")


# --- /team set NAME parent … ------------------------------------------------------------------


def test_setting_a_parent_is_audited(workspace, org):
    teams = {t.name: t.id for t in workspace.rows(Team)}
    assert (
        workspace.team(org.ada, "set east parent central") == "Team *east*: parent set to central."
    )
    event = workspace.rows(AuditEvent)[-1]
    assert (event.action, event.subject_id) == ("team.set.parent", teams["east"])
    assert (json.loads(event.before)["parent_id"], json.loads(event.after)["parent_id"]) == (
        None,
        teams["central"],
    )
    assert workspace.team(org.ada, "set east parent none") == "Team *east*: parent set to none."
    assert _parents(workspace)["east"] is None


BAD_PARENTS = [
    (
        "set central parent melvin",
        "melvin is under central already (central › melvin): a team cannot be inside its own sub-team — "
        "teams cannot nest in a loop. Nothing was changed.\nExample: `/team set melvin parent none`",
    ),
    (
        "set central parent north",
        "north is under central already (central › melvin › north): a team cannot be inside its own "
        "sub-team — teams cannot nest in a loop. Nothing was changed.\nExample: `/team set north parent none`",
    ),
    (
        "set melvin parent north",
        "north is under melvin already (melvin › north): a team cannot be inside its own sub-team — "
        "teams cannot nest in a loop. Nothing was changed.\nExample: `/team set north parent central`",
    ),
    (
        "set dustin parent nowhere",
        'Unknown team "nowhere": there is no such team to put dustin under. Teams: central, dustin, east, '
        "melvin, north.\nExample: `/team set dustin parent melvin`",
    ),
    (
        "set dustin parent Dustin",
        "A team cannot be its own parent.\nExample: `/team set dustin parent none`",
    ),
    (
        "set dustin parent team:DUSTIN",
        "A team cannot be its own parent.\nExample: `/team set dustin parent none`",
    ),
    ("set dustin parent", "Give a value for parent.\nExample: `/team set east parent americas`"),
    (
        "set dustin parent east west",
        'parent takes one value — "west" is extra.\nExample: `/team set east parent americas`',
    ),
    (
        "set nowhere parent east",
        'Unknown team "nowhere". Teams: central, dustin, east, melvin, north.',
    ),
]


@pytest.mark.parametrize(("text", "reply"), BAD_PARENTS, ids=[t for t, _ in BAD_PARENTS])
def test_a_bad_parent_is_refused_with_an_example_and_changes_nothing(workspace, org, text, reply):
    workspace.team(org.ada, "create north")
    workspace.team(org.ada, "set north parent melvin")
    before = _state(workspace)
    assert workspace.team(org.ada, text).startswith(reply)
    assert _state(workspace) == before


def test_a_manager_moves_a_team_within_what_they_manage(workspace, org):
    teams = {t.name: t.id for t in workspace.rows(Team)}
    # carl manages central, so melvin and dustin below it too.
    assert (
        workspace.team(org.carl, "set melvin parent dustin")
        == "Team *melvin*: parent set to dustin."
    )
    assert _parents(workspace)["melvin"] == "dustin"
    event = workspace.rows(AuditEvent)[-1]
    assert (event.action, event.actor_id is not None) == ("team.set.parent", True)
    assert (json.loads(event.before)["parent_id"], json.loads(event.after)["parent_id"]) == (
        teams["central"],
        teams["dustin"],
    )
    assert (
        workspace.team(org.carl, "set melvin parent central")
        == "Team *melvin*: parent set to central."
    )


REFUSED_MOVES = [
    (
        "carl",
        "set dustin parent east",
        "You can move dustin only under a team you manage (or one below it), and you do not manage east: "
        "an admin can make that move.\nExample: `/team set dustin parent melvin`",
    ),
    (
        "carl",
        "set dustin parent none",
        "Only a workspace admin can make dustin a top-level team: the company's shape is theirs.\n"
        "Example: `/team set dustin parent melvin`",
    ),
    (
        "dana",
        "set dustin parent east",
        "dustin is in central, which you do not manage: only an admin or a manager of central can move it out.\n"
        "Example: `/team show dustin`",
    ),
    (
        "melvin",
        "set melvin parent dustin",
        "You can move melvin only under a team you manage (or one below it), and you do not manage dustin: "
        "an admin can make that move.\nExample: `/team show melvin`",
    ),
    (
        "melvin",
        "set central parent melvin",
        "Only an admin or a manager of team central can do that.",
    ),
    ("dustin", "set east parent dustin", "Only an admin or a manager of team east can do that."),
]


@pytest.mark.parametrize(
    ("who", "text", "reply"), REFUSED_MOVES, ids=[f"{w}: {t}" for w, t, _ in REFUSED_MOVES]
)
def test_a_move_outside_what_a_manager_manages_is_refused(workspace, org, who, text, reply):
    before = _state(workspace)
    assert workspace.team(getattr(org, who), text).startswith(reply)
    assert _state(workspace) == before


def test_a_rep_cannot_set_a_parent(workspace, org):
    rep = workspace.user("rep")
    before = _state(workspace)
    assert workspace.team(rep, "set dustin parent east").startswith(
        "Only workspace admins and team managers can use /team."
    )
    assert _state(workspace) == before
