"""The standings engine: goals of every kind seen in a period, with exact figures."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.calendars import WorkCalendar
from bot.core.pace import PaceStatus
from bot.core.periods import Period, PeriodKind
from bot.core.standings import (
    GoalSpec,
    PersonFacts,
    TeamFacts,
    person_standing,
    team_standings,
)

CAL = WorkCalendar()
WEEK = Period.containing(PeriodKind.WEEK, date(2026, 11, 16))  # Mon 16 – Sun 22 Nov
WED = TeamFacts(CAL, today=date(2026, 11, 18))  # Mon and Tue completed


def goal(**kw):
    base = dict(
        id=1,
        kind="individual",
        metric="calls",
        period_kind=PeriodKind.WEEK,
        target=60,
        start=date(2026, 1, 1),
        person_id=1,
    )
    base.update(kw)
    return GoalSpec(**base)


def test_weekly_goal_midweek_pace():
    s = person_standing(goal(), PersonFacts(1, "maria"), WEEK, WED, actual=20)
    assert (s.target, s.pace.expected, s.pace.pct, s.pace.status) == (60, 24, 33, PaceStatus.BEHIND)
    assert s.pace.needed_per_day == 14  # (60 - 20) / 3 days left, today included


def test_time_off_prorates_the_target():
    maria = PersonFacts(1, "maria", time_off=((date(2026, 11, 19), date(2026, 11, 20)),))
    s = person_standing(goal(), maria, WEEK, WED, actual=24)
    assert (s.pace.prorated_target, s.pace.expected, s.pace.status) == (36, 24, PaceStatus.ON_PACE)


def test_a_goal_starting_midweek_counts_from_its_start():
    s = person_standing(
        goal(start=date(2026, 11, 18)), PersonFacts(1, "maria"), WEEK, WED, actual=0
    )
    assert (s.pace.prorated_target, s.pace.status) == (36, PaceStatus.NOT_STARTED)


def test_monthly_goal_in_a_week_spanning_two_months():
    # Mon 30 Nov – Sun 6 Dec: 1 of November's 21 working days, 4 of December's 23.
    week = Period.containing(PeriodKind.WEEK, date(2026, 11, 30))
    monthly = goal(period_kind=PeriodKind.MONTH, target=2100)
    assert (
        person_standing(monthly, PersonFacts(1, "m"), week, WED, 0).target == 100 + 365
    )  # 2100/21 + 2100*4/23


def test_ramp_targets_climb_each_week():
    ramp = goal(kind="ramp", target=50, ramp_last=100, ramp_step=10, start=date(2026, 11, 2))
    weeks = [
        Period.containing(PeriodKind.WEEK, date(2026, 11, 2) + timedelta(weeks=i)) for i in range(8)
    ]
    assert [person_standing(ramp, PersonFacts(1, "m"), w, WED, 0).target for w in weeks] == [
        50,
        60,
        70,
        80,
        90,
        100,
        100,
        100,
    ]


def test_a_goal_changed_mid_month_is_one_row_whose_target_sums_each_versions_days():
    # 60/week until Sun 15 Nov, 80/week from Mon 16 Nov (no holidays): November's working
    # days are 2–13 Nov (10 days × 12) and 16–30 Nov (11 days × 16).
    old = goal(id=1, end=date(2026, 11, 15))
    new = goal(id=2, target=80, start=date(2026, 11, 16))
    november = Period.containing(PeriodKind.MONTH, date(2026, 11, 1))
    report = team_standings(
        team_name="t",
        view=november,
        team=WED,
        goals=[old, new],
        members=[PersonFacts(1, "maria")],
        totals={(1, "calls"): 190},
    )
    [row] = report.members
    assert row.target == 10 * 12 + 11 * 16
    assert row.goal.id == 2 and [v.id for v in row.versions] == [1, 2]
    weeks = [Period.containing(PeriodKind.WEEK, date(2026, 11, d)) for d in (2, 9, 16, 23, 30)]
    clipped = [
        Period(PeriodKind.WEEK, max(w.start, november.start), min(w.end, november.end))
        for w in weeks
    ]
    assert (
        sum(
            person_standing([old, new], PersonFacts(1, "m"), w, WED, 0).pace.target for w in clipped
        )
        == row.target
    )


def test_stretch_is_reported_once_actual_passes_it():
    s = person_standing(
        goal(stretch_pct=125),
        PersonFacts(1, "maria"),
        WEEK,
        TeamFacts(CAL, date(2026, 11, 23)),
        actual=75,
    )
    assert (s.stretch, s.stretch_hit, s.hit) == (75, True, True)


def test_team_totals_collectives_and_contests():
    members = [PersonFacts(1, "maria"), PersonFacts(2, "bo"), PersonFacts(3, "Al")]
    goals = [
        goal(id=10, kind="team", person_id=None, team_id=7, target=150),
        goal(
            id=11,
            kind="collective",
            person_id=None,
            team_id=7,
            metric="demos",
            target=5,
            reward="lunch",
        ),
        goal(
            id=12,
            kind="contest",
            person_id=None,
            team_id=7,
            metric="meetings",
            target=None,
            start=WEEK.start,
            end=WEEK.end,
        ),
        goal(id=13, person_id=2, metric="calls", target=40),
    ]
    totals = {
        (1, "calls"): 50,
        (2, "calls"): 30,
        (1, "demos"): 5,
        (2, "demos"): 2,
        (3, "demos"): 5,
        (1, "meetings"): 3,
        (2, "meetings"): 4,
        (3, "meetings"): 3,
    }
    end_of_week = TeamFacts(CAL, today=date(2026, 11, 23))
    report = team_standings(
        team_name="east", view=WEEK, team=end_of_week, goals=goals, members=members, totals=totals
    )
    [team_total] = report.team_totals
    assert (team_total.pace.actual, team_total.pace.pct) == (80, 53)
    [collective] = report.collectives
    assert [s.owner_name for s in collective.missing] == ["bo"] and not collective.achieved
    assert [s.owner_name for s in collective.there] == ["maria", "Al"]
    [contest] = report.contests
    assert [(r.label, r.name) for r in contest.ranking] == [
        ("1", "bo"),
        ("=2", "Al"),
        ("=2", "maria"),
    ]
    [own] = report.members
    assert (own.owner_name, own.pace.actual, own.pace.status) == (
        "bo",
        30,
        PaceStatus.BEHIND,
    )  # 30 of 40 expected is exactly 75%


def test_goals_outside_the_view_are_ignored():
    ended = goal(end=date(2026, 11, 1))
    report = team_standings(
        team_name="t", view=WEEK, team=WED, goals=[ended], members=[PersonFacts(1, "m")], totals={}
    )
    assert report.members == ()


def test_all_or_nothing_excuses_who_carries_no_target_and_counts_own_shares():
    off = PersonFacts(2, "bo", time_off=((WEEK.start, WEEK.end),))
    later = PersonFacts(3, "al", start_date=WEEK.end + timedelta(days=1))
    part = PersonFacts(4, "kim", time_off=((date(2026, 11, 19), date(2026, 11, 20)),))
    collective = goal(id=11, kind="collective", person_id=None, team_id=7, metric="demos", target=5)
    totals = {(1, "demos"): 5, (4, "demos"): 3}
    report = team_standings(
        team_name="east",
        view=WEEK,
        team=TeamFacts(CAL, date(2026, 11, 23)),
        goals=[collective],
        members=[PersonFacts(1, "maria"), off, later, part],
        totals=totals,
    )
    [found] = report.collectives
    assert [s.owner_name for s in found.excused] == ["bo", "al"]
    assert [s.owner_name for s in found.there] == ["maria", "kim"]  # kim's share: 3 of 5 days
    assert found.achieved
