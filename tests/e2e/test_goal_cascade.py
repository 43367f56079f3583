"""Top-down cascades (issue #13, item 6): `/goal split` of a team with sub-teams and
`/goal cascade` down the team tree — previews that store nothing, `apply` that stores every
level in one transaction, the managers' DMs with the reason, and the rights at each level.
Over signed HTTP, on SQLite and PostgreSQL; every refusal changes nothing."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from bot.render.block_limits import REPLY_TEXT
from storage.models import AuditEvent, Goal, Person, Team

EM = "\u2003"  # one level of a preview's tree


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def goal(workspace, user_id, text=""):
    return workspace.reply("/goal", user_id, text)


def state(workspace):
    """What a preview or a refused command must leave unchanged."""
    return workspace.snapshot(), len(workspace.rows(Goal))


def dms(workspace, user_id):
    return [
        c.params.get("text", "")
        for c in workspace.slack.calls_to("chat.postMessage")
        if c.params.get("channel") == user_id
    ]


def targets(workspace):
    """('team', name) or ('person', name) → target, of every live goal."""
    names = {t.id: t.name for t in workspace.rows(Team)}
    people = {p.id: p.name for p in workspace.rows(Person)}
    found = {}
    for g in workspace.rows(Goal):
        if g.removed_at is None and g.end is None:
            key = ("team", names[g.team_id]) if g.team_id else ("person", people[g.person_id])
            found[key] = g.target
    return found


@pytest.fixture
def org(workspace):
    """central (managed by carl) above dustin (dina: maria, bo) and eastside (ed: cy); west
    (wes: wu) on its own. ada is an admin."""
    w = workspace
    ada = w.user("ada", admin=True)
    carl, dina, ed, wes = w.user("carl"), w.user("dina"), w.user("ed"), w.user("wes")
    maria, bo, cy, wu = w.user("maria"), w.user("bo"), w.user("cy"), w.user("wu")
    w.team(ada, f"create central manager {_m(w, carl)}")
    w.team(ada, f"create dustin manager {_m(w, dina)}")
    w.team(ada, f"create eastside manager {_m(w, ed)}")
    w.team(ada, f"create west manager {_m(w, wes)}")
    assert w.team(ada, "set dustin parent central") == "Team *dustin*: parent set to central."
    assert w.team(ada, "set eastside parent central") == "Team *eastside*: parent set to central."
    w.team(ada, f"add dustin {_m(w, maria)} {_m(w, bo)}")
    w.team(ada, f"add eastside {_m(w, cy)}")
    w.team(ada, f"add west {_m(w, wu)}")
    return SimpleNamespace(
        ada=ada, carl=carl, dina=dina, ed=ed, wes=wes, maria=maria, bo=bo, cy=cy, wu=wu
    )


@pytest.fixture
def history(workspace, org):
    """Revenue in 2025, inside the last 12 complete years: maria $300k, bo $100k, cy $200k,
    wu nothing. dustin has $400k, eastside $200k, central $600k, west nothing."""
    for rep, amount in ((org.maria, "300k"), (org.bo, "100k"), (org.cy, "200k")):
        workspace.log(org.ada, f"{_m(workspace, rep)} revenue {amount} 2025-06-02")


# --- /goal split of a team with sub-teams -------------------------------------------------------


def test_split_of_a_region_previews_then_applies_team_goals_for_its_sub_teams(
    workspace, org, history
):
    before = state(workspace)
    preview = goal(workspace, org.carl, "split team:central revenue 3m/year by history")
    # dustin $400k and eastside $200k of history: $3m × 400/600 = $2m, × 200/600 = $1m.
    assert preview.splitlines() == [
        "*Preview* — split $3,000,000 revenue a year for team central between its sub-teams, by history "
        "(last 12 years). Nothing is set yet:",
        "• team central: $3,000,000/year (the team's own goal)",
        f"{EM}• team dustin: $2,000,000/year (history) — 2 people",
        f"{EM}• team eastside: $1,000,000/year (history) — 1 person",
        "Set these 3 team goals: `/goal split team:central revenue $3,000,000/year by history apply` "
        "(add `-- reason` to tell the teams' managers why)",
    ]
    assert state(workspace) == before and dms(workspace, org.dina) == []

    reply = goal(
        workspace,
        org.carl,
        "split team:central revenue $3,000,000/year by history apply -- FY26 plan",
    )
    rows = workspace.rows(Goal)
    assert targets(workspace) == {
        ("team", "central"): 300_000_000, ("team", "dustin"): 200_000_000, ("team", "eastside"): 100_000_000,
    }  # fmt: skip
    assert {(g.kind, g.origin, g.period_kind, g.start, g.person_id) for g in rows} == {
        ("team", "split", "year", date(2026, 1, 1), None)
    }
    ids = {g.team_id: g.id for g in rows}
    by_name = {t.name: t.id for t in workspace.rows(Team)}
    assert reply.splitlines() == [
        "Split $3,000,000 revenue a year for team central by history (last 12 years) — 3 team goals:",
        f"• #{ids[by_name['central']]} team central: $3,000,000/year (the team's own goal)",
        f"{EM}• #{ids[by_name['dustin']]} team dustin: $2,000,000/year (history) — 2 people",
        f"{EM}• #{ids[by_name['eastside']]} team eastside: $1,000,000/year (history) — 1 person",
        "Told dina, ed — the managers of those teams — what was set for their teams, and why.",
    ]
    # Every goal is audited with the reason.
    created = [e for e in workspace.rows(AuditEvent) if e.action == "goal.create"]
    assert sorted(e.subject_id for e in created) == sorted(ids.values())
    assert {e.reason for e in created} == {"FY26 plan"}
    # One DM to each receiving team's manager (not carl, who split it), with the reason.
    [to_dina] = dms(workspace, org.dina)
    assert to_dina.splitlines() == [
        "*carl split $3,000,000 revenue a year for team central, by history (last 12 years)* — what it set "
        "for your team:",
        "Reason: FY26 plan",
        f"*Team dustin*: #{ids[by_name['dustin']]} $2,000,000/year",
    ]
    [to_ed] = dms(workspace, org.ed)
    assert (
        "Reason: FY26 plan" in to_ed
        and f"*Team eastside*: #{ids[by_name['eastside']]} $1,000,000/year" in to_ed
    )
    assert dms(workspace, org.carl) == [] and dms(workspace, org.wes) == []


def test_a_leaf_split_stays_immediate_and_to_members(workspace, org, history):
    # `apply` is harmless on a team without sub-teams: it splits at once, as it always has.
    reply = goal(workspace, org.dina, "split team:dustin revenue 400k/year by history apply")
    assert reply.splitlines()[0] == (
        "Split $400,000 revenue a year for team dustin by history (last 12 years) — 2 goals, total $400,000:"
    )
    # maria $300k, bo $100k: $300k and $100k.
    assert targets(workspace) == {("person", "maria"): 30_000_000, ("person", "bo"): 10_000_000}


def test_split_of_the_company_is_between_the_top_level_teams_and_stores_no_company_goal(
    workspace, org, history
):
    reply = goal(workspace, org.ada, "split team:all revenue 1m/year by history apply")
    # central $600k, west nothing logged: the median of the others' weights, $600k: even.
    assert targets(workspace) == {("team", "central"): 50_000_000, ("team", "west"): 50_000_000}
    assert "team west: $500,000/year (median — nothing logged) — 1 person" in reply
    assert reply.splitlines()[0] == (
        "Split $1,000,000 revenue a year from the company by history (last 12 years) — 2 team goals:"
    )


def test_a_split_with_no_history_below_falls_back_to_even_and_says_so(workspace, org):
    preview = goal(workspace, org.carl, "split team:central revenue 3m/year")
    lines = preview.splitlines()
    assert (
        lines[1]
        == "Nobody in team central logged any revenue in the last 12 complete years, so it is split evenly."
    )
    assert f"{EM}• team dustin: $1,500,000/year (even) — 2 people" in lines
    assert f"{EM}• team eastside: $1,500,000/year (even) — 1 person" in lines


# --- /goal cascade -------------------------------------------------------------------------------


def test_cascade_from_the_company_by_history_sets_every_level(workspace, org, history):
    before = state(workspace)
    preview = goal(workspace, org.ada, "cascade team:all revenue 12m/year by history")
    assert state(workspace) == before
    assert preview.splitlines() == [
        "*Preview* — cascade $12,000,000 revenue a year from the company down to every rep, by history "
        "(last 12 years). Nothing is set yet:",
        # central $600k; west nothing logged, so the median of its siblings ($600k): $6m each.
        "• team central: $6,000,000/year (history) — 3 people",
        # dustin $400k, eastside $200k of central's $6m.
        f"{EM}• team dustin: $4,000,000/year (history) — 2 people",
        # maria and bo by their own history, as a team split: 300:100.
        f"{EM}{EM}◦ bo: $1,000,000/year (history, 1 year)",
        f"{EM}{EM}◦ maria: $3,000,000/year (history, 1 year)",
        f"{EM}• team eastside: $2,000,000/year (history) — 1 person",
        f"{EM}{EM}◦ cy: $2,000,000/year (history, 1 year)",
        "• team west: $6,000,000/year (median — nothing logged) — 1 person",
        f"{EM}◦ wu: $6,000,000/year (even)",
        "Set these 4 team goals and 4 individual goals: "
        "`/goal cascade team:all revenue $12,000,000/year by history apply` "
        "(add `-- reason` to tell the teams' managers why)",
    ]
    # The command the preview suggests is the one that applies it.
    reply = goal(
        workspace,
        org.ada,
        "cascade team:all revenue $12,000,000/year by history apply -- plan 2027",
    )
    assert reply.splitlines()[0] == (
        "Cascaded $12,000,000 revenue a year from the company by history (last 12 years) — "
        "4 team goals and 4 individual goals:"
    )
    found = targets(workspace)
    assert found == {
        ("team", "central"): 600_000_000, ("team", "dustin"): 400_000_000, ("team", "eastside"): 200_000_000,
        ("team", "west"): 600_000_000, ("person", "maria"): 300_000_000, ("person", "bo"): 100_000_000,
        ("person", "cy"): 200_000_000, ("person", "wu"): 600_000_000,
    }  # fmt: skip
    # Every level adds up to the one above; the company has no goal of its own.
    assert found["team", "central"] + found["team", "west"] == 1_200_000_000
    assert found["team", "dustin"] + found["team", "eastside"] == found["team", "central"]
    assert found["person", "maria"] + found["person", "bo"] == found["team", "dustin"]
    assert (
        found["person", "cy"] == found["team", "eastside"]
        and found["person", "wu"] == found["team", "west"]
    )
    rows = workspace.rows(Goal)
    assert {g.origin for g in rows} == {"split"} and {g.start for g in rows} == {date(2026, 1, 1)}
    assert {g.kind for g in rows if g.person_id} == {"individual"} and {
        g.kind for g in rows if g.team_id
    } == {"team"}
    created = [e for e in workspace.rows(AuditEvent) if e.action == "goal.create"]
    assert len(created) == 8 and {e.reason for e in created} == {"plan 2027"}
    # Each team's managers get one DM: their team's goal, the parts right under it, the reason.
    ids = {("team", g.team_id) if g.team_id else ("person", g.person_id): g.id for g in rows}
    teams_by_name = {t.name: t.id for t in workspace.rows(Team)}
    people = {p.name: p.id for p in workspace.rows(Person)}
    head = "*ada cascaded $12,000,000 revenue a year from the company, by history (last 12 years)* — what it set for your team:"
    assert dms(workspace, org.carl) == ["\n".join([
        head, "Reason: plan 2027",
        f"*Team central*: #{ids['team', teams_by_name['central']]} $6,000,000/year",
        f"{EM}• #{ids['team', teams_by_name['dustin']]} team dustin: $4,000,000/year (history) — 2 people",
        f"{EM}• #{ids['team', teams_by_name['eastside']]} team eastside: $2,000,000/year (history) — 1 person",
    ])]  # fmt: skip
    assert dms(workspace, org.dina) == ["\n".join([
        head, "Reason: plan 2027",
        f"*Team dustin*: #{ids['team', teams_by_name['dustin']]} $4,000,000/year",
        f"{EM}◦ #{ids['person', people['bo']]} bo: $1,000,000/year (history, 1 year)",
        f"{EM}◦ #{ids['person', people['maria']]} maria: $3,000,000/year (history, 1 year)",
    ])]  # fmt: skip
    assert len(dms(workspace, org.ed)) == 1 and "Reason: plan 2027" in dms(workspace, org.ed)[0]
    assert len(dms(workspace, org.wes)) == 1 and "$6,000,000/year" in dms(workspace, org.wes)[0]
    assert dms(workspace, org.ada) == [] and dms(workspace, org.maria) == []


def test_cascade_evenly_gives_leftover_units_to_the_first_siblings(workspace, org):
    reply = goal(workspace, org.carl, "cascade team:central revenue 1000.01/year evenly apply")
    # 100,001 cents: dustin 50,001 and eastside 50,000; dustin's to bo 25,001 and maria 25,000.
    assert targets(workspace) == {
        ("team", "central"): 100_001, ("team", "dustin"): 50_001, ("team", "eastside"): 50_000,
        ("person", "bo"): 25_001, ("person", "maria"): 25_000, ("person", "cy"): 50_000,
    }  # fmt: skip
    assert "3 team goals and 3 individual goals" in reply.splitlines()[0]
    # Without a reason the DMs say so.
    assert "Reason: no reason given" in dms(workspace, org.dina)[0]


def test_a_regions_own_members_share_one_part_next_to_its_sub_teams(workspace, org):
    oz = workspace.user("oz")
    workspace.team(org.ada, f"add central {_m(workspace, oz)}")
    preview = goal(workspace, org.carl, "cascade team:central revenue 900/year evenly")
    assert f"{EM}• central's own members: $300/year (even) — 1 person" in preview.splitlines()
    assert f"{EM}{EM}◦ oz: $300/year (even)" in preview.splitlines()
    goal(workspace, org.carl, "cascade team:central revenue 900/year evenly apply")
    found = targets(workspace)
    assert (found["team", "dustin"], found["team", "eastside"], found["person", "oz"]) == (
        30_000,
        30_000,
        30_000,
    )
    assert ("team", "central") in found and sum(
        v for (kind, _), v in found.items() if kind == "person"
    ) == 90_000


def test_applying_over_goals_in_force_needs_a_reason_and_then_sets_all_or_nothing(workspace, org):
    goal(workspace, org.ada, "cascade team:central revenue 900/year evenly apply")
    before = state(workspace)
    refused = goal(workspace, org.ada, "cascade team:central revenue 1200/year evenly apply")
    assert "needs a reason after `--`. Nothing was changed." in refused
    assert (
        "`/goal cascade team:central revenue $1,200/year by evenly apply -- why it changes`"
        in refused
    )
    assert state(workspace) == before
    goal(workspace, org.ada, "cascade team:central revenue 1200/year evenly apply -- bigger year")
    assert (
        targets(workspace)["team", "central"] == 120_000
        and targets(workspace)["person", "cy"] == 60_000
    )


# --- rights ---------------------------------------------------------------------------------------


def test_only_admins_and_managers_at_or_above_a_team_may_split_or_cascade_it(
    workspace, org, history
):
    before = state(workspace)
    # A sub-team's manager cannot split the region above it; they are shown their own team.
    refused = goal(workspace, org.dina, "split team:central revenue 3m/year by history apply")
    assert refused == (
        "Only an admin or a manager of team central (or of a team above it) can split its target. "
        "Nothing was changed. You manage team dustin: split that instead.\n"
        "Example: `/goal split team:dustin revenue $3,000,000/year by history`"
    )
    assert goal(workspace, org.dina, "cascade team:central revenue 3m/year").startswith(
        "Only an admin or a manager of team central (or of a team above it) can cascade its target."
    )
    # A rep cannot; nor can a manager of a team beside it.
    assert goal(workspace, org.maria, "cascade team:central revenue 3m/year").startswith(
        "Only an admin or a manager of team central"
    )
    assert goal(workspace, org.wes, "cascade team:dustin revenue 3m/year").startswith(
        "Only an admin or a manager of team dustin"
    )
    # The company is the admins' alone.
    assert goal(workspace, org.carl, "cascade team:all revenue 12m/year apply").startswith(
        "Only workspace admins can cascade the company's target (team:all). Nothing was changed. "
        "You manage team central: cascade that instead."
    )
    assert state(workspace) == before and dms(workspace, org.dina) == []
    # The region's manager may cascade the region and everything below it; dina her own team.
    assert goal(workspace, org.carl, "cascade team:central revenue 3m/year").startswith("*Preview*")
    assert goal(workspace, org.carl, "cascade team:dustin revenue 1m/year").startswith("*Preview*")
    assert goal(workspace, org.dina, "cascade team:dustin revenue 1m/year").startswith("*Preview*")


# --- refusals -------------------------------------------------------------------------------------


def test_nothing_to_cascade_to_is_explained(workspace, org):
    ws2 = workspace
    ws2.team(org.ada, "create south")
    before = state(ws2)
    assert goal(ws2, org.ada, "cascade team:south revenue 1m/year") == (
        "Team south has no members to cascade the target to, and no sub-teams: add members with "
        "`/team add south @maria`, or sub-teams with `/team set OTHER parent south`.\n"
        "Example: `/team add south @maria`"
    )
    assert goal(ws2, org.ada, "split team:south revenue 1m/year") == (
        "This team has no members to split the target between, and no sub-teams: add members with "
        "`/team add south @maria`, or sub-teams with `/team set OTHER parent south`.\n"
        "Example: `/team add south @maria`"
    )
    ws2.team(org.ada, "create north")
    ws2.team(org.ada, "create north1")
    ws2.team(org.ada, "set north1 parent north")
    before = state(ws2)
    assert goal(ws2, org.ada, "cascade team:north revenue 1m/year apply").startswith(
        "Nobody is in team north or any team below it yet, so there is nobody to cascade the target to: "
        "add members with `/team add north1 @maria`."
    )
    assert goal(ws2, org.ada, "split team:north revenue 1m/year apply").startswith(
        "Nobody is in team north"
    )
    assert goal(ws2, org.ada, "cascade revenue 1m/year") == (
        "Name the team whose target to cascade, as team:NAME (team:all for the company).\n"
        "Example: `/goal cascade team:all revenue 12m/year by history`"
    )
    assert goal(ws2, org.ada, "cascade team:all revenue 1m/year apply apply").startswith(
        "`apply` is given twice."
    )
    assert goal(ws2, org.ada, f"cascade {_m(ws2, org.maria)} revenue 1m/year").startswith(
        "`/goal cascade` divides a team's target down its sub-teams to their members"
    )
    assert state(ws2) == before


def test_a_company_without_teams_has_nothing_to_cascade(workspace):
    ada = workspace.user("ada", admin=True)
    for verb in ("cascade", "split"):
        assert goal(workspace, ada, f"{verb} team:all revenue 1m/year") == (
            f"There are no teams yet to {verb} the company's target between — create them first, then set "
            "each one's parent team.\nExample: `/team create east`"
        )
    assert workspace.rows(Goal) == []


# --- one message whatever the size ----------------------------------------------------------------


def _long_name(i: int) -> str:
    return (f"Rep {i:03d} Alexandria-Konstantinopoulou-Vanderbilt" + "x" * 60)[:60]


def test_a_large_cascade_fits_one_message_with_every_team_and_counts_the_people_left_off(workspace):
    w = workspace
    ada, boss = w.user("ada", admin=True), w.user("boss")
    w.team(ada, f"create big manager {_m(w, boss)}")
    reps = [w.user(_long_name(i)) for i in range(90)]
    for index, leaf in enumerate(("leaf1", "leaf2", "leaf3")):
        w.team(ada, f"create {leaf}")
        w.team(ada, f"set {leaf} parent big")
        group = reps[index * 30 : index * 30 + 30]
        for start in range(0, 30, 15):
            w.team(ada, f"add {leaf} " + " ".join(f"<@{rep}>" for rep in group[start : start + 15]))
    preview = goal(w, boss, "cascade team:big calls 9000/week evenly")
    assert len(preview) <= REPLY_TEXT
    lines = preview.splitlines()
    for leaf in ("leaf1", "leaf2", "leaf3"):
        assert f"{EM}• team {leaf}: 3,000/week (even) — 30 people" in lines
    shown = sum(1 for line in lines if line.startswith(f"{EM}{EM}◦ "))
    assert 0 < shown < 90
    assert lines[-2].startswith("Set these 4 team goals and 90 individual goals: ")
    assert lines[-1] == f"… and {90 - shown} more people — `apply` sets them all"
    reply = goal(w, boss, "cascade team:big calls 9000/week evenly apply")
    assert len(reply) <= REPLY_TEXT and len(w.rows(Goal)) == 94
    assert reply.splitlines()[-1].endswith("`/progress export week` has every share in a CSV")
    assert sum(g.target for g in w.rows(Goal) if g.person_id) == 9000
