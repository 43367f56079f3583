"""/progress, /leaderboard, the CSV export and pace in /log replies, end to end."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from storage.models import Goal, Person, Team, Workspace


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


@pytest.fixture
def east(workspace):
    """Team east in New York: manager dana, reps maria, bo and al."""
    admin = workspace.user("ada", admin=True)
    people = {name: workspace.user(name) for name in ("dana", "maria", "bo", "al")}
    workspace.team(
        admin, f"create east manager {_m(workspace, people['dana'])} tz America/New_York"
    )
    workspace.team(
        admin, "add east " + " ".join(_m(workspace, people[n]) for n in ("maria", "bo", "al"))
    )
    people["admin"] = admin
    return people


def add_goal(
    workspace,
    *,
    kind="individual",
    person=None,
    team="east",
    metric="calls",
    period="week",
    target=60,
    **kw,
):
    with workspace.app.paceline.db.write() as session:
        ws = session.scalar(
            sa.select(Workspace.id).where(Workspace.slack_team_id == workspace.team_id)
        )
        person_id = None
        if person is not None:
            person_id = session.scalar(
                sa.select(Person.id).where(
                    Person.workspace_id == ws, Person.slack_user_id == person
                )
            )
        team_id = None
        if kind in ("team", "collective", "contest"):
            team_id = session.scalar(
                sa.select(Team.id).where(Team.workspace_id == ws, Team.name_key == team)
            )
        creator = session.scalar(
            sa.select(Person.id).where(Person.workspace_id == ws).order_by(Person.id)
        )
        goal = Goal(
            workspace_id=ws,
            kind=kind,
            person_id=person_id,
            team_id=team_id,
            metric=metric,
            period_kind=period,
            target=target,
            start=kw.pop("start", date(2026, 1, 1)),
            created_by_id=creator,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
            **kw,
        )
        session.add(goal)
        session.flush()
        return goal.id


def test_log_reply_shows_pace_against_the_weekly_goal(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, target=60)
    workspace.log(maria, "calls 30 mon")
    # Fri 10:00 in New York: Mon–Thu are done, so pace expects 4/5 of 60 = 48.
    reply = workspace.log(maria, "calls 10 demos 1")
    assert reply == (
        "Logged 10 calls · 1 demo on Fri 20 Nov.\n"
        "This week: 40 / 60 calls · 66% · behind (expected 48)\n"
        "This week: 1 demo"
    )


def test_a_monthly_goal_shows_the_month_in_the_log_reply(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, metric="revenue", period="month", target=2_100_000)
    reply = workspace.log(maria, "revenue 21k 2026-11-02")
    assert reply.splitlines()[1].startswith("This month: $21,000 / $21,000 revenue · 100% · hit")


def test_progress_shows_each_goal_with_a_bar_and_needed_per_day(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, target=60, stretch_pct=125)
    workspace.log(maria, "calls 30 mon")
    text = workspace.reply("/progress", maria)
    assert text.splitlines()[0] == "*Your progress — this week* (week of Mon 16 Nov)"
    assert "*Calls* ▓▓▓▓▓░░┃░░ 50% — 30 / 60 calls · 50% · at risk (expected 48)" in text
    assert "30 calls/day to hit it (1 day left)" in text


def test_progress_without_goals_lists_what_was_logged(workspace, east):
    maria = east["maria"]
    workspace.log(maria, "calls 5 demos 1")
    text = workspace.reply("/progress", maria, "week")
    assert "No goals in this period. Logged: 5 calls · 1 demo." in text


def test_progress_of_a_past_month(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, period="month", target=100)
    workspace.log(maria, "calls 120 2026-10-26")
    text = workspace.reply("/progress", maria, "2026-10")
    assert text.startswith("*Your progress — Oct 2026*") and "120 / 100 calls · 120% · hit" in text


def test_a_manager_sees_the_team_with_collectives_contests_and_team_totals(workspace, east):
    dana, maria, bo, al = (east[n] for n in ("dana", "maria", "bo", "al"))
    add_goal(workspace, kind="team", target=150)
    add_goal(workspace, kind="collective", metric="demos", target=2, reward="team lunch")
    add_goal(
        workspace,
        kind="contest",
        metric="meetings",
        target=None,
        prize="golf",
        start=date(2026, 11, 16),
        end=date(2026, 11, 22),
    )
    add_goal(workspace, person=bo, target=60)
    workspace.log(maria, "calls 70 demos 2 meetings 3 mon")
    workspace.log(bo, "calls 20 demos 1 meetings 5 mon")
    workspace.log(al, "demos 2 meetings 3 mon")
    text = workspace.reply("/progress", dana, "team:east")
    assert text.splitlines()[0] == "*Team east — this week* (week of Mon 16 Nov, 3 members)"
    assert "*Calls (team total)*" in text and "90 / 150 calls" in text
    assert "2 of 3 there · still missing: bo · reward: team lunch" in text
    assert (
        "*Meetings contest* (prize: golf): 1 bo 5 meetings · =2 al 3 meetings · =2 maria 3 meetings"
        in text
    )
    assert "• bo — 🔴 calls 33% (at risk)" in text


def test_progress_permissions(workspace, east):
    maria, bo, dana = east["maria"], east["bo"], east["dana"]
    assert "Only team east's managers and admins see everyone's progress" in workspace.reply(
        "/progress", maria, "team:east"
    )
    assert "not bo's" in workspace.reply("/progress", maria, _m(workspace, bo))
    assert workspace.reply("/progress", dana, _m(workspace, bo)).startswith("*bo's progress")
    assert workspace.reply("/progress", east["admin"], "team:east").startswith("*Team east")


def test_leaderboard_ranks_with_ties_and_shows_the_callers_row(workspace, east):
    admin, maria, bo, al = east["admin"], east["maria"], east["bo"], east["al"]
    workspace.log(maria, "calls 10")
    workspace.log(bo, "calls 12")
    workspace.log(al, "calls 10")
    text = workspace.reply("/leaderboard", maria)
    lines = text.splitlines()
    assert lines[0] == "*Calls leaderboard — team east, this week* (week of Mon 16 Nov)"
    assert lines[1:] == ["`  1`  bo — 12 calls", "` =2`  al — 10 calls", "` =2`  maria — 10 calls"]
    assert "Nobody" not in workspace.reply("/leaderboard", admin, "calls month team:east")


def test_leaderboard_by_pct_ranks_people_with_a_goal(workspace, east):
    maria, bo, al = east["maria"], east["bo"], east["al"]
    add_goal(workspace, person=maria, target=100)
    add_goal(workspace, person=bo, target=20)
    workspace.log(maria, "calls 50")
    workspace.log(bo, "calls 15")
    text = workspace.reply("/leaderboard", al, "calls by pct")
    lines = text.splitlines()
    assert lines[0].startswith("*Calls leaderboard by % of target")
    assert lines[1].startswith("`  1`  bo — 15 calls  ") and lines[1].endswith("75%")
    assert lines[2].startswith("`  2`  maria — 50 calls  ") and lines[2].endswith("50%")
    assert "1 without a calls target in this period are not ranked by %." in text


def test_leaderboard_shows_top_ten_and_the_callers_own_row(workspace, east):
    admin = east["admin"]
    reps = [workspace.user(f"rep{i:02d}") for i in range(11)]
    workspace.team(admin, "add east " + " ".join(_m(workspace, r) for r in reps))
    for i, rep in enumerate(reps):
        workspace.log(rep, f"calls {20 + i}")
    workspace.log(east["maria"], "calls 1")
    lines = workspace.reply("/leaderboard", east["maria"]).splitlines()
    assert len(lines) == 1 + 10 + 2
    assert lines[-2] == "…" and lines[-1] == "` 12`  maria — 1 call"


def test_leaderboard_of_another_team_is_refused_for_a_rep(workspace, east):
    workspace.team(east["admin"], "create west")
    assert "leaderboard is for its members and managers" in workspace.reply(
        "/leaderboard", east["maria"], "team:west"
    )


def test_export_arrives_as_a_csv_in_the_callers_dm(workspace, east):
    dana, maria = east["dana"], east["maria"]
    add_goal(workspace, person=maria, period="month", target=100)
    workspace.log(maria, "calls 40 revenue $1,234.50")
    workspace.slack.clear()
    reply = workspace.reply("/progress", dana, "export")
    assert reply.startswith("Preparing your export for Nov 2026")
    [done] = workspace.slack.wait_for("files.completeUploadExternal", timeout=10)
    assert done.params["channel_id"] == "D" + dana
    [upload] = workspace.slack.calls_to("files.upload_url")
    text = upload.body.decode("utf-8")
    assert text.startswith("\ufeffPerson,Slack user ID,Team,Goal kind,Metric")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    calls = next(r for r in rows if r["Metric"] == "calls")
    assert (calls["Person"], calls["Actual"], calls["Target"], calls["Period"]) == (
        "maria",
        "40",
        "100",
        "Nov 2026",
    )
    revenue = next(r for r in rows if r["Metric"] == "revenue")
    assert (revenue["Actual"], revenue["Status"], revenue["Unit"]) == ("1234.50", "no goal", "USD")


def test_time_off_prorates_a_members_target_in_the_team_view(workspace, east):
    dana, maria = east["dana"], east["maria"]
    add_goal(workspace, person=maria, target=60)
    workspace.log(maria, "calls 30 mon")
    workspace.log(maria, "off 2026-11-19..2026-11-20")
    # Three working days left of five: the target is 36, so 30 calls are 83% of it.
    assert "• maria — ⚠️ calls 83% (behind)" in workspace.reply("/progress", dana, "team:east")
