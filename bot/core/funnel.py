"""The reverse funnel: from a revenue target back to the deals, demos and calls it takes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from bot.core.errors import UserError

PLAN_EXAMPLE = "/goal plan 4000/month deal 1000 win 50% demo 30%"

# Minimum history for a rate to be trusted (in the window the caller counts over, e.g.
# the last 12 weeks). Fewer events than this make a rate mostly noise.
MIN_CALLS = 20
MIN_DEMOS = 5
MIN_DEALS = 3

MIN_RATE_PCT = Decimal(1)
MAX_RATE_PCT = Decimal(100)
_TENTH = Decimal("0.1")

Rate = int | Decimal | Fraction


@dataclass(frozen=True)
class FunnelPlan:
    """What a revenue target takes, each step rounded up: deals = ⌈revenue / deal size⌉,
    demos = ⌈deals / win rate⌉, calls = ⌈demos / demo rate⌉. Rates are percentages:
    win = demo-to-deal, demo = call-to-demo."""

    revenue_cents: int
    deal_size_cents: int
    win_rate_pct: Decimal
    demo_rate_pct: Decimal
    deals: int
    demos: int
    calls: int


def plan(
    revenue_target_cents: int,
    deal_size_cents: int,
    win_rate_pct: Rate,
    demo_rate_pct: Rate,
) -> FunnelPlan:
    """The funnel for a revenue target. 4000/month at 1000 a deal, 50% win and 30% demo:
    4 deals, 8 demos, 27 calls."""
    if revenue_target_cents <= 0:
        raise UserError("The revenue target must be greater than 0.", PLAN_EXAMPLE)
    if deal_size_cents <= 0:
        raise UserError("The deal size must be greater than 0.", PLAN_EXAMPLE)
    win = check_rate_pct(win_rate_pct, "win")
    demo = check_rate_pct(demo_rate_pct, "demo")
    # Exact arithmetic: 8 / 30% is 26.67 calls, never 26.999… or 27.000…1.
    deals = math.ceil(Fraction(revenue_target_cents, deal_size_cents))
    demos = math.ceil(deals * 100 / Fraction(win))
    calls = math.ceil(demos * 100 / Fraction(demo))
    return FunnelPlan(
        revenue_cents=revenue_target_cents,
        deal_size_cents=deal_size_cents,
        win_rate_pct=_as_decimal(win),
        demo_rate_pct=_as_decimal(demo),
        deals=deals,
        demos=demos,
        calls=calls,
    )


def check_rate_pct(rate: Rate, name: str) -> Rate:
    """The rate if it is 1..100 (percent), else a UserError naming it."""
    if not MIN_RATE_PCT <= Fraction(rate) <= MAX_RATE_PCT:
        raise UserError(
            f"The {name} rate must be between 1% and 100% (got {format_pct(rate)}).",
            PLAN_EXAMPLE,
        )
    return rate


def parse_rate_pct(text: str, name: str) -> Decimal:
    """'50%', '50' or '33.3%' as a checked percentage."""
    try:
        rate = Decimal(text.strip().removesuffix("%"))
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite():
        raise UserError(f'The {name} rate "{text.strip()[:40]}" is not a percentage.', PLAN_EXAMPLE)
    check_rate_pct(rate, name)
    return rate


@dataclass(frozen=True)
class FunnelHistory:
    """Totals over one window of history (the same window for all four)."""

    calls: int
    demos: int
    deals: int
    revenue_cents: int


class RateSource(StrEnum):
    GIVEN = "given"
    OWN = "your history"
    TEAM = "team history"


@dataclass(frozen=True)
class HistoryRates:
    """Rates a history supports; None where it is too thin (see rates_from_history)."""

    deal_size_cents: int | None
    win_rate_pct: Decimal | None
    demo_rate_pct: Decimal | None


def rates_from_history(history: FunnelHistory) -> HistoryRates:
    """The rates a window of history supports. Minimum history, per rate:

    - demo rate (calls → demos): at least 20 calls and 5 demos;
    - win rate (demos → deals): at least 5 demos and 3 deals;
    - deal size (revenue / deals): at least 3 deals and some revenue.

    Rates are rounded half up to a tenth of a percent and kept within 1%..100% (a
    history with more demos than calls reads as 100%), so the reply can show the exact
    rate used and a person can type it back. Deal size is rounded half up to the cent.
    """
    demo = win = None
    if history.calls >= MIN_CALLS and history.demos >= MIN_DEMOS:
        demo = _history_pct(history.demos, history.calls)
    if history.demos >= MIN_DEMOS and history.deals >= MIN_DEALS:
        win = _history_pct(history.deals, history.demos)
    deal_size = None
    if history.deals >= MIN_DEALS and history.revenue_cents > 0:
        deal_size = math.floor(Fraction(history.revenue_cents, history.deals) + Fraction(1, 2))
    return HistoryRates(deal_size_cents=deal_size, win_rate_pct=win, demo_rate_pct=demo)


@dataclass(frozen=True)
class FunnelRates:
    """The rates a plan uses, and where each came from (shown in the reply)."""

    deal_size_cents: int
    win_rate_pct: Decimal
    demo_rate_pct: Decimal
    deal_size_source: RateSource
    win_rate_source: RateSource
    demo_rate_source: RateSource


def resolve_rates(
    own: FunnelHistory | None,
    team: FunnelHistory | None,
    *,
    deal_size_cents: int | None = None,
    win_rate_pct: Rate | None = None,
    demo_rate_pct: Rate | None = None,
) -> FunnelRates:
    """Each rate as given, else from the person's own history where it is long enough,
    else from the team's. Given rates are checked first; then a UserError names every
    rate still missing, with an example."""
    if deal_size_cents is not None and deal_size_cents <= 0:
        raise UserError("The deal size must be greater than 0.", PLAN_EXAMPLE)
    if win_rate_pct is not None:
        check_rate_pct(win_rate_pct, "win")
    if demo_rate_pct is not None:
        check_rate_pct(demo_rate_pct, "demo")
    mine = rates_from_history(own) if own is not None else _NO_RATES
    theirs = rates_from_history(team) if team is not None else _NO_RATES
    deal, deal_source = _pick(deal_size_cents, mine.deal_size_cents, theirs.deal_size_cents)
    win, win_source = _pick(win_rate_pct, mine.win_rate_pct, theirs.win_rate_pct)
    demo, demo_source = _pick(demo_rate_pct, mine.demo_rate_pct, theirs.demo_rate_pct)
    missing = [
        text
        for value, text in (
            (deal, f"deal size (needs {MIN_DEALS} deals with revenue; give `deal 1000`)"),
            (win, f"win rate (needs {MIN_DEMOS} demos and {MIN_DEALS} deals; give `win 50%`)"),
            (demo, f"demo rate (needs {MIN_CALLS} calls and {MIN_DEMOS} demos; give `demo 30%`)"),
        )
        if value is None
    ]
    if missing:
        raise UserError(
            "Not enough history, yours or the team's, for the " + ", ".join(missing) + ".",
            PLAN_EXAMPLE,
        )
    assert deal is not None and win is not None and demo is not None  # for the type checker
    return FunnelRates(
        deal_size_cents=int(deal),
        win_rate_pct=_as_decimal(win),
        demo_rate_pct=_as_decimal(demo),
        deal_size_source=deal_source,
        win_rate_source=win_source,
        demo_rate_source=demo_source,
    )


_NO_RATES = HistoryRates(None, None, None)


def _pick(
    given: Rate | None, own: Rate | None, team: Rate | None
) -> tuple[Rate | None, RateSource]:
    """The first known of given, own history, team history, and which it was."""
    for value, source in (
        (given, RateSource.GIVEN),
        (own, RateSource.OWN),
        (team, RateSource.TEAM),
    ):
        if value is not None:
            return value, source
    return None, RateSource.TEAM


def plan_with(revenue_target_cents: int, rates: FunnelRates) -> FunnelPlan:
    return plan(
        revenue_target_cents, rates.deal_size_cents, rates.win_rate_pct, rates.demo_rate_pct
    )


def _history_pct(part: int, whole: int) -> Decimal:
    pct = (Decimal(part) * 100 / Decimal(whole)).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return min(max(pct, MIN_RATE_PCT), MAX_RATE_PCT)


def _as_decimal(rate: Rate) -> Decimal:
    if isinstance(rate, Fraction):
        # Rates people give have at most a few decimals; keep ten so nothing is lost.
        return (Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(Decimal("1e-10"))
    return Decimal(rate)


def format_pct(rate: Rate) -> str:
    """'30%', '33.3%': a rate as the reply shows it (and a person can type it back)."""
    text = f"{_as_decimal(rate).normalize():f}"
    return f"{text}%"
