"""After importing the shared CRM history, the app's replies over HTTP give the figures a
spreadsheet gives. Every expected figure is computed here straight from the CSV with the csv
module and plain arithmetic, independently of the app's code."""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.export import build_export
from bot.importer.cli import ImportOptions, import_crm
from bot.render.export_csv import COLUMNS
from tests.conftest import SIGNING_SECRET, SlackWorkspace, settled
from tests.support.signed_requests import SignedSlackClient

# A copy of the product's shared sample (a public practice data set), so CI always has it.
CRM = Path(__file__).resolve().parents[1] / "data" / "crm"
PIPELINE, TEAMS = CRM / "sales_pipeline.csv", CRM / "sales_teams.csv"
# Mid-January 2018: the last 12 complete months are 2017's.
JAN_2018 = datetime(2018, 1, 10, 15, tzinfo=UTC)
DARCEL = "Darcel Schlecht"


def us_date(text: str) -> date:
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def pipeline() -> list[dict[str, str]]:
    with PIPELINE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def team_list() -> list[dict[str, str]]:
    with TEAMS.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def won(agent: str, start: date, end: date) -> list[dict[str, str]]:
    return [r for r in pipeline() if r["sales_agent"] == agent and r["deal_stage"] == "Won"
            and start <= us_date(r["close_date"]) <= end]  # fmt: skip


def dollars(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"${whole:,}" + (f".{part:02d}" if part else "")


@pytest.fixture(scope="module")
def crm(running_app, slack):
    """One workspace for the module: Darcel and Melvin are Slack users (matched by real
    name); everyone else in the CRM comes in unlinked. Imported once per backend."""
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
        "admin": workspace.user("ada", admin=True),
        "darcel": workspace.user("darcel", real_name=DARCEL),
        "melvin": workspace.user("melvin", real_name="Melvin Marxen"),
    }
    report = import_crm(
        running_app.paceline.db, WebClient(token="xoxb-test-token", base_url=slack.api_url), PIPELINE, TEAMS,
        ImportOptions(workspace=team_id, tz="America/New_York"), running_app.clock, io.StringIO(),
    )  # fmt: skip
    assert not report.rejected, report.text()
    try:
        yield workspace, users, report
    finally:
        client.close()


@pytest.fixture
def at_jan_2018(running_app):
    running_app.clock.set(JAN_2018)


def mention(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def test_the_import_report_counts_what_the_file_holds(crm):
    _, _, report = crm
    rows = pipeline()
    engaged = sum(1 for r in rows if r["engage_date"])
    deals = [r for r in rows if r["deal_stage"] == "Won"]
    assert report.rows_read == len(rows) == 8_800
    assert report.entries == {"opportunities": engaged, "deals": len(deals), "revenue": len(deals)}
    assert report.revenue_cents == 100 * sum(int(r["close_value"]) for r in deals)
    assert report.skipped_count == sum(1 for r in rows if not r["engage_date"])


def test_progress_gives_a_reps_deals_and_revenue_for_a_quarter(crm, at_jan_2018):
    workspace, users, _ = crm
    q2 = won(DARCEL, date(2017, 4, 1), date(2017, 6, 30))
    engaged = [r for r in pipeline() if r["sales_agent"] == DARCEL and r["engage_date"]
               and date(2017, 4, 1) <= us_date(r["engage_date"]) <= date(2017, 6, 30)]  # fmt: skip
    revenue = 100 * sum(int(r["close_value"]) for r in q2)
    reply = workspace.reply(
        "/progress", users["admin"], f"{mention(workspace, users['darcel'])} 2017-Q2"
    )
    assert reply.splitlines()[0] == "*darcel's progress — 2017-Q2*"
    assert (
        f"Logged: {len(engaged)} opportunities · {len(q2)} deals · {dollars(revenue)} revenue."
        in reply
    )


def test_the_team_leaderboard_of_revenue_for_a_month(crm, at_jan_2018):
    workspace, users, _ = crm
    agents = [t["sales_agent"] for t in team_list() if t["manager"] == "Melvin Marxen"]
    totals = {
        a: 100 * sum(int(r["close_value"]) for r in won(a, date(2017, 6, 1), date(2017, 6, 30)))
        for a in agents
    }
    shown = {a: ("darcel" if a == DARCEL else a) for a in agents}
    expected = sorted(
        ((shown[a], v) for a, v in totals.items()), key=lambda item: (-item[1], item[0].casefold())
    )
    reply = workspace.reply("/leaderboard", users["melvin"], "revenue 2017-06 team:melvin")
    lines = reply.splitlines()
    assert lines[0] == "*Revenue leaderboard — team melvin, Jun 2017*"
    rows = [
        re.fullmatch(r"`\s*=?(\d+)`\s+(.+) — (\S+) revenue", line).groups() for line in lines[1:]
    ]
    assert [(name, amount) for _, name, amount in rows] == [
        (name, dollars(v)) for name, v in expected
    ]
    assert rows[0][0] == "1"


def test_goal_suggest_gives_the_median_and_80th_percentile_of_monthly_deals(crm, at_jan_2018):
    workspace, users, _ = crm
    by_month = Counter(
        us_date(r["close_date"]).month for r in won(DARCEL, date(2017, 1, 1), date(2017, 12, 31))
    )
    history = [by_month.get(month, 0) for month in range(1, 13)]
    while history and history[0] == 0:  # months before the first deal are not history
        history.pop(0)
    median = math.ceil(statistics.median(history))
    p80 = math.ceil(statistics.quantiles(history, n=5, method="inclusive")[3])
    reply = workspace.reply(
        "/goal", users["admin"], f"suggest {mention(workspace, users['darcel'])} deals month"
    )
    assert (
        f"Median {median} · 80th percentile {p80} — from {len(history)} complete months of darcel's history"
        in reply
    )


def test_goal_split_by_history_follows_each_reps_revenue(crm, at_jan_2018):
    workspace, users, _ = crm
    target = 30_000_000  # $300k in cents
    agents = [t["sales_agent"] for t in team_list() if t["manager"] == "Melvin Marxen"]
    # Members in the order the team lists them (by name; Darcel's is her handle).
    order = sorted(agents, key=lambda a: ("darcel" if a == DARCEL else a).casefold())
    totals = {
        a: 100 * sum(int(r["close_value"]) for r in won(a, date(2015, 1, 1), date(2017, 12, 31)))
        for a in order
    }
    known = [v for v in totals.values() if v]
    stand_in = statistics.median(known)  # no deals at all: the team median
    weights = [totals[a] or stand_in for a in order]
    shares = [target * w / sum(weights) for w in weights]
    parts = [math.floor(s) for s in shares]
    for i in sorted(range(len(order)), key=lambda i: (-(shares[i] - parts[i]), i))[
        : target - sum(parts)
    ]:
        parts[i] += 1
    reply = workspace.reply(
        "/goal", users["admin"], "split team:melvin revenue 300k/quarter by history"
    )
    found = dict(
        re.findall(
            r"• #\d+ (.+?): (\$[\d,.]+)/quarter \((?:history, \d+ quarters?|team median)\)", reply
        )
    )
    assert found == {
        ("darcel" if a == DARCEL else a): dollars(p) for a, p in zip(order, parts, strict=True)
    }
    assert "total $300,000" in reply.splitlines()[0]
    assert "Mei-Mei Johns: " in reply and "(team median)" in reply


def test_the_export_matches_progress_export_for_the_same_period(crm, at_jan_2018, slack):
    workspace, users, _ = crm
    app = workspace.app
    cli = build_export(
        app.paceline.db, app.clock, period="2017-06", team="melvin", workspace=workspace.team_id
    )
    cli_rows = list(csv.DictReader(io.StringIO(cli.content.decode("utf-8-sig"))))
    assert (
        list(cli_rows[0]) == COLUMNS
        and cli.period_label == "Jun 2017"
        and cli.team_names == ("melvin",)
    )
    slack.clear()
    workspace.reply("/progress", users["admin"], "export 2017-06")
    slack.wait_for("files.completeUploadExternal", timeout=10)
    [upload] = slack.calls_to("files.upload_url")
    dm_rows = [
        r
        for r in csv.DictReader(io.StringIO(upload.body.decode("utf-8-sig")))
        if r["Team"] == "melvin"
    ]
    assert cli_rows == dm_rows
    darcel = {r["Metric"]: r["Actual"] for r in cli_rows if r["Person"] == "darcel"}
    june = won(DARCEL, date(2017, 6, 1), date(2017, 6, 30))
    assert darcel["deals"] == str(len(june))
    assert darcel["revenue"] == f"{sum(int(r['close_value']) for r in june)}.00"


def test_history_per_team_adds_up_to_the_file(crm, at_jan_2018):
    """Each manager's team's 2017 revenue, as the leaderboard for the year shows it."""
    workspace, users, _ = crm
    per_team: dict[str, int] = defaultdict(int)
    manager_of = {t["sales_agent"]: t["manager"] for t in team_list()}
    for r in pipeline():
        if r["deal_stage"] == "Won":
            per_team[manager_of[r["sales_agent"]]] += 100 * int(r["close_value"])
    reply = workspace.reply("/leaderboard", users["admin"], "revenue 2017 team:melvin")
    amounts = re.findall(r" — (\$[\d,]+) revenue", reply)
    assert (
        sum(int(a.strip("$").replace(",", "")) for a in amounts) * 100 == per_team["Melvin Marxen"]
    )
