from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.calendars import WorkCalendar, parse_workweek
from bot.core.errors import UserError
from bot.core.pace import (
    DEFAULT_THRESHOLDS,
    Pace,
    PaceStatus,
    PaceThresholds,
    local_today,
    needed_per_day,
    pace_of_sums,
)
from bot.core.periods import Period
from bot.core.standings import GoalSpec
from bot.core.targets import SpanSums, span_sums

PLAIN = WorkCalendar()
US = WorkCalendar(country="US")
ALL_WEEK = WorkCalendar(workweek=parse_workweek("mon-sun"))
WEEK = Period.containing("week", date(2026, 11, 16))  # Mon 16 – Sun 22 Nov, no US holiday
THANKSGIVING_WEEK = Period.containing("week", date(2026, 11, 26))
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def compute_pace(
    *,
    target,
    actual,
    period,
    calendar,
    today=None,
    now=None,
    tz=None,
    time_off=(),
    start_date=None,
    thresholds=DEFAULT_THRESHOLDS,
) -> Pace:
    """A goal of `target` per `period`'s kind, seen in that period, through the engine."""
    if (today is None) == (now is None) or (now is not None and tz is None):
        raise ValueError("give today, or now with tz")
    if target < 0:
        raise ValueError("target must be ≥ 0")
    today = today or local_today(now, tz)
    goal = GoalSpec(1, "individual", "calls", period.kind, target, date(2000, 1, 1))
    sums = span_sums(
        [goal], period.start, period.end, calendar, today, time_off=time_off, start_date=start_date
    )
    return pace_of_sums(sums, actual, thresholds)


def pace(target=60, actual=0, period=WEEK, calendar=PLAIN, today=date(2026, 11, 18), **kw):
    return compute_pace(
        target=target, actual=actual, period=period, calendar=calendar, today=today, **kw
    )


# --- the whole picture ------------------------------------------------------------------


def test_mid_week_on_pace_full_result():
    # Wednesday: Monday and Tuesday are done, 2 of 5 days → expected 24.
    assert pace(actual=24) == Pace(
        target=60,
        prorated_target=60,
        actual=24,
        expected=24,
        expected_pct=40,
        status=PaceStatus.ON_PACE,
        pct=40,
        needed_per_day=12,  # 36 to go over Wed, Thu, Fri
        forecast=60,
        normal_days=5,
        available_days=5,
        completed_days=2,
        remaining_days=3,
    )


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (60, PaceStatus.HIT),
        (75, PaceStatus.HIT),
        (27, PaceStatus.AHEAD),  # 112.5% of 24
        ("26.4", PaceStatus.AHEAD),  # exactly 110%
        (26, PaceStatus.ON_PACE),  # 108.3%
        (22, PaceStatus.ON_PACE),  # 91.7%
        ("21.6", PaceStatus.ON_PACE),  # exactly 90%
        (21, PaceStatus.BEHIND),  # 87.5%
        (18, PaceStatus.BEHIND),  # exactly 75%
        (17, PaceStatus.AT_RISK),  # 70.8%
        (0, PaceStatus.AT_RISK),
    ],
)
def test_status_thresholds(actual, status):
    # Statuses compare with the whole units shown: expected 24 of a target of 60, and
    # actual ×10 against expected ×10 to try the exact percent boundaries.
    scale = 10 if isinstance(actual, str) else 1
    sums = SpanSums(Fraction(60 * scale), Fraction(24 * scale), 5, 2, 5)
    assert pace_of_sums(sums, int(Fraction(actual) * scale)).status is status


def test_status_values_read_well():
    assert [str(s) for s in PaceStatus] == [
        "hit",
        "ahead",
        "on pace",
        "behind",
        "at risk",
        "not started",
    ]


def test_not_started_before_any_day_has_ended():
    monday = pace(actual=0, today=date(2026, 11, 16))
    assert (monday.status, monday.expected, monday.completed_days) == (PaceStatus.NOT_STARTED, 0, 0)
    assert monday.needed_per_day == 12
    # Logging before anything is expected is ahead of pace, never "not started"…
    assert pace(actual=10, today=date(2026, 11, 16)).status is PaceStatus.AHEAD
    # …and hitting the target is a hit.
    assert pace(actual=60, today=date(2026, 11, 16)).status is PaceStatus.HIT


def test_custom_thresholds():
    strict = PaceThresholds(ahead_pct=120, on_pace_pct=100, behind_pct=80)
    assert pace(actual=27, thresholds=strict).status is PaceStatus.ON_PACE
    assert pace(actual=23, thresholds=strict).status is PaceStatus.BEHIND
    assert pace(actual=19, thresholds=strict).status is PaceStatus.AT_RISK


@pytest.mark.parametrize(
    ("ahead", "on_pace", "behind"), [(90, 110, 75), (110, 90, 90), (110, 90, 0)]
)
def test_thresholds_must_go_down(ahead, on_pace, behind):
    with pytest.raises(UserError) as err:
        PaceThresholds(ahead, on_pace, behind)
    assert "must go down" in err.value.message


def test_period_over_counts_every_day():
    done = pace(actual=45, today=date(2026, 11, 23))
    assert (done.completed_days, done.remaining_days) == (5, 0)
    assert done.expected == 60
    assert done.status is PaceStatus.BEHIND  # 75% of 60
    assert done.needed_per_day == 15  # the whole gap, still owed
    assert done.forecast == 45


def test_future_period():
    ahead_of_time = pace(actual=0, today=date(2026, 11, 1))
    assert ahead_of_time.status is PaceStatus.NOT_STARTED
    assert (ahead_of_time.completed_days, ahead_of_time.remaining_days) == (0, 5)
    assert ahead_of_time.forecast == 0


def test_weekend_today_counts_friday_as_done():
    saturday = pace(actual=50, today=date(2026, 11, 21))
    assert (saturday.completed_days, saturday.remaining_days) == (5, 0)
    assert saturday.needed_per_day == 10
    # Expected is the full 60 once every day has ended: 50 / 60 = 83% is behind.
    assert (saturday.expected, saturday.status) == (60, PaceStatus.BEHIND)


def test_pct_rounds_down_so_100_means_hit():
    assert pace(actual=59).pct == 98
    assert pace(actual=60).pct == 100
    assert pace(actual=90).pct == 150


def test_needed_per_day_rounds_up():
    assert needed_per_day(60, 50, 3) == 4  # 10 / 3 = 3.33
    assert needed_per_day(60, 48, 3) == 4
    assert needed_per_day(60, 60, 3) == 0
    assert needed_per_day(60, 70, 3) == 0
    assert needed_per_day(60, 20, 0) == 40
    assert needed_per_day(0, 0, 0) == 0


def test_forecast_is_actual_over_expected_times_target():
    assert pace(actual=30).forecast == 75  # 30 / 24 × 60
    assert pace(actual=10, today=date(2026, 11, 19)).forecast == 17  # 10 / 36 × 60 = 16.67
    assert pace(actual=7).forecast == 18  # 7 / 24 × 60 = 17.5, rounded half up
    assert pace(actual=12, today=date(2026, 11, 16)).forecast == 12  # nothing expected yet


def test_expected_is_exact_until_shown():
    wed = pace(target=10, actual=4, calendar=ALL_WEEK)  # 2 of 7 days: 2.857
    assert wed.expected == 3
    assert wed.expected_pct == 30  # of the expected shown
    assert wed.status is PaceStatus.AHEAD  # 4 / 3 shown = 133%


# --- proration: holidays, time off, start dates -------------------------------------------


def test_a_holiday_takes_its_day_away_from_a_weekly_rate():
    # Thanksgiving: the team works 4 days, so a 60/week goal asks 4 × 12 = 48.
    friday = pace(actual=40, period=THANKSGIVING_WEEK, calendar=US, today=date(2026, 11, 27))
    assert (friday.normal_days, friday.available_days) == (4, 4)
    assert friday.target == 48
    assert friday.completed_days == 3  # Mon, Tue, Wed (Thursday is no working day)
    assert friday.expected == 36
    assert friday.remaining_days == 1
    assert friday.needed_per_day == 8
    assert friday.status is PaceStatus.AHEAD  # 40 / 36 = 111%
    # With Friday off too: 3 days, 36.
    off = pace(
        actual=0, period=THANKSGIVING_WEEK, calendar=US, time_off=[(date(2026, 11, 27),) * 2]
    )
    assert off.target == 36
    # On Thanksgiving itself nothing more has been completed than on Wednesday night.
    thursday = pace(actual=40, period=THANKSGIVING_WEEK, calendar=US, today=date(2026, 11, 26))
    assert (thursday.completed_days, thursday.remaining_days) == (3, 1)


def test_time_off_prorates_target():
    off = [(date(2026, 11, 16), date(2026, 11, 17))]
    p = pace(actual=12, time_off=off, today=date(2026, 11, 19))
    assert (p.normal_days, p.available_days) == (5, 3)
    assert p.prorated_target == 36
    assert p.completed_days == 1  # Wednesday only
    assert p.expected == 12
    assert p.status is PaceStatus.ON_PACE
    assert p.pct == 33
    assert p.needed_per_day == 12
    assert p.forecast == 36


def test_targets_round_half_up():
    def target(exact):
        return pace_of_sums(SpanSums(exact, Fraction(0), 5, 0, 5), 0).target

    assert target(Fraction(2000, 21)) == 95  # 95.24
    assert target(Fraction(7, 2)) == 4
    assert target(Fraction(5, 2)) == 3
    assert target(Fraction(0)) == 0


def test_time_off_covering_whole_period():
    p = pace(actual=0, time_off=[(date(2026, 11, 14), date(2026, 11, 23))])
    assert (p.available_days, p.prorated_target, p.expected) == (0, 0, 0)
    assert p.status is PaceStatus.HIT  # nothing is owed
    assert p.nothing_to_do
    assert (p.pct, p.needed_per_day, p.forecast, p.to_go) == (100, 0, 0, 0)


def test_person_starting_on_last_day_of_period():
    november = Period.containing("month", date(2026, 11, 1))
    start = date(2026, 11, 30)  # a Monday, the month's last day
    on_the_day = compute_pace(
        target=210, actual=0, period=november, calendar=PLAIN, today=start, start_date=start
    )
    assert (on_the_day.normal_days, on_the_day.available_days) == (21, 1)
    assert on_the_day.prorated_target == 10
    assert on_the_day.status is PaceStatus.NOT_STARTED
    assert (on_the_day.completed_days, on_the_day.remaining_days) == (0, 1)
    assert on_the_day.needed_per_day == 10
    after = compute_pace(
        target=210,
        actual=4,
        period=november,
        calendar=PLAIN,
        today=date(2026, 12, 1),
        start_date=start,
    )
    assert (after.expected, after.status, after.needed_per_day) == (10, PaceStatus.AT_RISK, 6)


def test_person_starting_on_a_weekend_last_day():
    p = pace(actual=0, start_date=date(2026, 11, 22), today=date(2026, 11, 22))
    assert p.available_days == 0
    assert p.status is PaceStatus.HIT
    assert p.nothing_to_do


def test_zero_target():
    p = pace(target=0, actual=0)
    assert (p.prorated_target, p.expected, p.expected_pct) == (0, 0, 0)
    assert (p.status, p.pct, p.needed_per_day) == (PaceStatus.HIT, 100, 0)
    assert p.nothing_to_do  # a zero rate carries nothing on any day
    assert pace(target=0, actual=5).pct == 100


def test_period_without_working_days():
    saturday = Period.containing("day", date(2026, 11, 21))
    p = pace(target=20, actual=0, period=saturday, today=date(2026, 11, 21))
    assert (p.normal_days, p.available_days, p.prorated_target) == (0, 0, 0)
    assert p.status is PaceStatus.HIT


def test_negative_target_is_a_programming_error():
    with pytest.raises(ValueError):
        pace(target=-1)


def test_gap_helpers():
    p = pace(actual=20)  # expected 24, target 60
    assert (p.gap_to_expected, p.to_go) == (4, 40)
    assert pace(actual=30).gap_to_expected == 0


def test_money_target_in_cents():
    p = pace(target=1_200_000_00, actual=500_000_00, today=date(2026, 11, 20))
    assert p.expected == 960_000_00
    assert p.needed_per_day == 700_000_00
    assert p.forecast == 625_000_00


def test_leap_day_month():
    feb = Period.containing("month", date(2028, 2, 1))
    p = compute_pace(target=200, actual=190, period=feb, calendar=US, today=date(2028, 2, 29))
    assert (p.normal_days, p.completed_days, p.remaining_days) == (20, 19, 1)
    assert p.expected == 190
    assert p.needed_per_day == 10
    leap_day = Period.containing("day", date(2028, 2, 29))
    q = compute_pace(target=20, actual=0, period=leap_day, calendar=US, today=date(2028, 3, 1))
    assert (q.available_days, q.completed_days, q.status) == (1, 1, PaceStatus.AT_RISK)


def test_year_end_week_with_holidays():
    week = Period.containing("week", date(2027, 1, 1))  # Mon 28 Dec – Sun 3 Jan
    p = compute_pace(target=40, actual=20, period=week, calendar=US, today=date(2026, 12, 30))
    assert (p.normal_days, p.completed_days, p.remaining_days) == (4, 2, 2)
    # New Year's Day takes its 8 away: 32 over 4 days, 16 expected after Mon and Tue.
    assert (p.target, p.expected, p.status) == (32, 16, PaceStatus.AHEAD)


def test_quarter_starting_mid_week():
    q4 = Period.containing("quarter", date(2026, 10, 1))  # starts on a Thursday
    p = compute_pace(target=620, actual=10, period=q4, calendar=US, today=date(2026, 10, 2))
    assert (p.normal_days, p.completed_days) == (62, 1)
    assert (p.expected, p.status) == (10, PaceStatus.ON_PACE)


# --- the team's time zone decides which days have ended -----------------------------------


def test_local_today():
    assert local_today(utc("2026-11-20T03:00"), NEW_YORK) == date(2026, 11, 19)
    assert local_today(utc("2026-11-20T03:00"), SYDNEY) == date(2026, 11, 20)
    with pytest.raises(ValueError):
        local_today(datetime(2026, 11, 20, 3), NEW_YORK)


def completed_at(instant, tz, period, calendar=PLAIN):
    return compute_pace(
        target=70, actual=0, period=period, calendar=calendar, now=utc(instant), tz=tz
    ).completed_days


def test_new_york_autumn_back_week():
    # Clocks go back on Sun 1 Nov 2026 at 02:00 EDT; Sunday ends at 05:00 UTC (EST).
    week = Period.containing("week", date(2026, 11, 1))  # Mon 26 Oct – Sun 1 Nov
    assert completed_at("2026-11-02T04:30", NEW_YORK, week, ALL_WEEK) == 6
    assert completed_at("2026-11-02T04:59:59", NEW_YORK, week, ALL_WEEK) == 6
    assert completed_at("2026-11-02T05:00", NEW_YORK, week, ALL_WEEK) == 7
    # Saturday 31 Oct was still on EDT: it ended at 04:00 UTC.
    assert completed_at("2026-11-01T03:59", NEW_YORK, week, ALL_WEEK) == 5
    assert completed_at("2026-11-01T04:00", NEW_YORK, week, ALL_WEEK) == 6


def test_new_york_spring_forward_week():
    # Clocks go forward on Sun 8 Mar 2026; Monday 9 Mar ends at 04:00 UTC (EDT), not 05:00.
    week = Period.containing("week", date(2026, 3, 9))
    assert completed_at("2026-03-10T03:59", NEW_YORK, week) == 0
    assert completed_at("2026-03-10T04:00", NEW_YORK, week) == 1
    # The Friday before the change (EST) ended at 05:00 UTC.
    before = Period.containing("week", date(2026, 3, 2))
    assert completed_at("2026-03-07T04:59", NEW_YORK, before) == 4
    assert completed_at("2026-03-07T05:00", NEW_YORK, before) == 5


def test_sydney_spring_forward_week():
    # Clocks go forward on Sun 4 Oct 2026 (AEST +10 → AEDT +11): Monday 5 Oct ends 13:00 UTC.
    week = Period.containing("week", date(2026, 10, 5))
    assert completed_at("2026-10-05T12:59", SYDNEY, week) == 0
    assert completed_at("2026-10-05T13:00", SYDNEY, week) == 1
    # Over the switch itself, with a 7-day work week: Saturday 3 Oct ended at 14:00 UTC.
    switch = Period.containing("week", date(2026, 10, 4))  # Mon 28 Sep – Sun 4 Oct
    assert completed_at("2026-10-03T13:59", SYDNEY, switch, ALL_WEEK) == 5
    assert completed_at("2026-10-03T14:00", SYDNEY, switch, ALL_WEEK) == 6
    # Sunday 4 Oct was 23 hours long and ended at 13:00 UTC.
    assert completed_at("2026-10-04T12:59", SYDNEY, switch, ALL_WEEK) == 6
    assert completed_at("2026-10-04T13:00", SYDNEY, switch, ALL_WEEK) == 7


def test_sydney_autumn_back_week():
    # Clocks go back on Sun 5 Apr 2026 (AEDT +11 → AEST +10): Monday 6 Apr ends 14:00 UTC.
    week = Period.containing("week", date(2026, 4, 6))
    assert completed_at("2026-04-06T13:30", SYDNEY, week) == 0
    assert completed_at("2026-04-06T14:00", SYDNEY, week) == 1


def test_same_instant_differs_by_zone():
    # Friday 20 Nov 2026, 15:00 UTC: still Friday in New York, already Saturday in Sydney.
    instant = "2026-11-20T15:00"
    assert completed_at(instant, NEW_YORK, WEEK) == 4
    assert completed_at(instant, SYDNEY, WEEK) == 5


def test_today_or_now_not_both_nor_neither():
    with pytest.raises(ValueError):
        compute_pace(target=1, actual=0, period=WEEK, calendar=PLAIN)
    with pytest.raises(ValueError):
        compute_pace(target=1, actual=0, period=WEEK, calendar=PLAIN, now=utc("2026-11-20T15:00"))
    with pytest.raises(ValueError):
        compute_pace(
            target=1,
            actual=0,
            period=WEEK,
            calendar=PLAIN,
            today=date(2026, 11, 18),
            now=utc("2026-11-20T15:00"),
            tz=NEW_YORK,
        )


# --- invariants -------------------------------------------------------------------------------


@given(
    target=st.integers(0, 10_000),
    actual=st.integers(0, 20_000),
    offset=st.integers(-10, 40),
    off_start=st.integers(0, 29),
    off_len=st.integers(0, 10),
)
def test_invariants(target, actual, offset, off_start, off_len):
    month = Period.containing("month", date(2026, 11, 1))
    off_from = month.start + timedelta(days=off_start)
    p = compute_pace(
        target=target,
        actual=actual,
        period=month,
        calendar=US,
        today=month.start + timedelta(days=offset),
        time_off=[(off_from, off_from + timedelta(days=off_len))],
    )
    assert p.completed_days + p.remaining_days == p.available_days <= p.normal_days == 19
    assert 0 <= p.prorated_target <= target
    assert 0 <= p.expected <= p.prorated_target
    assert 0 <= p.expected_pct <= 100
    assert (p.status is PaceStatus.HIT) == (actual >= p.prorated_target)
    if p.status is not PaceStatus.HIT:
        assert p.needed_per_day * max(p.remaining_days, 1) >= p.prorated_target - actual
    else:
        assert p.needed_per_day == 0
