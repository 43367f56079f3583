import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.amounts import (
    format_amount,
    looks_like_amount,
    parse_amount,
    parse_count,
    parse_money_cents,
)
from bot.core.errors import UserError
from bot.core.metrics import Metric, MetricCatalog

CATALOG = MetricCatalog()
CALLS = CATALOG.get("calls")
REVENUE = CATALOG.get("revenue")


@pytest.mark.parametrize(
    ("token", "expected"),
    [("1", 1), ("12", 12), ("012", 12), ("1,000", 1000), ("1000", 1000), (" 7 ", 7)],
)
def test_counts(token, expected):
    assert parse_count(token, CALLS) == expected


def test_count_separators_in_correct_groups_up_to_a_custom_cap():
    visits = Metric("visits", cap=5_000_000, builtin=False)
    assert parse_count("1,200", visits) == 1200
    assert parse_count("1,234,567", visits) == 1_234_567


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("0", '"0" is zero'),
        ("-3", '"-3" is negative'),
        ("−3", "is negative"),
        ("2.5", '"2.5" is not a whole number'),
        (".5", "is not a whole number"),
        ("1001", '"1001" is more than the limit of 1,000 calls per entry'),
        ("1,001", "more than the limit of 1,000 calls"),
        ("9" * 5000, "more than the limit of 1,000 calls"),
        ("12,00", "misplaced thousands separators"),
        ("1,2,3", "misplaced thousands separators"),
        ("$5", "is money, but calls is a count"),
        ("abc", '"abc" is not a number of calls'),
        ("5k", '"5k" is not a number of calls'),
        ("١٢", "is not a number of calls"),
        ("1_000", "is not a number of calls"),
    ],
)
def test_bad_counts(token, fragment):
    with pytest.raises(UserError) as caught:
        parse_count(token, CALLS)
    assert fragment in caught.value.text
    assert "Example: `/log calls 12`" in caught.value.text


def test_count_zero_allowed_for_corrections():
    assert parse_count("0", CALLS, allow_zero=True) == 0
    with pytest.raises(UserError, match="must be 0 or more"):
        parse_count("-1", CALLS, allow_zero=True)


@pytest.mark.parametrize(
    ("token", "cents"),
    [
        ("4500", 450_000),
        ("4,500", 450_000),
        ("$4,500", 450_000),
        ("$4,500.50", 450_050),
        ("$4,500.5", 450_050),
        ("0.01", 1),
        ("4.5k", 450_000),
        ("4.5K", 450_000),
        ("$4.5k", 450_000),
        ("1.2m", 120_000_000),
        ("$1.2M", 120_000_000),
        ("4.5555k", 455_550),
        ("1.23456789m", 123_456_789),
        ("1,200.5k", 120_050_000),
        ("10m", 1_000_000_000),
        ("$10,000,000.00", 1_000_000_000),
    ],
)
def test_money(token, cents):
    assert parse_money_cents(token, REVENUE) == cents


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("$4,50,0", '"$4,50,0" has misplaced thousands separators'),
        ("4,5000", "misplaced thousands separators"),
        ("4kk", '"4kk" has an unknown suffix "kk"'),
        ("4usd", 'unknown suffix "usd"'),
        ("4.555", '"4.555" has more than two decimals'),
        ("1.234567891m", "finer than a cent"),
        ("-5", '"-5" is negative'),
        ("-$5", "is negative"),
        ("$-5", "is negative"),
        ("0", '"0" is zero'),
        ("$0.00", "is zero"),
        ("0k", "is zero"),
        ("10,000,000.01", "more than the limit of $10,000,000 per entry"),
        ("10.1m", "more than the limit of $10,000,000 per entry"),
        ("9" * 5000, "more than the limit"),
        ("$", '"$" is not an amount of money'),
        ("abc", "is not an amount of money"),
        ("4.5.5", "is not an amount of money"),
        ("4.", "is not an amount of money"),
        ("-abc", "is not an amount of money"),
    ],
)
def test_bad_money(token, fragment):
    with pytest.raises(UserError) as caught:
        parse_money_cents(token, REVENUE)
    assert fragment in caught.value.text
    assert "Example: `/log revenue $4,500`" in caught.value.text


def test_money_zero_allowed_for_corrections():
    assert parse_money_cents("$0", REVENUE, allow_zero=True) == 0


def test_parse_amount_dispatches_on_metric_kind():
    assert parse_amount("1,200", REVENUE) == 120_000
    assert parse_amount("12", CALLS) == 12
    with pytest.raises(UserError, match="is not a number of calls"):
        parse_amount("4.5k", CALLS)


def test_custom_example_is_used():
    with pytest.raises(UserError) as caught:
        parse_amount("0", CALLS, example="/log fix calls 10")
    assert caught.value.example == "/log fix calls 10"


@pytest.mark.parametrize(
    "token", ["12", "$4,500", "4.5k", "-3", "−3", "$-3", "+3", ".5", "4kk", "2026-11-20"]
)
def test_looks_like_amount(token):
    assert looks_like_amount(token)


@pytest.mark.parametrize("token", ["$", "calls", "k", "m", "-", "--", "-abc", "", "@maria", "one"])
def test_does_not_look_like_amount(token):
    assert not looks_like_amount(token)


@pytest.mark.parametrize(
    ("quantity", "metric", "text"),
    [
        (12, CALLS, "12"),
        (1200, CALLS, "1,200"),
        (450_000, REVENUE, "$4,500"),
        (450_050, REVENUE, "$4,500.50"),
        (5, REVENUE, "$0.05"),
        (-450_050, REVENUE, "-$4,500.50"),
        (-3, CALLS, "-3"),
    ],
)
def test_format_amount(quantity, metric, text):
    assert format_amount(quantity, metric) == text


@given(st.integers(min_value=1, max_value=CALLS.cap))
def test_count_round_trip(quantity):
    assert parse_amount(format_amount(quantity, CALLS), CALLS) == quantity


@given(st.integers(min_value=1, max_value=REVENUE.cap))
def test_money_round_trip(cents):
    assert parse_amount(format_amount(cents, REVENUE), REVENUE) == cents


@given(st.integers(min_value=1, max_value=10_000), st.sampled_from(["k", "K", "m", "M"]))
def test_suffixes_multiply(thousandths, suffix):
    whole, frac = divmod(thousandths, 1000)
    token = f"{whole}.{frac:03d}{suffix}"
    multiplier = 1_000 if suffix.lower() == "k" else 1_000_000
    assert parse_money_cents(token, REVENUE) == thousandths * multiplier // 10


_AMOUNTISH = st.text(alphabet="0123456789,.$-−+kKmMx ", max_size=15)


@given(st.one_of(st.text(), _AMOUNTISH), st.sampled_from([CALLS, REVENUE]), st.booleans())
def test_any_text_parses_or_raises_a_user_error_with_an_example(token, metric, allow_zero):
    try:
        value = parse_amount(token, metric, allow_zero=allow_zero)
    except UserError as error:
        assert error.text.strip()
        assert "Example: `/log " in error.text
    else:
        assert (0 if allow_zero else 1) <= value <= metric.cap
