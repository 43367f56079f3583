"""/goal suggest and /goal split … by history, end to end: periods in which a person had
under half the team's normal working days (time off, a start mid-period) are left out of
their history, and the replies say how many periods were used and left out, and why."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from storage.models import Goal

# The 12 complete weeks before Fri 20 Nov 2026 (the tests' default now): Mon 24 Aug … Sun 15 Nov.
WEEKS = [date(2026, 8, 24) + timedelta(weeks=i) for i in range(12)]
VACATION = date(2026, 9, 28)  # the sixth week: Mon 28 Sep – Fri 2 Oct


def _m(workspace, user_id):
    return f"<@{user_id}|{workspace.names[user_id]}>"


def goal(workspace, user_id, text=""):
    return workspace.reply("/goal", user_id, text)


def log_weeks(workspace, manager, rep, amounts, weeks=WEEKS, metric="calls"):
    """The manager logs `amounts` for the rep, one entry on the Monday of each week (a 0
    logs nothing)."""
    for monday, amount in zip(weeks, amounts, strict=True):
        if amount:
            workspace.log(manager, f"{_m(workspace, rep)} {metric} {amount} {monday.isoformat()}")


def time_off(workspace, manager, rep, first, last):
    reply = workspace.log(
        manager, f"off {_m(workspace, rep)} {first.isoformat()}..{last.isoformat()}"
    )
    assert reply.startswith("Time off recorded for"), reply


def with_vacation(amount):
    return [0 if monday == VACATION else amount for monday in WEEKS]


# --- suggest -------------------------------------------------------------------------------


def test_a_vacation_week_is_left_out_of_a_suggestion(workspace, east):
    log_weeks(workspace, east.dana, east.maria, with_vacation(60))
    time_off(workspace, east.dana, east.maria, VACATION, VACATION + timedelta(days=4))
    lines = goal(workspace, east.dana, f"suggest {_m(workspace, east.maria)} calls").splitlines()
    assert lines[1] == (
        "Median 60 · 80th percentile 60 — from 11 complete weeks of maria's history "
        "(1 left out: under half the working days, time off), Mon 24 Aug – Sun 15 Nov."
    )
    assert lines[2] == "Set it: `/goal set @maria calls 60/week` (or 60 to stretch)."
    # The rep asking for themselves reads the same numbers.
    assert (
        "from 11 complete weeks of your history (1 left out: under half the working days, time off)"
        in goal(workspace, east.maria, "suggest calls")
    )


def test_the_left_out_week_no_longer_pulls_the_suggestion_down(workspace, east):
    # 50, 52, … 70 in the other weeks: with the vacation week as a zero the median would be
    # 59 (and the 80th percentile 65.6); without it, 60 and 66.
    amounts = iter(range(50, 72, 2))
    totals = [0 if monday == VACATION else next(amounts) for monday in WEEKS]
    log_weeks(workspace, east.dana, east.maria, totals)
    log_weeks(workspace, east.dana, east.bo, totals)
    time_off(
        workspace, east.dana, east.maria, VACATION, VACATION + timedelta(days=2)
    )  # 3 of 5 days off
    maria = goal(workspace, east.dana, f"suggest {_m(workspace, east.maria)} calls").splitlines()[1]
    assert maria.startswith("Median 60 · 80th percentile 66 — from 11 complete weeks")
    # bo logged nothing that week but was at work: a real zero, still history.
    bo = goal(workspace, east.dana, f"suggest {_m(workspace, east.bo)} calls").splitlines()[1]
    assert (
        bo
        == "Median 59 · 80th percentile 66 — from 12 complete weeks of bo's history (Mon 24 Aug – Sun 15 Nov)."
    )


def test_two_days_off_keep_the_week_in(workspace, east):
    log_weeks(workspace, east.dana, east.maria, [60] * 5 + [24] + [60] * 6)
    time_off(
        workspace, east.dana, east.maria, VACATION, VACATION + timedelta(days=1)
    )  # 3 of 5 days left
    line = goal(workspace, east.maria, "suggest calls").splitlines()[1]
    assert "from 12 complete weeks of your history (Mon 24 Aug – Sun 15 Nov)." in line
    assert "left out" not in line


def test_a_holiday_week_stays_in(workspace, east):
    """US Thanksgiving week has 4 of 5 working days: it is a normal week, not a short one."""
    workspace.team(east.admin, "set east holidays US")
    workspace.app.clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Fri 4 Dec
    weeks = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(12)]
    assert weeks[-1] == date(2026, 11, 23)  # Thanksgiving is Thu 26 Nov
    log_weeks(workspace, east.dana, east.maria, [60] * 11 + [48], weeks)
    line = goal(workspace, east.dana, f"suggest {_m(workspace, east.maria)} calls").splitlines()[1]
    assert line == (
        "Median 60 · 80th percentile 60 — from 12 complete weeks of maria's history (Mon 7 Sep – Sun 29 Nov)."
    )
    # Two days off in that week leave 2 of its 4 working days: exactly half stays in …
    log_weeks(workspace, east.dana, east.bo, [60] * 11 + [30], weeks)
    time_off(workspace, east.dana, east.bo, date(2026, 11, 23), date(2026, 11, 24))
    assert "from 12 complete weeks of bo's history (Mon 7 Sep" in goal(
        workspace, east.dana, f"suggest {_m(workspace, east.bo)} calls"
    )
    # … and a third day off is under half: the week is left out.
    time_off(workspace, east.dana, east.bo, date(2026, 11, 25), date(2026, 11, 25))
    assert (
        "from 11 complete weeks of bo's history (1 left out: under half the working days, time off), Mon 7 Sep – Sun 29 Nov."
        in goal(workspace, east.dana, f"suggest {_m(workspace, east.bo)} calls")
    )


def test_a_start_late_in_a_week_leaves_that_week_out(workspace, east):
    workspace.team(
        east.admin, f"start {_m(workspace, east.maria)} 2026-09-24"
    )  # a Thursday: 2 of 5 days
    log_weeks(workspace, east.dana, east.maria, [0] * 4 + [20] + [60] * 7)
    line = goal(workspace, east.dana, f"suggest {_m(workspace, east.maria)} calls").splitlines()[1]
    assert line == (
        "Median 60 · 80th percentile 60 — from 7 complete weeks of maria's history "
        "(1 left out: under half the working days, started mid-week), Mon 21 Sep – Sun 15 Nov."
    )


def test_a_history_of_nothing_but_short_periods_is_refused(workspace, east):
    log_weeks(workspace, east.dana, east.maria, [0] * 11 + [15])
    time_off(workspace, east.dana, east.maria, WEEKS[-1], WEEKS[-1] + timedelta(days=3))
    reply = goal(workspace, east.dana, f"suggest {_m(workspace, east.maria)} calls")
    assert reply.startswith(
        "maria had under half the working days in every week of their history in the last 12 complete weeks "
        "(1 left out: under half the working days, time off) — set a goal directly instead."
    )
    assert "/goal set @maria calls 60/week" in reply
    assert workspace.rows(Goal) == []


# --- split by history ----------------------------------------------------------------------


def test_a_vacation_week_does_not_shrink_a_split_share(workspace, east):
    li = workspace.user("li")
    workspace.team(east.admin, f"add east {_m(workspace, li)}")
    log_weeks(workspace, east.dana, east.bo, [60] * 12)
    log_weeks(workspace, east.dana, east.maria, with_vacation(60))
    log_weeks(workspace, east.dana, li, [30] * 12)
    time_off(workspace, east.dana, east.maria, VACATION, VACATION + timedelta(days=4))
    reply = goal(workspace, east.dana, "split team:east calls 150/week by history")
    targets = {g.person_id: g.target for g in workspace.rows(Goal)}
    assert sorted(targets.values()) == [30, 60, 60]
    lines = reply.splitlines()
    assert (
        lines[0]
        == "Split 150 calls a week for team east by history (last 12 weeks) — 3 goals, total 150:"
    )
    assert [line.split(" ", 2)[2] for line in lines[1:]] == [
        "bo: 60/week (history, 12 weeks)",
        "li: 30/week (history, 12 weeks)",
        "maria: 60/week (history, 11 weeks; 1 left out: under half the working days, time off)",
    ]


def test_a_member_with_every_period_left_out_gets_the_team_median(workspace, east):
    li = workspace.user("li")
    workspace.team(east.admin, f"add east {_m(workspace, li)}")
    log_weeks(workspace, east.dana, east.bo, [40] * 12)
    log_weeks(workspace, east.dana, li, [80] * 12)
    log_weeks(workspace, east.dana, east.maria, [0] * 11 + [5])  # logged once, in a week away
    time_off(workspace, east.dana, east.maria, WEEKS[-1], WEEKS[-1] + timedelta(days=4))
    reply = goal(workspace, east.dana, "split team:east calls 180/week by history")
    # maria stands in at the median of 40 and 80: weights 40, 80, 60.
    assert sorted(g.target for g in workspace.rows(Goal)) == [40, 60, 80]
    assert (
        "maria: 60/week (team median; 1 left out: under half the working days, time off)" in reply
    )


@contextmanager
def counting(db) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    for engine in db.engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in db.engines:
            sa.event.remove(engine, "before_cursor_execute", record)


def test_a_split_reads_history_and_time_off_in_a_fixed_number_of_statements(workspace, east):
    def reads(team, size):
        reps = [workspace.user(f"{team}{i}") for i in range(size)]
        workspace.team(east.admin, f"create {team} manager {_m(workspace, east.dana)}")
        workspace.team(east.admin, f"add {team} " + " ".join(_m(workspace, r) for r in reps))
        for i, rep in enumerate(reps):
            log_weeks(workspace, east.dana, rep, [10 + i] * 12)
            time_off(workspace, east.dana, rep, VACATION, VACATION + timedelta(days=4))
        with counting(workspace.app.paceline.db) as statements:
            assert "by history" in goal(
                workspace, east.dana, f"split team:{team} calls 100/week by history"
            )
        return [s for s in statements if "time_off" in s], [
            s for s in statements if "FROM entry" in s
        ]

    small_off, small_entries = reads("small", 2)
    large_off, large_entries = reads("large", 6)
    assert len(small_off) == len(large_off) == 1
    assert len(small_entries) == len(large_entries) == 1
