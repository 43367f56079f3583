"""Weeks behind in a row: this week plus each earlier complete week that ended behind or at
risk, judged by the one pace engine as it stood at the week's end."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.calendars import WorkCalendar
from bot.core.pace import PaceStatus, PaceThresholds
from bot.core.periods import Period, PeriodKind
from bot.core.standings import GoalSpec, PersonFacts, TeamFacts, person_standing
from bot.core.streaks import (
    LOOKBACK_WEEKS,
    goal_in_week,
    is_lagging,
    lagging_at_week_end,
    previous_weeks,
    status_at_week_end,
    weeks_behind,
)

CAL = WorkCalendar()
WEEK = Period.containing(PeriodKind.WEEK, date(2026, 11, 16))  # Mon 16 – Sun 22 Nov
THU = TeamFacts(CAL, today=date(2026, 11, 19))  # Mon–Wed completed
WEEKS = previous_weeks(WEEK)
MARIA = PersonFacts(1, "maria")


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


def now(actual, spec=None, person=MARIA):
    return person_standing(spec or goal(), person, WEEK, THU, actual)


def totals(*per_week, metric="calls", person=1):
    """Totals for the previous weeks, most recent first."""
    return {(person, metric, WEEKS[i].start): v for i, v in enumerate(per_week)}


def test_previous_weeks_are_the_complete_weeks_before_most_recent_first():
    assert len(WEEKS) == LOOKBACK_WEEKS == 8
    assert (WEEKS[0].start, WEEKS[0].end) == (date(2026, 11, 9), date(2026, 11, 15))
    assert WEEKS[-1].start == date(2026, 9, 21)
    assert all(
        a.start - b.start == timedelta(weeks=1) for a, b in zip(WEEKS, WEEKS[1:], strict=False)
    )


def test_a_week_end_status_measures_against_the_whole_target():
    # 50 of 60 at the end: 83% of expected (= the target) → behind, not "on pace".
    s = status_at_week_end(goal(), MARIA, WEEKS[0], THU, 50)
    assert (s.pace.expected, s.pace.status) == (60, PaceStatus.BEHIND)
    assert status_at_week_end(goal(), MARIA, WEEKS[0], THU, 54).pace.status is PaceStatus.ON_PACE


def test_counts_this_week_and_each_earlier_lagging_week_until_one_was_fine():
    # This week 20 of expected 36: at risk. Last weeks: 40 (at risk), 50 (behind), 58 (on pace), 10.
    current = now(20)
    assert current.pace.status is PaceStatus.AT_RISK
    assert weeks_behind(current, MARIA, [goal()], WEEKS, totals(40, 50, 58, 10), THU) == 3


def test_a_rep_not_behind_this_week_has_no_streak():
    assert weeks_behind(now(36), MARIA, [goal()], WEEKS, totals(0, 0, 0), THU) == 0


def test_behind_every_week_looked_at_reaches_the_lookback_plus_this_week():
    assert weeks_behind(now(0), MARIA, [goal()], WEEKS, {}, THU) == LOOKBACK_WEEKS + 1


def test_a_week_before_the_goal_existed_ends_the_streak():
    spec = goal(start=WEEKS[1].start)  # set two weeks ago
    assert weeks_behind(now(0, spec), MARIA, [spec], WEEKS, {}, THU) == 3


def test_a_week_off_owes_nothing_and_ends_the_streak():
    away = PersonFacts(1, "maria", time_off=((WEEKS[1].start, WEEKS[1].end),))
    assert weeks_behind(now(0, person=away), away, [goal()], WEEKS, {}, THU) == 2


def test_time_off_prorates_a_past_week():
    # Three days off in the last week: target 24, and 22 of 24 is on pace → no earlier week counts.
    away = PersonFacts(1, "maria", time_off=((WEEKS[0].start, WEEKS[0].start + timedelta(days=2)),))
    assert weeks_behind(now(0, person=away), away, [goal()], WEEKS, totals(22), THU) == 1
    assert weeks_behind(now(0, person=away), away, [goal()], WEEKS, totals(12), THU) > 1


def test_a_replaced_goal_carries_the_streak_over():
    old = goal(id=1, target=80, end=WEEKS[0].end)
    new = goal(id=2, target=60, start=WEEK.start)
    assert goal_in_week(new, 1, [old, new], WEEKS[0]) == (old, new)
    # Last week 70 of the old 80 (87%: behind), the week before 80 (hit).
    assert weeks_behind(now(0, new), MARIA, [old, new], WEEKS, totals(70, 80), THU) == 2


def test_someone_elses_goal_or_another_metric_does_not_count():
    mine = goal(id=2, start=WEEK.start)
    others = [
        goal(id=3, person_id=9, end=WEEKS[0].end),
        goal(id=4, metric="demos", end=WEEKS[0].end),
    ]
    assert goal_in_week(mine, 1, others, WEEKS[0]) == ()
    assert weeks_behind(now(0, mine), MARIA, [mine, *others], WEEKS, {}, THU) == 1


def test_a_monthly_goal_is_judged_on_its_share_of_each_week():
    # 1,000/month in November (21 working days): the week of 9 Nov owes 1000×5/21 = 238.
    monthly = goal(period_kind=PeriodKind.MONTH, target=1000)
    week_end = status_at_week_end(monthly, MARIA, WEEKS[0], THU, 230)
    assert (week_end.pace.prorated_target, week_end.pace.status) == (238, PaceStatus.ON_PACE)
    assert weeks_behind(now(0, monthly), MARIA, [monthly], WEEKS, totals(230), THU) == 1
    assert weeks_behind(now(0, monthly), MARIA, [monthly], WEEKS, totals(150, 230), THU) == 2


def test_an_all_or_nothing_goal_follows_the_persons_part():
    shared = goal(id=5, kind="collective", person_id=None, team_id=7, metric="demos", target=5)
    current = person_standing(shared, MARIA, WEEK, THU, 0)
    assert weeks_behind(current, MARIA, [shared], WEEKS, totals(3, 5, metric="demos"), THU) == 2


DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 3, 1))


@given(
    target=st.integers(0, 5_000),
    actual=st.integers(0, 6_000),
    kind=st.sampled_from([PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER]),
    goal_start=DAYS,
    person_start=st.none() | DAYS,
    off=st.lists(st.tuples(DAYS, st.integers(0, 9)), max_size=3),
    week_day=DAYS,
    workweek=st.sets(st.integers(0, 6), min_size=1),
    country=st.sampled_from([None, "US", "AU"]),
    thresholds=st.sampled_from(
        [PaceThresholds(), PaceThresholds(120, 95, 50), PaceThresholds(101, 100, 99)]
    ),
)
def test_the_streaks_fast_week_end_check_agrees_with_the_full_standing(
    target, actual, kind, goal_start, person_start, off, week_day, workweek, country, thresholds
):
    spec = goal(period_kind=kind, target=target, start=goal_start)
    person = PersonFacts(
        1, "maria", person_start, tuple((s, s + timedelta(days=n)) for s, n in off)
    )
    week = Period.containing(PeriodKind.WEEK, week_day)
    team = TeamFacts(
        WorkCalendar(workweek=tuple(sorted(workweek)), country=country),
        today=week.end + timedelta(days=9),
        thresholds=thresholds,
    )
    expected = is_lagging(status_at_week_end(spec, person, week, team, actual))
    assert lagging_at_week_end([spec], person, week, team, actual) is expected
