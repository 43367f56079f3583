from datetime import date

import pytest

from bot.core.errors import UserError
from bot.core.periods import Period, PeriodKind
from bot.core.ramps import (
    Ramp,
    check_ramp,
    parse_stretch_pct,
    periods_between,
    ramp_length,
    ramp_target,
    ramp_targets,
    stretch_target,
)


def test_waterfall_up_then_holds():
    assert ramp_targets(50, 100, 10) == [50, 60, 70, 80, 90, 100]
    assert ramp_targets(50, 100, 10, periods=8) == [50, 60, 70, 80, 90, 100, 100, 100]
    assert ramp_target(50, 100, 10, 0) == 50
    assert ramp_target(50, 100, 10, 3) == 80
    assert ramp_target(50, 100, 10, 52) == 100


def test_step_that_overshoots_stops_at_end():
    assert ramp_targets(50, 95, 10) == [50, 60, 70, 80, 90, 95]
    assert ramp_length(50, 95, 10) == 6
    assert ramp_targets(0, 7, 3) == [0, 3, 6, 7]


def test_descending_ramp():
    assert ramp_targets(100, 50, -10) == [100, 90, 80, 70, 60, 50]
    assert ramp_targets(100, 55, -10) == [100, 90, 80, 70, 60, 55]
    assert ramp_target(100, 50, -10, 9) == 50
    assert ramp_length(100, 55, -10) == 6


def test_flat_ramp():
    assert ramp_targets(50, 50, 10) == [50]
    assert ramp_targets(50, 50, -5, periods=3) == [50, 50, 50]


@pytest.mark.parametrize(
    ("start", "end", "step", "message"),
    [
        (50, 100, 0, "A ramp's step cannot be 0."),
        (50, 50, 0, "A ramp's step cannot be 0."),
        (50, 100, -10, "A ramp from 50 to 100 goes up, so its step must be positive (got -10)."),
        (100, 50, 10, "A ramp from 100 to 50 goes down, so its step must be negative (got 10)."),
        (-10, 50, 10, "Ramp amounts cannot be negative."),
    ],
)
def test_bad_ramps(start, end, step, message):
    with pytest.raises(UserError) as err:
        check_ramp(start, end, step)
    assert err.value.message == message
    assert err.value.example == "/goal ramp @bo emails 50 to 100 step 10 per week"
    with pytest.raises(UserError):
        ramp_targets(start, end, step)


def test_negative_index_is_a_programming_error():
    with pytest.raises(ValueError):
        ramp_target(50, 100, 10, -1)


def test_periods_between():
    first_week = Period.containing("week", date(2026, 12, 30))
    assert periods_between(first_week, first_week) == 0
    assert periods_between(first_week, Period.containing("week", date(2027, 1, 6))) == 1
    assert periods_between(first_week, Period.containing("week", date(2026, 12, 21))) == -1
    assert periods_between(first_week, Period.containing("week", date(2026, 12, 20))) == -2
    nov = Period.containing("month", date(2026, 11, 1))
    assert periods_between(nov, Period.containing("month", date(2027, 2, 1))) == 3
    q = Period.containing("quarter", date(2026, 11, 1), 2)  # Nov–Jan fiscal
    assert periods_between(q, Period.containing("quarter", date(2027, 5, 1), 2)) == 2
    y = Period.containing("year", date(2026, 1, 1))
    assert periods_between(y, Period.containing("year", date(2029, 1, 1))) == 3
    d = Period.containing("day", date(2028, 2, 28))
    assert periods_between(d, Period.containing("day", date(2028, 3, 1))) == 2
    with pytest.raises(ValueError):
        periods_between(nov, first_week)


def test_weekly_ramp_from_a_mid_week_date():
    ramp = Ramp(50, 100, 10, PeriodKind.WEEK, from_date=date(2026, 11, 25))
    assert ramp.first_period.start == date(2026, 11, 23)
    assert ramp.target_for(Period.containing("week", date(2026, 11, 16))) is None
    assert ramp.target_for(Period.containing("week", date(2026, 11, 23))) == 50
    assert ramp.target_for(Period.containing("week", date(2026, 12, 1))) == 60
    # Across the year end: 28 Dec is the 6th week → 100, and it stays there.
    assert ramp.target_for(Period.containing("week", date(2026, 12, 28))) == 100
    assert ramp.target_for(Period.containing("week", date(2027, 3, 1))) == 100


def test_monthly_descending_ramp():
    ramp = Ramp(20, 5, -5, PeriodKind.MONTH, from_date=date(2026, 11, 30))
    assert [
        ramp.target_for(Period.containing("month", date(2026 + (m > 12), (m - 1) % 12 + 1, 1)))
        for m in range(11, 17)
    ] == [20, 15, 10, 5, 5, 5]


def test_ramp_dataclass_checks_itself():
    with pytest.raises(UserError):
        Ramp(50, 100, -10, PeriodKind.WEEK, from_date=date(2026, 11, 25))


@pytest.mark.parametrize(
    ("target", "pct", "stretch"),
    [
        (60, 125, 75),
        (61, 125, 77),  # 76.25 rounds up
        (100, 101, 101),
        (7, 300, 21),
        (1, 101, 2),  # 1.01 rounds up
        (0, 125, 0),
        (1_200_000_00, 110, 1_320_000_00),
    ],
)
def test_stretch_target(target, pct, stretch):
    assert stretch_target(target, pct) == stretch


def test_stretch_default_is_125():
    assert stretch_target(80) == 100


@pytest.mark.parametrize("pct", [100, 99, 0, 301, 1000])
def test_stretch_pct_out_of_range(pct):
    with pytest.raises(UserError) as err:
        stretch_target(60, pct)
    assert err.value.message == f"A stretch level must be 101% to 300% of the target (got {pct}%)."


def test_parse_stretch_pct():
    assert parse_stretch_pct("125%") == 125
    assert parse_stretch_pct(" 150 ") == 150
    with pytest.raises(UserError) as err:
        parse_stretch_pct("12.5%")
    assert err.value.message == '"12.5%" is not a whole percentage.'
    with pytest.raises(UserError):
        parse_stretch_pct("100%")
