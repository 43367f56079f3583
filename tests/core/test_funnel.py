from decimal import Decimal
from fractions import Fraction

import pytest

from bot.core.errors import UserError
from bot.core.funnel import (
    FunnelHistory,
    FunnelPlan,
    RateSource,
    format_pct,
    parse_rate_pct,
    plan,
    plan_with,
    rates_from_history,
    resolve_rates,
)

ENOUGH = FunnelHistory(calls=90, demos=27, deals=9, revenue_cents=900_000_00)
THIN = FunnelHistory(calls=10, demos=2, deals=1, revenue_cents=500_00)


def test_seed_figures():
    assert plan(4000_00, 1000_00, 50, 30) == FunnelPlan(
        revenue_cents=4000_00,
        deal_size_cents=1000_00,
        win_rate_pct=Decimal(50),
        demo_rate_pct=Decimal(30),
        deals=4,
        demos=8,
        calls=27,
    )


@pytest.mark.parametrize(
    ("revenue", "deal", "win", "demo", "expected"),
    [
        (4500_00, 1000_00, 50, 30, (5, 10, 34)),  # 4.5 deals → 5; 33.3 calls → 34
        (1000_00, 1000_00, 100, 100, (1, 1, 1)),
        (1, 1000_00, 50, 30, (1, 2, 7)),  # one cent still needs a deal
        (10_000_00, 3000_00, Decimal("33.3"), Decimal("12.5"), (4, 13, 104)),
        (10_000_00, 3000_00, Fraction(1, 1), Fraction(1), (4, 400, 40_000)),
    ],
)
def test_rounds_up_at_every_step(revenue, deal, win, demo, expected):
    result = plan(revenue, deal, win, demo)
    assert (result.deals, result.demos, result.calls) == expected


def test_exact_arithmetic_where_floats_fail():
    # 3 / 0.3 is 10.000000000000002 in floats, which would round up to 11.
    assert plan(3000_00, 1000_00, 100, 30).demos == 3
    assert plan(3000_00, 1000_00, 100, 30).calls == 10
    assert plan(7000_00, 1000_00, 70, 70).demos == 10
    assert plan(7000_00, 1000_00, 70, 70).calls == 15  # 14.29


@pytest.mark.parametrize(
    ("win", "demo", "message"),
    [
        (0, 30, "The win rate must be between 1% and 100% (got 0%)."),
        (Decimal("0.5"), 30, "The win rate must be between 1% and 100% (got 0.5%)."),
        (101, 30, "The win rate must be between 1% and 100% (got 101%)."),
        (50, Decimal("100.5"), "The demo rate must be between 1% and 100% (got 100.5%)."),
        (50, -30, "The demo rate must be between 1% and 100% (got -30%)."),
    ],
)
def test_rates_outside_1_to_100(win, demo, message):
    with pytest.raises(UserError) as err:
        plan(4000_00, 1000_00, win, demo)
    assert err.value.message == message
    assert err.value.example == "/goal plan 4000/month deal 1000 win 50% demo 30%"


def test_rate_bounds_are_inclusive():
    assert plan(4000_00, 1000_00, 1, 100).demos == 400
    assert plan(4000_00, 1000_00, 100, 1).calls == 400


def test_revenue_and_deal_size_must_be_positive():
    with pytest.raises(UserError) as err:
        plan(0, 1000_00, 50, 30)
    assert err.value.message == "The revenue target must be greater than 0."
    with pytest.raises(UserError) as err:
        plan(4000_00, 0, 50, 30)
    assert err.value.message == "The deal size must be greater than 0."


def test_parse_rate_pct():
    assert parse_rate_pct("50%", "win") == Decimal(50)
    assert parse_rate_pct("33.3", "demo") == Decimal("33.3")
    with pytest.raises(UserError) as err:
        parse_rate_pct("half", "win")
    assert err.value.message == 'The win rate "half" is not a percentage.'
    with pytest.raises(UserError):
        parse_rate_pct("150%", "win")
    with pytest.raises(UserError):
        parse_rate_pct("nan", "win")


def test_format_pct():
    assert format_pct(Decimal("30.0")) == "30%"
    assert format_pct(Decimal("33.3")) == "33.3%"
    assert format_pct(100) == "100%"


# --- rates from history ---------------------------------------------------------------


def test_rates_from_enough_history():
    rates = rates_from_history(ENOUGH)
    assert rates.demo_rate_pct == Decimal("30.0")
    assert rates.win_rate_pct == Decimal("33.3")  # 9 / 27
    assert rates.deal_size_cents == 100_000_00


def test_minimum_history_boundaries():
    just = rates_from_history(FunnelHistory(calls=20, demos=5, deals=3, revenue_cents=3))
    assert (just.demo_rate_pct, just.win_rate_pct, just.deal_size_cents) == (
        Decimal("25.0"),
        Decimal("60.0"),
        1,
    )
    assert rates_from_history(FunnelHistory(19, 5, 3, 300)).demo_rate_pct is None
    assert rates_from_history(FunnelHistory(20, 4, 3, 300)).demo_rate_pct is None
    assert rates_from_history(FunnelHistory(20, 4, 3, 300)).win_rate_pct is None
    assert rates_from_history(FunnelHistory(20, 5, 2, 300)).win_rate_pct is None
    assert rates_from_history(FunnelHistory(20, 5, 2, 300)).deal_size_cents is None
    assert rates_from_history(FunnelHistory(20, 5, 3, 0)).deal_size_cents is None


def test_history_rates_rounded_and_clamped():
    odd = rates_from_history(FunnelHistory(calls=30, demos=7, deals=3, revenue_cents=1000))
    assert odd.demo_rate_pct == Decimal("23.3")  # 23.33
    assert odd.win_rate_pct == Decimal("42.9")  # 42.857
    assert odd.deal_size_cents == 333  # 333.33
    more_demos_than_calls = rates_from_history(FunnelHistory(20, 30, 3, 100))
    assert more_demos_than_calls.demo_rate_pct == Decimal(100)
    tiny = rates_from_history(FunnelHistory(calls=2000, demos=5, deals=3, revenue_cents=100))
    assert tiny.demo_rate_pct == Decimal(1)  # 0.25% is kept at 1%


def test_own_history_first():
    rates = resolve_rates(ENOUGH, FunnelHistory(100, 50, 25, 2_500_000_00))
    assert (rates.win_rate_source, rates.demo_rate_source, rates.deal_size_source) == (
        RateSource.OWN,
        RateSource.OWN,
        RateSource.OWN,
    )
    assert str(RateSource.OWN) == "your history"


def test_team_history_when_own_is_thin_and_given_rates_win():
    rates = resolve_rates(THIN, ENOUGH, win_rate_pct=50)
    assert rates.win_rate_pct == Decimal(50)
    assert rates.win_rate_source is RateSource.GIVEN
    assert (rates.demo_rate_pct, rates.demo_rate_source) == (Decimal("30.0"), RateSource.TEAM)
    assert (rates.deal_size_cents, rates.deal_size_source) == (100_000_00, RateSource.TEAM)
    assert str(RateSource.TEAM) == "team history"
    result = plan_with(400_000_00, rates)
    assert (result.deals, result.demos, result.calls) == (4, 8, 27)


def test_missing_rates_named():
    with pytest.raises(UserError) as err:
        resolve_rates(THIN, THIN, deal_size_cents=1000_00)
    message = err.value.message
    assert message.startswith("Not enough history, yours or the team's, for the win rate")
    assert "win rate (needs 5 demos and 3 deals; give `win 50%`)" in message
    assert "demo rate (needs 20 calls and 5 demos; give `demo 30%`)" in message
    assert "deal size" not in message
    assert err.value.example == "/goal plan 4000/month deal 1000 win 50% demo 30%"


def test_missing_with_no_history_at_all():
    with pytest.raises(UserError) as err:
        resolve_rates(None, None, win_rate_pct=50, demo_rate_pct=30)
    assert "deal size (needs 3 deals with revenue; give `deal 1000`)" in err.value.message
    rates = resolve_rates(None, None, deal_size_cents=1000_00, win_rate_pct=50, demo_rate_pct=30)
    assert rates.deal_size_source is RateSource.GIVEN


def test_given_rates_are_checked():
    with pytest.raises(UserError) as err:
        resolve_rates(ENOUGH, None, win_rate_pct=0)
    assert err.value.message == "The win rate must be between 1% and 100% (got 0%)."
    with pytest.raises(UserError):
        resolve_rates(ENOUGH, None, deal_size_cents=0)
