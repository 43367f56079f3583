"""App Home after a CRM history import: people have entries but no goals, and Home still
shows each one's figures for the chosen period — the manager each rep's, a rep their own.
Every expected figure is computed here from the CSV with the csv module, independently of
the app's code."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.importer.cli import ImportOptions, import_crm
from bot.render.app_home import MAX_HOME_BLOCKS
from bot.render.block_limits import check
from tests.conftest import DEFAULT_NOW, SIGNING_SECRET, SlackWorkspace, settled
from tests.e2e.test_app_home import buttons, latest_home, lines, open_home
from tests.support.signed_requests import SignedSlackClient

CRM = Path(__file__).resolve().parents[1] / "data" / "crm"
PIPELINE, TEAMS = CRM / "sales_pipeline.csv", CRM / "sales_teams.csv"
IMPORTED_AT = datetime(2018, 1, 10, 15, tzinfo=UTC)
# Friday 29 December 2017, 10:00 in New York: the last workday of 2017-Q4.
DEC_29 = datetime(2017, 12, 29, 15, tzinfo=UTC)
Q4_2017 = (date(2017, 10, 1), date(2017, 12, 31))
DARCEL, MELVIN = "Darcel Schlecht", "Melvin Marxen"


def us_date(text: str) -> date:
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def dollars(whole: int) -> str:
    return f"${whole:,}"


def counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def expected_figures(agent: str) -> str:
    """'44 opportunities · 12 deals · $31,204 revenue' for Q4 2017, straight from the CSV:
    opportunities by engage date, deals and revenue by the close date of won deals."""
    start, end = Q4_2017
    mine = [r for r in rows(PIPELINE) if r["sales_agent"] == agent]
    engaged = sum(1 for r in mine if r["engage_date"] and start <= us_date(r["engage_date"]) <= end)
    won = [r for r in mine if r["deal_stage"] == "Won" and start <= us_date(r["close_date"]) <= end]
    revenue = sum(int(r["close_value"]) for r in won)
    parts = []
    if engaged:
        parts.append(counted(engaged, "opportunity", "opportunities"))
    if won:
        parts.append(counted(len(won), "deal", "deals"))
    if revenue:
        parts.append(f"{dollars(revenue)} revenue")
    return " · ".join(parts)


@pytest.fixture(scope="module")
def crm(running_app, slack):
    """One workspace: Darcel (a rep) and Melvin (her manager) are Slack users, matched by
    real name; everyone else in the CRM comes in unlinked. No goals at all."""
    team_id = "T" + uuid.uuid4().hex[:10].upper()
    client = SignedSlackClient(
        running_app.url,
        SIGNING_SECRET,
        team_id=team_id,
        response_url=slack.response_url(),
        on_response=settled(running_app.paceline),
    )
    workspace = SlackWorkspace(team_id, running_app, slack, client)
    users = {
        "darcel": workspace.user("darcel", real_name=DARCEL),
        "melvin": workspace.user("melvin", real_name=MELVIN),
    }
    running_app.clock.set(IMPORTED_AT)
    report = import_crm(
        running_app.paceline.db, WebClient(token="xoxb-test-token", base_url=slack.api_url), PIPELINE, TEAMS,
        ImportOptions(workspace=team_id, tz="America/New_York"), running_app.clock, io.StringIO(),
    )  # fmt: skip
    assert not report.rejected, report.text()
    try:
        yield workspace, users
    finally:
        running_app.clock.set(DEFAULT_NOW)
        client.close()


@pytest.fixture
def at_dec_29(running_app):
    running_app.clock.set(DEC_29)


def choose_quarter(workspace, user_id):
    action = {
        "type": "static_select",
        "selected_option": {
            "text": {"type": "plain_text", "text": "This quarter"},
            "value": "quarter",
        },
    }
    before = len(
        [c for c in workspace.slack.calls_to("views.publish") if c.params.get("user_id") == user_id]
    )
    response = workspace.client.block_action(
        "home_period",
        user_id=user_id,
        view={"id": "VHOME" + user_id, "type": "home"},
        action=action,
    )
    assert response.status == 200, response.text
    view = latest_home(workspace, user_id, count=before + 1)
    [select] = buttons(view, "home_period")
    assert select["initial_option"]["value"] == "quarter"
    return view


def test_a_managers_home_shows_each_reps_figures_for_the_quarter(crm, at_dec_29):
    workspace, users = crm
    open_home(workspace, users["melvin"])
    view = choose_quarter(workspace, users["melvin"])
    assert check(view["blocks"], max_blocks=MAX_HOME_BLOCKS) == []
    shown = lines(view)
    assert shown[4].startswith("This quarter (2017-Q4) · updated Fri 29 Dec")
    agents = [t["sales_agent"] for t in rows(TEAMS) if t["manager"] == MELVIN]
    names = {a: ("darcel" if a == DARCEL else a) for a in agents}
    expected = {names[a]: expected_figures(a) for a in agents if expected_figures(a)}
    assert len(expected) >= 4  # the sample gives Melvin's reps Q4 deals
    assert f"*Logged this quarter without a goal* ({len(expected)})" in shown
    found = {}
    for line in shown[shown.index(f"*Logged this quarter without a goal* ({len(expected)})") + 1 :]:
        if not line.startswith("• *"):
            break
        name, figures = line.removeprefix("• *").split("* — ", 1)
        found[name] = figures
    assert found == expected
    assert list(found) == sorted(found, key=str.casefold)  # by name
    assert "Nobody in team melvin has a goal this quarter" in "\n".join(shown)


def test_a_reps_home_shows_their_own_quarter_figures_as_progress_does(crm, at_dec_29):
    workspace, users = crm
    open_home(workspace, users["darcel"])
    view = choose_quarter(workspace, users["darcel"])
    figures = expected_figures(DARCEL)
    assert "deals" in figures and "revenue" in figures
    body = "\n".join(lines(view))
    assert f"*Your goals — this quarter* (2017-Q4)\nThis quarter: {figures}" in body
    assert "No goals this quarter yet." in body
    progress = workspace.reply("/progress", users["darcel"], "this quarter")
    assert f"Logged: {figures}." in progress
    # The week stays the default for everyone else, and the quarter is remembered.
    assert [b for b in buttons(open_home(workspace, users["darcel"]), "home_period")][0][
        "initial_option"
    ]["value"] == "quarter"
