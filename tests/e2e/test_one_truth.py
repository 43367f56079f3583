"""One truth for targets and pace, end to end over signed HTTP: a goal and its versions are
one row whose target is the sum of its days, every view adds up, holidays and time off
take their days away, and every surface (the /log reply, /progress, App Home, the digest,
the export) says the same figures. Expected values are worked out by hand in the comments
from docs/pace.md, never by the app's code."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from bot.console.render import Names, render_blocks
from scheduler.content import weekly_digest
from storage.models import Team
from tests.e2e.test_progress import add_goal

# Team east works Mon–Fri in New York with US holidays. November 2026: 21 weekdays, minus
# Veterans Day (Wed 11) and Thanksgiving (Thu 26) = 19 working days. October: 22 weekdays
# minus Columbus Day (Mon 12) = 21. December: 23 weekdays minus Christmas (Fri 25) = 22.


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def ny(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock in New York (UTC−5 in winter) on `day`."""
    return datetime(day.year, day.month, day.day, hour + 5, 0, tzinfo=UTC)


@pytest.fixture
def east(workspace):
    admin = workspace.user("ada", admin=True)
    people = {name: workspace.user(name) for name in ("dana", "maria", "bo", "al", "kim")}
    workspace.team(
        admin, f"create east manager {_m(workspace, people['dana'])} tz America/New_York"
    )
    workspace.team(
        admin,
        "add east " + " ".join(_m(workspace, people[n]) for n in ("maria", "bo", "al", "kim")),
    )
    workspace.team(admin, "set east holidays US")
    workspace.team(admin, "set east channel #sales-east")
    people["admin"] = admin
    return people


def calls_row(text: str) -> str:
    rows = [line for line in text.splitlines() if "*Calls*" in line]
    assert len(rows) == 1, text
    return rows[0]


def target_of(row: str) -> int:
    match = re.search(r"— (\d[\d,]*) / (\d[\d,]*) ", row)
    assert match, row
    return int(match[2].replace(",", ""))


def export_rows(workspace, user_id, period: str) -> list[dict[str, str]]:
    workspace.slack.clear()
    workspace.reply("/progress", user_id, f"export {period}")
    workspace.slack.wait_for("files.completeUploadExternal", timeout=10)
    [upload] = workspace.slack.calls_to("files.upload_url")
    return list(csv.DictReader(io.StringIO(upload.body.decode("utf-8").lstrip("\ufeff"))))


def home_text(workspace, user_id) -> str:
    workspace.slack.clear()
    response = workspace.client.event(
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id,
            "tab": "home",
            "event_ts": "1.0",
        }
    )
    assert response.status == 200, response.text
    [publish] = workspace.slack.wait_for(
        "views.publish", where=lambda c: c.params.get("user_id") == user_id
    )
    return "\n".join(render_blocks(publish.params["view"]["blocks"], Names()))


# --- 1. a goal changed mid-period is one row ---------------------------------------------------


def test_a_goal_changed_mid_month_is_one_row_whose_target_sums_each_versions_days(workspace, east):
    maria, dana = east["maria"], east["dana"]
    add_goal(workspace, person=maria, target=60, end=date(2026, 11, 15))
    add_goal(workspace, person=maria, target=80, start=date(2026, 11, 16))
    workspace.log(maria, "calls 100 2026-11-09")
    workspace.log(maria, "calls 90 2026-11-17")
    # 60/week is 12 a day: 2–6 Nov (5) and 9–13 Nov without Veterans Day (4) = 108.
    # 80/week is 16 a day: 16–20 (5), 23–27 without Thanksgiving (4), 30 Nov (1) = 160.
    month = workspace.reply("/progress", maria, "month")
    row = calls_row(month)
    assert "190 / 268 calls · 70% · ahead (expected 172)" in row  # 108 + 16 × 4 (Mon–Thu)
    # The export says the same: one row, the same target and status.
    [exported] = [
        r
        for r in export_rows(workspace, dana, "month")
        if r["Person"] == "maria" and r["Metric"] == "calls"
    ]
    assert (
        exported["Actual"],
        exported["Target"],
        exported["Status"],
        exported["Expected by now"],
    ) == (
        "190",
        "268",
        "ahead",
        "172",
    )
    assert exported["Goal kind"] == "personal"
    # The team view lists maria once.
    team = workspace.reply("/progress", dana, "team:east month")
    assert team.count("• maria —") == 1


def test_the_months_of_a_quarter_and_the_quarters_of_a_year_add_up(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, target=60, end=date(2026, 11, 15))
    add_goal(workspace, person=maria, target=80, start=date(2026, 11, 16))
    months = [
        target_of(calls_row(workspace.reply("/progress", maria, f"2026-{m:02d}")))
        for m in (10, 11, 12)
    ]
    # October 21 days × 12; November 108 + 160; December 22 days × 16.
    assert months == [252, 268, 352]
    quarter = target_of(calls_row(workspace.reply("/progress", maria, "2026-Q4")))
    assert quarter == sum(months) == 872
    quarters = [
        target_of(calls_row(workspace.reply("/progress", maria, f"2026-Q{q}")))
        for q in (1, 2, 3, 4)
    ]
    year = target_of(calls_row(workspace.reply("/progress", maria, "2026")))
    assert year == sum(quarters)


# --- 2. views agree: weights and ramps -----------------------------------------------------------


def test_a_weighted_yearly_goal_is_paced_by_its_weights_in_the_year_view(workspace, east):
    dana = east["dana"]
    add_goal(
        workspace,
        kind="team",
        metric="revenue",
        period="year",
        target=1_200_000_00,
        weights="10,10,10,70",
    )
    workspace.app.clock.set(ny(date(2026, 11, 2)))
    workspace.log(east["maria"], "revenue 500k 2026-10-30")
    text = workspace.reply("/progress", dana, "team:east year")
    row = next(line for line in text.splitlines() if "Revenue (team total)" in line)
    # Q1–Q3 are 30% = $360,000, all completed by Mon 2 Nov; Q4's 70% = $840,000 over its 62
    # working days, of which October's 21 are done: 840,000 × 21 / 62 = $284,516.13.
    assert "(expected $644,516.13)" in row, row
    assert "$500,000 / $1,200,000 revenue" in row
    # Quarter view of the same goal: Q4 is $840,000 and October's share is expected.
    quarter = workspace.reply("/progress", dana, "team:east quarter")
    q_row = next(line for line in quarter.splitlines() if "Revenue (team total)" in line)
    assert "/ $840,000 revenue" in q_row and "(expected $284,516.13)" in q_row, q_row


def test_a_ramps_month_is_the_sum_of_its_weeks(workspace, east):
    bo = east["bo"]
    # February 2027 starts on a Monday and ends on a Sunday; Presidents' Day is Mon 15 Feb.
    add_goal(
        workspace,
        kind="ramp",
        person=bo,
        metric="emails",
        target=50,
        ramp_last=100,
        ramp_step=10,
        start=date(2027, 2, 1),
    )
    workspace.app.clock.set(ny(date(2027, 3, 2)))
    text = workspace.reply("/progress", bo, "2027-02")
    row = next(line for line in text.splitlines() if "*Emails*" in line)
    # Weeks: 50, 60, 70 × 4/5 = 56 (the holiday), 80 → 246.
    assert target_of(row) == 246, row


# --- 4. all-or-nothing: the same count everywhere ---------------------------------------------------


def test_all_or_nothing_counts_only_who_carries_a_target_and_every_surface_agrees(workspace, east):
    dana, maria, bo, al, kim = (east[n] for n in ("dana", "maria", "bo", "al", "kim"))
    workspace.reply("/goal", dana, 'each team:east demos 5/week reward "pizza"')
    workspace.team(east["admin"], f"start {_m(workspace, kim)} 2026-11-23")  # starts next week
    workspace.log(al, "off 2026-11-16..2026-11-20")  # on holiday all week
    workspace.log(bo, "off 2026-11-19..2026-11-20")  # owes 3 of 5 days: 3 demos
    workspace.log(maria, "demos 5 mon")
    workspace.log(bo, "demos 3 mon")
    expected = "👥 *Demos* — everyone 5 demos/week: 2 of 2 there · 🏆 everyone there · excused: al, kim · reward: pizza"
    progress = workspace.reply("/progress", dana, "team:east")
    assert expected in progress
    assert expected in home_text(workspace, dana)
    # al, on holiday all week, is not shown as a hit anywhere.
    mine = workspace.reply("/progress", al)
    assert "🏆" not in mine and "no target in this period" in mine
    assert "🏆" not in workspace.reply("/progress", al)
    # The digest says the same.
    with workspace.app.paceline.db.read() as session:
        [team] = [t for t in workspace.rows(Team) if t.name == "east"]
        post, *_ = weekly_digest.build(session, team.workspace_id, team, ny(date(2026, 11, 20), 16))
    assert expected in "\n".join(render_blocks(list(post.blocks), Names()))


# --- 6. exports carry every kind of goal -------------------------------------------------------------


def test_the_export_has_team_totals_all_or_nothing_and_contest_rows(workspace, east):
    dana, maria, bo = east["dana"], east["maria"], east["bo"]
    workspace.reply("/goal", dana, "set team:east calls 300/week")
    workspace.reply("/goal", dana, "each team:east demos 5/week")
    workspace.reply("/goal", dana, "contest meetings week team:east")
    workspace.log(maria, "calls 40 demos 5 meetings 3")
    workspace.log(bo, "demos 2 meetings 4")
    rows = export_rows(workspace, dana, "week")
    kinds = {(r["Person"], r["Metric"]): r for r in rows}
    team_total = kinds[("", "calls")]
    assert (team_total["Goal kind"], team_total["Actual"], team_total["Team"]) == (
        "team total",
        "40",
        "east",
    )
    # 300/week = 60 a day; Mon–Thu done: 240 expected; 40 of it → at risk.
    assert (team_total["Target"], team_total["Expected by now"], team_total["Status"]) == (
        "300",
        "240",
        "at risk",
    )
    demos = kinds[("bo", "demos")]
    assert (demos["Goal kind"], demos["Target"], demos["Actual"], demos["Status"]) == (
        "all or nothing",
        "5",
        "2",
        "at risk",
    )
    assert kinds[("maria", "demos")]["Status"] == "hit"
    contest = kinds[("bo", "meetings")]
    assert (contest["Goal kind"], contest["Actual"], contest["Rank"]) == ("contest", "4", "1")
    assert "no goal" not in {r["Goal kind"] for r in rows if r["Metric"] in ("demos", "meetings")}
    # Figures equal /progress.
    progress = workspace.reply("/progress", dana, "team:east")
    assert "40 / 300 calls · 13% · at risk (expected 240)" in progress


# --- 5 and 8. holidays and words that agree with the numbers --------------------------------------


def test_a_holiday_week_asks_less_of_a_weekly_goal(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, target=60)
    workspace.app.clock.set(ny(date(2026, 11, 27)))  # Friday of Thanksgiving week
    workspace.log(maria, "calls 40 mon")
    reply = workspace.reply("/progress", maria)
    # 4 working days × 12 = 48; Mon–Wed done = 36 expected; 40 is 111% → ahead.
    assert "40 / 48 calls · 83% · ahead (expected 36)" in reply
    assert "8 calls/day to hit it (1 day left)" in reply


def test_logging_before_anything_is_expected_is_ahead_not_not_started(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, target=60)
    workspace.app.clock.set(ny(date(2026, 11, 16)))  # Monday
    reply = workspace.log(maria, "calls 14")
    assert "This week: 14 / 60 calls · 23% · ahead" in reply and "not started" not in reply
    today = workspace.reply("/progress", maria, "today")
    assert "not started" not in today and "14 / 12 calls" in today


def test_a_one_deal_week_needs_one_more_deal_not_a_deal_a_day(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, metric="deals", target=1)
    workspace.app.clock.set(ny(date(2026, 11, 17)))  # Tuesday: Monday's 0.2 expected shows as 0
    reply = workspace.reply("/progress", maria)
    assert "1 more deal to hit it (4 days left)" in reply
    assert "/day" not in reply
    assert "expected 0" not in reply and "at risk" not in reply


def test_a_past_month_is_named_once_in_the_header(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, target=60)
    text = workspace.reply("/progress", maria, "2026-10")
    assert text.splitlines()[0] == "*Your progress — Oct 2026*"
    assert text.count("Oct 2026") == 1


def test_the_digest_does_not_celebrate_a_weeks_slice_of_a_monthly_goal(workspace, east):
    maria, bo = east["maria"], east["bo"]
    add_goal(workspace, person=maria, period="month", target=400)  # 21 a day in November
    add_goal(workspace, person=bo, target=50)
    workspace.log(maria, "calls 120 mon")  # beats the week's 105, far from November's 400
    workspace.log(bo, "calls 55 mon")
    with workspace.app.paceline.db.read() as session:
        [team] = [t for t in workspace.rows(Team) if t.name == "east"]
        post, *_ = weekly_digest.build(session, team.workspace_id, team, ny(date(2026, 11, 20), 16))
    text = "\n".join(render_blocks(list(post.blocks), Names()))
    hits = next(line for line in text.splitlines() if "Goal hits" in line)
    assert "bo" in hits and "maria" not in hits


def test_the_worked_example_of_docs_pace(workspace, east):
    maria = east["maria"]
    add_goal(workspace, person=maria, target=60, end=date(2026, 11, 15))
    add_goal(workspace, person=maria, target=80, start=date(2026, 11, 16))
    workspace.log(maria, "calls 60 2026-11-16")
    reply = workspace.log(maria, "calls 10")
    assert "This week: 70 / 80 calls · 87% · on pace (expected 64)" in reply
    progress = workspace.reply("/progress", maria)
    assert "10 calls/day to hit it (1 day left) · forecast 88 calls" in progress
    assert "70 / 268 calls" in workspace.reply("/progress", maria, "month")
    workspace.app.clock.set(ny(date(2026, 11, 25)))
    assert "/ 64 calls" in workspace.reply("/progress", maria)  # Thanksgiving week


def test_a_quarterly_goal_with_month_weights_is_paced_by_them(workspace, east):
    dana = east["dana"]
    add_goal(
        workspace,
        kind="team",
        metric="calls",
        period="quarter",
        target=1000,
        weights="20,30,50",
        start=date(2026, 10, 1),
    )
    # Q4: October 20%, November 30%, December 50%. On Fri 20 Nov, October's 200 and the 13
    # of November's 19 working days that have ended (300 × 13 / 19 = 205.3) are expected.
    quarter = workspace.reply("/progress", dana, "team:east quarter")
    row = next(line for line in quarter.splitlines() if "Calls (team total)" in line)
    assert "/ 1,000 calls" in row and "(expected 405)" in row, row
    month = workspace.reply("/progress", dana, "team:east month")
    m_row = next(line for line in month.splitlines() if "Calls (team total)" in line)
    assert "/ 300 calls" in m_row and "(expected 205)" in m_row, m_row


def test_a_team_of_one_is_one_member(workspace):
    admin, dana, maria = (
        workspace.user("ada", admin=True),
        workspace.user("dana"),
        workspace.user("maria"),
    )
    workspace.team(admin, f"create solo manager {_m(workspace, dana)} tz America/New_York")
    workspace.team(admin, f"add solo {_m(workspace, maria)}")
    add_goal(workspace, person=maria, team="solo", target=60)
    assert workspace.reply("/progress", dana, "team:solo").splitlines()[0] == (
        "*Team solo — this week* (week of Mon 16 Nov, 1 member)"
    )


def test_the_issues_reproduction_through_commands_gives_one_row(workspace, east):
    dana, maria = east["dana"], east["maria"]
    workspace.reply("/goal", dana, f"set {_m(workspace, maria)} calls 60/week")  # from Mon 16 Nov
    reply = workspace.reply(
        "/goal", dana, f"set {_m(workspace, maria)} calls 80/week from 2026-11-23 -- promoted"
    )
    assert "from Mon 23 Nov" in reply and "replaces" in reply, reply
    workspace.log(maria, "calls 50 mon")
    month = workspace.reply("/progress", dana, f"{_m(workspace, maria)} month")
    # 60/week on 16–20 Nov (5 × 12 = 60); 80/week on 23–27 Nov without Thanksgiving (4 × 16)
    # and 30 Nov (16): November = 140, one row.
    assert "50 / 140 calls" in calls_row(month)
    [exported] = [
        r
        for r in export_rows(workspace, dana, "month")
        if r["Person"] == "maria" and r["Metric"] == "calls"
    ]
    assert (exported["Actual"], exported["Target"]) == ("50", "140")
