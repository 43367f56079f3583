"""Regions and the whole company (issue #13) on the CRM sample history: region boards and
roll-ups, the company's board, teams ranked against each other (by total and by % of their
team goals), who sees what at each level of the tree, and the errors. Over signed HTTP, on
SQLite and PostgreSQL. Every expected figure is computed here from the CSV files with the
csv module, independently of the app's code."""

from __future__ import annotations

import io
import math
import statistics
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import pytest
from slack_sdk import WebClient

from bot.importer.cli import ImportOptions, import_crm
from tests.conftest import DEFAULT_NOW, SIGNING_SECRET, SlackWorkspace, settled
from tests.e2e.test_app_home_figures import (
    DARCEL,
    IMPORTED_AT,
    MELVIN,
    PIPELINE,
    TEAMS,
    rows,
    us_date,
)
from tests.support.signed_requests import SignedSlackClient

MEIMEI = "Mei-Mei Johns"  # a Central rep with no deals at all: last on every board
QUARTERS = {
    "2017-Q2": (date(2017, 4, 1), date(2017, 6, 30)),
    "2017-Q3": (date(2017, 7, 1), date(2017, 9, 30)),
    "2017-Q4": (date(2017, 10, 1), date(2017, 12, 31)),
}
EVERY_QUARTER = pytest.mark.parametrize("quarter", list(QUARTERS))
# The Slack users matched to CRM people by real name, and the names the boards show for them.
SHOWN = {DARCEL: "darcel", MEIMEI: "meimei"}


# --- the CSV, read here -----------------------------------------------------------------------


def team_name(manager: str) -> str:
    """A manager's team: their first name, lower-case (the sample's first names differ)."""
    return manager.split()[0].lower()


def roster() -> list[dict[str, str]]:
    return rows(TEAMS)


def agents_of(*, region: str | None = None, team: str | None = None) -> list[str]:
    return [
        r["sales_agent"] for r in roster()
        if (region is None or r["regional_office"].lower() == region) and (team is None or team_name(r["manager"]) == team)
    ]  # fmt: skip


def teams_of(region: str | None = None) -> list[str]:
    return sorted(
        {
            team_name(r["manager"])
            for r in roster()
            if region is None or r["regional_office"].lower() == region
        }
    )


def regions() -> list[str]:
    return sorted({r["regional_office"].lower() for r in roster()})


def revenue(quarter: str) -> dict[str, int]:
    """Each agent's won close values closed in the quarter, in dollars (0 for none)."""
    start, end = QUARTERS[quarter]
    found = {agent: 0 for agent in agents_of()}
    for deal in rows(PIPELINE):
        if deal["deal_stage"] == "Won" and start <= us_date(deal["close_date"]) <= end:
            found[deal["sales_agent"]] += int(deal["close_value"])
    return found


def shown(agent: str) -> str:
    return SHOWN.get(agent, agent)


def ranked(values: dict[str, int]) -> list[tuple[str, str, int]]:
    """(rank label, name, value): highest first, ties by name case-insensitively, sharing the
    first one's rank as '=2' (1, =2, =2, 4)."""
    order = sorted(values.items(), key=lambda item: (-item[1], item[0].casefold()))
    found = []
    for name, value in order:
        first = next(i for i, (_, v) in enumerate(order, start=1) if v == value)
        tied = sum(1 for _, v in order if v == value) > 1
        found.append((f"={first}" if tied else str(first), name, value))
    return found


def row(label: str, name: str, text: str) -> str:
    return f"`{label:>3}`  {name} — {text}"


def money(dollars: int) -> str:
    return f"${dollars:,}"


def board_rows(values: dict[str, int], n: int = 10) -> list[str]:
    return [row(label, name, f"{money(v)} revenue") for label, name, v in ranked(values)[:n]]


def people_board(quarter: str, **where: str) -> dict[str, int]:
    by_agent = revenue(quarter)
    return {shown(agent): by_agent[agent] for agent in agents_of(**where)}


def team_totals(quarter: str, teams: list[str], region_of_team: bool = False) -> dict[str, int]:
    by_agent = revenue(quarter)
    return {
        team: sum(
            by_agent[a]
            for a in (agents_of(region=team) if region_of_team else agents_of(team=team))
        )
        for team in teams
    }


def bar(pct: int) -> str:
    """A finished period's bar: pace expects all of it, so the marker is in the last cell."""
    cells = ["▓"] * min(10, pct * 10 // 100) + ["░"] * (10 - min(10, pct * 10 // 100))
    cells[-1] = "┃"
    return f"{''.join(cells)} {pct}%"


# --- the workspace ----------------------------------------------------------------------------


@dataclass
class Crm:
    workspace: SlackWorkspace
    ada: str  # a workspace admin on no team
    darcel: str  # a rep in melvin (Central)
    meimei: str  # a rep in melvin with no deals
    melvin: str  # manager of melvin, a sub-team of central; on no team
    rhonda: str  # manager of the region central; on no team

    def reply(self, command: str, user: str, text: str) -> str:
        return self.workspace.reply(command, user, text)


def _m(workspace: SlackWorkspace, user_id: str) -> str:
    return f"<@{user_id}|{workspace.names[user_id]}>"


def imported(running_app, slack) -> Iterator[Crm]:
    """A workspace of its own with the CRM sample imported: darcel, meimei and melvin are Slack
    users matched by real name; ada (an admin) and rhonda (made manager of central) are on no
    team. The clock stays at the import's day, after every quarter shown."""
    team_id = "T" + uuid.uuid4().hex[:10].upper()
    client = SignedSlackClient(
        running_app.url, SIGNING_SECRET, team_id=team_id, response_url=slack.response_url(),
        on_response=settled(running_app.paceline),
    )  # fmt: skip
    workspace = SlackWorkspace(team_id, running_app, slack, client)
    darcel = workspace.user("darcel", real_name=DARCEL)
    meimei = workspace.user("meimei", real_name=MEIMEI)
    melvin = workspace.user("melvin", real_name=MELVIN)
    running_app.clock.set(IMPORTED_AT)
    report = import_crm(
        running_app.paceline.db, WebClient(token="xoxb-test-token", base_url=slack.api_url), PIPELINE, TEAMS,
        ImportOptions(workspace=team_id, tz="America/New_York"), running_app.clock, io.StringIO(),
    )  # fmt: skip
    assert not report.rejected, report.text()
    ada, rhonda = workspace.user("ada", admin=True), workspace.user("rhonda")
    assert (
        workspace.team(ada, f"manager central {_m(workspace, rhonda)}")
        == "rhonda now manages *central*."
    )
    try:
        yield Crm(workspace, ada, darcel, meimei, melvin, rhonda)
    finally:
        running_app.clock.set(DEFAULT_NOW)
        client.close()


@pytest.fixture(scope="module")
def crm(running_app, slack):
    """One import for the module's read-only tests."""
    yield from imported(running_app, slack)


@pytest.fixture
def at_import(running_app, crm):
    running_app.clock.set(IMPORTED_AT)
    return crm


@pytest.fixture
def fresh_crm(running_app, slack):
    """An import of its own, for a test that sets goals."""
    yield from imported(running_app, slack)


def test_the_sample_is_what_these_tests_assume():
    assert regions() == ["central", "east", "west"]
    assert teams_of("central") == ["dustin", "melvin"]
    assert len(agents_of()) == 35 and len(teams_of()) == 6
    assert MEIMEI in agents_of(team="melvin") and DARCEL in agents_of(team="melvin")
    assert all(v == 0 for q in QUARTERS for a, v in revenue(q).items() if a == MEIMEI)


# --- a region's board and roll-up --------------------------------------------------------------


@EVERY_QUARTER
def test_a_regions_board_ranks_everyone_in_its_teams(at_import, quarter):
    c = at_import
    expected = people_board(quarter, region="central")
    assert len(expected) == 11 and len(set(expected.values())) == 11  # no ties to blur the order
    text = c.reply("/leaderboard", c.ada, f"revenue {quarter} team:central")
    assert text.splitlines() == [
        f"*Revenue leaderboard — team central, {quarter}*",
        *board_rows(expected),
    ]
    # A rep of the region sees the same board; one below the top 10 gets their own row too.
    assert c.reply("/leaderboard", c.darcel, f"revenue {quarter} team:central") == text
    [(label, name, value)] = [r for r in ranked(expected) if r[1] == "meimei"]
    assert (label, value) == ("11", 0)
    assert c.reply("/leaderboard", c.meimei, f"revenue {quarter} team:central").splitlines() == [
        *text.splitlines(), "…", row("11", "meimei", "$0 revenue")
    ]  # fmt: skip


@EVERY_QUARTER
def test_a_regions_progress_counts_its_people_and_its_teams(at_import, quarter):
    c = at_import
    people, teams = len(agents_of(region="central")), len(teams_of("central"))
    for caller in (c.ada, c.rhonda):
        assert c.reply("/progress", caller, f"team:central {quarter}").splitlines() == [
            f"*Team central — {quarter}* ({people} people in {teams} teams)",
            "No goals for team central in this period. Set one with `/goal set team:central calls 300/week`.",
        ]
    # A sub-team on its own: its members.
    dustin = len(agents_of(team="dustin"))
    assert c.reply("/progress", c.rhonda, f"team:dustin {quarter}").startswith(
        f"*Team dustin — {quarter}* ({dustin} members)\n"
    )


# --- the company --------------------------------------------------------------------------------


@EVERY_QUARTER
def test_the_companys_board_ranks_every_rep(at_import, quarter):
    c = at_import
    expected = people_board(quarter)
    assert len(expected) == 35
    text = c.reply("/leaderboard", c.ada, f"revenue {quarter} team:all")
    assert text.splitlines() == [
        f"*Revenue leaderboard — the company, {quarter}*",
        *board_rows(expected),
    ]
    # An admin on no team gets the company by default; a rep on any team may see it.
    assert c.reply("/leaderboard", c.ada, f"revenue {quarter}") == text
    assert c.reply("/leaderboard", c.darcel, f"revenue {quarter} team:all") == text
    # Five reps have no deals at all: meimei shares the last place with them.
    [(label, _, value)] = [r for r in ranked(expected) if r[1] == "meimei"]
    nobody = sum(1 for v in expected.values() if v == 0)
    assert nobody >= 5 and value == 0 and label == f"={35 - nobody + 1}"
    assert c.reply("/leaderboard", c.meimei, f"revenue {quarter} team:all").splitlines()[-2:] == [
        "…", row(label, "meimei", "$0 revenue")
    ]  # fmt: skip


def test_the_companys_progress_is_for_admins(at_import):
    c = at_import
    assert c.reply("/progress", c.ada, "team:all 2017-Q3").splitlines() == [
        f"*The company — 2017-Q3* ({len(agents_of())} people in {len(teams_of()) + len(regions())} teams)",
        "No goals for anyone in the company in this period. Cascade one with `/goal cascade team:all revenue 12m/year by history`.",
    ]
    refusal = (
        "Only workspace admins see everyone's progress in the company. The company's board is open to everyone.\n"
        "Example: `/leaderboard revenue quarter team:all`"
    )
    for caller in (c.rhonda, c.melvin, c.darcel):
        assert c.reply("/progress", caller, "team:all 2017-Q3") == refusal


# --- teams against each other -------------------------------------------------------------------


@EVERY_QUARTER
def test_the_regions_ranked_by_total(at_import, quarter):
    c = at_import
    expected = team_totals(quarter, regions(), region_of_team=True)
    assert sum(expected.values()) == sum(revenue(quarter).values())
    text = c.reply("/leaderboard", c.ada, f"revenue {quarter} by team")
    assert text.splitlines() == [
        f"*Revenue leaderboard — teams of the company, {quarter}*",
        *board_rows(expected),
    ]
    assert c.reply("/leaderboard", c.ada, f"revenue {quarter} by team team:all") == text
    # A rep whose own team has no sub-teams gets the company's teams too.
    assert c.reply("/leaderboard", c.darcel, f"revenue {quarter} by team") == text


@EVERY_QUARTER
def test_a_regions_teams_ranked_by_total(at_import, quarter):
    c = at_import
    expected = team_totals(quarter, teams_of("central"))
    text = c.reply("/leaderboard", c.ada, f"revenue {quarter} by team team:central")
    assert text.splitlines() == [
        f"*Revenue leaderboard — teams of team central, {quarter}*",
        *board_rows(expected),
    ]
    # The region's manager gets their region's teams by default; its reps may see them.
    assert c.reply("/leaderboard", c.rhonda, f"revenue {quarter} by team") == text
    assert c.reply("/leaderboard", c.darcel, f"revenue {quarter} by team team:central") == text
    leaves = c.reply("/leaderboard", c.ada, f"revenue {quarter} by team leaves team:central")
    assert leaves.splitlines()[1:] == text.splitlines()[1:]
    assert (
        leaves.splitlines()[0]
        == f"*Revenue leaderboard — every team without sub-teams of team central, {quarter}*"
    )


@EVERY_QUARTER
def test_every_team_without_sub_teams_ranked_by_total(at_import, quarter):
    c = at_import
    expected = team_totals(quarter, teams_of())
    assert len(expected) == 6 and sum(expected.values()) == sum(revenue(quarter).values())
    text = c.reply("/leaderboard", c.ada, f"revenue {quarter} by team leaves")
    assert text.splitlines() == [
        f"*Revenue leaderboard — every team without sub-teams of the company, {quarter}*", *board_rows(expected)
    ]  # fmt: skip


def test_teams_ranked_by_percent_of_their_team_goals(running_app, fresh_crm):
    """Team goals on central itself, on dustin (in central), and on cara and celia (in east
    and west), each from the first day of 2017-Q3: the whole quarter carries its target, so
    pct is ⌊actual × 100 ÷ target⌋ and the bar's pace marker sits in its last cell."""
    c = fresh_crm
    q = "2017-Q3"
    targets = {"central": 1_000_000, "dustin": 300_000, "cara": 250_000, "celia": 600_000}
    for team, target in targets.items():
        reply = c.reply(
            "/goal", c.ada, f"set team:{team} revenue {target // 1000}k/quarter from 2017-07-01"
        )
        assert (
            reply.startswith("Set #")
            and f"revenue {money(target)}/quarter for team {team} from Sat 1 Jul 2017" in reply
        )
    totals = team_totals(q, teams_of()) | team_totals(q, regions(), region_of_team=True)
    pct = {team: totals[team] * 100 // target for team, target in targets.items()}

    def pct_rows(teams: list[str]) -> list[str]:
        return [
            row(
                label,
                team,
                f"{money(totals[team])} of {money(targets[team])} revenue  {bar(pct[team])}",
            )
            for label, team, _ in ranked({t: pct[t] for t in teams})
        ]

    text = c.reply("/leaderboard", c.ada, f"revenue {q} by team pct team:central")
    assert text.splitlines() == [
        f"*Revenue leaderboard by % of team goal — teams of team central, {q}*",
        *pct_rows(["dustin"]),
        "_1 team without a revenue team goal in this period is not ranked by %._",
    ]
    text = c.reply("/leaderboard", c.ada, f"revenue {q} by team pct leaves")
    assert text.splitlines() == [
        f"*Revenue leaderboard by % of team goal — every team without sub-teams of the company, {q}*",
        *pct_rows(["dustin", "cara", "celia"]),
        "_3 teams without a revenue team goal in this period are not ranked by %._",
    ]
    assert c.reply("/leaderboard", c.ada, f"revenue {q} by team pct").splitlines() == [
        f"*Revenue leaderboard by % of team goal — teams of the company, {q}*",
        *pct_rows(["central"]),
        "_2 teams without a revenue team goal in this period are not ranked by %._",
    ]
    # By total, a team with a goal carries its bar; one without, none.
    by_total = c.reply("/leaderboard", c.ada, f"revenue {q} by team team:central").splitlines()
    expected = {team: f"{money(totals[team])} revenue" for team in teams_of("central")}
    expected["dustin"] += f"  {bar(pct['dustin'])}"
    assert by_total[1:] == [
        row(label, team, expected[team])
        for label, team, _ in ranked({t: totals[t] for t in expected})
    ]
    # Central's own goal counts everyone below it; its sub-teams' goals stay theirs.
    central = c.reply("/progress", c.rhonda, f"team:central {q}")
    status = "hit" if totals["central"] >= targets["central"] else None
    assert status == "hit"  # the sample's Central closed over $1m in 2017-Q3
    assert (
        f"{money(totals['central'])} / {money(targets['central'])} revenue · {pct['central']}% · {status}"
        in central
    )
    assert "dustin" not in central and "300,000" not in central
    # No goal in 2017-Q2: nothing is ranked by %.
    assert c.reply("/leaderboard", c.ada, "revenue 2017-Q2 by team pct").splitlines() == [
        "*Revenue leaderboard by % of team goal — teams of the company, 2017-Q2*",
        "No team is on this board yet.",
        "_3 teams without a revenue team goal in this period are not ranked by %._",
    ]


# --- who sees what at each level ------------------------------------------------------------------

NOT_YOUR_BOARD = "Team {}'s leaderboard is for its members and managers.\nExample: `/leaderboard`"
COMPANY_BOARD_REFUSED = (
    "The company's board is for the people on its teams and admins.\nExample: `/leaderboard`"
)


def details_refused(team: str) -> str:
    return (
        f"Only team {team}'s managers and admins see everyone's progress. Your own is one command away, "
        f"and the team's leaderboard is open to its members.\nExample: `/leaderboard team:{team}`"
    )


def test_a_regions_manager_sees_the_region_and_everything_below_it(at_import):
    c = at_import
    q = "2017-Q2"
    assert c.reply("/progress", c.rhonda, f"team:central {q}").startswith(
        f"*Team central — {q}* (11 people in 2 teams)"
    )
    for team in teams_of("central"):
        assert c.reply("/progress", c.rhonda, f"team:{team} {q}").startswith(
            f"*Team {team} — {q}* ("
        )
    # Their default board is the region's.
    board = c.reply("/leaderboard", c.rhonda, f"revenue {q}")
    assert board == c.reply("/leaderboard", c.ada, f"revenue {q} team:central")
    assert board.splitlines()[1:] == board_rows(people_board(q, region="central"))
    assert c.reply("/leaderboard", c.rhonda, f"revenue {q} team:melvin").splitlines()[
        1:
    ] == board_rows(people_board(q, team="melvin"))
    # Nothing outside it.
    assert c.reply("/progress", c.rhonda, f"team:east {q}") == details_refused("east")
    assert c.reply("/progress", c.rhonda, f"team:cara {q}") == details_refused("cara")
    assert c.reply("/leaderboard", c.rhonda, f"revenue {q} team:east") == NOT_YOUR_BOARD.format(
        "east"
    )
    assert c.reply(
        "/leaderboard", c.rhonda, f"revenue {q} by team team:east"
    ) == NOT_YOUR_BOARD.format("east")
    assert c.reply("/leaderboard", c.rhonda, f"revenue {q} team:all") == COMPANY_BOARD_REFUSED


def test_a_sub_teams_manager_sees_their_team_and_nothing_above_it(at_import):
    c = at_import
    q = "2017-Q2"
    melvin = agents_of(team="melvin")
    assert c.reply("/progress", c.melvin, f"team:melvin {q}").startswith(
        f"*Team melvin — {q}* ({len(melvin)} members)"
    )
    assert c.reply("/leaderboard", c.melvin, f"revenue {q}").splitlines() == [
        f"*Revenue leaderboard — team melvin, {q}*", *board_rows(people_board(q, team="melvin"))
    ]  # fmt: skip
    above = (
        "You manage melvin, which is under central: you see melvin and the teams below it, not central. "
        "Nothing above your team is shown.\nExample: `{} team:melvin`"
    )
    assert c.reply("/progress", c.melvin, f"team:central {q}") == above.format("/progress")
    assert c.reply("/leaderboard", c.melvin, f"revenue {q} team:central") == above.format(
        "/leaderboard"
    )
    assert c.reply("/leaderboard", c.melvin, f"revenue {q} by team team:central") == above.format(
        "/leaderboard"
    )
    # A sibling team is not theirs either.
    assert c.reply("/progress", c.melvin, f"team:dustin {q}") == details_refused("dustin")
    assert c.reply("/leaderboard", c.melvin, f"revenue {q} team:dustin") == NOT_YOUR_BOARD.format(
        "dustin"
    )
    assert c.reply("/leaderboard", c.melvin, f"revenue {q} team:all") == COMPANY_BOARD_REFUSED
    # Their own team has no sub-teams, and the company's teams are not theirs to see.
    assert c.reply("/leaderboard", c.melvin, f"revenue {q} by team") == (
        "Team melvin has no sub-teams to rank. Rank its people, or its parent's teams.\n"
        "Example: `/leaderboard revenue quarter team:melvin`"
    )


def test_a_rep_sees_their_regions_board_but_nobody_elses_progress(at_import):
    c = at_import
    q = "2017-Q2"
    board = c.reply("/leaderboard", c.darcel, f"revenue {q} team:central")
    assert board.splitlines()[1:] == board_rows(people_board(q, region="central"))
    assert c.reply("/leaderboard", c.darcel, f"revenue {q}").splitlines() == [
        f"*Revenue leaderboard — team melvin, {q}*", *board_rows(people_board(q, team="melvin"))
    ]  # fmt: skip
    assert c.reply("/progress", c.darcel, f"team:central {q}") == details_refused("central")
    assert c.reply("/progress", c.darcel, f"team:melvin {q}") == details_refused("melvin")
    assert c.reply("/leaderboard", c.darcel, f"revenue {q} team:east") == NOT_YOUR_BOARD.format(
        "east"
    )
    assert c.reply("/leaderboard", c.darcel, f"revenue {q} team:dustin") == NOT_YOUR_BOARD.format(
        "dustin"
    )


# --- errors ---------------------------------------------------------------------------------------


def test_bad_input_is_explained(at_import):
    c = at_import
    for caller in (c.ada, c.rhonda):
        assert c.reply("/leaderboard", caller, "revenue quarter by team team:dustin") == (
            "Team dustin has no sub-teams to rank. Rank its people, or its parent's teams.\n"
            "Example: `/leaderboard revenue quarter team:dustin`"
        )
    assert c.reply("/leaderboard", c.ada, "revenue quarter leaves") == (
        "`leaves` ranks every team without sub-teams — it goes with `by team`.\n"
        "Example: `/leaderboard revenue quarter by team leaves`"
    )
    assert c.reply("/leaderboard", c.ada, "revenue quarter leaves team:central") == (
        "`leaves` ranks every team without sub-teams — it goes with `by team`.\n"
        "Example: `/leaderboard revenue quarter by team leaves`"
    )
    assert c.reply("/leaderboard", c.ada, "revenue quarter by team by team") == (
        "`by team` is given twice.\nExample: `/leaderboard revenue quarter by team`"
    )
    known = ", ".join(sorted(regions() + teams_of()))
    assert c.reply("/leaderboard", c.ada, "revenue quarter team:north") == (
        f'Unknown team "north". Teams: {known}.\nExample: `/leaderboard calls week team:east`'
    )
    assert c.reply("/leaderboard", c.ada, "revenue quarter by team team:north") == (
        f'Unknown team "north". Teams: {known}.\nExample: `/leaderboard calls week team:east`'
    )
    assert c.reply("/progress", c.ada, "team:north quarter") == (
        f'Unknown team "north". Teams: {known}.\nExample: `/progress team:east`'
    )


# --- a cascade from the company down to every rep, on the CRM history ------------------------


def hamilton(total: int, weights: dict[str, Fraction]) -> dict[str, int]:
    """Largest remainder, written here: floors of the exact shares, the units left to the
    largest remainders; equal remainders to the first by name (as the team lists people)."""
    whole = sum(weights.values())
    shares = {k: total * Fraction(w) / whole for k, w in weights.items()}
    parts = {k: math.floor(v) for k, v in shares.items()}
    remainders = sorted(weights, key=lambda k: (-(shares[k] - parts[k]), shown(k).casefold()))
    left = total - sum(parts.values())
    for k in remainders[:left]:
        parts[k] += 1
    return parts


def rep_weights(team: str, by_agent: dict[str, int]) -> dict[str, Fraction]:
    """A rep's weight is their 2017 revenue (their one complete year); a rep with no history
    at all (no row in the pipeline) counts as the median of the others', as a new rep does."""
    active = {r["sales_agent"] for r in rows(PIPELINE)}
    known = {a: Fraction(by_agent[a]) for a in agents_of(team=team) if a in active}
    stand_in = Fraction(statistics.median(known.values()))
    return {a: known.get(a, stand_in) for a in agents_of(team=team)}


def revenue_2017() -> dict[str, int]:
    """Each agent's 2017 won revenue in cents: the only complete year of history on 10 Jan 2018."""
    found = {agent: 0 for agent in agents_of()}
    for deal in rows(PIPELINE):
        if deal["deal_stage"] == "Won" and us_date(deal["close_date"]).year == 2017:
            found[deal["sales_agent"]] += int(deal["close_value"]) * 100
    return found


def test_a_cascade_from_the_company_reaches_every_rep_and_adds_up_exactly(fresh_crm):
    from storage.models import Goal, Person, Team

    crm = fresh_crm
    target = 12_000_000_00  # $12,000,000 in cents
    by_agent = revenue_2017()
    preview = crm.reply("/goal", crm.ada, "cascade team:all revenue 12m/year by history")
    assert "Nothing is set yet" in preview and crm.workspace.rows(Goal) == []

    # Rights at each level: a sub-team's manager and a region's manager may not cascade the
    # company; the sub-team's manager may not split the region either.
    assert crm.reply(
        "/goal", crm.rhonda, "cascade team:all revenue 12m/year by history apply"
    ).startswith("Only workspace admins can cascade the company's target (team:all).")
    assert crm.reply(
        "/goal", crm.melvin, "split team:central revenue 4m/year by history apply"
    ).startswith(
        "Only an admin or a manager of team central (or of a team above it) can split its target. Nothing was changed."
    )
    assert crm.workspace.rows(Goal) == []

    applied = crm.reply(
        "/goal", crm.ada, "cascade team:all revenue 12m/year by history apply -- plan 2018"
    )
    assert applied.startswith("Cascaded"), applied
    goals = crm.workspace.rows(Goal)
    teams = {t.id: t.name for t in crm.workspace.rows(Team)}
    people = {p.id: p.name for p in crm.workspace.rows(Person)}
    team_goal = {teams[g.team_id]: g.target for g in goals if g.kind == "team"}
    rep_goal = {people[g.person_id]: g.target for g in goals if g.person_id is not None}
    assert {g.metric for g in goals} == {"revenue"} and {g.period_kind for g in goals} == {"year"}

    # The regions: the company's 12m in proportion to each region's 2017 revenue.
    region_weights = {r: sum(by_agent[a] for a in agents_of(region=r)) for r in regions()}
    expected_regions = hamilton(target, region_weights)
    assert {r: team_goal[r] for r in regions()} == expected_regions
    # Each region's part between its teams, each team's between its reps with any revenue
    # (a rep with none gets no goal), every level adding up to the cent.
    for region in regions():
        expected_teams = hamilton(
            expected_regions[region],
            {t: sum(by_agent[a] for a in agents_of(team=t)) for t in teams_of(region)},
        )
        assert {t: team_goal[t] for t in teams_of(region)} == expected_teams
        for team in teams_of(region):
            weights = rep_weights(team, by_agent)
            expected_reps = {a: v for a, v in hamilton(expected_teams[team], weights).items() if v}
            shown_reps = {SHOWN.get(a, a): v for a, v in expected_reps.items()}
            assert {p: rep_goal[p] for p in shown_reps if p in rep_goal} == shown_reps
            assert sum(expected_reps.values()) == expected_teams[team]
    assert sum(team_goal[r] for r in regions()) == target
    assert len(rep_goal) == sum(
        1 for t in teams_of() for w in rep_weights(t, by_agent).values() if w
    )
    assert sum(rep_goal.values()) == target

    # With revenue goals everywhere, an admin's plain /leaderboard is the company's revenue.
    board = crm.reply("/leaderboard", crm.ada, "year")
    assert board.startswith("*Revenue leaderboard — the company, "), board

    # The region's manager hears what was set for central, with the reason.
    dms = [c.params.get("text", "") for c in crm.workspace.slack.calls_to("chat.postMessage")]
    assert any("plan 2018" in text and "central" in text for text in dms), dms
